// The encoder's int8 GEMM (kernels.h, "q8"): c = dequant(quant(a) x Wq^T) + bias, with weights
// quantized per output channel to 7 bits at load and activations per row (token) at run time.
// Per-target header (Highway convention): included once per target by foreach_target.h from
// kernels.cc.
//
// The multiply is integer: each output is sum_k qa[k] * qw[k] over unsigned 8-bit activations
// (zero point zp per row) and signed 7-bit weights, so
//   c[i, j] = sa[i] * sw[j] * (acc[i, j] - zp[i] * sum_k qw[j, k]) + bias[j],
// the weight sums computed once at load. Two layouts, by what the target multiplies in one op:
// - x86 (SSSE3 .. AVX-512): groups of 4 k per output column, 4 activation bytes broadcast to
//   every 32-bit lane. AVX-512 VNNI's vpdpbusd adds the 4 u8 x s8 products to the lane in one
//   instruction; without VNNI vpmaddubsw (pairs to s16: |255 * 63 * 2| < 32767, so 7-bit weights
//   never saturate) then vpmaddwd (pairs to s32).
// - wasm SIMD128: groups of 2 k, activations widened to 16 bits at quantization, weights widened
//   per panel into a per-thread buffer when more than one row tile reads it (else as they load,
//   v128.load8x8_s), i32x4.dot_i16x8_s per pair. V8 then runs ~31 GMAC/s here, near the 3
//   vector ports' bound (per 64 products: 8 dot, 8 add); relaxed SIMD's i8 dot would halve that,
//   but Emscripten 3.1.6's LLVM 14 has no relaxed dot.
// - SCALAR/EMU128 (no SIMD): the x86 layout, multiplied lane by lane.
#if defined(RUV_EMBED_ENCODER_GEMM_Q8_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_EMBED_ENCODER_GEMM_Q8_INL_H_
#undef RUV_EMBED_ENCODER_GEMM_Q8_INL_H_
#else
#define RUV_EMBED_ENCODER_GEMM_Q8_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "common/aligned_array.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ruv::embed {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using Q8Tag = hn::ScalableTag<int32_t>;
inline constexpr bool kQ8Pairs = HWY_TARGET == HWY_WASM || HWY_TARGET == HWY_WASM_EMU256;
// One quantized activation: u8, or u8 widened to i16 for wasm's 16-bit dot product.
using Q8Act = std::conditional_t<kQ8Pairs, int16_t, uint8_t>;
// k values per group: one group of a row is always 4 bytes, one 32-bit lane to broadcast.
inline constexpr size_t kQ8Group = 4 / sizeof(Q8Act);
inline constexpr size_t kQ8Lanes = hn::MaxLanes(Q8Tag());
// Register tile: kQ8Rows rows x kQ8Vecs vectors of 32-bit sums. AVX-512: 8 x 2 (16 accumulators
// of 32 registers). AVX2/SSE without VNNI need a temporary and the ones vector: 4 x 2. wasm:
// 2 x 4 (V8 maps SIMD128 onto 16 xmm registers; a batch of 32 texts: 3 x 4 spilled, 1.09x
// slower; 4 x 3 1.16x slower; 2 x 5 1.22x slower).
inline constexpr size_t kQ8Vecs = kQ8Lanes >= 16 ? 2 : (kQ8Pairs ? 4 : 2);
inline constexpr size_t kQ8Rows = kQ8Lanes >= 16 ? 8 : (kQ8Pairs ? 2 : 4);
inline constexpr size_t kQ8Panel = kQ8Vecs * kQ8Lanes;

// nearbyint(v) as an int32 within [lo, hi], NaN as lo: converting NaN or a float beyond int32's
// range is undefined (a model with non-finite weights makes both), the vector paths saturate.
HWY_INLINE int32_t Q8RoundClamped(float v, int32_t lo, int32_t hi) {
  const float r = std::nearbyint(v);
  if (!(r > static_cast<float>(lo))) return lo;
  if (r >= static_cast<float>(hi)) return hi;
  return static_cast<int32_t>(r);
}

HWY_INLINE size_t Q8PaddedCols(size_t n) { return (n + kQ8Panel - 1) / kQ8Panel * kQ8Panel; }
HWY_INLINE size_t Q8Groups(size_t k) { return (k + kQ8Group - 1) / kQ8Group; }

