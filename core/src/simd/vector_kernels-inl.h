// Float32 vector kernels, written once and compiled per SIMD target (Highway convention:
// foreach_target.h includes this file once per target; see vector_ops.cc).
#if defined(RUV_SIMD_VECTOR_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_SIMD_VECTOR_KERNELS_INL_H_
#undef RUV_SIMD_VECTOR_KERNELS_INL_H_
#else
#define RUV_SIMD_VECTOR_KERNELS_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "ruv/vector_ops.h"
#include "simd/distance_parts.h"
#include "simd/load_tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE float ReduceSum(D d, hn::Vec<D> v) {
  return hn::GetLane(hn::SumOfLanes(d, v));
}

// sum a_i * b_i. Four independent accumulators: an FMA has 4 cycles of latency and two issue per
// cycle, so a single dependency chain would leave most of the FMA units idle.
HWY_NOINLINE float DotKernel(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t dim) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), s1);
    s2 = hn::MulAdd(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N), s2);
    s3 = hn::MulAdd(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N), s3);
  }
  for (; i + N <= dim; i += N) s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
  if (i < dim) {
    const size_t n = dim - i;
    s1 = hn::MulAdd(LoadTail(d, a + i, n), LoadTail(d, b + i, n), s1);
  }
  return ReduceSum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// sum (a_i - b_i)^2, same accumulator layout as DotKernel.
HWY_NOINLINE float SquaredL2Kernel(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t dim) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    const auto d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
    const auto d1 = hn::Sub(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N));
    const auto d2 = hn::Sub(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N));
    const auto d3 = hn::Sub(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N));
    s0 = hn::MulAdd(d0, d0, s0);
    s1 = hn::MulAdd(d1, d1, s1);
    s2 = hn::MulAdd(d2, d2, s2);
    s3 = hn::MulAdd(d3, d3, s3);
  }
  for (; i + N <= dim; i += N) {
    const auto d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
    s0 = hn::MulAdd(d0, d0, s0);
  }
  if (i < dim) {
    const size_t n = dim - i;
    const auto d0 = hn::Sub(LoadTail(d, a + i, n), LoadTail(d, b + i, n));
    s1 = hn::MulAdd(d0, d0, s1);
  }
  return ReduceSum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// sum v_i^2.
HWY_NOINLINE float SumSquaresKernel(const float* HWY_RESTRICT v, size_t dim) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    const auto v0 = hn::LoadU(d, v + i), v1 = hn::LoadU(d, v + i + N);
    const auto v2 = hn::LoadU(d, v + i + 2 * N), v3 = hn::LoadU(d, v + i + 3 * N);
    s0 = hn::MulAdd(v0, v0, s0);
    s1 = hn::MulAdd(v1, v1, s1);
    s2 = hn::MulAdd(v2, v2, s2);
    s3 = hn::MulAdd(v3, v3, s3);
  }
  for (; i + N <= dim; i += N) {
    const auto v0 = hn::LoadU(d, v + i);
    s0 = hn::MulAdd(v0, v0, s0);
  }
  if (i < dim) {
    const auto v0 = LoadTail(d, v + i, dim - i);
    s1 = hn::MulAdd(v0, v0, s1);
  }
  return ReduceSum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// a.b, |a|^2 and |b|^2 in one pass over both vectors (cosine reads each element once). Two-way
