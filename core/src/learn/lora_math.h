// The adapter's forward and backward passes and the training loss, shared by TrainLora and
// ComputeFisher. Plain scalar loops with a fixed reduction order (eight independent partial sums,
// combined pairwise), so native and wasm compute the same floats: the compiler may vectorize the
// independent sums but never reorders them (-ffp-contract=off, no -ffast-math).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ruv/learn.h"

namespace ruv::learn::internal {

float DotFixed(const float* a, const float* b, size_t n);

// One row: h = A x (rank), u = x + s B h, norm = |u|, y = u / norm (0 if norm is 0).
void Forward(const LoraWeights& w, const float* x, float* h, float* y, float* norm);

// Adds dL/dtheta for one row to `grad` (A's part then B's, as LoraWeights::params()), given
// g = dL/dy. `du` is scratch of dimensions() floats.
void Backward(const LoraWeights& w, const float* x, const float* h, const float* y, float norm,
              const float* g, float* grad, float* du);

// The usable trajectories of a training set: unit queries and unit targets in two row-major
// blocks, a sign per row (+1 positive, -1 negative) and a weight (the reward).
struct Examples {
  uint32_t dimensions = 0;
  std::vector<float> queries;
  std::vector<float> targets;
  std::vector<int8_t> sign;
  std::vector<float> weight;
  size_t size() const { return sign.size(); }
};

// Validates and copies; neutral verdicts are skipped.
Status CollectExamples(const Trajectory* trajectories, size_t count, uint32_t dimensions, Examples* out);

// The loss of one batch (rows `rows[0..n)` of `ex`) at the adapted queries `y` (n x dim), and
// dL/dy per row into `gy` (n x dim):
//   InfoNCE over the batch's positives: -w_i log softmax_j(y_i . t_j / tau)[i], averaged over
//   the positives; plus negative_weight * w_i * max(0, y_i . t_i - margin), averaged over the
//   negatives. With `per_sample`, each row's gradient is of its own term alone (no averaging):
//   what the Fisher needs.
float BatchLoss(const Examples& ex, const uint32_t* rows, size_t n, const float* y, const LoraConfig& config,
                bool per_sample, float* gy);

}  // namespace ruv::learn::internal
