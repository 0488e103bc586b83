// The encoder's GEMM, c = a x W^T + bias, with W packed once at load in the order this target's
// kernel reads it (kernels.h). Per-target header (Highway convention): included once per target
// by foreach_target.h from kernels.cc.
#if defined(RUV_EMBED_ENCODER_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_EMBED_ENCODER_GEMM_INL_H_
#undef RUV_EMBED_ENCODER_GEMM_INL_H_
#else
#define RUV_EMBED_ENCODER_GEMM_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ruv::embed {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A register tile is kGemmRows rows of `a` by one panel of kGemmVecs vectors of output features.
// Per k step it loads the panel row's vectors and broadcasts one value of `a` per row, each used
// for kGemmVecs FMAs. The accumulators (R x V), the panel row (V) and the broadcast (1) fit the
// register file. AVX-512 (32 registers): 8 rows x 2 vectors (32 columns): 10 loads for 16 FMAs
// (one vector per panel row gave 9 loads for 8 FMAs: bound by loads), 16 accumulators to hide
// the FMA latency on two ports; 16 tokens are 2 row tiles. AVX2 (16 registers): 6 x 2 (16
// columns). 128-bit vectors: 4 vectors (16 columns) by 3 rows on SSE4, by 2 rows in wasm: wasm
// has no FMA (a multiply and an add, with a temporary) and V8 maps it onto 16 xmm registers, so
// 3 x 4 (12 accumulators, 4 weights, the broadcast and the temporary) spilled; a batch of 32
// texts: 6 x 2 1.4x slower than 3 x 4, 3 x 3 1.18x faster, 2 x 4 1.26x faster.
using GemmTag = hn::ScalableTag<float>;
inline constexpr size_t kGemmLanes = hn::MaxLanes(GemmTag());
inline constexpr size_t kGemmVecs = kGemmLanes >= 8 ? 2 : 4;
inline constexpr size_t kGemmPanel = kGemmVecs * kGemmLanes;
inline constexpr size_t kGemmRows =
    kGemmLanes >= 16 ? 8 : (kGemmLanes >= 8 ? 6 : (HWY_TARGET == HWY_WASM ? 2 : 3));
// The k dimension is walked in blocks so that one block of a panel (kGemmK x kGemmPanel floats:
// 32 KB on AVX-512) stays in L1 while every row tile of `a` streams past it.
inline constexpr size_t kGemmK = 256;

// The packed layout: k blocks of kGemmK rows (the last one shorter), each holding every panel
// in turn, each panel kc rows of kGemmPanel weights (zero past n). Block kb (its first k index)
// starts at kb * padded_n, its panel p at p * kc * kGemmPanel within it. So the kernel, walking
// k blocks, then panels, then k, reads the weights as one sequential stream: the hardware
// prefetcher keeps up, which is what a GEMM of one short sequence (16 rows, each weight used 16
// times) is bound by.
HWY_INLINE size_t PaddedCols(size_t n) { return (n + kGemmPanel - 1) / kGemmPanel * kGemmPanel; }

HWY_NOINLINE size_t PackedWeightSizeKernel(size_t n, size_t k) { return PaddedCols(n) * k; }

// fn(panel, kb, kc, col0) for every k block [kb, kb + kc) of every panel of the packed layout
// of an [n, k] weight, `panel` its kc x kGemmPanel floats, col0 its first output column.
template <typename Fn>
HWY_INLINE void ForEachPackedBlock(size_t n, size_t k, float* HWY_RESTRICT packed, Fn&& fn) {
  const size_t padded = PaddedCols(n), panels = padded / kGemmPanel;
  for (size_t kb = 0; kb < k; kb += kGemmK) {
    const size_t kc = std::min(kGemmK, k - kb);
    for (size_t p = 0; p < panels; ++p)
      fn(packed + kb * padded + p * kc * kGemmPanel, kb, kc, p * kGemmPanel);
  }
}

// w [n, k] with row stride ldw (attention packs one head's keys out of the qkv rows). Column by
// column: each reads one contiguous run of its weight row.
HWY_INLINE void PackWeightsStrided(const float* HWY_RESTRICT w, size_t ldw, size_t n, size_t k,
                                   float* HWY_RESTRICT packed) {
  ForEachPackedBlock(n, k, packed, [&](float* panel, size_t kb, size_t kc, size_t col0) {
    for (size_t j = 0; j < kGemmPanel; ++j) {
      const size_t col = col0 + j;
      float* dst = panel + j;
      if (col < n) {
        const float* src = w + col * ldw + kb;
        for (size_t r = 0; r < kc; ++r) dst[r * kGemmPanel] = src[r];
      } else {
        for (size_t r = 0; r < kc; ++r) dst[r * kGemmPanel] = 0.0f;
      }
    }
  });
}

HWY_NOINLINE void PackWeightsKernel(const float* HWY_RESTRICT w, size_t n, size_t k,
                                    float* HWY_RESTRICT packed) {
  PackWeightsStrided(w, k, n, k, packed);
}

// The same layout from W's transpose wt [k, n] (row stride ldwt): each panel row is a run of wt's
// row, copied whole (attention's values: V [len, head_dim] is W^T of ctx = P x V).
HWY_INLINE void PackTransposed(const float* HWY_RESTRICT wt, size_t ldwt, size_t n, size_t k,
                               float* HWY_RESTRICT packed) {
  ForEachPackedBlock(n, k, packed, [&](float* panel, size_t kb, size_t kc, size_t col0) {
    const size_t cols = std::min(kGemmPanel, n - col0);
    for (size_t r = 0; r < kc; ++r) {
      float* dst = panel + r * kGemmPanel;
      std::memcpy(dst, wt + (kb + r) * ldwt + col0, cols * sizeof(float));
      std::fill(dst + cols, dst + kGemmPanel, 0.0f);
    }
  });
}

