// CRC32C (Castagnoli), the checksum of journal entries and snapshots. Backed by ISA-L's
// crc32_iscsi, which uses the CPU's SSE4.2/PCLMUL instructions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corridor {

// Standard CRC32C of data (CRC32C("123456789") == 0xE3069283).
uint32_t Crc32c(const void* data, size_t size);

// Continues a CRC32C: Crc32cExtend(Crc32c(a), b) == Crc32c(a followed by b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);

}  // namespace corridor
