// Quantize / Dequantize: layouts and validation around the SIMD kernels of quant_kernels-inl.h.
#include "ruv/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "quant/layout.h"
#include "quant/quant_kernels.h"
#include "ruv/vector_ops.h"

namespace ruv {
namespace quant {

float AffineScale(float min, float max, int levels) {
  if (max == min) return 0.0f;
  const float scale = static_cast<float>(levels) / (max - min);
  return std::isfinite(scale) ? scale : 0.0f;
}

bool IsValidRange(float min, float max) {
  return std::isfinite(min) && std::isfinite(max) && min <= max && std::isfinite(max - min);
}

Status ReadStoredRange(const uint8_t* codes, Range* range) {
  std::memcpy(&range->min, codes, sizeof(float));
  std::memcpy(&range->max, codes + sizeof(float), sizeof(float));
  if (!IsValidRange(range->min, range->max)) {
    return Status(ErrorCode::kCorruptData, "stored quantization range is not finite or has min > max (min=" +
                                               std::to_string(range->min) +
                                               ", max=" + std::to_string(range->max) + ")");
  }
  return Status::Ok();
}

void UnpackNibbles(const uint8_t* nibbles, size_t begin, size_t n, uint8_t* out) {
  // begin is a multiple of kUnpackChunk, so element `begin` starts a byte.
  UnpackNibblePairs(nibbles + begin / 2, n / 2, out);
  if (n % 2 != 0) out[n - 1] = nibbles[(begin + n - 1) / 2] & 0x0F;
}

}  // namespace quant

namespace {

size_t CodeBytes(QuantType type, size_t dim) {
  switch (type) {
    case QuantType::kScalar:
      return dim;
    case QuantType::kInt4:
      return dim / 2 + dim % 2;
    case QuantType::kBinary:
      return dim / 8 + (dim % 8 != 0);
  }
  return 0;
}

Status CheckShape(const QuantConfig& config, size_t dim, size_t len, const char* what) {
  if (Status s = ValidateQuantConfig(config); !s.ok()) return s;
  if (dim == 0) return Status(ErrorCode::kInvalidArgument, "dim must be > 0");
  const size_t expected = QuantizedSize(config, dim);
  if (len != expected) {
    return Status(ErrorCode::kDimensionMismatch, std::string(what) + " holds " + std::to_string(len) +
                                                     " bytes, expected " + std::to_string(expected) +
                                                     " for dim " + std::to_string(dim));
  }
  return Status::Ok();
}

void EncodeInt4(const float* v, size_t dim, float min, float max, float scale, uint8_t* out) {
  uint8_t codes[quant::kUnpackChunk];
  for (size_t begin = 0; begin < dim; begin += quant::kUnpackChunk) {
    const size_t n = std::min(quant::kUnpackChunk, dim - begin);
    quant::AffineEncode(v + begin, n, min, max, scale, codes);
    uint8_t* packed = out + begin / 2;
    quant::PackNibbles(codes, n / 2, packed);
    if (n % 2 != 0) packed[n / 2] = codes[n - 1];  // high nibble of the last byte stays zero
  }
}

void DecodeInt4(const uint8_t* packed, size_t dim, float min, float step, float* out) {
  uint8_t codes[quant::kUnpackChunk];
  for (size_t begin = 0; begin < dim; begin += quant::kUnpackChunk) {
    const size_t n = std::min(quant::kUnpackChunk, dim - begin);
    quant::UnpackNibbles(packed, begin, n, codes);
    quant::AffineDecode(codes, n, min, step, out + begin);
  }
}

}  // namespace

size_t QuantizedSize(const QuantConfig& config, size_t dim) {
  if (!ValidateQuantConfig(config).ok()) return 0;
  return CodeBytes(config.type, dim) + (quant::StoresRange(config) ? quant::kRangeHeaderBytes : 0);
}

Status ValidateQuantConfig(const QuantConfig& config) {
  const int type = static_cast<int>(config.type);
  if (type < static_cast<int>(QuantType::kScalar) || type > static_cast<int>(QuantType::kBinary)) {
    return Status(ErrorCode::kInvalidArgument, "unknown quantization type " + std::to_string(type));
  }
  // Binary codes are signs: a range has no meaning for them and is ignored.
  if (config.type != QuantType::kBinary && config.has_fixed_range &&
      !quant::IsValidRange(config.min, config.max)) {
    return Status(ErrorCode::kInvalidArgument,
                  "fixed quantization range must be finite with min <= max (min=" +
                      std::to_string(config.min) + ", max=" + std::to_string(config.max) + ")");
  }
  return Status::Ok();
}

Status Quantize(const float* v, size_t dim, const QuantConfig& config, uint8_t* out, size_t out_len) {
  if (Status s = CheckShape(config, dim, out_len, "output buffer"); !s.ok()) return s;
  if (v == nullptr || out == nullptr) return Status(ErrorCode::kInvalidArgument, "null vector or output");

  quant::Range range{config.min, config.max};
  if (quant::StoresRange(config)) {
    if (!quant::FiniteMinMax(v, dim, &range.min, &range.max)) {
      return Status(ErrorCode::kNonFinite, "vector holds NaN or Infinity");
    }
    if (!std::isfinite(range.max - range.min)) {
      return Status(ErrorCode::kInvalidArgument, "vector's value range max - min overflows float32");
    }
  } else if (!AllFinite(v, dim)) {
    return Status(ErrorCode::kNonFinite, "vector holds NaN or Infinity");
  }

  if (config.type == QuantType::kBinary) {
    quant::BinaryEncode(v, dim, out);
    return Status::Ok();
  }
  uint8_t* codes = out;
  if (quant::StoresRange(config)) {
    std::memcpy(out, &range.min, sizeof(float));
    std::memcpy(out + sizeof(float), &range.max, sizeof(float));
    codes += quant::kRangeHeaderBytes;
  }
  const int levels = quant::Levels(config.type);
  const float scale = quant::AffineScale(range.min, range.max, levels);
  if (config.type == QuantType::kScalar) {
    quant::AffineEncode(v, dim, range.min, range.max, scale, codes);
  } else {
    EncodeInt4(v, dim, range.min, range.max, scale, codes);
  }
  return Status::Ok();
}

Status Dequantize(const uint8_t* codes, size_t codes_len, size_t dim, const QuantConfig& config, float* out) {
  if (Status s = CheckShape(config, dim, codes_len, "codes"); !s.ok()) return s;
  if (codes == nullptr || out == nullptr) return Status(ErrorCode::kInvalidArgument, "null codes or output");

  if (config.type == QuantType::kBinary) {
    for (size_t i = 0; i < dim; ++i) out[i] = (codes[i / 8] >> (i % 8)) & 1 ? 1.0f : -1.0f;
    return Status::Ok();
  }
  quant::Range range{config.min, config.max};
  if (quant::StoresRange(config)) {
    if (Status s = quant::ReadStoredRange(codes, &range); !s.ok()) return s;
    codes += quant::kRangeHeaderBytes;
  }
  const float step = quant::AffineStep(range.min, range.max, quant::Levels(config.type));
  if (config.type == QuantType::kScalar) {
    quant::AffineDecode(codes, dim, range.min, step, out);
  } else {
    DecodeInt4(codes, dim, range.min, step, out);
  }
  return Status::Ok();
}

}  // namespace ruv
