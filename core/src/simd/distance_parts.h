// Turning the partial sums of the SIMD kernels into metric distances (shared by every target).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "ruv/reference.h"
#include "ruv/vector_ops.h"

namespace ruv::simd {

// What one pass over a pair of vectors accumulates. `primary` is a.b for kCosine and
// kDotProduct, sum (a-b)^2 for kEuclidean; the squared norms are only filled for kCosine.
struct DistanceParts {
  float primary = 0.0f;
  float a_sq = 0.0f;
  float b_sq = 0.0f;
};

// Float32 partial sums overflow for |x| above ~1e19 and lose precision to subnormals for |x|
// below ~1e-19 although the distance itself is representable; those rare pairs (and zero
// vectors, whose cosine distance is defined as exactly 1) are redone in double by the scalar
// twin. Its cost never matters: ordinary embeddings take the fast path.
inline bool SafeSquaredNorm(float x) {
  constexpr float kTiny = std::numeric_limits<float>::min() / std::numeric_limits<float>::epsilon();
  return x > kTiny && x <= std::numeric_limits<float>::max();
}

inline float FinishDistance(Metric metric, const DistanceParts& p, const float* a, const float* b,
                            size_t dim) {
  switch (metric) {
    case Metric::kCosine:
      if (SafeSquaredNorm(p.a_sq) && SafeSquaredNorm(p.b_sq) && std::isfinite(p.primary)) {
        // The division in double keeps |a|^2 |b|^2 from overflowing and matches the TS backend.
        const double cos = static_cast<double>(p.primary) /
                           std::sqrt(static_cast<double>(p.a_sq) * static_cast<double>(p.b_sq));
        return static_cast<float>(1.0 - cos);
      }
      break;
    case Metric::kEuclidean:
      // Also redone when 0: an exact zero and a sum lost to underflow look the same.
      if (SafeSquaredNorm(p.primary)) return std::sqrt(p.primary);
      break;
    case Metric::kDotProduct:
      if (std::isfinite(p.primary)) return -p.primary;
      break;
  }
  return static_cast<float>(reference::Distance(a, b, dim, metric));
}

}  // namespace ruv::simd
