// Internal to core/capi: the "packed" string lists of the C ABI (ids of ruv_capi_hnsw.h, texts of
// ruv_capi_embed.h): the bytes of all strings back to back plus one uint32_t length each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capi_error.h"
#include "ruv_capi.h"

namespace ruv::capi {

// Splits a packed list into views over `bytes`. Fails (with `fn`'s name; `noun` is "id" or
// "text", the size parameter `<noun>s_size`) on null pointers with nonzero sizes and on lengths
// that do not add up to `size`, so nothing is read past the buffer.
inline int32_t UnpackStrings(const char* fn, const char* noun, const char* bytes, size_t size,
                             const uint32_t* lens, size_t count, std::vector<std::string_view>* out) {
  const std::string prefix = std::string(fn) + ": ";
  if (count != 0 && lens == nullptr)
    return Fail(ErrorCode::kInvalidArgument, (prefix + "null " + noun + " lengths").c_str());
  if (size != 0 && bytes == nullptr)
    return Fail(ErrorCode::kInvalidArgument, (prefix + "null " + noun + "s").c_str());
  out->clear();
  out->reserve(count);
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    if (lens[i] > size - offset) {
      return Fail(ErrorCode::kDimensionMismatch,
                  (prefix + noun + " lengths exceed " + noun + "s_size").c_str());
    }
    out->emplace_back(bytes + offset, lens[i]);
    offset += lens[i];
  }
  if (offset != size) {
    return Fail(ErrorCode::kDimensionMismatch,
                (prefix + noun + " lengths do not add up to " + noun + "s_size").c_str());
  }
  return RUV_OK;
}

}  // namespace ruv::capi
