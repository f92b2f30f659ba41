// Status: the outcome of an operation that can fail for reasons outside the program's control
// (I/O, bad input, too much work at once). Broken invariants are assertions, never a Status.
#pragma once

#include <string>
#include <utility>

namespace corridor {

class Status {
 public:
  Status() = default;  // OK.
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // Refused for now because too much work is queued; nothing was done, and the same request
  // may succeed later (HTTP answers it 503 with Retry-After).
  static Status Busy(std::string message) {
    Status status(std::move(message));
    status.busy_ = true;
    return status;
  }

  bool ok() const { return !failed_; }
  bool busy() const { return busy_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  bool busy_ = false;
  std::string message_;
};

}  // namespace corridor
