// One semantic memory in the core: the HNSW index of the vectors and the record store of texts
// and metadata under the same ids, kept in step under one reader-writer lock, with filtered
// search (filtered_search.h). The object the C ABI's ruv_memory wraps; durability and model
// provenance build on it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "memory/bm25.h"
#include "memory/filtered_search.h"
#include "memory/pending_rows.h"
#include "memory/record_store.h"
#include "ruv/hnsw.h"

namespace ruv::memory {

// Most bytes of the caller's header in a snapshot (model provenance and the like, opaque here).
inline constexpr size_t kMaxSnapshotHeader = 1 << 20;

// One entry of Memory::PutBatch.
struct MemoryPut {
  std::string_view id;
  std::string_view text;
  std::string_view metadata_json;
  const float* vector = nullptr;  // null: keep the stored vector (as Put)
};

// What Memory::Verify found (and, with repair, fixed). Counts of ids.
struct MemoryVerifyReport {
  size_t checked = 0;            // records looked at
  size_t unreachable = 0;        // in the index, but no walk from its entry point reaches them
  size_t orphans = 0;            // vectors in the index without a record
  size_t lost = 0;               // records without a vector (and none in the reference to restore)
  size_t restored = 0;           // records put back from the reference: missing, or differing here
  size_t unlogged = 0;           // records here that the reference does not have
  std::vector<std::string> ids;  // the ids of all of the above (the first 100)
};

class Memory {
 public:
  static Status Create(const HnswConfig& config, std::unique_ptr<Memory>* out);

  // Adds or replaces `id`: its vector in the index, its text and metadata (a JSON object; ""
  // is {}) in the store. Everything is checked before anything changes: a bad vector or bad
  // metadata leaves the old entry whole. `vector` null: keep the stored vector of `id` (which
  // must exist) and replace its text and metadata only.
  Status Put(std::string_view id, std::string_view text, std::string_view metadata_json, const float* vector);
  // Put for many entries in order (a later duplicate id wins), the vectors inserted by the index's
  // batch insert on `threads` threads (0: every core). Everything is checked before anything
  // changes: one bad entry leaves the memory as it was.
  // `defer`: the vectors are not linked into the graph now but kept as pending rows
  // (pending_rows.h), searched exactly until IndexPending links them: the write costs what
  // storing the rows costs. Checked as the index checks an insert, all the same.
  Status PutBatch(const std::vector<MemoryPut>& puts, unsigned threads, bool defer = false);
  // Links up to `max` pending rows into the graph (threads as PutBatch) and returns how many
  // are still pending in `left`. The graph insert runs outside the memory's lock, so deferred
  // writes go on meanwhile (a write to an id being linked, a snapshot and Verify wait for the
  // step); searches wait for the graph's lock, so the caller keeps `max` to hundreds. One step
  // at a time (a second call waits for the first).
  Status IndexPending(size_t max, unsigned threads, size_t* left);
  // Entries whose vector is not linked into the graph yet.
  size_t pending() const;
  // Removes `id` from both; false when it was not there.
  bool Remove(std::string_view id);
  // A copy of the record of `id`; false when there is none.
  bool Get(std::string_view id, MemoryRecord* out) const;
  // The records of `ids` in one consistent view: out[i] null when ids[i] is not there.
  void GetMany(std::span<const std::string_view> ids, std::vector<std::optional<MemoryRecord>>* out) const;
  bool Contains(std::string_view id) const;
  size_t size() const;
  // The ids of up to `max_count` entries from position `start` on, and the position to go on
  // from (positions of the record store: moving pending rows into the graph changes none).
  Status ListIds(size_t start, size_t max_count, std::vector<std::string>* ids, size_t* next) const;

  // Up to k entries nearest `query` that pass the filter (JSON text; "" or "{}": every entry),
  // best first; fewer only when fewer match. kInvalidArgument for a bad filter.
  Status Search(const float* query, size_t k, std::string_view filter_json,
                const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                FilteredSearchReport* report = nullptr) const;

  const HnswConfig& config() const { return index_->config(); }

  // Hybrid recall: the vector ranking of `query` and the BM25 ranking of `query_text` over the
  // stored texts (bm25.h), each of the entries passing the filter, fused by reciprocal rank
  // fusion; up to k, best fused first. Each hit carries the vector's score and distance (for a
  // keyword-only hit, computed exactly) and, in `fused` (same order), its fused score.
  Status SearchHybrid(const float* query, std::string_view query_text, size_t k, std::string_view filter_json,
                      const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                      std::vector<double>* fused) const;

  // Checks that the index and the records agree: every record has its vector in the index and
  // every vector its record, and every vector is reachable by a search. With `reference` (the
  // same memory as its durable log rebuilds it), also that each of its records is here with the
  // same text, metadata and vector. With `repair`: unreachable vectors are linked in again from
  // their stored copy, orphan vectors removed, and what differs from the reference (or is
  // missing here) put back from it. Records the reference lacks are only counted (the caller
  // writes them to its log). memory_verify.cc.
  Status Verify(const Memory* reference, bool repair, MemoryVerifyReport* out);

  // Test support: the index, to plant the damage Verify is for.
  HnswIndex* IndexForTest() { return index_.get(); }

  // The whole memory as snapshot bytes (FORMAT.md), with `header` (at most kMaxSnapshotHeader
  // bytes, opaque to the core) stored first: one consistent state under the read lock.
  Status Serialize(std::string_view header, std::vector<uint8_t>* out) const;
  // Loads snapshot bytes (untrusted): kCorruptData for anything malformed, never a crash.
  // `header` (may be null) receives the stored header.
  static Status Deserialize(const uint8_t* data, size_t size, std::unique_ptr<Memory>* out,
                            std::string* header);

 private:
  explicit Memory(std::unique_ptr<HnswIndex> index) : index_(std::move(index)), pending_(index_->config()) {}

  // The vector search of Search and SearchHybrid, under the caller's lock: the walk (or the
  // exact scan of matches) over the graph and the exact scan of the pending rows, merged.
  Status SearchVectors(const float* query, size_t k, const MetadataFilter& filter,
                       const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                       FilteredSearchReport* report) const;
  // The stored vector of `id` (linked or pending), under the caller's lock.
  bool VectorOf(std::string_view id, float* out) const;
  // Waits, releasing and retaking `lock` (on mu_), until no linking step is in flight.
  template <typename Lock>
  void WaitForLinking(Lock& lock) const {
    link_done_.wait(lock, [&] { return linking_.empty(); });
  }
  // Whether a linking step is inserting `id` into the graph (under mu_).
  bool Linking(std::string_view id) const { return !linking_.empty() && linking_.contains(id); }

  mutable std::shared_mutex mu_;  // writers exclusive; searches and reads shared
  std::unique_ptr<HnswIndex> index_;
  RecordStore records_;
  PendingRows pending_;  // records whose vector is not in index_ yet (never both, but below)
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Ids of the linking step in flight: pending, and being inserted into index_ outside mu_ (so
  // briefly in both: a search merges them once). Changed under mu_ exclusively.
  std::unordered_set<std::string, IdHash, std::equal_to<>> linking_;
  mutable std::condition_variable_any link_done_;  // notified when linking_ empties
  // Keeps the keyword index in step with a write, once it is built.
  void IndexText(std::string_view id, std::string_view text);

  // Over the texts of records_, kept in step with it once built (at the first hybrid search).
  mutable std::mutex bm25_mu_;  // builds it, and serializes hybrid searches' use of it
  mutable Bm25Index bm25_;
  mutable bool bm25_built_ = false;
};

}  // namespace ruv::memory
