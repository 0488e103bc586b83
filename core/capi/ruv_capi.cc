// The C ABI over the core (ruv_capi.h): argument validation, status codes and the per-thread
// last-error message (capi_error.h: shared with the other capi files). Nothing here throws across
// the boundary, aborts or prints.
#include "ruv_capi.h"

#include <cstdlib>
#include <limits>
#include <new>
#include <string>

#include "capi_error.h"
#include "ruv/quant.h"
#include "ruv/status.h"
#include "ruv/vector_ops.h"

namespace ruv::capi {

namespace {
thread_local std::string g_last_error;
}  // namespace

int32_t Fail(ruv::ErrorCode code, const char* message) noexcept {
  try {
    g_last_error = message;
  } catch (...) {
    g_last_error.clear();
  }
  return static_cast<int32_t>(code);
}

int32_t Report(const char* function, const ruv::Status& status) noexcept {
  if (status.ok()) return RUV_OK;
  try {
    g_last_error = function == nullptr ? status.message() : std::string(function) + ": " + status.message();
  } catch (...) {
    g_last_error.clear();
  }
  return static_cast<int32_t>(status.code());
}

const char* LastErrorMessage() noexcept { return g_last_error.c_str(); }

}  // namespace ruv::capi

namespace {

using ruv::capi::Fail;
using ruv::capi::Guard;
using ruv::capi::Report;

constexpr auto kInvalid = ruv::ErrorCode::kInvalidArgument;

bool IsValidQuantType(int32_t type) {
  return type == RUV_QUANT_SCALAR || type == RUV_QUANT_INT4 || type == RUV_QUANT_BINARY;
}

ruv::QuantConfig MakeConfig(int32_t type, int32_t has_range, float min, float max) {
  ruv::QuantConfig config;
  config.type = static_cast<ruv::QuantType>(type);
  config.has_fixed_range = has_range != 0;
  config.min = min;
  config.max = max;
  return config;
}

}  // namespace

