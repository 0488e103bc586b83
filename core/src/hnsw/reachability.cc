// Reachability repair (FORMAT.md "reachability"): the heuristic that prunes a full link list (in
// insert and in remove's repair) may drop the only level-0 link to a node, and a removal takes
// the removed node's links with it. Level-0 in-degrees are counted as lists change; a live node
// left with none, with no out-links, or whose only in-links come from neighbours that only it
// links to (a closed pair) is reconnected at the end of the operation, in ascending slot order,
// without ever taking the last in-link of another node.
#include "reachability.h"

#include <algorithm>
#include <new>

#include "hnsw_graph.h"
#include "holder_caps.h"

namespace ruv::hnsw {

void Reachability::Reserve(size_t slots, size_t ef_construction, size_t max_links, size_t holders) {
  in0_.resize(slots, 0);
  in_upper_.resize(slots, 0);
  rev_cap_ = static_cast<uint32_t>(holders);
  if (keep_holders0_) rev0_.resize(slots * (holders + 1), 0);
  parent_.reserve(slots);
  walk_.reserve(slots);
  reached_.reserve(slots);
  all_.reserve(slots + max_links);  // Sweep: a node's own links, then every reached slot
  head_.reserve(std::min(std::max(ef_construction, kRepairEf), slots));
  kept_pool_.reserve(std::min(ef_construction, slots));
  kept_.reserve(max_links);
}

void Reachability::KeepHolders0() {
  if (keep_holders0_) return;
  rev0_.assign(in0_.size() * (size_t{rev_cap_} + 1), 0);  // may throw: nothing kept yet
  keep_holders0_ = true;
  for (uint32_t n = 0; n < g_.slot_count_; ++n) {
    if (!g_.live_[n]) continue;
    const uint32_t* ll = g_.links(n, 0);
    for (uint32_t i = 1; i <= ll[0]; ++i) AddHolder(ll[i], 0, n);
  }
}

uint32_t* Reachability::FixedHolders(uint32_t slot, uint32_t level) const {
  return level == 0 ? const_cast<uint32_t*>(rev0_.data()) + size_t{slot} * (rev_cap_ + 1)
                    : g_.upper_holders(slot, level);
}

uint32_t Reachability::HolderCap(uint32_t level) const {
  return level == 0 ? rev_cap_ : UpperHolderCap(g_.config_.m);
}

bool Reachability::Holders(uint32_t slot, uint32_t level, const uint32_t** data, uint32_t* count) const {
  if (level == 0 && !keep_holders0_) return false;
  const uint32_t* r = FixedHolders(slot, level);
  if (r[0] == kOverflow) return false;
  if (r[0] == kSpilled) {
    const std::vector<uint32_t>& v = spilled_.find(SpillKey(slot, level))->second;
    *data = v.data();
    *count = static_cast<uint32_t>(v.size());
    return true;
  }
  *data = r + 1;
  *count = r[0];
  return true;
}

void Reachability::AddHolder(uint32_t slot, uint32_t level, uint32_t from) {
  if (level == 0 && !keep_holders0_) return;
  uint32_t* r = FixedHolders(slot, level);
  const uint32_t cap = HolderCap(level);
  if (r[0] == kOverflow) return;
  if (r[0] < cap) {
    r[1 + r[0]++] = from;
    return;
  }
  const uint64_t key = SpillKey(slot, level);
  try {
    if (r[0] == kSpilled) {
      std::vector<uint32_t>& v = spilled_.find(key)->second;
      spilled_words_ -= v.capacity();
      v.push_back(from);
      spilled_words_ += v.capacity();
      return;
    }
    std::vector<uint32_t> v;
    v.reserve(2 * size_t{cap});
    v.assign(r + 1, r + 1 + cap);
    v.push_back(from);
    const size_t words = v.capacity();
    spilled_.emplace(key, std::move(v));
    spilled_words_ += words;
    r[0] = kSpilled;
  } catch (const std::bad_alloc&) {
    // (push_back changes nothing when it throws: the old capacity is still what it holds.)
    if (r[0] == kSpilled) {
      auto it = spilled_.find(key);
      spilled_words_ -= it->second.capacity();
      spilled_.erase(it);
    }
    r[0] = kOverflow;
  }
}

void Reachability::RemoveHolder(uint32_t slot, uint32_t level, uint32_t from) {
  if (level == 0 && !keep_holders0_) return;
  uint32_t* r = FixedHolders(slot, level);
  if (r[0] == kOverflow) return;
  if (r[0] == kSpilled) {
    auto it = spilled_.find(SpillKey(slot, level));
    std::vector<uint32_t>& v = it->second;
    auto at = std::find(v.begin(), v.end(), from);
    if (at != v.end()) {
      *at = v.back();
      v.pop_back();
    }
    if (v.size() <= HolderCap(level) / 2) {  // fold back (half, so a list at the edge does not flap)
      r[0] = static_cast<uint32_t>(v.size());
      std::copy(v.begin(), v.end(), r + 1);
      spilled_words_ -= v.capacity();
      spilled_.erase(it);
    }
    return;
  }
  for (uint32_t i = 1; i <= r[0]; ++i) {
    if (r[i] == from) {
      r[i] = r[r[0]--];
      return;
    }
  }
}

void Reachability::ResetSlot(uint32_t slot, uint32_t level) {
  in0_[slot] = 0;
  in_upper_[slot] = 0;
  for (uint32_t l = keep_holders0_ ? 0 : 1; l <= level; ++l) {
    uint32_t* r = FixedHolders(slot, l);
    if (r[0] == kSpilled) {
      auto it = spilled_.find(SpillKey(slot, l));
      spilled_words_ -= it->second.capacity();
      spilled_.erase(it);
    }
    r[0] = 0;
  }
}

void Reachability::Link0(uint32_t from, uint32_t to) {
  ++in0_[to];
  AddHolder(to, 0, from);
}

void Reachability::Unlink0(uint32_t from, uint32_t to) {
  --in0_[to];
  RemoveHolder(to, 0, from);
}

void Reachability::AddInLink(uint32_t from, uint32_t to, uint32_t level) {
  if (level == 0) {
    Link0(from, to);
    return;
  }
  ++in_upper_[to];
  AddHolder(to, level, from);
}

void Reachability::Recount() {
  std::fill(in0_.begin(), in0_.end(), 0u);
  std::fill(in_upper_.begin(), in_upper_.end(), 0u);
  spilled_.clear();
  spilled_words_ = 0;
  for (uint32_t n = 0; n < g_.slot_count_; ++n) {
    if (keep_holders0_) rev0_[size_t{n} * (rev_cap_ + 1)] = 0;
    if (!g_.live_[n]) continue;
    for (uint32_t l = 1; l <= g_.levels_[n]; ++l) g_.upper_holders(n, l)[0] = 0;
  }
  for (uint32_t n = 0; n < g_.slot_count_; ++n) {
    if (!g_.live_[n]) continue;
    for (uint32_t l = 0; l <= g_.levels_[n]; ++l) {
      const uint32_t* ll = g_.links(n, l);
      for (uint32_t i = 1; i <= ll[0]; ++i) AddInLink(n, ll[i], l);
    }
  }
}

bool Reachability::ConsistentForTest() const {
  const uint32_t slots = g_.slot_count_;
  std::vector<uint32_t> level0(slots, 0), upper(slots, 0);
  std::vector<std::vector<std::vector<uint32_t>>> holders(slots);  // [slot][level]: ascending
  for (uint32_t n = 0; n < slots; ++n) {
    if (g_.live_[n]) holders[n].resize(size_t{g_.levels_[n]} + 1);
  }
  for (uint32_t n = 0; n < slots; ++n) {
    if (!g_.live_[n]) continue;
    for (uint32_t l = 0; l <= g_.levels_[n]; ++l) {
      const uint32_t* ll = g_.links(n, l);
      for (uint32_t i = 1; i <= ll[0]; ++i) {
        ++(l == 0 ? level0 : upper)[ll[i]];
        if (ll[i] < slots && l < holders[ll[i]].size()) holders[ll[i]][l].push_back(n);
      }
    }
  }
  for (uint32_t t = 0; t < slots; ++t) {
    if (level0[t] != in0_[t] || upper[t] != in_upper_[t]) return false;
    if (!g_.live_[t]) continue;
    for (uint32_t l = 0; l <= g_.levels_[t]; ++l) {
      const uint32_t* data = nullptr;
      uint32_t count = 0;
      if (!Holders(t, l, &data, &count)) continue;  // not known (a spill without memory)
      std::vector<uint32_t> kept(data, data + count);
      std::sort(kept.begin(), kept.end());
      if (kept != holders[t][l]) return false;
    }
  }
  return true;
}

void Reachability::SetUpperLinks(uint32_t n, uint32_t level, const std::vector<Candidate>& kept) {
  uint32_t* ll = g_.links(n, level);
  for (uint32_t i = 1; i <= ll[0]; ++i) {
    --in_upper_[ll[i]];
    RemoveHolder(ll[i], level, n);
  }
  ll[0] = static_cast<uint32_t>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    ll[1 + i] = kept[i].slot;
    AddInLink(n, kept[i].slot, level);
  }
}

