// Scalar twins of every SIMD kernel: plain loops, double accumulation where it helps. They are the
// oracles of the unit tests and the model the pure-TypeScript backend follows. They are compiled
// with -ffp-contract=off, so the quantization twins produce exactly the codes quant.h specifies.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ruv/quant.h"
#include "ruv/vector_ops.h"

namespace ruv::reference {

// ---- float kernels (vector_ops.h) ----
double Dot(const float* a, const float* b, size_t dim);
double SquaredL2(const float* a, const float* b, size_t dim);
double SumSquares(const float* v, size_t dim);
// Metric distance in double; cosine of a zero vector is 1.
double Distance(const float* a, const float* b, size_t dim, Metric metric);
void BatchDistance(const float* query, const float* vectors, size_t count, size_t dim, Metric metric,
                   float* out);
void Normalize(const float* v, size_t dim, float* out);
bool AllFinite(const float* v, size_t n);

// ---- integer code kernels (quant.h) ----
uint64_t DotU8(const uint8_t* a, const uint8_t* b, size_t n);
uint64_t SquaredL2U8(const uint8_t* a, const uint8_t* b, size_t n);
uint64_t SumU8(const uint8_t* a, size_t n);
uint64_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes);
// sum q_i * codes_i in double (twin of simd::DotF32U8, the int8 HNSW row product).
double DotF32U8(const float* q, const uint8_t* codes, size_t n);
// sum q_i * codes_i in int64 (twin of simd::DotI16U8).
int64_t DotI16U8(const int16_t* q, const uint8_t* codes, size_t n);

// ---- quantization (formulas of quant.h, float32, no FMA) ----
// min and max of v (v finite, n > 0).
void MinMax(const float* v, size_t n, float* min, float* max);
// scale = levels / (max - min) in float32; 0 when max == min or when the quotient overflows
// (a range narrower than ~1e-37: every element then codes as 0).
float AffineScale(float min, float max, int levels);
// step = (max - min) / levels.
float AffineStep(float min, float max, int levels);
// code = clamp(round_half_even((x - min) * scale), 0, levels), one byte per element.
void AffineEncode(const float* v, size_t n, float min, float scale, int levels, uint8_t* codes);
// value = min + code * step.
void AffineDecode(const uint8_t* codes, size_t n, float min, float step, float* out);
// Bit i % 8 of byte i / 8 set when v[i] > 0.
void BinaryEncode(const float* v, size_t n, uint8_t* bits);
// Whole Quantize / Dequantize on the layouts of quant.h, for a valid config, finite v and
// dim > 0 (out holds QuantizedSize(config, dim) bytes).
void Quantize(const float* v, size_t dim, const QuantConfig& config, uint8_t* out);
void Dequantize(const uint8_t* codes, size_t dim, const QuantConfig& config, float* out);

}  // namespace ruv::reference
