// The memory a loaded index may hold, as FORMAT.md ("What loading costs") states it: bytes
// given to Deserialize never cost more than this, whatever they declare. Used by the tests and
// the fuzz target to hold the loader to it.
#pragma once

#include <cstddef>

#include "level_generator.h"
#include "ruv/hnsw.h"

namespace ruv::hnsw {

// Per live entry: its row (rounded up to its stride), its level-0 list of 2m + 1 words, and at
// most 200 bytes of per-slot arrays, id map node and bucket. Upper lists and id bytes are paid by
// the input (8 bytes per byte given, plus one full tower); the first 16 slots are always made.
inline size_t LoadMemoryBound(const HnswConfig& c, size_t input_bytes, size_t live) {
  const size_t row = c.storage == HnswStorage::kInt8 ? 8 + size_t{c.dimensions} : 4 * size_t{c.dimensions};
  const size_t stride = c.storage == HnswStorage::kInt8 ? (row + 7) / 8 * 8 : (row + 63) / 64 * 64;
  const size_t per_entry = stride + 4 * (2 * size_t{c.m} + 1) + 200;
  return (live < 16 ? 16 : live) * per_entry + 8 * input_bytes + 4 * (kMaxLevel + 1) * (size_t{c.m} + 1);
}

}  // namespace ruv::hnsw
