// The memory a loaded index may hold, as FORMAT.md ("What loading costs") states it: bytes
// given to Deserialize never cost more than this, whatever they declare. Used by the tests and
// the fuzz target to hold the loader to it.
#pragma once

#include <cstddef>

#include "holder_caps.h"
#include "level_generator.h"
#include "ruv/hnsw.h"

namespace ruv::hnsw {

// Per live entry: its row (rounded up to its stride), its level-0 list (2m + 1 words), its level-0
// holder list (Level0HolderCap + 1 words), and at most 200 bytes of per-slot arrays, id map node
// and bucket. Id bytes are paid by the input (4 bytes per byte given), and so are holder lists
// that outgrow their room (spilled: a word per link, 4 bytes of input, doubled by growth, and a
// map node per list of more than 32 links: 3 bytes per byte); upper levels by the levels rule (at
// most (input + 31 (m + 1)) / (m + 1) of them), each a list of m + 1 words and a holder list of
// UpperHolderCap + 1. The first 16 slots are always made.
inline size_t LoadMemoryBound(const HnswConfig& c, size_t input_bytes, size_t live) {
  const size_t row = c.storage == HnswStorage::kInt8 ? 8 + size_t{c.dimensions} : 4 * size_t{c.dimensions};
  const size_t stride = c.storage == HnswStorage::kInt8 ? (row + 7) / 8 * 8 : (row + 63) / 64 * 64;
  const size_t m = c.m;
  const size_t per_entry = stride + 4 * (2 * m + 1) + 4 * (size_t{Level0HolderCap(c.m)} + 1) + 200;
  const size_t upper_levels = input_bytes / (m + 1) + kMaxLevel + 1;
  const size_t per_upper_level = 4 * (m + 1 + size_t{UpperHolderCap(c.m)} + 1);
  return (live < 16 ? 16 : live) * per_entry + 7 * input_bytes + upper_levels * per_upper_level;
}

}  // namespace ruv::hnsw
