// Arrays of trivial values on a chosen alignment (a cache line by default; more for huge pages),
// freed with the alignment they were allocated with. Plain operator new, so running out of memory
// is std::bad_alloc, as for the std::vectors beside them, and the out-of-memory tests can make it
// fail. (Highway's AllocateAligned is not used: the wasm build has Highway's headers only.)
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

namespace ruv {

struct AlignedFree {
  size_t align = 64;
  void operator()(void* p) const { ::operator delete (p, std::align_val_t{align}); }
};

template <typename T>
using AlignedArray = std::unique_ptr<T[], AlignedFree>;

// `count` uninitialized values of T at an `align`-byte boundary. Throws std::bad_alloc.
template <typename T>
AlignedArray<T> AllocateAligned(size_t count, size_t align = 64) {
  static_assert(std::is_trivial_v<T>, "the values are left uninitialized");
  return AlignedArray<T>(static_cast<T*>(::operator new (count * sizeof(T), std::align_val_t{align})),
                         AlignedFree{align});
}

}  // namespace ruv
