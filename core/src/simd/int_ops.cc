// Run-time dispatch of the integer code kernels (int_kernels-inl.h): the public entry points
// DotU8, SquaredL2U8, SumU8 and HammingDistance of ruv/quant.h, simd::DotF32U8 and DotI16U8.
#include "simd/int_ops.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "ruv/quant.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/int_ops.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "simd/int_kernels-inl.h"

#if HWY_ONCE
namespace ruv {

HWY_EXPORT(DotU8Kernel);
HWY_EXPORT(SquaredL2U8Kernel);
HWY_EXPORT(SumU8Kernel);
HWY_EXPORT(HammingKernel);
HWY_EXPORT(DotF32U8Kernel);
HWY_EXPORT(DotI16U8Kernel);

namespace {
constexpr size_t kBlock = simd::kU8KernelBlock;
}  // namespace

uint64_t simd::DotU8Wide(const uint8_t* a, const uint8_t* b, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i += kBlock) {
    sum += HWY_DYNAMIC_DISPATCH(DotU8Kernel)(a + i, b + i, std::min(kBlock, n - i));
  }
  return sum;
}

uint64_t simd::SquaredL2U8Wide(const uint8_t* a, const uint8_t* b, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i += kBlock) {
    sum += HWY_DYNAMIC_DISPATCH(SquaredL2U8Kernel)(a + i, b + i, std::min(kBlock, n - i));
  }
  return sum;
}

uint64_t simd::SumU8Wide(const uint8_t* a, size_t n) { return HWY_DYNAMIC_DISPATCH(SumU8Kernel)(a, n); }

float simd::DotF32U8(const float* q, const uint8_t* codes, size_t n) {
  return HWY_DYNAMIC_DISPATCH(DotF32U8Kernel)(q, codes, n);
}

int32_t simd::DotI16U8(const int16_t* q, const uint8_t* codes, size_t n) {
  return HWY_DYNAMIC_DISPATCH(DotI16U8Kernel)(q, codes, n);
}

// The uint32_t results of quant.h wrap modulo 2^32 for sums that do not fit (n > 66051).
uint32_t DotU8(const uint8_t* a, const uint8_t* b, size_t n) {
  return static_cast<uint32_t>(simd::DotU8Wide(a, b, n));
}

uint32_t SquaredL2U8(const uint8_t* a, const uint8_t* b, size_t n) {
  return static_cast<uint32_t>(simd::SquaredL2U8Wide(a, b, n));
}

uint32_t SumU8(const uint8_t* a, size_t n) { return static_cast<uint32_t>(simd::SumU8Wide(a, n)); }

uint32_t HammingDistance(const uint8_t* a, const uint8_t* b, size_t bytes) {
  return static_cast<uint32_t>(HWY_DYNAMIC_DISPATCH(HammingKernel)(a, b, bytes));
}

}  // namespace ruv
#endif  // HWY_ONCE
