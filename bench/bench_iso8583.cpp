// ns per Pack and Unpack of a typical 0100 (the purchase of the golden file: 19 fields, a
// 250-byte frame), and of the 0110 built from it: the card gateway's codec share of an
// authorization's 20 µs.
// Run on demand: build/iso8583_bench (never in CI).
#include <benchmark/benchmark.h>

#include "iso8583/codec.h"
#include "iso8583/testing.h"

namespace corridor::iso8583 {
namespace {

void BM_Pack0100(benchmark::State& state) {
  Message message;
  testing::BuildPurchase0100(&message);
  std::string frame;
  for (auto _ : state) {
    CodecError error = Pack(Iso8583_1987(), message, &frame);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(frame.data());
  }
  state.counters["bytes"] = static_cast<double>(frame.size());
}
BENCHMARK(BM_Pack0100);

void BM_Unpack0100(benchmark::State& state) {
  Message message;
  testing::BuildPurchase0100(&message);
  std::string frame;
  if (!Pack(Iso8583_1987(), message, &frame).ok()) state.SkipWithError("pack failed");
  Message read;
  for (auto _ : state) {
    CodecError error = Unpack(Iso8583_1987(), frame, &read);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(read);
  }
}
BENCHMARK(BM_Unpack0100);

// What the gateway does per request: frame in, response out (fields echoed as views, 38 and 39
// set, the response packed into a reused string).
void BM_Unpack0100AndPack0110(benchmark::State& state) {
  Message message;
  testing::BuildPurchase0100(&message);
  std::string request;
  if (!Pack(Iso8583_1987(), message, &request).ok()) state.SkipWithError("pack failed");
  Message read, response;
  std::string frame;
  for (auto _ : state) {
    CodecError error = Unpack(Iso8583_1987(), request, &read);
    response.Clear();
    response.set_mti("0110");
    for (int number : {2, 3, 4, 7, 11, 37, 41, 49}) response.Set(number, read.field(number));
    response.Set(38, "A1B2C3");
    response.Set(39, "00");
    error = Pack(Iso8583_1987(), response, &frame);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(frame.data());
  }
}
BENCHMARK(BM_Unpack0100AndPack0110);

}  // namespace
}  // namespace corridor::iso8583

BENCHMARK_MAIN();
