// The lock of what Contains() and Stats() read (the id map, the counts, the capacities), apart
// from the graph's RwLock: a writer holds the RwLock for a whole batch, but takes this one only
// for each step that changes those fields, and offers it between steps (Offer), so a lookup
// waits for one step (one insert, a chunk of allocations), never for the whole batch. The JS
// thread's has()/getStats() during a native insertBatchAsync rely on it (issue 15, defect 6).
//
// Writers lock the RwLock first, then this one; lookups take only this one (no cycle).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

namespace ruv::hnsw {

class LookupLock {
 public:
  // A writer's step (or a whole write that changes looked-up fields throughout).
  void lock() { mu_.lock(); }
  void unlock() { mu_.unlock(); }

  // A lookup: announces itself, so that the writer's next Offer lets it in.
  void lock_shared() {
    waiting_.fetch_add(1, std::memory_order_acq_rel);
    mu_.lock();
    waiting_.fetch_sub(1, std::memory_order_acq_rel);
    served_.fetch_add(1, std::memory_order_acq_rel);
  }
  void unlock_shared() { mu_.unlock(); }

  // Called by the writer holding the lock, between steps: when lookups wait, lets one of them
  // run first. (Unlocking and relocking alone would usually win the mutex back before the
  // waiter wakes; waiting for one served lookup, not for none waiting, keeps a stream of them
  // from stopping the writer.)
  void Offer() {
    if (waiting_.load(std::memory_order_acquire) == 0) return;
    const unsigned served = served_.load(std::memory_order_acquire);
    mu_.unlock();
    while (served_.load(std::memory_order_acquire) == served) std::this_thread::yield();
    mu_.lock();
  }

 private:
  std::mutex mu_;
  std::atomic<int> waiting_{0};      // lookups blocked in lock_shared
  std::atomic<unsigned> served_{0};  // lookups that got the lock
};

}  // namespace ruv::hnsw
