// Reader-writer lock that lets a waiting writer in: std::shared_mutex on glibc prefers readers,
// so a steady stream of searches would starve inserts forever. A writer takes the gate first and
// holds it until it owns the lock; readers pass through the gate, so none enter behind a waiting
// writer. Meets the SharedLockable requirements (std::unique_lock / std::shared_lock).
#pragma once

#include <mutex>
#include <shared_mutex>

namespace ruv::hnsw {

class RwLock {
 public:
  void lock() {
    std::lock_guard<std::mutex> gate(gate_);
    mu_.lock();
  }
  void unlock() { mu_.unlock(); }
  void lock_shared() {
    std::lock_guard<std::mutex> gate(gate_);
    mu_.lock_shared();
  }
  void unlock_shared() { mu_.unlock_shared(); }

 private:
  std::mutex gate_;
  std::shared_mutex mu_;
};

}  // namespace ruv::hnsw
