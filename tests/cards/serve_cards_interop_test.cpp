// Interoperability of the card gateway with an ISO 8583 implementation it did not write (issue
// 16 items 10 and 7): the npm iso_8583 package (pinned in tests/interop/package-lock.json,
// installed by scripts/setup.sh) is the acquirer's and the issuer's processor, as child
// processes (tests/interop/card_peer.js, driven through NodePeer), against the real
// `corridor serve` (the same hub, banks and card settings as serve_cards_test). Then the test
// searches the data directory and the hub's stdout and stderr for the card numbers it used.
// Skipped only when node or tests/interop/node_modules is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cards/card_client.h"
#include "cards/card_hub.h"
#include "cards/node_peer.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

using Fields = std::map<std::string, std::string>;

// A Belkart PAN (issued by kBel): 911201, nine digits, the Luhn check digit.
std::string BelkartPan(const std::string& nine) {
  std::string pan = "911201" + nine;
  int sum = 0;
  for (size_t i = 0; i < pan.size(); ++i) {
    int d = pan[pan.size() - 1 - i] - '0';
    if (i % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return pan + static_cast<char>('0' + (10 - sum % 10) % 10);
}

class ServeCardsInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!NodeAndPackageAvailable(&why)) GTEST_SKIP() << why;
    SetCardKeys();
    config_path_ = dir_.path() + "/corridor.toml";
    ASSERT_NO_FATAL_FAILURE(WriteCardConfig(config_path_));
    // The hub's logs go to a file the card data search reads.
    server_.set_stderr_path(stderr_path());
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, data_dir(), &participants_port_, {}, config_path_));
    cards_port_ = server_.ListeningPort("cards");
    ASSERT_NE(cards_port_, 0) << "no `cards listening on` line";
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    ASSERT_NO_FATAL_FAILURE(OnboardCardBanks(*admin_, participants_port_));
    // The Belkart bank's issuer processor and the Mir bank's acquirer processor.
    ASSERT_NO_FATAL_FAILURE(StartPeer(&issuer_, "issuer", kBelInstitution, kBelKey));
    ASSERT_NO_FATAL_FAILURE(StartPeer(&acquirer_, "acquirer", kMirInstitution, kMirKey));
  }
  void TearDown() override {
    issuer_.Stop();
    acquirer_.Stop();
    admin_.reset();
    if (server_.running()) StopCleanly(server_);
    if (HasFailure()) {
      std::fprintf(stderr, "--- hub stderr ---\n%s", ReadFile(stderr_path()).c_str());
    }
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string stderr_path() const { return dir_.path() + "/hub.stderr"; }

  void StartPeer(NodePeer* peer, const std::string& role, const std::string& institution,
                 const std::string& key) {
    std::string error;
    ASSERT_TRUE(peer->Start(role, cards_port_, institution, key, &error)) << error;
    Json line;
    ASSERT_TRUE(peer->Next([](const Json& j) { return j["event"].str() == "signon"; }, &line,
                           10000))
        << role << " did not sign on:\n" << peer->Transcript();
    ASSERT_EQ(line["39"].str(), "00") << peer->Transcript();
  }

  // An acquirer's message of a Belkart card at the Mir acquirer, in RUB.
  Fields Message(const std::string& mti, const std::string& pan, const std::string& amount) {
    char stan[16], rrn[16];
    std::snprintf(stan, sizeof stan, "%06d", ++stan_);
    std::snprintf(rrn, sizeof rrn, "NPM%09d", stan_);
    return {{"0", mti},       {"2", pan},
            {"3", "000000"},  {"4", amount},
            {"7", NowTransmissionTime()},
            {"11", stan},     {"12", "120000"},
            {"13", "1201"},   {"32", kMirInstitution},
            {"37", rrn},      {"41", "TERM0001"},
            {"42", "MERCHANT0000001"},
            {"49", "643"}};
  }
  // An advice or reversal (0220, 0420) of the approved `original`, naming it in field 90.
  Fields AdviceOf(const std::string& mti, const Fields& original, const std::string& approval) {
    Fields a = Message(mti, original.at("2"), original.at("4"));
    a["37"] = original.at("37");
    a["38"] = approval;
    a["90"] = "0100" + original.at("11") + original.at("7") + "00000" + kMirInstitution +
              std::string(11, '0');
    return a;
  }

  // What `peer` read from the hub: the next message of `mti` whose field `number` is `value`.
  bool Read(NodePeer& peer, const std::string& mti, const std::string& number,
            const std::string& value, Json* out, int timeout_ms = 6000) {
    return peer.Next(
        [&](const Json& j) {
          return j["event"].str() == "received" && j["0"].str().compare(0, mti.size(), mti) == 0 &&
                 j[number].str().compare(0, value.size(), value) == 0;
        },
        out, timeout_ms);
  }

  // The acquirer sends `request` (0100/0200); the issuer reads its forward (*forward) and the
  // acquirer the response (*response).
  void Exchange(const Fields& request, Json* forward, Json* response, bool forwarded = true) {
    ASSERT_TRUE(acquirer_.Send(request));
    if (forwarded) {
      ASSERT_TRUE(Read(issuer_, request.at("0"), "37", request.at("37"), forward))
          << "not forwarded:\n" << issuer_.Transcript();
      EXPECT_EQ((*forward)["2"].str(), request.at("2"));
      EXPECT_EQ((*forward)["4"].str(), request.at("4"));
    }
    const std::string response_mti = request.at("0") == "0100" ? "0110" : "0210";
    ASSERT_TRUE(Read(acquirer_, response_mti, "11", request.at("11"), response))
        << "no response:\n" << acquirer_.Transcript();
  }
  // The acquirer sends an advice or reversal: answered (0230/0430) 00 with its 11.
  void Advise(const Fields& advice) {
    ASSERT_TRUE(acquirer_.Send(advice));
    const std::string answer = advice.at("0") == "0220" ? "0230" : "0430";
    Json r;
    ASSERT_TRUE(Read(acquirer_, answer, "11", advice.at("11"), &r)) << acquirer_.Transcript();
    EXPECT_EQ(r["39"].str(), "00");
  }

  TempDir dir_;
  std::string config_path_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  uint16_t cards_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
  NodePeer issuer_;
  NodePeer acquirer_;
  int stan_ = 100;
};

