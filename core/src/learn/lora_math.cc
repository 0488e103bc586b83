#include "lora_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "ruv/vector_ops.h"

namespace ruv::learn::internal {

float DotFixed(const float* a, const float* b, size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  for (size_t k = 0; i < n; ++i, ++k) acc[k] += a[i] * b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

void Forward(const LoraWeights& w, const float* x, float* h, float* y, float* norm) {
  const size_t d = w.dimensions();
  const size_t r = w.rank();
  const float s = w.scale();
  const float* a = w.a();
  const float* b = w.b();
  for (size_t k = 0; k < r; ++k) h[k] = DotFixed(a + k * d, x, d);
  for (size_t i = 0; i < d; ++i) y[i] = x[i] + s * DotFixed(b + i * r, h, r);
  const float n = std::sqrt(DotFixed(y, y, d));
  *norm = n;
  if (n == 0.0f) return;  // y is already all zero
  const float inv = 1.0f / n;
  for (size_t i = 0; i < d; ++i) y[i] *= inv;
}

void Backward(const LoraWeights& w, const float* x, const float* h, const float* y, float norm,
              const float* g, float* grad, float* du) {
  if (norm == 0.0f) return;  // normalize() of a zero vector is constant: no gradient
  const size_t d = w.dimensions();
  const size_t r = w.rank();
  const float s = w.scale();
  const float* b = w.b();
  // y = u / |u|: du = (g - (g . y) y) / |u|
  const float gy = DotFixed(g, y, d);
  const float inv = 1.0f / norm;
  for (size_t i = 0; i < d; ++i) du[i] = (g[i] - gy * y[i]) * inv;
  float* grad_a = grad;
  float* grad_b = grad + r * d;
  // u = x + s B h: dB[i][k] = s du[i] h[k]; dh[k] = s sum_i B[i][k] du[i]
  float dh[LoraWeights::kMaxRank];
  for (size_t k = 0; k < r; ++k) dh[k] = 0;
  for (size_t i = 0; i < d; ++i) {
    const float sdu = s * du[i];
    const float* brow = b + i * r;
    float* gbrow = grad_b + i * r;
    for (size_t k = 0; k < r; ++k) {
      gbrow[k] += sdu * h[k];
      dh[k] += sdu * brow[k];
    }
  }
  // h = A x: dA[k][j] = dh[k] x[j]
  for (size_t k = 0; k < r; ++k) {
    float* garow = grad_a + k * d;
    const float c = dh[k];
    for (size_t j = 0; j < d; ++j) garow[j] += c * x[j];
  }
}

Status CollectExamples(const Trajectory* trajectories, size_t count, uint32_t dimensions, Examples* out) {
  *out = {};
  out->dimensions = dimensions;
  const size_t d = dimensions;
  for (size_t i = 0; i < count; ++i) {
    const Trajectory& t = trajectories[i];
    const std::string where = "learning: trajectory " + std::to_string(i) + ": ";
    if (static_cast<uint32_t>(t.verdict) > 2) return {ErrorCode::kInvalidArgument, where + "unknown verdict"};
    if (!std::isfinite(t.reward) || t.reward <= 0.0f) {
      return {ErrorCode::kInvalidArgument, where + "reward must be a finite number > 0"};
    }
    if (!AllFinite(t.query, d) || !AllFinite(t.target, d)) {
      return {ErrorCode::kNonFinite, where + "query or target holds NaN or Infinity"};
    }
    if (t.verdict == Verdict::kNeutral) continue;
    const size_t row = out->size();
    out->queries.resize((row + 1) * d);
    out->targets.resize((row + 1) * d);
    float* q = out->queries.data() + row * d;
    float* g = out->targets.data() + row * d;
    Normalize(t.query, d, q);
    Normalize(t.target, d, g);
    if (DotFixed(q, q, d) == 0.0f || DotFixed(g, g, d) == 0.0f) {
      return {ErrorCode::kInvalidArgument, where + "a zero query or target has no direction"};
    }
    out->sign.push_back(t.verdict == Verdict::kPositive ? 1 : -1);
    out->weight.push_back(t.reward);
  }
  return Status::Ok();
}

float BatchLoss(const Examples& ex, const uint32_t* rows, size_t n, const float* y, const LoraConfig& config,
                bool per_sample, float* gy) {
  const size_t d = ex.dimensions;
  std::memset(gy, 0, n * d * sizeof(float));
  std::vector<size_t> pos;
  size_t negatives = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ex.sign[rows[i]] > 0) {
      pos.push_back(i);
    } else {
      ++negatives;
    }
  }
  float loss = 0;
  const float inv_tau = 1.0f / config.temperature;
  if (pos.size() > 1) {
    const float pos_scale = per_sample ? 1.0f : 1.0f / static_cast<float>(pos.size());
    std::vector<float> logits(pos.size());
    std::vector<float> shifted(pos.size());
    for (size_t a = 0; a < pos.size(); ++a) {
      const float* ya = y + pos[a] * d;
      float max_logit = -INFINITY;
      for (size_t c = 0; c < pos.size(); ++c) {
        logits[c] = DotFixed(ya, ex.targets.data() + size_t{rows[pos[c]]} * d, d) * inv_tau;
        max_logit = std::max(max_logit, logits[c]);
      }
      float sum = 0;
      for (size_t c = 0; c < pos.size(); ++c) {
        shifted[c] = logits[c] - max_logit;
        logits[c] = std::exp(shifted[c]);
        sum += logits[c];
      }
      const float w = ex.weight[rows[pos[a]]] * pos_scale;
      // -log p_aa = log(sum) - (z_aa - max): never the log of an underflowed exp
      loss += w * (std::log(sum) - shifted[a]);
      float* g = gy + pos[a] * d;
      for (size_t c = 0; c < pos.size(); ++c) {
        const float coeff = w * ((logits[c] / sum) - (c == a ? 1.0f : 0.0f)) * inv_tau;
        const float* t = ex.targets.data() + size_t{rows[pos[c]]} * d;
        for (size_t j = 0; j < d; ++j) g[j] += coeff * t[j];
      }
    }
  }
  if (negatives > 0 && config.negative_weight > 0) {
    const float neg_scale = config.negative_weight / (per_sample ? 1.0f : static_cast<float>(negatives));
    for (size_t i = 0; i < n; ++i) {
      if (ex.sign[rows[i]] > 0) continue;
      const float* t = ex.targets.data() + size_t{rows[i]} * d;
      const float hinge = DotFixed(y + i * d, t, d) - config.negative_margin;
      if (hinge <= 0) continue;
      const float w = ex.weight[rows[i]] * neg_scale;
      loss += w * hinge;
      float* g = gy + i * d;
      for (size_t j = 0; j < d; ++j) g[j] += w * t[j];
    }
  }
  return loss;
}

}  // namespace ruv::learn::internal
