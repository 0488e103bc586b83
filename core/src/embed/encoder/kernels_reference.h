// Scalar twins of the encoder kernels (kernels.h): plain loops accumulating in double, the oracle
// the SIMD kernels are tested against on every target. Same contracts as kernels.h, except that
// ReferenceGemm takes the weight unpacked ([n, k] row-major).
#pragma once

#include <cstddef>
#include <cstdint>

#include "embed/bert_model.h"

namespace ruv::embed::reference {

void Gemm(const float* a, size_t m, size_t k, const float* w, size_t n, const float* bias, float* c);
// The int8 GEMM from float a and quantized weights q [n, k] (kernels::QuantizeWeightRows):
// each row of a quantized as kernels::QuantizeRows documents, the products summed in int64.
void GemmQ8(const float* a, size_t m, size_t k, const int8_t* q, const float* scales, size_t n,
            const float* bias, float* c);
float Activation(float x, HiddenAct act);
void BiasActivation(float* x, size_t rows, size_t cols, const float* bias, HiddenAct act);
void BiasResidualLayerNorm(const float* x, const float* bias, float* residual, size_t rows, size_t cols,
                           const float* gamma, const float* beta, float eps);
void LayerNorm(float* x, size_t rows, size_t cols, const float* gamma, const float* beta, float eps);
void SoftmaxRow(float* x, size_t n);
void AttentionSequence(const float* qkv, size_t len, size_t hidden, size_t num_heads, float* scores,
                       float* ctx);

}  // namespace ruv::embed::reference
