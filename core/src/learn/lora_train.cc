// TrainLora: AdamW over the adapter's parameters, batches drawn in a seeded order, early stopping
// on a held-out share of the positives, and the optional EWC penalty of an earlier task.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "common/random.h"
#include "lora_math.h"
#include "ruv/learn.h"

namespace ruv::learn {
namespace {

bool PositiveFinite(float v) { return std::isfinite(v) && v > 0.0f; }

// Mean batch loss of `rows` at `w`, and (unless grad is null) the summed gradient of the batches.
float EpochPass(const LoraWeights& w, const internal::Examples& ex, const std::vector<uint32_t>& rows,
                const LoraConfig& config, std::vector<float>* y, std::vector<float>* h,
                std::vector<float>* gy, std::vector<float>* norms) {
  const size_t d = ex.dimensions;
  const size_t r = w.rank();
  float total = 0;
  size_t batches = 0;
  std::vector<float> du(d);
  for (size_t start = 0; start < rows.size(); start += config.batch_size) {
    const size_t n = std::min<size_t>(config.batch_size, rows.size() - start);
    for (size_t i = 0; i < n; ++i) {
      internal::Forward(w, ex.queries.data() + size_t{rows[start + i]} * d, h->data() + i * r,
                        y->data() + i * d, &(*norms)[i]);
    }
    total += internal::BatchLoss(ex, rows.data() + start, n, y->data(), config, false, gy->data());
    ++batches;
  }
  return batches == 0 ? 0.0f : total / static_cast<float>(batches);
}

}  // namespace

Status ValidateLoraConfig(const LoraConfig& c, uint32_t dimensions) {
  auto bad = [](const std::string& m) { return Status(ErrorCode::kInvalidArgument, "learning: " + m); };
  if (c.rank == 0 || c.rank > LoraWeights::kMaxRank || c.rank > dimensions) {
    return bad("rank must be in [1, min(1024, dimensions)]");
  }
  if (!PositiveFinite(c.alpha)) return bad("alpha must be a finite number > 0");
  if (c.epochs == 0 || c.epochs > 100000) return bad("epochs must be in [1, 100000]");
  if (c.batch_size < 2 || c.batch_size > 65536) return bad("batchSize must be in [2, 65536]");
  if (!PositiveFinite(c.learning_rate)) return bad("learningRate must be a finite number > 0");
  if (!(c.weight_decay >= 0.0f && std::isfinite(c.weight_decay))) return bad("weightDecay must be >= 0");
  if (!PositiveFinite(c.temperature)) return bad("temperature must be a finite number > 0");
  if (!std::isfinite(c.negative_margin) || c.negative_margin < -1.0f || c.negative_margin > 1.0f) {
    return bad("negativeMargin must be in [-1, 1]");
  }
  if (!(c.negative_weight >= 0.0f && std::isfinite(c.negative_weight)))
    return bad("negativeWeight must be >= 0");
  if (!(c.validation_split >= 0.0f && c.validation_split < 1.0f))
    return bad("validationSplit must be in [0, 1)");
  if (c.ewc.fisher != nullptr) {
    if (!(c.ewc.lambda >= 0.0f && std::isfinite(c.ewc.lambda))) return bad("ewc.lambda must be >= 0");
    const LoraWeights& anchor = c.ewc.fisher->anchor();
    if (anchor.dimensions() != dimensions || anchor.rank() != c.rank) {
      return {ErrorCode::kDimensionMismatch,
              "learning: the Fisher's adapter shape differs from the config's"};
    }
  }
  if (c.initial != nullptr && (c.initial->dimensions() != dimensions || c.initial->rank() != c.rank)) {
    return {ErrorCode::kDimensionMismatch, "learning: the initial adapter's shape differs from the config's"};
  }
  return Status::Ok();
}

struct LoraTrainer::State {
  LoraConfig config;
  internal::Examples ex;
  LoraWeights w, best;
  std::vector<float> fisher, anchor;  // empty without EWC
  std::vector<uint32_t> train, validation;
  std::vector<float> y, h, gy, norms, du, grad, m, v;
  float beta1_t = 1.0f, beta2_t = 1.0f;
  float best_val = INFINITY;
  uint32_t since_best = 0;
  uint32_t epoch = 0;
  bool stopped = false;
  SeededRandom rng{0};
  TrainReport report;

