// The encoder's row kernels: erf and the activations, Add & LayerNorm, softmax, attention of one
// sequence. Per-target header (Highway convention): included once per target by foreach_target.h
// from kernels.cc.
#if defined(RUV_EMBED_ENCODER_ROWWISE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_EMBED_ENCODER_ROWWISE_INL_H_
#undef RUV_EMBED_ENCODER_ROWWISE_INL_H_
#else
#define RUV_EMBED_ENCODER_ROWWISE_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "embed/bert_model.h"
#include "embed/encoder/gemm-inl.h"  // attention's GEMMs
#include "embed/encoder/kernels.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "simd/load_tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ruv::embed {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using ruv::HWY_NAMESPACE::LoadTail;
using ruv::HWY_NAMESPACE::StoreTail;

// erf(x) as the ratio of an odd degree-13 and an even degree-8 polynomial on [-4, 4] (the fit
// Eigen and XNNPACK use: 7e-8 max abs error in exact arithmetic; erf(4) = 1 - 1.5e-8, so
// clamping beyond +-4 costs nothing). It is evaluated in float64 where the target has it (see
// ErfTag): in float32 the polynomials' terms grow to ~15x the result near |x| = 3.5..4 and the
// rounding alone reaches 3.2e-7.
template <class D, class V>
HWY_INLINE V ErfApprox(D d, V x) {
  using T = hn::TFromD<D>;
  x = hn::Min(hn::Max(x, hn::Set(d, T(-4))), hn::Set(d, T(4)));
  const V x2 = hn::Mul(x, x);
  V p = hn::MulAdd(x2, hn::Set(d, T(-2.72614225801306e-10f)), hn::Set(d, T(2.77068142495902e-08f)));
  p = hn::MulAdd(x2, p, hn::Set(d, T(-2.10102402082508e-06f)));
  p = hn::MulAdd(x2, p, hn::Set(d, T(-5.69250639462346e-05f)));
  p = hn::MulAdd(x2, p, hn::Set(d, T(-7.34990630326855e-04f)));
  p = hn::MulAdd(x2, p, hn::Set(d, T(-2.95459980854025e-03f)));
  p = hn::MulAdd(x2, p, hn::Set(d, T(-1.60960333262415e-02f)));
  p = hn::Mul(x, p);
  V q = hn::MulAdd(x2, hn::Set(d, T(-1.45660718464996e-05f)), hn::Set(d, T(-2.13374055278905e-04f)));
  q = hn::MulAdd(x2, q, hn::Set(d, T(-1.68282697438203e-03f)));
  q = hn::MulAdd(x2, q, hn::Set(d, T(-7.37332916720468e-03f)));
  q = hn::MulAdd(x2, q, hn::Set(d, T(-1.42647390514189e-02f)));
  return hn::Div(p, q);
}

#if HWY_HAVE_FLOAT64
// The float64 lanes of erf and GELU(erf) and the float32 lanes they are read from and written to.
using ErfTag = hn::ScalableTag<double>;
using ErfFloatTag = hn::Rebind<float, ErfTag>;
HWY_INLINE hn::Vec<ErfTag> ToErfLanes(hn::Vec<ErfFloatTag> x) { return hn::PromoteTo(ErfTag(), x); }
HWY_INLINE hn::Vec<ErfFloatTag> FromErfLanes(hn::Vec<ErfTag> x) { return hn::DemoteTo(ErfFloatTag(), x); }
#else
// Highway 1.0.3 has no float64 vectors on WASM SIMD128: there erf stays in float32 (max abs
// error 3.2e-7 instead of 9.5e-8; a scalar float64 erf would cost milliseconds per text).
using ErfTag = hn::ScalableTag<float>;
using ErfFloatTag = ErfTag;
HWY_INLINE hn::Vec<ErfTag> ToErfLanes(hn::Vec<ErfFloatTag> x) { return x; }
HWY_INLINE hn::Vec<ErfFloatTag> FromErfLanes(hn::Vec<ErfTag> x) { return x; }
#endif

