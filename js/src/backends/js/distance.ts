/**
 * Scalar twins of the C++ float kernels (core/include/ruv/vector_ops.h). Sums are accumulated in
 * float64 and results are rounded to float32 once, so they sit within float32 rounding of the
 * SIMD kernels' results.
 */
import { MetricId } from '../../backend.js';

/** Distance between a and b[offset .. offset + dim), per the metric's definition. */
function distanceAt(a: Float32Array, b: Float32Array, offset: number, dim: number, metric: MetricId): number {
  switch (metric) {
    case MetricId.Cosine: {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < dim; i++) {
        const x = a[i]!;
        const y = b[offset + i]!;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      // A zero vector has no direction: its cosine distance to anything is 1 (vector_ops.h).
      if (na === 0 || nb === 0) return 1;
      return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
    }
    case MetricId.Euclidean: {
      let sum = 0;
      for (let i = 0; i < dim; i++) {
        const d = a[i]! - b[offset + i]!;
        sum += d * d;
      }
      return Math.sqrt(sum);
    }
    case MetricId.DotProduct: {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += a[i]! * b[offset + i]!;
      return -dot;
    }
  }
}

/** ruv::Distance: a and b have the same length. */
export function distance(a: Float32Array, b: Float32Array, metric: MetricId): number {
  return Math.fround(distanceAt(a, b, 0, a.length, metric));
}

/** ruv::BatchDistance: `vectors` is row-major count x query.length. */
export function batchDistance(
  query: Float32Array,
  vectors: Float32Array,
  count: number,
  metric: MetricId,
): Float32Array {
  const dim = query.length;
  const out = new Float32Array(count);
  for (let r = 0; r < count; r++) out[r] = distanceAt(query, vectors, r * dim, dim, metric);
  return out;
}

/** batchDistance over separate rows: reads each row where it is (no flattening copy). */
export function batchDistanceRows(
  query: Float32Array,
  rows: readonly Float32Array[],
  metric: MetricId,
): Float32Array {
  const out = new Float32Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = distanceAt(query, rows[r]!, 0, query.length, metric);
  return out;
}

/** ruv::Normalize: v / |v| as a new array; a zero vector stays zero. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}
