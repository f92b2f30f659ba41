// Builders of ledger events for tests (not for production code: they fill `code` with 1), and
// in-memory byte streams for snapshots.
#pragma once

#include <cstring>
#include <vector>

#include "ledger/state_machine.h"
#include "ledger/types.h"

namespace corridor::ledger::testing {

inline Account MakeAccount(u128 id, uint32_t ledger_id, uint16_t flags = 0) {
  Account a{};
  a.id = id;
  a.ledger = ledger_id;
  a.code = 1;
  a.flags = flags;
  return a;
}

inline Transfer MakeTransfer(u128 id, u128 debit, u128 credit, u128 amount, uint32_t ledger_id,
                             uint16_t flags = 0, u128 pending_id = 0, uint32_t timeout = 0) {
  Transfer t{};
  t.id = id;
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = ledger_id;
  t.code = 1;
  t.flags = flags;
  t.pending_id = pending_id;
  t.timeout = timeout;
  return t;
}

class MemorySink : public ByteSink {
 public:
  Status Write(const void* data, size_t size) override {
    const auto* p = static_cast<const char*>(data);
    bytes.insert(bytes.end(), p, p + size);
    return Status::Ok();
  }
  std::vector<char> bytes;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(const std::vector<char>& bytes) : bytes_(bytes) {}
  Status Read(void* data, size_t size) override {
    if (size > bytes_.size() - offset_) return Status::Error("short");
    std::memcpy(data, bytes_.data() + offset_, size);
    offset_ += size;
    return Status::Ok();
  }

 private:
  const std::vector<char>& bytes_;
  size_t offset_ = 0;
};

}  // namespace corridor::ledger::testing
