// Tests of the invariant checker on its own: one check at a time, requests made meanwhile
// sharing the next image, answers on the checker's thread, and a clean stop.
#include "core/invariant_checker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/testing.h"

namespace corridor::core {
namespace {

// Hands out images only when the test says so: the requests' images, in order.
class ManualImages {
 public:
  InvariantChecker::TakeImage Taker() {
    return [this](InvariantChecker::Deliver deliver) {
      std::lock_guard<std::mutex> lock(mu_);
      waiting_.push_back(std::move(deliver));
    };
  }
  size_t waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_.size();
  }
  // Delivers an image of `sm` to the oldest request.
  void DeliverOldest(const ledger::StateMachine& sm) {
    InvariantChecker::Deliver deliver;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ASSERT_FALSE(waiting_.empty());
      deliver = std::move(waiting_.front());
      waiting_.erase(waiting_.begin());
    }
    deliver(sm.TakeSnapshotImage());
  }

 private:
  std::mutex mu_;
  std::vector<InvariantChecker::Deliver> waiting_;
};

// Counts answers and remembers what they said and where they ran.
struct Answers {
  std::mutex mu;
  std::vector<std::vector<std::string>> violations;
  std::vector<std::thread::id> threads;

  InvariantChecker::Done Collect() {
    return [this](std::vector<std::string> v) {
      std::lock_guard<std::mutex> lock(mu);
      violations.push_back(std::move(v));
      threads.push_back(std::this_thread::get_id());
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return violations.size();
  }
  // Waits up to 10 s for `n` answers.
  bool WaitFor(size_t n) {
    for (int i = 0; i < 10000 && count() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return count() >= n;
  }
};

// A small ledger whose invariants hold, with a pending transfer.
std::unique_ptr<ledger::StateMachine> SoundLedger() {
  auto sm = std::make_unique<ledger::StateMachine>();
  std::vector<ledger::CreateAccountResult> accounts;
  sm->CreateAccounts(1000,
                     std::vector<ledger::Account>{ledger::testing::MakeAccount(1, 643),
                                                  ledger::testing::MakeAccount(2, 643)},
                     &accounts);
  std::vector<ledger::CreateTransferResult> transfers;
  sm->CreateTransfers(2000,
                      std::vector<ledger::Transfer>{ledger::testing::MakeTransfer(
                          10, 1, 2, 5, 643, ledger::kTransferPending, 0, 60)},
                      &transfers);
  return sm;
}

TEST(InvariantCheckerTest, RequestsDuringACheckShareTheNextImage) {
  const std::unique_ptr<ledger::StateMachine> sm = SoundLedger();
  ManualImages images;
  Answers answers;
  InvariantChecker checker(images.Taker());
  checker.Request(answers.Collect());
  EXPECT_EQ(checker.images_taken(), 1u);
  // A loop of requests while that one is in flight: no more images, no more work.
  for (int i = 0; i < 1000; ++i) checker.Request(answers.Collect());
  EXPECT_EQ(checker.images_taken(), 1u);
  EXPECT_EQ(images.waiting(), 1u);

  images.DeliverOldest(*sm);
  ASSERT_TRUE(answers.WaitFor(1));
  // The thousand get one image of their own, taken after they asked.
  for (int i = 0; i < 10000 && images.waiting() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(checker.images_taken(), 2u);
  EXPECT_EQ(answers.count(), 1u);
  images.DeliverOldest(*sm);
  ASSERT_TRUE(answers.WaitFor(1001));
  EXPECT_EQ(checker.images_taken(), 2u);
  for (const auto& v : answers.violations) EXPECT_TRUE(v.empty());
  for (const auto& id : answers.threads) EXPECT_NE(id, std::this_thread::get_id());

  // Idle again: the next request takes a new image.
  checker.Request(answers.Collect());
  EXPECT_EQ(checker.images_taken(), 3u);
  images.DeliverOldest(*sm);
  ASSERT_TRUE(answers.WaitFor(1002));
}

TEST(InvariantCheckerTest, AnImageDeliveredAtOnceIsCheckedOnTheCheckerThread) {
  const std::unique_ptr<ledger::StateMachine> sm = SoundLedger();
  Answers answers;
  InvariantChecker checker(
      [&sm](InvariantChecker::Deliver deliver) { deliver(sm->TakeSnapshotImage()); });
  for (int i = 0; i < 5; ++i) {
    checker.Request(answers.Collect());
    ASSERT_TRUE(answers.WaitFor(static_cast<size_t>(i) + 1));
  }
  EXPECT_EQ(checker.images_taken(), 5u);
  for (const auto& id : answers.threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(InvariantCheckerTest, StopsWhenNoImageWillCome) {
  ManualImages images;
  std::atomic<int> answered{0};
  {
    InvariantChecker checker(images.Taker());
    checker.Request([&answered](std::vector<std::string>) { answered.fetch_add(1); });
    checker.Request([&answered](std::vector<std::string>) { answered.fetch_add(1); });
    EXPECT_EQ(images.waiting(), 1u);
  }  // Returns although the image never came; those requests are dropped.
  EXPECT_EQ(answered.load(), 0);
}

}  // namespace
}  // namespace corridor::core
