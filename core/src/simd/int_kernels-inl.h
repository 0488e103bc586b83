// Integer kernels on quantization codes (u8 x u8 -> integer sums, popcount), written once and
// compiled per SIMD target (see int_ops.cc).
#if defined(RUV_SIMD_INT_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_SIMD_INT_KERNELS_INL_H_
#undef RUV_SIMD_INT_KERNELS_INL_H_
#else
#define RUV_SIMD_INT_KERNELS_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "simd/int_ops.h"
#include "simd/load_tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Codes are widened u8 -> i16 and multiplied with ReorderWidenMulAccumulate, which is one
// pmaddwd / i32x4.dot_i16x8 per vector: i16 x i16 products summed pairwise into i32 lanes
// (255 * 255 * 2 fits easily). Callers pass at most simd::kU8KernelBlock elements, so the i32
// lanes never overflow.

// sum a_i * b_i for n <= simd::kU8KernelBlock.
HWY_NOINLINE uint32_t DotU8Kernel(const uint8_t* HWY_RESTRICT a, const uint8_t* HWY_RESTRICT b, size_t n) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> d8;  // half a vector of bytes, one per i16 lane
  const size_t N = hn::Lanes(d16);
  // Two accumulator pairs so consecutive multiply-adds do not wait on each other.
  auto s0 = hn::Zero(d32), s1 = hn::Zero(d32), t0 = hn::Zero(d32), t1 = hn::Zero(d32);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, a + i)),
                                       hn::PromoteTo(d16, hn::LoadU(d8, b + i)), s0, s1);
    t0 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, a + i + N)),
                                       hn::PromoteTo(d16, hn::LoadU(d8, b + i + N)), t0, t1);
  }
  for (; i + N <= n; i += N) {
    s0 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, a + i)),
                                       hn::PromoteTo(d16, hn::LoadU(d8, b + i)), s0, s1);
  }
  if (i < n) {
    t0 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, LoadTail(d8, a + i, n - i)),
                                       hn::PromoteTo(d16, LoadTail(d8, b + i, n - i)), t0, t1);
  }
  const auto sum = hn::Add(hn::RearrangeToOddPlusEven(s0, s1), hn::RearrangeToOddPlusEven(t0, t1));
  return static_cast<uint32_t>(hn::GetLane(hn::SumOfLanes(d32, sum)));
}

// sum (a_i - b_i)^2 for n <= simd::kU8KernelBlock; differences fit i16 (-255..255).
HWY_NOINLINE uint32_t SquaredL2U8Kernel(const uint8_t* HWY_RESTRICT a, const uint8_t* HWY_RESTRICT b,
                                        size_t n) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> d8;
  const size_t N = hn::Lanes(d16);
  auto s0 = hn::Zero(d32), s1 = hn::Zero(d32), t0 = hn::Zero(d32), t1 = hn::Zero(d32);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto d0 =
        hn::Sub(hn::PromoteTo(d16, hn::LoadU(d8, a + i)), hn::PromoteTo(d16, hn::LoadU(d8, b + i)));
    const auto d1 =
        hn::Sub(hn::PromoteTo(d16, hn::LoadU(d8, a + i + N)), hn::PromoteTo(d16, hn::LoadU(d8, b + i + N)));
    s0 = hn::ReorderWidenMulAccumulate(d32, d0, d0, s0, s1);
    t0 = hn::ReorderWidenMulAccumulate(d32, d1, d1, t0, t1);
  }
  for (; i + N <= n; i += N) {
    const auto d0 =
        hn::Sub(hn::PromoteTo(d16, hn::LoadU(d8, a + i)), hn::PromoteTo(d16, hn::LoadU(d8, b + i)));
    s0 = hn::ReorderWidenMulAccumulate(d32, d0, d0, s0, s1);
  }
  if (i < n) {
    const auto d0 = hn::Sub(hn::PromoteTo(d16, LoadTail(d8, a + i, n - i)),
                            hn::PromoteTo(d16, LoadTail(d8, b + i, n - i)));
    t0 = hn::ReorderWidenMulAccumulate(d32, d0, d0, t0, t1);
  }
  const auto sum = hn::Add(hn::RearrangeToOddPlusEven(s0, s1), hn::RearrangeToOddPlusEven(t0, t1));
  return static_cast<uint32_t>(hn::GetLane(hn::SumOfLanes(d32, sum)));
}

// sum a_i. SumsOf8 (psadbw) adds each group of 8 bytes into a u64 lane: no overflow for any n.
HWY_NOINLINE uint64_t SumU8Kernel(const uint8_t* HWY_RESTRICT a, size_t n) {
  const hn::ScalableTag<uint8_t> d8;
  const hn::Repartition<uint64_t, decltype(d8)> d64;
  const size_t N = hn::Lanes(d8);
  auto s0 = hn::Zero(d64), s1 = hn::Zero(d64);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::Add(s0, hn::SumsOf8(hn::LoadU(d8, a + i)));
    s1 = hn::Add(s1, hn::SumsOf8(hn::LoadU(d8, a + i + N)));
  }
  for (; i + N <= n; i += N) s0 = hn::Add(s0, hn::SumsOf8(hn::LoadU(d8, a + i)));
  if (i < n) s1 = hn::Add(s1, hn::SumsOf8(LoadTail(d8, a + i, n - i)));
  return hn::GetLane(hn::SumOfLanes(d64, hn::Add(s0, s1)));
}

