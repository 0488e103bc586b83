// HNSW approximate nearest-neighbour index: the semantic-memory recall of the runtime.
// Same algorithm and the same serialized bytes on every backend (core/src/hnsw/FORMAT.md).
//
// Results: `distance` is the metric's distance (ruv/vector_ops.h: smaller is closer) and `score`
// a similarity where larger is better: cos (cosine), -L2 (euclidean), a.b (dot_product).
// Results come best first.
//
// Concurrency: any number of const calls (Search, Serialize, Stats, Contains) run concurrently;
// mutating calls (Insert, InsertBatch, Remove) take the index exclusively, and a waiting writer
// goes ahead of searches that arrive after it. InsertBatch may use several threads internally
// while it holds the index. Contains and Stats do not wait for a whole write: they wait for
// one insert (or ~1k allocations) of a batch at most, and see the batch part-way.
//
// Errors: every call returns a Status (or a plain value); nothing aborts, prints or throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ruv/status.h"
#include "ruv/vector_ops.h"

namespace ruv {

namespace hnsw {
class Graph;
}  // namespace hnsw

// How vectors are kept in memory. Numeric values are part of the serialized format and the C ABI.
enum class HnswStorage : int {
  kFloat32 = 0,  // full float32 rows (cosine: the normalized vector)
  kInt8 = 1,     // 8-bit affine codes with a per-vector range (ruv/quant.h "scalar" layout);
                 // distances are asymmetric: float query against the dequantized codes
};

struct HnswConfig {
  uint32_t dimensions = 0;         // 1 .. 65536
  uint32_t m = 16;                 // links per node on upper levels (2 * m on level 0); 2 .. 128
  uint32_t ef_construction = 200;  // candidate list size while inserting; >= 1
  uint32_t ef_search = 64;         // default candidate list size while searching; >= 1
  Metric metric = Metric::kCosine;
  HnswStorage storage = HnswStorage::kFloat32;
  uint64_t seed = 0x5255564543544F52ull;  // level generator seed ("RUVECTOR")
};

Status ValidateHnswConfig(const HnswConfig& config);

struct HnswSearchHit {
  std::string id;
  float score = 0.0f;     // similarity, larger is better
  float distance = 0.0f;  // metric distance, smaller is closer
};

// Allow-predicate over external ids, evaluated during the graph walk: rejected nodes are still
// walked through, but never returned. Called with the index held shared (possibly concurrently
// from several searches); it must not call back into the index.
using HnswFilter = std::function<bool(std::string_view id)>;

struct HnswSearchOptions {
  uint32_t ef = 0;                     // 0: the config's ef_search; raised to k when smaller
  const HnswFilter* filter = nullptr;  // nullptr: every live entry is allowed
  // Allow-list: only these ids can be returned (nullptr: no list; an empty list allows nothing).
  // When it names at most ef live entries they are ranked exactly, without a walk (FORMAT.md,
  // search); otherwise the walk tests membership by slot. Combined with `filter` (both must allow).
  const std::vector<std::string_view>* ids = nullptr;
};

struct HnswEntry {
  std::string_view id;
  const float* vector = nullptr;  // config.dimensions floats
};

struct HnswStats {
  size_t count = 0;  // live entries
  size_t slots = 0;  // live + free slots (free ones are reused by the next inserts)
  size_t dimensions = 0;
  size_t m = 0;
  size_t ef_construction = 0;
  size_t ef_search = 0;
  size_t max_level = 0;
  size_t vector_bytes = 0;  // bytes holding vectors (codes in kInt8 storage)
  size_t memory_bytes = 0;  // approximate total: vectors, links, ids, id map
};

class HnswIndex {
 public:
  // kInvalidArgument for a bad config.
  static Status Create(const HnswConfig& config, std::unique_ptr<HnswIndex>* out);
  // Loads bytes written by Serialize. kCorruptData for anything malformed (never crashes);
  // memory allocated is bounded by a constant times `size`.
  static Status Deserialize(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out);
  // The same for bytes embedded in a container whose own checksum the caller has verified and
  // which covers them (a SemanticMemory snapshot): the index's CRC is not computed a second time.
  // Every loading rule is still enforced (a checksum never guarded against crafted bytes).
  static Status DeserializeVerified(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out);

  ~HnswIndex();
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  // Inserts `vector` (config.dimensions floats) under `id`; an existing id is replaced.
  // kInvalidArgument for an empty id or null vector, kNonFinite for NaN/Inf.
  Status Insert(std::string_view id, const float* vector);
  // Inserts in order (a later duplicate id replaces an earlier one). Validates every entry
  // before inserting any. threads == 0: hardware concurrency; 1: the calling thread only.
  Status InsertBatch(std::span<const HnswEntry> entries, unsigned threads = 0);
  // What Insert would refuse `id` and `vector` for, without inserting (for a caller that
  // acknowledges an entry before it is linked in: SemanticMemory's deferred rows).
  Status Check(std::string_view id, const float* vector) const;
  // Makes room for `count` more entries (kOutOfMemory, changing nothing, when there is none), so
  // that inserting them cannot run out of the memory that grows with the index. kInvalidArgument
  // past 2^32 - 1 entries in all.
  Status Reserve(size_t count);
  // Up to k live entries nearest to `query`, best first (all live entries when k >= count).
  Status Search(const float* query, size_t k, const HnswSearchOptions& options,
                std::vector<HnswSearchHit>* out) const;
  // Removes `id`; false when it was not present. The graph is repaired around it.
  bool Remove(std::string_view id);
  bool Contains(std::string_view id) const;
  // The stored vector of `id` into `out` (config.dimensions floats): as stored, so unit length
  // under cosine and decoded from its codes under kInt8; false when `id` is not present.
  bool GetVector(std::string_view id, float* out) const;
  // An annotation kept with the index and written into its bytes (FORMAT.md version 2): opaque
  // UTF-8 of at most 1 MiB, e.g. the provenance of the model that made the vectors. Empty
  // removes it (the bytes are then version 1). kInvalidArgument for what is not UTF-8 or too long.
  Status SetAnnotation(std::string_view annotation);
  std::string Annotation() const;
  // Live ids that a walk over the links from the entry point does not reach. None in a healthy
  // index (every removal repairs the links around it); for verification (SemanticMemory.verify).
  std::vector<std::string> Unreachable() const;
  // The ids of up to `max` live entries from slot `start` on, in slot order, into `out`; `*next`
  // is the slot to continue from (>= the slot count when none is left). For walking every id in
  // short steps (a JS predicate scanned between event-loop turns); entries written meanwhile may
  // be missed or seen again.
  Status ListIds(size_t start, size_t max, std::vector<std::string>* out, size_t* next) const;

  Status Serialize(std::vector<uint8_t>* out) const;
  HnswStats Stats() const;
  const HnswConfig& config() const;

 private:
  explicit HnswIndex(std::unique_ptr<hnsw::Graph> graph);
  static Status Load(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out, bool check_crc);

  std::unique_ptr<hnsw::Graph> graph_;  // holds the index's reader-writer lock too
};

}  // namespace ruv
