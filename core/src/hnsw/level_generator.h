// Seeded level generator of the HNSW index (see FORMAT.md, "Levels").
// Integer-only so that every backend (C++, wasm, the pure-TS twin with BigInt) draws exactly the
// same levels from the same seed: P(level >= l) = M^-l, the distribution hnswlib draws with
// floor(-ln(U) / ln(M)), without the floating-point log whose last bit differs between libms.
#pragma once

#include <cstdint>

namespace ruv::hnsw {

// Highest level a node may have; the deserializer rejects larger levels.
inline constexpr uint32_t kMaxLevel = 31;

// splitmix64 (Steele, Lea, Flood 2014): state advances by the golden-ratio increment.
inline uint64_t SplitMix64Next(uint64_t* state) {
  *state += 0x9E3779B97F4A7C15ull;
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// level = number of consecutive draws below floor((2^64 - 1) / m), capped at kMaxLevel.
// One draw per level gained plus the failing one (none after reaching the cap).
inline uint32_t DrawLevel(uint64_t* state, uint32_t m) {
  const uint64_t threshold = UINT64_MAX / m;
  uint32_t level = 0;
  while (level < kMaxLevel && SplitMix64Next(state) < threshold) ++level;
  return level;
}

}  // namespace ruv::hnsw
