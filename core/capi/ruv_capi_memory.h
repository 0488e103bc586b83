/* ruvector-runtime C ABI, semantic memory part: ruv::memory::Memory (core/src/memory) behind an
 * opaque handle: an HNSW index and the texts and JSON metadata of its entries, kept in step, and
 * search with a metadata filter (MongoDB-style JSON, evaluated in the core during the walk; k
 * results whenever k entries match). Same error model and string conventions as ruv_capi_hnsw.h.
 *
 * Concurrency: search, get and count on one handle may run concurrently; put and remove take it
 * exclusively. ruv_memory_free must not race with any other call on the same handle.
 *
 * wasm note: every "RUV_API ... ruv_name(" declaration is exported (bindings/wasm/CMakeLists.txt). */
#ifndef RUV_CAPI_MEMORY_H_
#define RUV_CAPI_MEMORY_H_

#include "ruv_capi.h"
#include "ruv_capi_hnsw.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ruv_memory ruv_memory; /* one memory */

/* The index config as for ruv_hnsw_create (same limits, RUV_INVALID_ARGUMENT otherwise). */
RUV_API int32_t ruv_memory_create(uint32_t dim, uint32_t m, uint32_t ef_construction, uint32_t ef_search,
                                  int32_t metric, int32_t storage, uint64_t seed, ruv_memory** out);
/* NULL-safe. */
RUV_API void ruv_memory_free(ruv_memory* mem);

/* Adds or replaces `id`: its vector (dim floats) and its text and metadata (UTF-8 JSON of an
 * object; length 0 means {}). Everything is checked before anything changes:
 * RUV_INVALID_ARGUMENT (empty id, metadata not a JSON object, deeper than 32 or longer than
 * 1 MiB), RUV_DIMENSION_MISMATCH, RUV_NON_FINITE. v NULL with dim 0 keeps the vector stored for
 * `id` (RUV_INVALID_ARGUMENT when there is none) and replaces its text and metadata. */
RUV_API int32_t ruv_memory_put(ruv_memory* mem, const char* id, size_t id_len, const char* text,
                               size_t text_len, const char* metadata, size_t metadata_len, const float* v,
                               size_t dim);
/* ruv_memory_put for `count` entries in order (a later duplicate id wins); all are checked before
 * anything changes. Ids, texts and metadata are each packed back to back with one uint32 length
 * per entry (as ruv_hnsw_insert_batch's ids); `flat` holds count x dim floats; keep (may be
 * NULL) marks with 1 the entries that keep their stored vector (their floats are ignored).
 * threads: as ruv_hnsw_insert_batch (0: every core). Errors name the entry ("entry 3: ...").
 * defer != 0: the vectors are checked but kept as pending rows instead of linked into the graph
 * (searched exactly meanwhile; core/src/memory/pending_rows.h), for ruv_memory_index_pending. */
RUV_API int32_t ruv_memory_put_batch(ruv_memory* mem, const char* ids, size_t ids_size,
                                     const uint32_t* id_lens, const char* texts, size_t texts_size,
                                     const uint32_t* text_lens, const char* metas, size_t metas_size,
                                     const uint32_t* meta_lens, size_t count, const float* flat, size_t dim,
                                     const uint8_t* keep, uint32_t threads, int32_t defer);
/* Links up to max_count pending rows into the graph (threads as above); *left (may be NULL) is
 * how many are still pending. Holds the memory meanwhile: keep max_count to hundreds. */
RUV_API int32_t ruv_memory_index_pending(ruv_memory* mem, uint32_t max_count, uint32_t threads,
                                         uint64_t* left);
/* Entries whose vector is not linked into the graph yet. */
RUV_API int32_t ruv_memory_pending(const ruv_memory* mem, uint64_t* out);
/* *removed (may be NULL) = 1 when the id was present, else 0. */
RUV_API int32_t ruv_memory_remove(ruv_memory* mem, const char* id, size_t id_len, int32_t* removed);
/* *found = 1 and *out a new bytes object holding the record when `id` is present:
 *   uint32 text_len | uint32 metadata_len | text | metadata (compact JSON), little-endian;
 * else *found = 0 and *out untouched. */
