// Scalar twins of quantization: the formulas of quant.h as plain float32 loops (this file is
// compiled with -ffp-contract=off so each operation rounds on its own, as in JavaScript).
#include <cmath>
#include <cstring>

#include "ruv/reference.h"

namespace ruv::reference {

void MinMax(const float* v, size_t n, float* min, float* max) {
  *min = v[0];
  *max = v[0];
  for (size_t i = 1; i < n; ++i) {
    if (v[i] < *min) *min = v[i];
    if (v[i] > *max) *max = v[i];
  }
}

float AffineScale(float min, float max, int levels) {
  if (max == min) return 0.0f;
  const float scale = static_cast<float>(levels) / (max - min);
  return std::isfinite(scale) ? scale : 0.0f;
}

float AffineStep(float min, float max, int levels) { return (max - min) / static_cast<float>(levels); }

void AffineEncode(const float* v, size_t n, float min, float scale, int levels, uint8_t* codes) {
  const float top = static_cast<float>(levels);
  for (size_t i = 0; i < n; ++i) {
    const float t = (v[i] - min) * scale;
    float r = std::nearbyint(t);  // default rounding mode: nearest, ties to even
    if (r < 0.0f) r = 0.0f;
    if (r > top) r = top;
    codes[i] = static_cast<uint8_t>(r);
  }
}

void AffineDecode(const uint8_t* codes, size_t n, float min, float step, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float scaled = static_cast<float>(codes[i]) * step;
    out[i] = min + scaled;
  }
}

void BinaryEncode(const float* v, size_t n, uint8_t* bits) {
  std::memset(bits, 0, (n + 7) / 8);
  for (size_t i = 0; i < n; ++i) {
    if (v[i] > 0.0f) bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8)));
  }
}

void Quantize(const float* v, size_t dim, const QuantConfig& config, uint8_t* out) {
  if (config.type == QuantType::kBinary) {
    BinaryEncode(v, dim, out);
    return;
  }
  float min = config.min, max = config.max;
  if (!config.has_fixed_range) {
    MinMax(v, dim, &min, &max);
    std::memcpy(out, &min, sizeof(float));
    std::memcpy(out + sizeof(float), &max, sizeof(float));
    out += 2 * sizeof(float);
  }
  const int levels = config.type == QuantType::kScalar ? 255 : 15;
  const float scale = AffineScale(min, max, levels);
  if (config.type == QuantType::kScalar) {
    AffineEncode(v, dim, min, scale, levels, out);
    return;
  }
  std::memset(out, 0, (dim + 1) / 2);
  for (size_t i = 0; i < dim; ++i) {
    uint8_t code;
    AffineEncode(v + i, 1, min, scale, levels, &code);
    out[i / 2] = static_cast<uint8_t>(out[i / 2] | (code << ((i % 2) * 4)));
  }
}

void Dequantize(const uint8_t* codes, size_t dim, const QuantConfig& config, float* out) {
  if (config.type == QuantType::kBinary) {
    for (size_t i = 0; i < dim; ++i) out[i] = ((codes[i / 8] >> (i % 8)) & 1) != 0 ? 1.0f : -1.0f;
    return;
  }
  float min = config.min, max = config.max;
  if (!config.has_fixed_range) {
    std::memcpy(&min, codes, sizeof(float));
    std::memcpy(&max, codes + sizeof(float), sizeof(float));
    codes += 2 * sizeof(float);
  }
  const int levels = config.type == QuantType::kScalar ? 255 : 15;
  const float step = AffineStep(min, max, levels);
  for (size_t i = 0; i < dim; ++i) {
    const uint8_t code =
        config.type == QuantType::kScalar ? codes[i] : (codes[i / 2] >> ((i % 2) * 4)) & 0x0F;
    AffineDecode(&code, 1, min, step, out + i);
  }
}

}  // namespace ruv::reference
