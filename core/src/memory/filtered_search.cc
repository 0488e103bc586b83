#include "memory/filtered_search.h"

#include <algorithm>
#include <string_view>

namespace ruv::memory {

namespace {

// Ranks every matching record exactly: an allow-list of at most ef ids is ranked without a walk
// (ruv/hnsw.h), so ef is raised to the number of matches.
Status ExactSearch(const HnswIndex& index, const RecordStore& records, const float* query, size_t k,
                   const MetadataFilter& filter, std::vector<HnswSearchHit>* out, FilteredSearchReport* r) {
  std::vector<std::string_view> ids;
  for (size_t i = 0; i < records.size(); ++i) {
    if (filter.Matches(records.RecordAt(i).metadata)) ids.emplace_back(records.IdAt(i));
  }
  r->exact = true;
  r->matches = ids.size();
  out->clear();
  if (ids.empty() || k == 0) return Status::Ok();
  HnswSearchOptions o;
  o.ef = static_cast<uint32_t>(std::min<size_t>(std::max(ids.size(), k), UINT32_MAX));
  o.ids = &ids;
  return index.Search(query, k, o, out);
}

}  // namespace

Status FilteredSearch(const HnswIndex& index, const RecordStore& records, const float* query, size_t k,
                      const MetadataFilter& filter, const FilteredSearchOptions& options,
                      std::vector<HnswSearchHit>* out, FilteredSearchReport* report) {
  FilteredSearchReport local;
  FilteredSearchReport* r = report != nullptr ? report : &local;
  *r = FilteredSearchReport{};
  const size_t n = records.size();
  const size_t ef = std::max<size_t>(options.ef != 0 ? options.ef : index.config().ef_search, k);

  // Every entry must still have a record, so the unfiltered search filters too, by presence.
  const HnswFilter has_passing_record = [&](std::string_view id) {
    const MemoryRecord* rec = records.Find(id);
    return rec != nullptr && filter.Matches(rec->metadata);
  };
  if (filter.MatchesAll()) {
    r->estimated_matches = n;
  } else {
    const size_t sample = std::min(n, kSelectivitySample);
    size_t hits = 0;
    for (size_t i = 0; i < sample; ++i) {
      hits += filter.Matches(records.RecordAt(i * n / sample).metadata) ? 1 : 0;
    }
    r->estimated_matches = sample == 0 ? 0 : (hits * n + sample - 1) / sample;
    // A sample with no match still leaves up to n / sample matches unseen: scan then too.
    if (r->estimated_matches <= options.exact_factor * ef) {
      return ExactSearch(index, records, query, k, filter, out, r);
    }
  }
  HnswSearchOptions o;
  o.ef = static_cast<uint32_t>(std::min<size_t>(ef, UINT32_MAX));
  o.filter = &has_passing_record;
  if (Status s = index.Search(query, k, o, out); !s.ok()) return s;
  if (out->size() < k && out->size() < n - std::min(n, options.unindexed)) {
    r->walk_fell_short = true;
    return ExactSearch(index, records, query, k, filter, out, r);
  }
  return Status::Ok();
}

}  // namespace ruv::memory