RUV_API int32_t ruv_memory_get(const ruv_memory* mem, const char* id, size_t id_len, int32_t* found,
                               ruv_bytes** out);
/* The records of `count` ids packed as ruv_memory_put_batch packs them, in one consistent view:
 * *out is a new bytes object holding, per id in order, u32 found (0/1) and, when found, the record
 * as ruv_memory_get lays it out. One call for a search's hits. */
RUV_API int32_t ruv_memory_get_many(const ruv_memory* mem, const char* ids, size_t ids_size,
                                    const uint32_t* id_lens, size_t count, ruv_bytes** out);
/* *out = 1 when `id` is stored, else 0 (nothing is copied). */
RUV_API int32_t ruv_memory_contains(const ruv_memory* mem, const char* id, size_t id_len, int32_t* out);
/* Entries held. */
RUV_API int32_t ruv_memory_count(const ruv_memory* mem, uint64_t* out);
/* The ids of up to max_count entries from position `start` on, packed as ruv_hnsw_list_ids packs them
 * (packed hits, scores and distances 0; *next: the slot to go on from). */
RUV_API int32_t ruv_memory_list_ids(const ruv_memory* mem, uint32_t start, uint32_t max_count,
                                    ruv_bytes** out, uint32_t* next);
/* Number of uint64_t values ruv_memory_verify writes, in this order: checked, unreachable,
 * orphans, lost, restored, unlogged (core/src/memory/memory.h MemoryVerifyReport). */
#define RUV_MEMORY_VERIFY_COUNT 6
/* Checks the index against the records and, with `reference` (NULL for none; the same memory as
 * its durable log rebuilds it), both against it; repair != 0 fixes what it can (Memory::Verify).
 * counts: RUV_MEMORY_VERIFY_COUNT values. *ids: a new bytes object with the ids involved (the
 * first 100), packed as ruv_memory_list_ids packs them. */
RUV_API int32_t ruv_memory_verify(ruv_memory* mem, const ruv_memory* reference, int32_t repair,
                                  uint64_t* counts, ruv_bytes** ids);
/* The whole memory as snapshot bytes (core/src/memory/FORMAT.md) in a new bytes object *out,
 * with `header` (opaque bytes, at most 1 MiB: model provenance) stored first. */
RUV_API int32_t ruv_memory_serialize(const ruv_memory* mem, const char* header, size_t header_len,
                                     ruv_bytes** out);
/* Loads snapshot bytes (untrusted): RUV_CORRUPT_DATA for anything malformed, never a crash.
 * *header (may be NULL) receives a new bytes object holding the stored header. */
RUV_API int32_t ruv_memory_deserialize(const uint8_t* data, size_t size, ruv_memory** out,
                                       ruv_bytes** header);
/* Up to k entries nearest q that pass the filter (JSON of a filter object; length 0: none), best
 * first; fewer only when fewer match. ef == 0: the index's ef_search. *out is a new bytes object
 * of packed hits (ruv_capi_hnsw.h's layout). A bad filter is RUV_INVALID_ARGUMENT naming where
 * ("filter.tags.$in: must be an array (got a string)"). */
RUV_API int32_t ruv_memory_search(const ruv_memory* mem, const float* q, size_t dim, size_t k, uint32_t ef,
                                  const char* filter, size_t filter_len, ruv_bytes** out);

/* Hybrid recall: ruv_memory_search's vector ranking fused (reciprocal rank fusion) with a BM25
 * ranking of `text` over the stored texts (core/src/memory/bm25.h), both over entries passing
 * the filter. *out: packed hits in fused order, with each hit's vector score and distance;
 * *fused: a new bytes object of one float64 fused score per hit. */
RUV_API int32_t ruv_memory_search_hybrid(const ruv_memory* mem, const float* q, size_t dim, const char* text,
                                         size_t text_len, size_t k, uint32_t ef, const char* filter,
                                         size_t filter_len, ruv_bytes** out, ruv_bytes** fused);

#ifdef __cplusplus
}
#endif

#endif /* RUV_CAPI_MEMORY_H_ */