extern "C" {

const char* ruv_last_error_message(void) { return ruv::capi::LastErrorMessage(); }

int32_t ruv_abi_version(void) { return 2; }

const char* ruv_simd_target(void) { return ruv::ActiveSimdTarget(); }

void ruv_noop(void) {}

int32_t ruv_distance(const float* a, const float* b, size_t dim, int32_t metric, float* out) {
  return Guard([&]() -> int32_t {
    if (dim == 0) return Fail(kInvalid, "ruv_distance: dim must be > 0");
    if (a == nullptr || b == nullptr || out == nullptr) return Fail(kInvalid, "ruv_distance: null pointer");
    if (!ruv::IsValidMetric(metric)) return Fail(kInvalid, "ruv_distance: unknown metric");
    *out = ruv::Distance(a, b, dim, static_cast<ruv::Metric>(metric));
    return RUV_OK;
  });
}

int32_t ruv_batch_distance(const float* query, const float* vectors, size_t count, size_t dim, int32_t metric,
                           float* out) {
  return Guard([&]() -> int32_t {
    if (dim == 0) return Fail(kInvalid, "ruv_batch_distance: dim must be > 0");
    if (!ruv::IsValidMetric(metric)) return Fail(kInvalid, "ruv_batch_distance: unknown metric");
    if (query == nullptr) return Fail(kInvalid, "ruv_batch_distance: null query");
    if (count == 0) return RUV_OK;
    if (vectors == nullptr || out == nullptr)
      return Fail(kInvalid, "ruv_batch_distance: null vectors or output");
    if (count > std::numeric_limits<size_t>::max() / dim / sizeof(float)) {
      return Fail(kInvalid, "ruv_batch_distance: count * dim overflows");
    }
    ruv::BatchDistance(query, vectors, count, dim, static_cast<ruv::Metric>(metric), out);
    return RUV_OK;
  });
}

int32_t ruv_dot_above(const float* query, const float* vectors, size_t count, size_t dim, float threshold,
                      uint32_t* out_index, float* out_dot, size_t* out_found) {
  return Guard([&]() -> int32_t {
    if (dim == 0) return Fail(kInvalid, "ruv_dot_above: dim must be > 0");
    if (query == nullptr || out_found == nullptr) return Fail(kInvalid, "ruv_dot_above: null query or count");
    *out_found = 0;
    if (count == 0) return RUV_OK;
    if (vectors == nullptr || out_index == nullptr || out_dot == nullptr)
      return Fail(kInvalid, "ruv_dot_above: null vectors or output");
    if (count > std::numeric_limits<uint32_t>::max() ||
        count > std::numeric_limits<size_t>::max() / dim / sizeof(float)) {
      return Fail(kInvalid, "ruv_dot_above: count is too large");
    }
    *out_found = ruv::DotAbove(query, vectors, count, dim, threshold, out_index, out_dot);
    return RUV_OK;
  });
}

int32_t ruv_normalize(const float* v, size_t dim, float* out) {
  return Guard([&]() -> int32_t {
    if (dim == 0) return Fail(kInvalid, "ruv_normalize: dim must be > 0");
    if (v == nullptr || out == nullptr) return Fail(kInvalid, "ruv_normalize: null pointer");
    ruv::Normalize(v, dim, out);
    return RUV_OK;
  });
}

size_t ruv_quantized_size(int32_t type, int32_t has_range, size_t dim) {
  if (!IsValidQuantType(type)) return 0;
  return ruv::QuantizedSize(MakeConfig(type, has_range, 0.0f, 0.0f), dim);
}

int32_t ruv_quantize(const float* v, size_t dim, int32_t type, int32_t has_range, float min, float max,
                     uint8_t* out, size_t out_len) {
  return Guard([&]() -> int32_t {
    if (!IsValidQuantType(type)) return Fail(kInvalid, "ruv_quantize: unknown quantization type");
    if (dim == 0) return Fail(kInvalid, "ruv_quantize: dim must be > 0");
    if (v == nullptr) return Fail(kInvalid, "ruv_quantize: null vector");
    if (out == nullptr && out_len != 0) return Fail(kInvalid, "ruv_quantize: null output");
    if (out == nullptr) return Fail(ruv::ErrorCode::kDimensionMismatch, "ruv_quantize: empty output buffer");
    return Report("ruv_quantize", ruv::Quantize(v, dim, MakeConfig(type, has_range, min, max), out, out_len));
  });
}

int32_t ruv_dequantize(const uint8_t* codes, size_t codes_len, size_t dim, int32_t type, int32_t has_range,
                       float min, float max, float* out) {
  return Guard([&]() -> int32_t {
    if (!IsValidQuantType(type)) return Fail(kInvalid, "ruv_dequantize: unknown quantization type");
    if (dim == 0) return Fail(kInvalid, "ruv_dequantize: dim must be > 0");
    if (codes == nullptr && codes_len != 0) return Fail(kInvalid, "ruv_dequantize: null codes");
    if (out == nullptr) return Fail(kInvalid, "ruv_dequantize: null output");
    if (codes == nullptr) return Fail(ruv::ErrorCode::kDimensionMismatch, "ruv_dequantize: empty codes");
    return Report("ruv_dequantize",
                  ruv::Dequantize(codes, codes_len, dim, MakeConfig(type, has_range, min, max), out));
  });
}

int32_t ruv_quantized_distance(const uint8_t* a, const uint8_t* b, size_t codes_len, size_t dim, int32_t type,
                               int32_t has_range, float min, float max, int32_t metric, float* out) {
  return Guard([&]() -> int32_t {
    if (!IsValidQuantType(type)) return Fail(kInvalid, "ruv_quantized_distance: unknown quantization type");
    if (!ruv::IsValidMetric(metric)) return Fail(kInvalid, "ruv_quantized_distance: unknown metric");
    if (dim == 0) return Fail(kInvalid, "ruv_quantized_distance: dim must be > 0");
    if ((a == nullptr || b == nullptr) && codes_len != 0)
      return Fail(kInvalid, "ruv_quantized_distance: null codes");
    if (out == nullptr) return Fail(kInvalid, "ruv_quantized_distance: null output");
    if (a == nullptr || b == nullptr) {
      return Fail(ruv::ErrorCode::kDimensionMismatch, "ruv_quantized_distance: empty codes");
    }
    return Report("ruv_quantized_distance",
                  ruv::QuantizedDistance(a, b, codes_len, dim, MakeConfig(type, has_range, min, max),
                                         static_cast<ruv::Metric>(metric), out));
  });
}

int32_t ruv_hamming_distance(const uint8_t* a, const uint8_t* b, size_t bytes, uint32_t* out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_hamming_distance: null output");
    if (bytes != 0 && (a == nullptr || b == nullptr))
      return Fail(kInvalid, "ruv_hamming_distance: null codes");
    *out = bytes == 0 ? 0 : ruv::HammingDistance(a, b, bytes);
    return RUV_OK;
  });
}

void* ruv_alloc(size_t bytes) {
  constexpr size_t kAlign = 64;
  // aligned_alloc wants a multiple of the alignment; 0 bytes still yields a unique pointer.
  if (bytes > std::numeric_limits<size_t>::max() - kAlign) {
    Fail(ruv::ErrorCode::kOutOfMemory, "ruv_alloc: size overflows");
    return nullptr;
  }
  const size_t rounded = bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (p == nullptr) Fail(ruv::ErrorCode::kOutOfMemory, "ruv_alloc: out of memory");
  return p;
}

void ruv_free(void* p) { std::free(p); }

}  // extern "C"
