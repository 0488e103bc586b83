// Seeded level generator of the HNSW index (see FORMAT.md, "Levels").
// Integer-only so that every backend (C++, wasm, the pure-TS twin with BigInt) draws exactly the
// same levels from the same seed: P(level >= l) = M^-l, the distribution hnswlib draws with
// floor(-ln(U) / ln(M)), without the floating-point log whose last bit differs between libms.
#pragma once

#include <cstdint>

#include "common/random.h"

namespace ruv::hnsw {

// Highest level a node may have; the deserializer rejects larger levels.
inline constexpr uint32_t kMaxLevel = 31;

using ruv::SplitMix64Next;

// level = number of consecutive draws below floor((2^64 - 1) / m), capped at kMaxLevel.
// One draw per level gained plus the failing one (none after reaching the cap).
inline uint32_t DrawLevel(uint64_t* state, uint32_t m) {
  const uint64_t threshold = UINT64_MAX / m;
  uint32_t level = 0;
  while (level < kMaxLevel && SplitMix64Next(state) < threshold) ++level;
  return level;
}

}  // namespace ruv::hnsw
