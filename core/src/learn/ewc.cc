// Elastic weight consolidation (Kirkpatrick et al. 2017) for adapters: the diagonal Fisher of a
// finished task, online merging (Schwarz et al. 2018) and the closed-form pull toward the anchor.
#include <cmath>
#include <cstdint>
#include <memory>
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

struct FisherComputer::State {
  LoraWeights weights;
  LoraConfig config;
  internal::Examples ex;
  std::vector<uint32_t> rows;
  std::vector<float> y, h, gy, norms, du, grad;
  std::vector<double> sum;
  size_t next = 0;  // first row of the next batch
};

FisherComputer::FisherComputer() = default;
FisherComputer::~FisherComputer() = default;

Status FisherComputer::Start(const LoraWeights& weights, const Trajectory* trajectories, size_t count,
                             const LoraConfig& config) {
  state_.reset();
  if (weights.params().empty()) return {ErrorCode::kInvalidArgument, "learning: the adapter is empty"};
  auto st = std::make_unique<State>();
  st->config = config;
  st->config.rank = weights.rank();
  st->config.alpha = weights.alpha();
  st->config.ewc = {};
  st->config.initial = nullptr;
  if (Status s = ValidateLoraConfig(st->config, weights.dimensions()); !s.ok()) return s;
  if (Status s = internal::CollectExamples(trajectories, count, weights.dimensions(), &st->ex); !s.ok())
    return s;
  if (st->ex.size() == 0) {
    return {ErrorCode::kInvalidArgument,
            "learning: computeFisher needs at least one positive or negative trajectory"};
  }
  const size_t d = weights.dimensions();
  const size_t bs = st->config.batch_size;
  const size_t np = weights.params().size();
  st->weights = weights;
  st->rows.resize(st->ex.size());
  for (uint32_t i = 0; i < st->rows.size(); ++i) st->rows[i] = i;
  st->y.resize(bs * d);
  st->h.resize(bs * weights.rank());
  st->gy.resize(bs * d);
  st->norms.resize(bs);
  st->du.resize(d);
  st->grad.resize(np);
  st->sum.assign(np, 0.0);
  state_ = std::move(st);
  return Status::Ok();
}

Status FisherComputer::Step(size_t batches) {
  if (state_ == nullptr)
    return {ErrorCode::kInvalidArgument, "learning: the Fisher computation was not started"};
  State& st = *state_;
  const LoraWeights& w = st.weights;
  const size_t d = w.dimensions();
  const size_t r = w.rank();
  const size_t np = w.params().size();
  const size_t bs = st.config.batch_size;
  for (size_t b = 0; b < batches && !done(); ++b) {
    const size_t start = st.next;
    const size_t n = std::min(bs, st.rows.size() - start);
    const float* q = st.ex.queries.data();
    for (size_t i = 0; i < n; ++i) {
      internal::Forward(w, q + (start + i) * d, st.h.data() + i * r, st.y.data() + i * d, &st.norms[i]);
    }
    (void)internal::BatchLoss(st.ex, st.rows.data() + start, n, st.y.data(), st.config, true, st.gy.data());
    for (size_t i = 0; i < n; ++i) {
      std::fill(st.grad.begin(), st.grad.end(), 0.0f);
      internal::Backward(w, q + (start + i) * d, st.h.data() + i * r, st.y.data() + i * d, st.norms[i],
                         st.gy.data() + i * d, st.grad.data(), st.du.data());
      for (size_t k = 0; k < np; ++k) st.sum[k] += static_cast<double>(st.grad[k]) * st.grad[k];
    }
    st.next += n;
  }
  return Status::Ok();
}

bool FisherComputer::done() const { return state_ == nullptr || state_->next >= state_->rows.size(); }

void FisherComputer::Finish(Fisher* out) {
  if (state_ == nullptr) return;
  State& st = *state_;
  out->values_.resize(st.sum.size());
  for (size_t k = 0; k < st.sum.size(); ++k) {
    out->values_[k] = static_cast<float>(st.sum[k] / static_cast<double>(st.ex.size()));
  }
  NormalizeToMeanOne(&out->values_);
  out->anchor_ = std::move(st.weights);
  state_.reset();
}

Status ComputeFisher(const LoraWeights& weights, const Trajectory* trajectories, size_t count,
                     const LoraConfig& config, Fisher* out) {
  FisherComputer computer;
  if (Status s = computer.Start(weights, trajectories, count, config); !s.ok()) return s;
  if (Status s = computer.Step(SIZE_MAX); !s.ok()) return s;
  computer.Finish(out);
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
