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
  auto lo = hn::LoadU(d, v), hi = lo;
  auto exp_max = hn::And(hn::BitCast(du, lo), exp_mask);
  size_t i = N;
  for (; i + N <= n; i += N) {
    const auto x = hn::LoadU(d, v + i);
    lo = hn::Min(lo, x);
    hi = hn::Max(hi, x);
    exp_max = hn::Max(exp_max, hn::And(hn::BitCast(du, x), exp_mask));
  }
  if (i < n) {
    const auto x = hn::LoadU(d, v + n - N);
    lo = hn::Min(lo, x);
    hi = hn::Max(hi, x);
    exp_max = hn::Max(exp_max, hn::And(hn::BitCast(du, x), exp_mask));
  }
  return quant::MinMaxResult{hn::GetLane(hn::MinOfLanes(d, lo)), hn::GetLane(hn::MaxOfLanes(d, hi)),
                             hn::AllFalse(du, hn::Eq(exp_max, exp_mask))};
}

// Clamping x into [min, max] first gives the same codes as clamping the rounded value (both
// saturate at 0 and levels) and keeps t in [0, levels + tiny], so the int conversion cannot
// overflow. NearestInt is cvtps2dq / f32x4.nearest: round half to even, as the formula says.
HWY_NOINLINE void AffineEncodeKernel(const float* HWY_RESTRICT v, size_t n, float min, float max, float scale,
                                     int levels, uint8_t* HWY_RESTRICT codes) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const size_t N = hn::Lanes(d);
  const auto vmin = hn::Set(d, min), vmax = hn::Set(d, max), vscale = hn::Set(d, scale);
  const auto vzero = hn::Zero(di), vlevels = hn::Set(di, levels);
  const auto encode = [&](hn::Vec<decltype(d)> x) {
    const auto t = hn::Mul(hn::Sub(hn::Min(hn::Max(x, vmin), vmax), vmin), vscale);
    return hn::DemoteTo(d8, hn::Min(hn::Max(hn::NearestInt(t), vzero), vlevels));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(encode(hn::LoadU(d, v + i)), d8, codes + i);
  if (i < n) StoreTail(d8, encode(LoadTail(d, v + i, n - i)), codes + i, n - i);
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
