// The float32 kernels of the BERT encoder, dispatched to the best SIMD target at run time
// (Highway; bodies in gemm-inl.h and rowwise-inl.h, dispatch in kernels.cc). Their scalar twins,
// the test oracles, are in kernels_reference.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/aligned_array.h"
#include "embed/bert_model.h"

namespace ruv::embed::kernels {

// A Linear weight W [n, k] (row-major, PyTorch's layout) is packed once at load into panels of
// output features as wide as two of the target's vectors (AVX-512: 32, AVX2: 16, SIMD128: 8),
// side by side per k index, zero-padded past n, in k blocks, in the order the GEMM reads them
// (gemm-inl.h). The layout is the running target's: pack and multiply under the same target
// (what run-time dispatch always picks; a test that switches targets packs again).
size_t PackedWeightSize(size_t n, size_t k);

// Packs w [n, k] into `packed` (PackedWeightSize(n, k) floats; 64-byte aligned is fastest).
void PackWeights(const float* w, size_t n, size_t k, float* packed);

// The panel width of the running target (for tests that cover every tile shape).
size_t PanelWidth();

// c[m, n] = a[m, k] x W^T + bias (bias may be null: zero), W packed by PackWeights. Rows of a
// and c are contiguous (lda = k, ldc = n).
void Gemm(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias, float* c);

// The same for the columns of panels [begin, end) only (GemmPanelCount(n) panels of PanelWidth()
// columns; the last may be partial): disjoint ranges may run on different threads, and the result
// is the same as Gemm's, bit for bit. Rows of c are `ldc` floats apart (0: n), so a weight's
// output can be columns [j, j + n) of a wider matrix (c + j): the encoder's Q, K and V.
void GemmPanels(const float* a, size_t m, size_t k, const float* packed_w, size_t n, const float* bias,
                float* c, size_t begin, size_t end, size_t ldc = 0);
size_t GemmPanelCount(size_t n);

// int8 ("q8") Linear layers (gemm_q8-inl.h). Weights are quantized once per output channel to
// 7 bits (symmetric: w ~ scale[j] * q, q in [-63, 63], so AVX2's 16-bit pair sums never
// saturate); activations per row at run time (asymmetric u8 with a zero point: a row's values
// never depend on the other rows of a batch); the products summed exactly in 32-bit integers.

// q[j, :] = round(w[j, :] / scale[j]) with scale[j] = max |w[j, :]| / levels (1 for an all-zero
// row), q in [-levels, levels] (levels <= 127).
void QuantizeSymmetricRows(const float* w, size_t n, size_t k, int32_t levels, int8_t* q, float* scales);
// The Linear weights' quantization: QuantizeSymmetricRows with 63 levels (7 bits).
void QuantizeWeightRows(const float* w, size_t n, size_t k, int8_t* q, float* scales);

// A weight [n, k] quantized and packed in the running target's layout (like PackWeights).
struct Q8Weights {
  AlignedArray<int8_t> held;       // the packed bytes, unless they lie elsewhere (`into` below)
  const int8_t* packed = nullptr;  // held's, or the caller's
  std::vector<float> scales;       // per output column, zero past n up to the panel width
  std::vector<int32_t> sums;       // sum_k q[j, k], zero past n
  size_t n = 0, k = 0;
};
// `into`, when set, receives the packed bytes (Q8PackedBytes(n, k), any alignment) instead of a
// new array: then it may be where q lay (a load packs in place of the file), as long as q is a
// copy.
Q8Weights PackWeightsQ8(const int8_t* q, const float* scales, size_t n, size_t k, int8_t* into = nullptr);
// QuantizeWeightRows then PackWeightsQ8.
Q8Weights QuantizeWeights(const float* w, size_t n, size_t k);
// The same result from a weight read a panel at a time: read(first, count, out) writes rows
// [first, first + count) of W (count <= GemmQ8PanelWidth()) as float32 to out. Holds one panel's
// float32 and int8 values beside the result, never a copy of the whole weight (a load then leaves
// no large freed block at the top of its thread's heap, which glibc would keep resident).
Q8Weights QuantizeWeightsByPanel(size_t n, size_t k,
                                 const std::function<void(size_t first, size_t count, float* out)>& read);
// Bytes of an [n, k] weight's packed int8 values in the running target's layout.
size_t Q8PackedBytes(size_t n, size_t k);
// Bytes a Q8Weights holds (what a loaded model keeps resident).
size_t Q8WeightBytes(const Q8Weights& w);

// Bytes of one quantized activation row of k values (the running target's layout).
size_t Q8RowBytes(size_t k);
// Rows [0, m) of a [m, k] into `q` (m * Q8RowBytes(k) bytes), with each row's scale and zero
// point: a[i, e] ~ scales[i] * (q[i, e] - zero_points[i]), zero exact.
void QuantizeRows(const float* a, size_t m, size_t k, void* q, float* scales, int32_t* zero_points);

// c[m, n] = dequantized (q x W^T) + bias (null: zero), for the columns of panels [begin, end) of
// GemmQ8PanelCount(n) (disjoint ranges may run on different threads; the result is the same).
// Rows of c are `ldc` floats apart (0: n), as GemmPanels'.
void GemmQ8Panels(const void* q, const float* scales, const int32_t* zero_points, size_t m,
                  const Q8Weights& w, const float* bias, float* c, size_t begin, size_t end, size_t ldc = 0);
size_t GemmQ8PanelCount(size_t n);
size_t GemmQ8PanelWidth();

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

// Self-attention of one sequence of `len` tokens, heads [begin, end) of num_heads. qkv is
// [len, 3 * hidden] (each token's q, k, v side by side, heads contiguous inside each, the
// 1/sqrt(head_dim) already folded into q); ctx [len, hidden] gets each of those heads'
// softmax(q k^T) v at the head's columns, and nothing else. scratch holds
// AttentionScratchSize(len, hidden, num_heads) floats. Disjoint head ranges may run on different
// threads, each with its own scratch. No token of another sequence is read, so batching never
// changes a result.
void AttentionHeads(const float* qkv, size_t len, size_t hidden, size_t num_heads, size_t begin, size_t end,
                    float* scratch, float* ctx);

// Floats of AttentionHeads' scratch for a sequence of `len` tokens (one head's keys and values
// packed for the GEMM, and its len x len scores).
size_t AttentionScratchSize(size_t len, size_t hidden, size_t num_heads);

// out[i] = erf(x[i]) (exposed for its accuracy test).
void Erf(const float* x, size_t n, float* out);

}  // namespace ruv::embed::kernels
