// Crash safety of `corridor serve`: a real server under concurrent load is killed with SIGKILL at
// random moments and restarted on the same data directory, again and again. After every
// restart:
// - every transfer answered `ok` exists, with the fields it was sent with, at the timestamp it
//   had before;
// - a transfer sent but never answered exists at most once, and once seen present or absent
//   stays so in every later restart;
// - a transfer answered with a failure does not exist;
// - every account's balances equal the sum of its existing transfers (pending and posted
//   apart), both through GET /v1/accounts/{id} and through its history items;
// - /v1/ledger/check is ok.
// Some unanswered batches are sent again after the restart: each event is applied at most once
// (`exists` exactly for those found present, `ok` for those found absent).
//
// Randomness is seeded; the seed is printed, and CORRIDOR_CRASH_SEED=N replays a run.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "serve/test_util.h"

namespace corridor::testing {
namespace {

// Accounts: plain ones (two of them with history) that every transfer moves money between,
// and `limited` ones (debits must not exceed credits) that nothing ever credits, so a transfer
// from them always fails with exceeds_credits, whatever order the batches land in.
constexpr uint64_t kPlainAccounts = 8;
constexpr uint64_t kHistoryAccounts = 2;  // Accounts 1 and 2.
constexpr uint64_t kLimitedFirst = 101;
constexpr uint64_t kLimitedAccounts = 2;

constexpr int kCycles = 20;
constexpr int kThreads = 4;
constexpr int kKillAfterMsMin = 20;
constexpr int kKillAfterMsMax = 400;
// Every this many cycles (and at the end) the listings are checked from the start.
constexpr int kFullCheckEvery = 5;

enum class State {
  unanswered,  // Sent, no answer yet.
  acked,       // Answered ok, or found present after a restart, or resent and answered.
  failed,      // Answered with a failure, or expected to fail: never stored.
  absent,      // Unanswered, and found absent after the restart.
};

struct Record {
  TransferEvent sent;
  TransferEvent stored;  // As the ledger stores it (post/void take the pending's fields).
  std::string expected;  // The result of its first application.
  State state = State::unanswered;
  u128 timestamp = 0;  // Once seen.
  bool resent = false;
};

bool Stored(const Record& r) { return r.state == State::acked; }
bool Has(const TransferEvent& e, std::string_view flag) {
  return std::find(e.flags.begin(), e.flags.end(), flag) != e.flags.end();
}

struct Batch {
  std::vector<uint64_t> ids;
};

struct OpenPending {
  uint64_t id;
  TransferEvent event;
};

// What one load thread slot keeps across cycles.
struct Slot {
  std::vector<OpenPending> open_pendings;  // Acknowledged pending transfers nobody resolved.
};

// What one load thread did in one cycle; merged into the model after the threads stop.
struct ThreadLog {
  std::vector<Record> records;
  std::map<uint64_t, size_t> index;  // id -> records[i]
  std::vector<Batch> unanswered;
  std::vector<std::string> failures;
  int batches_answered = 0;
};

class ServeCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = CrashSeed();
    data_dir_ = dir_.path() + "/data";
  }

  void StartServer() {
    std::string error;
    // Snapshots every 40 entries, so that kills also land while one is being written and
    // restarts load a snapshot and replay only the journal after it (whose older segments
    // are deleted on the way).
    ASSERT_TRUE(server_.Start(data_dir_,
                              {"--segment-mib", "8", "--snapshot-every", "40",
                               "--capacity-transfers", "262144"},
                              &error))
        << error;
  }
  std::unique_ptr<HttpClient> NewClient() {
    return std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }

  void CreateAccountsOnce();
  void RunLoad(int cycle, std::mt19937_64& rng);
  void ResolveUnanswered(HttpClient& client);
  void VerifyListings(HttpClient& client, bool full);
  void VerifySample(HttpClient& client, std::mt19937_64& rng);
  void VerifyBalances(HttpClient& client);
  void Resend(HttpClient& client, std::mt19937_64& rng);