// Bytes of a packed weight: panels of kQ8Panel columns, each all of k: per group, the panel's
// columns side by side, each column's kQ8Group weights contiguous (zero past n and past k). A
// panel is one sequential stream, read once per row tile.
HWY_NOINLINE size_t Q8PackedSizeKernel(size_t n, size_t k) {
  return Q8PaddedCols(n) * Q8Groups(k) * kQ8Group;
}

// Quantized activation values per row (k padded to whole groups).
HWY_NOINLINE size_t Q8RowValuesKernel(size_t k) { return Q8Groups(k) * kQ8Group; }

HWY_NOINLINE void Q8PackKernel(const int8_t* HWY_RESTRICT qw, size_t n, size_t k,
                               int8_t* HWY_RESTRICT packed) {
  constexpr size_t G = kQ8Group, W = kQ8Panel;
  const size_t groups = Q8Groups(k), panels = Q8PaddedCols(n) / W;
  for (size_t p = 0; p < panels; ++p) {
    int8_t* panel = packed + p * groups * W * G;
    for (size_t j = 0; j < W; ++j) {
      const size_t col = p * W + j;
      for (size_t g = 0; g < groups; ++g) {
        int8_t* dst = panel + (g * W + j) * G;
        for (size_t e = 0; e < G; ++e) {
          const size_t kk = g * G + e;
          dst[e] = col < n && kk < k ? qw[col * k + kk] : 0;
        }
      }
    }
  }
}

// Per row: the range [min(x, 0), max(x, 0)] onto 0..255 (zero exact: it is the zero point), so
// a row's values never depend on other rows, and scale = range / 255. q = round(x / scale) + zp
// (x * (1 / scale), rounded to nearest even, as kernels_reference.cc does).
HWY_NOINLINE void Q8QuantizeRowsKernel(const float* HWY_RESTRICT a, size_t m, size_t k,
                                       void* HWY_RESTRICT out, float* HWY_RESTRICT scales,
                                       int32_t* HWY_RESTRICT zero_points) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<Q8Act, decltype(di)> dq;
  const size_t N = hn::Lanes(df), values = Q8RowValuesKernel(k);
  Q8Act* q = static_cast<Q8Act*>(out);
  for (size_t i = 0; i < m; ++i, q += values) {
    const float* x = a + i * k;
    auto lo = hn::Zero(df), hi = hn::Zero(df);
    size_t e = 0;
    for (; e + N <= k; e += N) {
      const auto v = hn::LoadU(df, x + e);
      lo = hn::Min(lo, v);
      hi = hn::Max(hi, v);
    }
    float mn = hn::GetLane(hn::MinOfLanes(df, lo)), mx = hn::GetLane(hn::MaxOfLanes(df, hi));
    for (; e < k; ++e) {
      mn = std::min(mn, x[e]);
      mx = std::max(mx, x[e]);
    }
    const float scale = mx > mn ? (mx - mn) / 255.0f : 1.0f;
    const float inv = 1.0f / scale;
    const int32_t zp = Q8RoundClamped(-mn * inv, 0, 255);
    scales[i] = scale;
    zero_points[i] = zp;
    const auto vinv = hn::Set(df, inv);
    const auto vzp = hn::Set(di, zp), v0 = hn::Zero(di), v255 = hn::Set(di, 255);
    e = 0;
    for (; e + N <= k; e += N) {
      const auto r = hn::Add(hn::NearestInt(hn::Mul(hn::LoadU(df, x + e), vinv)), vzp);
      hn::StoreU(hn::DemoteTo(dq, hn::Min(hn::Max(r, v0), v255)), dq, q + e);
    }
    for (; e < k; ++e) q[e] = static_cast<Q8Act>(Q8RoundClamped(x[e] * inv, -zp, 255 - zp) + zp);
    for (; e < values; ++e) q[e] = 0;  // padding: its weights are zero
  }
}

