// Internal to core/capi: the owned byte buffer behind ruv_bytes (ruv_capi_hnsw.h declares it and
// its accessors), returned by every part of the C ABI that hands out bytes.
#pragma once

#include <cstdint>
#include <vector>

struct ruv_bytes {
  std::vector<uint8_t> data;
};
