// Removal with graph repair: every node that linked to the removed one re-selects its links, at
// each level, from its other links plus the removed node's links (hnswlib's heuristic), so later
// walks never pass through the removed slot and recall stays close to a fresh build.
#include <algorithm>

#include "hnsw_graph.h"

namespace ruv::hnsw {

void Graph::Remove(uint32_t slot, Scratch* s) {
  PrepareScratch(config_.dimensions, s);
  live_[slot] = 0;
  const uint32_t level = levels_[slot];
  // Scratch buffers: reserved by ReserveForWrite when the removal is part of an insert.
  std::vector<uint32_t>& removed_links = s->removed;
  std::vector<uint32_t>& pool_slots = s->pool_slots;
  std::vector<Candidate>& pool = s->pool;
  std::vector<Candidate>& kept = s->kept;
  for (uint32_t l = 0; l <= level; ++l) {
    const uint32_t* rl = links(slot, l);
    removed_links.assign(rl + 1, rl + 1 + rl[0]);
    for (uint32_t n = 0; n < slot_count_; ++n) {
      if (!live_[n] || levels_[n] < l) continue;
      uint32_t* ll = links(n, l);
      const uint32_t count = ll[0];
      if (!LinksHold(ll, slot)) continue;
      pool_slots.assign(ll + 1, ll + 1 + count);
      pool_slots.insert(pool_slots.end(), removed_links.begin(), removed_links.end());
      std::sort(pool_slots.begin(), pool_slots.end());
      pool_slots.erase(std::unique(pool_slots.begin(), pool_slots.end()), pool_slots.end());
      const Query qn = vectors_.RowQuery(n, s->row.data());
      pool.clear();
      for (const uint32_t x : pool_slots) {
        if (x == n || !live_[x]) continue;
        pool.push_back({vectors_.Distance(qn, x), x});
      }
      std::sort(pool.begin(), pool.end());
      SelectNeighbors(pool, max_links(l), s, &kept);
      if (l == 0) {
        reach_.SetLinks0(n, kept);  // keeps in-degrees; notes nodes left without in- or out-links
        continue;
      }
      ll[0] = static_cast<uint32_t>(kept.size());
      for (size_t i = 0; i < kept.size(); ++i) ll[1 + i] = kept[i].slot;
    }
  }
  reach_.NoteRemoved(slot);
  links(slot, 0)[0] = 0;
  node_heap_bytes_ -= NodeHeapBytes(slot);
  upper_[slot].clear();
  upper_[slot].shrink_to_fit();
  levels_[slot] = 0;
  id_map_.erase(ids_[slot]);
  ids_[slot].clear();
  ids_[slot].shrink_to_fit();
  free_.push_back(slot);
  --live_count_;
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

}  // namespace ruv::hnsw