  std::vector<u128> AllAccounts() const {
    std::vector<u128> out;
    for (uint64_t i = 1; i <= kPlainAccounts; ++i) out.push_back(i);
    for (uint64_t i = 0; i < kLimitedAccounts; ++i) out.push_back(kLimitedFirst + i);
    return out;
  }

  uint64_t seed_ = 0;
  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  std::map<uint64_t, Record> model_;
  // Per account: the last transfer verified in its listing, and the balances just after it.
  struct Watermark {
    u128 timestamp = 0;
    Balances balances;
  };
  std::map<uint64_t, Watermark> watermarks_;
  std::vector<Batch> unanswered_;  // Of the last cycle.
  Slot slots_[kThreads];
  std::atomic<uint64_t> next_id_{1'000'000};
  uint64_t total_answered_batches_ = 0;
  uint64_t total_unanswered_batches_ = 0;
  uint64_t found_present_ = 0, found_absent_ = 0, resent_events_ = 0;
};

void ServeCrashTest::CreateAccountsOnce() {
  auto client = NewClient();
  std::vector<AccountEvent> accounts;
  for (uint64_t i = 1; i <= kPlainAccounts; ++i) {
    AccountEvent a{.id = i, .user_data = i * 1000};
    if (i <= kHistoryAccounts) a.flags = {"history"};
    accounts.push_back(a);
  }
  for (uint64_t i = 0; i < kLimitedAccounts; ++i) {
    accounts.push_back({.id = kLimitedFirst + i, .flags = {"debits_must_not_exceed_credits"}});
  }
  ASSERT_EQ(CreateAccounts(*client, accounts), std::vector<std::string>(accounts.size(), "ok"));
}

// A transfer as the ledger stores it: a post or void takes its pending transfer's accounts,
// ledger and code, the whole pending amount when it says so (a post 2^128-1, a void 0), and
// the pending's user_data when it has none.
TransferEvent StoredForm(const TransferEvent& sent, const OpenPending* pending) {
  if (pending == nullptr) return sent;
  TransferEvent s = sent;
  s.debit_account_id = pending->event.debit_account_id;
  s.credit_account_id = pending->event.credit_account_id;
  s.ledger = pending->event.ledger;
  s.code = pending->event.code;
  const bool post =
      std::find(sent.flags.begin(), sent.flags.end(), "post_pending_transfer") != sent.flags.end();
  const u128 whole = post ? kU128Max : 0;
  s.amount = sent.amount == whole ? pending->event.amount : sent.amount;
  s.user_data = sent.user_data != 0 ? sent.user_data : pending->event.user_data;
  return s;
}

