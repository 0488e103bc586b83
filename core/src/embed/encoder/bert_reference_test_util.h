// An independent float64 BERT forward for the encoder's tests: textbook formulas on the unpacked
// weights (separate Q, K, V, scale applied to the scores, one sequence at a time), sharing no code
// with the encoder or its kernels. Also seeded random configs and weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "embed/bert_model.h"
#include "testing/test_util.h"

namespace ruv::embed::test {

using ::ruv::test::kSanitized;

inline BertConfig TinyConfig() {
  BertConfig c;
  c.vocab_size = 100;
  c.hidden_size = 32;
  c.num_layers = 2;
  c.num_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 64;
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12f;
  return c;
}

// all-MiniLM-L6-v2's shapes with a small vocabulary (the vocabulary only sizes a lookup table).
inline BertConfig MiniLmShapedConfig() {
  BertConfig c;
  c.vocab_size = 1000;
  c.hidden_size = 384;
  c.num_layers = 6;
  c.num_heads = 12;
  c.intermediate_size = 1536;
  c.max_position_embeddings = 512;
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12f;
  return c;
}

// Linear weights uniform in +-1.5/sqrt(in_features) (a bit above PyTorch's default init, so
// attention is far from uniform and the FFN matters), embeddings in +-1, LayerNorm gamma in
// [0.5, 1.5] and beta in +-0.2: every part of the network moves the output.
inline BertWeights RandomBertWeights(const BertConfig& c, uint32_t seed) {
  std::mt19937 rng(seed);
  auto fill = [&rng](size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
  };
  const size_t h = c.hidden_size, i = c.intermediate_size;
  const float ah = 1.5f / std::sqrt(static_cast<float>(h)), ai = 1.5f / std::sqrt(static_cast<float>(i));
  BertWeights w;
  w.word_embeddings = fill(size_t(c.vocab_size) * h, -1.0f, 1.0f);
  w.position_embeddings = fill(size_t(c.max_position_embeddings) * h, -1.0f, 1.0f);
  w.token_type_embeddings = fill(size_t(c.type_vocab_size) * h, -1.0f, 1.0f);
  w.emb_ln_gamma = fill(h, 0.5f, 1.5f);
  w.emb_ln_beta = fill(h, -0.2f, 0.2f);
  for (int32_t l = 0; l < c.num_layers; ++l) {
    BertLayerWeights L;
    L.q_w = fill(h * h, -ah, ah), L.q_b = fill(h, -0.2f, 0.2f);
    L.k_w = fill(h * h, -ah, ah), L.k_b = fill(h, -0.2f, 0.2f);
    L.v_w = fill(h * h, -ah, ah), L.v_b = fill(h, -0.2f, 0.2f);
    L.attn_out_w = fill(h * h, -ah, ah), L.attn_out_b = fill(h, -0.2f, 0.2f);
    L.attn_ln_gamma = fill(h, 0.5f, 1.5f), L.attn_ln_beta = fill(h, -0.2f, 0.2f);
    L.inter_w = fill(i * h, -ah, ah), L.inter_b = fill(i, -0.2f, 0.2f);
    L.out_w = fill(h * i, -ai, ai), L.out_b = fill(h, -0.2f, 0.2f);
    L.out_ln_gamma = fill(h, 0.5f, 1.5f), L.out_ln_beta = fill(h, -0.2f, 0.2f);
    w.layers.push_back(std::move(L));
  }
  return w;
}

using Matrix = std::vector<double>;  // row-major

// y[t, o] = b[o] + sum_i x[t, i] W[o, i]
inline Matrix RefLinear(const Matrix& x, size_t rows, size_t in, const std::vector<float>& w,
                        const std::vector<float>& b, size_t out) {
  Matrix y(rows * out);
  for (size_t t = 0; t < rows; ++t)
    for (size_t o = 0; o < out; ++o) {
      const float* wr = w.data() + o * in;
      const double* xr = x.data() + t * in;
      // Four partial sums only to shorten the dependency chain (the 512-token case stays fast).
      double s[4] = {0, 0, 0, 0};
      size_t i = 0;
      for (; i + 4 <= in; i += 4)
        for (size_t u = 0; u < 4; ++u) s[u] += xr[i + u] * wr[i + u];
      for (; i < in; ++i) s[0] += xr[i] * wr[i];
      y[t * out + o] = b[o] + ((s[0] + s[1]) + (s[2] + s[3]));
    }
  return y;
}

inline void RefLayerNorm(Matrix* x, size_t rows, size_t cols, const std::vector<float>& g,
                         const std::vector<float>& b, double eps) {
  for (size_t t = 0; t < rows; ++t) {
    double* r = x->data() + t * cols;
    double mean = 0, var = 0;
    for (size_t j = 0; j < cols; ++j) mean += r[j];
    mean /= cols;
    for (size_t j = 0; j < cols; ++j) var += (r[j] - mean) * (r[j] - mean);
    var /= cols;
    for (size_t j = 0; j < cols; ++j) r[j] = (r[j] - mean) / std::sqrt(var + eps) * g[j] + b[j];
  }
}

inline double RefActivation(double x, HiddenAct act) {
  switch (act) {
    case HiddenAct::kGelu:
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case HiddenAct::kGeluNew:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case HiddenAct::kRelu:
      return x > 0 ? x : 0;
  }
  return x;
}

// last_hidden_state [len, hidden] of one sequence, as BertModel computes it.
inline Matrix RefBertForward(const BertConfig& c, const BertWeights& w, const std::vector<int32_t>& ids,
                             const std::vector<int32_t>& type_ids) {
  const size_t n = ids.size(), h = c.hidden_size, inter = c.intermediate_size;
  const size_t heads = c.num_heads, hd = h / heads;
  Matrix x(n * h);
  for (size_t t = 0; t < n; ++t)
    for (size_t j = 0; j < h; ++j)
      x[t * h + j] = double(w.word_embeddings[ids[t] * h + j]) + w.position_embeddings[t * h + j] +
                     w.token_type_embeddings[type_ids[t] * h + j];
  RefLayerNorm(&x, n, h, w.emb_ln_gamma, w.emb_ln_beta, c.layer_norm_eps);
  for (const BertLayerWeights& L : w.layers) {
    const Matrix q = RefLinear(x, n, h, L.q_w, L.q_b, h), k = RefLinear(x, n, h, L.k_w, L.k_b, h),
                 v = RefLinear(x, n, h, L.v_w, L.v_b, h);
    Matrix ctx(n * h, 0.0);
    std::vector<double> p(n);
    for (size_t hh = 0; hh < heads; ++hh)
      for (size_t i = 0; i < n; ++i) {
        double max = -INFINITY, sum = 0;
        for (size_t j = 0; j < n; ++j) {
          double s = 0;
          for (size_t d = 0; d < hd; ++d) s += q[i * h + hh * hd + d] * k[j * h + hh * hd + d];
          p[j] = s / std::sqrt(double(hd));
          max = std::max(max, p[j]);
        }
        for (size_t j = 0; j < n; ++j) sum += p[j] = std::exp(p[j] - max);
        for (size_t j = 0; j < n; ++j)
          for (size_t d = 0; d < hd; ++d) ctx[i * h + hh * hd + d] += p[j] / sum * v[j * h + hh * hd + d];
      }
    Matrix a = RefLinear(ctx, n, h, L.attn_out_w, L.attn_out_b, h);
    for (size_t e = 0; e < n * h; ++e) a[e] += x[e];
    RefLayerNorm(&a, n, h, L.attn_ln_gamma, L.attn_ln_beta, c.layer_norm_eps);
    Matrix f = RefLinear(a, n, h, L.inter_w, L.inter_b, inter);
    for (double& e : f) e = RefActivation(e, c.hidden_act);
    Matrix o = RefLinear(f, n, inter, L.out_w, L.out_b, h);
    for (size_t e = 0; e < n * h; ++e) o[e] += a[e];
    RefLayerNorm(&o, n, h, L.out_ln_gamma, L.out_ln_beta, c.layer_norm_eps);
    x = std::move(o);
  }
  return x;
}

}  // namespace ruv::embed::test
