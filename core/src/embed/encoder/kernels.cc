// Run-time dispatch of the encoder kernels (gemm-inl.h, rowwise-inl.h). Natively this file is
// compiled once per x86 target by foreach_target.h; in wasm (HWY_COMPILE_ONLY_STATIC) once, and
// HWY_DYNAMIC_DISPATCH is a static call.
#include "embed/encoder/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "embed/encoder/kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off: the kernels must come after foreach_target.h
#include "embed/encoder/gemm-inl.h"
#include "embed/encoder/gemm_q8-inl.h"
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
HWY_EXPORT(AttentionScratchKernel);
HWY_EXPORT(ErfKernel);
HWY_EXPORT(Q8PackedSizeKernel);
HWY_EXPORT(Q8RowValuesKernel);
HWY_EXPORT(Q8PackKernel);
HWY_EXPORT(Q8QuantizeRowsKernel);
HWY_EXPORT(Q8GemmKernel);
HWY_EXPORT(Q8QuantizeSymmetricKernel);

namespace kernels {

size_t PackedWeightSize(size_t n, size_t k) { return HWY_DYNAMIC_DISPATCH(PackedWeightSizeKernel)(n, k); }

void PackWeights(const float* w, size_t n, size_t k, float* packed) {
  HWY_DYNAMIC_DISPATCH(PackWeightsKernel)(w, n, k, packed);
}

size_t PanelWidth() { return PackedWeightSize(1, 1); }

void Gemm(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias, float* c) {
  HWY_DYNAMIC_DISPATCH(GemmKernel)(a, m, k, packed_w, n, bias, c, n, 0, GemmPanelCount(n));
}

void GemmPanels(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias,
                float* c, size_t begin, size_t end, size_t ldc) {
  HWY_DYNAMIC_DISPATCH(GemmKernel)(a, m, k, packed_w, n, bias, c, ldc == 0 ? n : ldc, begin, end);
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

void QuantizeSymmetricRows(const float* w, size_t n, size_t k, int32_t levels, int8_t* q, float* scales) {
  HWY_DYNAMIC_DISPATCH(Q8QuantizeSymmetricKernel)(w, n, k, levels, q, scales);
}

void QuantizeWeightRows(const float* w, size_t n, size_t k, int8_t* q, float* scales) {
  QuantizeSymmetricRows(w, n, k, 63, q, scales);
}

// The panel width: the packed size of one column by one group, over the group.
size_t GemmQ8PanelWidth() {
  const size_t group = HWY_DYNAMIC_DISPATCH(Q8RowValuesKernel)(1);
  return HWY_DYNAMIC_DISPATCH(Q8PackedSizeKernel)(1, 1) / group;
}

size_t GemmQ8PanelCount(size_t n) { return (n + GemmQ8PanelWidth() - 1) / GemmQ8PanelWidth(); }

namespace {
// sums[j] = sum_k q[j, k]: the zero point's share of each output (gemm_q8-inl.h).
void RowSums(const int8_t* q, size_t n, size_t k, int32_t* sums) {
  for (size_t j = 0; j < n; ++j) {
    int32_t sum = 0;
    for (size_t e = 0; e < k; ++e) sum += q[j * k + e];
    sums[j] = sum;
  }
}

// An [n, k] weight's storage: packed bytes (uninitialized; `into`, else a new array), scales and
// sums zeroed to whole panels.
Q8Weights AllocateQ8Weights(size_t n, size_t k, int8_t* into = nullptr) {
  Q8Weights out;
  out.n = n;
  out.k = k;
  if (into == nullptr) {
    out.held = AllocateAligned<int8_t>(Q8PackedBytes(n, k));
    into = out.held.get();
  }
  out.packed = into;
  const size_t padded = GemmQ8PanelCount(n) * GemmQ8PanelWidth();
  out.scales.assign(padded, 0.0f);
  out.sums.assign(padded, 0);
  return out;
}
}  // namespace

Q8Weights PackWeightsQ8(const int8_t* q, const float* scales, size_t n, size_t k, int8_t* into) {
  Q8Weights out = AllocateQ8Weights(n, k, into);
  HWY_DYNAMIC_DISPATCH(Q8PackKernel)(q, n, k, into != nullptr ? into : out.held.get());
  std::copy(scales, scales + n, out.scales.begin());
  RowSums(q, n, k, out.sums.data());
  return out;
}

Q8Weights QuantizeWeights(const float* w, size_t n, size_t k) {
  return QuantizeWeightsByPanel(n, k, [w, k](size_t first, size_t count, float* out) {
    std::memcpy(out, w + first * k, count * k * sizeof(float));
  });
}

Q8Weights QuantizeWeightsByPanel(size_t n, size_t k,
                                 const std::function<void(size_t first, size_t count, float* out)>& read) {
  const size_t width = GemmQ8PanelWidth(), panels = GemmQ8PanelCount(n);
  // The result first, then the panel buffers: freed last, they are the heap's top, and small.
  Q8Weights out = AllocateQ8Weights(n, k);
  // One panel packed alone is laid out as panel p of the whole weight.
  const size_t panel_bytes = HWY_DYNAMIC_DISPATCH(Q8PackedSizeKernel)(width, k);
  std::vector<float> values(width * k);
  std::vector<int8_t> q(width * k);
  for (size_t p = 0; p < panels; ++p) {
    const size_t first = p * width, rows = std::min(width, n - first);
    read(first, rows, values.data());
    QuantizeWeightRows(values.data(), rows, k, q.data(), out.scales.data() + first);
    RowSums(q.data(), rows, k, out.sums.data() + first);
    HWY_DYNAMIC_DISPATCH(Q8PackKernel)(q.data(), rows, k, out.held.get() + p * panel_bytes);
  }
  return out;
}

size_t Q8PackedBytes(size_t n, size_t k) { return HWY_DYNAMIC_DISPATCH(Q8PackedSizeKernel)(n, k); }

size_t Q8WeightBytes(const Q8Weights& w) {
  return Q8PackedBytes(w.n, w.k) + w.scales.size() * sizeof(float) + w.sums.size() * sizeof(int32_t);
}

size_t Q8RowBytes(size_t k) {
  // A group is always 4 bytes: kQ8Group values of 4 / kQ8Group bytes each.
  const size_t group = HWY_DYNAMIC_DISPATCH(Q8RowValuesKernel)(1);
  return HWY_DYNAMIC_DISPATCH(Q8RowValuesKernel)(k) / group * 4;
}

void QuantizeRows(const float* a, size_t m, size_t k, void* q, float* scales, int32_t* zero_points) {
  HWY_DYNAMIC_DISPATCH(Q8QuantizeRowsKernel)(a, m, k, q, scales, zero_points);
}

void GemmQ8Panels(const void* q, const float* scales, const int32_t* zero_points, size_t m,
                  const Q8Weights& w, const float* bias, float* c, size_t begin, size_t end, size_t ldc) {
  HWY_DYNAMIC_DISPATCH(Q8GemmKernel)
  (q, scales, zero_points, m, w.k, w.packed, w.scales.data(), w.sums.data(), w.n, bias, c, begin, end,
   ldc == 0 ? w.n : ldc);
}

size_t AttentionScratchSize(size_t len, size_t hidden, size_t num_heads) {
  return HWY_DYNAMIC_DISPATCH(AttentionScratchKernel)(len, hidden, num_heads);
}

void Erf(const float* x, size_t n, float* out) { HWY_DYNAMIC_DISPATCH(ErfKernel)(x, n, out); }

}  // namespace kernels
}  // namespace ruv::embed
#endif  // HWY_ONCE
