// Insertion and search of the HNSW graph (Malkov & Yashunin; hnswlib's variant). FORMAT.md
// states the same algorithm in words for the other backends.
#include "hnsw_graph.h"

#include <algorithm>
#include <limits>

#include "level_generator.h"

namespace ruv::hnsw {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Locks a node's link lists during a parallel build; does nothing otherwise.
class MaybeLock {
 public:
  MaybeLock(std::mutex* mu, bool lock) : mu_(lock ? mu : nullptr) {
    if (mu_) mu_->lock();
  }
  ~MaybeLock() {
    if (mu_) mu_->unlock();
  }
  MaybeLock(const MaybeLock&) = delete;
  MaybeLock& operator=(const MaybeLock&) = delete;

 private:
  std::mutex* mu_;
};

}  // namespace

Graph::Graph(const HnswConfig& config)
    : config_(config),
      max_m0_(2 * config.m),
      vectors_(config.dimensions, config.metric, config.storage),
      rng_state_(config.seed) {}

uint32_t Graph::Find(std::string_view id) const {
  auto it = id_map_.find(id);
  return it == id_map_.end() ? kNone : it->second;
}

void Graph::Reserve(size_t slots, VectorStore::Fill fill) {
  const size_t cap = vectors_.capacity();
  if (slots <= cap) return;
  const size_t fresh = std::max<size_t>({slots, cap * 2, 16});
  link0_.resize(fresh * (max_m0_ + 1), 0);
  upper_.resize(fresh);
  levels_.resize(fresh, 0);
  reach_.Reserve(fresh, config_.ef_construction, max_m0_, Level0HolderCap(config_.m));
  live_.resize(fresh, 0);
  ids_.resize(fresh);
  vectors_.Reserve(fresh, fresh == slots ? fill : VectorStore::Fill::kGrowing);
}

void Graph::ReserveSlots(size_t count, VectorStore::Fill fill) {
  Reserve(size_t{slot_count_} + count, fill);
  id_map_.reserve(id_map_.size() + count);
}

Graph::PendingNode Graph::MakeNode(std::string_view id, uint32_t level) {
  PendingNode node;
  node.id.assign(id);
  node.upper.assign(UpperWords(level), 0);
  // A node handle is only made by a map: take it from the spare one (same type, same
  // allocator), whose bucket array is made once rather than for every insert.
  spare_keys_.emplace(node.id, 0);
  node.key = spare_keys_.extract(spare_keys_.begin());
  return node;
}

void Graph::ReserveForWrite(uint32_t removing, Scratch* s) {
  PrepareScratch(config_.dimensions, s);
  // The insert takes the slot a removal frees, else a free one, else a new one.
  if (removing == kNone && free_.empty()) Reserve(size_t{slot_count_} + 1);
  ReserveGrowing(&free_, free_.size() + 1);
  if (static_cast<float>(id_map_.size() + 1) > id_map_.max_load_factor() * id_map_.bucket_count()) {
    id_map_.reserve(2 * (id_map_.size() + 1));
  }
  // The walks: a candidate heap holds each node at most once; one visited list serves them all
  // (writers are exclusive, so the list leased here is the one they take back).
  const size_t slots = size_t{slot_count_} + 1;
  // (Repair's search for a node to reconnect takes at least kRepairEf.)
  const size_t ef = std::min<size_t>(std::max<size_t>(config_.ef_construction, kRepairEf), slots);
  ReserveGrowing(&s->candidates, slots);
  s->top.reserve(ef + 1);
  s->sorted.reserve(ef + 1);
  s->chosen.reserve(config_.m);
  s->links.reserve(max_m0_);
  s->pool.reserve(2 * size_t{max_m0_} + 1);
  s->kept.reserve(max_m0_);
  s->removed.reserve(max_m0_);
  s->pool_slots.reserve(2 * size_t{max_m0_});
  { auto warm = visited_.Acquire(slots); }
  // Repair's notes: an insert prunes at most m full lists at level 0 (each noting its links and
  // itself); a removal prunes every list that held the removed node.
  const size_t per_list = size_t{max_m0_} + 1;
  size_t notes = (size_t{config_.m} + 1) * per_list;
  if (removing != kNone) {
    reach_.KeepHolders0();
    notes += (size_t{reach_.InDegree(removing)} + 1) * per_list;
    ReserveGrowing(&s->holders, size_t{reach_.InDegree(removing)} + reach_.UpperInDegree(removing));
  }
  reach_.ReserveNotes(notes);
}