  float RunEpoch();
};

LoraTrainer::LoraTrainer() = default;
LoraTrainer::~LoraTrainer() = default;
LoraTrainer::LoraTrainer(LoraTrainer&&) noexcept = default;
LoraTrainer& LoraTrainer::operator=(LoraTrainer&&) noexcept = default;

Status LoraTrainer::Start(const Trajectory* trajectories, size_t count, uint32_t dimensions,
                          const LoraConfig& config) {
  state_.reset();
  if (dimensions == 0 || dimensions > PatternStore::kMaxDimensions) {
    return {ErrorCode::kInvalidArgument, "learning: dimensions must be in [1, 65536]"};
  }
  if (Status s = ValidateLoraConfig(config, dimensions); !s.ok()) return s;
  auto st = std::make_unique<State>();
  if (Status s = internal::CollectExamples(trajectories, count, dimensions, &st->ex); !s.ok()) return s;
  const internal::Examples& ex = st->ex;
  if (ex.size() < config.min_trajectories || ex.size() < 2) {
    return {ErrorCode::kInvalidArgument, "learning: trainLoRA needs at least " +
                                             std::to_string(std::max<uint32_t>(config.min_trajectories, 2)) +
                                             " positive or negative trajectories, got " +
                                             std::to_string(ex.size())};
  }
  LoraWeights& w = st->w;
  if (config.initial != nullptr) {
    w = *config.initial;
  } else if (config.ewc.fisher != nullptr) {
    w = config.ewc.fisher->anchor();
  } else if (Status s = LoraWeights::Create(dimensions, config.rank, config.alpha, config.seed, &w);
             !s.ok()) {
    return s;
  }
  if (w.alpha() != config.alpha) {  // the config's scale is the one trained
    LoraWeights rescaled;
    if (Status s = LoraWeights::FromParams(dimensions, config.rank, config.alpha, w.params().data(),
                                           w.params().size(), &rescaled);
        !s.ok()) {
      return s;
    }
    w = std::move(rescaled);
  }
  if (config.ewc.fisher != nullptr) {
    st->fisher = config.ewc.fisher->values();
    st->anchor = config.ewc.fisher->anchor().params();
  }
  // Seeded split: a share of the positives is held out for early stopping.
  st->rng = SeededRandom(config.seed ^ 0x5EEDB47C4ull);
  std::vector<uint32_t> positives;
  for (uint32_t i = 0; i < ex.size(); ++i) (ex.sign[i] > 0 ? positives : st->train).push_back(i);
  st->rng.Shuffle(positives.data(), positives.size());
  const auto held =
      static_cast<size_t>(std::floor(static_cast<double>(config.validation_split) * positives.size()));
  st->validation.assign(positives.begin(), positives.begin() + static_cast<std::ptrdiff_t>(held));
  st->train.insert(st->train.end(), positives.begin() + static_cast<std::ptrdiff_t>(held), positives.end());
  std::sort(st->train.begin(), st->train.end());
  std::sort(st->validation.begin(), st->validation.end());
  if (st->train.size() < 2)
    return {ErrorCode::kInvalidArgument, "learning: too few trajectories left to train on"};

  const size_t d = dimensions;
  const size_t np = w.params().size();
  const size_t bs = config.batch_size;
  st->y.resize(bs * d);
  st->h.resize(bs * config.rank);
  st->gy.resize(bs * d);
  st->norms.resize(bs);
  st->du.resize(d);
  st->grad.resize(np);
  st->m.assign(np, 0.0f);
  st->v.assign(np, 0.0f);
  st->config = config;
  st->config.ewc = {};  // the Fisher and initial weights were copied: nothing dangles
  st->config.initial = nullptr;
  st->config.ewc.lambda = config.ewc.fisher != nullptr ? config.ewc.lambda : 0.0f;
  st->best = w;
  state_ = std::move(st);
  return Status::Ok();
}

float LoraTrainer::State::RunEpoch() {
  const size_t d = ex.dimensions;
  const size_t r = config.rank;
  const size_t np = w.params().size();
  const size_t bs = config.batch_size;
  const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  rng.Shuffle(train.data(), train.size());
  float epoch_loss = 0;
  size_t batches = 0;
  for (size_t start = 0; start < train.size(); start += bs) {
    const size_t n = std::min(bs, train.size() - start);
    for (size_t i = 0; i < n; ++i) {
      internal::Forward(w, ex.queries.data() + size_t{train[start + i]} * d, h.data() + i * r,
                        y.data() + i * d, &norms[i]);
    }
    float loss = internal::BatchLoss(ex, train.data() + start, n, y.data(), config, false, gy.data());
    std::fill(grad.begin(), grad.end(), 0.0f);
    for (size_t i = 0; i < n; ++i) {
      internal::Backward(w, ex.queries.data() + size_t{train[start + i]} * d, h.data() + i * r,
                         y.data() + i * d, norms[i], gy.data() + i * d, grad.data(), du.data());
    }
    std::vector<float>& p = w.params();
    if (!fisher.empty() && config.ewc.lambda > 0) {
      float penalty = 0;
      for (size_t k = 0; k < np; ++k) {
        const float diff = p[k] - anchor[k];
        penalty += fisher[k] * diff * diff;
        grad[k] += config.ewc.lambda * fisher[k] * diff;
      }
      loss += 0.5f * config.ewc.lambda * penalty;
    }
    // AdamW (Loshchilov & Hutter): weight decay applied to the parameters, not the gradient.
    beta1_t *= beta1;
    beta2_t *= beta2;
    const float c1 = 1.0f / (1.0f - beta1_t);
    const float c2 = 1.0f / (1.0f - beta2_t);
    for (size_t k = 0; k < np; ++k) {
      m[k] = beta1 * m[k] + (1.0f - beta1) * grad[k];
      v[k] = beta2 * v[k] + (1.0f - beta2) * grad[k] * grad[k];
      const float step = (m[k] * c1) / (std::sqrt(v[k] * c2) + eps);
      p[k] -= config.learning_rate * (step + config.weight_decay * p[k]);
    }
    epoch_loss += loss;
    ++batches;
  }
  return epoch_loss / static_cast<float>(batches);
}

Status LoraTrainer::Step(uint32_t epochs) {
  if (state_ == nullptr) return {ErrorCode::kInvalidArgument, "learning: the trainer was not started"};
  State& st = *state_;
  for (uint32_t i = 0; i < epochs && !done(); ++i) {
    st.report.final_train_loss = st.RunEpoch();
    st.report.epochs_run = ++st.epoch;
    if (!std::isfinite(st.report.final_train_loss)) {
      st.stopped = true;
      return {ErrorCode::kNonFinite,
              "learning: training diverged (the loss is not finite); lower learningRate"};
    }
    if (!st.validation.empty()) {
      const float val = EpochPass(st.w, st.ex, st.validation, st.config, &st.y, &st.h, &st.gy, &st.norms);
      if (val < st.best_val) {
        st.best_val = val;
        st.best = st.w;
        st.since_best = 0;
      } else if (++st.since_best >= st.config.patience) {
        st.stopped = true;
      }
      st.report.best_validation_loss = st.best_val;
    }
  }
  return Status::Ok();
}

bool LoraTrainer::done() const {
  return state_ == nullptr || state_->stopped || state_->epoch >= state_->config.epochs;
}

const TrainReport& LoraTrainer::report() const {
  static const TrainReport kEmpty;
  return state_ == nullptr ? kEmpty : state_->report;
}

void LoraTrainer::Finish(LoraWeights* out) {
  if (state_ == nullptr) return;
  *out = state_->validation.empty() ? std::move(state_->w) : std::move(state_->best);
  state_.reset();
}

Status TrainLora(const Trajectory* trajectories, size_t count, uint32_t dimensions, const LoraConfig& config,
                 LoraWeights* out, TrainReport* report) {
  LoraTrainer trainer;
  if (Status s = trainer.Start(trajectories, count, dimensions, config); !s.ok()) return s;
  if (Status s = trainer.Step(config.epochs); !s.ok()) return s;
  if (report != nullptr) *report = trainer.report();
  trainer.Finish(out);
  return Status::Ok();
}

}  // namespace ruv::learn