// One load thread: batches of 20-200 transfers with fresh ids until its connection breaks.
void LoadThread(uint16_t port, Slot* slot, uint64_t seed, std::atomic<uint64_t>* next_id,
                const std::atomic<bool>* stop, ThreadLog* log) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  auto plain_pair = [&](u128* debit, u128* credit) {
    *debit = uniform(1, kPlainAccounts);
    do {
      *credit = uniform(1, kPlainAccounts);
    } while (*credit == *debit);
  };
  HttpClient client("127.0.0.1", port, 30000);
  while (!stop->load()) {
    const size_t size = uniform(20, 200);
    std::vector<TransferEvent> events;
    std::vector<Record> records;
    std::vector<OpenPending> resolving;  // Taken from open_pendings by this batch.
    std::vector<size_t> pending_positions;
    while (events.size() < size) {
      const uint64_t kind = uniform(0, 99);
      TransferEvent e{.id = next_id->fetch_add(1)};
      e.user_data = uniform(0, 3) == 0 ? (u128{uniform(0, ~0ull)} << 64 | uniform(0, ~0ull)) : 0;
      Record r;
      const OpenPending* pending = nullptr;
      if (kind < 10) {
        // Always refused: nothing ever credits a limited account.
        e.debit_account_id = kLimitedFirst + uniform(0, kLimitedAccounts - 1);
        e.credit_account_id = uniform(1, kPlainAccounts);
        e.amount = uniform(1, 1000);
        if (uniform(0, 1)) e.flags = {"pending"};
        r.expected = "exceeds_credits";
      } else if (kind < 25) {
        plain_pair(&e.debit_account_id, &e.credit_account_id);
        e.amount = uniform(1, 100000);
        e.flags = {"pending"};
        e.code = static_cast<uint16_t>(uniform(1, 3));
        // Half with a timeout far beyond the test: the server then journals ticks, which
        // crashes and replays must survive too.
        if (uniform(0, 1)) e.timeout = 3600;
        r.expected = "ok";
        pending_positions.push_back(events.size());
      } else if (kind < 45 && !slot->open_pendings.empty()) {
        const size_t at = uniform(0, slot->open_pendings.size() - 1);
        resolving.push_back(slot->open_pendings[at]);
        slot->open_pendings.erase(slot->open_pendings.begin() + static_cast<ptrdiff_t>(at));
        const OpenPending& p = resolving.back();
        e.pending_id = p.id;
        if (uniform(0, 1)) {
          e.flags = {"post_pending_transfer"};
          // 0 posts nothing and releases the hold; 2^128-1 posts all of it.
          const uint64_t amount_kind = uniform(0, 9);
          e.amount = amount_kind == 0   ? u128{0}
                     : amount_kind == 1 ? kU128Max
                                        : uniform(1, static_cast<uint64_t>(p.event.amount));
        } else {
          e.flags = {"void_pending_transfer"};
          e.amount = uniform(0, 1) ? 0 : p.event.amount;
        }
        // Accounts, ledger and code are left to the pending transfer.
        e.ledger = 0;
        e.code = 0;
        pending = &p;
        r.expected = "ok";
      } else if (kind < 50 && events.size() + 2 <= size) {
        // A linked pair; half the time its second event fails and so does the chain.
        TransferEvent first = e;
        plain_pair(&first.debit_account_id, &first.credit_account_id);
        first.amount = uniform(1, 1000);
        first.flags = {"linked"};
        TransferEvent second{.id = next_id->fetch_add(1)};
        const bool fails = uniform(0, 1);
        if (fails) {
          second.debit_account_id = kLimitedFirst;
          second.credit_account_id = uniform(1, kPlainAccounts);
        } else {
          plain_pair(&second.debit_account_id, &second.credit_account_id);
        }
        second.amount = uniform(1, 1000);
        Record r1{.sent = first, .stored = first, .expected = fails ? "linked_event_failed" : "ok"};
        Record r2{.sent = second, .stored = second,
                  .expected = fails ? "exceeds_credits" : "ok"};
        events.push_back(first);
        records.push_back(r1);
        events.push_back(second);
        records.push_back(r2);
        continue;
      } else {
        plain_pair(&e.debit_account_id, &e.credit_account_id);
        e.amount = uniform(0, 19) == 0 ? (u128{1} << 64) + uniform(0, 1000) : uniform(1, 1000000);
        r.expected = "ok";
      }
      r.sent = e;
      r.stored = StoredForm(e, pending);
      events.push_back(e);
      records.push_back(r);
    }

    Batch batch;
    for (const auto& e : events) batch.ids.push_back(static_cast<uint64_t>(e.id));
    HttpResponse response;
    std::string error;
    const bool answered =
        client.Request("POST", "/v1/transfers", EventsJson(events), &response, &error);
    if (!answered) {
      // Killed meanwhile (or never reached it): the batch may or may not have been applied.
      for (auto& r : records) {
        r.state = r.expected == "ok" ? State::unanswered : State::failed;
        log->index[static_cast<uint64_t>(r.sent.id)] = log->records.size();
        log->records.push_back(r);
      }
      log->unanswered.push_back(batch);
      return;
    }
    ++log->batches_answered;
    std::vector<std::string> results;
    Json json;
    std::string parse_error;
    if (response.status != 200 || !Json::Parse(response.body, &json, &parse_error) ||
        json.size() != events.size()) {
      log->failures.push_back("batch answered " + Describe(response));
      return;
    }
    for (size_t i = 0; i < events.size(); ++i) {
      Record& r = records[i];
      const std::string& got = json[i]["result"].str();
      if (json[i]["id"].str() != Dec(r.sent.id) || got != r.expected) {
        log->failures.push_back("transfer " + Dec(r.sent.id) + ": expected " + r.expected +
                                ", got " + json[i].Dump());
      }
      r.state = got == "ok" ? State::acked : State::failed;
      log->index[static_cast<uint64_t>(r.sent.id)] = log->records.size();
      log->records.push_back(r);
    }
    for (size_t at : pending_positions) {
      if (records[at].state == State::acked) {
        slot->open_pendings.push_back({static_cast<uint64_t>(events[at].id), events[at]});
      }
    }
  }
}

