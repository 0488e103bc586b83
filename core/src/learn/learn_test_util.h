// Tasks with a known answer for the learning tests: a hidden rotation of a subspace maps each
// query to its target; retrieval of held-out queries' targets measures what an adapter learned.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/random.h"
#include "ruv/learn.h"
#include "ruv/vector_ops.h"

namespace ruv::learn::test {

struct Task {
  uint32_t dim = 0;
  std::vector<float> queries;  // n x dim
  std::vector<float> targets;  // n x dim
  size_t size() const { return queries.size() / dim; }
  const float* query(size_t i) const { return queries.data() + i * dim; }
  const float* target(size_t i) const { return targets.data() + i * dim; }
};

// A random orthogonal k x k matrix (Gram-Schmidt of Gaussian columns), row-major.
inline std::vector<double> RandomRotation(uint32_t k, SeededRandom* rng) {
  std::vector<double> m(size_t{k} * k);
  for (double& x : m) x = rng->Normal();
  for (uint32_t c = 0; c < k; ++c) {
    for (uint32_t p = 0; p < c; ++p) {
      double dot = 0;
      for (uint32_t r = 0; r < k; ++r) dot += m[r * k + c] * m[r * k + p];
      for (uint32_t r = 0; r < k; ++r) m[r * k + c] -= dot * m[r * k + p];
    }
    double norm = 0;
    for (uint32_t r = 0; r < k; ++r) norm += m[r * k + c] * m[r * k + c];
    norm = std::sqrt(norm);
    for (uint32_t r = 0; r < k; ++r) m[r * k + c] /= norm;
  }
  return m;
}

// Queries live in coordinates [q_off, q_off + k) (plus small noise everywhere); each target is
// normalize(R z + noise) placed in coordinates [t_off, t_off + k), R a hidden rotation.
struct TaskSpec {
  uint32_t dim = 384;
  uint32_t k = 16;
  uint32_t query_offset = 0;
  uint32_t target_offset = 0;
  float noise = 0.02f;
};

inline Task MakeTask(const TaskSpec& spec, const std::vector<double>& rotation, size_t n, SeededRandom* rng) {
  Task t;
  t.dim = spec.dim;
  t.queries.assign(n * spec.dim, 0.0f);
  t.targets.assign(n * spec.dim, 0.0f);
  std::vector<double> z(spec.k);
  for (size_t i = 0; i < n; ++i) {
    for (double& v : z) v = rng->Normal();
    float* q = t.queries.data() + i * spec.dim;
    float* g = t.targets.data() + i * spec.dim;
    for (uint32_t j = 0; j < spec.dim; ++j) {
      q[j] = static_cast<float>(spec.noise * rng->Normal());
      g[j] = static_cast<float>(spec.noise * rng->Normal());
    }
    for (uint32_t r = 0; r < spec.k; ++r) {
      q[spec.query_offset + r] += static_cast<float>(z[r] / std::sqrt(static_cast<double>(spec.k)));
      double rz = 0;
      for (uint32_t c = 0; c < spec.k; ++c) rz += rotation[size_t{r} * spec.k + c] * z[c];
      g[spec.target_offset + r] += static_cast<float>(rz / std::sqrt(static_cast<double>(spec.k)));
    }
    Normalize(q, spec.dim, q);
    Normalize(g, spec.dim, g);
  }
  return t;
}

inline std::vector<Trajectory> Positives(const Task& t, size_t begin, size_t end) {
  std::vector<Trajectory> out;
  for (size_t i = begin; i < end; ++i) out.push_back({t.query(i), t.target(i), Verdict::kPositive, 1.0f});
  return out;
}

// Share of queries [begin, end) whose own target is the nearest (cosine) among all of t's
// targets, after the adapter (or raw when null).
inline double TopOne(const Task& t, size_t begin, size_t end, const LoraWeights* adapter) {
  std::vector<float> q(t.dim);
  std::vector<float> dist(t.size());
  size_t hits = 0;
  for (size_t i = begin; i < end; ++i) {
    if (adapter != nullptr) {
      adapter->Apply(t.query(i), 1, q.data());
    } else {
      Normalize(t.query(i), t.dim, q.data());
    }
    BatchDistance(q.data(), t.targets.data(), t.size(), t.dim, Metric::kCosine, dist.data());
    size_t best = 0;
    for (size_t j = 1; j < dist.size(); ++j) {
      if (dist[j] < dist[best]) best = j;
    }
    hits += best == i;
  }
  return static_cast<double>(hits) / static_cast<double>(end - begin);
}

}  // namespace ruv::learn::test