// c[R, kGemmPanel] (row stride ldc) = (first ? bias or 0 : c) + a[R, kc] x panel[kc, kGemmPanel].
template <size_t R>
HWY_INLINE void GemmTile(const float* HWY_RESTRICT a, size_t lda, const float* HWY_RESTRICT panel, size_t kc,
                         const float* HWY_RESTRICT bias, bool first, float* HWY_RESTRICT c, size_t ldc) {
  const GemmTag d;
  constexpr size_t N = kGemmLanes, V = kGemmVecs;
  hn::Vec<GemmTag> acc[R][V];
  for (size_t r = 0; r < R; ++r) {
    for (size_t v = 0; v < V; ++v) {
      acc[r][v] = !first ? hn::LoadU(d, c + r * ldc + v * N)
                         : (bias != nullptr ? hn::LoadU(d, bias + v * N) : hn::Zero(d));
    }
  }
  for (size_t p = 0; p < kc; ++p) {
    hn::Vec<GemmTag> w[V];
    for (size_t v = 0; v < V; ++v) w[v] = hn::LoadU(d, panel + p * kGemmPanel + v * N);
    for (size_t r = 0; r < R; ++r) {
      const auto x = hn::Set(d, a[r * lda + p]);
      for (size_t v = 0; v < V; ++v) acc[r][v] = hn::MulAdd(x, w[v], acc[r][v]);
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t v = 0; v < V; ++v) hn::StoreU(acc[r][v], d, c + r * ldc + v * N);
}

// GemmTile for rows <= R (the last row tile of a matrix): one instantiation per row count.
template <size_t R>
HWY_INLINE void GemmTileRows(size_t rows, const float* a, size_t lda, const float* panel, size_t kc,
                             const float* bias, bool first, float* c, size_t ldc) {
  if constexpr (R > 1) {
    if (rows < R) return GemmTileRows<R - 1>(rows, a, lda, panel, kc, bias, first, c, ldc);
  }
  GemmTile<R>(a, lda, panel, kc, bias, first, c, ldc);
}

// Columns of panels [p_begin, p_end) of c (kernels::GemmPanels), rows of a and c lda and ldc
// apart. Loop order: k blocks, then panels, then row tiles (the packed order). Each panel's
// columns are computed the same way whichever range holds it, so splitting the panels across
// threads changes no result.
HWY_INLINE void GemmStrided(const float* HWY_RESTRICT a, size_t lda, size_t m, size_t k,
                            const float* HWY_RESTRICT packed, size_t n, const float* HWY_RESTRICT bias,
                            float* HWY_RESTRICT c, size_t ldc, size_t p_begin, size_t p_end) {
  constexpr size_t W = kGemmPanel;
  const size_t padded = PaddedCols(n);
  p_end = std::min(p_end, padded / W);
  if (k == 0) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = p_begin * W; j < std::min(n, p_end * W); ++j)
        c[i * ldc + j] = bias != nullptr ? bias[j] : 0.0f;
    return;
  }
  for (size_t kb = 0; kb < k; kb += kGemmK) {
    const size_t kc = std::min(kGemmK, k - kb);
    const bool first = kb == 0;
    for (size_t p = p_begin; p < p_end; ++p) {
      const float* panel = packed + kb * padded + p * kc * W;
      const size_t col0 = p * W, cols = std::min(W, n - col0);
      for (size_t i = 0; i < m; i += kGemmRows) {
        const size_t rows = std::min(kGemmRows, m - i);
        const float* a_tile = a + i * lda + kb;
        float* c_tile = c + i * ldc + col0;
        if (cols == W) {
          GemmTileRows<kGemmRows>(rows, a_tile, lda, panel, kc, bias != nullptr ? bias + col0 : nullptr,
                                  first, c_tile, ldc);
          continue;
        }
        // The last, partial panel: the tile goes through a full-width buffer so neither c nor
        // bias is read or written past column n.
        HWY_ALIGN float tile[kGemmRows * W] = {};
        HWY_ALIGN float tile_bias[W] = {};
        if (bias != nullptr) std::memcpy(tile_bias, bias + col0, cols * sizeof(float));
        if (!first)
          for (size_t r = 0; r < rows; ++r) std::memcpy(tile + r * W, c_tile + r * ldc, cols * sizeof(float));
        GemmTileRows<kGemmRows>(rows, a_tile, lda, panel, kc, bias != nullptr ? tile_bias : nullptr, first,
                                tile, W);
        for (size_t r = 0; r < rows; ++r) std::memcpy(c_tile + r * ldc, tile + r * W, cols * sizeof(float));
      }
    }
  }
}

HWY_NOINLINE void GemmKernel(const float* HWY_RESTRICT a, size_t m, size_t k,
                             const float* HWY_RESTRICT packed, size_t n, const float* HWY_RESTRICT bias,
                             float* HWY_RESTRICT c, size_t ldc, size_t p_begin, size_t p_end) {
  GemmStrided(a, k, m, k, packed, n, bias, c, ldc, p_begin, p_end);
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv::embed
HWY_AFTER_NAMESPACE();

#endif  // RUV_EMBED_ENCODER_GEMM_INL_H_
