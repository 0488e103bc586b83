// The encoder's GEMM, c = a x W^T + bias with W packed into kPanelWidth-column panels
// (kernels.h). Per-target header (Highway convention): included once per target by
// foreach_target.h from kernels.cc.
#if defined(RUV_EMBED_ENCODER_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_EMBED_ENCODER_GEMM_INL_H_
#undef RUV_EMBED_ENCODER_GEMM_INL_H_
#else
#define RUV_EMBED_ENCODER_GEMM_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "embed/encoder/kernels.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ruv::embed {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One panel row is kPanelWidth floats, i.e. kGemmVecs vectors on this target.
using GemmTag = hn::CappedTag<float, kernels::kPanelWidth>;
inline constexpr size_t kGemmVecs = kernels::kPanelWidth / hn::MaxLanes(GemmTag());
// Rows per register tile: the accumulators (rows x kGemmVecs) plus one panel row and one
// broadcast must fit the register file (16 vector registers on AVX2, SSE4 and wasm's usual
// mapping to x86; 32 on AVX-512), so each loaded panel row feeds as many FMAs as possible.
inline constexpr size_t kGemmRows = kGemmVecs == 1 ? 8 : (kGemmVecs == 2 ? 4 : 2);
// The k dimension is walked in blocks so one block of a panel (kGemmK x 16 floats = 16 KB)
// stays in L1 while every row tile of `a` streams past it.
inline constexpr size_t kGemmK = 256;

// c[R, 16] (row stride ldc) = (first ? bias or 0 : c) + a[R, kc] x panel[kc, 16].
template <size_t R>
HWY_INLINE void GemmTile(const float* HWY_RESTRICT a, size_t lda, const float* HWY_RESTRICT panel, size_t kc,
                         const float* HWY_RESTRICT bias, bool first, float* HWY_RESTRICT c, size_t ldc) {
  const GemmTag d;
  constexpr size_t N = hn::MaxLanes(GemmTag());
  hn::Vec<GemmTag> acc[R][kGemmVecs];
  for (size_t r = 0; r < R; ++r) {
    for (size_t v = 0; v < kGemmVecs; ++v) {
      acc[r][v] = !first ? hn::LoadU(d, c + r * ldc + v * N)
                         : (bias != nullptr ? hn::LoadU(d, bias + v * N) : hn::Zero(d));
    }
  }
  for (size_t p = 0; p < kc; ++p) {
    hn::Vec<GemmTag> w[kGemmVecs];
    for (size_t v = 0; v < kGemmVecs; ++v) w[v] = hn::LoadU(d, panel + p * kernels::kPanelWidth + v * N);
    for (size_t r = 0; r < R; ++r) {
      const auto x = hn::Set(d, a[r * lda + p]);
      for (size_t v = 0; v < kGemmVecs; ++v) acc[r][v] = hn::MulAdd(x, w[v], acc[r][v]);
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t v = 0; v < kGemmVecs; ++v) hn::StoreU(acc[r][v], d, c + r * ldc + v * N);
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

// Loop order: k blocks, then panels, then row tiles. Every (panel, row tile) pair of one k block
// is independent, so the thread pool of the speed work can split the row tiles (or the panels)
// of each k block across threads without changing any result.
HWY_NOINLINE void GemmKernel(const float* HWY_RESTRICT a, size_t m, size_t k,
                             const float* HWY_RESTRICT packed, size_t n, const float* HWY_RESTRICT bias,
                             float* HWY_RESTRICT c) {
  constexpr size_t W = kernels::kPanelWidth;
  if (k == 0) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j) c[i * n + j] = bias != nullptr ? bias[j] : 0.0f;
    return;
  }
  const size_t panels = (n + W - 1) / W;
  for (size_t kb = 0; kb < k; kb += kGemmK) {
    const size_t kc = std::min(kGemmK, k - kb);
    const bool first = kb == 0;
    for (size_t p = 0; p < panels; ++p) {
      const float* panel = packed + p * W * k + kb * W;
      const size_t col0 = p * W, cols = std::min(W, n - col0);
      for (size_t i = 0; i < m; i += kGemmRows) {
        const size_t rows = std::min(kGemmRows, m - i);
        const float* a_tile = a + i * k + kb;
        float* c_tile = c + i * n + col0;
        if (cols == W) {
          GemmTileRows<kGemmRows>(rows, a_tile, k, panel, kc, bias != nullptr ? bias + col0 : nullptr, first,
                                  c_tile, n);
          continue;
        }
        // The last, partial panel: the tile goes through a full-width buffer so neither c nor
        // bias is read or written past column n.
        HWY_ALIGN float tile[kGemmRows * W] = {};
        HWY_ALIGN float tile_bias[W] = {};
        if (bias != nullptr) std::memcpy(tile_bias, bias + col0, cols * sizeof(float));
        if (!first)
          for (size_t r = 0; r < rows; ++r) std::memcpy(tile + r * W, c_tile + r * n, cols * sizeof(float));
        GemmTileRows<kGemmRows>(rows, a_tile, k, panel, kc, bias != nullptr ? tile_bias : nullptr, first,
                                tile, W);
        for (size_t r = 0; r < rows; ++r) std::memcpy(c_tile + r * n, tile + r * W, cols * sizeof(float));
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv::embed
HWY_AFTER_NAMESPACE();

#endif  // RUV_EMBED_ENCODER_GEMM_INL_H_