// erf(x) for float32 lanes.
HWY_INLINE hn::Vec<ErfFloatTag> ErfOfFloats(hn::Vec<ErfFloatTag> x) {
  return FromErfLanes(ErfApprox(ErfTag(), ToErfLanes(x)));
}

// 0.5 x (1 + erf(x / sqrt(2))) for float32 lanes.
HWY_INLINE hn::Vec<ErfFloatTag> GeluOfFloats(hn::Vec<ErfFloatTag> x) {
  using T = hn::TFromD<ErfTag>;
  const ErfTag de;
  const auto xe = ToErfLanes(x);
  const auto e = ErfApprox(de, hn::Mul(xe, hn::Set(de, T(0.70710678118654752))));
  return FromErfLanes(hn::Mul(hn::Mul(hn::Set(de, T(0.5)), xe), hn::Add(hn::Set(de, T(1)), e)));
}

// gelu_new and relu in float32 (Highway's Tanh is within 4 ulp).
template <class D, class V>
HWY_INLINE V ActivationVec(D d, V x, HiddenAct act) {
  if (act == HiddenAct::kGeluNew) {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    const V x3 = hn::Mul(hn::Mul(x, x), x);
    const V inner = hn::Mul(hn::Set(d, 0.7978845608028654f), hn::MulAdd(hn::Set(d, 0.044715f), x3, x));
    return hn::Mul(hn::Mul(hn::Set(d, 0.5f), x), hn::Add(hn::Set(d, 1.0f), hn::Tanh(d, inner)));
  }
  return hn::Max(x, hn::Zero(d));
}

HWY_NOINLINE void ErfKernel(const float* HWY_RESTRICT x, size_t n, float* HWY_RESTRICT out) {
  const ErfFloatTag df;
  const size_t N = hn::Lanes(df);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(ErfOfFloats(hn::LoadU(df, x + i)), df, out + i);
  if (i < n) StoreTail(df, ErfOfFloats(LoadTail(df, x + i, n - i)), out + i, n - i);
}

HWY_INLINE void BiasGeluRows(float* HWY_RESTRICT x, size_t rows, size_t cols,
                             const float* HWY_RESTRICT bias) {
  const ErfFloatTag df;
  const size_t N = hn::Lanes(df);
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    size_t j = 0;
    for (; j + N <= cols; j += N)
      hn::StoreU(GeluOfFloats(hn::Add(hn::LoadU(df, row + j), hn::LoadU(df, bias + j))), df, row + j);
    if (j < cols) {
      const size_t t = cols - j;
      StoreTail(df, GeluOfFloats(hn::Add(LoadTail(df, row + j, t), LoadTail(df, bias + j, t))), row + j, t);
    }
  }
}

// The switch on the activation is hoisted out of the loops: one loop per activation.
template <HiddenAct kAct>
HWY_INLINE void BiasActivationRows(float* HWY_RESTRICT x, size_t rows, size_t cols,
                                   const float* HWY_RESTRICT bias) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    size_t j = 0;
    for (; j + N <= cols; j += N)
      hn::StoreU(ActivationVec(d, hn::Add(hn::LoadU(d, row + j), hn::LoadU(d, bias + j)), kAct), d, row + j);
    if (j < cols) {
      const size_t t = cols - j;
      StoreTail(d, ActivationVec(d, hn::Add(LoadTail(d, row + j, t), LoadTail(d, bias + j, t)), kAct),
                row + j, t);
    }
  }
}

HWY_NOINLINE void BiasActivationKernel(float* HWY_RESTRICT x, size_t rows, size_t cols,
                                       const float* HWY_RESTRICT bias, HiddenAct act) {
  switch (act) {
    case HiddenAct::kGelu:
      return BiasGeluRows(x, rows, cols, bias);
    case HiddenAct::kGeluNew:
      return BiasActivationRows<HiddenAct::kGeluNew>(x, rows, cols, bias);
    case HiddenAct::kRelu:
      return BiasActivationRows<HiddenAct::kRelu>(x, rows, cols, bias);
  }
}

