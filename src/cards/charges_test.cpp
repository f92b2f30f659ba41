// The references hub transfers carry (user_data), and the interchange and card fee a card
// transaction pays when it posts (issue 17 item 4): amounts at their rounding edges, both
// directions, across currencies, completions, reversals, and the ledger's sums per currency.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "cards/cards.h"
#include "hub/testing.h"

namespace corridor::cards {
namespace {

using hub::CardAdvice;
using hub::CardIssuerAnswer;
using hub::CardRequest;
using hub::Code;
using hub::TransferKind;
using namespace hub::testing;

const std::string kMir = "22001512";
const std::string kBelkart = "91120012";
constexpr uint32_t kRub = 643;
constexpr uint32_t kByn = 933;
const std::string kHub = "CRDRRUMMXXX";

// RRN (12 characters, the first in the highest byte) << 32 | STAN, built byte by byte.
u128 Expected(const std::string& rrn, uint32_t stan) {
  u128 v = 0;
  for (const char c : rrn) v = (v << 8) | static_cast<uint8_t>(c);
  return (v << 32) | stan;
}

int64_t Net(const hub::Hub& h, const std::string& id, const std::string& currency) {
  const auto f = FiguresOf(h, id, currency);
  return f.received_minor - f.sent_minor;
}
int64_t FeeNet(const hub::Hub& h, uint32_t ledger) {
  const ledger::Account* a = h.ledger().LookupAccount(hub::FeeAccountId(kHub, ledger));
  return static_cast<int64_t>(a->credits_posted) - static_cast<int64_t>(a->debits_posted);
}

TEST(CardReferencesTest, RrnAndStanAndUetrPackAndUnpack) {
  const u128 card = hub::CardReference("633509000123", "000123");
  EXPECT_TRUE(card == Expected("633509000123", 123));
  EXPECT_EQ(static_cast<uint8_t>(card >> 120), '6');  // the first character, highest byte
  EXPECT_EQ(hub::RrnOfReference(card), "633509000123");
  EXPECT_EQ(hub::StanOfReference(card), "000123");
  // A shorter RRN is left-aligned; a STAN that is not digits is 0.
  EXPECT_TRUE(hub::CardReference("AB", "12x") == Expected(std::string("AB") + std::string(10, '\0'), 0));
  EXPECT_EQ(hub::RrnOfReference(hub::CardReference("AB", "999999")), "AB");
  EXPECT_EQ(hub::StanOfReference(hub::CardReference("AB", "999999")), "999999");
  const u128 uetr = hub::UetrReference("8A562C67-ca16-48ba-b074-65581be6f011");
  EXPECT_TRUE(uetr == ((u128{0x8a562c67ca1648baULL} << 64) | 0xb07465581be6f011ULL));
  EXPECT_EQ(hub::UetrOfReference(uetr), "8a562c67-ca16-48ba-b074-65581be6f011");
  EXPECT_TRUE(hub::UetrReference("8a562c67ca1648bab07465581be6f011") == uetr);
  EXPECT_TRUE(hub::UetrReference("x1") == 0);
  EXPECT_TRUE(hub::UetrReference("8a562c67-ca16-48ba-b074-65581be6f01") == 0);
  EXPECT_TRUE(hub::UetrReference("8a562c67-ca16-48ba-b074-65581be6f01g") == 0);
}

TEST(CardReferencesTest, CardTraceCarriesMerchantTypeAndNameThroughTheJournal) {
  CardRequest c = CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", 1'00}, "000001");
  c.trace.mcc = "5411";
  c.trace.merchant_name = "Produkty Tverskaya 7    Moscow       RU ";
  hub::Command decoded;
  ASSERT_TRUE(hub::DecodeCommand(hub::EncodeCommand(c), &decoded).ok());
  EXPECT_EQ(std::get<CardRequest>(decoded).trace, c.trace);
  CardAdvice a;
  a.acquirer = "SABRRUMM";
  a.trace = c.trace;
  ASSERT_TRUE(hub::DecodeCommand(hub::EncodeCommand(a), &decoded).ok());
  EXPECT_EQ(std::get<CardAdvice>(decoded).trace.merchant_name, c.trace.merchant_name);
}

// A payment's legs, fee, posts and returns all carry its UETR.
TEST(CardReferencesTest, PaymentTransfersCarryTheUetr) {
  Driver d;
  FundedCorridor(d);
  const std::string uetr = "8a562c67-ca16-48ba-b074-65581be6f011";
  const u128 reference = hub::UetrReference(uetr);
  const uint64_t first = d.hub.ledger().transfers_count();
  const hub::Outcome q = d.Run(hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  ASSERT_TRUE(q.quote.has_value());
  hub::SubmitPayment payment = Payment(uetr, "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, q.quote->id);
  payment.message_id = "MSG-1";
  ASSERT_EQ(d.Run(payment).payment_status, "ACTC");
  ASSERT_EQ(d.Run(hub::PayeeAnswer{"SABRRUMM", uetr, true, "", "A1"}).payment_status, "ACSC");
  ASSERT_EQ(d.Run(hub::ReturnPayment{"SABRRUMM", "M", "r1", uetr, {"RUB", 100'00}, "AC04", 3600, 7})
                .payment_status,
            "ACSC");
  const hub::Money rest{"RUB", q.quote->receive.minor - 100'00};  // completes it: fee back
  ASSERT_EQ(d.Run(hub::ReturnPayment{"SABRRUMM", "M", "r2", uetr, rest, "AC04", 3600, 8})
                .payment_status,
            "ACSC");
  std::map<uint16_t, int> kinds;
  for (uint64_t i = first; i < d.hub.ledger().transfers_count(); ++i) {
    const ledger::Transfer& t = d.hub.ledger().TransferAt(i);
    EXPECT_TRUE(t.user_data == reference) << "transfer " << i << " code " << t.code;
    ++kinds[t.code];
  }
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::payment_leg)], 2);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::payment_fee)], 1);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::payment_resolve)], 3);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::payment_return)], 4);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::payment_return_fee)], 1);
}

class CardChargesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CardCorridor(d);
    hub::Configure c = CardsRuBy();
    c.interchange = {{"RU", "RU", 50, 30}, {"RU", "BY", 50, 20}, {"BY", "RU", 40, 20}};
    c.card_fees = {{"RUB", 10, 10}, {"BYN", 5, 10}};
    ASSERT_EQ(d.Run(c).code, Code::ok);
  }
  void TearDown() override {
    EXPECT_TRUE(LedgerProblems(d.hub).empty());
    // Per currency, the nets of every party of the card flows (positions and the hub's fee
    // account) sum to zero.
    for (const auto& [currency, ledger] : {std::pair{"RUB", kRub}, std::pair{"BYN", kByn}}) {
      int64_t sum = FeeNet(d.hub, ledger);
      for (const char* p : {"SABRRUMM", "ALFARUMM", "BPSBBY2X", "FXPRBY2X"}) {
        if (d.hub.participants().Find(p)->FindPosition(currency) != nullptr) {
          sum += Net(d.hub, p, currency);
        }
      }
      EXPECT_EQ(sum, 0) << currency;
    }
    hub::Hub replayed;
    d.ReplayInto(replayed);
    EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
    hub::Hub loaded;
    ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
    EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
  }
  uint64_t Request(const CardRequest& c) {
    const hub::Outcome o = d.Run(c);
    EXPECT_EQ(o.code, Code::created) << o.message;
    return o.card.value_or(hub::CardOutcome{}).authorization;
  }
  std::string Approve(const std::string& issuer, uint64_t id) {
    const hub::Outcome o = d.Run(CardIssuerAnswer{issuer, id, "00", "A12345"});
    EXPECT_EQ(o.code, Code::ok) << o.message;
    return o.card.value_or(hub::CardOutcome{}).response_code;
  }
  std::string Send(const CardAdvice& a) {
    const hub::Outcome o = d.Run(a);
    EXPECT_EQ(o.code, Code::created) << o.message;
    return o.card.value_or(hub::CardOutcome{}).response_code;
  }
  CardAdvice Advice(const CardRequest& original, uint16_t mti, std::string stan,
                    int64_t actual = -1) {
    CardAdvice a;
    a.acquirer = original.acquirer;
    a.mti = mti;
    a.card = original.card;
    a.trace = original.trace;
    a.trace.stan = std::move(stan);
    a.trace.rrn = "ADV" + a.trace.stan + "XXX";  // the advice's own: not the reference
    a.trace.transmission_time = "1201120500";
    a.amount = original.amount;
    a.actual_minor = actual;
    a.original_mti = original.mti;
    a.original_stan = original.trace.stan;
    a.original_transmission_time = original.trace.transmission_time;
    a.original_acquirer_institution = original.trace.acquirer_institution;
    return a;
  }
  // SABRRUMM (RUB) buys with ALFARUMM's Mir card: one currency, RU/RU 50 bp.
  CardRequest Mir(int64_t minor, std::string stan, uint16_t mti = 200) {
    CardRequest c =
        CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", minor}, std::move(stan));
    c.mti = mti;
    return c;
  }
  // BPSBBY2X (BYN) buys with ALFARUMM's Mir card: BYN -> RUB at 27.45, RU/BY 50 bp.
  CardRequest Cross(int64_t minor, std::string stan, uint16_t mti = 200) {
    CardRequest c =
        CardAuth("BPSBBY2X", "300003", "ALFARUMM", kMir, {"BYN", minor}, std::move(stan));
    c.mti = mti;
    return c;
  }
  // SABRRUMM's ATM pays out cash on BPSBBY2X's Belkart card: RUB -> BYN at 0.03643, BY/RU
  // cash 20 bp (paid by the issuer).
  CardRequest Cash(int64_t minor, std::string stan) {
    CardRequest c =
        CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart, {"RUB", minor}, std::move(stan));
    c.mti = 200;
    c.type = hub::kCardCash;
    c.processing_code = "010000";
    return c;
  }
  // The transfers of `kind` made since transfer `first`: (debit, credit, amount, ledger).
  struct Moved {
    u128 debit, credit;
    int64_t amount;
    uint32_t ledger;
    bool operator==(const Moved&) const = default;
  };
  std::vector<Moved> Since(uint64_t first, TransferKind kind) {
    std::vector<Moved> out;
    for (uint64_t i = first; i < d.hub.ledger().transfers_count(); ++i) {
      const ledger::Transfer& t = d.hub.ledger().TransferAt(i);
      if (t.code == static_cast<uint16_t>(kind) && t.pending_id == 0) {
        out.push_back({t.debit_account_id, t.credit_account_id, static_cast<int64_t>(t.amount),
                       t.ledger});
      }
    }
    return out;
  }
  const Authorization& Auth(uint64_t id) { return *d.hub.cards().Find(id); }
  static u128 Pos(const std::string& bic, uint32_t ledger) { return hub::PositionId(bic, ledger); }

  Driver d;
};