void ServeCrashTest::RunLoad(int cycle, std::mt19937_64& rng) {
  std::atomic<bool> stop{false};
  ThreadLog logs[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(LoadThread, server_.port(), &slots_[t],
                         rng() ^ static_cast<uint64_t>(cycle * 100 + t), &next_id_, &stop,
                         &logs[t]);
  }
  const int kill_after_ms =
      std::uniform_int_distribution<int>(kKillAfterMsMin, kKillAfterMsMax)(rng);
  std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
  // Kill first, then stop the threads: a batch in flight is cut, never finished politely.
  const int status = server_.Kill();
  stop.store(true);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the server ended before the kill: " << DescribeWaitStatus(status);
  for (auto& t : threads) t.join();

  unanswered_.clear();
  int answered = 0;
  for (auto& log : logs) {
    for (const auto& f : log.failures) ADD_FAILURE() << "cycle " << cycle << ": " << f;
    for (auto& r : log.records) model_[static_cast<uint64_t>(r.sent.id)] = r;
    unanswered_.insert(unanswered_.end(), log.unanswered.begin(), log.unanswered.end());
    answered += log.batches_answered;
  }
  total_answered_batches_ += answered;
  total_unanswered_batches_ += unanswered_.size();
  std::printf("cycle %2d: killed after %3d ms, %4d batches answered, %zu unanswered, %zu "
              "transfers so far\n",
              cycle, kill_after_ms, answered, unanswered_.size(), model_.size());
  std::fflush(stdout);
}

// Compares a transfer from the server with what the model says is stored.
void ExpectTransferIs(const Json& got, const Record& r, const std::string& where) {
  const TransferEvent& s = r.stored;
  const std::string what = where + ": transfer " + Dec(s.id);
  EXPECT_EQ(got["debit_account_id"].str(), Dec(s.debit_account_id)) << what;
  EXPECT_EQ(got["credit_account_id"].str(), Dec(s.credit_account_id)) << what;
  EXPECT_EQ(got["amount"].str(), Dec(s.amount)) << what;
  EXPECT_EQ(got["ledger"].uint(), s.ledger) << what;
  EXPECT_EQ(got["code"].uint(), s.code) << what;
  EXPECT_EQ(got["pending_id"].str(), Dec(s.pending_id)) << what;
  EXPECT_EQ(got["timeout"].uint(), s.timeout) << what;
  EXPECT_EQ(got["user_data"].str(), Dec(s.user_data)) << what;
  std::vector<std::string> flags;
  for (const Json& f : got["flags"].items()) flags.push_back(f.str());
  EXPECT_EQ(flags, s.flags) << what;
  if (r.timestamp != 0) {
    EXPECT_EQ(got["timestamp"].str(), Dec(r.timestamp)) << what << " changed its timestamp";
  }
}

