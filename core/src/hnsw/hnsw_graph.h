// The HNSW graph behind ruv::HnswIndex (algorithm: FORMAT.md). Not synchronized by itself:
// HnswIndex serializes writers; const members are safe to call concurrently. Internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "holder_caps.h"
#include "lookup_lock.h"
#include "reachability.h"
#include "ruv/hnsw.h"
#include "rw_lock.h"
#include "scratch.h"
#include "vector_store.h"
#include "visited_list.h"

namespace ruv::hnsw {

// Most bytes of an index's annotation (FORMAT.md, version 2): a model provenance record is ~300.
inline constexpr size_t kMaxAnnotation = 1 << 20;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Graph {
 public:
  explicit Graph(const HnswConfig& config);

  const HnswConfig& config() const { return config_; }
  uint32_t live_count() const { return live_count_; }
  uint32_t slot_count() const { return slot_count_; }
  uint32_t max_level() const { return max_level_; }
  bool is_live(uint32_t slot) const { return slot < slot_count_ && live_[slot] != 0; }
  const std::string& id(uint32_t slot) const { return ids_[slot]; }
  uint32_t Find(std::string_view id) const;
  const VectorStore& vectors() const { return vectors_; }
  // Opaque UTF-8 the owner keeps with the index and its bytes (SemanticMemory / WasmHnswIndex:
  // the provenance of the embedding model that made the vectors); empty: none. Under lock().
  const std::string& annotation() const { return annotation_; }
  void set_annotation(std::string a) { annotation_ = std::move(a); }

  // --- insert / search (hnsw_graph.cc) -------------------------------------------------------
  // Inserts `id` with a finite vector, replacing its entry when present. Throws std::bad_alloc
  // and then has changed nothing: every allocation comes before the first change.
  void Insert(std::string_view id, const float* vector, Scratch* scratch);
  // Makes room for `count` more slots (and ids), so that inserting them cannot fail for lack of
  // the memory that grows with the index. Throws std::bad_alloc, changing nothing else.
  // `fill` kNow: every slot is written right away (a load).
  void ReserveSlots(size_t count, VectorStore::Fill fill = VectorStore::Fill::kGrowing);
  // Inserts many new, distinct ids using `threads` threads (hnsw_parallel.cc). Called with the
  // lookup lock held through `lookup`: offers it between inserts and allocations, and releases
  // it while the threads link (they change no field a lookup reads).
  void InsertMany(const std::vector<std::pair<std::string_view, const float*>>& entries, unsigned threads,
                  std::unique_lock<LookupLock>* lookup);
  // The k best live slots allowed by `allow` (nullptr: all), best first, into scratch->selected.
  // `listed` (nullptr: none): the live slots of an allow-list, ascending; `allow` admits only
  // them, and when there are at most ef of them they are ranked exactly without a walk.
  void Search(const float* query, size_t k, size_t ef, const std::function<bool(uint32_t)>* allow,
              const std::vector<uint32_t>* listed, Scratch* scratch) const;

  // --- removal (hnsw_delete.cc) --------------------------------------------------------------
  // Removes a live slot and repairs the links that pointed to it.
  void Remove(uint32_t slot, Scratch* scratch);

  // --- bytes (hnsw_serialize.cc) -------------------------------------------------------------
  void Serialize(std::vector<uint8_t>* out) const;
  // check_crc false: the caller verified a checksum covering these bytes (HnswIndex::DeserializeVerified).
  static Status Deserialize(const uint8_t* data, size_t size, std::unique_ptr<Graph>* out,
                            bool check_crc = true);

  HnswStats Stats() const;

  // Live slots that a breadth-first walk over level-0 links from the entry point does not reach
  // (ascending). Empty for a healthy graph (removals repair reachability); tests and
  // HnswIndex::Unreachable (SemanticMemory.verify) check it.
  std::vector<uint32_t> Unreachable() const;
  // Test support: whether the kept level-0 in-degrees equal a recount.
  bool InDegreesConsistentForTest() const { return reach_.ConsistentForTest(); }
  // Test support: how many whole-graph sweeps the reachability repairs have run.
  size_t SweepsForTest() const { return reach_.SweepsForTest(); }
  // Test support: the lists removals have examined to find those holding the removed node.
  size_t RemovalWorkForTest() const { return removal_work_; }
  // Test support: whether level-0 holder lists are kept (from the first removal on).
  bool KeepsHolders0ForTest() const { return reach_.KeepsHolders0ForTest(); }
  // Test support: how many removals fell back to scanning every slot (a holder list not known).
  size_t RemovalScansForTest() const { return removal_scans_; }

  // Guards the whole graph for HnswIndex: shared for reads, exclusive for writes.
  RwLock& lock() const { return rw_; }
  // Guards what Find() and Stats() read, for lookups that do not take lock() (lookup_lock.h):
  // writers hold it (after lock()) whenever they change the id map, counts or capacities.
  LookupLock& lookup_lock() const { return lookup_; }

 private:
  friend class GraphLoader;
  friend class ParallelInserter;
  friend class Reachability;

  uint32_t max_links(uint32_t level) const { return level == 0 ? max_m0_ : config_.m; }
  // Link list of `slot` at `level`: [count][max_links(level) slots].
  uint32_t* links(uint32_t slot, uint32_t level) {
    return level == 0 ? link0_.data() + size_t{slot} * (max_m0_ + 1)
                      : upper_[slot].data() + size_t{level - 1} * (config_.m + 1);
  }
  const uint32_t* links(uint32_t slot, uint32_t level) const {
    return const_cast<Graph*>(this)->links(slot, level);
  }
  // A node of level L keeps, after its L upper link lists, for each upper level the nodes whose
  // list there holds it: [count][up to UpperHolderCap slots] (Reachability spills longer ones).
  size_t UpperWords(uint32_t level) const {
    return size_t{level} * (size_t{config_.m} + 1 + UpperHolderCap(config_.m) + 1);
  }
  uint32_t* upper_holders(uint32_t slot, uint32_t level) {
    return upper_[slot].data() + size_t{levels_[slot]} * (config_.m + 1) +
           size_t{level - 1} * (UpperHolderCap(config_.m) + 1);
  }

  using IdMap = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;
  // A node's own heap parts, made before it is stored (so that storing it cannot throw).
  struct PendingNode {
    std::string id;
    std::vector<uint32_t> upper;  // level x (1 + m), zero
    IdMap::node_type key;         // the id map's node for it
  };
  PendingNode MakeNode(std::string_view id, uint32_t level);
  // Takes every piece of memory a write will use: the insert of one node, after removing the
  // slot `removing` (kNone: none). After it, the write allocates nothing. Throws std::bad_alloc.
  void ReserveForWrite(uint32_t removing, Scratch* scratch);

  void Reserve(size_t slots, VectorStore::Fill fill = VectorStore::Fill::kGrowing);
  // Takes a slot (free list first) with room for it (Reserve), sets id, level, vector; links
  // empty. Does not throw.
  uint32_t Allocate(PendingNode node, uint32_t level, const float* prepared);
  // Insert after ReserveForWrite: allocates nothing.
  void InsertReserved(PendingNode node, uint32_t level, const float* vector, Scratch* scratch);
  // Greedy descent from `entry` (on `top_level`) down to level `stop` + 1; returns the closest.
  Candidate Descend(const Query& q, uint32_t entry, uint32_t top_level, uint32_t stop_level, bool lock) const;
  // Best `ef` live slots reachable at `level` from `entry` (a max-heap in scratch->top).
  // allow == nullptr: all live slots are results. `lock`: take per-node locks (parallel build).
  void SearchLayer(const Query& q, Candidate entry, size_t ef, uint32_t level,
                   const std::function<bool(uint32_t)>* allow, bool lock, Scratch* scratch) const;
  // Links the node `slot` (its vector as query q) at levels min(level, top)..0 from `entry`.
  void Connect(uint32_t slot, const Query& q, uint32_t level, Candidate entry, uint32_t top_level, bool lock,
               Scratch* scratch);
  // hnswlib's getNeighborsByHeuristic2: keeps a candidate unless it is closer to an already kept
  // one than to the base. `sorted` ascending by distance to the base; result in scratch->selected.
  void SelectNeighbors(const std::vector<Candidate>& sorted, size_t max_count, Scratch* scratch,
                       std::vector<Candidate>* out) const;
  // Adds `from` -> `to` at `level`; when full, re-selects `from`'s links with the heuristic.
  void AddLink(uint32_t from, uint32_t to, float dist, uint32_t level, bool lock, Scratch* scratch);
  float NodeDistance(uint32_t a, uint32_t b, Scratch* scratch) const;
  // Breadth-first walk over level-0 links: marks `from` reached and appends it to `queue`, then
  // expands the queue from there, appending every slot it reaches first (and, when `parent` is
  // not null, noting the slot it was reached from). `reached` holds one flag per slot.
  void WalkLevel0(uint32_t from, std::vector<uint8_t>* reached, std::vector<uint32_t>* queue,
                  std::vector<uint32_t>* parent) const;
  // Every (level, slot) list that holds `slot`, into scratch->holders, ascending (FORMAT.md
  // "remove"): from the kept holder lists; a scan of every slot for a level whose list is not
  // known (a spill that could not get memory).
  void FindHolders(uint32_t slot, Scratch* scratch);
  // Ranks the live slots allowed by `allow` among `slots` (nullptr: every slot) exactly.
  void ExactSearch(const Query& q, size_t k, const std::function<bool(uint32_t)>* allow,
                   const std::vector<uint32_t>* slots, Scratch* scratch) const;

  HnswConfig config_;
  uint32_t max_m0_;
  VectorStore vectors_;
  std::vector<uint32_t> link0_;               // capacity x (1 + 2m)
  std::vector<std::vector<uint32_t>> upper_;  // per slot: level x (1 + m)
  Reachability reach_{*this};                 // level-0 in-degrees and parent tree (derived)
  std::vector<uint8_t> levels_;
  std::vector<uint8_t> live_;
  std::vector<std::string> ids_;
  // Heap bytes of the live nodes' upper link lists, ids and id-map keys, kept up to date by
  // Allocate / Remove / Deserialize so that Stats() is O(1) (callers read counts often).
  size_t node_heap_bytes_ = 0;
  size_t NodeHeapBytes(uint32_t slot) const;
  IdMap id_map_;
  IdMap spare_keys_;            // always empty: MakeNode's source of map nodes
  std::vector<uint32_t> free_;  // stack: the last freed slot is reused first
  uint32_t slot_count_ = 0;
  uint32_t live_count_ = 0;
  uint32_t entry_ = kNone;
  uint32_t max_level_ = 0;
  size_t removal_work_ = 0;
  size_t removal_scans_ = 0;
  uint64_t rng_state_;
  std::string annotation_;
  mutable RwLock rw_;
  mutable LookupLock lookup_;
  mutable VisitedListPool visited_;
  // Parallel build only: one lock per slot guarding its link lists, one for entry_/max_level_.
  std::unique_ptr<std::mutex[]> node_locks_;
  // Parallel build only: whether a slot is fully linked (all its levels). Walks of other threads
  // step over a node still being linked, as if it were not there yet (hnswlib gets the same by
  // holding the node's lock for its whole insertion): otherwise another thread could take it as
  // the entry of a level whose links it has not written yet, find nothing else there, link its
  // own node to it alone, and have that link overwritten when the list is written.
  std::unique_ptr<std::atomic<bool>[]> linked_;
  bool Linked(uint32_t slot) const { return linked_[slot].load(std::memory_order_acquire); }
  mutable std::mutex entry_mu_;  // (Stats() reads max_level_ under it: threads may be linking)
};

}  // namespace ruv::hnsw
