#include "memory/memory.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "ruv/vector_ops.h"

namespace ruv::memory {

Status Memory::Create(const HnswConfig& config, std::unique_ptr<Memory>* out) {
  std::unique_ptr<HnswIndex> index;
  if (Status s = HnswIndex::Create(config, &index); !s.ok()) return s;
  out->reset(new Memory(std::move(index)));
  return Status::Ok();
}

Status Memory::Put(std::string_view id, std::string_view text, std::string_view metadata_json,
                   const float* vector) {
  Json metadata;
  if (Status s = ParseMetadata(metadata_json, &metadata); !s.ok()) return s;
  std::unique_lock lock(mu_);
  if (Linking(id)) WaitForLinking(lock);
  if (vector == nullptr) {
    // A new text and metadata for the vector already stored (the same text re-added: no new
    // embedding is needed).
    if (records_.Find(id) == nullptr) {
      return {ErrorCode::kInvalidArgument, "no vector given, and no stored memory to keep one from"};
    }
    if (Status s = records_.PutParsed(id, text, std::move(metadata)); !s.ok()) return s;
    IndexText(id, text);
    return Status::Ok();
  }
  // The index checks the id and the vector before it changes anything; the store's put cannot
  // fail after that (the metadata is parsed, the id non-empty).
  if (Status s = index_->Insert(id, vector); !s.ok()) return s;
  pending_.Erase(id);  // linked now: a deferred row of the id is stale
  if (Status s = records_.PutParsed(id, text, std::move(metadata)); !s.ok()) return s;
  IndexText(id, text);
  return Status::Ok();
}

void Memory::IndexText(std::string_view id, std::string_view text) {
  if (bm25_built_) bm25_.Put(id, text);  // the writer holds mu_ exclusively: no search is building it
}

Status Memory::PutBatch(const std::vector<MemoryPut>& puts, unsigned threads, bool defer) {
  std::vector<Json> metadata(puts.size());
  for (size_t i = 0; i < puts.size(); ++i) {
    if (puts[i].id.empty()) return {ErrorCode::kInvalidArgument, "entry " + std::to_string(i) + ": empty id"};
    if (Status s = ParseMetadata(puts[i].metadata_json, &metadata[i]); !s.ok()) {
      return {s.code(), "entry " + std::to_string(i) + ": " + s.message()};
    }
  }
  std::vector<HnswEntry> entries;
  entries.reserve(puts.size());
  for (const MemoryPut& p : puts) {
    if (p.vector != nullptr) entries.push_back({p.id, p.vector});
  }
  // Deferred rows are checked here as the index's batch insert checks them (same order, same
  // errors), since nothing inserts them now.
  if (defer) {
    for (const HnswEntry& e : entries) {
      if (Status s = index_->Check(e.id, e.vector); !s.ok()) return s;
    }
  }
  std::unique_lock lock(mu_);
  if (std::any_of(puts.begin(), puts.end(), [&](const MemoryPut& p) { return Linking(p.id); }))
    WaitForLinking(lock);
  // A kept vector needs its entry: stored already, or given earlier in this batch.
  std::unordered_set<std::string_view> added;
  for (size_t i = 0; i < puts.size(); ++i) {
    if (puts[i].vector != nullptr) {
      added.insert(puts[i].id);
    } else if (!added.contains(puts[i].id) && records_.Find(puts[i].id) == nullptr) {
      return {ErrorCode::kInvalidArgument,
              "entry " + std::to_string(i) + ": no vector given, and no stored memory to keep one from"};
    }
  }
  try {
    if (defer) {
      pending_.Reserve(entries.size());
      // A replaced vector leaves the graph: the id's one vector is the pending row.
      // (Asked of the records and pending rows, not the graph: a lookup in the graph waits for
      // a step of the linker's insert.)
      for (const HnswEntry& e : entries) {
        if (records_.Find(e.id) != nullptr && !pending_.Contains(e.id)) index_->Remove(e.id);
        pending_.Put(e.id, e.vector);
      }
    } else {
      // The index checks every vector before it inserts any; the records cannot fail after that.
      if (Status s = index_->InsertBatch(entries, threads); !s.ok()) return s;
      if (pending_.size() != 0) {
        for (const HnswEntry& e : entries) pending_.Erase(e.id);
      }
    }
    for (size_t i = 0; i < puts.size(); ++i) {
      if (Status s = records_.PutParsed(puts[i].id, puts[i].text, std::move(metadata[i])); !s.ok()) return s;
      IndexText(puts[i].id, puts[i].text);
    }
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOutOfMemory, "memory: out of memory"};
  }
  return Status::Ok();
}