// Finds whether each unanswered transfer of the last cycle was applied.
void ServeCrashTest::ResolveUnanswered(HttpClient& client) {
  for (const Batch& batch : unanswered_) {
    int present = 0, absent = 0;
    for (uint64_t id : batch.ids) {
      Record& r = model_.at(id);
      const HttpResponse response = Call(client, "GET", "/v1/transfers/" + Dec(id));
      if (response.status == 404) {
        if (r.state == State::unanswered) r.state = State::absent;
        ++absent;
        continue;
      }
      ASSERT_EQ(response.status, 200) << Describe(response);
      ++present;
      EXPECT_EQ(r.state, State::unanswered)
          << "transfer " << id << " expected " << r.expected << " exists";
      const Json got = BodyJson(response);
      ExpectTransferIs(got, r, "unanswered, found present");
      r.state = State::acked;
      // Its timestamp is learned by the listing that follows (which must show it as new).
    }
    // A batch is one journal entry: all of it or none of it (ok events only).
    int expected_ok = 0;
    for (uint64_t id : batch.ids) expected_ok += model_.at(id).expected == "ok";
    EXPECT_TRUE(present == 0 || present == expected_ok)
        << "an unanswered batch half applied: " << present << " of " << expected_ok;
    found_present_ += present > 0;
    found_absent_ += present == 0;
  }
}

// Lists every account's transfers: exactly the stored ones, each once, oldest first, with the
// sent fields and the timestamp seen before, and (history accounts) running balances.
//
// A full check lists everything from the start. In between, to keep the test's time bounded as
// the ledger grows, an incremental check lists only what follows the last verified transfer of
// each account: exactly the stored transfers never seen before must appear there; older ones
// are covered by the balances (every cycle), a sample read one by one (every cycle) and the
// next full check.
void ServeCrashTest::VerifyListings(HttpClient& client, bool full) {
  std::set<uint64_t> first_seen_now;  // Transfers whose timestamp this check learned.
  auto new_here = [&](uint64_t id, const Record& r) {
    return r.timestamp == 0 || first_seen_now.count(id) > 0;
  };
  for (u128 account : AllAccounts()) {
    SCOPED_TRACE("account " + Dec(account) + (full ? ", full listing" : ", new transfers"));
    Watermark& mark = watermarks_[static_cast<uint64_t>(account)];
    if (full) mark = Watermark{};
    // What this listing must show (ids ascending).
    std::vector<uint64_t> expected;
    for (const auto& [id, r] : model_) {
      if (Stored(r) &&
          (r.stored.debit_account_id == account || r.stored.credit_account_id == account) &&
          (full || new_here(id, r))) {
        expected.push_back(id);
      }
    }
    std::vector<uint64_t> listed;
    u128 after = mark.timestamp;
    Balances running = mark.balances;
    for (int page = 0;; ++page) {
      ASSERT_LT(page, 10000);
      const HttpResponse response = Call(
          client, "GET", "/v1/accounts/" + Dec(account) + "/transfers?limit=8190&after=" +
                             Dec(after));
      ASSERT_EQ(response.status, 200) << Describe(response);
      const Json list = BodyJson(response);
      ASSERT_TRUE(list.is_array());
      for (const Json& item : list.items()) {
        const uint64_t id = static_cast<uint64_t>(U128Of(item["id"]));
        const u128 ts = U128Of(item["timestamp"]);
        ASSERT_GT(ts, after) << "oldest first, after the cursor";
        after = ts;
        listed.push_back(id);
        auto it = model_.find(id);
        ASSERT_NE(it, model_.end()) << "listed transfer " << id << " was never sent";
        Record& r = it->second;
        EXPECT_TRUE(Stored(r)) << "transfer " << id << " is listed but it "
                               << (r.state == State::absent ? "was absent after a crash"
                                                            : "failed: " + r.expected);
        if (!full) {
          EXPECT_TRUE(new_here(id, r)) << "transfer " << id << " seen before, now listed "
                                       << "after the last verified transfer";
        }
        ExpectTransferIs(item, r, "listed");
        if (r.timestamp == 0) {
          r.timestamp = ts;
          first_seen_now.insert(id);
        }
        const TransferEvent& s = r.stored;
        EXPECT_TRUE(s.debit_account_id == account || s.credit_account_id == account) << id;
        // The account's balances after this transfer.
        auto add = [&](u128 amount, bool pending_part, int sign) {
          u128& d = pending_part ? running.debits_pending : running.debits_posted;
          u128& c = pending_part ? running.credits_pending : running.credits_posted;
          if (s.debit_account_id == account) d = sign > 0 ? d + amount : d - amount;
          if (s.credit_account_id == account) c = sign > 0 ? c + amount : c - amount;
        };
        if (Has(s, "post_pending_transfer") || Has(s, "void_pending_transfer")) {
          add(model_.at(static_cast<uint64_t>(s.pending_id)).stored.amount, true, -1);
          if (Has(s, "post_pending_transfer")) add(s.amount, false, +1);
        } else {
          add(s.amount, Has(s, "pending"), +1);
        }
        if (account <= kHistoryAccounts) {
          ASSERT_TRUE(item["balances"].is_object()) << item.Dump();
          ASSERT_EQ(BalancesOf(item["balances"]), running) << "history after " << id;
        } else {
          EXPECT_FALSE(item.has("balances")) << item.Dump();
        }
      }
      if (list.size() < 8190) break;
    }
    mark.timestamp = after;
    mark.balances = running;
    // Every stored transfer of this account that belongs in this listing is there, once.
    std::vector<uint64_t> sorted = listed;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
        << "a transfer listed twice";
    std::vector<uint64_t> missing;
    std::set_difference(expected.begin(), expected.end(), sorted.begin(), sorted.end(),
                        std::back_inserter(missing));
    EXPECT_TRUE(missing.empty()) << missing.size() << " stored transfers not listed, first "
                                 << missing.front() << " ("
                                 << static_cast<int>(model_.at(missing.front()).state) << ")";
  }
}

