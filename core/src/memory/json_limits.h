// Bounds on caller-supplied JSON (filters, metadata), shared by the memory module's parsers.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

namespace ruv::memory {

// The memory's JSON (metadata and filters). Objects keep their keys in insertion order in one
// vector (nlohmann's ordered_map) rather than a std::map: a small metadata object such as
// {group, n} costs ~130 bytes instead of ~260 (one node per key), which is a tenth of what a
// 100k-memory store keeps resident beside its vectors. Lookups are linear in the keys, which is
// what a handful of keys wants; and metadata comes back in the caller's key order.
using Json = nlohmann::ordered_json;

// True when v nests no deeper than `limit` arrays / objects. Recursion stops at the limit, so a
// value nested 100k deep costs `limit` frames, not 100k.
inline bool JsonDepthWithin(const Json& v, size_t limit) {
  if (!v.is_structured()) return true;
  if (limit == 0) return false;
  for (const Json& c : v) {
    if (!JsonDepthWithin(c, limit - 1)) return false;
  }
  return true;
}

}  // namespace ruv::memory
