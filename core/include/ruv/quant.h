// Vector quantization: 8-bit affine ("scalar"), 4-bit affine ("int4") and 1-bit sign ("binary")
// codes, and distances computed directly on codes (for the quantized HNSW storage).
//
// Byte layouts (little-endian, shared by every backend and by the serialized index):
//   scalar, per-vector range : [f32 min][f32 max][dim x u8 code]
//   scalar, fixed range      : [dim x u8 code]
//   int4,   per-vector range : [f32 min][f32 max][ceil(dim/2) bytes, element 2i in the low nibble]
//   int4,   fixed range      : [ceil(dim/2) bytes]
//   binary                   : [ceil(dim/8) bytes, element i is bit (i % 8) of byte i / 8; 1 = x > 0]
// Affine coding, in float32 with no fused multiply-add so every backend produces the same codes:
//   levels = 255 (scalar) or 15 (int4); scale = levels / (max - min) (0 when max == min)
//   code   = clamp(round_half_even((x - min) * scale), 0, levels)
//   value  = min + code * ((max - min) / levels)
// Binary dequantizes to +1 / -1.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ruv/status.h"
#include "ruv/vector_ops.h"

namespace ruv {

// Numeric values are part of the C ABI: never renumber. (kProduct is reserved for trained PQ.)
enum class QuantType : int { kScalar = 0, kInt4 = 1, kBinary = 2 };

struct QuantConfig {
  QuantType type = QuantType::kScalar;
  // When false the range is computed per vector and stored in front of the codes.
  bool has_fixed_range = false;
  float min = 0.0f;
  float max = 0.0f;
};

// Bytes that Quantize writes for a vector of `dim` elements.
size_t QuantizedSize(const QuantConfig& config, size_t dim);

// Validates the config itself (finite range with min <= max, known type).
Status ValidateQuantConfig(const QuantConfig& config);

// Returns kNonFinite if v holds NaN/Inf, kInvalidArgument for a bad config or dim == 0,
// kDimensionMismatch if out_len != QuantizedSize(config, dim).
Status Quantize(const float* v, size_t dim, const QuantConfig& config, uint8_t* out, size_t out_len);

// Inverse of Quantize; `dim` says how many values the codes hold.
// kDimensionMismatch if codes_len != QuantizedSize(config, dim); kCorruptData if a stored range
// is not finite or min > max.
Status Dequantize(const uint8_t* codes, size_t codes_len, size_t dim, const QuantConfig& config, float* out);

// Distance between two code vectors of the same config and dim, without dequantizing to memory.
// scalar / int4: the metric's distance between the dequantized vectors (exact up to float
// rounding), computed with integer dot products on the codes. binary codes have no metric
// distance: they give kInvalidArgument here; use HammingDistance.
Status QuantizedDistance(const uint8_t* a, const uint8_t* b, size_t codes_len, size_t dim,
                         const QuantConfig& config, Metric metric, float* out);

// Number of differing bits between two binary codes of `bytes` bytes.
uint32_t HammingDistance(const uint8_t* a, const uint8_t* b, size_t bytes);

// Raw integer kernels on codes (SIMD-dispatched): sums over i < n.
uint32_t DotU8(const uint8_t* a, const uint8_t* b, size_t n);        // sum a_i * b_i
uint32_t SquaredL2U8(const uint8_t* a, const uint8_t* b, size_t n);  // sum (a_i - b_i)^2
uint32_t SumU8(const uint8_t* a, size_t n);                          // sum a_i

}  // namespace ruv
