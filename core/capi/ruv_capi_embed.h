/* ruvector-runtime C ABI, embeddings part: a sentence-embedding model (tokenizer + BERT encoder +
 * pooling, core/src/embed) behind an opaque handle, for both bindings. Same error model as
 * ruv_capi.h: every function returning int32_t returns a ruv_status, and on failure the message is
 * kept per thread for ruv_last_error_message(). Nothing here aborts, prints or lets an exception
 * escape.
 *
 * A model is loaded from one bundle (core/src/embed/model/BUNDLE.md: the files of a Hugging Face
 * model folder in one checksummed byte string), so the same call serves a folder, a URL, a Hub id
 * and bytes: the TypeScript layer gathers the files and packs them. The bundle is copied: the
 * caller may free it as soon as ruv_embed_load returns.
 *
 * Texts are UTF-8 byte strings "packed" like HNSW ids (ruv_capi_hnsw.h): the bytes of all texts
 * back to back in one buffer of `texts_size` bytes plus one uint32_t length per text, adding up to
 * exactly `texts_size`. Invalid UTF-8 is read as U+FFFD per bad sequence.
 *
 * Concurrency: a loaded model is read-only; ruv_embed_texts / ruv_embed_tokenize /
 * ruv_embed_hidden_states may run concurrently on one handle from several threads (each call has
 * its own scratch). ruv_embed_free must not race with any other call on the same handle.
 *
 * wasm note: keep each declaration's name on its "RUV_API" line (bindings/wasm reads them). */
#ifndef RUV_CAPI_EMBED_H_
#define RUV_CAPI_EMBED_H_

#include "ruv_capi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ruv_embed ruv_embed; /* one loaded model */

/* Pooling of token states into one vector; mirrors ruv::embed::Pooling. */
typedef enum ruv_embed_pooling {
  RUV_EMBED_POOLING_FROM_FILES = -1, /* 1_Pooling/config.json, else mean */
  RUV_EMBED_POOLING_MEAN = 0,
  RUV_EMBED_POOLING_CLS = 1
} ruv_embed_pooling;

/* Which weight file of the bundle to use. */
typedef enum ruv_embed_weights {
  RUV_EMBED_WEIGHTS_AUTO = 0, /* model.safetensors, else onnx/model.onnx, else onnx/model_quantized.onnx */
  RUV_EMBED_WEIGHTS_ONNX = 1,
  RUV_EMBED_WEIGHTS_SAFETENSORS = 2,
  RUV_EMBED_WEIGHTS_ONNX_QUANTIZED = 3 /* onnx/model_quantized.onnx (quantize_dynamic's int8 export) */
} ruv_embed_weights;

/* Options of ruv_embed_load. Zero-initialized means every default. */
typedef struct ruv_embed_options {
  uint32_t max_tokens; /* 0: the model's own rule (embedding_model.h "max tokens"); else 2..positions */
  int32_t pooling;     /* a ruv_embed_pooling */
  int32_t normalize;   /* -1: from the files (modules.json's Normalize, else yes); 0: no; 1: yes */
  int32_t weights;     /* a ruv_embed_weights */
  int32_t truncation;  /* -1: the tokenizer's own side (else right); 0: right (keep the start); 1: left (keep
                          the end) */
  uint32_t threads;    /* threads of a forward pass, the caller's included: 0 RUVECTOR_THREADS, else every
                          core; else 1..256. A build without threads (wasm) uses 1 (see ruv_embed_info). */
  int32_t dtype;       /* 0 float32; 1 int8 ("q8": weights per output channel, activations per token) */
  int32_t digests_checked; /* 1: the caller has checked every file's SHA-256 against the bundle's table
                              (the JS layer does as it reads, downloads or decodes files), so the core
                              does not hash them again; every other bundle rule is checked. 0: verify. */
} ruv_embed_options;

/* Number of uint32_t values written by ruv_embed_info, in this order:
 * dimensions, max_tokens, max_tokens_source (a ruv_embed_max_tokens_source), pooling (0 mean, 1 cls),
 * normalize (0/1), vocab_size, layers, heads, intermediate_size, max_positions,
 * weights (1 onnx, 2 safetensors, 3 onnx quantized), hidden_act (0 gelu, 1 gelu_new, 2 relu),
 * truncation (0 right, 1 left), threads (what a forward pass runs on), dtype (0 fp32, 1 q8),
 * weight_kib (KiB of weights the model holds, packed or quantized), weight_kib_in_file (KiB of those
 * that lie in the bundle's own bytes: ruv_embed_load_taking). */
#define RUV_EMBED_INFO_COUNT 17

/* Where max_tokens came from. */
typedef enum ruv_embed_max_tokens_source {
  RUV_EMBED_MAX_TOKENS_OPTION = 0,        /* ruv_embed_options.max_tokens */
  RUV_EMBED_MAX_TOKENS_SENTENCE_BERT = 1, /* sentence_bert_config.json max_seq_length */
  RUV_EMBED_MAX_TOKENS_TOKENIZER = 2,     /* tokenizer.json truncation / tokenizer_config model_max_length */
  RUV_EMBED_MAX_TOKENS_POSITIONS = 3      /* config.json max_position_embeddings */
} ruv_embed_max_tokens_source;

