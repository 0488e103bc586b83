// CRC-32 on every SIMD target compiled in: the dispatched kernel (folding where the CPU has
// carry-less multiplication) and the sliced tables equal the byte-at-a-time definition at every
// length and alignment, and the standard check value.
#include "common/crc32.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "hwy/tests/hwy_gtest.h"

namespace ruv {
namespace {

std::vector<uint8_t> Noise(size_t n, uint32_t seed) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>((seed = seed * 1103515245u + 12345u) >> 24);
  return bytes;
}

class Crc32Test : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(Crc32Test);

TEST_P(Crc32Test, CheckValue) {
  const auto* check = reinterpret_cast<const uint8_t*>("123456789");
  EXPECT_EQ(Crc32(check, 9), 0xCBF43926u);
  EXPECT_EQ(Crc32Sliced(check, 9), 0xCBF43926u);
  EXPECT_EQ(Crc32(check, 0), 0u);
}

// Every length up to 600 crosses each path of the folding: under 64 bytes (tables only), one
// 64-byte block, whole 64-byte steps, 16-byte steps and the 0..15-byte tail; every start in
// 0..15 crosses each alignment.
TEST_P(Crc32Test, EqualsBytewiseAtEveryLengthAndAlignment) {
  const std::vector<uint8_t> bytes = Noise(640, 12345);
  for (size_t start = 0; start < 16; ++start) {
    for (size_t len = 0; start + len <= 616; ++len) {
      const uint32_t want = Crc32Bytewise(bytes.data() + start, len);
      ASSERT_EQ(Crc32(bytes.data() + start, len), want) << "start " << start << " len " << len;
      ASSERT_EQ(Crc32Sliced(bytes.data() + start, len), want) << "start " << start << " len " << len;
    }
  }
}

// Long inputs (many 64-byte steps) and the bit patterns that catch a wrong constant or a lost
// carry: all zeros, all ones, one bit set.
TEST_P(Crc32Test, EqualsBytewiseOnLongAndExtremeInputs) {
  for (const size_t n : {size_t{4096}, size_t{65536 + 13}, size_t{1 << 20}}) {
    const std::vector<uint8_t> noise = Noise(n, static_cast<uint32_t>(n));
    EXPECT_EQ(Crc32(noise.data(), n), Crc32Bytewise(noise.data(), n)) << n;
    for (const uint8_t fill : {uint8_t{0}, uint8_t{0xFF}}) {
      const std::vector<uint8_t> same(n, fill);
      EXPECT_EQ(Crc32(same.data(), n), Crc32Bytewise(same.data(), n)) << n << " fill " << int{fill};
    }
    std::vector<uint8_t> one_bit(n, 0);
    one_bit[n / 3] = 0x10;
    EXPECT_EQ(Crc32(one_bit.data(), n), Crc32Bytewise(one_bit.data(), n)) << n;
  }
}

}  // namespace
}  // namespace ruv