// q[r, :] = round(w[r, :] * levels / max |w[r, :]|), scales[r] = max / levels (1 for a zero
// row): symmetric per-row quantization to [-levels, levels] (weights per output channel, the
// word embeddings per token). Vectorized: a MiniLM load quantizes 23M values.
HWY_NOINLINE void Q8QuantizeSymmetricKernel(const float* HWY_RESTRICT w, size_t n, size_t k, int32_t levels,
                                            int8_t* HWY_RESTRICT q, float* HWY_RESTRICT scales) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  const size_t N = hn::Lanes(df);
  for (size_t r = 0; r < n; ++r) {
    const float* x = w + r * k;
    int8_t* out = q + r * k;
    auto vmax = hn::Zero(df);
    size_t e = 0;
    for (; e + N <= k; e += N) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(df, x + e)));
    float max_abs = hn::GetLane(hn::MaxOfLanes(df, vmax));
    for (; e < k; ++e) max_abs = std::max(max_abs, std::fabs(x[e]));
    const float scale = max_abs > 0.0f ? max_abs / static_cast<float>(levels) : 1.0f;
    scales[r] = scale;
    const float inv = 1.0f / scale;
    const auto vinv = hn::Set(df, inv);
    const auto lo = hn::Set(di, -levels), hi = hn::Set(di, levels);
    e = 0;
    for (; e + N <= k; e += N) {
      const auto v = hn::NearestInt(hn::Mul(hn::LoadU(df, x + e), vinv));
      hn::StoreU(hn::DemoteTo(d8, hn::Min(hn::Max(v, lo), hi)), d8, out + e);
    }
    for (; e < k; ++e) out[e] = static_cast<int8_t>(Q8RoundClamped(x[e] * inv, -levels, levels));
  }
}

// One group's weights for one vector of output columns, as the dot product wants them. wasm
// reads them as packed (s8, widened here) or from a panel already widened to i16 (Q8WidenPanel).
template <typename WT>
HWY_INLINE auto Q8LoadWeights(const WT* HWY_RESTRICT w) {
#if HWY_TARGET == HWY_WASM || HWY_TARGET == HWY_WASM_EMU256
  const hn::Repartition<int16_t, Q8Tag> d16;
  if constexpr (std::is_same_v<WT, int16_t>) {
    return hn::LoadU(d16, w);
  } else {
    return hn::PromoteTo(d16, hn::LoadU(hn::Rebind<int8_t, decltype(d16)>(), w));
  }
#else
  static_assert(std::is_same_v<WT, int8_t>, "x86 multiplies the packed bytes");
  // Groups start at multiples of 4 bytes of a 64-byte aligned buffer.
  return hn::LoadU(Q8Tag(), reinterpret_cast<const int32_t*>(w));
#endif
}

// acc + per lane sum over the group of activation x weight (a: the group's 4 bytes in every lane).
template <class VW>
HWY_INLINE hn::Vec<Q8Tag> Q8DotAdd(hn::Vec<Q8Tag> acc, hn::Vec<Q8Tag> a, VW w) {
  const Q8Tag d;
#if HWY_TARGET == HWY_WASM || HWY_TARGET == HWY_WASM_EMU256
  const hn::Repartition<int16_t, Q8Tag> d16;
  hn::Vec<Q8Tag> unused = hn::Zero(d);
  return hn::ReorderWidenMulAccumulate(d, hn::BitCast(d16, a), w, acc, unused);
#elif HWY_TARGET == HWY_AVX3_DL
  // vpdpbusd as inline assembly: Highway 1.0's AVX3_DL target string has avxvnni (the VEX form)
  // but not avx512vnni, so the intrinsic does not compile; the target's CPUs (Ice Lake on) all
  // have AVX512_VNNI, which Highway's run-time check for the target requires.
  (void)d;
  __m512i sum = acc.raw;
  asm("vpdpbusd %2, %1, %0" : "+v"(sum) : "v"(a.raw), "v"(w.raw));
  return hn::Vec<Q8Tag>{sum};
#elif HWY_TARGET == HWY_AVX3
  (void)d;
  const __m512i pairs = _mm512_maddubs_epi16(a.raw, w.raw);
  return hn::Vec<Q8Tag>{_mm512_add_epi32(acc.raw, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)))};
#elif HWY_TARGET == HWY_AVX2
  (void)d;
  const __m256i pairs = _mm256_maddubs_epi16(a.raw, w.raw);
  return hn::Vec<Q8Tag>{_mm256_add_epi32(acc.raw, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))};
#elif HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  (void)d;
  const __m128i pairs = _mm_maddubs_epi16(a.raw, w.raw);
  return hn::Vec<Q8Tag>{_mm_add_epi32(acc.raw, _mm_madd_epi16(pairs, _mm_set1_epi16(1)))};
#else
  // No SIMD: lane by lane (the reference semantics, unsaturated).
  HWY_ALIGN int32_t sums[kQ8Lanes], as[kQ8Lanes], ws[kQ8Lanes];
  hn::Store(acc, d, sums);
  hn::Store(a, d, as);
  hn::Store(w, d, ws);
  for (size_t l = 0; l < kQ8Lanes; ++l) {
    uint8_t ab[4];
    int8_t wb[4];
    std::memcpy(ab, &as[l], 4);
    std::memcpy(wb, &ws[l], 4);
    for (size_t e = 0; e < 4; ++e) sums[l] += int32_t{ab[e]} * int32_t{wb[e]};
  }
  return hn::Load(d, sums);