// Reads a sample of the stored transfers one by one: each still has its fields and the
// timestamp it had when first seen.
void ServeCrashTest::VerifySample(HttpClient& client, std::mt19937_64& rng) {
  if (model_.empty()) return;
  const uint64_t first = model_.begin()->first, last = model_.rbegin()->first;
  for (int i = 0; i < 300; ++i) {
    const auto it = model_.lower_bound(std::uniform_int_distribution<uint64_t>(first, last)(rng));
    if (it == model_.end()) continue;
    const Record& r = it->second;
    const HttpResponse response = Call(client, "GET", "/v1/transfers/" + Dec(it->first));
    if (Stored(r)) {
      ASSERT_EQ(response.status, 200) << "stored transfer " << it->first << ": "
                                      << Describe(response);
      ExpectTransferIs(BodyJson(response), r, "sampled");
    } else {
      ASSERT_EQ(response.status, 404) << "transfer " << it->first << " (never stored): "
                                      << Describe(response);
    }
  }
}

// Each account's balances are the sum of its stored transfers.
void ServeCrashTest::VerifyBalances(HttpClient& client) {
  std::map<u128, Balances> expected;
  for (u128 account : AllAccounts()) expected[account] = Balances{};
  std::map<uint64_t, bool> resolved;  // Pending transfers with a stored post or void.
  for (const auto& [id, r] : model_) {
    if (Stored(r) && r.stored.pending_id != 0) resolved[static_cast<uint64_t>(r.stored.pending_id)] = true;
  }
  for (const auto& [id, r] : model_) {
    if (!Stored(r)) continue;
    const TransferEvent& s = r.stored;
    Balances& d = expected[s.debit_account_id];
    Balances& c = expected[s.credit_account_id];
    if (Has(s, "pending")) {
      if (!resolved.count(id)) {
        d.debits_pending += s.amount;
        c.credits_pending += s.amount;
      }
    } else if (!Has(s, "void_pending_transfer")) {
      // Regular transfers and posts.
      d.debits_posted += s.amount;
      c.credits_posted += s.amount;
    }
  }
  for (const auto& [account, balances] : expected) {
    EXPECT_EQ(GetBalances(client, account), balances) << "account " << Dec(account);
  }
  const HttpResponse check = Call(client, "GET", "/v1/ledger/check");
  EXPECT_EQ(check.status, 200) << Describe(check);
  EXPECT_NE(check.body.find("\"ok\":true"), std::string::npos) << check.body;
  EXPECT_EQ(Call(client, "GET", "/v1/health").status, 200);
}