// unrolling gives six independent chains, enough to cover the FMA latency.
HWY_NOINLINE simd::DistanceParts CosinePartsKernel(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                                                   size_t dim) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto ab0 = hn::Zero(d), aa0 = hn::Zero(d), bb0 = hn::Zero(d);
  auto ab1 = hn::Zero(d), aa1 = hn::Zero(d), bb1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= dim; i += 2 * N) {
    const auto a0 = hn::LoadU(d, a + i), b0 = hn::LoadU(d, b + i);
    const auto a1 = hn::LoadU(d, a + i + N), b1 = hn::LoadU(d, b + i + N);
    ab0 = hn::MulAdd(a0, b0, ab0);
    aa0 = hn::MulAdd(a0, a0, aa0);
    bb0 = hn::MulAdd(b0, b0, bb0);
    ab1 = hn::MulAdd(a1, b1, ab1);
    aa1 = hn::MulAdd(a1, a1, aa1);
    bb1 = hn::MulAdd(b1, b1, bb1);
  }
  if (i + N <= dim) {
    const auto a0 = hn::LoadU(d, a + i), b0 = hn::LoadU(d, b + i);
    ab0 = hn::MulAdd(a0, b0, ab0);
    aa0 = hn::MulAdd(a0, a0, aa0);
    bb0 = hn::MulAdd(b0, b0, bb0);
    i += N;
  }
  if (i < dim) {
    const size_t n = dim - i;
    const auto a1 = LoadTail(d, a + i, n), b1 = LoadTail(d, b + i, n);
    ab1 = hn::MulAdd(a1, b1, ab1);
    aa1 = hn::MulAdd(a1, a1, aa1);
    bb1 = hn::MulAdd(b1, b1, bb1);
  }
  simd::DistanceParts parts;
  parts.primary = ReduceSum(d, hn::Add(ab0, ab1));
  parts.a_sq = ReduceSum(d, hn::Add(aa0, aa1));
  parts.b_sq = ReduceSum(d, hn::Add(bb0, bb1));
  return parts;
}

HWY_INLINE simd::DistanceParts PairParts(const float* a, const float* b, size_t dim, Metric metric) {
  if (metric == Metric::kCosine) return CosinePartsKernel(a, b, dim);
  simd::DistanceParts parts;
  parts.primary = metric == Metric::kEuclidean ? SquaredL2Kernel(a, b, dim) : DotKernel(a, b, dim);
  return parts;
}

// One SIMD step of row r against the query q for metric M: `acc` takes the dot product or the
// squared difference, `row_sq` the squared norm of the row (cosine only).
template <Metric M, class V>
HWY_INLINE void BatchStep(V q, V r, V& acc, V& row_sq) {
  if constexpr (M == Metric::kEuclidean) {
    const V diff = hn::Sub(q, r);
    acc = hn::MulAdd(diff, diff, acc);
  } else {
    acc = hn::MulAdd(q, r, acc);
    if constexpr (M == Metric::kCosine) row_sq = hn::MulAdd(r, r, row_sq);
  }
}

// Four rows per pass: each query vector is loaded once for four rows, and four (eight for cosine)
// independent accumulator chains keep the FMA units busy while the rows stream in from memory.
// Rows are contiguous, so the four streams are one sequential region the hardware prefetcher
// follows.
template <Metric M>
HWY_INLINE void FourRows(const float* HWY_RESTRICT q, const float* HWY_RESTRICT rows, size_t dim,
                         simd::DistanceParts* parts) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const float* r0 = rows;
  const float* r1 = rows + dim;
  const float* r2 = rows + 2 * dim;
  const float* r3 = rows + 3 * dim;
  auto acc0 = hn::Zero(d), acc1 = hn::Zero(d), acc2 = hn::Zero(d), acc3 = hn::Zero(d);
  auto sq0 = hn::Zero(d), sq1 = hn::Zero(d), sq2 = hn::Zero(d), sq3 = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= dim; i += N) {
    const auto vq = hn::LoadU(d, q + i);
    BatchStep<M>(vq, hn::LoadU(d, r0 + i), acc0, sq0);
    BatchStep<M>(vq, hn::LoadU(d, r1 + i), acc1, sq1);
    BatchStep<M>(vq, hn::LoadU(d, r2 + i), acc2, sq2);
    BatchStep<M>(vq, hn::LoadU(d, r3 + i), acc3, sq3);
  }
  if (i < dim) {
    const size_t n = dim - i;
    const auto vq = LoadTail(d, q + i, n);
    BatchStep<M>(vq, LoadTail(d, r0 + i, n), acc0, sq0);
    BatchStep<M>(vq, LoadTail(d, r1 + i, n), acc1, sq1);
    BatchStep<M>(vq, LoadTail(d, r2 + i, n), acc2, sq2);
    BatchStep<M>(vq, LoadTail(d, r3 + i, n), acc3, sq3);
  }
  parts[0].primary = ReduceSum(d, acc0);
  parts[1].primary = ReduceSum(d, acc1);
  parts[2].primary = ReduceSum(d, acc2);
  parts[3].primary = ReduceSum(d, acc3);
  if constexpr (M == Metric::kCosine) {
    parts[0].b_sq = ReduceSum(d, sq0);
    parts[1].b_sq = ReduceSum(d, sq1);
    parts[2].b_sq = ReduceSum(d, sq2);
    parts[3].b_sq = ReduceSum(d, sq3);
  }
}

