// Internal to core/capi: the packed hits of a search (layout in ruv_capi_hnsw.h), written for
// ruv_hnsw_search, ruv_hnsw_list_ids and ruv_memory_search alike and decoded in one place on the
// JS side (js/src/hnsw/codec.ts).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ruv/hnsw.h"
#include "ruv_capi_hnsw.h"

namespace ruv::capi {

// Appends `n` 4-byte little-endian values (uint32 or float32) to `out`. Every target is
// little-endian (x86-64, arm64, wasm32), so this is the values' own bytes.
template <typename T>
inline void Put(std::vector<uint8_t>* out, const T* values, size_t n) {
  static_assert(sizeof(T) == 4);
  const size_t at = out->size();
  out->resize(at + n * 4);
  if (n != 0) std::memcpy(out->data() + at, values, n * 4);
}

// The packed hits of ruv_capi_hnsw.h: count, ids_size, scores, distances, id lengths, ids.
inline void PackHits(const std::vector<ruv::HnswSearchHit>& hits, std::vector<uint8_t>* out) {
  const size_t n = hits.size();
  std::vector<float> scores(n);
  std::vector<float> distances(n);
  std::vector<uint32_t> lens(n);
  size_t ids_size = 0;
  for (size_t i = 0; i < n; ++i) {
    scores[i] = hits[i].score;
    distances[i] = hits[i].distance;
    lens[i] = static_cast<uint32_t>(hits[i].id.size());  // the core caps ids at 2^32 - 1 bytes
    ids_size += hits[i].id.size();
  }
  out->clear();
  out->reserve(RUV_HNSW_HITS_HEADER_BYTES + n * 12 + ids_size);
  const uint32_t header[2] = {static_cast<uint32_t>(n), static_cast<uint32_t>(ids_size)};
  Put(out, header, 2);
  Put(out, scores.data(), n);
  Put(out, distances.data(), n);
  Put(out, lens.data(), n);
  for (const ruv::HnswSearchHit& hit : hits) out->insert(out->end(), hit.id.begin(), hit.id.end());
}

// The packed hits of a list of ids (scores and distances 0): ruv_hnsw_list_ids, ruv_memory_list_ids.
inline void PackIds(std::vector<std::string> ids, std::vector<uint8_t>* out) {
  std::vector<ruv::HnswSearchHit> hits(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) hits[i].id = std::move(ids[i]);
  PackHits(hits, out);
}

}  // namespace ruv::capi