// Every transfer of one card transaction (hold, posts, interchange, fee, reversals) carries
// the authorization's RRN and STAN, also those an advice with its own RRN/STAN made.
TEST_F(CardChargesTest, AllTransfersOfACardTransactionShareItsReference) {
  const uint64_t first = d.hub.ledger().transfers_count();
  const CardRequest c = Cross(20'00, "000042", 100);
  const uint64_t id = Request(c);
  ASSERT_EQ(Approve("ALFARUMM", id), "00");
  ASSERT_EQ(Send(Advice(c, 220, "000043", 10'00)), "00");
  ASSERT_EQ(Send(Advice(c, 420, "000044", 4'00)), "00");
  const u128 reference = Expected(c.trace.rrn, 42);
  std::map<uint16_t, int> kinds;
  for (uint64_t i = first; i < d.hub.ledger().transfers_count(); ++i) {
    const ledger::Transfer& t = d.hub.ledger().TransferAt(i);
    EXPECT_TRUE(t.user_data == reference) << "transfer " << i << " code " << t.code;
    ++kinds[t.code];
  }
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::card_hold)], 2);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::card_resolve)], 2);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::card_interchange)], 4);  // there, back
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::card_fee)], 2);
  EXPECT_EQ(kinds[static_cast<uint16_t>(TransferKind::card_reversal)], 2);
}

