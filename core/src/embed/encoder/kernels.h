// The float32 kernels of the BERT encoder, dispatched to the best SIMD target at run time
// (Highway; bodies in gemm-inl.h and rowwise-inl.h, dispatch in kernels.cc). Their scalar twins,
// the test oracles, are in kernels_reference.h.
#pragma once

#include <cstddef>

#include "embed/bert_model.h"

namespace ruv::embed::kernels {

// A Linear weight W [n, k] (row-major, PyTorch's layout) is packed once at load into panels of
// kPanelWidth output features: panel p holds, for each k index, the kPanelWidth weights
// W[p * kPanelWidth + j][k] side by side (zero-padded past n). The GEMM then reads one panel
// row as whole vectors on every target (16 floats = 1 AVX-512, 2 AVX2 or 4 SIMD128 vectors), so
// the layout does not depend on which target runs it.
inline constexpr size_t kPanelWidth = 16;

inline size_t PackedWeightSize(size_t n, size_t k) {
  return (n + kPanelWidth - 1) / kPanelWidth * kPanelWidth * k;
}

// Packs w [n, k] into `packed` (PackedWeightSize(n, k) floats).
void PackWeights(const float* w, size_t n, size_t k, float* packed);

// c[m, n] = a[m, k] x W^T + bias (bias may be null: zero), W packed by PackWeights. Rows of a
// and c are contiguous (lda = k, ldc = n).
void Gemm(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias, float* c);

// x[r, :] = act(x[r, :] + bias) for rows x cols, in place.
void BiasActivation(float* x, size_t rows, size_t cols, const float* bias, HiddenAct act);

// residual[r, :] = LayerNorm(x[r, :] + bias + residual[r, :]) * gamma + beta (bias may be null).
// BERT's "Add & Norm": the result is the next residual stream, so it is written in place.
void BiasResidualLayerNorm(const float* x, const float* bias, float* residual, size_t rows, size_t cols,
                           const float* gamma, const float* beta, float eps);

// x[r, :] = LayerNorm(x[r, :]) * gamma + beta, in place.
void LayerNorm(float* x, size_t rows, size_t cols, const float* gamma, const float* beta, float eps);

// x[0, n) = softmax(x[0, n)) in place.
void SoftmaxRow(float* x, size_t n);

// Self-attention of one sequence of `len` tokens. qkv is [len, 3 * hidden] (each token's q, k, v
// side by side, heads contiguous inside each, the 1/sqrt(head_dim) already folded into q);
// ctx [len, hidden] gets each head's softmax(q k^T) v at the head's columns. scores is scratch
// for len floats. No token of another sequence is read, so batching never changes a result.
void AttentionSequence(const float* qkv, size_t len, size_t hidden, size_t num_heads, float* scores,
                       float* ctx);

// out[i] = erf(x[i]) (exposed for its accuracy test).
void Erf(const float* x, size_t n, float* out);

}  // namespace ruv::embed::kernels
