// Quantization kernels, written once and compiled per SIMD target (see quant_kernels.cc).
// This file is compiled with -ffp-contract=off: Sub then Mul (and Mul then Add) must round
// twice, exactly like the scalar twins and the TypeScript backend.
#if defined(RUV_QUANT_QUANT_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_QUANT_QUANT_KERNELS_INL_H_
#undef RUV_QUANT_QUANT_KERNELS_INL_H_
#else
#define RUV_QUANT_QUANT_KERNELS_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "quant/quant_kernels.h"
#include "simd/load_tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One pass: min, max and "every element finite" (exponent bits never all ones; min/max of NaN are
// meaningless, so the caller rejects the vector before looking at them). The tail re-reads the
// last full vector, overlapping the previous one: min and max do not mind seeing a value twice.
HWY_NOINLINE quant::MinMaxResult FiniteMinMaxKernel(const float* HWY_RESTRICT v, size_t n) {
  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const size_t N = hn::Lanes(d);
  if (n < N) {
    quant::MinMaxResult r{v[0], v[0], true};
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &v[i], sizeof(bits));
      r.finite &= (bits & 0x7F800000u) != 0x7F800000u;
      r.min = v[i] < r.min ? v[i] : r.min;
      r.max = v[i] > r.max ? v[i] : r.max;
    }
    return r;
  }
  const auto exp_mask = hn::Set(du, 0x7F800000u);
  // Two sets of running min / max / exponent: vminps has a few cycles of latency, and with one
  // chain each the loop would wait on it instead of on the loads.
  auto lo0 = hn::LoadU(d, v), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  auto exp0 = hn::And(hn::BitCast(du, lo0), exp_mask), exp1 = exp0;
  size_t i = N;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto x0 = hn::LoadU(d, v + i), x1 = hn::LoadU(d, v + i + N);
    lo0 = hn::Min(lo0, x0);
    hi0 = hn::Max(hi0, x0);
    exp0 = hn::Max(exp0, hn::And(hn::BitCast(du, x0), exp_mask));
    lo1 = hn::Min(lo1, x1);
    hi1 = hn::Max(hi1, x1);
    exp1 = hn::Max(exp1, hn::And(hn::BitCast(du, x1), exp_mask));
  }
  // The rest: at most two more vectors, the last one overlapping its predecessor.
  for (; i < n; i += N) {
    const auto x = hn::LoadU(d, v + (i + N <= n ? i : n - N));
    lo0 = hn::Min(lo0, x);
    hi0 = hn::Max(hi0, x);
    exp0 = hn::Max(exp0, hn::And(hn::BitCast(du, x), exp_mask));
  }
  return quant::MinMaxResult{hn::GetLane(hn::MinOfLanes(d, hn::Min(lo0, lo1))),
                             hn::GetLane(hn::MaxOfLanes(d, hn::Max(hi0, hi1))),
                             hn::AllFalse(du, hn::Eq(hn::Max(exp0, exp1), exp_mask))};
}

// Clamping x into [min, max] first gives the same codes as clamping the rounded value (both
// saturate at 0 and levels) and bounds t to [0, levels + a few ulp], which rounds into
// [0, levels]: no integer clamp is needed afterwards.
// Rounding adds 1.5 * 2^23: floats in [2^23, 2^24) are spaced 1 apart, so the IEEE addition
// itself rounds t half-to-even to an integer, which lands in the low mantissa bits (the
// constant is even, so ties keep their parity). That is 2 operations where NearestInt needs a
// conversion plus an overflow fix-up, and it is exact for 0 <= t < 2^22.
HWY_NOINLINE void AffineEncodeKernel(const float* HWY_RESTRICT v, size_t n, float min, float max, float scale,
                                     uint8_t* HWY_RESTRICT codes) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const size_t N = hn::Lanes(d);
  const auto vmin = hn::Set(d, min), vmax = hn::Set(d, max), vscale = hn::Set(d, scale);
  const auto magic = hn::Set(d, 12582912.0f);
  const auto magic_bits = hn::BitCast(di, magic);
  const auto encode = [&](hn::Vec<decltype(d)> x) {
    const auto t = hn::Mul(hn::Sub(hn::Min(hn::Max(x, vmin), vmax), vmin), vscale);
    return hn::DemoteTo(d8, hn::Sub(hn::BitCast(di, hn::Add(t, magic)), magic_bits));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(encode(hn::LoadU(d, v + i)), d8, codes + i);
  if (i < n) StoreTail(d8, encode(LoadTail(d, v + i, n - i)), codes + i, n - i);
}