// One currency at the half-even edges of 50 bp (amount / 200) and of the fee's 10 bp.
TEST_F(CardChargesTest, OneCurrencyPurchaseRoundsHalfEven) {
  struct Case {
    int64_t amount, interchange, fee;
  };
  // 1.00 * 0.5% = 0.005 -> 0; 3.00 -> 0.015 -> 0.02; 5.00 -> 0.025 -> 0.02; 7.00 -> 0.04.
  // Fee 0.10 + 0.1%: 5.00 -> 0.005 -> 0 (0.10); 15.00 -> 0.015 -> 0.02 (0.12); 25.00 -> 0.12.
  const std::vector<Case> cases = {{1'00, 0, 10},  {3'00, 2, 10},   {5'00, 2, 10},
                                   {7'00, 4, 11},  {15'00, 8, 12},  {25'00, 12, 12}};
  int n = 0;
  for (const Case& k : cases) {
    char stan[8];
    std::snprintf(stan, sizeof stan, "%06d", ++n);
    const uint64_t first = d.hub.ledger().transfers_count();
    const uint64_t id = Request(Mir(k.amount, stan));
    ASSERT_EQ(Approve("ALFARUMM", id), "00");
    const Authorization& a = Auth(id);
    EXPECT_EQ(a.status, Status::posted);
    EXPECT_EQ(a.interchange_bp, 50u);
    EXPECT_EQ(a.interchange_minor, k.interchange) << k.amount;
    EXPECT_EQ(a.interchange_billing_minor, k.interchange) << k.amount;
    EXPECT_EQ(a.card_fee_minor, k.fee) << k.amount;
    const std::vector<Moved> ic = Since(first, TransferKind::card_interchange);
    if (k.interchange == 0) {
      EXPECT_TRUE(ic.empty());
    } else {
      EXPECT_EQ(ic, (std::vector<Moved>{{Pos("SABRRUMM", kRub), Pos("ALFARUMM", kRub),
                                          k.interchange, kRub}}));
    }
    EXPECT_EQ(Since(first, TransferKind::card_fee),
              (std::vector<Moved>{{Pos("SABRRUMM", kRub), hub::FeeAccountId(kHub, kRub), k.fee,
                                   kRub}}));
  }
  int64_t ic = 0, fee = 0, amount = 0;
  for (const Case& k : cases) ic += k.interchange, fee += k.fee, amount += k.amount;
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), amount - ic - fee);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -amount + ic);
  EXPECT_EQ(FeeNet(d.hub, kRub), fee);
}