// sum q_i * c_i (float query, u8 codes): the asymmetric int8 distance of the HNSW index. A
// quarter vector of bytes is widened u8 -> i32 -> f32 per float vector (PromoteTo + ConvertTo,
// exact for 0..255), then multiply-added into four float accumulators as in DotKernel.
HWY_NOINLINE float DotF32U8Kernel(const float* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT c, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;  // one byte per float lane
  const size_t N = hn::Lanes(df);
  const auto widen = [&](hn::Vec<decltype(d8)> v) { return hn::ConvertTo(df, hn::PromoteTo(di, v)); };
  auto s0 = hn::Zero(df), s1 = hn::Zero(df), s2 = hn::Zero(df), s3 = hn::Zero(df);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    s0 = hn::MulAdd(hn::LoadU(df, q + i), widen(hn::LoadU(d8, c + i)), s0);
    s1 = hn::MulAdd(hn::LoadU(df, q + i + N), widen(hn::LoadU(d8, c + i + N)), s1);
    s2 = hn::MulAdd(hn::LoadU(df, q + i + 2 * N), widen(hn::LoadU(d8, c + i + 2 * N)), s2);
    s3 = hn::MulAdd(hn::LoadU(df, q + i + 3 * N), widen(hn::LoadU(d8, c + i + 3 * N)), s3);
  }
  for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(df, q + i), widen(hn::LoadU(d8, c + i)), s0);
  if (i < n) s1 = hn::MulAdd(LoadTail(df, q + i, n - i), widen(LoadTail(d8, c + i, n - i)), s1);
  return hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// sum q_i * c_i for a query quantized to int8 values held in int16 lanes (|q_i| <= 127) and u8
// codes: the codes are widened u8 -> i16 and multiply-added in pairs into i32 lanes (vpmaddwd,
// i32x4.dot_i16x8_s): two loads and two ops per vector of int16, a quarter of the bytes of an f32
// scan. |sum| <= 127 * 255 * n fits int32 for n <= 66051 (every dimension the core allows).
HWY_NOINLINE int32_t DotI16U8Kernel(const int16_t* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT c, size_t n) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> d8;
  const size_t N = hn::Lanes(d16);
  auto s0 = hn::Zero(d32), s1 = hn::Zero(d32), t0 = hn::Zero(d32), t1 = hn::Zero(d32);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, q + i), hn::PromoteTo(d16, hn::LoadU(d8, c + i)),
                                       s0, s1);
    t0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, q + i + N),
                                       hn::PromoteTo(d16, hn::LoadU(d8, c + i + N)), t0, t1);
  }
  for (; i + N <= n; i += N) {
    s0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, q + i), hn::PromoteTo(d16, hn::LoadU(d8, c + i)),
                                       s0, s1);
  }
  if (i < n) {
    t0 = hn::ReorderWidenMulAccumulate(d32, LoadTail(d16, q + i, n - i),
                                       hn::PromoteTo(d16, LoadTail(d8, c + i, n - i)), t0, t1);
  }
  const auto sum = hn::Add(hn::RearrangeToOddPlusEven(s0, s1), hn::RearrangeToOddPlusEven(t0, t1));
  return hn::GetLane(hn::SumOfLanes(d32, sum));
}

// Number of differing bits: popcount per byte (vpopcntb on AVX3_DL, a nibble table elsewhere),
// then SumsOf8 into u64 lanes.
HWY_NOINLINE uint64_t HammingKernel(const uint8_t* HWY_RESTRICT a, const uint8_t* HWY_RESTRICT b, size_t n) {
  const hn::ScalableTag<uint8_t> d8;
  const hn::Repartition<uint64_t, decltype(d8)> d64;
  const size_t N = hn::Lanes(d8);
  auto s0 = hn::Zero(d64), s1 = hn::Zero(d64);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::Add(s0, hn::SumsOf8(hn::PopulationCount(hn::Xor(hn::LoadU(d8, a + i), hn::LoadU(d8, b + i)))));
    s1 = hn::Add(
        s1, hn::SumsOf8(hn::PopulationCount(hn::Xor(hn::LoadU(d8, a + i + N), hn::LoadU(d8, b + i + N)))));
  }
  for (; i + N <= n; i += N) {
    s0 = hn::Add(s0, hn::SumsOf8(hn::PopulationCount(hn::Xor(hn::LoadU(d8, a + i), hn::LoadU(d8, b + i)))));
  }
  if (i < n) {
    s1 = hn::Add(
        s1,
        hn::SumsOf8(hn::PopulationCount(hn::Xor(LoadTail(d8, a + i, n - i), LoadTail(d8, b + i, n - i)))));
  }
  return hn::GetLane(hn::SumOfLanes(d64, hn::Add(s0, s1)));
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#endif  // RUV_SIMD_INT_KERNELS_INL_H_
