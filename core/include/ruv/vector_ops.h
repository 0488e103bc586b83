// Float32 vector kernels: distances, batch distances and normalisation.
// Every function is SIMD-dispatched at run time (AVX-512/AVX2/SSE4 natively, SIMD128 in wasm);
// the *Reference twins in ruv/reference.h are the scalar oracles the tests use.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ruv/status.h"

namespace ruv {

// Distances: smaller is closer in every metric.
//   kCosine     = 1 - a.b / (|a| |b|)
//   kEuclidean  = |a - b|_2
//   kDotProduct = -(a.b)
// A zero vector has no direction: its cosine distance to anything is defined as 1.
// Numeric values are part of the C ABI: never renumber.
enum class Metric : int { kCosine = 0, kEuclidean = 1, kDotProduct = 2 };

bool IsValidMetric(int metric);

// Kernels assume valid arguments (non-null, dim > 0); the C ABI validates.
float Dot(const float* a, const float* b, size_t dim);
float SquaredL2(const float* a, const float* b, size_t dim);
float Distance(const float* a, const float* b, size_t dim, Metric metric);

// out[i] = Distance(query, vectors + i * dim) for i < count; vectors is row-major count x dim.
void BatchDistance(const float* query, const float* vectors, size_t count, size_t dim, Metric metric,
                   float* out);

// The rows whose dot product with the query is >= threshold, in row order: writes their indices
// and dots to out_index / out_dot (each room for `count`) and returns how many. The dots are
// exactly -BatchDistance(kDotProduct); a NaN dot is never >= threshold. For a unit query over
// unit rows this is "cosine >= threshold" without handing `count` distances back to the caller.
size_t DotAbove(const float* query, const float* vectors, size_t count, size_t dim, float threshold,
                uint32_t* out_index, float* out_dot);

// out = v / |v|; a zero vector stays zero. out may alias v.
void Normalize(const float* v, size_t dim, float* out);

// True when every element is finite (no NaN, no +-Infinity).
bool AllFinite(const float* v, size_t n);

// Name of the SIMD target chosen at run time for this process, e.g. "AVX3_ZEN4", "AVX2", "WASM".
const char* ActiveSimdTarget();

}  // namespace ruv
