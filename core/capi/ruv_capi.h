/* ruvector-runtime C ABI: the one seam that both bindings (Node-API addon, Emscripten module)
 * call. Plain C types only. Every function returns a ruv_status; on failure the message is kept
 * per thread and read with ruv_last_error_message(). Nothing here aborts or prints. */
#ifndef RUV_CAPI_H_
#define RUV_CAPI_H_

#include <stddef.h>
#include <stdint.h>

/* Outside extern "C": emscripten.h declares C++ templates when compiled as C++. */
#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define RUV_API EMSCRIPTEN_KEEPALIVE
#else
#define RUV_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Mirrors ruv::ErrorCode. */
typedef enum ruv_status {
  RUV_OK = 0,
  RUV_INVALID_ARGUMENT = 1,
  RUV_DIMENSION_MISMATCH = 2,
  RUV_NON_FINITE = 3,
  RUV_CORRUPT_DATA = 4,
  RUV_OUT_OF_MEMORY = 5,
  RUV_UNSUPPORTED = 6,
  RUV_INTERNAL = 7,
  RUV_MODEL_LOAD_FAILED = 8
} ruv_status;

/* Mirrors ruv::Metric. */
typedef enum ruv_metric {
  RUV_METRIC_COSINE = 0,
  RUV_METRIC_EUCLIDEAN = 1,
  RUV_METRIC_DOT_PRODUCT = 2
} ruv_metric;

/* Mirrors ruv::QuantType. */
typedef enum ruv_quant_type { RUV_QUANT_SCALAR = 0, RUV_QUANT_INT4 = 1, RUV_QUANT_BINARY = 2 } ruv_quant_type;

/* Message of the last failure on this thread ("" if none). Valid until the next failing call. */
RUV_API const char* ruv_last_error_message(void);

/* ABI version (bumped on incompatible change) and the SIMD target picked at run time. */
RUV_API int32_t ruv_abi_version(void);
RUV_API const char* ruv_simd_target(void);

/* Does nothing: lets benchmarks measure the cost of crossing a binding. */
RUV_API void ruv_noop(void);

/* ---- vector operations ---------------------------------------------------------------- */
RUV_API int32_t ruv_distance(const float* a, const float* b, size_t dim, int32_t metric, float* out);
RUV_API int32_t ruv_batch_distance(const float* query, const float* vectors, size_t count, size_t dim,
                                   int32_t metric, float* out);
/* Rows whose dot with the query is >= threshold, in row order: their indices and dots go to
 * out_index / out_dot (each with room for `count`), how many to *out_found. The dots are exactly
 * -ruv_batch_distance(RUV_METRIC_DOT_PRODUCT); count must fit in uint32. */
RUV_API int32_t ruv_dot_above(const float* query, const float* vectors, size_t count, size_t dim,
                              float threshold, uint32_t* out_index, float* out_dot, size_t* out_found);
RUV_API int32_t ruv_normalize(const float* v, size_t dim, float* out); /* out may alias v */

/* ---- quantization (layouts in core/include/ruv/quant.h) ------------------------------- *
 * has_range != 0: [min, max] is fixed by the caller and no range is stored with the codes. */
RUV_API size_t ruv_quantized_size(int32_t type, int32_t has_range, size_t dim);
RUV_API int32_t ruv_quantize(const float* v, size_t dim, int32_t type, int32_t has_range, float min,
                             float max, uint8_t* out, size_t out_len);
RUV_API int32_t ruv_dequantize(const uint8_t* codes, size_t codes_len, size_t dim, int32_t type,
                               int32_t has_range, float min, float max, float* out);
RUV_API int32_t ruv_quantized_distance(const uint8_t* a, const uint8_t* b, size_t codes_len, size_t dim,
                                       int32_t type, int32_t has_range, float min, float max, int32_t metric,
                                       float* out);
RUV_API int32_t ruv_hamming_distance(const uint8_t* a, const uint8_t* b, size_t bytes, uint32_t* out);

/* ---- scratch memory for bindings that must copy (wasm): aligned, reused, never freed per call */
RUV_API void* ruv_alloc(size_t bytes); /* 64-byte aligned; NULL on failure */
RUV_API void ruv_free(void* p);

#ifdef __cplusplus
}
#endif

#endif /* RUV_CAPI_H_ */