// A Belkart card at the Mir acquirer (RUB → BYN): approved, declined, and the approval
// reversed; every message built and read by the package on both sides.
TEST_F(ServeCardsInteropTest, ThePackageAsAcquirerAndIssuerApprovalDeclineReversal) {
  const Fields q = Message("0100", kBelPan, "000000150000");
  Json f, r;
  ASSERT_NO_FATAL_FAILURE(Exchange(q, &f, &r));
  // The forward as the issuer's package read it: converted into BYN.
  EXPECT_EQ(f["49"].str(), "643");
  EXPECT_EQ(f["51"].str(), "933");
  ASSERT_EQ(f["6"].str().size(), 12u);
  ASSERT_EQ(f["10"].str().size(), 8u);
  EXPECT_EQ(std::stoll(f["6"].str()), Recompute(f["4"].str(), f["10"].str()));
  // The response as the acquirer's package read it.
  EXPECT_EQ(r["39"].str(), "00") << acquirer_.Transcript();
  EXPECT_EQ(r["38"].str().size(), 6u);
  EXPECT_EQ(r["38"].str().substr(0, 2), "NP");  // the issuer's approval code, relayed
  EXPECT_EQ(r["11"].str(), q.at("11"));
  EXPECT_EQ(r["7"].str(), q.at("7"));
  EXPECT_EQ(r["37"].str(), q.at("37"));
  EXPECT_EQ(r["51"].str(), "933");
  EXPECT_EQ(r["6"].str(), f["6"].str());
  EXPECT_EQ(r["10"].str(), f["10"].str());
  EXPECT_EQ(std::stoll(r["6"].str()), Recompute(r["4"].str(), r["10"].str()));
  EXPECT_EQ(std::stoll(r["6"].str()), 5460);  // RUB 1,500.00 × 0.0364 = BYN 54.60
  EXPECT_FALSE(r.has("2"));
  const std::string approval = r["38"].str();
  const std::string issuer_stan = f["11"].str(), issuer_time = f["7"].str();

  // The issuer declines (field 4 ending in 51): relayed, no approval code.
  const Fields d = Message("0100", kBelPan, "000000100051");
  ASSERT_NO_FATAL_FAILURE(Exchange(d, &f, &r));
  EXPECT_EQ(r["39"].str(), "51");
  EXPECT_EQ(r["11"].str(), d.at("11"));
  EXPECT_FALSE(r.has("38"));

  // The approval reversed by the acquirer: 0430 to it, the 0420 to the issuer naming the
  // request as the issuer saw it, acknowledged by the package (0430): no repeat follows.
  const Fields rev = AdviceOf("0420", q, approval);
  ASSERT_NO_FATAL_FAILURE(Advise(rev));
  Json ir;
  ASSERT_TRUE(Read(issuer_, "042", "37", q.at("37"), &ir)) << issuer_.Transcript();
  EXPECT_EQ(ir["2"].str(), kBelPan);
  EXPECT_EQ(ir["90"].str().substr(0, 20), "0100" + issuer_stan + issuer_time);
  Json again;
  EXPECT_FALSE(Read(issuer_, "0421", "37", q.at("37"), &again, 4500))
      << "the package's 0430 was not matched: repeated\n" << issuer_.Transcript();
  ExpectLedgerCheckOk(*admin_);
}