uint32_t Graph::Allocate(PendingNode node, uint32_t level, const float* prepared) {
  const bool reuse = !free_.empty();
  const uint32_t slot = reuse ? free_.back() : slot_count_;
  ids_[slot] = std::move(node.id);
  node.key.mapped() = slot;
  id_map_.insert(std::move(node.key));  // room reserved: no rehash, no allocation
  if (reuse) {
    free_.pop_back();
  } else {
    ++slot_count_;
  }
  levels_[slot] = static_cast<uint8_t>(level);
  reach_.ResetSlot(slot, 0);  // (its upper lists, holder lists included, come zero from MakeNode)
  live_[slot] = 1;
  ++live_count_;
  links(slot, 0)[0] = 0;
  upper_[slot] = std::move(node.upper);
  vectors_.Set(slot, prepared);
  node_heap_bytes_ += NodeHeapBytes(slot);
  return slot;
}

size_t Graph::NodeHeapBytes(uint32_t slot) const {
  // std::string keeps up to 15 chars inline (libstdc++ / libc++ short-string buffers); the id
  // is stored twice, in ids_ and as the id map's key.
  const std::string& id = ids_[slot];
  const size_t id_heap = id.capacity() > 15 ? id.capacity() + 1 : 0;
  return upper_[slot].capacity() * sizeof(uint32_t) + 2 * id_heap;
}

float Graph::NodeDistance(uint32_t a, uint32_t b, Scratch* s) const {
  return vectors_.Distance(vectors_.RowQuery(a, s->row.data()), b);
}

Candidate Graph::Descend(const Query& q, uint32_t entry, uint32_t top_level, uint32_t stop_level,
                         bool lock) const {
  Candidate cur{vectors_.Distance(q, entry), entry};
  for (uint32_t level = top_level; level > stop_level; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      MaybeLock guard(lock ? &node_locks_[cur.slot] : nullptr, lock);
      const uint32_t* ll = links(cur.slot, level);
      const uint32_t count = ll[0];
      for (uint32_t i = 1; i <= count; ++i) {
        if (lock && !Linked(ll[i])) continue;
        const float d = vectors_.Distance(q, ll[i]);
        if (d < cur.dist) {
          cur = {d, ll[i]};
          changed = true;
        }
      }
    }
  }
  return cur;
}

void Graph::SearchLayer(const Query& q, Candidate entry, size_t ef, uint32_t level,
                        const std::function<bool(uint32_t)>* allow, bool lock, Scratch* s) const {
  auto visited = visited_.Acquire(slot_count_);
  std::vector<Candidate>& top = s->top;          // max-heap: worst result in front
  std::vector<Candidate>& cand = s->candidates;  // min-heap: closest unexpanded in front
  top.clear();
  cand.clear();
  visited->TestAndSet(entry.slot);
  float bound = kInf;
  if (live_[entry.slot] && (allow == nullptr || (*allow)(entry.slot))) {
    top.push_back(entry);
    bound = entry.dist;
  }
  cand.push_back(entry);
  std::vector<uint32_t>& nbrs = s->links;
  while (!cand.empty()) {
    const Candidate c = cand.front();
    if (c.dist > bound && top.size() >= ef) break;
    std::pop_heap(cand.begin(), cand.end(), std::greater<>());
    cand.pop_back();
    {
      MaybeLock guard(lock ? &node_locks_[c.slot] : nullptr, lock);
      const uint32_t* ll = links(c.slot, level);
      nbrs.assign(ll + 1, ll + 1 + ll[0]);
    }
    // The neighbours to visit first, their rows prefetched; then their distances, in the same
    // order (the walk is unchanged; only the rows' cache misses overlap).
    size_t pending = 0;
    for (size_t i = 0; i < nbrs.size(); ++i) {
      const uint32_t n = nbrs[i];
      if (visited->TestAndSet(n) || !live_[n] || (lock && !Linked(n))) continue;
      vectors_.Prefetch(n);
      nbrs[pending++] = n;
    }
    for (size_t i = 0; i < pending; ++i) {
      const uint32_t n = nbrs[i];
      const float d = vectors_.Distance(q, n);
      if (top.size() < ef || d < bound) {
        cand.push_back({d, n});
        std::push_heap(cand.begin(), cand.end(), std::greater<>());
        if (allow == nullptr || (*allow)(n)) {
          top.push_back({d, n});
          std::push_heap(top.begin(), top.end());
          if (top.size() > ef) {
            std::pop_heap(top.begin(), top.end());
            top.pop_back();
          }
          bound = top.front().dist;
        }
      }
    }
  }
}

