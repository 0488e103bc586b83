// Run-time dispatch of the encoder kernels (gemm-inl.h, rowwise-inl.h). Natively this file is
// compiled once per x86 target by foreach_target.h; in wasm (HWY_COMPILE_ONLY_STATIC) once, and
// HWY_DYNAMIC_DISPATCH is a static call.
#include "embed/encoder/kernels.h"

#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "embed/encoder/kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off: the kernels must come after foreach_target.h
#include "embed/encoder/gemm-inl.h"
#include "embed/encoder/rowwise-inl.h"
// clang-format on

#if HWY_ONCE
namespace ruv::embed {

HWY_EXPORT(PackedWeightSizeKernel);
HWY_EXPORT(PackWeightsKernel);
HWY_EXPORT(GemmKernel);
HWY_EXPORT(BiasActivationKernel);
HWY_EXPORT(BiasResidualLayerNormKernel);
HWY_EXPORT(LayerNormKernel);
HWY_EXPORT(SoftmaxRowKernel);
HWY_EXPORT(AttentionSequenceKernel);
HWY_EXPORT(ErfKernel);

namespace kernels {

size_t PackedWeightSize(size_t n, size_t k) { return HWY_DYNAMIC_DISPATCH(PackedWeightSizeKernel)(n, k); }

void PackWeights(const float* w, size_t n, size_t k, float* packed) {
  HWY_DYNAMIC_DISPATCH(PackWeightsKernel)(w, n, k, packed);
}

size_t PanelWidth() { return PackedWeightSize(1, 1); }

void Gemm(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias, float* c) {
  HWY_DYNAMIC_DISPATCH(GemmKernel)(a, m, k, packed_w, n, bias, c, 0, GemmPanelCount(n));
}

void GemmPanels(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias,
                float* c, size_t begin, size_t end) {
  HWY_DYNAMIC_DISPATCH(GemmKernel)(a, m, k, packed_w, n, bias, c, begin, end);
}

size_t GemmPanelCount(size_t n) { return (n + PanelWidth() - 1) / PanelWidth(); }

void BiasActivation(float* x, size_t rows, size_t cols, const float* bias, HiddenAct act) {
  HWY_DYNAMIC_DISPATCH(BiasActivationKernel)(x, rows, cols, bias, act);
}

void BiasResidualLayerNorm(const float* x, const float* bias, float* residual, size_t rows, size_t cols,
                           const float* gamma, const float* beta, float eps) {
  HWY_DYNAMIC_DISPATCH(BiasResidualLayerNormKernel)(x, bias, residual, rows, cols, gamma, beta, eps);
}

void LayerNorm(float* x, size_t rows, size_t cols, const float* gamma, const float* beta, float eps) {
  HWY_DYNAMIC_DISPATCH(LayerNormKernel)(x, rows, cols, gamma, beta, eps);
}

void SoftmaxRow(float* x, size_t n) { HWY_DYNAMIC_DISPATCH(SoftmaxRowKernel)(x, n); }

void AttentionHeads(const float* qkv, size_t len, size_t hidden, size_t num_heads, size_t begin, size_t end,
                    float* scratch, float* ctx) {
  HWY_DYNAMIC_DISPATCH(AttentionSequenceKernel)(qkv, len, hidden, num_heads, begin, end, scratch, ctx);
}

void Erf(const float* x, size_t n, float* out) { HWY_DYNAMIC_DISPATCH(ErfKernel)(x, n, out); }

}  // namespace kernels
}  // namespace ruv::embed
#endif  // HWY_ONCE
