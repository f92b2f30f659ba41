// Settlement windows driven through the hub's commands (issue 17 items 1-3): netting of
// instant payments and card transactions in both currencies, pending holds across a close,
// what is not activity, opening and closing balances, the settle state machine, advances of
// net creditors short of room, settling in several commands, scheduled closes in journal time
// (replay and snapshots), and a close that costs O(accounts).
#include "settlement/settlement.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hub/hub.h"
#include "hub/testing.h"

namespace corridor::settlement {
namespace {

using hub::CardIssuerAnswer;
using hub::CardRequest;
using hub::CloseWindow;
using hub::Code;
using hub::Flow;
using hub::Liquidity;
using hub::Money;
using hub::Outcome;
using hub::SettleWindow;
using hub::SettlementEntryUpdate;
using namespace hub::testing;

constexpr uint32_t kRub = 643;
constexpr uint32_t kByn = 933;
const std::string kHubBic = "CRDRRUMMXXX";
const std::string kMir = "22001512";      // ALFARUMM's
const std::string kBelkart = "91120012";  // BPSBBY2X's

int64_t PostedBalance(const hub::Hub& h, u128 account) {
  const ledger::Account* a = h.ledger().LookupAccount(account);
  CORRIDOR_CHECK(a != nullptr);
  return static_cast<int64_t>(a->credits_posted) - static_cast<int64_t>(a->debits_posted);
}

// What a participant may start now: the ledger's room less the advance it owes (the figures'
// available leaves the advance out), checked against the ledger's own account of it.
int64_t Room(const hub::Hub& h, const std::string& id, const std::string& currency,
             uint32_t ledger) {
  const auto& advances = h.settlement().advances();
  const auto it = advances.find(hub::PositionId(id, ledger));
  const int64_t advance = it == advances.end() ? 0 : it->second;
  const participants::PositionFigures f = FiguresOf(h, id, currency);
  const participants::Position* p = h.participants().Find(id)->FindPosition(currency);
  const u128 account = hub::PositionId(id, ledger);
  const settlement::Settlement::Moves moves = h.settlement().MovesOf(account);
  const participants::PositionFigures raw = participants::Participants::Figures(
      *p, account, h.ledger(), moves.in_minor, moves.out_minor);
  EXPECT_EQ(f.available_minor, raw.available_minor - advance) << id << " " << currency;
  return f.available_minor;
}

// Expected totals computed by hand from the amounts, per (participant, currency).
struct Book {
  std::map<std::pair<std::string, std::string>, Totals> totals;
  void Move(const std::string& from, const std::string& to, const std::string& currency,
            Flow flow, int64_t amount) {
    Totals& a = totals[{from, currency}];
    a.sent[static_cast<size_t>(flow)] += amount;
    ++a.postings;
    Totals& b = totals[{to, currency}];
    b.received[static_cast<size_t>(flow)] += amount;
    ++b.postings;
  }
};

// RU: SABRRUMM (instant, acquirer 100001), ALFARUMM (instant, issuer of Mir 220015, 200002);
// BY: BPSBBY2X (instant, issuer of Belkart 9112 and acquirer, 300003); FX provider FXPRBY2X
// funded in both currencies, rates both ways. No flow yet: window 1 holds only deposits.
void SettlementCorridor(Driver& d, hub::Configure c = CardsRuBy()) {
  CORRIDOR_CHECK(d.Run(c).code == Code::ok);
  constexpr uint8_t kInstant = hub::kRoleInstant;
  CORRIDOR_CHECK(d.Run(Bank("SABRRUMM", "RU", kInstant | hub::kRoleAcquirer)).succeeded());
  CORRIDOR_CHECK(d.Run(Bank("ALFARUMM", "RU", kInstant | hub::kRoleIssuer)).succeeded());
  CORRIDOR_CHECK(
      d.Run(Bank("BPSBBY2X", "BY", kInstant | hub::kRoleIssuer | hub::kRoleAcquirer))
          .succeeded());
  CORRIDOR_CHECK(d.Run(Bank("FXPRBY2X", "BY", hub::kRoleFx)).succeeded());
  d.Run(Liquidity{"SABRRUMM", "l1", {"RUB", 100'000'00}, true});
  d.Run(Liquidity{"ALFARUMM", "l2", {"RUB", 10'000'00}, true});
  d.Run(Liquidity{"BPSBBY2X", "l3", {"BYN", 10'000'00}, true});
  d.Run(Liquidity{"FXPRBY2X", "l4", {"RUB", 1'000'000'00}, true});
  d.Run(Liquidity{"FXPRBY2X", "l5", {"BYN", 100'000'00}, true});
  CORRIDOR_CHECK(d.Run(hub::PublishRates{"FXPRBY2X",
                                         {{"BYN", "RUB", 2'745'000'000}, {"RUB", "BYN", 3'643'000}}})
                     .code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("SABRRUMM", "100001")).code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("ALFARUMM", "200002", {"220015"})).code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("BPSBBY2X", "300003", {"9112"})).code == Code::ok);
}

// Replaying the journal into a fresh hub gives the same windows, schedule and state; so does
// a snapshot round trip.
void ExpectReplayAndSnapshotAgree(const Driver& d) {
  hub::Hub replayed;
  d.ReplayInto(replayed);
  hub::Hub loaded;
  ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
  for (const hub::Hub* other : {&replayed, &loaded}) {
    EXPECT_EQ(other->settlement().windows(), d.hub.settlement().windows());
    EXPECT_EQ(other->settlement().advances(), d.hub.settlement().advances());
    EXPECT_EQ(other->settlement().next_deadline(), d.hub.settlement().next_deadline());
    EXPECT_EQ(other->StateHash(), d.hub.StateHash());
  }
}

class SettlementTest : public ::testing::Test {
 protected:
  void SetUp() override { SettlementCorridor(d); }
  void TearDown() override {
    EXPECT_TRUE(LedgerProblems(d.hub).empty());
    ExpectReplayAndSnapshotAgree(d);
  }

  // Closes the open window; checks what every close must give and returns the closed window.
  const Window& Close() {
    const uint64_t id = d.hub.settlement().open().id;
    const Outcome o = d.Run(CloseWindow{});
    EXPECT_EQ(o.code, Code::ok) << o.message;
    const Window& w = *d.hub.settlement().Find(id);
    EXPECT_EQ(w.state, WindowState::closed);
    EXPECT_EQ(w.closed_at_ns, d.now);
    CheckClosed(w);
    return w;
  }
  void CheckClosed(const Window& w) {
    std::map<uint32_t, int64_t> sums;
    for (const Entry& e : w.entries) {
      sums[e.ledger] += e.net;
      EXPECT_EQ(e.net, e.totals.net()) << e.participant << " " << e.currency;
      EXPECT_EQ(e.opening_balance + e.net + e.totals.other_net, e.closing_balance)
          << e.participant << " " << e.currency;
    }
    for (const auto& [ledger, sum] : sums) EXPECT_EQ(sum, 0) << "ledger " << ledger;
    for (const AgentObligation& o : Obligations(w, *d.hub.settings())) {
      EXPECT_EQ(o.pays_in, o.pays_out) << o.currency;
    }
  }
  Outcome Settle(uint64_t window, std::string reference = "REF") {
    SettleWindow s;
    s.window = window;
    s.all = true;
    s.all_reference = std::move(reference);
    return d.Run(s);
  }
  Outcome SettleOne(uint64_t window, std::string participant, std::string currency,
                    bool settled, std::string reference) {
    SettleWindow s;
    s.window = window;
    s.entries.push_back(SettlementEntryUpdate{std::move(participant), std::move(currency),
                                              settled, std::move(reference)});
    return d.Run(s);
  }
  // A same-currency payment, answered.
  void Pay(const std::string& uetr, const std::string& from, const std::string& to, Money m,
           bool accept = true) {
    const Outcome o = d.Run(Payment(uetr, from, to, std::move(m)));
    ASSERT_EQ(o.payment_status, "ACTC") << o.reason;
    ASSERT_EQ(d.Run(hub::PayeeAnswer{to, uetr, accept, accept ? "" : "AC04", "A-" + uetr}).code,
              Code::ok);
  }
  // A cross-currency payment through FXPRBY2X, answered; returns its quote.
  hub::Quote PayAcross(const std::string& uetr, const std::string& from, const std::string& to,
                       Money m, const std::string& target) {
    const Outcome q =
        d.Run(hub::RequestQuote{from, m.currency, target, m.minor, false});
    CORRIDOR_CHECK(q.quote.has_value());
    const Outcome o = d.Run(Payment(uetr, from, to, m, q.quote->id));
    EXPECT_EQ(o.payment_status, "ACTC") << o.reason;
    EXPECT_EQ(d.Run(hub::PayeeAnswer{to, uetr, true, "", "A-" + uetr}).payment_status, "ACSC");
    return *q.quote;
  }
  uint64_t Authorize(const CardRequest& c) {
    const Outcome o = d.Run(c);
    EXPECT_EQ(o.code, Code::created) << o.message;
    CORRIDOR_CHECK(o.card.has_value());
    EXPECT_EQ(d.Run(CardIssuerAnswer{c.issuer, o.card->authorization, "00", "A12345"})
                  .card->response_code,
              "00");
    return o.card->authorization;
  }
  std::string Advise(const CardRequest& original, uint16_t mti, std::string stan,
                     int64_t actual = -1) {
    const Outcome o = d.Run(AdviceOf(original, mti, std::move(stan), actual));
    return o.card ? o.card->response_code : "none: " + o.message;
  }
  CardRequest MirAuth(int64_t minor, std::string stan) {  // SABRRUMM acquires, RUB
    return CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", minor}, std::move(stan));
  }

  Driver d;
};

// --- netting

TEST_F(SettlementTest, NettingOfPaymentsAndCardsInBothCurrenciesMatchesTheAmountsByHand) {
  Book book;
  // Instant, one currency, and a part of it returned.
  Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'00});
  book.Move("SABRRUMM", "ALFARUMM", "RUB", Flow::instant, 1'000'00);
  ASSERT_EQ(d.Run(hub::ReturnPayment{"ALFARUMM", "MSG-r1", "r1", "p1", {"RUB", 300'00}, "AC04",
                                     3600, 7})
                .payment_status,
            "ACSC");
  book.Move("ALFARUMM", "SABRRUMM", "RUB", Flow::return_, 300'00);
  // A payment the payee refuses moves nothing.
  Pay("p2", "SABRRUMM", "ALFARUMM", {"RUB", 77'00}, false);
  // Across, BYN -> RUB, with the hub's fee.
  const hub::Quote q1 = PayAcross("x1", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, "RUB");
  ASSERT_GT(q1.fee.minor, 0);
  book.Move("BPSBBY2X", "FXPRBY2X", "BYN", Flow::instant, q1.send.minor - q1.fee.minor);
  book.Move("BPSBBY2X", kHubBic, "BYN", Flow::fee, q1.fee.minor);
  book.Move("FXPRBY2X", "SABRRUMM", "RUB", Flow::instant, q1.receive.minor);
  // Across, RUB -> BYN.
  const hub::Quote q2 = PayAcross("x2", "SABRRUMM", "BPSBBY2X", {"RUB", 5'000'00}, "BYN");
  book.Move("SABRRUMM", "FXPRBY2X", "RUB", Flow::instant, q2.send.minor - q2.fee.minor);
  book.Move("SABRRUMM", kHubBic, "RUB", Flow::fee, q2.fee.minor);
  book.Move("FXPRBY2X", "BPSBBY2X", "BYN", Flow::instant, q2.receive.minor);
  // Across and returned in full: everything back, the fee included (return flow).
  const hub::Quote q3 = PayAcross("x3", "BPSBBY2X", "SABRRUMM", {"BYN", 50'00}, "RUB");
  book.Move("BPSBBY2X", "FXPRBY2X", "BYN", Flow::instant, q3.send.minor - q3.fee.minor);
  book.Move("BPSBBY2X", kHubBic, "BYN", Flow::fee, q3.fee.minor);
  book.Move("FXPRBY2X", "SABRRUMM", "RUB", Flow::instant, q3.receive.minor);
  ASSERT_EQ(d.Run(hub::ReturnPayment{"SABRRUMM", "MSG-r3", "r3", "x3", q3.receive, "AC04", 3600,
                                     7})
                .payment_status,
            "ACSC");
  book.Move("SABRRUMM", "FXPRBY2X", "RUB", Flow::return_, q3.receive.minor);
  book.Move("FXPRBY2X", "BPSBBY2X", "BYN", Flow::return_, q3.send.minor - q3.fee.minor);
  book.Move(kHubBic, "BPSBBY2X", "BYN", Flow::return_, q3.fee.minor);
  // A card in one currency, completed for less than held.
  const CardRequest c1 = MirAuth(200'00, "000001");
  Authorize(c1);
  ASSERT_EQ(Advise(c1, 220, "000002", 150'00), "00");
  book.Move("ALFARUMM", "SABRRUMM", "RUB", Flow::card, 150'00);
  // A financial request across (BYN 20.00 = RUB 549.00), partly reversed (BYN 5.00 = RUB
  // 137.25 back).
  CardRequest c2 =
      CardAuth("BPSBBY2X", "300003", "ALFARUMM", kMir, {"BYN", 20'00}, "000003");
  c2.mti = 200;
  Authorize(c2);
  book.Move("ALFARUMM", "FXPRBY2X", "RUB", Flow::card, 549'00);
  book.Move("FXPRBY2X", "BPSBBY2X", "BYN", Flow::card, 20'00);
  ASSERT_EQ(Advise(c2, 420, "000004", 15'00), "00");
  book.Move("BPSBBY2X", "FXPRBY2X", "BYN", Flow::reversal, 5'00);
  book.Move("FXPRBY2X", "ALFARUMM", "RUB", Flow::reversal, 137'25);
  // A hold still pending at the close counts nowhere yet.
  Authorize(CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart, {"RUB", 700'00}, "000005"));

  const Window& w = Close();
  ASSERT_EQ(w.entries.size(), book.totals.size());
  for (const auto& [key, expected] : book.totals) {
    const Entry* e = w.Find(key.first, key.second);
    ASSERT_NE(e, nullptr) << key.first << " " << key.second;
    for (size_t f = 0; f < hub::kFlowCount; ++f) {
      EXPECT_EQ(e->totals.sent[f], expected.sent[f])
          << key.first << " " << key.second << " sent " << hub::FlowName(Flow(f));
      EXPECT_EQ(e->totals.received[f], expected.received[f])
          << key.first << " " << key.second << " received " << hub::FlowName(Flow(f));
    }
    EXPECT_EQ(e->totals.postings, expected.postings) << key.first << " " << key.second;
    EXPECT_EQ(e->net, expected.net());
    EXPECT_EQ(e->state, EntryState::pending);
  }
  // The fee account's: what the hub keeps of the fees (x3's came back).
  EXPECT_EQ(w.Find(kHubBic, "BYN")->net, q1.fee.minor);
  EXPECT_EQ(w.Find(kHubBic, "RUB")->net, q2.fee.minor);
  // Per currency, the agent collects what it pays out.
  for (const AgentObligation& o : Obligations(w, *d.hub.settings())) {
    int64_t out = 0;
    for (const Entry& e : w.entries) {
      if (e.currency == o.currency && e.net > 0) out += e.net;
    }
    EXPECT_GT(out, 0) << o.currency;
    EXPECT_EQ(o.pays_out, out) << o.currency;
    EXPECT_EQ(o.agent, o.currency == "RUB" ? "CBRFRUMM" : "NBRBBY2X");
  }
}

TEST_F(SettlementTest, APendingHoldCountsInTheWindowWhereItPostsAndAVoidNowhere) {
  const CardRequest posted = MirAuth(100'00, "000001");
  Authorize(posted);
  const CardRequest voided = MirAuth(60'00, "000003");
  Authorize(voided);
  // A payment in flight across the close counts where it is answered, too.
  ASSERT_EQ(d.Run(Payment("p1", "SABRRUMM", "ALFARUMM", {"RUB", 40'00})).payment_status, "ACTC");
  const Window& w1 = Close();
  EXPECT_TRUE(w1.entries.empty());
  ASSERT_EQ(Advise(posted, 220, "000002"), "00");
  ASSERT_EQ(Advise(voided, 400, "000004"), "00");  // The whole hold reversed: a void.
  ASSERT_EQ(d.Run(hub::PayeeAnswer{"ALFARUMM", "p1", true, "", "A1"}).payment_status, "ACSC");
  const Window& w2 = Close();
  ASSERT_EQ(w2.entries.size(), 2u);
  const Entry* alfa = w2.Find("ALFARUMM", "RUB");
  ASSERT_NE(alfa, nullptr);
  EXPECT_EQ(alfa->totals.sent[static_cast<size_t>(Flow::card)], 100'00);
  EXPECT_EQ(alfa->totals.received[static_cast<size_t>(Flow::instant)], 40'00);
  EXPECT_EQ(alfa->totals.postings, 2u);
  EXPECT_EQ(alfa->net, -60'00);
  EXPECT_EQ(w2.Find("SABRRUMM", "RUB")->net, 60'00);
  EXPECT_TRUE(Close().entries.empty());  // Nothing left over for window 3.
}

TEST_F(SettlementTest, LiquidityCapsAndSettlementsAreNotActivity) {
  ASSERT_EQ(d.Run(Liquidity{"ALFARUMM", "w1", {"RUB", 1'000'00}, false}).code, Code::ok);
  ASSERT_EQ(d.Run(hub::SetNetDebitCap{"ALFARUMM", {"RUB", 5'000'00}}).code, Code::ok);
  ASSERT_EQ(d.Run(hub::SetNetDebitCap{"ALFARUMM", {"RUB", 2'000'00}}).code, Code::ok);
  EXPECT_TRUE(Close().entries.empty());
  Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'00});
  EXPECT_EQ(Close().entries.size(), 2u);
  ASSERT_EQ(Settle(1).code, Code::ok);
  ASSERT_EQ(Settle(2).code, Code::ok);
  ASSERT_EQ(d.hub.settlement().Find(2)->state, WindowState::settled);
  // Window 3 saw only window 2's settlement transfers: nothing to settle again.
  EXPECT_FALSE(d.hub.settlement().running().empty());
  EXPECT_TRUE(Close().entries.empty());
}

TEST_F(SettlementTest, OpeningAndClosingBalancesAgreeWithTheLedger) {
  const u128 alfa = hub::PositionId("ALFARUMM", kRub);
  Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'00});
  const Window& w1 = Close();
  const Entry e1 = *w1.Find("ALFARUMM", "RUB");
  EXPECT_EQ(e1.closing_balance, PostedBalance(d.hub, alfa));
  EXPECT_EQ(e1.opening_balance, 0);  // It was created in window 1.
  EXPECT_EQ(e1.totals.other_net, 10'000'00);  // Its deposit.
  // Window 2: a deposit, a cap and a payment out, so `other` is not zero.
  ASSERT_EQ(d.Run(Liquidity{"ALFARUMM", "l9", {"RUB", 500'00}, true}).code, Code::ok);
  ASSERT_EQ(d.Run(hub::SetNetDebitCap{"ALFARUMM", {"RUB", 300'00}}).code, Code::ok);
  Pay("p2", "ALFARUMM", "SABRRUMM", {"RUB", 250'00});
  const Window& w2 = Close();
  const Entry& e2 = *w2.Find("ALFARUMM", "RUB");
  EXPECT_EQ(e2.opening_balance, e1.closing_balance);
  EXPECT_EQ(e2.totals.other_net, 800'00);
  EXPECT_EQ(e2.net, -250'00);
  EXPECT_EQ(e2.closing_balance, PostedBalance(d.hub, alfa));
  EXPECT_EQ(e2.closing_balance, e1.closing_balance + 800'00 - 250'00);
  // The fee account of a cross payment: opening 0, closing its balance.
  const hub::Quote q = PayAcross("x1", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, "RUB");
  const Window& w3 = Close();
  const Entry& fee = *w3.Find(kHubBic, "BYN");
  EXPECT_EQ(fee.opening_balance, 0);
  EXPECT_EQ(fee.closing_balance, q.fee.minor);
  EXPECT_EQ(fee.closing_balance, PostedBalance(d.hub, hub::FeeAccountId(kHubBic, kByn)));
}

// --- settle

class SettleTest : public SettlementTest {
 protected:
  // Window 1: ALFARUMM +1,000.00 RUB, SABRRUMM -1,000.00 + the cross payment, BPSBBY2X and
  // the FX provider in BYN, the fee account; window 2: ALFARUMM pays 400.00 back.
  void SetUp() override {
    SettlementTest::SetUp();
    Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'00});
    PayAcross("x1", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, "RUB");
    Close();
    Pay("p2", "ALFARUMM", "SABRRUMM", {"RUB", 400'00});
    Close();
  }
  // Every position has exactly its own money and cap to send (all windows settled, nothing
  // moving).
  void ExpectRoomRestored() {
    for (const auto& [id, p] : d.hub.participants().all()) {
      for (const participants::Position& pos : p.positions) {
        const auto f = FiguresOf(d.hub, id, pos.currency);
        EXPECT_EQ(f.available_minor, f.liquidity_minor + f.net_debit_cap_minor)
            << id << " " << pos.currency;
      }
    }
    EXPECT_TRUE(d.hub.settlement().advances().empty());
  }
};

TEST_F(SettleTest, AllSettledRestoresEveryRoomExactly) {
  EXPECT_EQ(Settle(2).code, Code::conflict);  // Window 1 first.
  const uint64_t transfers = d.hub.ledger().transfers_count();
  const Outcome o = Settle(1, "CBR-2027-001");
  ASSERT_EQ(o.code, Code::ok) << o.message;
  EXPECT_EQ(o.remaining, 0u);
  const Window& w1 = *d.hub.settlement().Find(1);
  EXPECT_EQ(w1.state, WindowState::settled);
  EXPECT_EQ(w1.settled_at_ns, d.now);
  size_t nonzero = 0;
  for (const Entry& e : w1.entries) {
    EXPECT_EQ(e.state, EntryState::settled);
    EXPECT_EQ(e.reference, "CBR-2027-001");
    EXPECT_EQ(e.advance, 0);
    EXPECT_EQ(e.transfer != 0, e.net != 0);
    nonzero += e.net != 0;
    if (e.transfer == 0) continue;
    // Between the account and the agent's liquidity source, for the net, about window 1.
    const ledger::Transfer* t = d.hub.ledger().LookupTransfer(e.transfer);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->code, static_cast<uint16_t>(hub::TransferKind::settlement));
    EXPECT_EQ(t->user_data, u128{1});
    EXPECT_EQ(t->amount, u128(e.net < 0 ? -e.net : e.net));
    const u128 source = hub::LiquiditySourceId(e.currency == "RUB" ? "CBRFRUMM" : "NBRBBY2X",
                                               e.ledger);
    EXPECT_EQ(t->debit_account_id, e.net < 0 ? source : e.account);
    EXPECT_EQ(t->credit_account_id, e.net < 0 ? e.account : source);
  }
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers + nonzero);
  // The same again: nothing new.
  EXPECT_EQ(Settle(1, "CBR-2027-001").code, Code::exists);
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers + nonzero);
  ASSERT_EQ(Settle(2, "CBR-2027-002").code, Code::ok);
  ExpectRoomRestored();
}

// Settlement moves money between the positions and the agents, but no flow: every position's
// sent and received are what its payments made of them, before and after settling, and after
// a restart from a snapshot.
TEST_F(SettleTest, SettlingChangesNoPositionsSentOrReceived) {
  const auto flows = [](const hub::Hub& h) {
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    for (const auto& [id, p] : h.participants().all()) {
      for (const participants::Position& pos : p.positions) {
        const auto f = FiguresOf(h, id, pos.currency);
        out[id + " " + pos.currency] = {f.sent_minor, f.received_minor};
      }
    }
    return out;
  };
  const auto before = flows(d.hub);
  EXPECT_EQ(before.at("ALFARUMM RUB"), std::make_pair(int64_t{400'00}, int64_t{1'000'00}));
  ASSERT_EQ(Settle(1, "CBR-2027-001").code, Code::ok);
  EXPECT_EQ(flows(d.hub), before);
  ASSERT_EQ(Settle(2, "CBR-2027-002").code, Code::ok);
  EXPECT_EQ(flows(d.hub), before);
  hub::Hub loaded;
  ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
  EXPECT_EQ(flows(loaded), before);
}

TEST_F(SettleTest, EntriesOneByOneWithTheirRules) {
  EXPECT_EQ(SettleOne(1, "ALFARUMM", "RUB", true, "").code, Code::invalid);
  EXPECT_EQ(Settle(1, "").code, Code::invalid);
  EXPECT_EQ(SettleOne(1, "VTBRRUMM", "RUB", true, "R").code, Code::not_found);
  EXPECT_EQ(SettleOne(1, "ALFARUMM", "BYN", true, "R").code, Code::not_found);
  ASSERT_EQ(SettleOne(1, "ALFARUMM", "RUB", true, "R-1").code, Code::ok);
  const Entry& alfa = *d.hub.settlement().Find(1)->Find("ALFARUMM", "RUB");
  EXPECT_EQ(alfa.state, EntryState::settled);
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settling);
  const uint64_t transfers = d.hub.ledger().transfers_count();
  EXPECT_EQ(SettleOne(1, "ALFARUMM", "RUB", true, "R-1").code, Code::exists);
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers);
  EXPECT_EQ(SettleOne(1, "ALFARUMM", "RUB", false, "").code, Code::conflict);
  EXPECT_EQ(SettleOne(1, "ALFARUMM", "RUB", true, "R-2").code, Code::conflict);
  // The 8-character BIC and its 11-character form name the same entry.
  EXPECT_EQ(SettleOne(1, "ALFARUMMXXX", "RUB", true, "R-1").code, Code::exists);
  EXPECT_EQ(Settle(2).code, Code::conflict);
  // An entry named twice settles once; named twice with different outcomes, not at all.
  SettleWindow twice;
  twice.window = 1;
  twice.entries = {{"SABRRUMM", "RUB", true, "R-3"}, {"SABRRUMM", "RUB", false, ""}};
  EXPECT_EQ(d.Run(twice).code, Code::invalid);
  twice.entries[1] = twice.entries[0];
  const uint64_t before = d.hub.ledger().transfers_count();
  EXPECT_EQ(d.Run(twice).code, Code::ok);
  EXPECT_EQ(d.hub.ledger().transfers_count(), before + 1);
}

TEST_F(SettleTest, AFailedEntryDefaultsSuspendsAndDoesNotHoldBackLaterWindows) {
  ASSERT_EQ(SettleOne(1, "SABRRUMM", "RUB", false, "").code, Code::ok);
  EXPECT_EQ(d.hub.settlement().Find(1)->Find("SABRRUMM", "RUB")->state, EntryState::defaulted);
  EXPECT_TRUE(d.hub.participants().Find("SABRRUMM")->suspended);
  EXPECT_EQ(d.Run(Payment("p9", "SABRRUMM", "ALFARUMM", {"RUB", 1'00})).reason, "AG10");
  // Failing it again changes nothing.
  EXPECT_EQ(SettleOne(1, "SABRRUMM", "RUB", false, "").code, Code::exists);
  ASSERT_EQ(Settle(1, "R-1").code, Code::ok);
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settled);
  ASSERT_EQ(Settle(2, "R-2").code, Code::ok);
  EXPECT_EQ(d.hub.settlement().Find(2)->state, WindowState::settled);
  // The defaulted entry settled later, with the agent's reference.
  const uint64_t transfers = d.hub.ledger().transfers_count();
  EXPECT_EQ(SettleOne(1, "SABRRUMM", "RUB", true, "").code, Code::invalid);
  ASSERT_EQ(SettleOne(1, "SABRRUMM", "RUB", true, "LATE-1").code, Code::ok);
  const Entry& sabr = *d.hub.settlement().Find(1)->Find("SABRRUMM", "RUB");
  EXPECT_EQ(sabr.state, EntryState::settled);
  EXPECT_EQ(sabr.reference, "LATE-1");
  EXPECT_NE(sabr.transfer, 0u);
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers + 1);
  EXPECT_EQ(SettleOne(1, "SABRRUMM", "RUB", false, "").code, Code::conflict);
  ASSERT_EQ(d.Run(hub::SetSuspended{"SABRRUMM", false}).code, Code::ok);
  ExpectRoomRestored();
}

TEST_F(SettlementTest, ZeroNetWindowsSettle) {
  // No activity at all.
  const Window& empty = Close();
  EXPECT_TRUE(empty.entries.empty());
  EXPECT_EQ(Settle(1).code, Code::ok);
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settled);
  EXPECT_EQ(Settle(1).code, Code::exists);
  // Activity that nets to zero.
  Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 100'00});
  Pay("p2", "ALFARUMM", "SABRRUMM", {"RUB", 100'00});
  const Window& w2 = Close();
  ASSERT_EQ(w2.entries.size(), 2u);
  for (const Entry& e : w2.entries) EXPECT_EQ(e.net, 0);
  const uint64_t transfers = d.hub.ledger().transfers_count();
  EXPECT_EQ(Settle(2).code, Code::ok);
  EXPECT_EQ(d.hub.settlement().Find(2)->state, WindowState::settled);
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers);
  for (const Entry& e : d.hub.settlement().Find(2)->entries) {
    EXPECT_EQ(e.state, EntryState::settled);
    EXPECT_EQ(e.transfer, 0u);
  }
}

TEST_F(SettlementTest, CloseRules) {
  EXPECT_EQ(d.Run(CloseWindow{2}).code, Code::not_found);
  EXPECT_EQ(d.Run(CloseWindow{1}).code, Code::ok);
  EXPECT_EQ(d.Run(CloseWindow{1}).code, Code::exists);
  EXPECT_EQ(d.hub.settlement().windows().size(), 2u);
  EXPECT_EQ(d.hub.settlement().open().id, 2u);
  EXPECT_EQ(d.hub.settlement().open().opened_at_ns, d.hub.settlement().Find(1)->closed_at_ns);
}

// --- advances

// ALFARUMM (RUB 10,000.00 of its own, cap 1,000.00) receives 5,000.00 in window 1 and spends
// 14,000.00 in window 2 before window 1 settles: settling window 1 takes 5,000.00 it has only
// 2,000.00 of room for. The settlement succeeds with an advance of 3,000.00; ALFARUMM can
// start nothing until what it receives has paid the advance back.
TEST_F(SettlementTest, ANetCreditorThatSpentItsReceiptsSettlesWithAnAdvance) {
  ASSERT_EQ(d.Run(hub::SetNetDebitCap{"ALFARUMM", {"RUB", 1'000'00}}).code, Code::ok);
  Pay("p1", "SABRRUMM", "ALFARUMM", {"RUB", 5'000'00});
  Close();
  Pay("p2", "ALFARUMM", "SABRRUMM", {"RUB", 14'000'00});
  EXPECT_EQ(Room(d.hub, "ALFARUMM", "RUB", kRub), 2'000'00);
  const auto flows = [this] {
    const auto f = FiguresOf(d.hub, "ALFARUMM", "RUB");
    return std::make_pair(f.sent_minor, f.received_minor);
  };
  EXPECT_EQ(flows(), std::make_pair(int64_t{14'000'00}, int64_t{5'000'00}));
  ASSERT_EQ(Settle(1).code, Code::ok);
  // Neither the settlement nor the advance is a flow.
  EXPECT_EQ(flows(), std::make_pair(int64_t{14'000'00}, int64_t{5'000'00}));
  const Entry& e = *d.hub.settlement().Find(1)->Find("ALFARUMM", "RUB");
  EXPECT_EQ(e.state, EntryState::settled);
  EXPECT_EQ(e.advance, 3'000'00);
  EXPECT_EQ(d.hub.ledger().LookupTransfer(e.transfer)->user_data, u128{1});
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settled);
  EXPECT_TRUE(LedgerProblems(d.hub).empty());
  // Its own money and cap less what it spent: 10,000 + 1,000 - 14,000.
  EXPECT_EQ(Room(d.hub, "ALFARUMM", "RUB", kRub), -3'000'00);
  // The figures every view shows leave the advance out too (not the 0 the ledger alone gives).
  EXPECT_EQ(FiguresOf(d.hub, "ALFARUMM", "RUB").available_minor, -3'000'00);
  // It can start nothing: a payment, a card hold on its card, a withdrawal, a lower cap.
  EXPECT_EQ(d.Run(Payment("p3", "ALFARUMM", "SABRRUMM", {"RUB", 1})).reason, "AM04");
  const Outcome card = d.Run(MirAuth(1'00, "000001"));
  ASSERT_TRUE(card.card.has_value());
  EXPECT_EQ(card.card->response_code, "51");
  EXPECT_NE(d.Run(Liquidity{"ALFARUMM", "w1", {"RUB", 1}, false}).code, Code::ok);
  EXPECT_NE(d.Run(hub::SetNetDebitCap{"ALFARUMM", {"RUB", 999'00}}).code, Code::ok);
  // 1,000.00 in: it repays that much and still cannot pay.
  Pay("p4", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'00});
  EXPECT_EQ(d.Run(Payment("p5", "ALFARUMM", "SABRRUMM", {"RUB", 1})).reason, "AM04");
  EXPECT_EQ(d.hub.settlement().advances().at(hub::PositionId("ALFARUMM", kRub)), 2'000'00);
  EXPECT_EQ(Room(d.hub, "ALFARUMM", "RUB", kRub), -2'000'00);
  EXPECT_TRUE(LedgerProblems(d.hub).empty());
  // 2,500.00 more: the advance is paid off first, 500.00 is left to send.
  Pay("p6", "SABRRUMM", "ALFARUMM", {"RUB", 2'500'00});
  EXPECT_EQ(d.Run(Payment("p7", "ALFARUMM", "SABRRUMM", {"RUB", 500'01})).reason, "AM04");
  EXPECT_TRUE(d.hub.settlement().advances().empty());
  EXPECT_EQ(Room(d.hub, "ALFARUMM", "RUB", kRub), 500'00);
  Pay("p8", "ALFARUMM", "SABRRUMM", {"RUB", 500'00});
  EXPECT_TRUE(LedgerProblems(d.hub).empty());
  // The repayments (3,000.00 in all) are not sent either: only p2 and p8.
  EXPECT_EQ(flows(), std::make_pair(int64_t{14'500'00}, int64_t{8'500'00}));
  // Window 2 settles ALFARUMM's spending: its own money and cap are back.
  const Window& w2 = Close();
  EXPECT_EQ(w2.Find("ALFARUMM", "RUB")->net, -14'000'00 + 3'500'00 - 500'00);
  ASSERT_EQ(Settle(2).code, Code::ok);
  EXPECT_EQ(flows(), std::make_pair(int64_t{14'500'00}, int64_t{8'500'00}));
  EXPECT_EQ(Room(d.hub, "ALFARUMM", "RUB", kRub), 11'000'00);
  EXPECT_TRUE(LedgerProblems(d.hub).empty());
}

// --- many entries

TEST(SettlementManyTest, ASettleWithMoreEntriesThanACommandsLedgerEventsGoesOnWhenRepeated) {
  Driver d;
  ASSERT_EQ(d.Run(RuBy()).code, Code::ok);
  constexpr int kBanks = 70;
  std::vector<std::string> banks;
  for (int i = 0; i < kBanks; ++i) {
    banks.push_back("BK" + std::string(1, static_cast<char>('A' + i / 26)) +
                    std::string(1, static_cast<char>('A' + i % 26)) + "RUMM");
    ASSERT_TRUE(d.Run(Bank(banks.back(), "RU")).succeeded());
    ASSERT_EQ(d.Run(Liquidity{banks.back(), "l", {"RUB", 1'000'00}, true}).code, Code::ok);
  }
  // A ring, each paying the next a different amount: every net is non-zero.
  for (int i = 0; i < kBanks; ++i) {
    const std::string uetr = "u" + std::to_string(i);
    const std::string& to = banks[(i + 1) % kBanks];
    ASSERT_EQ(d.Run(Payment(uetr, banks[i], to, {"RUB", 100 + i})).payment_status, "ACTC");
    ASSERT_EQ(d.Run(hub::PayeeAnswer{to, uetr, true, "", "A"}).payment_status, "ACSC");
  }
  ASSERT_EQ(d.Run(CloseWindow{}).code, Code::ok);
  ASSERT_EQ(d.hub.settlement().Find(1)->entries.size(), size_t{kBanks});
  SettleWindow s;
  s.window = 1;
  s.all = true;
  s.all_reference = "R";
  const Outcome first = d.Run(s);
  ASSERT_EQ(first.code, Code::ok);
  EXPECT_GT(first.remaining, 0u);
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settling);
  const Outcome second = d.Run(s);
  ASSERT_EQ(second.code, Code::ok);
  EXPECT_EQ(second.remaining, 0u);
  EXPECT_EQ(d.hub.settlement().Find(1)->state, WindowState::settled);
  EXPECT_EQ(d.Run(s).code, Code::exists);
  for (const std::string& b : banks) {
    EXPECT_EQ(FiguresOf(d.hub, b, "RUB").available_minor, 1'000'00) << b;
  }
  EXPECT_TRUE(LedgerProblems(d.hub).empty());
  ExpectReplayAndSnapshotAgree(d);
}

// --- scheduled closes

class ScheduleTest : public ::testing::Test {
 protected:
  // Ticks at `at` (journal time), which must be ahead.
  void TickAt(uint64_t at) {
    ASSERT_GT(at, d.now);
    d.Advance(at - d.now);
  }
  Driver d;
};

TEST_F(ScheduleTest, EveryHourFiresInJournalTimeAtItsInstant) {
  hub::Configure c = CardsRuBy();
  c.settlement.every_seconds = 3600;
  SettlementCorridor(d, c);
  // kStart is 08:00:00 UTC: the closes fall at 09:00, 10:00, ...
  const uint64_t nine = kStart + 3600 * kSecond;
  EXPECT_EQ(d.hub.settlement().next_deadline(), nine);
  EXPECT_LE(d.hub.next_deadline(), nine);
  d.Run(Payment("p1", "SABRRUMM", "ALFARUMM", {"RUB", 10'00}));
  d.Run(hub::PayeeAnswer{"ALFARUMM", "p1", true, "", "A"});
  TickAt(nine - 1);
  EXPECT_EQ(d.hub.settlement().windows().size(), 1u);
  TickAt(nine);
  ASSERT_EQ(d.hub.settlement().windows().size(), 2u);
  EXPECT_EQ(d.hub.settlement().Find(1)->closed_at_ns, nine);
  EXPECT_EQ(d.hub.settlement().Find(1)->entries.size(), 2u);
  EXPECT_EQ(d.hub.settlement().open().opened_at_ns, nine);
  EXPECT_EQ(d.hub.settlement().next_deadline(), nine + 3600 * kSecond);
  // The next falls due on a command's timestamp when no tick came first.
  d.now = nine + 3600 * kSecond + 5;
  d.Run(Payment("p2", "SABRRUMM", "ALFARUMM", {"RUB", 10'00}));
  ASSERT_EQ(d.hub.settlement().windows().size(), 3u);
  EXPECT_EQ(d.hub.settlement().Find(2)->closed_at_ns, d.now);
  EXPECT_TRUE(d.hub.settlement().Find(2)->entries.empty());
  ExpectReplayAndSnapshotAgree(d);
}

TEST_F(ScheduleTest, DailyCutOffInTheDomainsTimeZone) {
  hub::Configure c = CardsRuBy();
  c.domains[0].utc_offset_minutes = 180;  // BY, +03:00
  c.settlement.cutoff_domain = "BY";
  c.settlement.cutoffs_minutes = {18 * 60};
  SettlementCorridor(d, c);
  // kStart is 08:00 UTC, 11:00 in Minsk: 18:00 there is 15:00 UTC.
  const uint64_t cutoff = kStart + 7 * 3600 * kSecond;
  EXPECT_EQ(d.hub.settlement().next_deadline(), cutoff);
  TickAt(cutoff - 1);
  EXPECT_EQ(d.hub.settlement().windows().size(), 1u);
  TickAt(cutoff + 1);
  ASSERT_EQ(d.hub.settlement().windows().size(), 2u);
  EXPECT_EQ(d.hub.settlement().Find(1)->closed_at_ns, cutoff + 1);
  const uint64_t tomorrow = cutoff + 24 * 3600 * kSecond;
  EXPECT_EQ(d.hub.settlement().next_deadline(), tomorrow);
  TickAt(tomorrow);
  EXPECT_EQ(d.hub.settlement().windows().size(), 3u);
  ExpectReplayAndSnapshotAgree(d);
  // A snapshot taken between closes goes on closing at the same instants.
  hub::Hub loaded;
  ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
  loaded.Tick(tomorrow + 24 * 3600 * kSecond);
  d.Advance(24 * 3600 * kSecond);
  EXPECT_EQ(loaded.settlement().windows(), d.hub.settlement().windows());
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
}

TEST(NextScheduledCloseTest, EveryAndCutOffsTogether) {
  hub::Configure c = RuBy();
  EXPECT_EQ(NextScheduledClose(c, kStart), UINT64_MAX);
  c.settlement.every_seconds = 4 * 3600;
  EXPECT_EQ(NextScheduledClose(c, kStart), kStart + 4 * 3600 * kSecond);  // 08:00 -> 12:00
  c.domains[1].utc_offset_minutes = 180;
  c.settlement.cutoff_domain = "RU";
  c.settlement.cutoffs_minutes = {12 * 60 + 30, 2 * 60};  // 09:30 and 23:00 UTC
  EXPECT_EQ(NextScheduledClose(c, kStart), kStart + 90 * 60 * kSecond);
  c.settlement.every_seconds = 0;
  EXPECT_EQ(NextScheduledClose(c, kStart + 90 * 60 * kSecond), kStart + 15 * 3600 * kSecond);
  // A negative offset: 18:00 at -05:00 is 23:00 UTC.
  c.domains[1].utc_offset_minutes = -300;
  c.settlement.cutoffs_minutes = {18 * 60};
  EXPECT_EQ(NextScheduledClose(c, kStart), kStart + 15 * 3600 * kSecond);
}

// --- close cost

// A close moves the running totals per account: the window's size changes nothing of it.
TEST(SettlementCloseCostTest, AWindowOf100kPostingsClosesToTheSameEntriesAsOneOf10) {
  for (const int payments : {10, 100'000}) {
    Driver d;
    SettlementCorridor(d);
    for (int i = 0; i < payments; ++i) {
      const std::string uetr = "u" + std::to_string(i);
      const bool out = i % 2 == 0;
      const std::string from = out ? "SABRRUMM" : "ALFARUMM";
      const std::string to = out ? "ALFARUMM" : "SABRRUMM";
      ASSERT_EQ(d.Run(Payment(uetr, from, to, {"RUB", 1'00 + out})).payment_status, "ACTC");
      ASSERT_EQ(d.Run(hub::PayeeAnswer{to, uetr, true, "", "A"}).code, Code::ok);
    }
    ASSERT_EQ(d.Run(CloseWindow{}).code, Code::ok);
    const Window& w = *d.hub.settlement().Find(1);
    ASSERT_EQ(w.entries.size(), 2u) << payments;
    EXPECT_EQ(w.Find("SABRRUMM", "RUB")->totals.postings, uint64_t(payments));
    EXPECT_EQ(w.Find("ALFARUMM", "RUB")->net, payments / 2);
    EXPECT_EQ(w.end_transfer - w.first_transfer, d.hub.ledger().transfers_count());
  }
}

}  // namespace
}  // namespace corridor::settlement