// BYN 20.00 -> RUB 549.00: interchange 0.10 BYN (acquirer -> FX provider) and RUB 2.745 ->
// 2.74 (FX provider -> issuer, the half to even), fee BYN 0.05 + 0.02. Then a partial
// reversal and the rest: every charge comes back exactly.
TEST_F(CardChargesTest, CrossCurrencyPurchaseAndItsReversalsAreExact) {
  const CardRequest c = Cross(20'00, "000001");
  uint64_t first = d.hub.ledger().transfers_count();
  const uint64_t id = Request(c);
  ASSERT_EQ(Approve("ALFARUMM", id), "00");
  const Authorization& a = Auth(id);
  EXPECT_EQ(a.billing.minor, 549'00);
  EXPECT_EQ(a.interchange_minor, 10);
  EXPECT_EQ(a.interchange_billing_minor, 2'74);
  EXPECT_EQ(a.card_fee_minor, 7);
  EXPECT_EQ(Since(first, TransferKind::card_interchange),
            (std::vector<Moved>{{Pos("BPSBBY2X", kByn), Pos("FXPRBY2X", kByn), 10, kByn},
                                {Pos("FXPRBY2X", kRub), Pos("ALFARUMM", kRub), 2'74, kRub}}));
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 20'00 - 10 - 7);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -549'00 + 2'74);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "RUB"), 549'00 - 2'74);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "BYN"), -20'00 + 10);
  // 15.00 of 20.00 stays: of each charge 3/4 stays, half-even: 0.075 -> 0.08 (0.02 back),
  // 2.055 -> 2.06 (0.68 back), 0.0525 -> 0.05 (0.02 back); the other way.
  first = d.hub.ledger().transfers_count();
  ASSERT_EQ(Send(Advice(c, 420, "000002", 15'00)), "00");
  EXPECT_EQ(a.interchange_reversed_minor, 2);
  EXPECT_EQ(a.interchange_billing_reversed_minor, 68);
  EXPECT_EQ(a.card_fee_reversed_minor, 2);
  EXPECT_EQ(Since(first, TransferKind::card_interchange),
            (std::vector<Moved>{{Pos("ALFARUMM", kRub), Pos("FXPRBY2X", kRub), 68, kRub},
                                {Pos("FXPRBY2X", kByn), Pos("BPSBBY2X", kByn), 2, kByn}}));
  EXPECT_EQ(Since(first, TransferKind::card_fee),
            (std::vector<Moved>{{hub::FeeAccountId(kHub, kByn), Pos("BPSBBY2X", kByn), 2, kByn}}));
  // The rest: everything is back where it was.
  ASSERT_EQ(Send(Advice(c, 420, "000003")), "00");
  EXPECT_EQ(a.status, Status::reversed);
  EXPECT_EQ(a.interchange_reversed_minor, a.interchange_minor);
  EXPECT_EQ(a.interchange_billing_reversed_minor, a.interchange_billing_minor);
  EXPECT_EQ(a.card_fee_reversed_minor, a.card_fee_minor);
  for (const char* p : {"BPSBBY2X", "FXPRBY2X"}) EXPECT_EQ(Net(d.hub, p, "BYN"), 0) << p;
  for (const char* p : {"ALFARUMM", "FXPRBY2X"}) EXPECT_EQ(Net(d.hub, p, "RUB"), 0) << p;
  EXPECT_EQ(FeeNet(d.hub, kByn), 0);
}

// An 0100 held for 100.00, completed for 70.00: the charges are on what posted.
TEST_F(CardChargesTest, PartialCompletionChargesWhatPosted) {
  const CardRequest c = Mir(100'00, "000001", 100);
  const uint64_t id = Request(c);
  ASSERT_EQ(Approve("ALFARUMM", id), "00");
  EXPECT_EQ(Auth(id).interchange_minor, 0);  // A hold pays nothing.
  EXPECT_EQ(FeeNet(d.hub, kRub), 0);
  ASSERT_EQ(Send(Advice(c, 220, "000002", 70'00)), "00");
  EXPECT_EQ(Auth(id).interchange_minor, 35);    // 70.00 * 0.5%
  EXPECT_EQ(Auth(id).card_fee_minor, 10 + 7);   // 0.10 + 0.07
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 70'00 - 35 - 17);
  // A reversal of a hold with field 95 posts the actual amount: charged like a completion.
  const CardRequest h = Mir(100'00, "000003", 100);
  const uint64_t held = Request(h);
  ASSERT_EQ(Approve("ALFARUMM", held), "00");
  ASSERT_EQ(Send(Advice(h, 400, "000004", 30'00)), "00");
  EXPECT_EQ(Auth(held).interchange_minor, 15);
  EXPECT_EQ(Auth(held).card_fee_minor, 10 + 3);
}

// Cash: the issuer pays the interchange (BYN 36.43 billing: 0.072.. -> 0.07; RUB 1000.00 ->
// 2.00), the acquirer the fee (0.10 + 1.00).
TEST_F(CardChargesTest, CashInterchangeGoesFromTheIssuerToTheAcquirer) {
  const uint64_t first = d.hub.ledger().transfers_count();
  const uint64_t id = Request(Cash(1'000'00, "000001"));
  ASSERT_EQ(Approve("BPSBBY2X", id), "00");
  const Authorization& a = Auth(id);
  EXPECT_EQ(a.billing.minor, 36'43);
  EXPECT_EQ(a.interchange_bp, 20u);
  EXPECT_FALSE(a.interchange_refused);
  EXPECT_EQ(Since(first, TransferKind::card_interchange),
            (std::vector<Moved>{{Pos("BPSBBY2X", kByn), Pos("FXPRBY2X", kByn), 7, kByn},
                                {Pos("FXPRBY2X", kRub), Pos("SABRRUMM", kRub), 2'00, kRub}}));
  EXPECT_EQ(a.card_fee_minor, 1'10);
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 1'000'00 + 2'00 - 1'10);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), -36'43 - 7);
  // A full reversal: the interchange back to the issuer, the fee to the acquirer.
  ASSERT_EQ(Send(Advice(Cash(1'000'00, "000001"), 420, "000002")), "00");
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 0);
  EXPECT_EQ(FeeNet(d.hub, kRub), 0);
}

// A cash interchange the issuer has no room for: the cash posts without it, and says so.
TEST_F(CardChargesTest, CashInterchangeWithoutRoomIsLeftOutAndRecorded) {
  // BPSBBY2X keeps exactly the 36.43 the withdrawal needs.
  ASSERT_EQ(d.Run(hub::Liquidity{"BPSBBY2X", "w1", {"BYN", 10'000'00 - 36'43}, false}).code,
            Code::ok);
  const uint64_t first = d.hub.ledger().transfers_count();
  const uint64_t id = Request(Cash(1'000'00, "000001"));
  ASSERT_EQ(Approve("BPSBBY2X", id), "00");
  const Authorization& a = Auth(id);
  EXPECT_EQ(a.status, Status::posted);
  EXPECT_TRUE(a.interchange_refused);
  EXPECT_EQ(a.interchange_minor, 0);
  EXPECT_EQ(a.interchange_billing_minor, 0);
  EXPECT_TRUE(Since(first, TransferKind::card_interchange).empty());
  EXPECT_EQ(a.card_fee_minor, 1'10);
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 1'000'00 - 1'10);
  // Its reversal has no interchange to move back.
  ASSERT_EQ(Send(Advice(Cash(1'000'00, "000001"), 420, "000002")), "00");
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 0);
}

// The fee never takes more than the acquirer has left of the posted amount.
TEST_F(CardChargesTest, FeeIsCutToThePostedAmount) {
  hub::Configure c = CardsRuBy();
  c.interchange = {{"RU", "RU", 50, 30}};
  c.card_fees = {{"RUB", 2'00, 10}};
  ASSERT_EQ(d.Run(c).code, Code::ok);
  // 1.60: interchange 0.008 -> 0.01, fee 2.00 + 0.0016 -> 2.00, cut to 1.59.
  const uint64_t id = Request(Mir(1'60, "000001"));
  ASSERT_EQ(Approve("ALFARUMM", id), "00");
  EXPECT_EQ(Auth(id).interchange_minor, 1);
  EXPECT_EQ(Auth(id).card_fee_minor, 1'59);
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 0);
}

// No interchange configured for the pair, no card fee for the currency: nothing but the
// money.
TEST_F(CardChargesTest, NothingConfiguredChargesNothing) {
  ASSERT_EQ(d.Run(CardsRuBy()).code, Code::ok);
  const uint64_t first = d.hub.ledger().transfers_count();
  const uint64_t id = Request(Cross(20'00, "000001"));
  ASSERT_EQ(Approve("ALFARUMM", id), "00");
  EXPECT_EQ(Auth(id).interchange_bp, 0u);
  EXPECT_TRUE(Since(first, TransferKind::card_interchange).empty());
  EXPECT_TRUE(Since(first, TransferKind::card_fee).empty());
}

// A stand-in approval of an 0200 posts, and pays its charges, like the issuer's.
TEST_F(CardChargesTest, StandInPostingPaysTheCharges) {
  CardRequest c =
      CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart, {"RUB", 1'000'00}, "000001");
  c.mti = 200;
  c.issuer_online = false;
  const uint64_t id = Request(c);
  const Authorization& a = Auth(id);
  ASSERT_EQ(a.status, Status::posted);
  EXPECT_TRUE(a.stand_in);
  EXPECT_EQ(a.interchange_bp, 40u);
  EXPECT_EQ(a.interchange_minor, 4'00);         // RUB 1000.00 * 0.4%
  EXPECT_EQ(a.interchange_billing_minor, 15);   // BYN 36.43 * 0.4% = 0.14572
  EXPECT_EQ(a.card_fee_minor, 1'10);
}

}  // namespace
}  // namespace corridor::cards