void Reachability::SetLinks0(uint32_t n, const std::vector<Candidate>& kept) {
  uint32_t* ll = g_.links(n, 0);
  const uint32_t count = ll[0];
  for (uint32_t i = 1; i <= count; ++i) Unlink0(n, ll[i]);
  for (const Candidate& c : kept) Link0(n, c.slot);
  for (uint32_t i = 1; i <= count; ++i) {
    if (in0_[ll[i]] <= 1) touched_.push_back(ll[i]);
    if (!sweep_ &&
        std::none_of(kept.begin(), kept.end(), [t = ll[i]](const Candidate& c) { return c.slot == t; })) {
      dropped_.emplace_back(n, ll[i]);
    }
  }
  ll[0] = static_cast<uint32_t>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) ll[1 + i] = kept[i].slot;
  if (kept.empty()) touched_.push_back(n);
}

void Reachability::NoteRemoved(uint32_t slot) {
  const uint32_t* ll = g_.links(slot, 0);
  for (uint32_t i = 1; i <= ll[0]; ++i) {
    Unlink0(slot, ll[i]);
    if (in0_[ll[i]] <= 1) touched_.push_back(ll[i]);
    dropped_.emplace_back(slot, ll[i]);  // its tree children get new parents (FORMAT.md)
  }
  for (uint32_t l = 1; l <= g_.levels_[slot]; ++l) {
    const uint32_t* lu = g_.links(slot, l);
    for (uint32_t i = 1; i <= lu[0]; ++i) {
      --in_upper_[lu[i]];
      RemoveHolder(lu[i], l, slot);
    }
  }
  if (slot < parent_.size()) parent_[slot] = kNone;
  ResetSlot(slot, g_.levels_[slot]);
}

