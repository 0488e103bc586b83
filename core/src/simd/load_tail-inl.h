// Loading the last, partial vector of an array without reading past its end.
// Per-target header (Highway convention): included once per target by foreach_target.h.
#if defined(RUV_SIMD_LOAD_TAIL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RUV_SIMD_LOAD_TAIL_INL_H_
#undef RUV_SIMD_LOAD_TAIL_INL_H_
#else
#define RUV_SIMD_LOAD_TAIL_INL_H_
#endif

#include <cstddef>
#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ruv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Loads p[0, n) with n < Lanes(d) and zeros in the other lanes. Zero is the neutral element of
// every sum the kernels build (products, squared differences, popcounts), so a tail costs one
// more full-width step instead of a scalar loop. Copying through a stack buffer (rather than a
// masked load) never touches memory past the end: generic MaskedLoad does, and ASan sees it.
template <class D>
HWY_INLINE hn::Vec<D> LoadTail(D d, const hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)] = {};
  std::memcpy(buf, p, n * sizeof(T));
  return hn::Load(d, buf);
}

// Stores the first n < Lanes(d) lanes of v to p.
template <class D>
HWY_INLINE void StoreTail(D d, hn::Vec<D> v, hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, n * sizeof(T));
}

}  // namespace HWY_NAMESPACE
}  // namespace ruv
HWY_AFTER_NAMESPACE();

#endif  // RUV_SIMD_LOAD_TAIL_INL_H_