template <class D>
HWY_INLINE float SumLanes(D d, hn::Vec<D> v) {
  return hn::GetLane(hn::SumOfLanes(d, v));
}

// row = LayerNorm(row) * gamma + beta in place: the mean first, then the centred variance (two
// passes, as PyTorch does, so a large common offset does not cancel the variance away).
HWY_INLINE void LayerNormRow(float* HWY_RESTRICT row, size_t cols, const float* HWY_RESTRICT gamma,
                             const float* HWY_RESTRICT beta, float eps) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t j = 0;
  for (; j + 2 * N <= cols; j += 2 * N) {
    s0 = hn::Add(s0, hn::LoadU(d, row + j));
    s1 = hn::Add(s1, hn::LoadU(d, row + j + N));
  }
  for (; j + N <= cols; j += N) s0 = hn::Add(s0, hn::LoadU(d, row + j));
  if (j < cols) s1 = hn::Add(s1, LoadTail(d, row + j, cols - j));
  const float mean = SumLanes(d, hn::Add(s0, s1)) / static_cast<float>(cols);
  const auto vmean = hn::Set(d, mean);
  s0 = hn::Zero(d);
  s1 = hn::Zero(d);
  for (j = 0; j + N <= cols; j += N) {
    const auto c = hn::Sub(hn::LoadU(d, row + j), vmean);
    s0 = hn::MulAdd(c, c, s0);
  }
  if (j < cols) {
    // Zeroed lanes past the row would add mean^2 each: mask them out.
    const auto c =
        hn::IfThenElseZero(hn::FirstN(d, cols - j), hn::Sub(LoadTail(d, row + j, cols - j), vmean));
    s1 = hn::MulAdd(c, c, s1);
  }
  const float var = SumLanes(d, hn::Add(s0, s1)) / static_cast<float>(cols);
  const auto inv = hn::Set(d, 1.0f / std::sqrt(var + eps));
  for (j = 0; j + N <= cols; j += N) {
    const auto c = hn::Mul(hn::Sub(hn::LoadU(d, row + j), vmean), inv);
    hn::StoreU(hn::MulAdd(c, hn::LoadU(d, gamma + j), hn::LoadU(d, beta + j)), d, row + j);
  }
  if (j < cols) {
    const size_t t = cols - j;
    const auto c = hn::Mul(hn::Sub(LoadTail(d, row + j, t), vmean), inv);
    StoreTail(d, hn::MulAdd(c, LoadTail(d, gamma + j, t), LoadTail(d, beta + j, t)), row + j, t);
  }
}

HWY_NOINLINE void LayerNormKernel(float* HWY_RESTRICT x, size_t rows, size_t cols,
                                  const float* HWY_RESTRICT gamma, const float* HWY_RESTRICT beta,
                                  float eps) {
  for (size_t r = 0; r < rows; ++r) LayerNormRow(x + r * cols, cols, gamma, beta, eps);
}

HWY_NOINLINE void BiasResidualLayerNormKernel(const float* HWY_RESTRICT x, const float* HWY_RESTRICT bias,
                                              float* HWY_RESTRICT residual, size_t rows, size_t cols,
                                              const float* HWY_RESTRICT gamma, const float* HWY_RESTRICT beta,
                                              float eps) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* rr = residual + r * cols;
    size_t j = 0;
    for (; j + N <= cols; j += N) {
      auto v = hn::Add(hn::LoadU(d, xr + j), hn::LoadU(d, rr + j));
      if (bias != nullptr) v = hn::Add(v, hn::LoadU(d, bias + j));
      hn::StoreU(v, d, rr + j);
    }
    for (; j < cols; ++j) rr[j] = xr[j] + rr[j] + (bias != nullptr ? bias[j] : 0.0f);
    LayerNormRow(rr, cols, gamma, beta, eps);
  }
}

