// What the card gateway's end-to-end tests share: the banks and cards they onboard, the card
// configuration they run the hub with, and the ISO 8583 request they send.
//
// Thread: test thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iso8583/message.h"
#include "serve/hub_util.h"

namespace corridor::testing {

// A Mir bank (RU) and a Belkart bank (BY), each issuer and acquirer; an FX provider; an
// issuer-only bank.
extern const ParticipantSpec kMir;
extern const ParticipantSpec kBel;
extern const ParticipantSpec kFx;
extern const ParticipantSpec kIss;

inline constexpr char kIssInstitution[] = "220099";
inline constexpr char kIssKey[] = "9999000099990000";
inline constexpr char kMirInstitution[] = "220015";
inline constexpr char kBelInstitution[] = "911201";
inline constexpr char kMirKey[] = "1111222233334444";
inline constexpr char kBelKey[] = "5555666677778888";
inline constexpr char kMirPan[] = "2200150000000013";  // a Mir test card of kMir
inline constexpr char kBelPan[] = "9112010000000018";  // a Belkart test card of kBel

// The FX provider's rates (BYN→RUB 27.45, RUB→BYN 0.0364).
extern const char kRates[];

// The card data keys (CORRIDOR_CARD_HASH_KEY, CORRIDOR_CARD_SEAL_KEY).
inline constexpr char kHashKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
inline constexpr char kSealKey[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

// Sets the card keys in this process's environment (the hub inherits them).
void SetCardKeys();

// The shipped configuration with a cards listener on 127.0.0.1:0, the issuer timeout 1.5 s and
// echoes every 2 s, written to `path`.
void WriteCardConfig(const std::string& path);

// The body of PUT /v1/participants/{id}/card.
std::string CardBody(std::string_view institution, std::string_view bin, std::string_view key);

// Onboards kMir, kBel, kFx and kIss with liquidity, the FX rates and card settings (Mir 220015,
// Belkart 911201, the issuer-only bank 220099). Fails the test (fatally) when a call fails.
void OnboardCardBanks(HttpClient& admin, uint16_t participants_port);

// A request as an acquirer sends it.
struct Req {
  std::string mti = "0100";
  std::string pan;
  int64_t minor = 0;
  std::string currency;  // numeric: "643", "933"
  std::string institution;
  std::string stan;
  std::string time;
  std::string rrn;
  std::string terminal = "TERM0001";
  std::string processing = "000000";
};

void Build(const Req& r, iso8583::Message* m);

// Field 6 recomputed from 4 and 10 (ISO form: first digit the number of decimals), half-even.
int64_t Recompute(std::string_view field4, std::string_view field10);

}  // namespace corridor::testing