template <Metric M>
HWY_INLINE void BatchDistanceFor(const float* HWY_RESTRICT q, const float* HWY_RESTRICT rows, size_t count,
                                 size_t dim, float* HWY_RESTRICT out) {
  // The query norm is the same for every row: computed once, not once per row.
  const float q_sq = M == Metric::kCosine ? SumSquaresKernel(q, dim) : 0.0f;
  size_t r = 0;
  for (; r + 4 <= count; r += 4) {
    simd::DistanceParts parts[4];
    FourRows<M>(q, rows + r * dim, dim, parts);
    for (size_t k = 0; k < 4; ++k) {
      parts[k].a_sq = q_sq;
      out[r + k] = simd::FinishDistance(M, parts[k], q, rows + (r + k) * dim, dim);
    }
  }
  for (; r < count; ++r) {
    const float* row = rows + r * dim;
    out[r] = simd::FinishDistance(M, PairParts(q, row, dim, M), q, row, dim);
  }
}

HWY_NOINLINE void BatchDistanceKernel(const float* HWY_RESTRICT query, const float* HWY_RESTRICT rows,
                                      size_t count, size_t dim, Metric metric, float* HWY_RESTRICT out) {
  switch (metric) {
    case Metric::kCosine:
      return BatchDistanceFor<Metric::kCosine>(query, rows, count, dim, out);
    case Metric::kEuclidean:
      return BatchDistanceFor<Metric::kEuclidean>(query, rows, count, dim, out);
    case Metric::kDotProduct:
      return BatchDistanceFor<Metric::kDotProduct>(query, rows, count, dim, out);
  }
}

HWY_NOINLINE float DistanceKernel(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t dim,
                                  Metric metric) {
  return simd::FinishDistance(metric, PairParts(a, b, dim, metric), a, b, dim);
}

// out = v * factor. No restrict: out may alias v (each lane is read before it is written).
HWY_NOINLINE void ScaleKernel(const float* v, size_t dim, float factor, float* out) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto f = hn::Set(d, factor);
  size_t i = 0;
  for (; i + N <= dim; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, v + i), f), d, out + i);
  if (i < dim) StoreTail(d, hn::Mul(LoadTail(d, v + i, dim - i), f), out + i, dim - i);
}

// A float is finite exactly when its exponent bits are not all ones. Keeping the running maximum
// of the exponent fields needs no mask logic inside the loop and one comparison at the end.
HWY_NOINLINE bool AllFiniteKernel(const float* HWY_RESTRICT v, size_t n) {
  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const size_t N = hn::Lanes(d);
  const auto exp_mask = hn::Set(du, 0x7F800000u);
  auto max0 = hn::Zero(du), max1 = hn::Zero(du);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    max0 = hn::Max(max0, hn::And(hn::BitCast(du, hn::LoadU(d, v + i)), exp_mask));
    max1 = hn::Max(max1, hn::And(hn::BitCast(du, hn::LoadU(d, v + i + N)), exp_mask));
  }
  for (; i + N <= n; i += N) {
    max0 = hn::Max(max0, hn::And(hn::BitCast(du, hn::LoadU(d, v + i)), exp_mask));
  }
  if (i < n) max1 = hn::Max(max1, hn::And(hn::BitCast(du, LoadTail(d, v + i, n - i)), exp_mask));
  return hn::AllFalse(du, hn::Eq(hn::Max(max0, max1), exp_mask));
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#endif  // RUV_SIMD_VECTOR_KERNELS_INL_H_
