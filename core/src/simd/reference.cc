// Scalar twins of the float and integer kernels: the test oracles and the model of the TS backend.
#include "ruv/reference.h"

#include <bit>
#include <cmath>

namespace ruv::reference {

double Dot(const float* a, const float* b, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

double SquaredL2(const float* a, const float* b, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double diff = static_cast<double>(a[i]) - b[i];
    sum += diff * diff;
  }
  return sum;
}

double SumSquares(const float* v, size_t dim) { return Dot(v, v, dim); }

double Distance(const float* a, const float* b, size_t dim, Metric metric) {
  switch (metric) {
    case Metric::kCosine: {
      const double a_sq = SumSquares(a, dim);
      const double b_sq = SumSquares(b, dim);
      if (a_sq == 0.0 || b_sq == 0.0) return 1.0;  // a zero vector has no direction
      return 1.0 - Dot(a, b, dim) / (std::sqrt(a_sq) * std::sqrt(b_sq));
    }
    case Metric::kEuclidean:
      return std::sqrt(SquaredL2(a, b, dim));
    case Metric::kDotProduct:
      return -Dot(a, b, dim);
  }
  return std::nan("");
}

void BatchDistance(const float* query, const float* vectors, size_t count, size_t dim, Metric metric,
                   float* out) {
  for (size_t r = 0; r < count; ++r)
    out[r] = static_cast<float>(reference::Distance(query, vectors + r * dim, dim, metric));
}

void Normalize(const float* v, size_t dim, float* out) {
  const double norm = std::sqrt(SumSquares(v, dim));
  for (size_t i = 0; i < dim; ++i) out[i] = norm == 0.0 ? 0.0f : static_cast<float>(v[i] / norm);
}

bool AllFinite(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) return false;
  }
  return true;
}

uint64_t DotU8(const uint8_t* a, const uint8_t* b, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += uint64_t{a[i]} * b[i];
  return sum;
}

uint64_t SquaredL2U8(const uint8_t* a, const uint8_t* b, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const int diff = static_cast<int>(a[i]) - b[i];
    sum += static_cast<uint64_t>(diff * diff);
  }
  return sum;
}

double DotF32U8(const float* q, const uint8_t* codes, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(q[i]) * codes[i];
  return sum;
}

int64_t DotI16U8(const int16_t* q, const uint8_t* codes, size_t n) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += int64_t{q[i]} * codes[i];
  return sum;
}

uint64_t SumU8(const uint8_t* a, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += a[i];
  return sum;
}

uint64_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes; ++i) sum += std::popcount(static_cast<unsigned>(a[i] ^ b[i]));
  return sum;
}

}  // namespace ruv::reference