void Reachability::NoteParallelBuild() {
  for (uint32_t slot = 0; slot < g_.slot_count_; ++slot) {
    if (g_.live_[slot] && (in0_[slot] <= 1 || g_.links(slot, 0)[0] == 0)) touched_.push_back(slot);
  }
  sweep_ = true;
}

bool Reachability::ClosedPair(uint32_t x) const {
  const uint32_t* lx = g_.links(x, 0);
  uint32_t mutual = 0;
  for (uint32_t i = 1; i <= lx[0]; ++i) {
    const uint32_t n = lx[i];
    if (!LinksHold(g_.links(n, 0), x)) continue;
    if (in0_[n] != 1) return false;
    ++mutual;
  }
  return mutual == in0_[x];
}

bool Reachability::LinkTo(uint32_t x, uint32_t n, Scratch* s) {
  uint32_t* ll = g_.links(n, 0);
  const uint32_t count = ll[0];
  if (count < g_.max_m0_) {
    ll[1 + count] = x;
    ll[0] = count + 1;
    Link0(n, x);
    return true;
  }
  // Full: replace the farthest link (candidate order) whose target keeps another in-link.
  const Query qn = g_.vectors_.RowQuery(n, s->row.data());
  uint32_t best = 0;
  Candidate worst{0, 0};
  for (uint32_t i = 1; i <= count; ++i) {
    const uint32_t t = ll[i];
    if (in0_[t] < 2) continue;
    const Candidate c{g_.vectors_.Distance(qn, t), t};
    if (best == 0 || worst < c) {
      best = i;
      worst = c;
    }
  }
  if (best == 0) return false;
  if (!sweep_) dropped_.emplace_back(n, ll[best]);
  Unlink0(n, ll[best]);
  ll[best] = x;
  Link0(n, x);
  return true;
}

void Reachability::Repair(Scratch* s) {
  Reconnect(s);
  CheckReachable(s);
}

