// Metric distances between the dequantized forms of two code vectors, computed from integer sums
// over the codes (SIMD u8 kernels) instead of decoding to float.
//
// With a_i = min_a + s_a qa_i (s = step) and D = dim, sums over i:
//   a.b   = D min_a min_b + min_a s_b Sum(qb) + min_b s_a Sum(qa) + s_a s_b Dot(qa, qb)
//   |a|^2 = D min_a^2 + 2 min_a s_a Sum(qa) + s_a^2 Dot(qa, qa)
//   |a-b|^2 = s^2 SquaredL2(qa, qb)                       when both ranges are equal, else
//           = D m^2 + 2 m (s_a Sum(qa) - s_b Sum(qb)) + |s_a qa|^2 + |s_b qb|^2 - 2 s_a s_b Dot(qa, qb)
//             with m = min_a - min_b.
// The integer sums are exact; the combination is done in double because the expanded forms cancel
// heavily when a and b are close.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "quant/layout.h"
#include "ruv/quant.h"
#include "simd/int_ops.h"

namespace ruv {
namespace {

struct CodeSums {
  uint64_t sum_a = 0, sum_b = 0, dot_ab = 0, dot_aa = 0, dot_bb = 0, l2_ab = 0;
};

struct Needs {
  bool sums = false, dot_ab = false, norms = false, l2 = false;
};

void Accumulate(const uint8_t* qa, const uint8_t* qb, size_t n, const Needs& needs, CodeSums* s) {
  if (needs.sums) {
    s->sum_a += simd::SumU8Wide(qa, n);
    s->sum_b += simd::SumU8Wide(qb, n);
  }
  if (needs.dot_ab) s->dot_ab += simd::DotU8Wide(qa, qb, n);
  if (needs.norms) {
    s->dot_aa += simd::DotU8Wide(qa, qa, n);
    s->dot_bb += simd::DotU8Wide(qb, qb, n);
  }
  if (needs.l2) s->l2_ab += simd::SquaredL2U8Wide(qa, qb, n);
}

CodeSums SumCodes(const uint8_t* a, const uint8_t* b, size_t dim, QuantType type, const Needs& needs) {
  CodeSums sums;
  if (type == QuantType::kScalar) {
    Accumulate(a, b, dim, needs, &sums);
    return sums;
  }
  // int4: the u8 kernels run on nibbles unpacked to the stack, a chunk at a time.
  uint8_t qa[quant::kUnpackChunk], qb[quant::kUnpackChunk];
  for (size_t begin = 0; begin < dim; begin += quant::kUnpackChunk) {
    const size_t n = std::min(quant::kUnpackChunk, dim - begin);
    quant::UnpackNibbles(a, begin, n, qa);
    quant::UnpackNibbles(b, begin, n, qb);
    Accumulate(qa, qb, n, needs, &sums);
  }
  return sums;
}

}  // namespace

Status QuantizedDistance(const uint8_t* a, const uint8_t* b, size_t codes_len, size_t dim,
                         const QuantConfig& config, Metric metric, float* out) {
  if (Status s = ValidateQuantConfig(config); !s.ok()) return s;
  if (config.type == QuantType::kBinary) {
    return Status(ErrorCode::kInvalidArgument, "binary codes have no metric distance: use HammingDistance");
  }
  if (!IsValidMetric(static_cast<int>(metric))) {
    return Status(ErrorCode::kInvalidArgument, "unknown metric " + std::to_string(static_cast<int>(metric)));
  }
  if (dim == 0) return Status(ErrorCode::kInvalidArgument, "dim must be > 0");
  if (a == nullptr || b == nullptr || out == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "null codes or output");
  }
  if (codes_len != QuantizedSize(config, dim)) {
    return Status(ErrorCode::kDimensionMismatch,
                  "codes hold " + std::to_string(codes_len) + " bytes, expected " +
                      std::to_string(QuantizedSize(config, dim)) + " for dim " + std::to_string(dim));
  }

  quant::Range ra{config.min, config.max}, rb{config.min, config.max};
  if (quant::StoresRange(config)) {
    if (Status s = quant::ReadStoredRange(a, &ra); !s.ok()) return s;
    if (Status s = quant::ReadStoredRange(b, &rb); !s.ok()) return s;
    a += quant::kRangeHeaderBytes;
    b += quant::kRangeHeaderBytes;
  }
  const int levels = quant::Levels(config.type);
  const double min_a = ra.min, min_b = rb.min;
  const double s_a = quant::AffineStep(ra.min, ra.max, levels);
  const double s_b = quant::AffineStep(rb.min, rb.max, levels);
  const double n = static_cast<double>(dim);
  const bool same_range = ra.min == rb.min && ra.max == rb.max;

  Needs needs;
  if (metric == Metric::kEuclidean && same_range) {
    needs.l2 = true;
  } else {
    needs.sums = needs.dot_ab = true;
    needs.norms = metric != Metric::kDotProduct;
  }
  const CodeSums c = SumCodes(a, b, dim, config.type, needs);
  const double sum_a = static_cast<double>(c.sum_a), sum_b = static_cast<double>(c.sum_b);

  const double dot = n * min_a * min_b + min_a * s_b * sum_b + min_b * s_a * sum_a +
                     s_a * s_b * static_cast<double>(c.dot_ab);
  switch (metric) {
    case Metric::kDotProduct:
      *out = static_cast<float>(-dot);
      return Status::Ok();
    case Metric::kCosine: {
      const double a_sq =
          n * min_a * min_a + 2.0 * min_a * s_a * sum_a + s_a * s_a * static_cast<double>(c.dot_aa);
      const double b_sq =
          n * min_b * min_b + 2.0 * min_b * s_b * sum_b + s_b * s_b * static_cast<double>(c.dot_bb);
      // A zero vector has no direction: distance 1, as for float vectors.
      *out = a_sq <= 0.0 || b_sq <= 0.0 ? 1.0f : static_cast<float>(1.0 - dot / std::sqrt(a_sq * b_sq));
      return Status::Ok();
    }
    case Metric::kEuclidean: {
      double sq;
      if (same_range) {
        sq = s_a * s_a * static_cast<double>(c.l2_ab);
      } else {
        const double m = min_a - min_b;
        sq = n * m * m + 2.0 * m * (s_a * sum_a - s_b * sum_b) + s_a * s_a * static_cast<double>(c.dot_aa) +
             s_b * s_b * static_cast<double>(c.dot_bb) - 2.0 * s_a * s_b * static_cast<double>(c.dot_ab);
      }
      *out = static_cast<float>(std::sqrt(std::max(sq, 0.0)));  // cancellation may leave -epsilon
      return Status::Ok();
    }
  }
  return Status(ErrorCode::kInternal, "unreachable metric");
}

}  // namespace ruv
