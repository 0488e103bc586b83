// Working memory shared by the HNSW graph's walks and its reachability repair: the candidate
// type, the per-thread scratch buffers, and the link-list helpers both sides read. Internal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ruv::hnsw {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// (distance, slot), ordered by distance then slot so that ties break the same everywhere.
struct Candidate {
  float dist;
  uint32_t slot;
};
inline bool operator<(const Candidate& a, const Candidate& b) {
  return a.dist < b.dist || (a.dist == b.dist && a.slot < b.slot);
}
inline bool operator>(const Candidate& a, const Candidate& b) { return b < a; }

// Per-thread working memory of a walk and of the writes around it. A write reserves what it will
// use up front (Graph::ReserveForWrite), so that running out of memory stops it before it has
// changed anything.
struct Scratch {
  std::vector<float> query;  // prepared query
  std::vector<float> row;    // decoded rows (int8 storage)
  std::vector<float> row2;
  std::vector<Candidate> candidates;
  std::vector<Candidate> top;
  std::vector<Candidate> selected;
  std::vector<uint32_t> links;
  // Insert: one level's candidates (ascending) and the links chosen among them.
  std::vector<Candidate> sorted;
  std::vector<Candidate> chosen;
  // A full link list re-selected (insert and removal): the pool and what the heuristic keeps.
  std::vector<Candidate> pool;
  std::vector<Candidate> kept;
  // Removal: the removed node's links at one level, and a neighbour's pool of slots.
  std::vector<uint32_t> removed;
  std::vector<uint32_t> pool_slots;
  // Removal: the (level, slot) lists that hold the removed node.
  std::vector<std::pair<uint32_t, uint32_t>> holders;
};

// Sizes the row buffers of `s` for vectors of `dimensions` floats (grows only).
inline void PrepareScratch(size_t dimensions, Scratch* s) {
  if (s->query.size() < dimensions) {
    s->query.resize(dimensions);
    s->row.resize(dimensions);
    s->row2.resize(dimensions);
  }
}

// Makes room for `n` elements, growing geometrically: called before every write with a size that
// grows by one, an exact reserve would reallocate each time.
template <class Vector>
void ReserveGrowing(Vector* v, size_t n) {
  if (v->capacity() < n) v->reserve(std::max(n, 2 * v->capacity()));
}

// Whether the link list `ll` ([count][slots...]) holds `slot`.
inline bool LinksHold(const uint32_t* ll, uint32_t slot) {
  return std::find(ll + 1, ll + 1 + ll[0], slot) != ll + 1 + ll[0];
}

}  // namespace ruv::hnsw
