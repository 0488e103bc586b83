// CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), the
// checksum that closes every serialized format (HNSW index, memory snapshots, learning blobs).
// Same as zlib's crc32(); check value of "123456789" is 0xCBF43926.
//
// Two ways, both checked against Crc32Bytewise (the definition, a byte at a time):
// - Slicing-by-8 (Intel's technique, as zlib's braided CRC): eight table lookups per 8 bytes,
//   about 4x the byte loop (~1.5 GB/s here). It serves wasm and short inputs.
// - Folding with carry-less multiplication (Intel's "Fast CRC Computation for Generic Polynomials
//   Using PCLMULQDQ", as zlib-ng, Chromium's zlib and Linux do): 64 bytes per step in four
//   independent 128-bit lanes, ~10x the tables. It matters: checking a 170 MB memory snapshot
//   was a sixth of the time to open it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ruv {

// kCrc32Tables[0] is the classic table; kCrc32Tables[k][i] is the CRC of byte i followed by k
// zero bytes, so eight bytes fold in one step.
inline constexpr std::array<std::array<uint32_t, 256>, 8> kCrc32Tables = [] {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}();

inline uint32_t Crc32Bytewise(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kCrc32Tables[0][(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// The register form of the sliced loop: `c` is the running register (0xFFFFFFFF before the
// first byte; the CRC is its complement after the last). Crc32's kernels finish their tail with it.
inline uint32_t Crc32SlicedUpdate(uint32_t c, const uint8_t* data, size_t size) {
  const auto& t = kCrc32Tables;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint32_t lo, hi;  // little-endian words (every target is little-endian: byte_io.h)
    std::memcpy(&lo, data + i, 4);
    std::memcpy(&hi, data + i + 4, 4);
    lo ^= c;
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; i < size; ++i) c = t[0][(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c;
}

inline uint32_t Crc32Sliced(const uint8_t* data, size_t size) {
  return Crc32SlicedUpdate(0xFFFFFFFFu, data, size) ^ 0xFFFFFFFFu;
}

// The CRC of `size` bytes, by the fastest kernel the CPU runs (crc32.cc): carry-less multiply
// folding (PCLMULQDQ) on x86 with SSE4 or better, else the sliced tables (wasm, old CPUs).
uint32_t Crc32(const uint8_t* data, size_t size);

}  // namespace ruv
