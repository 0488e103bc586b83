// Rows of the HNSW index: float32 vectors or int8 codes, one fixed-stride row per slot, and the
// distance between a prepared query and a row. Internal to core/src/hnsw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "common/aligned_array.h"
#include "ruv/hnsw.h"
#include "ruv/vector_ops.h"

namespace ruv::hnsw {

// A query in the form rows are compared with: `v` is the normalized vector for cosine, the vector
// itself otherwise; `sum` and `norm2` are used by int8 rows only.
struct Query {
  const float* v = nullptr;
  float sum = 0.0f;
  float norm2 = 0.0f;
};

class VectorStore {
 public:
  VectorStore(uint32_t dim, Metric metric, HnswStorage storage);

  // How the rows Reserve adds will be written.
  enum class Fill {
    kGrowing,  // by inserts, one row at a time, maybe never all of them
    kNow,      // every one of them, right away (a load)
  };
  // Grows to `slots` rows (existing rows kept). Throws std::bad_alloc on failure.
  void Reserve(size_t slots, Fill fill = Fill::kGrowing);
  size_t capacity() const { return capacity_; }

  // Whether `v` (finite, dim floats, as given to insert) can be stored: int8 rows must have a
  // value range and a squared length that float32 holds (else the codes, or distances over them,
  // are not what the vector is). kInvalidArgument saying why; hnsw/storable.ts is the TS twin.
  Status CheckStorable(const float* v) const;
  // Writes the row of `slot` from a prepared vector (see PrepareInto). `prepared` is finite and
  // passed CheckStorable.
  void Set(uint32_t slot, const float* prepared);
  // Copies `v` into `out` (dim floats) in prepared form (normalized for cosine) and returns the
  // query over it.
  Query PrepareInto(const float* v, float* out) const;
  // Query over the row of `slot`, decoded into `buf` (dim floats) when rows are codes.
  Query RowQuery(uint32_t slot, float* buf) const;

  // Ordering distance used inside the graph (monotone in the metric's distance):
  // cosine 1 - q.r, euclidean |q - r|^2, dot product -(q.r). NaN becomes +Inf.
  float Distance(const Query& q, uint32_t slot) const;
  // Metric distance and score (see ruv/hnsw.h) from an ordering distance.
  float MetricDistance(float ordering) const;
  float Score(float ordering) const;

  // Serialized row: `row_bytes()` bytes (f32 LE values, or [f32 min][f32 max][dim x u8]).
  size_t row_bytes() const { return row_bytes_; }
  const uint8_t* row(uint32_t slot) const { return data_.get() + size_t{slot} * stride_; }
  // Asks the CPU to start loading the row of `slot` (a hint; nothing where the compiler has no
  // prefetch): a walk prefetches the rows of a node's neighbours before computing any of their
  // distances, so that their cache misses (a 384-d float row is 24 lines) overlap.
  void Prefetch(uint32_t slot) const {
#if defined(__GNUC__) || defined(__clang__)
    const uint8_t* r = row(slot);
    for (size_t at = 0; at < row_bytes_; at += 64) __builtin_prefetch(r + at);
#else
    (void)slot;
#endif
  }
  // Loads a serialized row; false when it is not valid (non-finite values or range).
  bool LoadRow(uint32_t slot, const uint8_t* bytes);

  size_t bytes() const { return capacity_ * stride_ + aux_.capacity() * sizeof(float); }
  uint32_t dim() const { return dim_; }

 private:
  uint8_t* mutable_row(uint32_t slot) { return data_.get() + size_t{slot} * stride_; }
  // A loaded row's squared length is one an insert could have stored (finite in float32; about 1,
  // or 0, for cosine).
  bool RowLengthIsValid(double squared_length) const;
  // The same for a float32 row being loaded, fast for the rows an insert stored.
  bool LoadedLengthIsValid(const float* row) const;
  void UpdateAux(uint32_t slot);

  uint32_t dim_;
  Metric metric_;
  HnswStorage storage_;
  size_t row_bytes_;
  size_t stride_;  // row_bytes_ rounded up: 64 for float rows (cache lines), 8 for codes
  size_t capacity_ = 0;
  AlignedArray<uint8_t> data_;
  std::vector<float> aux_;  // int8 + euclidean: |dequantized row|^2 per slot
  // int8 + euclidean: a decoded row for UpdateAux, made once (storing a row must not allocate).
  // Writers are serialized, so one is enough.
  std::vector<float> aux_row_;
};

}  // namespace ruv::hnsw
