// Reachability repair (FORMAT.md "reachability"): the heuristic that prunes a full link list (in
// insert and in remove's repair) may drop the only level-0 link to a node, and a removal takes
// the removed node's links with it. Level-0 in-degrees are counted as lists change; a live node
// left with none, with no out-links, or whose only in-links come from neighbours that only it
// links to (a closed pair) is reconnected at the end of the operation, in ascending slot order,
// without ever taking the last in-link of another node. The TS twin (graph.ts) does the same.
#include <algorithm>

#include "hnsw_graph.h"

namespace ruv::hnsw {

void Graph::RebuildInDegrees() {
  std::fill(in0_.begin(), in0_.end(), 0u);
  for (uint32_t n = 0; n < slot_count_; ++n) {
    if (!live_[n]) continue;
    const uint32_t* ll = links(n, 0);
    for (uint32_t i = 1; i <= ll[0]; ++i) ++in0_[ll[i]];
  }
}

bool Graph::InDegreesConsistentForTest() const {
  std::vector<uint32_t> count(slot_count_, 0);
  for (uint32_t n = 0; n < slot_count_; ++n) {
    if (!live_[n]) continue;
    const uint32_t* ll = links(n, 0);
    for (uint32_t i = 1; i <= ll[0]; ++i) ++count[ll[i]];
  }
  return std::equal(count.begin(), count.end(), in0_.begin());
}

void Graph::SetLinks0(uint32_t n, const std::vector<Candidate>& kept) {
  uint32_t* ll = links(n, 0);
  const uint32_t count = ll[0];
  for (uint32_t i = 1; i <= count; ++i) --in0_[ll[i]];
  for (const Candidate& c : kept) ++in0_[c.slot];
  for (uint32_t i = 1; i <= count; ++i) {
    if (in0_[ll[i]] <= 1) touched_.push_back(ll[i]);
  }
  ll[0] = static_cast<uint32_t>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) ll[1 + i] = kept[i].slot;
  if (kept.empty()) touched_.push_back(n);
}

namespace {
bool Holds(const uint32_t* ll, uint32_t slot) {
  return std::find(ll + 1, ll + 1 + ll[0], slot) != ll + 1 + ll[0];
}
}  // namespace

bool Graph::ClosedPair(uint32_t x) const {
  const uint32_t* lx = links(x, 0);
  uint32_t mutual = 0;
  for (uint32_t i = 1; i <= lx[0]; ++i) {
    const uint32_t n = lx[i];
    if (!Holds(links(n, 0), x)) continue;
    if (in0_[n] != 1) return false;
    ++mutual;
  }
  return mutual == in0_[x];
}

bool Graph::LinkTo(uint32_t x, uint32_t n, Scratch* s) {
  uint32_t* ll = links(n, 0);
  const uint32_t count = ll[0];
  if (count < max_m0_) {
    ll[1 + count] = x;
    ll[0] = count + 1;
    ++in0_[x];
    return true;
  }
  // Full: replace the farthest link (candidate order) whose target keeps another in-link.
  const Query qn = vectors_.RowQuery(n, s->row.data());
  uint32_t best = 0;
  Candidate worst{0, 0};
  for (uint32_t i = 1; i <= count; ++i) {
    const uint32_t t = ll[i];
    if (in0_[t] < 2) continue;
    const Candidate c{vectors_.Distance(qn, t), t};
    if (best == 0 || worst < c) {
      best = i;
      worst = c;
    }
  }
  if (best == 0) return false;
  --in0_[ll[best]];
  ll[best] = x;
  ++in0_[x];
  return true;
}

void Graph::Reconnect(Scratch* s) {
  if (touched_.empty()) return;
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  std::vector<Candidate> all;   // every other live slot by distance to x (rare fallbacks only)
  std::vector<Candidate> kept;
  for (const uint32_t x : touched_) {
    if (!live_[x] || live_count_ < 2) continue;
    all.clear();
    auto by_distance = [&]() -> const std::vector<Candidate>& {
      if (all.empty()) {
        const Query qx = vectors_.RowQuery(x, s->row.data());
        for (uint32_t n = 0; n < slot_count_; ++n) {
          if (live_[n] && n != x) all.push_back({vectors_.Distance(qx, n), n});
        }
        std::sort(all.begin(), all.end());
      }
      return all;
    };
    uint32_t* lx = links(x, 0);
    if (lx[0] == 0) {
      // No out-links (a removal took them all): the heuristic over the efConstruction nearest.
      const std::vector<Candidate>& near = by_distance();
      const size_t n = std::min<size_t>(near.size(), config_.ef_construction);
      const std::vector<Candidate> head(near.begin(), near.begin() + static_cast<ptrdiff_t>(n));
      SelectNeighbors(head, config_.m, s, &kept);
      lx[0] = static_cast<uint32_t>(kept.size());
      for (size_t i = 0; i < kept.size(); ++i) {
        lx[1 + i] = kept[i].slot;
        ++in0_[kept[i].slot];
      }
    }
    if (in0_[x] == 0) {
      bool linked = false;
      for (uint32_t i = 1; i <= lx[0] && !linked; ++i) linked = LinkTo(x, lx[i], s);
      if (linked) continue;
      for (const Candidate& c : by_distance()) {
        if (LinkTo(x, c.slot, s)) break;
      }
    } else if (ClosedPair(x)) {
      // Every in-link of x comes from an out-neighbour whose only in-link is x: x and those
      // neighbours may form an island. Link x from the nearest node outside it.
      for (const Candidate& c : by_distance()) {
        if (!Holds(links(c.slot, 0), x) && LinkTo(x, c.slot, s)) break;
      }
    }
  }
  touched_.clear();
}

}  // namespace ruv::hnsw
