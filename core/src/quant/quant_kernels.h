// SIMD-dispatched building blocks of quantization (quant_kernels-inl.h). Each has a scalar twin in
// ruv/reference.h that produces bit-identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ruv::quant {

// What FiniteMinMax's per-target kernel returns (one type for every target's dispatch table).
struct MinMaxResult {
  float min;
  float max;
  bool finite;
};

// Minimum and maximum of v[0, n), n > 0. Returns false (and leaves min/max unspecified) when v
// holds NaN or +-Infinity.
bool FiniteMinMax(const float* v, size_t n, float* min, float* max);

// codes[i] = clamp(round_half_even((v[i] - min) * scale), 0, levels) where
// scale = AffineScale(min, max, levels); min <= max, v finite.
void AffineEncode(const float* v, size_t n, float min, float max, float scale, uint8_t* codes);

// out[j] = codes[2j] | codes[2j + 1] << 4 for j < pairs (codes <= 15).
void PackNibbles(const uint8_t* codes, size_t pairs, uint8_t* out);

// codes[2j] = packed[j] & 15, codes[2j + 1] = packed[j] >> 4 for j < pairs.
void UnpackNibblePairs(const uint8_t* packed, size_t pairs, uint8_t* codes);

// out[i] = min + codes[i] * step.
void AffineDecode(const uint8_t* codes, size_t n, float min, float step, float* out);

// Bit i % 8 of bits[i / 8] = v[i] > 0; writes ceil(n / 8) bytes, padding bits zero.
void BinaryEncode(const float* v, size_t n, uint8_t* bits);

}  // namespace ruv::quant