void Reachability::Reconnect(Scratch* s) {
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  std::vector<Candidate>& near = head_;  // the nearest live slots a search of level 0 finds
  std::vector<Candidate>& all = all_;    // every other live slot by distance to x (rare fallback)
  std::vector<Candidate>& kept = kept_;
  for (const uint32_t x : touched_) {
    if (!g_.live_[x] || g_.live_count_ < 2) continue;
    near.clear();
    all.clear();
    // Candidates come from a search for x's own row (bounded work, as an insert's); the scan of
    // every live slot is the fallback when none of those will take x. Sorting every slot for
    // each reconnection made builds quadratic at small m, where reconnections are frequent.
    auto by_search = [&]() -> const std::vector<Candidate>& {
      if (near.empty()) {
        const Query qx = g_.vectors_.RowQuery(x, s->row.data());
        const size_t ef = std::max<size_t>(g_.config_.ef_construction, kRepairEf);
        const Candidate ep = g_.Descend(qx, g_.entry_, g_.max_level_, 0, false);
        g_.SearchLayer(qx, ep, ef, 0, nullptr, false, s);
        for (const Candidate& c : s->top) {
          if (c.slot != x) near.push_back(c);
        }
        std::sort(near.begin(), near.end());
      }
      return near;
    };
    auto by_distance = [&]() -> const std::vector<Candidate>& {
      if (all.empty()) {
        const Query qx = g_.vectors_.RowQuery(x, s->row.data());
        for (uint32_t n = 0; n < g_.slot_count_; ++n) {
          if (g_.live_[n] && n != x) all.push_back({g_.vectors_.Distance(qx, n), n});
        }
        std::sort(all.begin(), all.end());
      }
      return all;
    };
    uint32_t* lx = g_.links(x, 0);
    if (lx[0] == 0) {
      // No out-links (a removal took them all): the heuristic over the efConstruction nearest
      // the search found.
      const std::vector<Candidate>& found = by_search();
      const size_t n = std::min<size_t>(found.size(), g_.config_.ef_construction);
      kept_pool_.assign(found.begin(), found.begin() + static_cast<ptrdiff_t>(n));
      g_.SelectNeighbors(kept_pool_, g_.config_.m, s, &kept);
      lx[0] = static_cast<uint32_t>(kept.size());
      for (size_t i = 0; i < kept.size(); ++i) {
        lx[1 + i] = kept[i].slot;
        Link0(x, kept[i].slot);
      }
    }
    if (in0_[x] == 0) {
      bool linked = false;
      for (uint32_t i = 1; i <= lx[0] && !linked; ++i) linked = LinkTo(x, lx[i], s);
      for (size_t i = 0; !linked && i < by_search().size(); ++i) linked = LinkTo(x, near[i].slot, s);
      if (linked) continue;
      for (const Candidate& c : by_distance()) {
        if (LinkTo(x, c.slot, s)) break;
      }
    } else if (ClosedPair(x)) {
      // Every in-link of x comes from an out-neighbour whose only in-link is x: x and those
      // neighbours may form an island. Link x from the nearest node outside it.
      auto outside = [&](const Candidate& c) {
        return !LinksHold(g_.links(c.slot, 0), x) && LinkTo(x, c.slot, s);
      };
      bool linked = false;
      for (size_t i = 0; !linked && i < by_search().size(); ++i) linked = outside(near[i]);
      if (linked) continue;
      for (const Candidate& c : by_distance()) {
        if (outside(c)) break;
      }
    }
  }
  touched_.clear();
}

namespace {
constexpr uint32_t kChainLimit = 64;  // FORMAT.md: parent steps followed before giving up
}  // namespace

// A new parent for v: the first candidate that is live, links to v, and whose parent chain
// reaches the entry point within kChainLimit steps without passing v. Candidates: v's level-0
// out-neighbours (stored order), then the `from` of each dropped link (order of dropped_).
bool Reachability::Reparent(uint32_t v, Scratch* s) {
  // Whether w's parent chain reaches the entry point within kChainLimit steps without v.
  auto chained = [&](uint32_t w) {
    uint32_t x = w;
    for (uint32_t step = 0; step < kChainLimit && x != kNone && x != v; ++step) {
      if (x == g_.entry_) return true;
      x = parent_[x];
    }
    return false;
  };
  auto adopt = [&](uint32_t w) {
    if (!g_.live_[w] || !LinksHold(g_.links(w, 0), v) || !chained(w)) return false;
    parent_[v] = w;
    return true;
  };
  const uint32_t* lv = g_.links(v, 0);
  for (uint32_t i = 1; i <= lv[0]; ++i) {
    if (adopt(lv[i])) return true;
  }
  for (const auto& [u, t] : dropped_) {
    if (adopt(u)) return true;
  }
  // v's other in-links come from nodes near it: a search for its row finds them (and, walking
  // from the entry point, only nodes reachable from it).
  const Query qv = g_.vectors_.RowQuery(v, s->row.data());
  const Candidate ep = g_.Descend(qv, g_.entry_, g_.max_level_, 0, false);
  g_.SearchLayer(qv, ep, std::max<size_t>(g_.config_.ef_construction, kRepairEf), 0, nullptr, false, s);
  std::vector<Candidate>& found = s->top;
  std::sort(found.begin(), found.end());
  for (const Candidate& c : found) {
    if (c.slot != v && adopt(c.slot)) return true;
  }
  // None links to it (v's in-links all come from inside its own subtree): link it from the
  // nearest of them on the tree, as a sweep would, first one with room (appending cuts no
  // path), else one that can give up a link (LinkTo notes the link it drops, checked in turn).
  for (int pass = 0; pass < 2; ++pass) {
    for (const Candidate& c : found) {
      if (c.slot == v || !g_.live_[c.slot] || !chained(c.slot)) continue;
      uint32_t* ll = g_.links(c.slot, 0);
      if (pass == 0 && ll[0] < g_.max_m0_) {
        ll[1 + ll[0]] = v;
        ++ll[0];
        Link0(c.slot, v);
      } else if (pass == 0 || dropped_.size() == dropped_.capacity() || !LinkTo(v, c.slot, s)) {
        continue;  // (a LinkTo that would grow the notes is left to the sweep: writes allocate nothing)
      }
      parent_[v] = c.slot;
      return true;
    }
  }
  return false;
}