/* Loads a model from a bundle. RUV_CORRUPT_DATA for bytes that do not parse (bundle, JSON,
 * protobuf, safetensors), RUV_MODEL_LOAD_FAILED for files that parse but are not a BERT model this
 * runtime can run (the message names the file and the field, op or tensor), RUV_INVALID_ARGUMENT
 * for bad options. *out untouched on failure. */
RUV_API int32_t ruv_embed_load(const uint8_t* bundle, size_t size, const ruv_embed_options* options,
                               ruv_embed** out);
/* The same for a bundle the caller hands over: `bundle` is a block from ruv_alloc, which on
 * success the model keeps (freed by ruv_embed_free) and overwrites, packing float32 weights in
 * place of their file bytes instead of beside them (weight_kib_in_file says how many). So a model
 * takes about one copy of its weights, not the file plus the weights: what matters in wasm, whose
 * heap never shrinks. On failure the block is still the caller's to free (its bytes may have
 * changed). */
RUV_API int32_t ruv_embed_load_taking(uint8_t* bundle, size_t size, const ruv_embed_options* options,
                                      ruv_embed** out);
/* Copies bytes [offset, offset + n) of a file to dst; returns 1, or 0 when it cannot. */
typedef int32_t (*ruv_embed_read_fn)(void* ctx, size_t offset, uint8_t* dst, size_t n);
/* The same as ruv_embed_load for a bundle without its model.safetensors, which is read in pieces
 * through `read` (`safetensors_size` bytes) instead: the load never holds the file, only what it
 * packs from it. What wasm's q8 load of a float32 file needs (its heap never shrinks: holding the
 * 90 MB file for 23 MB of int8 weights would keep 113 MB). `read` is called during this call
 * only, on the calling thread (the weights are then packed on it alone). A failed read fails the
 * load (RUV_INTERNAL). */
RUV_API int32_t ruv_embed_load_sourced(const uint8_t* bundle, size_t size, const ruv_embed_options* options,
                                       size_t safetensors_size, ruv_embed_read_fn read, void* ctx,
                                       ruv_embed** out);
/* NULL-safe. */
RUV_API void ruv_embed_free(ruv_embed* m);
/* out[0..RUV_EMBED_INFO_COUNT-1], see above. */
RUV_API int32_t ruv_embed_info(const ruv_embed* m, uint32_t* out);

/* Embeds `count` packed texts into out (count x dimensions floats, row-major), one forward pass
 * over the whole batch with sequences packed end to end: a text's vector does not depend on the
 * other texts of the batch. `out_len` must be count x dimensions (RUV_DIMENSION_MISMATCH). */
RUV_API int32_t ruv_embed_texts(const ruv_embed* m, const char* texts, size_t texts_size,
                                const uint32_t* lens, size_t count, float* out, size_t out_len);

/* Token ids of one text (pair_len == 0 and pair NULL: a single text; else a pair) after
 * truncation to max_tokens (special tokens counted). Writes up to `capacity` ids and type ids and
 * sets *count to the full number (call again with a larger buffer when *count > capacity). */
RUV_API int32_t ruv_embed_tokenize(const ruv_embed* m, const char* text, size_t text_len, const char* pair,
                                   size_t pair_len, int32_t* ids, int32_t* type_ids, size_t capacity,
                                   size_t* count);

/* Splits `text` into overlapping pieces of at most `tokens` tokens each, special tokens included
 * (0: the model's max_tokens), cut at whitespace, consecutive pieces sharing whole words of at most
 * `overlap` tokens (core/src/embed/chunking/chunking.h). Writes up to `capacity` pieces into
 * `spans` as (begin, end) byte offsets (2 x capacity values) and sets *count to the full number
 * (call again with a larger buffer when *count > capacity). RUV_INVALID_ARGUMENT for tokens
 * outside 3..max_tokens, overlap not below the piece's content, or a text over 4 GiB. */
RUV_API int32_t ruv_embed_chunk(const ruv_embed* m, const char* text, size_t text_len, uint32_t tokens,
                                uint32_t overlap, uint32_t* spans, size_t capacity, size_t* count);

/* The encoder's last_hidden_state for given token sequences (for tests against reference runtimes):
 * `count` sequences of `lens[i]` ids packed in `ids`/`type_ids` (total = sum of lens), out =
 * total x dimensions floats. Ids are checked against the vocabulary (RUV_INVALID_ARGUMENT). */
RUV_API int32_t ruv_embed_hidden_states(const ruv_embed* m, const int32_t* ids, const int32_t* type_ids,
                                        const uint32_t* lens, size_t count, float* out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* RUV_CAPI_EMBED_H_ */
