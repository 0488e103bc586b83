// Bounds on caller-supplied JSON (filters, metadata), shared by the memory module's parsers.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

namespace ruv::memory {

// True when v nests no deeper than `limit` arrays / objects. Recursion stops at the limit, so a
// value nested 100k deep costs `limit` frames, not 100k.
inline bool JsonDepthWithin(const nlohmann::json& v, size_t limit) {
  if (!v.is_structured()) return true;
  if (limit == 0) return false;
  for (const nlohmann::json& c : v) {
    if (!JsonDepthWithin(c, limit - 1)) return false;
  }
  return true;
}

}  // namespace ruv::memory
