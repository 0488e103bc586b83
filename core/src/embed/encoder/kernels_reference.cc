#include "embed/encoder/kernels_reference.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ruv::embed::reference {

void Gemm(const float* a, size_t m, size_t k, const float* w, size_t n, const float* bias, float* c) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double sum = bias != nullptr ? bias[j] : 0.0;
      for (size_t p = 0; p < k; ++p) sum += static_cast<double>(a[i * k + p]) * w[j * k + p];
      c[i * n + j] = static_cast<float>(sum);
    }
  }
}

void GemmQ8(const float* a, size_t m, size_t k, const int8_t* q, const float* scales, size_t n,
            const float* bias, float* c) {
  std::vector<int32_t> qa(k);
  for (size_t i = 0; i < m; ++i) {
    const float* x = a + i * k;
    float mn = 0.0f, mx = 0.0f;
    for (size_t e = 0; e < k; ++e) {
      mn = std::min(mn, x[e]);
      mx = std::max(mx, x[e]);
    }
    const float scale = mx > mn ? (mx - mn) / 255.0f : 1.0f;
    const float inv = 1.0f / scale;
    const int32_t zp = std::clamp(static_cast<int32_t>(std::nearbyint(-mn * inv)), 0, 255);
    for (size_t e = 0; e < k; ++e)
      qa[e] = std::clamp(static_cast<int32_t>(std::nearbyint(x[e] * inv)) + zp, 0, 255) - zp;
    for (size_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (size_t e = 0; e < k; ++e) sum += int64_t{qa[e]} * q[j * k + e];
      c[i * n + j] = static_cast<float>(static_cast<double>(sum) * scale * scales[j] +
                                        (bias != nullptr ? bias[j] : 0.0));
    }
  }
}

float Activation(float x, HiddenAct act) {
  const double v = x;
  switch (act) {
    case HiddenAct::kGelu:
      return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    case HiddenAct::kGeluNew: {
      const double kSqrt2OverPi = 0.7978845608028654;
      return static_cast<float>(0.5 * v * (1.0 + std::tanh(kSqrt2OverPi * (v + 0.044715 * v * v * v))));
    }
    case HiddenAct::kRelu:
      return x > 0.0f ? x : 0.0f;
  }
  return x;
}

void BiasActivation(float* x, size_t rows, size_t cols, const float* bias, HiddenAct act) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < cols; ++j) x[r * cols + j] = Activation(x[r * cols + j] + bias[j], act);
}

namespace {

// Normalizes one row held in double (two passes: the mean first, then the centred variance).
void NormalizeRow(const double* v, size_t cols, const float* gamma, const float* beta, float eps,
                  float* out) {
  double mean = 0.0;
  for (size_t j = 0; j < cols; ++j) mean += v[j];
  mean /= static_cast<double>(cols);
  double var = 0.0;
  for (size_t j = 0; j < cols; ++j) var += (v[j] - mean) * (v[j] - mean);
  var /= static_cast<double>(cols);
  const double inv = 1.0 / std::sqrt(var + eps);
  for (size_t j = 0; j < cols; ++j) out[j] = static_cast<float>((v[j] - mean) * inv * gamma[j] + beta[j]);
}

}  // namespace

void BiasResidualLayerNorm(const float* x, const float* bias, float* residual, size_t rows, size_t cols,
                           const float* gamma, const float* beta, float eps) {
  std::vector<double> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j)
      row[j] =
          static_cast<double>(x[r * cols + j]) + (bias != nullptr ? bias[j] : 0.0f) + residual[r * cols + j];
    NormalizeRow(row.data(), cols, gamma, beta, eps, residual + r * cols);
  }
}

void LayerNorm(float* x, size_t rows, size_t cols, const float* gamma, const float* beta, float eps) {
  std::vector<double> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) row[j] = x[r * cols + j];
    NormalizeRow(row.data(), cols, gamma, beta, eps, x + r * cols);
  }
}

void SoftmaxRow(float* x, size_t n) {
  if (n == 0) return;
  double max = x[0];
  for (size_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  double sum = 0.0;
  std::vector<double> e(n);
  for (size_t i = 0; i < n; ++i) sum += e[i] = std::exp(x[i] - max);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(e[i] / sum);
}

void AttentionSequence(const float* qkv, size_t len, size_t hidden, size_t num_heads, float* scores,
                       float* ctx) {
  const size_t head_dim = hidden / num_heads, stride = 3 * hidden;
  for (size_t h = 0; h < num_heads; ++h) {
    const size_t off = h * head_dim;
    for (size_t i = 0; i < len; ++i) {
      const float* q = qkv + i * stride + off;
      for (size_t j = 0; j < len; ++j) {
        const float* kv = qkv + j * stride + hidden + off;
        double dot = 0.0;
        for (size_t d = 0; d < head_dim; ++d) dot += static_cast<double>(q[d]) * kv[d];
        scores[j] = static_cast<float>(dot);
      }
      SoftmaxRow(scores, len);
      for (size_t d = 0; d < head_dim; ++d) {
        double sum = 0.0;
        for (size_t j = 0; j < len; ++j)
          sum += static_cast<double>(scores[j]) * qkv[j * stride + 2 * hidden + off + d];
        ctx[i * hidden + off + d] = static_cast<float>(sum);
      }
    }
  }
}

}  // namespace ruv::embed::reference
