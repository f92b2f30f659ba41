#include "core/invariant_checker.h"

#include <pthread.h>

#include <utility>

namespace corridor::core {

InvariantChecker::InvariantChecker(TakeImage take_image) : take_image_(std::move(take_image)) {
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), "check");
}

InvariantChecker::~InvariantChecker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void InvariantChecker::Request(Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (in_flight_) {
      // The image in flight may predate what this caller submitted: wait for the next one.
      next_.push_back(std::move(done));
      return;
    }
    in_flight_ = true;
  }
  std::vector<Done> covered;
  covered.push_back(std::move(done));
  TakeImageFor(std::move(covered));
}

uint64_t InvariantChecker::images_taken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return images_taken_;
}

// Called without mu_ held: take_image_ may call back (deliver) at once, on this thread.
void InvariantChecker::TakeImageFor(std::vector<Done> covered) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    covered_ = std::move(covered);
    ++images_taken_;
  }
  take_image_([this](ledger::SnapshotImage image) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      image_.emplace(std::move(image));
    }
    cv_.notify_one();
  });
}

void InvariantChecker::Loop() {
  for (;;) {
    std::optional<ledger::SnapshotImage> image;
    std::vector<Done> covered;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return image_.has_value() || stop_; });
      if (!image_) return;  // Stopping, and no image will come.
      image.swap(image_);
      covered.swap(covered_);
    }
    const std::vector<std::string> violations = image->CheckInvariants();
    image.reset();  // Unpins the transfer records before anyone waits on the answer.
    for (Done& done : covered) done(violations);
    std::vector<Done> next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      next.swap(next_);
      in_flight_ = !next.empty();
      if (next.empty()) continue;
    }
    TakeImageFor(std::move(next));
  }
}

}  // namespace corridor::core
