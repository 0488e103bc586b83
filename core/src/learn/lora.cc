// LoraWeights: creation (A small and random, B zero: the identity) and application.
#include <cmath>
#include <string>
#include <vector>

#include "common/random.h"
#include "lora_math.h"
#include "ruv/learn.h"
#include "ruv/vector_ops.h"

namespace ruv::learn {

Status LoraWeights::Create(uint32_t dimensions, uint32_t rank, float alpha, uint64_t seed, LoraWeights* out) {
  if (dimensions == 0 || dimensions > PatternStore::kMaxDimensions) {
    return {ErrorCode::kInvalidArgument, "learning: dimensions must be in [1, 65536]"};
  }
  if (rank == 0 || rank > kMaxRank || rank > dimensions) {
    return {ErrorCode::kInvalidArgument, "learning: rank must be in [1, min(1024, dimensions)]"};
  }
  if (!std::isfinite(alpha) || alpha <= 0.0f) {
    return {ErrorCode::kInvalidArgument, "learning: alpha must be a finite number > 0"};
  }
  out->dimensions_ = dimensions;
  out->rank_ = rank;
  out->alpha_ = alpha;
  const size_t half = size_t{rank} * dimensions;
  out->params_.assign(2 * half, 0.0f);
  // A ~ N(0, 1/dim): A x has unit-scale entries for a unit x; B = 0 makes f the identity.
  SeededRandom rng(seed);
  const double std_dev = 1.0 / std::sqrt(static_cast<double>(dimensions));
  for (size_t i = 0; i < half; ++i) out->params_[i] = static_cast<float>(rng.Normal() * std_dev);
  return Status::Ok();
}

Status LoraWeights::FromParams(uint32_t dimensions, uint32_t rank, float alpha, const float* params,
                               size_t count, LoraWeights* out) {
  LoraWeights w;
  if (Status s = Create(dimensions, rank, alpha, 0, &w); !s.ok()) return s;
  if (count != w.params_.size()) {
    return {ErrorCode::kDimensionMismatch, "learning: an adapter of rank " + std::to_string(rank) + " over " +
                                               std::to_string(dimensions) + " dimensions has " +
                                               std::to_string(w.params_.size()) + " parameters, got " +
                                               std::to_string(count)};
  }
  if (!AllFinite(params, count))
    return {ErrorCode::kNonFinite, "learning: an adapter parameter is NaN or Infinity"};
  std::copy(params, params + count, w.params_.begin());
  *out = std::move(w);
  return Status::Ok();
}

void LoraWeights::Apply(const float* x, size_t count, float* out) const {
  const size_t d = dimensions_;
  std::vector<float> h(rank_);
  std::vector<float> y(d);
  float norm;
  for (size_t row = 0; row < count; ++row) {
    internal::Forward(*this, x + row * d, h.data(), y.data(), &norm);
    std::copy(y.begin(), y.end(), out + row * d);
  }
}

}  // namespace ruv::learn