void Graph::SelectNeighbors(const std::vector<Candidate>& sorted, size_t max_count, Scratch* s,
                            std::vector<Candidate>* out) const {
  out->clear();
  if (sorted.size() <= max_count) {
    out->assign(sorted.begin(), sorted.end());
    return;
  }
  for (const Candidate& c : sorted) {
    if (out->size() >= max_count) break;
    const Query qc = vectors_.RowQuery(c.slot, s->row2.data());
    bool keep = true;
    for (const Candidate& r : *out) {
      if (vectors_.Distance(qc, r.slot) < c.dist) {
        keep = false;
        break;
      }
    }
    if (keep) out->push_back(c);
  }
}

void Graph::AddLink(uint32_t from, uint32_t to, float dist, uint32_t level, bool lock, Scratch* s) {
  MaybeLock guard(lock ? &node_locks_[from] : nullptr, lock);
  uint32_t* ll = links(from, level);
  const uint32_t count = ll[0];
  for (uint32_t i = 1; i <= count; ++i) {
    if (ll[i] == to) return;
  }
  if (count < max_links(level)) {
    ll[1 + count] = to;
    ll[0] = count + 1;
    if (!lock) reach_.AddInLink(from, to, level);
    return;
  }
  std::vector<Candidate>& pool = s->pool;
  pool.clear();
  pool.push_back({dist, to});
  const Query qf = vectors_.RowQuery(from, s->row.data());
  for (uint32_t i = 1; i <= count; ++i) pool.push_back({vectors_.Distance(qf, ll[i]), ll[i]});
  std::sort(pool.begin(), pool.end());
  std::vector<Candidate>& kept = s->kept;
  SelectNeighbors(pool, max_links(level), s, &kept);
  if (!lock) {  // in-degrees are kept serially only (a parallel build recounts)
    if (level == 0) {
      reach_.SetLinks0(from, kept);
    } else {
      reach_.SetUpperLinks(from, level, kept);
    }
    return;
  }
  ll[0] = static_cast<uint32_t>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) ll[1 + i] = kept[i].slot;
}

void Graph::Connect(uint32_t slot, const Query& q, uint32_t level, Candidate entry, uint32_t top_level,
                    bool lock, Scratch* s) {
  std::vector<Candidate>& sorted = s->sorted;
  std::vector<Candidate>& chosen = s->chosen;
  for (int64_t l = std::min(level, top_level); l >= 0; --l) {
    const auto lv = static_cast<uint32_t>(l);
    SearchLayer(q, entry, config_.ef_construction, lv, nullptr, lock, s);
    sorted.assign(s->top.begin(), s->top.end());
    std::sort(sorted.begin(), sorted.end());
    // Never reached in a parallel build either (walks step over nodes still being linked): kept
    // as a guard, a node must not link to itself.
    std::erase_if(sorted, [slot](const Candidate& c) { return c.slot == slot; });
    if (sorted.empty()) continue;
    SelectNeighbors(sorted, config_.m, s, &chosen);
    {
      MaybeLock guard(lock ? &node_locks_[slot] : nullptr, lock);
      uint32_t* ll = links(slot, lv);
      ll[0] = static_cast<uint32_t>(chosen.size());
      for (size_t i = 0; i < chosen.size(); ++i) ll[1 + i] = chosen[i].slot;
      if (!lock) {
        for (const Candidate& c : chosen) reach_.AddInLink(slot, c.slot, lv);
      }
    }
    for (const Candidate& c : chosen) AddLink(c.slot, slot, c.dist, lv, lock, s);
    entry = sorted.front();
  }
}

void Graph::Insert(std::string_view id, const float* vector, Scratch* s) {
  const uint32_t old = Find(id);
  const uint64_t rng_before = rng_state_;
  uint32_t level = 0;
  PendingNode node;
  try {
    level = DrawLevel(&rng_state_, config_.m);
    node = MakeNode(id, level);
    ReserveForWrite(old, s);
  } catch (...) {
    rng_state_ = rng_before;  // the level is drawn again by the retry
    throw;
  }
  // From here on nothing allocates: the write cannot stop half done.
  if (old != kNone) Remove(old, s);
  InsertReserved(std::move(node), level, vector, s);
}

