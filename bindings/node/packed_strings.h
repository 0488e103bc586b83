// Strings packed back to back in UTF-8 with one uint32 length each, as the C ABI takes lists of
// ids (ruv_hnsw_insert_batch, ruv_hnsw_search's allow-list) and of texts (ruv_memory_put_batch).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ruv_node {

// Ids packed back to back in UTF-8, as the C ABI takes them.
struct PackedIds {
  std::string bytes;
  std::vector<uint32_t> lens;
  size_t count() const { return lens.size(); }
};

// Reads a JS array of strings into a PackedIds; must run on the JS thread (it reads JS strings).
inline PackedIds PackIds(Napi::Env env, Napi::Value value) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, "expected an array of string ids");
  Napi::Array array = value.As<Napi::Array>();
  PackedIds out;
  const uint32_t n = array.Length();
  out.lens.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value id = array.Get(i);
    if (!id.IsString()) throw Napi::TypeError::New(env, "expected an array of string ids");
    size_t len = 0;
    napi_get_value_string_utf8(env, id, nullptr, 0, &len);
    const size_t offset = out.bytes.size();
    out.bytes.resize(offset + len + 1);  // napi writes a terminating NUL, dropped below
    napi_get_value_string_utf8(env, id, out.bytes.data() + offset, len + 1, &len);
    out.bytes.resize(offset + len);
    out.lens.push_back(static_cast<uint32_t>(len));
  }
  return out;
}

}  // namespace ruv_node
