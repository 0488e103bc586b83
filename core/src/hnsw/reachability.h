// Reachability state of the HNSW graph's level 0 (FORMAT.md "reachability"): kept level-0
// in-degrees, the nodes an operation touched, the tree links it dropped, and the parent tree
// rooted at the entry point. Graph tells it what an insert, a removal, a parallel build or a
// load changed; Repair() then reconnects the nodes left without in- or out-links and keeps
// every live node reachable from the entry point. Derived state only, never serialized.
// Not synchronized: Graph calls it from its (serialized) writers only. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scratch.h"

namespace ruv::hnsw {

class Graph;

// Reconnect's search for a node's nearest: at least this many candidates (or efConstruction).
inline constexpr size_t kRepairEf = 32;

class Reachability {
 public:
  explicit Reachability(Graph& graph) : g_(graph) {}
  Reachability(const Reachability&) = delete;
  Reachability& operator=(const Reachability&) = delete;

  // --- in-degrees -----------------------------------------------------------------------------
  // Per-slot state and the buffers Repair uses, for `slots` slots (so Repair allocates nothing
  // but its notes, see ReserveNotes).
  void Reserve(size_t slots, size_t ef_construction, size_t max_links, size_t holders);
  // Room for `count` more notes (touched slots, dropped links) of the coming operation.
  void ReserveNotes(size_t count) {
    ReserveGrowing(&touched_, touched_.size() + count);
    ReserveGrowing(&dropped_, dropped_.size() + 2 * count);  // Reconnect: one per touched slot
  }
  uint32_t InDegree(uint32_t slot) const { return in0_[slot]; }
  // How many upper-level lists (all levels above 0 together) hold `slot`.
  uint32_t UpperInDegree(uint32_t slot) const { return in_upper_[slot]; }
  // Count words of a holder list: kSpilled when it outgrew its fixed room and lives in spilled_,
  // kOverflow when even that could not get memory (then only a scan knows the holders).
  static constexpr uint32_t kOverflow = 0xFFFFFFFFu;
  static constexpr uint32_t kSpilled = 0xFFFFFFFEu;
  // The nodes whose list at `level` holds `slot` (level <= the slot's level): true with *data and
  // *count set, false when they are not known (a spill that ran out of memory).
  bool Holders(uint32_t slot, uint32_t level, const uint32_t** data, uint32_t* count) const;
  // Starts keeping the level-0 holder lists (built from the link lists), for a removal: until
  // the first one an index keeps none (FORMAT.md "remove"), so that an index that is only
  // added to and searched (the usual case) neither holds nor, when loaded, rebuilds them: 260
  // bytes per entry at m = 16. Throws std::bad_alloc (nothing changed) when memory is short.
  void KeepHolders0();
  bool KeepsHolders0ForTest() const { return keep_holders0_; }
  // Forgets the slot's in-degrees and holder lists (levels 0..level), for a removal or a new node.
  void ResetSlot(uint32_t slot, uint32_t level);
  // A link from -> to was added at `level` (to a list that had room).
  void AddInLink(uint32_t from, uint32_t to, uint32_t level);
  // Writes `kept` as links(n, level) for a level above 0, keeping the upper in-degrees.
  void SetUpperLinks(uint32_t n, uint32_t level, const std::vector<Candidate>& kept);
  // Recounts every in-degree and holder list from the link lists (a parallel build and a load
  // do not keep them as they go).
  void Recount();
  // Test support: whether the kept in-degrees equal a recount.
  bool ConsistentForTest() const;
  // Test support: how many sweeps (walks of the whole graph) the repairs have run.
  size_t SweepsForTest() const { return sweeps_; }
  size_t bytes() const {
    return (in0_.capacity() + in_upper_.capacity() + rev0_.capacity() + spilled_words_ + spilled_.size() * 8 +
            spilled_.bucket_count() * 2 + parent_.capacity() + walk_.capacity()) *
               sizeof(uint32_t) +
           reached_.capacity() +
           (all_.capacity() + head_.capacity() + kept_pool_.capacity()) * sizeof(Candidate);
  }

