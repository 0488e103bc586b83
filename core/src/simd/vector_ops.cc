// Run-time dispatch of the float32 kernels (vector_kernels-inl.h) and the public entry points of
// ruv/vector_ops.h. Natively this file is compiled once per x86 target by foreach_target.h; in
// wasm (HWY_COMPILE_ONLY_STATIC) once, and HWY_DYNAMIC_DISPATCH is a static call.
#include "ruv/vector_ops.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "ruv/reference.h"
#include "simd/distance_parts.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/vector_ops.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "simd/vector_kernels-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {

// The target this copy of the kernels was compiled for. In wasm Highway calls SIMD128 "WASM";
// the runtime reports the more telling "WASM_SIMD128".
HWY_NOINLINE const char* TargetNameKernel() {
  return HWY_TARGET == HWY_WASM ? "WASM_SIMD128" : hwy::TargetName(HWY_TARGET);
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ruv {

HWY_EXPORT(DotKernel);
HWY_EXPORT(SquaredL2Kernel);
HWY_EXPORT(SumSquaresKernel);
HWY_EXPORT(DistanceKernel);
HWY_EXPORT(BatchDistanceKernel);
HWY_EXPORT(ScaleKernel);
HWY_EXPORT(AllFiniteKernel);
HWY_EXPORT(TargetNameKernel);

bool IsValidMetric(int metric) {
  return metric == static_cast<int>(Metric::kCosine) || metric == static_cast<int>(Metric::kEuclidean) ||
         metric == static_cast<int>(Metric::kDotProduct);
}

float Dot(const float* a, const float* b, size_t dim) { return HWY_DYNAMIC_DISPATCH(DotKernel)(a, b, dim); }

float SquaredL2(const float* a, const float* b, size_t dim) {
  return HWY_DYNAMIC_DISPATCH(SquaredL2Kernel)(a, b, dim);
}

float Distance(const float* a, const float* b, size_t dim, Metric metric) {
  return HWY_DYNAMIC_DISPATCH(DistanceKernel)(a, b, dim, metric);
}

void BatchDistance(const float* query, const float* vectors, size_t count, size_t dim, Metric metric,
                   float* out) {
  HWY_DYNAMIC_DISPATCH(BatchDistanceKernel)(query, vectors, count, dim, metric, out);
}

size_t DotAbove(const float* query, const float* vectors, size_t count, size_t dim, float threshold,
                uint32_t* out_index, float* out_dot) {
  // Blocks of a multiple of 4 rows, so rows are grouped as one BatchDistance call groups them
  // (FourRows) and every dot is bit-identical to it; the block stays in L1.
  constexpr size_t kBlock = 256;
  float block[kBlock];
  size_t found = 0;
  for (size_t start = 0; start < count; start += kBlock) {
    const size_t n = std::min(kBlock, count - start);
    BatchDistance(query, vectors + start * dim, n, dim, Metric::kDotProduct, block);
    for (size_t i = 0; i < n; ++i) {
      const float dot = -block[i];
      if (!(dot >= threshold)) continue;
      out_index[found] = static_cast<uint32_t>(start + i);
      out_dot[found] = dot;
      ++found;
    }
  }
  return found;
}

void Normalize(const float* v, size_t dim, float* out) {
  const float sum_sq = HWY_DYNAMIC_DISPATCH(SumSquaresKernel)(v, dim);
  if (simd::SafeSquaredNorm(sum_sq)) {
    HWY_DYNAMIC_DISPATCH(ScaleKernel)(v, dim, 1.0f / std::sqrt(sum_sq), out);
    return;
  }
  // Zero vectors, and norms that overflow or underflow float32: the scalar twin works in double
  // and keeps a zero vector zero.
  reference::Normalize(v, dim, out);
}

bool AllFinite(const float* v, size_t n) { return HWY_DYNAMIC_DISPATCH(AllFiniteKernel)(v, n); }

const char* ActiveSimdTarget() { return HWY_DYNAMIC_DISPATCH(TargetNameKernel)(); }

}  // namespace ruv
#endif  // HWY_ONCE
