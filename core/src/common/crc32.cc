// Crc32 (crc32.h) with run-time dispatch: CRC-32 folded with carry-less multiplication.
//
// The method is Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ" for the
// reflected polynomial: four 128-bit accumulators each fold 64 bytes ahead per step (x.lo * k1
// ^ x.hi * k2 ^ next block, kN = x^(some distance) mod P, bit-reflected), then fold into one,
// then 128 -> 64 -> 32 bits and a Barrett reduction. The constants are the ones Linux
// (crc32-pclmul_asm.S) and Chromium's zlib use for 0xEDB88320; the tests check the result
// against the byte-at-a-time definition at every length and alignment.
//
// Targets without carry-less multiplication in hardware (wasm, SSSE3, the emulated ones: Highway
// would emulate it with sixteen 64-bit multiplies) use the sliced tables.
#include "common/crc32.h"

#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "common/crc32.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSE4 && !defined(HWY_DISABLE_PCLMUL_AES)

// Pairs {low lane, high lane}: CLMulLower multiplies the low lanes, CLMulUpper the high ones.
alignas(16) constexpr uint64_t kFold4[2] = {0x154442bd4, 0x1c6e41596};  // by 512 bits
alignas(16) constexpr uint64_t kFold1[2] = {0x1751997d0, 0x0ccaa009e};  // by 128 bits
alignas(16) constexpr uint64_t kFold64[2] = {0x0ccaa009e, 0};           // 128 -> 64 bits
alignas(16) constexpr uint64_t kFold32[2] = {0x163cd6124, 0};           // 64 -> 32 bits
alignas(16) constexpr uint64_t kPoly[2] = {0x1db710641, 0};             // P(x), reflected
alignas(16) constexpr uint64_t kMu[2] = {0x1f7011641, 0};               // floor(x^64 / P(x)), reflected
alignas(16) constexpr uint64_t kLow32[2] = {0xFFFFFFFF, 0};

HWY_NOINLINE uint32_t Crc32Kernel(uint32_t c, const uint8_t* HWY_RESTRICT p, size_t n) {
  if (n < 64) return Crc32SlicedUpdate(c, p, n);
  const hn::Full128<uint64_t> d;
  const hn::Full128<uint8_t> d8;
  const hn::Full128<uint32_t> d32;
  const auto load = [&](const uint8_t* at) { return hn::BitCast(d, hn::LoadU(d8, at)); };
  // x * x^distance mod P, added to the block `distance` bits further on.
  const auto fold = [](auto x, auto k, auto next) {
    return hn::Xor(hn::Xor(hn::CLMulLower(x, k), hn::CLMulUpper(x, k)), next);
  };
  alignas(16) const uint64_t first[2] = {c, 0};  // the register enters as the first 32 bits
  auto x0 = hn::Xor(load(p), hn::Load(d, first));
  auto x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  n -= 64;
  const auto k4 = hn::Load(d, kFold4);
  for (; n >= 64; p += 64, n -= 64) {
    x0 = fold(x0, k4, load(p));
    x1 = fold(x1, k4, load(p + 16));
    x2 = fold(x2, k4, load(p + 32));
    x3 = fold(x3, k4, load(p + 48));
  }
  const auto k1 = hn::Load(d, kFold1);
  auto x = fold(fold(fold(x0, k1, x1), k1, x2), k1, x3);
  for (; n >= 16; p += 16, n -= 16) x = fold(x, k1, load(p));
  // 128 -> 64 bits (appending 32 zero bits), 64 -> 32, then the Barrett reduction to the register.
  const auto low32 = hn::Load(d, kLow32);
  x = hn::Xor(hn::CLMulLower(x, hn::Load(d, kFold64)), hn::ShiftRightBytes<8>(d, x));
  x = hn::Xor(hn::CLMulLower(hn::And(x, low32), hn::Load(d, kFold32)), hn::ShiftRightBytes<4>(d, x));
  auto t = hn::CLMulLower(hn::And(x, low32), hn::Load(d, kMu));
  t = hn::CLMulLower(hn::And(t, low32), hn::Load(d, kPoly));
  x = hn::Xor(x, t);
  const uint32_t folded = hn::ExtractLane(hn::BitCast(d32, x), 1);
  return Crc32SlicedUpdate(folded, p, n);  // the last 0..15 bytes
}

#else

HWY_NOINLINE uint32_t Crc32Kernel(uint32_t c, const uint8_t* HWY_RESTRICT p, size_t n) {
  return Crc32SlicedUpdate(c, p, n);
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ruv {

HWY_EXPORT(Crc32Kernel);

uint32_t Crc32(const uint8_t* data, size_t size) {
  return HWY_DYNAMIC_DISPATCH(Crc32Kernel)(0xFFFFFFFFu, data, size) ^ 0xFFFFFFFFu;
}

}  // namespace ruv
#endif  // HWY_ONCE