Status Memory::IndexPending(size_t max, unsigned threads, size_t* left) {
  // The step's rows, copied out (deferred writes append to the pending rows meanwhile).
  std::vector<std::string> ids;
  std::vector<float> rows;
  const size_t dim = config().dimensions;
  {
    std::unique_lock lock(mu_);
    WaitForLinking(lock);
    const size_t n = std::min(max, pending_.size());
    try {
      ids.reserve(n);
      rows.resize(n * dim);
      linking_.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        const size_t at = pending_.size() - n + i;
        ids.push_back(pending_.IdAt(at));
        std::copy(pending_.RowAt(at), pending_.RowAt(at) + dim,
                  rows.begin() + static_cast<std::ptrdiff_t>(i * dim));
      }
      linking_.insert(ids.begin(), ids.end());
    } catch (const std::bad_alloc&) {
      linking_.clear();
      return {ErrorCode::kOutOfMemory, "memory: out of memory"};
    }
    if (n == 0) {
      if (left != nullptr) *left = pending_.size();
      return Status::Ok();
    }
  }
  std::vector<HnswEntry> entries(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) entries[i] = {ids[i], rows.data() + i * dim};
  // Writes to these ids wait for the step, so each is still pending with this vector here.
  Status inserted = index_->InsertBatch(entries, threads);
  {
    std::unique_lock lock(mu_);
    for (const std::string& id : ids) {
      // Done: the row leaves the pending ones. Failed (out of memory part-way): what the batch
      // linked leaves the graph again, so no id is in both.
      if (inserted.ok()) {
        pending_.Erase(id);
      } else {
        index_->Remove(id);
      }
    }
    linking_.clear();
    if (left != nullptr) *left = pending_.size();
  }
  link_done_.notify_all();
  return inserted;
}

size_t Memory::pending() const {
  std::shared_lock lock(mu_);
  return pending_.size();
}

bool Memory::Remove(std::string_view id) {
  std::unique_lock lock(mu_);
  if (Linking(id)) WaitForLinking(lock);
  const bool in_index = pending_.Erase(id) || index_->Remove(id);
  const bool in_store = records_.Erase(id);
  if (bm25_built_) bm25_.Erase(id);
  return in_index || in_store;
}

bool Memory::Get(std::string_view id, MemoryRecord* out) const {
  std::shared_lock lock(mu_);
  const MemoryRecord* r = records_.Find(id);
  if (r == nullptr) return false;
  *out = *r;
  return true;
}

void Memory::GetMany(std::span<const std::string_view> ids,
                     std::vector<std::optional<MemoryRecord>>* out) const {
  std::shared_lock lock(mu_);
  out->clear();
  out->reserve(ids.size());
  for (std::string_view id : ids) {
    const MemoryRecord* r = records_.Find(id);
    out->push_back(r == nullptr ? std::nullopt : std::optional<MemoryRecord>(*r));
  }
}

bool Memory::Contains(std::string_view id) const {
  std::shared_lock lock(mu_);
  return records_.Find(id) != nullptr;
}

size_t Memory::size() const {
  std::shared_lock lock(mu_);
  return records_.size();
}

Status Memory::ListIds(size_t start, size_t max_count, std::vector<std::string>* ids, size_t* next) const {
  std::shared_lock lock(mu_);
  ids->clear();
  const size_t end = start >= records_.size() ? start : start + std::min(max_count, records_.size() - start);
  try {
    ids->reserve(end - start);
    for (size_t i = start; i < end; ++i) ids->push_back(records_.IdAt(i));
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOutOfMemory, "memory: out of memory"};
  }
  *next = end;
  return Status::Ok();
}

