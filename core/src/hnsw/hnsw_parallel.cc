// Bulk insertion of new, distinct ids, on several threads (hnswlib's scheme): slots, levels and
// rows are assigned in entry order first, so the level generator draws what serial inserts
// would; then threads take entries in turn and link them, each node's link lists guarded by its
// own mutex and the entry point by entry_mu_. The caller holds the index exclusively.
#include <algorithm>
#include <atomic>
#include <new>
#include <system_error>
#include <thread>

#include "hnsw_graph.h"
#include "level_generator.h"

namespace ruv::hnsw {

namespace {
// Below this many entries per thread, thread start-up costs more than it saves.
constexpr size_t kMinEntriesPerThread = 256;
// Allocations between offers of the lookup lock (~0.1-1 ms at 384-d).
constexpr size_t kAllocationsPerOffer = 1024;
}  // namespace

void Graph::InsertMany(const std::vector<std::pair<std::string_view, const float*>>& entries,
                       unsigned threads, std::unique_lock<LookupLock>* lookup) {
  Scratch s;
  size_t first = 0;
  // The first node of an empty index has nothing to link to: insert it (and small batches) here.
  if (entry_ == kNone && !entries.empty()) {
    Insert(entries[0].first, entries[0].second, &s);
    first = 1;
  }
  const size_t count = entries.size() - first;
  threads = static_cast<unsigned>(std::min<size_t>(threads, count / kMinEntriesPerThread));
  if (threads <= 1) {
    for (size_t i = first; i < entries.size(); ++i) {
      lookup->mutex()->Offer();
      Insert(entries[i].first, entries[i].second, &s);
    }
    return;
  }

  PrepareScratch(config_.dimensions, &s);
  ReserveSlots(count);
  std::vector<uint32_t> slots(count), levels(count);
  for (size_t i = 0; i < count; ++i) {
    const auto& [id, vector] = entries[first + i];
    levels[i] = DrawLevel(&rng_state_, config_.m);
    vectors_.PrepareInto(vector, s.query.data());
    slots[i] = Allocate(MakeNode(id, levels[i]), levels[i], s.query.data());
    if (i % kAllocationsPerOffer == kAllocationsPerOffer - 1) lookup->mutex()->Offer();
  }
  node_locks_ = std::make_unique<std::mutex[]>(slot_count_);
  linked_ = std::make_unique<std::atomic<bool>[]>(slot_count_);
  for (uint32_t i = 0; i < slot_count_; ++i) linked_[i].store(true, std::memory_order_relaxed);
  for (const uint32_t slot : slots) linked_[slot].store(false, std::memory_order_relaxed);

  std::atomic<size_t> next{0};
  std::atomic<bool> out_of_memory{false};
  auto link_all = [&] {
    Scratch ts;
    PrepareScratch(config_.dimensions, &ts);
    std::vector<float> query(config_.dimensions);
    for (size_t i = next++; i < count; i = next++) {
      const uint32_t slot = slots[i];
      const uint32_t level = levels[i];
      const Query q = vectors_.PrepareInto(entries[first + i].second, query.data());
      std::unique_lock<std::mutex> top(entry_mu_);
      const uint32_t entry = entry_;
      const uint32_t top_level = max_level_;
      if (level <= top_level) top.unlock();  // only a new top node keeps the entry point locked
      const Candidate ep = Descend(q, entry, top_level, level, true);
      Connect(slot, q, level, ep, top_level, true, &ts);
      linked_[slot].store(true, std::memory_order_release);
      if (level > top_level) {
        entry_ = slot;
        max_level_ = level;
      }
    }
  };
  // An exception must not leave a worker thread (std::terminate): note it, rethrow after join.
  auto work = [&] {
    try {
      link_all();
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
      next = count;
    }
  };
  // Every id is in the map and counted now; linking changes only link lists and the entry point.
  lookup->unlock();
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no threads here (e.g. wasm without pthreads): the calling thread does the rest
    }
  }
  work();
  for (std::thread& t : pool) t.join();
  lookup->lock();
  node_locks_.reset();
  linked_.reset();
  // In-degrees were not kept by the threads: recount, then reconnect any node left without
  // level-0 in-links (pruned away by a neighbour) or closed in a pair, in slot order.
  reach_.Recount();
  if (out_of_memory) throw std::bad_alloc();
  reach_.NoteParallelBuild();
  reach_.Repair(&s);
}

}  // namespace ruv::hnsw
