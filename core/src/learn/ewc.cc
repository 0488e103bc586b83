// Elastic weight consolidation (Kirkpatrick et al. 2017) for adapters: the diagonal Fisher of a
// finished task, online merging (Schwarz et al. 2018) and the closed-form pull toward the anchor.
#include <cmath>
#include <string>

#include "lora_math.h"
#include "ruv/learn.h"

namespace ruv::learn {
namespace {

// Scales `values` to mean 1 (left all zero when the loss is flat there).
void NormalizeToMeanOne(std::vector<float>* values) {
  double sum = 0;
  for (float f : *values) sum += f;
  if (!(sum > 0)) return;
  const double scale = static_cast<double>(values->size()) / sum;
  for (float& f : *values) f = static_cast<float>(f * scale);
}

bool SameShape(const LoraWeights& a, const LoraWeights& b) {
  return a.dimensions() == b.dimensions() && a.rank() == b.rank();
}

}  // namespace

Status Fisher::FromParts(LoraWeights anchor, std::vector<float> values, Fisher* out) {
  if (values.size() != anchor.params().size() || values.empty()) {
    return {ErrorCode::kDimensionMismatch, "learning: a Fisher has one value per adapter parameter"};
  }
  for (float v : values) {
    if (!std::isfinite(v) || v < 0.0f) {
      return {ErrorCode::kInvalidArgument, "learning: Fisher values must be finite and >= 0"};
    }
  }
  out->anchor_ = std::move(anchor);
  out->values_ = std::move(values);
  return Status::Ok();
}

Status ComputeFisher(const LoraWeights& weights, const Trajectory* trajectories, size_t count,
                     const LoraConfig& config, Fisher* out) {
  if (weights.params().empty()) return {ErrorCode::kInvalidArgument, "learning: the adapter is empty"};
  LoraConfig c = config;
  c.rank = weights.rank();
  c.alpha = weights.alpha();
  c.ewc = {};
  c.initial = nullptr;
  if (Status s = ValidateLoraConfig(c, weights.dimensions()); !s.ok()) return s;
  internal::Examples ex;
  if (Status s = internal::CollectExamples(trajectories, count, weights.dimensions(), &ex); !s.ok()) return s;
  if (ex.size() == 0) {
    return {ErrorCode::kInvalidArgument,
            "learning: computeFisher needs at least one positive or negative trajectory"};
  }
  const size_t d = weights.dimensions();
  const size_t r = weights.rank();
  const size_t np = weights.params().size();
  const size_t bs = c.batch_size;
  std::vector<uint32_t> rows(ex.size());
  for (uint32_t i = 0; i < rows.size(); ++i) rows[i] = i;
  std::vector<float> y(bs * d), h(bs * r), gy(bs * d), norms(bs), du(d), grad(np);
  std::vector<double> sum(np, 0.0);
  for (size_t start = 0; start < rows.size(); start += bs) {
    const size_t n = std::min(bs, rows.size() - start);
    for (size_t i = 0; i < n; ++i) {
      internal::Forward(weights, ex.queries.data() + (start + i) * d, h.data() + i * r, y.data() + i * d,
                        &norms[i]);
    }
    (void)internal::BatchLoss(ex, rows.data() + start, n, y.data(), c, true, gy.data());
    for (size_t i = 0; i < n; ++i) {
      std::fill(grad.begin(), grad.end(), 0.0f);
      internal::Backward(weights, ex.queries.data() + (start + i) * d, h.data() + i * r, y.data() + i * d,
                         norms[i], gy.data() + i * d, grad.data(), du.data());
      for (size_t k = 0; k < np; ++k) sum[k] += static_cast<double>(grad[k]) * grad[k];
    }
  }
  out->values_.resize(np);
  for (size_t k = 0; k < np; ++k)
    out->values_[k] = static_cast<float>(sum[k] / static_cast<double>(ex.size()));
  NormalizeToMeanOne(&out->values_);
  out->anchor_ = weights;
  return Status::Ok();
}

Status MergeFisher(const Fisher& older, const Fisher& newer, float gamma, Fisher* out) {
  if (!SameShape(older.anchor(), newer.anchor())) {
    return {ErrorCode::kDimensionMismatch, "learning: the two Fishers are of adapters of different shapes"};
  }
  if (!(gamma >= 0.0f && gamma <= 1.0f))
    return {ErrorCode::kInvalidArgument, "learning: gamma must be in [0, 1]"};
  std::vector<float> merged(newer.values().size());
  for (size_t k = 0; k < merged.size(); ++k) merged[k] = gamma * older.values()[k] + newer.values()[k];
  NormalizeToMeanOne(&merged);
  out->values_ = std::move(merged);
  out->anchor_ = newer.anchor();
  return Status::Ok();
}

Status ApplyEwc(const LoraWeights& weights, const Fisher& fisher, float lambda, LoraWeights* out) {
  if (!SameShape(weights, fisher.anchor())) {
    return {ErrorCode::kDimensionMismatch, "learning: the adapter and the Fisher's anchor differ in shape"};
  }
  if (!(lambda >= 0.0f && std::isfinite(lambda))) {
    return {ErrorCode::kInvalidArgument, "learning: lambda must be a finite number >= 0"};
  }
  LoraWeights result = weights;
  std::vector<float>& p = result.params();
  const std::vector<float>& anchor = fisher.anchor().params();
  // theta* + (theta - theta*) / (1 + lambda F), written as theta - (theta - theta*) * w with
  // w = lambda F / (1 + lambda F) in [0, 1): exactly theta where lambda F is 0.
  for (size_t k = 0; k < p.size(); ++k) {
    const float lf = lambda * fisher.values()[k];
    p[k] -= (p[k] - anchor[k]) * (lf / (1.0f + lf));
  }
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace ruv::learn
