/* ruvector-runtime C ABI, HNSW part: the index of core/include/ruv/hnsw.h behind an opaque handle,
 * for both bindings (Node-API addon, Emscripten module). Same error model as ruv_capi.h: every
 * function returning int32_t returns a ruv_status, and on failure the message is kept per thread
 * for ruv_last_error_message(). Nothing here aborts, prints or lets an exception escape.
 *
 * Only plain pointers and sizes cross (no callbacks needed except the optional allow-predicate),
 * so the same calls work from wasm through the heap.
 *
 * Ids are UTF-8 byte strings given as (pointer, length), not NUL-terminated. A list of ids is
 * "packed": the bytes of all ids back to back in one buffer of `ids_size` bytes, plus one
 * uint32_t length per id; the lengths must add up to exactly `ids_size`.
 *
 * Concurrency (that of ruv::HnswIndex): search, contains, serialize and stats on one handle may run
 * concurrently from several threads; insert, insert_batch and remove take the index exclusively
 * (they wait for running searches; a waiting writer goes ahead of later searches). ruv_hnsw_free
 * must not race with any other call on the same handle. Results and bytes objects are independent
 * of the index once returned.
 *
 * wasm note: bindings/wasm/CMakeLists.txt exports every function declared on a line starting
 * "RUV_API ... ruv_name(" in core/capi/ruv_capi*.h: keep each declaration's name on that line.
 * The uint64_t `seed` of ruv_hnsw_create becomes a BigInt/i64 on the JS side (or a lo/hi i32 pair
 * when Emscripten legalizes i64 without -sWASM_BIGINT); stats are read from memory, not returned.
 *
 * Results cross as bytes, decoded in one place on the JS side (js/src/hnsw/codec.ts), whatever the
 * binding: a search writes one packed hits buffer, stats one fixed struct (layouts below). */
#ifndef RUV_CAPI_HNSW_H_
#define RUV_CAPI_HNSW_H_

#include "ruv_capi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Storage of the vectors; mirrors ruv::HnswStorage (numbers are part of the serialized format). */
typedef enum ruv_hnsw_storage { RUV_HNSW_FLOAT32 = 0, RUV_HNSW_INT8 = 1 } ruv_hnsw_storage;

typedef struct ruv_hnsw ruv_hnsw;   /* one index */
typedef struct ruv_bytes ruv_bytes; /* an owned byte buffer (serialized index, packed hits) */

/* Allow-predicate of a search: nonzero lets the entry `id` be returned. Called during the graph
 * walk, on the thread that called ruv_hnsw_search, with the index held shared: it must not call
 * into the same index (a write would deadlock). */
typedef int32_t (*ruv_hnsw_allow_fn)(void* ctx, const char* id, size_t id_len);

/* What ruv_hnsw_stats writes: RUV_HNSW_STATS_COUNT uint64_t in this order, no padding (the
 * order of ruv::HnswStats, then the config's metric and storage). js/src/hnsw/codec.ts reads it. */
typedef struct ruv_hnsw_stats_t {
  uint64_t count; /* live entries */
  uint64_t slots; /* live + free slots */
  uint64_t dimensions;
  uint64_t m;
  uint64_t ef_construction;
  uint64_t ef_search;
  uint64_t max_level;
  uint64_t vector_bytes;
  uint64_t memory_bytes;
  uint64_t metric;  /* a ruv_metric */
  uint64_t storage; /* a ruv_hnsw_storage */
} ruv_hnsw_stats_t;
#define RUV_HNSW_STATS_COUNT 11

/* Packed hits of one search (a ruv_bytes), best first; little-endian, every field 4 bytes:
 *   uint32 count | uint32 ids_size | float32 scores[count] | float32 distances[count]
 *   | uint32 id_lens[count] | ids_size bytes of UTF-8 ids back to back.
 * score: similarity, larger is better: cos (cosine), -L2 (euclidean), a.b (dot_product);
 * distance: the metric's, smaller is closer (ruv_distance's). */
#define RUV_HNSW_HITS_HEADER_BYTES 8

/* ---- lifetime --------------------------------------------------------------------------------
 * Config limits (ruv::ValidateHnswConfig): dim 1..65536, m 2..128, ef_construction >= 1,
 * ef_search >= 1, metric a ruv_metric, storage a ruv_hnsw_storage. RUV_INVALID_ARGUMENT otherwise. */
RUV_API int32_t ruv_hnsw_create(uint32_t dim, uint32_t m, uint32_t ef_construction, uint32_t ef_search,
                                int32_t metric, int32_t storage, uint64_t seed, ruv_hnsw** out);
/* Loads bytes written by ruv_hnsw_serialize (core/src/hnsw/FORMAT.md). RUV_CORRUPT_DATA for
 * anything malformed; never crashes on hostile bytes. */