#endif
}

// c[R, kQ8Panel] (row stride ldc) = the dequantized sums of R rows of qa (stride `values`) by
// one panel, plus bias (null: zero).
template <size_t R, typename WT>
HWY_INLINE void Q8Tile(const Q8Act* HWY_RESTRICT qa, size_t values, const float* HWY_RESTRICT a_scales,
                       const int32_t* HWY_RESTRICT a_zero, const WT* HWY_RESTRICT panel, size_t groups,
                       const float* HWY_RESTRICT w_scales, const int32_t* HWY_RESTRICT w_sums,
                       const float* HWY_RESTRICT bias, float* HWY_RESTRICT c, size_t ldc) {
  const Q8Tag d;
  const hn::Rebind<float, Q8Tag> df;
  constexpr size_t N = kQ8Lanes, V = kQ8Vecs, G = kQ8Group;
  hn::Vec<Q8Tag> acc[R][V];
  for (size_t r = 0; r < R; ++r)
    for (size_t v = 0; v < V; ++v) acc[r][v] = hn::Zero(d);
  for (size_t g = 0; g < groups; ++g) {
    const WT* wg = panel + g * kQ8Panel * G;
    decltype(Q8LoadWeights(wg)) w[V];
    for (size_t v = 0; v < V; ++v) w[v] = Q8LoadWeights(wg + v * N * G);
    for (size_t r = 0; r < R; ++r) {
      int32_t group;
      std::memcpy(&group, qa + r * values + g * G, 4);
      const auto x = hn::Set(d, group);
      for (size_t v = 0; v < V; ++v) acc[r][v] = Q8DotAdd(acc[r][v], x, w[v]);
    }
  }
  for (size_t r = 0; r < R; ++r) {
    const auto zp = hn::Set(d, a_zero[r]);
    const auto sa = hn::Set(df, a_scales[r]);
    for (size_t v = 0; v < V; ++v) {
      const auto exact = hn::Sub(acc[r][v], hn::Mul(zp, hn::LoadU(d, w_sums + v * N)));
      const auto scale = hn::Mul(sa, hn::LoadU(df, w_scales + v * N));
      auto out = hn::Mul(hn::ConvertTo(df, exact), scale);
      if (bias != nullptr) out = hn::Add(out, hn::LoadU(df, bias + v * N));
      hn::StoreU(out, df, c + r * ldc + v * N);
    }
  }
}

template <size_t R, typename WT>
HWY_INLINE void Q8TileRows(size_t rows, const Q8Act* qa, size_t values, const float* a_scales,
                           const int32_t* a_zero, const WT* panel, size_t groups, const float* w_scales,
                           const int32_t* w_sums, const float* bias, float* c, size_t ldc) {
  if constexpr (R > 1) {
    if (rows < R)
      return Q8TileRows<R - 1, WT>(rows, qa, values, a_scales, a_zero, panel, groups, w_scales, w_sums, bias,
                                   c, ldc);
  }
  Q8Tile<R, WT>(qa, values, a_scales, a_zero, panel, groups, w_scales, w_sums, bias, c, ldc);
}

// Every row tile of c by panel p (its columns [p * kQ8Panel, ...)), the panel's weights as
// packed (s8) or widened (i16, wasm).
template <typename WT>
HWY_INLINE void Q8PanelRows(const WT* HWY_RESTRICT panel, const Q8Act* HWY_RESTRICT qa, size_t values,
                            const float* HWY_RESTRICT a_scales, const int32_t* HWY_RESTRICT a_zero, size_t m,
                            size_t groups, size_t p, const float* HWY_RESTRICT w_scales,
                            const int32_t* HWY_RESTRICT w_sums, size_t n, const float* HWY_RESTRICT bias,
                            float* HWY_RESTRICT c, size_t ldc) {
  constexpr size_t W = kQ8Panel;
  const size_t col0 = p * W, cols = std::min(W, n - col0);
  for (size_t i = 0; i < m; i += kQ8Rows) {
    const size_t rows = std::min(kQ8Rows, m - i);
    const Q8Act* qa_tile = qa + i * values;
    float* c_tile = c + i * ldc + col0;
    if (cols == W) {
      Q8TileRows<kQ8Rows, WT>(rows, qa_tile, values, a_scales + i, a_zero + i, panel, groups, w_scales + col0,
                              w_sums + col0, bias != nullptr ? bias + col0 : nullptr, c_tile, ldc);
      continue;
    }
    // The last, partial panel: through a full-width buffer, so c and bias are not touched past n.
    HWY_ALIGN float tile[kQ8Rows * W] = {};
    HWY_ALIGN float tile_bias[W] = {};
    if (bias != nullptr) std::memcpy(tile_bias, bias + col0, cols * sizeof(float));
    Q8TileRows<kQ8Rows, WT>(rows, qa_tile, values, a_scales + i, a_zero + i, panel, groups, w_scales + col0,
                            w_sums + col0, bias != nullptr ? tile_bias : nullptr, tile, W);
    for (size_t r = 0; r < rows; ++r) std::memcpy(c_tile + r * ldc, tile + r * W, cols * sizeof(float));
  }
}