// Sends about half of the last cycle's unanswered batches again, as they were.
void ServeCrashTest::Resend(HttpClient& client, std::mt19937_64& rng) {
  for (const Batch& batch : unanswered_) {
    if (rng() % 2) continue;
    std::vector<TransferEvent> events;
    for (uint64_t id : batch.ids) events.push_back(model_.at(id).sent);
    std::vector<u128> ids(batch.ids.begin(), batch.ids.end());
    const std::vector<std::string> results =
        PostEvents(client, "/v1/transfers", EventsJson(events), ids);
    ASSERT_EQ(results.size(), batch.ids.size());
    for (size_t i = 0; i < results.size(); ++i) {
      Record& r = model_.at(batch.ids[i]);
      r.resent = true;
      ++resent_events_;
      if (r.expected != "ok") {
        EXPECT_TRUE(results[i] != "ok" && results[i].rfind("exists", 0) != 0)
            << "transfer " << batch.ids[i] << " expected to fail, resent: " << results[i];
        continue;
      }
      // Applied at most once: present ones exist, absent ones are applied now. An `exists`
      // fails a linked chain, so the second of a present linked pair is linked_event_failed.
      const bool second_of_chain = i > 0 && Has(model_.at(batch.ids[i - 1]).sent, "linked");
      const char* want = r.state != State::acked ? "ok"
                         : second_of_chain       ? "linked_event_failed"
                                                 : "exists";
      EXPECT_EQ(results[i], want) << "resent transfer " << batch.ids[i];
      r.state = State::acked;
      // A resent pending transfer stays open: no slot resolves it.
    }
  }
  unanswered_.clear();
}

TEST_F(ServeCrashTest, KilledUnderLoadLosesNothingAnsweredAndAppliesNothingTwice) {
  const auto started = std::chrono::steady_clock::now();
  std::mt19937_64 rng(seed_);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(CreateAccountsOnce());
  int cycles = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle, ++cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycle) + ", seed " + std::to_string(seed_));
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(RunLoad(cycle, rng));
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(StartServer());
    const auto t2 = std::chrono::steady_clock::now();
    auto client = NewClient();
    ASSERT_NO_FATAL_FAILURE(ResolveUnanswered(*client));
    const bool full = cycle % kFullCheckEvery == kFullCheckEvery - 1;
    ASSERT_NO_FATAL_FAILURE(VerifyListings(*client, full));
    ASSERT_NO_FATAL_FAILURE(VerifySample(*client, rng));
    const auto t3 = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(VerifyBalances(*client));
    ASSERT_NO_FATAL_FAILURE(Resend(*client, rng));
    ASSERT_NO_FATAL_FAILURE(VerifyBalances(*client));
    const auto t4 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
    };
    std::printf("          load %lld ms, restart %lld ms, %s listings %lld ms, rest %lld ms\n",
                ms(t0, t1), ms(t1, t2), full ? "full" : "new", ms(t2, t3), ms(t3, t4));
    if (HasFailure()) break;
  }
  // A last restart after the resends, then a clean stop.
  server_.Kill();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    auto client = NewClient();
    VerifyListings(*client, /*full=*/true);
    VerifyBalances(*client);
  }
  int status = 0;
  EXPECT_TRUE(server_.Terminate(30000, &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << DescribeWaitStatus(status);

  uint64_t acked = 0;
  for (const auto& [id, r] : model_) acked += Stored(r);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%d kills in %.1f s: %zu transfers sent, %llu stored; %llu batches answered, %llu "
              "unanswered (%llu found applied, %llu not), %llu events resent\n",
              cycles, seconds, model_.size(), static_cast<unsigned long long>(acked),
              static_cast<unsigned long long>(total_answered_batches_),
              static_cast<unsigned long long>(total_unanswered_batches_),
              static_cast<unsigned long long>(found_present_),
              static_cast<unsigned long long>(found_absent_),
              static_cast<unsigned long long>(resent_events_));
}

}  // namespace
}  // namespace corridor::testing