// out[j] = codes[2j] | codes[2j + 1] << 4 for j < pairs (codes <= 15).
HWY_NOINLINE void PackNibblesKernel(const uint8_t* HWY_RESTRICT codes, size_t pairs,
                                    uint8_t* HWY_RESTRICT out) {
  const hn::ScalableTag<uint8_t> d;
  const size_t N = hn::Lanes(d);
  size_t j = 0;
  for (; j + N <= pairs; j += N) {
    hn::Vec<decltype(d)> even, odd;
    hn::LoadInterleaved2(d, codes + 2 * j, even, odd);
    hn::StoreU(hn::Or(even, hn::ShiftLeft<4>(odd)), d, out + j);
  }
  if (j < pairs) {
    // Through a zeroed buffer of two vectors, so nothing past the codes is read.
    HWY_ALIGN uint8_t buf[2 * HWY_MAX_BYTES] = {};
    std::memcpy(buf, codes + 2 * j, 2 * (pairs - j));
    hn::Vec<decltype(d)> even, odd;
    hn::LoadInterleaved2(d, buf, even, odd);
    StoreTail(d, hn::Or(even, hn::ShiftLeft<4>(odd)), out + j, pairs - j);
  }
}

// The inverse: codes[2j] = packed[j] & 15, codes[2j + 1] = packed[j] >> 4.
HWY_NOINLINE void UnpackNibblesKernel(const uint8_t* HWY_RESTRICT packed, size_t pairs,
                                      uint8_t* HWY_RESTRICT codes) {
  const hn::ScalableTag<uint8_t> d;
  const size_t N = hn::Lanes(d);
  const auto nibble = hn::Set(d, 0x0F);
  size_t j = 0;
  for (; j + N <= pairs; j += N) {
    const auto bytes = hn::LoadU(d, packed + j);
    hn::StoreInterleaved2(hn::And(bytes, nibble), hn::ShiftRight<4>(bytes), d, codes + 2 * j);
  }
  if (j < pairs) {
    HWY_ALIGN uint8_t buf[2 * HWY_MAX_BYTES];
    const auto bytes = LoadTail(d, packed + j, pairs - j);
    hn::StoreInterleaved2(hn::And(bytes, nibble), hn::ShiftRight<4>(bytes), d, buf);
    std::memcpy(codes + 2 * j, buf, 2 * (pairs - j));
  }
}

// value = min + code * step, as two rounded float operations.
HWY_NOINLINE void AffineDecodeKernel(const uint8_t* HWY_RESTRICT codes, size_t n, float min, float step,
                                     float* HWY_RESTRICT out) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const size_t N = hn::Lanes(d);
  const auto vmin = hn::Set(d, min), vstep = hn::Set(d, step);
  const auto decode = [&](hn::Vec<decltype(d8)> c) {
    return hn::Add(vmin, hn::Mul(hn::ConvertTo(d, hn::PromoteTo(di, c)), vstep));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(decode(hn::LoadU(d8, codes + i)), d, out + i);
  if (i < n) StoreTail(d, decode(LoadTail(d8, codes + i, n - i)), out + i, n - i);
}

// Sign bits. StoreMaskBits writes lane i as bit i, the layout of quant.h; vectors of fewer than 8
// lanes (128-bit targets) are combined into whole bytes. The last, partial byte is built by a
// scalar loop so padding bits are always zero.
HWY_NOINLINE void BinaryEncodeKernel(const float* HWY_RESTRICT v, size_t n, uint8_t* HWY_RESTRICT bits) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  if (N % 8 == 0) {
    for (; i + N <= n; i += N) hn::StoreMaskBits(d, hn::Gt(hn::LoadU(d, v + i), zero), bits + i / 8);
  } else {
    for (; i + 8 <= n; i += 8) {
      unsigned byte = 0;
      for (size_t k = 0; k < 8; k += N) {
        uint8_t part[8];
        hn::StoreMaskBits(d, hn::Gt(hn::LoadU(d, v + i + k), zero), part);
        byte |= static_cast<unsigned>(part[0]) << k;
      }
      bits[i / 8] = static_cast<uint8_t>(byte);
    }
  }
  for (; i < n; i += 8) {
    unsigned byte = 0;
    for (size_t k = 0; k < 8 && i + k < n; ++k) byte |= static_cast<unsigned>(v[i + k] > 0.0f) << k;
    bits[i / 8] = static_cast<uint8_t>(byte);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#endif  // RUV_QUANT_QUANT_KERNELS_INL_H_