void Reachability::CheckReachable(Scratch* s) {
  if (parent_.size() < g_.slot_count_) parent_.resize(g_.slot_count_, kNone);
  bool sweep = sweep_;
  if (!sweep && inserted_ != kNone && !Reparent(inserted_, s)) sweep = true;
  for (size_t i = 0; i < dropped_.size() && !sweep; ++i) {
    const auto [u, v] = dropped_[i];
    if (!g_.live_[v] || parent_[v] != u || LinksHold(g_.links(u, 0), v)) continue;
    if (!Reparent(v, s)) sweep = true;
  }
  dropped_.clear();
  inserted_ = kNone;
  sweep_ = true;  // the sweep's own link changes are not recorded
  if (sweep) Sweep(s);
  sweep_ = false;
}

void Reachability::BuildTree() {
  parent_.assign(g_.slot_count_, kNone);
  walk_.clear();
  if (g_.entry_ == kNone) return;
  std::vector<uint8_t> reached(g_.slot_count_, 0);
  g_.WalkLevel0(g_.entry_, &reached, &walk_, &parent_);
}

void Reachability::Sweep(Scratch* s) {
  if (g_.entry_ == kNone) return;
  ++sweeps_;
  std::vector<uint8_t>& reached = reached_;
  reached.assign(g_.slot_count_, 0);
  std::vector<Candidate>& all = all_;
  for (uint32_t pass = 0; pass < g_.live_count_; ++pass) {
    std::fill(reached.begin(), reached.end(), uint8_t{0});
    walk_.clear();
    std::fill(parent_.begin(), parent_.end(), kNone);
    g_.WalkLevel0(g_.entry_, &reached, &walk_, &parent_);
    if (walk_.size() == g_.live_count_) return;
    bool any = false;
    for (uint32_t x = 0; x < g_.slot_count_; ++x) {
      if (!g_.live_[x] || reached[x]) continue;
      // Candidates: x's reached out-neighbours in stored order, then every reached live slot by
      // distance to x. First the first one with room (appending never cuts a path), else the
      // first that LinkTo accepts.
      const uint32_t* lx = g_.links(x, 0);
      all.clear();
      for (uint32_t i = 1; i <= lx[0]; ++i) {
        if (reached[lx[i]]) all.push_back({0.0f, lx[i]});
      }
      const size_t own = all.size();
      const Query qx = g_.vectors_.RowQuery(x, s->row.data());
      for (uint32_t n = 0; n < g_.slot_count_; ++n) {
        if (g_.live_[n] && reached[n]) all.push_back({g_.vectors_.Distance(qx, n), n});
      }
      std::sort(all.begin() + static_cast<ptrdiff_t>(own), all.end());
      uint32_t from = kNone;
      for (const Candidate& c : all) {
        uint32_t* ll = g_.links(c.slot, 0);
        if (ll[0] < g_.max_m0_) {
          ll[1 + ll[0]] = x;
          ++ll[0];
          Link0(c.slot, x);
          from = c.slot;
          break;
        }
      }
      for (size_t i = 0; i < all.size() && from == kNone; ++i) {
        if (LinkTo(x, all[i].slot, s)) from = all[i].slot;
      }
      if (from != kNone) {
        any = true;
        parent_[x] = from;
        g_.WalkLevel0(x, &reached, &walk_, &parent_);
      }
    }
    if (!any) return;
  }
}

}  // namespace ruv::hnsw