HWY_INLINE void SoftmaxRowInline(float* HWY_RESTRICT x, size_t n) {
  if (n == 0) return;
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto vmax = hn::Set(d, -std::numeric_limits<float>::infinity());
  size_t i = 0;
  for (; i + N <= n; i += N) vmax = hn::Max(vmax, hn::LoadU(d, x + i));
  float max = hn::GetLane(hn::MaxOfLanes(d, vmax));
  for (size_t t = i; t < n; ++t) max = x[t] > max ? x[t] : max;
  const auto vm = hn::Set(d, max);
  auto sum = hn::Zero(d);
  for (i = 0; i + N <= n; i += N) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
    sum = hn::Add(sum, e);
    hn::StoreU(e, d, x + i);
  }
  if (i < n) {
    const size_t t = n - i;
    const auto e = hn::IfThenElseZero(hn::FirstN(d, t), hn::Exp(d, hn::Sub(LoadTail(d, x + i, t), vm)));
    sum = hn::Add(sum, e);
    StoreTail(d, e, x + i, t);
  }
  const auto inv = hn::Set(d, 1.0f / SumLanes(d, sum));
  for (i = 0; i + N <= n; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), inv), d, x + i);
  if (i < n) StoreTail(d, hn::Mul(LoadTail(d, x + i, n - i), inv), x + i, n - i);
}

HWY_NOINLINE void SoftmaxRowKernel(float* HWY_RESTRICT x, size_t n) { SoftmaxRowInline(x, n); }

// Attention of each head as two GEMMs on the encoder's own kernel (gemm-inl.h): the head's keys
// packed as the weight of scores = q k^T [len, len], its values packed (as W^T) for
// ctx = softmax(scores) v. The GEMM's register tile reuses each loaded key or value row across
// 8 queries (AVX-512; 6 AVX2, 3 wasm); the former per-query loops (a broadcast or a load per
// multiply-add) ran at a third of the GEMM's speed: a third of a 512-token forward pass.

// Floats of AttentionSequenceKernel's scratch: the packed keys, the packed values, the scores
// (len rows of whole panels of keys).
HWY_NOINLINE size_t AttentionScratchKernel(size_t len, size_t hidden, size_t num_heads) {
  const size_t head_dim = hidden / num_heads;
  return PaddedCols(len) * head_dim + PaddedCols(head_dim) * len + len * PaddedCols(len);
}

HWY_NOINLINE void AttentionSequenceKernel(const float* HWY_RESTRICT qkv, size_t len, size_t hidden,
                                          size_t num_heads, size_t head_begin, size_t head_end,
                                          float* HWY_RESTRICT scratch, float* HWY_RESTRICT ctx) {
  const size_t head_dim = hidden / num_heads, stride = 3 * hidden;
  float* keys = scratch;                              // packed: W = k [len, head_dim]
  float* values = keys + PaddedCols(len) * head_dim;  // packed from W^T = v [len, head_dim]
  // [len, lp]: the scores of whole panels of keys, those past len zero (their packed keys are)
  // and never read; so the GEMM writes whole panels, with no partial-panel copies.
  const size_t lp = PaddedCols(len);
  float* probs = values + PaddedCols(head_dim) * len;
  constexpr size_t kAllPanels = ~size_t{0};
  for (size_t h = head_begin; h < std::min(head_end, num_heads); ++h) {
    const size_t off = h * head_dim;
    PackWeightsStrided(qkv + hidden + off, stride, len, head_dim, keys);
    PackTransposed(qkv + 2 * hidden + off, stride, head_dim, len, values);
    GemmStrided(qkv + off, stride, len, head_dim, keys, lp, nullptr, probs, lp, 0, kAllPanels);
    for (size_t i = 0; i < len; ++i) SoftmaxRowInline(probs + i * lp, len);
    GemmStrided(probs, lp, len, len, values, head_dim, nullptr, ctx + off, hidden, 0, kAllPanels);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv::embed
HWY_AFTER_NAMESPACE();

#endif  // RUV_EMBED_ENCODER_ROWWISE_INL_H_
