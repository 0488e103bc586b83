// Removal with graph repair: every node that linked to the removed one re-selects its links, at
// each level, from its other links plus the removed node's links (hnswlib's heuristic), so later
// walks never pass through the removed slot and recall stays close to a fresh build.
//
// Finding the nodes that link to it must not cost a scan of every slot (that made replacing every
// id quadratic, issue 15 defect 8). A search near its row finds most of them; the kept in-degrees
// say whether any is left. If so, the slot becomes a tombstone (not live, not reusable, skipped by
// every walk and by serialize) until a cleanup, run once tombstones reach 1/8 of the live count
// (or before they would make the row store grow), repairs every list still holding one in a
// single pass: O(links) per cleanup, O(links per node) per removal amortized (FORMAT.md "remove"
// and "cleanup").
#include <algorithm>

#include "hnsw_graph.h"

namespace ruv::hnsw {

namespace {
constexpr size_t kMinTombstones = 64;  // a cleanup waits for at least this many
}  // namespace

void Graph::FindHolders(uint32_t slot, Scratch* s) {
  std::vector<std::pair<uint32_t, uint32_t>>& holders = s->holders;
  holders.clear();
  if (reach_.InDegree(slot) + reach_.UpperInDegree(slot) == 0) return;
  // Links are chosen among near nodes and mostly returned: a search for the node's own row (while
  // it is still live, so the walk passes through it) meets most nodes that hold it; its own
  // out-neighbours are checked too.
  auto check = [&](uint32_t n, uint32_t l) {
    ++removal_work_;
    if (n == slot || !live_[n] || levels_[n] < l || !LinksHold(links(n, l), slot)) return;
    for (const auto& h : holders) {
      if (h.first == l && h.second == n) return;
    }
    holders.emplace_back(l, n);
  };
  const uint32_t level = levels_[slot];
  const Query q = vectors_.RowQuery(slot, s->row.data());
  const size_t ef = std::min<size_t>(std::max<size_t>(config_.ef_construction, kRepairEf), slot_count_);
  Candidate ep = Descend(q, entry_, max_level_, level, false);
  for (int64_t l = level; l >= 0; --l) {
    const auto lv = static_cast<uint32_t>(l);
    SearchLayer(q, ep, ef, lv, nullptr, false, s);
    for (const Candidate& c : s->top) {
      check(c.slot, lv);
      if (c < ep) ep = c;
    }
    const uint32_t* own = links(slot, lv);
    for (uint32_t i = 1; i <= own[0]; ++i) check(own[i], lv);
  }
  std::sort(holders.begin(), holders.end());  // level by level, ascending slots
}

void Graph::RepairList(uint32_t n, uint32_t l, Scratch* s) {
  std::vector<uint32_t>& pool_slots = s->pool_slots;  // holds the extra candidates on entry
  const uint32_t* ll = links(n, l);
  pool_slots.insert(pool_slots.end(), ll + 1, ll + 1 + ll[0]);
  std::sort(pool_slots.begin(), pool_slots.end());
  pool_slots.erase(std::unique(pool_slots.begin(), pool_slots.end()), pool_slots.end());
  const Query qn = vectors_.RowQuery(n, s->row.data());
  std::vector<Candidate>& pool = s->pool;
  pool.clear();
  for (const uint32_t x : pool_slots) {
    // (A tombstone's list may name a slot freed and reused since, possibly at a lower level.)
    if (x == n || !live_[x] || levels_[x] < l) continue;
    pool.push_back({vectors_.Distance(qn, x), x});
  }
  std::sort(pool.begin(), pool.end());
  SelectNeighbors(pool, max_links(l), s, &s->kept);
  if (l == 0) {
    reach_.SetLinks0(n, s->kept);  // keeps in-degrees; notes nodes left without in- or out-links
  } else {
    reach_.SetUpperLinks(n, l, s->kept);
  }
}

void Graph::Release(uint32_t slot) {
  node_heap_bytes_ -= NodeHeapBytes(slot);
  links(slot, 0)[0] = 0;
  upper_[slot].clear();
  upper_[slot].shrink_to_fit();
  levels_[slot] = 0;
  free_.push_back(slot);  // room reserved by the caller
}

void Graph::Remove(uint32_t slot, Scratch* s) {
  PrepareScratch(config_.dimensions, s);
  // (Reserved by ReserveForWrite when the removal is part of an insert.)
  ReserveGrowing(&s->holders, size_t{reach_.InDegree(slot)} + reach_.UpperInDegree(slot));
  ReserveGrowing(&tombstones_, tombstones_.size() + 1);
  ReserveGrowing(&free_, free_.size() + 1);
  FindHolders(slot, s);
  live_[slot] = 0;
  std::vector<uint32_t>& pool_slots = s->pool_slots;
  for (const auto& [l, n] : s->holders) {
    const uint32_t* rl = links(slot, l);
    pool_slots.assign(rl + 1, rl + 1 + rl[0]);
    RepairList(n, l, s);
  }
  reach_.NoteRemoved(slot);
  node_heap_bytes_ -= NodeHeapBytes(slot);
  id_map_.erase(ids_[slot]);
  ids_[slot].clear();
  ids_[slot].shrink_to_fit();
  node_heap_bytes_ += NodeHeapBytes(slot);
  --live_count_;
  // Lists the search did not meet still hold it: its row and lists wait for the cleanup.
  if (reach_.InDegree(slot) + reach_.UpperInDegree(slot) > 0) {
    tombstones_.push_back(slot);
  } else {
    Release(slot);
  }
  if (entry_ == slot) {
    reach_.NoteNewEntry();  // check the whole graph from it
    entry_ = kNone;
    max_level_ = 0;
    for (uint32_t n = 0; n < slot_count_; ++n) {
      if (live_[n] && (entry_ == kNone || levels_[n] > max_level_)) {
        entry_ = n;
        max_level_ = levels_[n];
      }
    }
  }
  reach_.Repair(s);
}

void Graph::MaybeCleanTombstones(Scratch* s) {
  // Often enough that they cost O(m) per removal (amortized), and before tombstones would make
  // the slots outgrow their capacity (a doubling of the row store): then once they hold 1/64 of it.
  const size_t capacity = vectors_.capacity();
  const bool full =
      free_.empty() && slot_count_ >= capacity && tombstones_.size() >= std::max<size_t>(1, capacity / 64);
  if (!full && tombstones_.size() < std::max<size_t>(kMinTombstones, live_count_ / 8)) return;
  PrepareScratch(config_.dimensions, s);
  // First count the lists to repair and take the memory they need, changing nothing yet.
  size_t lists = 0;
  for (uint32_t n = 0; n < slot_count_; ++n) {
    if (!live_[n]) continue;
    for (uint32_t l = 0; l <= levels_[n]; ++l) {
      const uint32_t* ll = links(n, l);
      removal_work_ += 1;
      lists += std::any_of(ll + 1, ll + 1 + ll[0], [&](uint32_t t) { return !live_[t]; }) ? 1 : 0;
    }
  }
  const size_t widest = size_t{max_m0_} * (size_t{max_m0_} + 1);  // a list and each dead entry's list
  ReserveGrowing(&s->pool_slots, widest);
  ReserveGrowing(&s->pool, widest);
  s->kept.reserve(max_m0_);
  ReserveGrowing(&free_, free_.size() + tombstones_.size());
  reach_.ReserveNotes(lists * (size_t{max_m0_} + 1));
  // Every list holding a tombstone re-selects from its live links plus the tombstones' links.
  for (uint32_t n = 0; n < slot_count_; ++n) {
    if (!live_[n]) continue;
    for (uint32_t l = 0; l <= levels_[n]; ++l) {
      const uint32_t* ll = links(n, l);
      s->pool_slots.clear();
      bool dead = false;
      for (uint32_t i = 1; i <= ll[0]; ++i) {
        if (live_[ll[i]]) continue;
        dead = true;
        const uint32_t* dl = links(ll[i], l);
        s->pool_slots.insert(s->pool_slots.end(), dl + 1, dl + 1 + dl[0]);
      }
      if (dead) RepairList(n, l, s);
    }
  }
  for (const uint32_t t : tombstones_) Release(t);
  tombstones_.clear();
  ++cleanups_;
  reach_.Repair(s);
}

}  // namespace ruv::hnsw