  // --- what the current operation changed -----------------------------------------------------
  // Writes `kept` as links(n, 0), updating in-degrees; targets left with <= 1 in-link and `n`
  // left with no out-link are noted as touched; dropped links are noted for the tree.
  void SetLinks0(uint32_t n, const std::vector<Candidate>& kept);
  // An insert added `slot` (all its neighbours may have pruned it away again).
  void NoteInserted(uint32_t slot) {
    inserted_ = slot;
    touched_.push_back(slot);
  }
  // The entry point changed: the whole graph is checked from it.
  void NoteNewEntry() { sweep_ = true; }
  // `slot` is being removed: its out-links go, at every level (call before clearing its lists).
  void NoteRemoved(uint32_t slot);
  // A parallel build linked nodes without keeping the state: recount, touch every weak node,
  // sweep. (Call after Recount.)
  void NoteParallelBuild();

  // Reconnects every live touched slot (ascending, once) left with no level-0 out-links, no
  // level-0 in-links or closed in a pair; then keeps the parent tree (re-parenting locally, else
  // sweeping). Clears the operation's notes.
  void Repair(Scratch* scratch);
  // Rebuilds the parent tree by a walk from the entry point (after a load).
  void BuildTree();

 private:
  // The level-0 link from -> to was added / removed: in-degree and holder list follow.
  void Link0(uint32_t from, uint32_t to);
  void Unlink0(uint32_t from, uint32_t to);
  // The fixed holder list of `slot` at `level` ([count][room for HolderCap(level)]).
  uint32_t* FixedHolders(uint32_t slot, uint32_t level) const;
  uint32_t HolderCap(uint32_t level) const;
  static uint64_t SpillKey(uint32_t slot, uint32_t level) { return uint64_t{slot} << 8 | level; }
  // Adds / removes `from` in the holder list of `slot` at `level` (spilling a full fixed list,
  // folding a spilled one back once it fits again). Never throws: memory a spill cannot get
  // marks the list kOverflow.
  void AddHolder(uint32_t slot, uint32_t level, uint32_t from);
  void RemoveHolder(uint32_t slot, uint32_t level, uint32_t from);
  void Reconnect(Scratch* scratch);
  // FORMAT.md "reachability tree": keeps parent_ a tree of level-0 links rooted at the entry
  // point (new node and dropped tree links re-parented locally), else sweeps: a breadth-first
  // walk from the entry point that links every live slot it misses and rebuilds the tree.
  void CheckReachable(Scratch* scratch);
  bool Reparent(uint32_t v, Scratch* scratch);
  void Sweep(Scratch* scratch);
  // Adds the link n -> x at level 0 (appended, or in place of n's farthest link whose target
  // keeps another in-link); false when n cannot take it.
  bool LinkTo(uint32_t x, uint32_t n, Scratch* scratch);
  // Whether every level-0 in-link of x comes from an out-neighbour whose only in-link is x.
  bool ClosedPair(uint32_t x) const;

  Graph& g_;
  std::vector<uint32_t> in0_;       // per slot: how many level-0 lists hold it
  std::vector<uint32_t> in_upper_;  // per slot: how many lists above level 0 hold it
  // Per slot: [count][the nodes whose level-0 list holds it] with room for rev_cap_
  // (Level0HolderCap), count kSpilled or kOverflow past that (FORMAT.md "remove"). Empty until
  // KeepHolders0.
  std::vector<uint32_t> rev0_;
  uint32_t rev_cap_ = 0;
  bool keep_holders0_ = false;
  // Holder lists that outgrew their fixed room (hubs: nodes many lists hold, as the first of
  // several identical rows becomes), by SpillKey; and the words their vectors hold.
  std::unordered_map<uint64_t, std::vector<uint32_t>> spilled_;
  size_t spilled_words_ = 0;
  std::vector<uint32_t> touched_;  // slots whose in-degree fell to <= 1 in the current operation
  // Level-0 links (from, to) removed in the current operation, and whether it needs a full sweep
  // (a removal, a new entry point, a parallel build).
  std::vector<std::pair<uint32_t, uint32_t>> dropped_;
  bool sweep_ = false;
  size_t sweeps_ = 0;
  uint32_t inserted_ = kNone;     // the slot the current insert added
  std::vector<uint32_t> parent_;  // reachability tree over level-0 links
  std::vector<uint32_t> walk_;    // queue of Sweep / BuildTree
  // Repair's working memory, kept at capacity: reached flags (Sweep), live slots by distance,
  // the nearest a search finds, the efConstruction first of them and the links chosen among
  // those (Reconnect).
  std::vector<uint8_t> reached_;
  std::vector<Candidate> all_;
  std::vector<Candidate> head_;       // the nearest a search found
  std::vector<Candidate> kept_pool_;  // the efConstruction first of them
  std::vector<Candidate> kept_;
};

}  // namespace ruv::hnsw
