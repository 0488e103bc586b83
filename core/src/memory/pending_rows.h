// The memory's deferred rows: entries whose record is stored (and logged) but whose vector is
// not linked into the HNSW graph yet. A write that defers its vectors is acknowledged as soon as
// it is logged, instead of after the graph insert that costs ~20x more; an indexer moves the rows
// into the graph later (Memory::IndexPending). Until then a search ranks them exactly, beside the
// walk, so a deferred entry is found as surely as a linked one (more surely: no walk misses it).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hnsw/vector_store.h"
#include "ruv/hnsw.h"

namespace ruv::memory {

class PendingRows {
 public:
  // Rows of `config.dimensions` floats compared by `config.metric` as float32 rows, whatever the
  // index's storage (an int8 index's scores move by its quantization error when they are linked).
  explicit PendingRows(const HnswConfig& config);

  // Adds or replaces the row of `id`: `vector` as given (checked by the caller: HnswIndex::Check),
  // so that linking it later stores exactly what inserting it now would. Throws std::bad_alloc.
  void Put(std::string_view id, const float* vector);
  // Room for `count` more rows, so that putting them grows nothing. Throws std::bad_alloc.
  void Reserve(size_t count);
  // Removes `id`; false when it was not there. The last row moves into its place; the memory of
  // all rows is freed when none is left.
  bool Erase(std::string_view id);
  bool Contains(std::string_view id) const { return slots_.contains(id); }
  size_t size() const { return ids_.size(); }
  uint32_t dimensions() const { return dim_; }
  // Bytes held for rows (their capacity).
  size_t bytes() const { return rows_.capacity() * sizeof(float); }
  // Row i in [0, size()): its id and vector as given. Positions change on Erase.
  const std::string& IdAt(size_t i) const { return ids_[i]; }
  const float* RowAt(size_t i) const { return rows_.data() + i * dim_; }
  // The vector of `id` into `out` as HnswIndex::GetVector would give it once linked (prepared,
  // and through the index's codes under int8 storage); false when it is not here.
  bool GetVector(std::string_view id, float* out) const;

  // Up to k rows nearest `query` (finite; dimensions floats) that `allow` accepts (null: all),
  // best first, with the score and distance HnswIndex::Search would give them.
  void Search(const float* query, size_t k, const std::function<bool(std::string_view)>* allow,
              std::vector<HnswSearchHit>* out) const;
  // The hit of `id` for `query`; false when it is not here.
  bool Score(const float* query, std::string_view id, HnswSearchHit* out) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Ordering distance (VectorStore::Distance's) between a prepared query and row i; `scratch`
  // (dimensions floats) holds the prepared row under cosine.
  float Ordering(const float* prepared_query, size_t i, float* scratch) const;
  // Frees the (empty) rows' memory.
  void Release();

  uint32_t dim_;
  Metric metric_;
  HnswStorage storage_;
  hnsw::VectorStore form_;  // prepares vectors and turns orderings into scores, as the index does
  std::vector<std::string> ids_;
  std::vector<float> rows_;                                               // size() x dim_, as given
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> slots_;  // id -> position
};

}  // namespace ruv::memory