#if HWY_TARGET == HWY_WASM || HWY_TARGET == HWY_WASM_EMU256
// The `count` s8 weights of one panel widened to i16, in this thread's buffer (grown to the
// largest panel seen: 2 * k * kQ8Panel bytes, 96 KiB for MiniLM's k = 1536); nullptr when that
// buffer cannot be had. This runs in a pool's task, where an exception would end the process:
// out of memory, the caller multiplies the s8 panel itself (the same result, a little slower).
HWY_INLINE const int16_t* Q8WidenPanel(const int8_t* HWY_RESTRICT panel, size_t count) {
  thread_local AlignedArray<int16_t> wide;
  thread_local size_t capacity = 0;
  if (count > capacity) {
    try {
      wide = AllocateAligned<int16_t>(count);
    } catch (const std::bad_alloc&) {
      wide.reset();
      capacity = 0;
      return nullptr;
    }
    capacity = count;
  }
  const hn::ScalableTag<int16_t> d16;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const size_t N = hn::Lanes(d16);
  // count is whole groups of whole panels: a multiple of kQ8Panel * kQ8Group = 32 values.
  for (size_t e = 0; e < count; e += N)
    hn::Store(hn::PromoteTo(d16, hn::LoadU(d8, panel + e)), d16, wide.get() + e);
  return wide.get();
}
#endif

// Columns of panels [p_begin, p_end) of c, rows ldc floats apart (kernels::GemmQ8Panels).
// w_scales and w_sums hold Q8PaddedCols(n) values (zero past n), so a partial panel reads them in
// bounds.
HWY_NOINLINE void Q8GemmKernel(const void* HWY_RESTRICT qa_bytes, const float* HWY_RESTRICT a_scales,
                               const int32_t* HWY_RESTRICT a_zero, size_t m, size_t k,
                               const int8_t* HWY_RESTRICT packed, const float* HWY_RESTRICT w_scales,
                               const int32_t* HWY_RESTRICT w_sums, size_t n, const float* HWY_RESTRICT bias,
                               float* HWY_RESTRICT c, size_t p_begin, size_t p_end, size_t ldc) {
  constexpr size_t W = kQ8Panel;
  const Q8Act* qa = static_cast<const Q8Act*>(qa_bytes);
  const size_t groups = Q8Groups(k), values = Q8RowValuesKernel(k);
  p_end = std::min(p_end, Q8PaddedCols(n) / W);
  for (size_t p = p_begin; p < p_end; ++p) {
    const int8_t* panel = packed + p * groups * W * kQ8Group;
#if HWY_TARGET == HWY_WASM || HWY_TARGET == HWY_WASM_EMU256
    // Widening the s8 weights costs one instruction per vector in every row tile; with more than
    // one row tile the panel is widened to i16 once instead (a batch of 32 texts: 1.17x faster
    // GEMMs) into a per-thread buffer, so the model keeps its weights at one byte each.
    if (m > kQ8Rows) {
      if (const int16_t* wide = Q8WidenPanel(panel, groups * W * kQ8Group); wide != nullptr) {
        Q8PanelRows(wide, qa, values, a_scales, a_zero, m, groups, p, w_scales, w_sums, n, bias, c, ldc);
        continue;
      }
    }
#endif
    Q8PanelRows(panel, qa, values, a_scales, a_zero, m, groups, p, w_scales, w_sums, n, bias, c, ldc);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv::embed
HWY_AFTER_NAMESPACE();

#endif  // RUV_EMBED_ENCODER_GEMM_Q8_INL_H_
