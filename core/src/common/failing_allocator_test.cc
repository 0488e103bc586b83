// The test binary's operator new and delete, with the countdowns of failing_allocator_test_util.h:
// every form of new goes through Allocate, which fails where a test asked it to.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "common/failing_allocator_test_util.h"

namespace {

// Allocations left on this thread before one fails (then the count is off again); -1: off.
thread_local int64_t g_allocations_left = -1;
// The same over every thread (ruv::testing::FailAllocationAfter).
std::atomic<int64_t> g_any_thread_left{-1};

void* Allocate(size_t size, size_t align) {
  if (g_allocations_left >= 0 && g_allocations_left-- == 0) throw std::bad_alloc();
  if (g_any_thread_left.load(std::memory_order_relaxed) >= 0 && g_any_thread_left.fetch_sub(1) == 0)
    throw std::bad_alloc();
  size = size == 0 ? 1 : size;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

namespace ruv::testing {
void FailThreadAllocationAfter(int64_t n) { g_allocations_left = n; }
bool ThreadAllocationFailurePending() { return g_allocations_left >= 0; }
void FailAllocationAfter(int64_t n) { g_any_thread_left.store(n); }
bool AllocationFailurePending() { return g_any_thread_left.load() >= 0; }
}  // namespace ruv::testing

void* operator new(size_t size) { return Allocate(size, 0); }
void* operator new[](size_t size) { return Allocate(size, 0); }
void* operator new(size_t size, std::align_val_t align) { return Allocate(size, static_cast<size_t>(align)); }
void* operator new[](size_t size, std::align_val_t align) {
  return Allocate(size, static_cast<size_t>(align));
}
// The nothrow forms too: every form must pair with the deletes below (sanitizers check).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size, 0);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size, static_cast<size_t>(align));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t& tag) noexcept {
  return operator new(size, align, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
