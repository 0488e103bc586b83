// Search with a metadata filter that returns k results whenever k records match: the filter is
// evaluated during the HNSW walk, unless it is selective, when the matches are ranked exactly.
// (hnswlib, Chroma and sqlite-vec return too few or fail there: a filtered walk must visit about
// ef / p nodes to find ef matches at selectivity p, so at small p it visits the whole graph and
// may still stop short.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memory/metadata_filter.h"
#include "memory/record_store.h"
#include "ruv/hnsw.h"

namespace ruv::memory {

// Records sampled (evenly by position) to estimate how many match.
inline constexpr size_t kSelectivitySample = 256;

struct FilteredSearchOptions {
  uint32_t ef = 0;  // 0: the index's ef_search; raised to k
  // Rank exactly when the estimated matches are at most exact_factor * max(ef, k): the walk would
  // then visit at least n / exact_factor nodes, more than a scan of the metadata costs.
  size_t exact_factor = 16;
  // Records that have no vector in the index yet (the memory's pending rows, ranked by the
  // caller): a walk that returns fewer than the others is not short.
  size_t unindexed = 0;
};

struct FilteredSearchReport {
  bool exact = false;            // ranked by an exact scan of the matching records
  size_t estimated_matches = 0;  // from the sample (the record count when the filter is {})
  size_t matches = 0;            // when exact: records that matched
  bool walk_fell_short = false;  // the walk found fewer than k, so the exact scan ran after it
};

// Up to k entries of `index` nearest `query` whose record in `records` passes `filter`, best
// first; fewer only when fewer records match. An index entry without a record never passes. The
// caller keeps both unchanged during the call (it holds the memory's lock).
Status FilteredSearch(const HnswIndex& index, const RecordStore& records, const float* query, size_t k,
                      const MetadataFilter& filter, const FilteredSearchOptions& options,
                      std::vector<HnswSearchHit>* out, FilteredSearchReport* report = nullptr);

}  // namespace ruv::memory