// Where a PAN would leak: every `window` consecutive digits of it found in `text`, described.
std::vector<std::string> Leaks(const std::string& where, const std::string& text,
                               const std::string& pan, size_t window) {
  std::vector<std::string> found;
  for (size_t i = 0; i + window <= pan.size(); ++i) {
    const size_t at = text.find(pan.substr(i, window));
    if (at != std::string::npos) {
      found.push_back(where + " at byte " + std::to_string(at) + ": digits " +
                      std::to_string(i + 1) + ".." + std::to_string(i + window) + " of " +
                      pan.substr(0, 6) + "...");
    }
  }
  return found;
}

// Issue 16 item 7: after a run with several cards (approved 0100s completed by 0220 or reversed
// by 0420, an 0200, a decline, a timeout whose 0420 went through store-and-forward, and an
// 0420 and a timed-out 0100 still queued for an offline issuer when the hub stops), no card
// number is in the clear in any file of the data directory or in the hub's stdout or stderr.
// The peers' outputs are not searched: they are the banks. The carddata BIN (8 digits) may be
// kept; the masked form (6 + ****** + 4) may be logged; nothing longer of a PAN appears.
TEST_F(ServeCardsInteropTest, NoCardNumberInTheClearInTheDataDirectoryOrTheHubsOutput) {
  const std::string completed = BelkartPan("473829150");
  const std::string reversed = BelkartPan("582937461");
  const std::string timed_out = BelkartPan("690417253");
  const std::string financial = BelkartPan("718264039");
  const std::string declined = BelkartPan("835172946");
  const std::string queued = BelkartPan("946381027");
  const std::string offline = BelkartPan("357920864");
  Json f, r;
  std::map<std::string, std::pair<Fields, std::string>> approved;  // pan -> request, code
  for (const std::string& pan : {completed, reversed, queued}) {
    const Fields q = Message("0100", pan, "000000200000");
    ASSERT_NO_FATAL_FAILURE(Exchange(q, &f, &r));
    ASSERT_EQ(r["39"].str(), "00");
    approved[pan] = {q, r["38"].str()};
  }
  // A completion and a reversal, delivered to the issuer and acknowledged by it.
  ASSERT_NO_FATAL_FAILURE(
      Advise(AdviceOf("0220", approved[completed].first, approved[completed].second)));
  ASSERT_NO_FATAL_FAILURE(
      Advise(AdviceOf("0420", approved[reversed].first, approved[reversed].second)));
  ASSERT_TRUE(Read(issuer_, "022", "2", completed, &r)) << issuer_.Transcript();
  ASSERT_TRUE(Read(issuer_, "042", "2", reversed, &r)) << issuer_.Transcript();
  // A financial 0200, approved (posted at once).
  ASSERT_NO_FATAL_FAILURE(Exchange(Message("0200", financial, "000000030000"), &f, &r));
  EXPECT_EQ(r["39"].str(), "00");
  // A decline.
  ASSERT_NO_FATAL_FAILURE(Exchange(Message("0100", declined, "000000040051"), &f, &r));
  EXPECT_EQ(r["39"].str(), "51");
  // The issuer is silent (field 4 ending in 99): 91 after 1.5 s, and the 0420 through
  // store-and-forward, acknowledged.
  ASSERT_NO_FATAL_FAILURE(Exchange(Message("0100", timed_out, "000000050099"), &f, &r));
  EXPECT_EQ(r["39"].str(), "91");
  ASSERT_TRUE(Read(issuer_, "042", "2", timed_out, &r)) << issuer_.Transcript();
  // The issuer goes offline: a reversal and a request's timeout reversal stay queued for it.
  issuer_.Stop();
  ASSERT_NO_FATAL_FAILURE(
      Advise(AdviceOf("0420", approved[queued].first, approved[queued].second)));
  ASSERT_NO_FATAL_FAILURE(
      Exchange(Message("0100", offline, "000000060000"), &f, &r, /*forwarded=*/false));
  EXPECT_NE(r["39"].str(), "00");
  ExpectLedgerCheckOk(*admin_);
  acquirer_.Stop();
  admin_.reset();
  StopCleanly(server_);

  const std::vector<std::string> pans = {completed, reversed, timed_out, financial,
                                         declined,  queued,   offline};
  // The search finds what it looks for.
  ASSERT_EQ(Leaks("self", "x" + completed.substr(3, 9) + "x", completed, 9).size(), 1u);
  ASSERT_EQ(Leaks("self", "x" + completed + "x", completed, 9).size(), completed.size() - 8);
  std::vector<std::string> leaks;
  // Every file of the data directory, as bytes: no 9 consecutive digits of a PAN (the full PAN
  // included; the carddata BIN is 8).
  size_t files = 0, bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
    if (!entry.is_regular_file()) continue;
    const std::string content = ReadFile(entry.path().string());
    ++files;
    bytes += content.size();
    for (const std::string& pan : pans) {
      for (std::string& l : Leaks(entry.path().string(), content, pan, 9)) leaks.push_back(l);
    }
  }
  EXPECT_GT(files, 0u);
  EXPECT_GT(bytes, 0u);
  // The hub's stdout and stderr: no 7 leading digits of a PAN (more than the masked form's
  // 6), no 5 trailing ones (more than its 4) and no 9 consecutive ones anywhere.
  std::string out;
  for (const std::string& line : server_.StdoutLines()) out += line + "\n";
  const std::string err = ReadFile(stderr_path());
  size_t masked = 0;
  for (const auto& [where, text] : {std::pair<std::string, std::string>{"stdout", out},
                                    std::pair<std::string, std::string>{"stderr", err}}) {
    for (const std::string& pan : pans) {
      for (std::string& l : Leaks(where, text, pan, 9)) leaks.push_back(l);
      if (text.find(pan.substr(0, 7)) != std::string::npos) {
        leaks.push_back(where + ": the first 7 digits of " + pan.substr(0, 6) + "...");
      }
      if (text.find(pan.substr(pan.size() - 5)) != std::string::npos) {
        leaks.push_back(where + ": the last 5 digits of " + pan.substr(0, 6) + "...");
      }
      const std::string mask = pan.substr(0, 6) + "******" + pan.substr(pan.size() - 4);
      for (size_t at = text.find(mask); at != std::string::npos; at = text.find(mask, at + 1)) {
        ++masked;
      }
    }
  }
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);
  std::printf("searched %zu files (%zu bytes) and %zu+%zu bytes of hub output for %zu PANs; "
              "masked forms seen: %zu\n",
              files, bytes, out.size(), err.size(), pans.size(), masked);
}

}  // namespace
}  // namespace corridor::testing