void Graph::InsertReserved(PendingNode node, uint32_t level, const float* vector, Scratch* s) {
  const Query q = vectors_.PrepareInto(vector, s->query.data());
  const uint32_t slot = Allocate(std::move(node), level, s->query.data());
  if (entry_ == kNone) {
    entry_ = slot;
    max_level_ = level;
    return;
  }
  const Candidate ep = Descend(q, entry_, max_level_, level, false);
  Connect(slot, q, level, ep, max_level_, false, s);
  if (level > max_level_) {
    entry_ = slot;
    max_level_ = level;
    reach_.NoteNewEntry();  // check the whole graph from it
  }
  reach_.NoteInserted(slot);
  reach_.Repair(s);
}

void Graph::ExactSearch(const Query& q, size_t k, const std::function<bool(uint32_t)>* allow,
                        const std::vector<uint32_t>* slots, Scratch* s) const {
  std::vector<Candidate>& all = s->top;
  all.clear();
  const auto consider = [&](uint32_t slot) {
    if (!live_[slot] || (allow != nullptr && !(*allow)(slot))) return;
    all.push_back({vectors_.Distance(q, slot), slot});
  };
  if (slots != nullptr) {
    for (const uint32_t slot : *slots) consider(slot);
  } else {
    for (uint32_t slot = 0; slot < slot_count_; ++slot) consider(slot);
  }
  const size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n), all.end());
  s->selected.assign(all.begin(), all.begin() + static_cast<ptrdiff_t>(n));
}

void Graph::Search(const float* query, size_t k, size_t ef, const std::function<bool(uint32_t)>* allow,
                   const std::vector<uint32_t>* listed, Scratch* s) const {
  s->selected.clear();
  if (live_count_ == 0 || k == 0) return;
  PrepareScratch(config_.dimensions, s);
  const Query q = vectors_.PrepareInto(query, s->query.data());
  ef = std::max(ef, k);
  if (listed != nullptr && listed->size() <= ef) {  // no more candidates than the walk keeps: rank them
    ExactSearch(q, k, allow, listed, s);
    return;
  }
  if (ef >= live_count_) {  // the walk would touch every node anyway: be exact
    ExactSearch(q, k, allow, nullptr, s);
    return;
  }
  const Candidate ep = Descend(q, entry_, max_level_, 0, false);
  SearchLayer(q, ep, ef, 0, allow, false, s);
  std::sort(s->top.begin(), s->top.end());
  if (s->top.size() > k) s->top.resize(k);
  s->selected.assign(s->top.begin(), s->top.end());
}

void Graph::WalkLevel0(uint32_t from, std::vector<uint8_t>* reached, std::vector<uint32_t>* queue,
                       std::vector<uint32_t>* parent) const {
  size_t i = queue->size();
  (*reached)[from] = 1;
  queue->push_back(from);
  for (; i < queue->size(); ++i) {
    const uint32_t node = (*queue)[i];
    const uint32_t* ll = links(node, 0);
    for (uint32_t j = 1; j <= ll[0]; ++j) {
      const uint32_t t = ll[j];
      if ((*reached)[t]) continue;
      (*reached)[t] = 1;
      if (parent != nullptr) (*parent)[t] = node;
      queue->push_back(t);
    }
  }
}

std::vector<uint32_t> Graph::Unreachable() const {
  std::vector<uint8_t> seen(slot_count_, 0);
  std::vector<uint32_t> queue;
  if (entry_ != kNone) WalkLevel0(entry_, &seen, &queue, nullptr);
  std::vector<uint32_t> out;
  for (uint32_t slot = 0; slot < slot_count_; ++slot) {
    if (live_[slot] && !seen[slot]) out.push_back(slot);
  }
  return out;
}

HnswStats Graph::Stats() const {
  HnswStats st;
  st.count = live_count_;
  st.slots = slot_count_;
  st.dimensions = config_.dimensions;
  st.m = config_.m;
  st.ef_construction = config_.ef_construction;
  st.ef_search = config_.ef_search;
  {
    std::lock_guard<std::mutex> top(entry_mu_);
    st.max_level = max_level_;
  }
  st.vector_bytes = vectors_.bytes();
  size_t bytes = st.vector_bytes + link0_.capacity() * sizeof(uint32_t) + reach_.bytes() +
                 levels_.capacity() + live_.capacity() + free_.capacity() * sizeof(uint32_t) +
                 upper_.capacity() * sizeof(std::vector<uint32_t>) + ids_.capacity() * sizeof(std::string);
  bytes += node_heap_bytes_;
  // unordered_map: one node (key copy + value + next pointer + hash) and one bucket per entry.
  bytes +=
      id_map_.size() * (sizeof(std::string) + 3 * sizeof(void*)) + id_map_.bucket_count() * sizeof(void*);
  st.memory_bytes = bytes + visited_.bytes();
  return st;
}

}  // namespace ruv::hnsw
