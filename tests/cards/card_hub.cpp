#include "cards/card_hub.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <tuple>
#include <vector>

#include "base/sha256.h"
#include "serve/test_util.h"

namespace corridor::testing {

const ParticipantSpec kMir = {"MIRBRUMM", "Mir Bank", "RU", {"issuer", "acquirer"},
                              "mir-token-00001", {}};
const ParticipantSpec kBel = {"BELKBY2X", "Belkart Bank", "BY", {"issuer", "acquirer"},
                              "belkart-token-01", {}};
const ParticipantSpec kFx = {"FXCORUMM", "Corridor FX", "RU", {"fx"}, "fx-token-0001", {}};
const ParticipantSpec kIss = {"ONLYRUMM", "Issuing Only Bank", "RU", {"issuer"},
                              "only-token-0001", {}};

const char kRates[] =
    "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"},"
    "{\"source\":\"RUB\",\"target\":\"BYN\",\"rate\":\"0.03640000\"}]}";

void SetCardKeys() {
  setenv("CORRIDOR_CARD_HASH_KEY", kHashKey, 1);
  setenv("CORRIDOR_CARD_SEAL_KEY", kSealKey, 1);
}

namespace {
void Edit(std::string* text, const std::string& from, const std::string& to) {
  const size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text->replace(at, from.size(), to);
}
}  // namespace

void WriteCardConfig(const std::string& path) {
  std::string config = ReadFile(ShippedConfig());
  ASSERT_NO_FATAL_FAILURE(
      Edit(&config, "card_issuer_timeout_ms = 5000", "card_issuer_timeout_ms = 1500"));
  ASSERT_NO_FATAL_FAILURE(
      Edit(&config, "echo_interval_seconds = 30", "echo_interval_seconds = 2"));
  config += "\n[listeners.cards]\nlisten = \"127.0.0.1:0\"\n";
  WriteFile(path, config);
}

std::string CardBody(std::string_view institution, std::string_view bin, std::string_view key) {
  return "{\"institution_id\":\"" + std::string(institution) + "\",\"bin_prefixes\":[\"" +
         std::string(bin) + "\"],\"signon_key_sha256\":\"" + Sha256Hex(key) + "\"}";
}

void OnboardCardBanks(HttpClient& admin, uint16_t participants_port) {
  for (const ParticipantSpec* p : {&kMir, &kBel, &kFx, &kIss}) {
    const auto created = Call(admin, "POST", "/v1/participants", p->ToJson());
    ASSERT_EQ(created.status, 201) << p->id << ": " << created.body;
  }
  const std::vector<std::tuple<const ParticipantSpec*, std::string, int64_t>> deposits = {
      {&kMir, "RUB", 1'000'000'00}, {&kBel, "BYN", 100'000'00},
      {&kFx, "RUB", 1'000'000'00},  {&kFx, "BYN", 100'000'00}};
  for (const auto& [p, currency, minor] : deposits) {
    const HttpResponse r = Call(admin, "POST", "/v1/participants/" + p->id + "/liquidity",
                                LiquidityJson("d-" + currency, currency, minor, true));
    ASSERT_EQ(r.status, 200) << p->id << ": " << Describe(r);
  }
  HttpClient fx("127.0.0.1", participants_port);
  fx.set_authorization(Bearer(kFx.token));
  ASSERT_EQ(Call(fx, "PUT", "/v1/fx/rates", kRates).status, 200);
  for (const auto& [p, institution, bin, key] :
       {std::tuple{&kMir, kMirInstitution, "220015", kMirKey},
        std::tuple{&kBel, kBelInstitution, "911201", kBelKey},
        std::tuple{&kIss, kIssInstitution, "220099", kIssKey}}) {
    const HttpResponse r = Call(admin, "PUT", "/v1/participants/" + p->id + "/card",
                                CardBody(institution, bin, key));
    ASSERT_TRUE(r.status == 200 || r.status == 201) << p->id << ": " << Describe(r);
  }
}

void Build(const Req& r, iso8583::Message* m) {
  m->Clear();
  m->set_mti(r.mti);
  m->SetCopy(2, r.pan);
  m->SetCopy(3, r.processing);
  char amount[16];
  std::snprintf(amount, sizeof amount, "%012lld", static_cast<long long>(r.minor));
  m->SetCopy(4, amount);
  m->SetCopy(7, r.time);
  m->SetCopy(11, r.stan);
  m->SetCopy(12, "120000");
  m->SetCopy(13, "1201");
  m->SetCopy(32, r.institution);
  m->SetCopy(37, r.rrn);
  m->SetCopy(41, r.terminal);
  m->SetCopy(42, "MERCHANT0000001");
  m->SetCopy(49, r.currency);
}

int64_t Recompute(std::string_view field4, std::string_view field10) {
  const int decimals = field10[0] - '0';
  const int64_t digits = std::stoll(std::string(field10.substr(1)));
  const __int128 product = static_cast<__int128>(std::stoll(std::string(field4))) * digits;
  __int128 scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  __int128 q = product / scale;
  const __int128 r = product % scale;
  if (2 * r > scale || (2 * r == scale && q % 2 == 1)) ++q;
  return static_cast<int64_t>(q);
}

}  // namespace corridor::testing
