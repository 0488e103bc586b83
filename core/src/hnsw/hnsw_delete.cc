// Removal with graph repair: every node that linked to the removed one re-selects its links, at
// each level, from its other links plus the removed node's links (hnswlib's heuristic), so later
// walks never pass through the removed slot and recall stays close to a fresh build.
//
// The nodes that link to it come from the holder lists Reachability keeps, not from a scan of
// every slot (that made replacing every id quadratic, issue 15 defect 8). A scan remains only for
// a list a spill could not get memory for (FORMAT.md "remove").
#include <algorithm>

#include "hnsw_graph.h"

namespace ruv::hnsw {

void Graph::FindHolders(uint32_t slot, Scratch* s) {
  std::vector<std::pair<uint32_t, uint32_t>>& holders = s->holders;
  holders.clear();
  const uint32_t level = levels_[slot];
  uint32_t scan_levels = 0;  // bit l: the list of level l is not known (a spill without memory)
  for (uint32_t l = 0; l <= level; ++l) {
    const uint32_t* data = nullptr;
    uint32_t count = 0;
    if (!reach_.Holders(slot, l, &data, &count)) {
      scan_levels |= 1u << l;
      continue;
    }
    removal_work_ += count;
    for (uint32_t i = 0; i < count; ++i) holders.emplace_back(l, data[i]);
  }
  if (scan_levels != 0) {
    // The fallback: every slot's lists at those levels.
    ++removal_scans_;
    for (uint32_t n = 0; n < slot_count_; ++n) {
      if (!live_[n] || n == slot) continue;
      for (uint32_t l = 0; l <= std::min<uint32_t>(levels_[n], level); ++l) {
        if ((scan_levels >> l & 1u) == 0) continue;
        ++removal_work_;
        if (LinksHold(links(n, l), slot)) holders.emplace_back(l, n);
      }
    }
  }
  std::sort(holders.begin(), holders.end());  // the order a scan level by level repairs them in
}

void Graph::Remove(uint32_t slot, Scratch* s) {
  PrepareScratch(config_.dimensions, s);
  reach_.KeepHolders0();  // (the first removal builds them: ReserveForWrite, or here)
  // (Reserved by ReserveForWrite when the removal is part of an insert.)
  ReserveGrowing(&s->holders, size_t{reach_.InDegree(slot)} + reach_.UpperInDegree(slot));
  FindHolders(slot, s);
  live_[slot] = 0;
  // Scratch buffers: reserved by ReserveForWrite when the removal is part of an insert.
  std::vector<uint32_t>& removed_links = s->removed;
  std::vector<uint32_t>& pool_slots = s->pool_slots;
  std::vector<Candidate>& pool = s->pool;
  std::vector<Candidate>& kept = s->kept;
  uint32_t removed_level = kNone;
  for (const auto& [l, n] : s->holders) {
    if (l != removed_level) {  // holders come level by level
      const uint32_t* rl = links(slot, l);
      removed_links.assign(rl + 1, rl + 1 + rl[0]);
      removed_level = l;
    }
    uint32_t* ll = links(n, l);
    const uint32_t count = ll[0];
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
    } else {
      reach_.SetUpperLinks(n, l, kept);
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
