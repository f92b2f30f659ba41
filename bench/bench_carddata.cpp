// ns per Protect (HMAC-SHA-256 + AES-256-GCM seal of a 16-digit PAN, nonce from RAND_bytes),
// per Hash and per Unseal: the card data share of an authorization's 20 µs.
// Run on demand: build/carddata_bench (never in CI).
#include <benchmark/benchmark.h>

#include "carddata/carddata.h"

namespace corridor::carddata {
namespace {

Keys BenchKeys() {
  Keys keys;
  for (size_t i = 0; i < 32; ++i) {
    keys.hash_key[i] = static_cast<uint8_t>(i);
    keys.seal_key[i] = static_cast<uint8_t>(255 - i);
  }
  return keys;
}

void BM_Protect(benchmark::State& state) {
  Protector protector(BenchKeys());
  hub::Card card;
  for (auto _ : state) {
    bool ok = protector.Protect("2200150123456789", &card);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Protect)->ThreadRange(1, 2);

void BM_Hash(benchmark::State& state) {
  Protector protector(BenchKeys());
  for (auto _ : state) benchmark::DoNotOptimize(protector.Hash("2200150123456789"));
}
BENCHMARK(BM_Hash);

void BM_Unseal(benchmark::State& state) {
  Protector protector(BenchKeys());
  hub::Card card;
  if (!protector.Protect("2200150123456789", &card)) state.SkipWithError("protect failed");
  std::string pan;
  for (auto _ : state) {
    bool ok = protector.Unseal(card.sealed_pan, &pan);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Unseal);

}  // namespace
}  // namespace corridor::carddata

BENCHMARK_MAIN();
