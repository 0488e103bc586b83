// Epoch-tagged visited sets for graph walks, pooled so concurrent searches each get their own.
// A slot is "visited" when its tag equals the current epoch; starting a walk only bumps the epoch,
// so the list is cleared only once every 65535 walks (hnswlib's VisitedList idea).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ruv::hnsw {

class VisitedList {
 public:
  // Prepares a new walk over `slots` slots.
  void Begin(size_t slots) {
    if (tags_.size() < slots) {
      tags_.assign(slots, 0);
      epoch_ = 0;
    }
    if (++epoch_ == 0) {
      std::fill(tags_.begin(), tags_.end(), 0);
      epoch_ = 1;
    }
  }
  bool Visited(uint32_t slot) const { return tags_[slot] == epoch_; }
  // Marks the slot; returns true when it was already marked in this walk.
  bool TestAndSet(uint32_t slot) {
    if (tags_[slot] == epoch_) return true;
    tags_[slot] = epoch_;
    return false;
  }
  size_t bytes() const { return tags_.capacity() * sizeof(uint16_t); }

 private:
  std::vector<uint16_t> tags_;
  uint16_t epoch_ = 0;
};

// Thread-safe pool: Acquire hands out a list no other thread holds; the lease returns it.
class VisitedListPool {
 public:
  class Lease {
   public:
    Lease(VisitedListPool* pool, std::unique_ptr<VisitedList> list) : pool_(pool), list_(std::move(list)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (list_) pool_->Release(std::move(list_));
    }
    VisitedList* operator->() const { return list_.get(); }
    VisitedList& operator*() const { return *list_; }

   private:
    VisitedListPool* pool_;
    std::unique_ptr<VisitedList> list_;
  };

  // Throws std::bad_alloc (the returned lease's release never allocates: it runs in a destructor).
  Lease Acquire(size_t slots) {
    std::unique_ptr<VisitedList> list;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        list = std::move(free_.back());
        free_.pop_back();
      } else {
        free_.reserve(lists_ + 1);  // room to take every list back
        list = std::make_unique<VisitedList>();
        ++lists_;
      }
    }
    try {
      list->Begin(slots);
    } catch (...) {
      Release(std::move(list));
      throw;
    }
    return Lease(this, std::move(list));
  }

  size_t bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t total = 0;
    for (const auto& l : free_) total += l->bytes();
    return total;
  }

 private:
  void Release(std::unique_ptr<VisitedList> list) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(list));
  }

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<VisitedList>> free_;
  size_t lists_ = 0;  // lists made; free_ has room for all of them
};

}  // namespace ruv::hnsw
