// InvariantChecker: checks the ledger's invariants on a thread of its own, one check at a
// time, so that a check of a large ledger (a pass over every transfer) stalls neither the
// apply thread nor the writes queued behind it.
//
// A check runs on a ledger::SnapshotImage, which the owner takes on the apply thread after
// everything submitted before the request (so the answer covers it) and which costs that
// thread a copy of the accounts and pending states, not a pass over the transfers. Requests
// that arrive while a check is in flight share the next one, so however often callers ask,
// at most one image is held and one check runs, and no request is answered from an image
// taken before it.
//
// Thread: Request may be called from any thread; answers run on the checker thread and must
// not block on what owns the checker.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/state_machine.h"

namespace corridor::core {

class InvariantChecker {
 public:
  // Gets the violations found, one line each (see StateMachine::CheckInvariants); empty: ok.
  using Done = std::function<void(std::vector<std::string> violations)>;
  using Deliver = std::function<void(ledger::SnapshotImage)>;
  // Arranges for `deliver` to be called, once, on any thread, with an image of the state
  // that covers everything submitted before the call.
  using TakeImage = std::function<void(Deliver deliver)>;

  explicit InvariantChecker(TakeImage take_image);
  // Checks an image already delivered and answers its requests, then stops. Requests still
  // waiting for an image that will not come (the owner stopped) are dropped unanswered.
  ~InvariantChecker();
  InvariantChecker(const InvariantChecker&) = delete;
  InvariantChecker& operator=(const InvariantChecker&) = delete;

  void Request(Done done);

  // How many images were asked for since construction (tests: requests share them).
  uint64_t images_taken() const;

 private:
  void Loop();
  void TakeImageFor(std::vector<Done> covered);

  TakeImage take_image_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool in_flight_ = false;                      // GUARDED_BY(mu_): an image asked for or checked.
  std::vector<Done> covered_;                   // GUARDED_BY(mu_): answered by the one in flight.
  std::vector<Done> next_;                      // GUARDED_BY(mu_): asked while one was in flight.
  std::optional<ledger::SnapshotImage> image_;  // GUARDED_BY(mu_): delivered, not yet checked.
  uint64_t images_taken_ = 0;                   // GUARDED_BY(mu_)
  bool stop_ = false;                           // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace corridor::core