Status Memory::SearchVectors(const float* query, size_t k, const MetadataFilter& filter,
                             const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                             FilteredSearchReport* report) const {
  FilteredSearchOptions o = options;
  o.unindexed = pending_.size();
  if (Status s = FilteredSearch(*index_, records_, query, k, filter, o, out, report); !s.ok()) return s;
  if (pending_.size() == 0 || k == 0) return Status::Ok();
  if (!AllFinite(query, config().dimensions)) return {ErrorCode::kNonFinite, "hnsw: query holds NaN or Inf"};
  const std::function<bool(std::string_view)> passes = [&](std::string_view id) {
    const MemoryRecord* r = records_.Find(id);
    return r != nullptr && filter.Matches(r->metadata);
  };
  std::vector<HnswSearchHit> tail;
  pending_.Search(query, k, filter.MatchesAll() ? nullptr : &passes, &tail);
  // A row of the linking step in flight may be in the graph already: once in the results.
  if (!linking_.empty()) {
    std::erase_if(tail, [&](const HnswSearchHit& h) {
      return linking_.contains(h.id) &&
             std::any_of(out->begin(), out->end(), [&](const HnswSearchHit& o) { return o.id == h.id; });
    });
  }
  out->insert(out->end(), std::make_move_iterator(tail.begin()), std::make_move_iterator(tail.end()));
  // Both lists are best first by distance (monotone in the score for every metric).
  std::stable_sort(out->begin(), out->end(),
                   [](const HnswSearchHit& a, const HnswSearchHit& b) { return a.distance < b.distance; });
  if (out->size() > k) out->resize(k);
  return Status::Ok();
}

bool Memory::VectorOf(std::string_view id, float* out) const {
  return pending_.GetVector(id, out) || index_->GetVector(id, out);
}

Status Memory::Search(const float* query, size_t k, std::string_view filter_json,
                      const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                      FilteredSearchReport* report) const {
  MetadataFilter filter;
  if (!filter_json.empty()) {
    if (Status s = MetadataFilter::Parse(filter_json, &filter); !s.ok()) return s;
  }
  std::shared_lock lock(mu_);
  return SearchVectors(query, k, filter, options, out, report);
}

Status Memory::SearchHybrid(const float* query, std::string_view query_text, size_t k,
                            std::string_view filter_json, const FilteredSearchOptions& options,
                            std::vector<HnswSearchHit>* out, std::vector<double>* fused) const {
  MetadataFilter filter;
  if (!filter_json.empty()) {
    if (Status s = MetadataFilter::Parse(filter_json, &filter); !s.ok()) return s;
  }
  out->clear();
  fused->clear();
  if (k == 0) return Status::Ok();
  // Each ranking contributes its best few times k: deep enough that an entry ranked well by one
  // and modestly by the other is still fused (RRF's own experiments fuse the top 1000 of each).
  const size_t depth = std::max<size_t>(4 * k, 50);
  std::shared_lock lock(mu_);
  std::vector<HnswSearchHit> by_vector;
  if (Status s = SearchVectors(query, depth, filter, options, &by_vector, nullptr); !s.ok()) return s;
  // The keyword index is built at the first hybrid search (a memory never searched that way
  // never pays for it, at load or at write); searches share the memory's lock, so building it
  // takes one of its own.
  std::lock_guard bm25_lock(bm25_mu_);
  if (!bm25_built_) {
    for (size_t i = 0; i < records_.size(); ++i) bm25_.Put(records_.IdAt(i), records_.RecordAt(i).text);
    bm25_built_ = true;
  }
  const std::vector<Bm25Hit> by_keyword = bm25_.Search(query_text, depth, [&](const std::string& id) {
    const MemoryRecord* r = records_.Find(id);
    return r != nullptr && filter.Matches(r->metadata);
  });
  std::vector<std::vector<std::string>> rankings(2);
  for (const HnswSearchHit& h : by_vector) rankings[0].push_back(h.id);
  for (const Bm25Hit& h : by_keyword) rankings[1].push_back(h.id);
  for (const FusedHit& f : FuseRankings(rankings, k)) {
    const auto v = std::find_if(by_vector.begin(), by_vector.end(),
                                [&](const HnswSearchHit& h) { return h.id == f.id; });
    if (v != by_vector.end()) {
      out->push_back(*v);
    } else if (HnswSearchHit hit; pending_.Score(query, f.id, &hit)) {  // keyword-only, pending
      out->push_back(std::move(hit));
    } else {  // a keyword-only hit: its exact vector distance (an allow-list of one)
      std::vector<std::string_view> one = {f.id};
      HnswSearchOptions o;
      o.ef = 1;
      o.ids = &one;
      std::vector<HnswSearchHit> exact;
      if (Status s = index_->Search(query, 1, o, &exact); !s.ok()) return s;
      if (exact.empty()) continue;
      out->push_back(std::move(exact[0]));
    }
    fused->push_back(f.score);
  }
  return Status::Ok();
}

}  // namespace ruv::memory