RUV_API int32_t ruv_hnsw_deserialize(const uint8_t* data, size_t size, ruv_hnsw** out);
/* NULL-safe. */
RUV_API void ruv_hnsw_free(ruv_hnsw* h);

/* ---- writes ----------------------------------------------------------------------------------
 * `dim` is the length of each vector and must equal the index's (RUV_DIMENSION_MISMATCH).
 * An existing id is replaced. RUV_INVALID_ARGUMENT for an empty id, RUV_NON_FINITE for NaN/Inf. */
RUV_API int32_t ruv_hnsw_insert(ruv_hnsw* h, const char* id, size_t id_len, const float* v, size_t dim);
/* `count` entries: packed ids (ids, ids_size, id_lens) and `flat`, count x dim floats row-major.
 * Validates every entry before inserting any; a later duplicate id replaces an earlier one.
 * threads: 0 = all hardware threads, 1 = the calling thread only. count == 0 does nothing. */
RUV_API int32_t ruv_hnsw_insert_batch(ruv_hnsw* h, const char* ids, size_t ids_size, const uint32_t* id_lens,
                                      size_t count, const float* flat, size_t dim, uint32_t threads);
/* Makes room for `count` more entries, so that running out of the memory that grows with the index
 * happens here (RUV_OUT_OF_MEMORY, nothing changed) rather than part-way through inserting them:
 * a caller inserting one batch in several calls reserves for all of it first. */
RUV_API int32_t ruv_hnsw_reserve(ruv_hnsw* h, size_t count);
/* *removed (may be NULL) = 1 when the id was present, else 0. */
RUV_API int32_t ruv_hnsw_remove(ruv_hnsw* h, const char* id, size_t id_len, int32_t* removed);

/* ---- reads -----------------------------------------------------------------------------------
 * Up to k live entries nearest to q (dim floats), best first; ef == 0 uses the index's ef_search.
 * Filters (evaluated during the walk, never a post-filter; when both are given an entry must pass
 * both): an allow-list of packed ids (ids that are not in the index are ignored), and/or a
 * predicate (allow_fn NULL: none). No allow-list: allow_ids NULL and allow_count 0. An empty
 * allow-list (allow_ids non-NULL, allow_count 0, allow_ids_size 0) allows nothing: empty results
 * (the query is still checked). k == 0 gives empty results.
 * *out is a new bytes object holding the packed hits (layout above; free it with ruv_bytes_free);
 * untouched on failure. */
RUV_API int32_t ruv_hnsw_search(const ruv_hnsw* h, const float* q, size_t dim, size_t k, uint32_t ef,
                                const char* allow_ids, size_t allow_ids_size, const uint32_t* allow_lens,
                                size_t allow_count, ruv_hnsw_allow_fn allow_fn, void* allow_ctx,
                                ruv_bytes** out);
/* *out = 1 when id is a live entry, else 0. */
RUV_API int32_t ruv_hnsw_contains(const ruv_hnsw* h, const char* id, size_t id_len, int32_t* out);
/* The ids of up to max_count live entries from slot `start` on, in slot order, packed as hits
 * (layout above, scores and distances 0) in a new bytes object *out; *next is the slot to go on
 * from (>= the slot count when none is left). Entries written between calls may be missed or
 * listed again. */
RUV_API int32_t ruv_hnsw_list_ids(const ruv_hnsw* h, uint32_t start, uint32_t max_count, ruv_bytes** out,
                                  uint32_t* next);
/* Counters and config of the index (ruv_hnsw_stats_t). */
RUV_API int32_t ruv_hnsw_stats(const ruv_hnsw* h, ruv_hnsw_stats_t* out);
/* *out is a new bytes object holding the whole index (one consistent snapshot). */
RUV_API int32_t ruv_hnsw_serialize(const ruv_hnsw* h, ruv_bytes** out);
/* An annotation kept with the index and in its bytes (FORMAT.md, version 2): opaque UTF-8 of at
 * most 1 MiB (e.g. the embedding model's provenance); length 0 removes it. RUV_INVALID_ARGUMENT
 * for bytes that are not UTF-8 or too long. */
RUV_API int32_t ruv_hnsw_set_annotation(ruv_hnsw* h, const char* text, size_t len);
/* *out is a new bytes object holding the annotation (size 0: none). */
RUV_API int32_t ruv_hnsw_annotation(const ruv_hnsw* h, ruv_bytes** out);

/* ---- owned bytes (NULL-safe: size 0, data NULL) ---------------------------------------------- */
RUV_API size_t ruv_bytes_size(const ruv_bytes* b);
/* Valid until ruv_bytes_free(b); NULL when size is 0. */
RUV_API const uint8_t* ruv_bytes_data(const ruv_bytes* b);
RUV_API void ruv_bytes_free(ruv_bytes* b);

#ifdef __cplusplus
}
#endif

#endif /* RUV_CAPI_HNSW_H_ */
