// Status: the outcome of an operation that can fail for reasons outside the program's control
// (I/O, bad input). Broken invariants are assertions, never a Status.
#pragma once

#include <string>
#include <utility>

namespace corridor {

class Status {
 public:
  Status() = default;  // OK.
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

}  // namespace corridor
