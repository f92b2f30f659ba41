// corridor demo: a short scripted day of the Russia–Belarus corridor's ledger, in process:
// accounts for a few banks in RUB and BYN, transfers, a pending transfer posted and one
// voided, a refused overdraft, a restart from the journal, and the balances.
#include <getopt.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/u128.h"
#include "cli/commands.h"
#include "core/core.h"

namespace corridor::cli {
namespace {

using ledger::Account;
using ledger::Transfer;

struct Bank {
  u128 id;
  const char* name;
  uint32_t ledger;
};

// Settlement accounts of the hub at each central bank, and accounts of participant banks.
const Bank kBanks[] = {
    {1001, "hub settlement RUB (Bank of Russia)", ledger::kLedgerRub},
    {1002, "SBERRUMM Sberbank", ledger::kLedgerRub},
    {1003, "ALFARUMM Alfa-Bank", ledger::kLedgerRub},
    {2001, "hub settlement BYN (National Bank)", ledger::kLedgerByn},
    {2002, "AKBBBY2X Belarusbank", ledger::kLedgerByn},
    {2003, "PJCBBY2X Priorbank", ledger::kLedgerByn},
};

Account MakeAccount(const Bank& b) {
  Account a{};
  a.id = b.id;
  a.ledger = b.ledger;
  a.code = 1;
  // Participants may not spend more than was credited to them (prefunded positions).
  if (b.id % 1000 != 1) a.flags = ledger::kAccountDebitsMustNotExceedCredits | ledger::kAccountHistory;
  return a;
}

Transfer MakeTransfer(u128 id, u128 dr, u128 cr, u128 amount_minor, uint32_t ledger,
                      uint16_t flags = 0, u128 pending_id = 0) {
  Transfer t{};
  t.id = id;
  t.debit_account_id = dr;
  t.credit_account_id = cr;
  t.amount = amount_minor;
  t.ledger = ledger;
  t.code = 1;
  t.flags = flags;
  t.pending_id = pending_id;
  if (flags & ledger::kTransferPending) t.timeout = 3600;
  return t;
}

std::string Money(u128 minor) {
  const std::string units = U128ToString(minor / 100);
  const unsigned cents = static_cast<unsigned>(minor % 100);
  char buf[8];
  std::snprintf(buf, sizeof(buf), ".%02u", cents);
  return units + buf;
}

void PrintBalances(const ledger::StateMachine& sm) {
  std::printf("  %-38s %4s %14s %14s %14s\n", "account", "cur", "debits", "credits", "pending dr");
  for (const Bank& b : kBanks) {
    const Account* a = sm.LookupAccount(b.id);
    if (a == nullptr) continue;
    std::printf("  %-38s %4s %14s %14s %14s\n", b.name, b.ledger == ledger::kLedgerRub ? "RUB" : "BYN",
                Money(a->debits_posted).c_str(), Money(a->credits_posted).c_str(),
                Money(a->debits_pending).c_str());
  }
}

int Fail(const Status& st) {
  std::fprintf(stderr, "demo: %s\n", st.message().c_str());
  return 1;
}

template <typename R>
void PrintResults(const char* what, const std::vector<R>& results) {
  std::printf("%s:", what);
  for (R r : results) std::printf(" %s", std::string(ledger::Name(r)).c_str());
  std::printf("\n");
}

Status RunDay(core::Core& hub) {
  std::vector<Account> accounts;
  for (const Bank& b : kBanks) accounts.push_back(MakeAccount(b));
  std::vector<ledger::CreateAccountResult> account_results;
  Status st = hub.CreateAccounts(accounts, &account_results);
  if (!st.ok()) return st;
  PrintResults("create accounts", account_results);

  const uint32_t rub = ledger::kLedgerRub, byn = ledger::kLedgerByn;
  std::vector<ledger::CreateTransferResult> r;
  // Morning: banks prefund their positions at the hub (amounts in kopecks / kapeks).
  st = hub.CreateTransfers({MakeTransfer(1, 1001, 1002, 50'000'000, rub),
                            MakeTransfer(2, 1001, 1003, 20'000'000, rub),
                            MakeTransfer(3, 2001, 2002, 1'500'000, byn),
                            MakeTransfer(4, 2001, 2003, 800'000, byn)},
                           &r);
  if (!st.ok()) return st;
  PrintResults("prefunding", r);
  // A payment Sberbank -> Alfa, and two reservations: one posted, one voided.
  st = hub.CreateTransfers({MakeTransfer(10, 1002, 1003, 1'250'000, rub),
                            MakeTransfer(11, 2002, 2003, 35'000, byn, ledger::kTransferPending),
                            MakeTransfer(12, 1003, 1002, 99'900, rub, ledger::kTransferPending)},
                           &r);
  if (!st.ok()) return st;
  PrintResults("payment and two reservations", r);
  st = hub.CreateTransfers(
      {MakeTransfer(13, 0, 0, 35'000, 0, ledger::kTransferPostPendingTransfer, 11),
       MakeTransfer(14, 0, 0, 0, 0, ledger::kTransferVoidPendingTransfer, 12),
       // Priorbank tries to pay more than its position holds: refused, nothing moves.
       MakeTransfer(15, 2003, 2002, 9'000'000, byn),
       // The same payment id sent twice: one effect.
       MakeTransfer(10, 1002, 1003, 1'250'000, rub)},
      &r);
  if (!st.ok()) return st;
  PrintResults("post, void, overdraft, duplicate", r);
  return Status::Ok();
}

}  // namespace

int Demo(int argc, char** argv) {
  std::string dir;
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'd') dir = optarg;
    else return 2;
  }
  const bool temporary = dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/corridor-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail(Status::Error("mkdtemp failed"));
    dir = tmpl;
  }
  core::Options options;
  options.dir = dir;
  options.segment_size_bytes = 4 << 20;
  u128 hash_before = 0;
  {
    std::unique_ptr<core::Core> hub;
    core::OpenReport report;
    Status st = core::Core::Open(options, &hub, &report);
    if (!st.ok()) return Fail(st);
    std::printf("corridor demo: data in %s\n", dir.c_str());
    st = RunDay(*hub);
    if (!st.ok()) return Fail(st);
    hub->Read([&](const ledger::StateMachine& sm) {
      std::printf("balances at close of day:\n");
      PrintBalances(sm);
      hash_before = sm.StateHash();
    });
  }
  std::printf("hub stopped; restarting from the journal...\n");
  std::unique_ptr<core::Core> hub;
  core::OpenReport report;
  const Status st = core::Core::Open(options, &hub, &report);
  if (!st.ok()) return Fail(st);
  bool same = false;
  hub->Read([&](const ledger::StateMachine& sm) {
    std::printf("replayed %llu journal entries; balances after restart:\n",
                static_cast<unsigned long long>(report.replayed_entries));
    PrintBalances(sm);
    same = sm.StateHash() == hash_before;
    const std::vector<std::string> violations = sm.CheckInvariants();
    std::printf("state hash %s, invariants %s\n", same ? "unchanged" : "CHANGED",
                violations.empty() ? "hold (debits = credits per currency)" : "VIOLATED");
    same = same && violations.empty();
  });
  hub.reset();
  if (temporary) std::filesystem::remove_all(dir);
  return same ? 0 : 1;
}

}  // namespace corridor::cli
