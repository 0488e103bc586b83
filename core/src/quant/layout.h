// Byte layouts and affine parameters shared by Quantize, Dequantize and QuantizedDistance
// (the layouts themselves are documented in ruv/quant.h).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "ruv/quant.h"
#include "ruv/status.h"

namespace ruv::quant {

static_assert(std::endian::native == std::endian::little,
              "the stored f32 range is little-endian and copied as is");

// [f32 min][f32 max] in front of per-vector codes.
inline constexpr size_t kRangeHeaderBytes = 2 * sizeof(float);

// Elements per stack buffer when int4 nibbles are unpacked to bytes (even, so pairs never split).
inline constexpr size_t kUnpackChunk = 2048;

struct Range {
  float min = 0.0f;
  float max = 0.0f;
};

inline int Levels(QuantType type) { return type == QuantType::kScalar ? 255 : 15; }

inline bool StoresRange(const QuantConfig& config) {
  return config.type != QuantType::kBinary && !config.has_fixed_range;
}

// scale = levels / (max - min) in float32. It is 0 when max == min, and also when the range is so
// narrow (below ~1e-37) that the quotient overflows: every element then codes as 0 (decoding to
// min, off by less than the range itself) instead of producing NaN codes.
float AffineScale(float min, float max, int levels);

// step = (max - min) / levels in float32.
inline float AffineStep(float min, float max, int levels) { return (max - min) / static_cast<float>(levels); }

// A usable range: finite bounds, min <= max, and max - min representable in float32.
bool IsValidRange(float min, float max);

// Reads and checks the stored range of untrusted per-vector codes (kCorruptData if unusable).
Status ReadStoredRange(const uint8_t* codes, Range* range);

// Elements [begin, begin + n) of int4 codes (element 2i in the low nibble of byte i), one byte
// per element; begin must be even.
void UnpackNibbles(const uint8_t* nibbles, size_t begin, size_t n, uint8_t* out);

}  // namespace ruv::quant
