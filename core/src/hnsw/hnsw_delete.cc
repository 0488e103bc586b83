// Removal with graph repair: every node that linked to the removed one re-selects its links, at
// each level, from its other links plus the removed node's links (hnswlib's heuristic), so later
// walks never pass through the removed slot and recall stays close to a fresh build.
//
// Finding the nodes that link to it costs no scan of every slot (that made replacing every id
// quadratic, issue 15 defect 8): level 0 keeps, per node, the list of nodes that link to it (up
// to 2m); upper levels are searched near the node and checked against the kept upper in-degree.
// A scan remains the fallback for a node more than 2m lists held at once, and for a search that
// falls short (FORMAT.md "remove").
#include <algorithm>

#include "hnsw_graph.h"

namespace ruv::hnsw {

void Graph::FindHolders(uint32_t slot, Scratch* s) {
  std::vector<std::pair<uint32_t, uint32_t>>& holders = s->holders;
  holders.clear();
  const uint32_t level = levels_[slot];
  // The kept holder lists, level by level; `short_levels` those that overflowed.
  uint32_t short_levels = 0;  // bit l: level l overflowed
  uint32_t want_upper = reach_.UpperInDegree(slot);
  for (uint32_t l = 0; l <= level; ++l) {
    const uint32_t* data = nullptr;
    uint32_t count = 0;
    if (!reach_.Holders(slot, l, &data, &count)) {
      short_levels |= 1u << l;
      continue;
    }
    removal_work_ += count;
    for (uint32_t i = 0; i < count; ++i) holders.emplace_back(l, data[i]);
    if (l > 0) want_upper -= count;
  }
  // An upper level whose list overflowed: links there are chosen among near nodes and mostly
  // returned, so a search for the node's own row (while it is still live, so the walk passes
  // through it) meets the nodes that hold it; the kept upper in-degree says whether it met all.
  uint32_t scan_levels = short_levels & 1u;
  if ((short_levels & ~1u) != 0) {
    uint32_t found = 0;
    const Query q = vectors_.RowQuery(slot, s->row.data());
    const size_t ef = std::min<size_t>(std::max<size_t>(config_.ef_construction, kRepairEf), slot_count_);
    Candidate ep = Descend(q, entry_, max_level_, level, false);
    for (uint32_t l = level; l >= 1; --l) {
      SearchLayer(q, ep, ef, l, nullptr, false, s);
      for (const Candidate& c : s->top) {
        if (c < ep) ep = c;
        if ((short_levels >> l & 1u) == 0) continue;
        ++removal_work_;
        if (c.slot == slot || levels_[c.slot] < l || !LinksHold(links(c.slot, l), slot)) continue;
        holders.emplace_back(l, c.slot);
        ++found;
      }
    }
    if (found != want_upper) scan_levels |= short_levels & ~1u;
  }
  if (scan_levels != 0) {
    // The fallback: every slot's lists at those levels.
    ++removal_scans_;
    std::erase_if(holders, [&](const auto& h) { return (scan_levels >> h.first & 1u) != 0; });
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
