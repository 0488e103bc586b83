/* ruvector-runtime C ABI, learning part (core/include/ruv/learn.h): a pattern store behind an
 * opaque handle, and stateless calls over adapters and Fishers held by the caller as plain float
 * arrays (the JS layer owns those objects and their bytes, so they move freely between backends).
 * Same error model as ruv_capi.h. Function names stay on their "RUV_API" line (the wasm export
 * list is read from these headers).
 *
 * An adapter is (dim, rank, alpha, params): params = A (rank x dim) then B (dim x rank),
 * row-major, n_params = 2 * rank * dim. A Fisher is one value per parameter plus its anchor's
 * params. Trajectories cross as four parallel arrays: queries and targets (count x dim floats),
 * verdicts (count bytes: 0 positive, 1 negative, 2 neutral) and rewards (count floats, > 0).
 *
 * Packed pattern record (little-endian, every field 4 bytes), decoded by js/src/learning/codec.ts:
 *   uint32 type | uint32 usage | uint32 success | uint32 active | uint32 id_len | uint32 meta_len
 *   | float32 embedding[dim] | id bytes | metadata bytes
 * Match results (a ruv_bytes): uint32 count | uint32 dim | count x (float32 score |
 *   float32 raw_similarity | record). */
#ifndef RUV_CAPI_LEARN_H_
#define RUV_CAPI_LEARN_H_

#include "ruv_capi.h"
#include "ruv_capi_hnsw.h" /* ruv_bytes */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ruv_patterns ruv_patterns;
typedef struct ruv_lora_trainer ruv_lora_trainer;
typedef struct ruv_fisher_job ruv_fisher_job;

/* Training options (ruv::learn::LoraConfig); 64 bytes, no padding; js/src/learning/codec.ts writes it. */
typedef struct ruv_lora_config_t {
  uint32_t rank;
  float alpha;
  uint32_t epochs;
  uint32_t batch_size;
  float learning_rate;
  float weight_decay;
  float temperature;
  float negative_margin;
  float negative_weight;
  float validation_split;
  uint32_t patience;
  uint32_t min_trajectories;
  uint64_t seed;
  float ewc_lambda; /* used when a Fisher is given */
  uint32_t reserved;
} ruv_lora_config_t;
#define RUV_LORA_CONFIG_BYTES 64

/* What a training step reports: 16 bytes. */
typedef struct ruv_lora_report_t {
  uint32_t epochs_run;
  uint32_t done; /* 1 when training has ended (all epochs, or early stop) */
  float train_loss;
  float best_validation_loss; /* 0 without a validation split */
} ruv_lora_report_t;

/* ---- pattern store ---------------------------------------------------------------------------
 * Not thread-safe: one call at a time per handle. */
RUV_API int32_t ruv_patterns_create(uint32_t dim, uint32_t min_uses, double min_success_rate,
                                    ruv_patterns** out);
/* core/src/learn/FORMAT.md; RUV_CORRUPT_DATA for anything malformed. */
RUV_API int32_t ruv_patterns_deserialize(const uint8_t* data, size_t size, ruv_patterns** out);
RUV_API void ruv_patterns_free(ruv_patterns* h);
RUV_API int32_t ruv_patterns_serialize(const ruv_patterns* h, ruv_bytes** out);
RUV_API int32_t ruv_patterns_size(const ruv_patterns* h, uint32_t* out);
/* From `n` patterns on, match walks an HNSW index (built on the first such match, approximate);
 * 0: always the exact scan. Default RUV_PATTERNS_HNSW_MIN. */
#define RUV_PATTERNS_HNSW_MIN 4096
RUV_API int32_t ruv_patterns_set_hnsw_min(ruv_patterns* h, uint32_t n);
/* out[0] = size, out[1] = hnsw_min, out[2] = 1 while an HNSW index is kept, out[3] = active patterns. */
RUV_API int32_t ruv_patterns_info(const ruv_patterns* h, uint32_t* out);
/* Adds or replaces (same id). type 0..3; metadata is opaque UTF-8 (JSON from the JS layer). */
RUV_API int32_t ruv_patterns_add(ruv_patterns* h, const char* id, size_t id_len, int32_t type,
                                 const char* meta, size_t meta_len, uint32_t usage, uint32_t success,
                                 const float* v, size_t dim);
