// The reports' test day: a hub driven through one window with every kind of report line, for
// the golden files (src/reports/reports_test.cpp) and the CLI test (a data directory).
#pragma once

#include <string>

#include "base/check.h"
#include "hub/testing.h"

namespace corridor::reports::testing {

using namespace hub::testing;
using hub::Code;

inline const std::string kMir = "22001512";
inline const std::string kBelkart = "91120012";
inline const std::string kU1 = "8a562c67-ca16-48ba-b074-65581be6f011";
inline const std::string kU2 = "3f2b0e6a-1d4c-4e8f-9a7b-2c5d6e7f8091";
inline const std::string kU3 = "c0ffee00-1234-4abc-8def-001122334455";
inline const std::string kU4 = "5e1d2c3b-4a59-4687-b6a5-f4e3d2c1b0a9";

// A window with everything a report shows: payments in one currency (one partly returned) and
// across currencies (the hub's fee), a card completion in one currency (with MCC and merchant
// name), a financial 0200 across currencies and its reversal (interchange and card fees, and
// their share back), an approved hold still standing at the close, a liquidity deposit;
// closed, settled, and a second window with a payment and the first window's settlement
// transfers. `run` applies a command and gives its outcome; `tick` moves journal time on.
// Driven by a hub::testing::Driver every journal time is fixed, so every report is the same on
// every run.
template <typename Run, typename Tick>
void Day(Run run, Tick tick) {
  hub::Configure settings = CardsRuBy();
  settings.interchange = {{"RU", "RU", 50, 30}, {"RU", "BY", 50, 20}, {"BY", "RU", 40, 20}};
  settings.card_fees = {{"RUB", 10, 10}, {"BYN", 5, 10}};
  CORRIDOR_CHECK(run(settings).code == Code::ok);
  CORRIDOR_CHECK(run(Bank("SABRRUMM", "RU", hub::kRoleInstant | hub::kRoleAcquirer)).succeeded());
  CORRIDOR_CHECK(run(Bank("ALFARUMM", "RU", hub::kRoleInstant | hub::kRoleIssuer)).succeeded());
  CORRIDOR_CHECK(
      run(Bank("BPSBBY2X", "BY", hub::kRoleInstant | hub::kRoleIssuer | hub::kRoleAcquirer))
          .succeeded());
  CORRIDOR_CHECK(run(Bank("FXPRBY2X", "BY", hub::kRoleFx)).succeeded());
  run(hub::Liquidity{"SABRRUMM", "l1", {"RUB", 100'000'00}, true});
  run(hub::Liquidity{"ALFARUMM", "l2", {"RUB", 1'000'00}, true});
  run(hub::Liquidity{"BPSBBY2X", "l3", {"BYN", 10'000'00}, true});
  run(hub::Liquidity{"FXPRBY2X", "l4", {"RUB", 1'000'000'00}, true});
  run(hub::Liquidity{"FXPRBY2X", "l5", {"BYN", 100'000'00}, true});
  CORRIDOR_CHECK(run(hub::PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000},
                                                      {"RUB", "BYN", 3'643'000}}})
                     .code == Code::ok);
  CORRIDOR_CHECK(run(CardSettingsOf("SABRRUMM", "100001")).code == Code::ok);
  CORRIDOR_CHECK(run(CardSettingsOf("ALFARUMM", "200002", {"220015"})).code == Code::ok);
  CORRIDOR_CHECK(run(CardSettingsOf("BPSBBY2X", "300003", {"9112"})).code == Code::ok);
  tick();
  // Payments: SABRRUMM -> ALFARUMM 150.00, ALFARUMM -> SABRRUMM 20.00 (5.00 returned).
  CORRIDOR_CHECK(run(Payment(kU1, "SABRRUMM", "ALFARUMM", {"RUB", 150'00})).succeeded());
  CORRIDOR_CHECK(run(hub::PayeeAnswer{"ALFARUMM", kU1, true, "", "A1"}).succeeded());
  CORRIDOR_CHECK(run(Payment(kU2, "ALFARUMM", "SABRRUMM", {"RUB", 20'00})).succeeded());
  CORRIDOR_CHECK(run(hub::PayeeAnswer{"SABRRUMM", kU2, true, "", "A2"}).succeeded());
  CORRIDOR_CHECK(run(hub::ReturnPayment{"SABRRUMM", "MSG-R1", "R1", kU2, {"RUB", 5'00}, "AC04",
                                          30 * 86400, 7})
                     .succeeded());
  // Across currencies: BPSBBY2X pays SABRRUMM 100.00 BYN (the hub's fee in BYN).
  const hub::Outcome quote = run(hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  CORRIDOR_CHECK(quote.code == Code::created);
  CORRIDOR_CHECK(
      run(Payment(kU4, "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, quote.quote->id)).succeeded());
  CORRIDOR_CHECK(run(hub::PayeeAnswer{"SABRRUMM", kU4, true, "", "A4"}).succeeded());
  // Cards: a Mir 0100 at SABRRUMM approved and completed for 80.00 of 100.00.
  hub::CardRequest mir =
      CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", 100'00}, "000001");
  mir.trace.mcc = "5411";
  mir.trace.merchant_name = "GROCERY 7               MOSCOW       RU";
  const uint64_t first = run(mir).card->authorization;
  CORRIDOR_CHECK(run(hub::CardIssuerAnswer{"ALFARUMM", first, "00", "A12345"}).succeeded());
  CORRIDOR_CHECK(run(AdviceOf(mir, 220, "000002", 80'00)).succeeded());
  // An 0200 of BPSBBY2X (BYN) for the Mir card: BYN -> RUB through the FX provider.
  hub::CardRequest cross = CardAuth("BPSBBY2X", "300003", "ALFARUMM", kMir, {"BYN", 20'00},
                                    "000003", 2);
  cross.mti = 200;
  const uint64_t second = run(cross).card->authorization;
  CORRIDOR_CHECK(run(hub::CardIssuerAnswer{"ALFARUMM", second, "00", "B22222"}).succeeded());
  // Its full reversal (0420): the money, the interchange and the card fee go back.
  CORRIDOR_CHECK(run(AdviceOf(cross, 420, "000005")).succeeded());
  // A Belkart 0100 at SABRRUMM approved and still held at the close.
  const hub::CardRequest held = CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart,
                                         {"RUB", 300'00}, "000004", 3);
  const uint64_t third = run(held).card->authorization;
  CORRIDOR_CHECK(run(hub::CardIssuerAnswer{"BPSBBY2X", third, "00", "C33333"}).succeeded());
  run(hub::Liquidity{"SABRRUMM", "l6", {"RUB", 50'00}, true});
  tick();
  CORRIDOR_CHECK(run(hub::CloseWindow{1}).code == Code::ok);
  hub::SettleWindow settle;
  settle.window = 1;
  settle.all = true;
  settle.all_reference = "CBR-2027-0001";
  CORRIDOR_CHECK(run(settle).succeeded());
  CORRIDOR_CHECK(run(Payment(kU3, "SABRRUMM", "ALFARUMM", {"RUB", 7'00})).succeeded());
  CORRIDOR_CHECK(run(hub::PayeeAnswer{"ALFARUMM", kU3, true, "", "A3"}).succeeded());
  tick();
  CORRIDOR_CHECK(run(hub::CloseWindow{2}).code == Code::ok);
}

}  // namespace corridor::reports::testing
