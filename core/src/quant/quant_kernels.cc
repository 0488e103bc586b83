// Run-time dispatch of the quantization kernels (quant_kernels-inl.h).
#include "quant/quant_kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "quant/quant_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "quant/quant_kernels-inl.h"

#if HWY_ONCE
namespace ruv::quant {

HWY_EXPORT(FiniteMinMaxKernel);
HWY_EXPORT(AffineEncodeKernel);
HWY_EXPORT(AffineDecodeKernel);
HWY_EXPORT(BinaryEncodeKernel);
HWY_EXPORT(PackNibblesKernel);
HWY_EXPORT(UnpackNibblesKernel);

bool FiniteMinMax(const float* v, size_t n, float* min, float* max) {
  const auto r = HWY_DYNAMIC_DISPATCH(FiniteMinMaxKernel)(v, n);
  *min = r.min;
  *max = r.max;
  return r.finite;
}

void AffineEncode(const float* v, size_t n, float min, float max, float scale, uint8_t* codes) {
  HWY_DYNAMIC_DISPATCH(AffineEncodeKernel)(v, n, min, max, scale, codes);
}

void PackNibbles(const uint8_t* codes, size_t pairs, uint8_t* out) {
  HWY_DYNAMIC_DISPATCH(PackNibblesKernel)(codes, pairs, out);
}

void UnpackNibblePairs(const uint8_t* packed, size_t pairs, uint8_t* codes) {
  HWY_DYNAMIC_DISPATCH(UnpackNibblesKernel)(packed, pairs, codes);
}

void AffineDecode(const uint8_t* codes, size_t n, float min, float step, float* out) {
  HWY_DYNAMIC_DISPATCH(AffineDecodeKernel)(codes, n, min, step, out);
}

void BinaryEncode(const float* v, size_t n, uint8_t* bits) {
  HWY_DYNAMIC_DISPATCH(BinaryEncodeKernel)(v, n, bits);
}

}  // namespace ruv::quant
#endif  // HWY_ONCE