RUV_API int32_t ruv_patterns_remove(ruv_patterns* h, const char* id, size_t id_len, int32_t* removed);
/* *found = 1 if a pattern has this id (nothing is copied). */
RUV_API int32_t ruv_patterns_has(const ruv_patterns* h, const char* id, size_t id_len, int32_t* found);
RUV_API int32_t ruv_patterns_record_outcome(ruv_patterns* h, const char* id, size_t id_len, int32_t success);
/* *out: uint32 dim | record, or an empty bytes object when the id is not there. */
RUV_API int32_t ruv_patterns_get(const ruv_patterns* h, const char* id, size_t id_len, ruv_bytes** out);
/* The pattern at position `index` < size (an order that changes on add/remove), as ruv_patterns_get. */
RUV_API int32_t ruv_patterns_at(const ruv_patterns* h, uint32_t index, ruv_bytes** out);
/* Match results (layout above). adapter_params NULL: no adapter (then rank/alpha are ignored). */
RUV_API int32_t ruv_patterns_match(const ruv_patterns* h, const float* q, size_t dim, float threshold,
                                   uint32_t limit, uint32_t type_mask, uint32_t adapter_rank,
                                   float adapter_alpha, const float* adapter_params, size_t n_params,
                                   ruv_bytes** out);

/* ---- adapters (stateless) -------------------------------------------------------------------- */
/* A fresh adapter's params (A ~ N(0, 1/dim) from seed, B = 0) into out (n_params floats). */
RUV_API int32_t ruv_lora_init(uint32_t dim, uint32_t rank, float alpha, uint64_t seed, float* out,
                              size_t n_params);
/* out = f(x) for count rows of dim floats (out may alias x). */
RUV_API int32_t ruv_lora_apply(uint32_t dim, uint32_t rank, float alpha, const float* params, size_t n_params,
                               const float* x, size_t count, float* out);
/* Starts training. initial (n_params, or NULL: the Fisher's anchor, else fresh from the seed);
 * fisher_values + fisher_anchor (n_params each, or both NULL): the EWC penalty with ewc_lambda.
 * Everything is copied: the arrays may be freed once this returns. */
RUV_API int32_t ruv_lora_train_start(uint32_t dim, const float* queries, const float* targets,
                                     const uint8_t* verdicts, const float* rewards, size_t count,
                                     const ruv_lora_config_t* config, const float* initial,
                                     const float* fisher_values, const float* fisher_anchor, size_t n_params,
                                     ruv_lora_trainer** out);
/* Runs up to `epochs` more epochs; *report (may be NULL) says where training is. */
RUV_API int32_t ruv_lora_train_step(ruv_lora_trainer* t, uint32_t epochs, ruv_lora_report_t* report);
/* The trained params (n_params floats; the best on validation when there is a split). Ends training. */
RUV_API int32_t ruv_lora_train_finish(ruv_lora_trainer* t, float* out, size_t n_params);
RUV_API void ruv_lora_trainer_free(ruv_lora_trainer* t);

/* ---- EWC (stateless) ------------------------------------------------------------------------- */
/* Diagonal Fisher (mean 1) of the adapter on the trajectories, with config's batch size,
 * temperature and margin, computed in steps (a few batches each) so a caller can yield between
 * them: start (everything copied), step until *done, finish into out (n_params floats), free. */
RUV_API int32_t ruv_fisher_start(uint32_t dim, uint32_t rank, float alpha, const float* params,
                                 size_t n_params, const float* queries, const float* targets,
                                 const uint8_t* verdicts, const float* rewards, size_t count,
                                 const ruv_lora_config_t* config, ruv_fisher_job** out);
RUV_API int32_t ruv_fisher_step(ruv_fisher_job* job, uint32_t batches, int32_t* done);
RUV_API int32_t ruv_fisher_finish(ruv_fisher_job* job, float* out, size_t n_params);
RUV_API void ruv_fisher_job_free(ruv_fisher_job* job);
/* Online EWC: out = normalize_mean1(gamma * older + newer). */
RUV_API int32_t ruv_fisher_merge(uint32_t dim, uint32_t rank, float alpha, const float* older,
                                 const float* newer, const float* newer_anchor, size_t n_params, float gamma,
                                 float* out);
/* out = anchor + (params - anchor) / (1 + lambda * fisher). */
RUV_API int32_t ruv_ewc_apply(uint32_t dim, uint32_t rank, float alpha, const float* params,
                              const float* anchor, const float* fisher, size_t n_params, float lambda,
                              float* out);

#ifdef __cplusplus
}
#endif

#endif /* RUV_CAPI_LEARN_H_ */
