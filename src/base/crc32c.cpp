#include "base/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace corridor {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size) {
  // crc32_iscsi takes and returns the register without the final inversion.
  uint32_t reg = ~crc;
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  while (size > 0) {
    const int chunk = size > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
    reg = crc32_iscsi(p, chunk, reg);
    p += chunk;
    size -= static_cast<size_t>(chunk);
  }
  return ~reg;
}

uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }

}  // namespace corridor
