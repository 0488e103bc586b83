// Internal to core/capi: the ruv::HnswConfig of the create calls' plain arguments, shared by
// ruv_hnsw_create and ruv_memory_create (same parameters, same limits).
#pragma once

#include <cstdint>

#include "ruv/hnsw.h"

namespace ruv::capi {

inline ruv::HnswConfig HnswConfigOf(uint32_t dim, uint32_t m, uint32_t ef_construction, uint32_t ef_search,
                                    int32_t metric, int32_t storage, uint64_t seed) {
  ruv::HnswConfig config;
  config.dimensions = dim;
  config.m = m;
  config.ef_construction = ef_construction;
  config.ef_search = ef_search;
  // Out-of-range enums are rejected by ValidateHnswConfig; the casts only carry the number there.
  config.metric = static_cast<ruv::Metric>(metric);
  config.storage = static_cast<ruv::HnswStorage>(storage);
  config.seed = seed;
  return config;
}

}  // namespace ruv::capi
