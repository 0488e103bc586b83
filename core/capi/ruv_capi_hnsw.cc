// The HNSW part of the C ABI (ruv_capi_hnsw.h): argument checks and conversions around
// ruv::HnswIndex. Errors go through capi_error.h, so ruv_last_error_message() covers these calls
// too. Nothing here throws across the boundary, aborts or prints.
#include "ruv_capi_hnsw.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "capi_bytes.h"
#include "capi_error.h"
#include "capi_hits.h"
#include "capi_hnsw_config.h"
#include "capi_packed.h"
#include "ruv/hnsw.h"
#include "ruv/status.h"

struct ruv_hnsw {
  std::unique_ptr<ruv::HnswIndex> index;
};

namespace {

using ruv::capi::Fail;
using ruv::capi::Guard;
using ruv::capi::Report;

constexpr auto kInvalid = ruv::ErrorCode::kInvalidArgument;
constexpr auto kMismatch = ruv::ErrorCode::kDimensionMismatch;

// Packed id lists (capi_packed.h).
int32_t UnpackIds(const char* fn, const char* ids, size_t ids_size, const uint32_t* lens, size_t count,
                  std::vector<std::string_view>* out) {
  return ruv::capi::UnpackStrings(fn, "id", ids, ids_size, lens, count, out);
}

// A single id: NULL is allowed only with length 0 (the core then reports the empty id).
int32_t CheckId(const char* fn, const char* id, size_t id_len) {
  if (id == nullptr && id_len != 0) return Fail(kInvalid, (std::string(fn) + ": null id").c_str());
  return RUV_OK;
}

int32_t CheckDim(const char* fn, const ruv_hnsw* h, size_t dim) {
  if (dim != h->index->config().dimensions) {
    return Fail(kMismatch,
                (std::string(fn) + ": vector length " + std::to_string(dim) + " does not match the index's " +
                 std::to_string(h->index->config().dimensions) + " dimensions")
                    .c_str());
  }
  return RUV_OK;
}

std::string_view View(const char* id, size_t id_len) {
  return id_len == 0 ? std::string_view() : std::string_view(id, id_len);
}

}  // namespace

extern "C" {

int32_t ruv_hnsw_create(uint32_t dim, uint32_t m, uint32_t ef_construction, uint32_t ef_search,
                        int32_t metric, int32_t storage, uint64_t seed, ruv_hnsw** out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_create: null output");
    const ruv::HnswConfig config =
        ruv::capi::HnswConfigOf(dim, m, ef_construction, ef_search, metric, storage, seed);
    auto h = std::make_unique<ruv_hnsw>();
    if (int32_t st = Report("ruv_hnsw_create", ruv::HnswIndex::Create(config, &h->index)); st != RUV_OK)
      return st;
    *out = h.release();
    return RUV_OK;
  });
}

int32_t ruv_hnsw_deserialize(const uint8_t* data, size_t size, ruv_hnsw** out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_deserialize: null output");
    if (data == nullptr && size != 0) return Fail(kInvalid, "ruv_hnsw_deserialize: null data");
    auto h = std::make_unique<ruv_hnsw>();
    // The core's message names the rule broken ("hnsw: corrupt index: ..."), word for word what the
    // js-fallback loader says: no function prefix, so every backend reports the same message.
    if (int32_t st = Report(nullptr, ruv::HnswIndex::Deserialize(data, size, &h->index)); st != RUV_OK) {
      return st;
    }
    *out = h.release();
    return RUV_OK;
  });
}

void ruv_hnsw_free(ruv_hnsw* h) { delete h; }

int32_t ruv_hnsw_insert(ruv_hnsw* h, const char* id, size_t id_len, const float* v, size_t dim) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_insert: null index");
    if (int32_t st = CheckId("ruv_hnsw_insert", id, id_len); st != RUV_OK) return st;
    if (v == nullptr) return Fail(kInvalid, "ruv_hnsw_insert: null vector");
    if (int32_t st = CheckDim("ruv_hnsw_insert", h, dim); st != RUV_OK) return st;
    return Report("ruv_hnsw_insert", h->index->Insert(View(id, id_len), v));
  });
}

int32_t ruv_hnsw_insert_batch(ruv_hnsw* h, const char* ids, size_t ids_size, const uint32_t* id_lens,
                              size_t count, const float* flat, size_t dim, uint32_t threads) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_insert_batch: null index");
    if (int32_t st = CheckDim("ruv_hnsw_insert_batch", h, dim); st != RUV_OK) return st;
    if (count != 0 && flat == nullptr) return Fail(kInvalid, "ruv_hnsw_insert_batch: null vectors");
    if (count > std::numeric_limits<size_t>::max() / dim / sizeof(float)) {
      return Fail(kInvalid, "ruv_hnsw_insert_batch: count * dim overflows");
    }
    std::vector<std::string_view> views;
    if (int32_t st = UnpackIds("ruv_hnsw_insert_batch", ids, ids_size, id_lens, count, &views);
        st != RUV_OK) {
      return st;
    }
    if (count == 0) return RUV_OK;
    std::vector<ruv::HnswEntry> entries(count);
    for (size_t i = 0; i < count; ++i) entries[i] = {views[i], flat + i * dim};
    return Report("ruv_hnsw_insert_batch", h->index->InsertBatch(entries, threads));
  });
}

int32_t ruv_hnsw_reserve(ruv_hnsw* h, size_t count) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_reserve: null index");
    return Report("ruv_hnsw_reserve", h->index->Reserve(count));
  });
}

int32_t ruv_hnsw_remove(ruv_hnsw* h, const char* id, size_t id_len, int32_t* removed) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_remove: null index");
    if (int32_t st = CheckId("ruv_hnsw_remove", id, id_len); st != RUV_OK) return st;
    const bool was = h->index->Remove(View(id, id_len));
    if (removed != nullptr) *removed = was ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_hnsw_search(const ruv_hnsw* h, const float* q, size_t dim, size_t k, uint32_t ef,
                        const char* allow_ids, size_t allow_ids_size, const uint32_t* allow_lens,
                        size_t allow_count, ruv_hnsw_allow_fn allow_fn, void* allow_ctx, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_search: null index");
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_search: null output");
    if (q == nullptr) return Fail(kInvalid, "ruv_hnsw_search: null query");
    if (int32_t st = CheckDim("ruv_hnsw_search", h, dim); st != RUV_OK) return st;
    if (allow_count == 0 && allow_ids_size != 0) {
      return Fail(kMismatch, "ruv_hnsw_search: allow_ids_size without allow_count");
    }
    std::vector<std::string_view> views;
    if (int32_t st = UnpackIds("ruv_hnsw_search", allow_ids, allow_ids_size, allow_lens, allow_count, &views);
        st != RUV_OK) {
      return st;
    }
    // An allow-list is given when allow_ids is non-NULL or allow_count is nonzero; an empty one
    // (non-NULL allow_ids, allow_count 0) allows nothing. The search still runs, with k = 0, so a
    // NaN query fails the same way (and the walk does not scan the graph for nothing).
    const bool by_ids = allow_ids != nullptr || allow_count != 0;
    if (by_ids && allow_count == 0) k = 0;
    // The allow-list goes to the core as views into the caller's buffer (alive for the call).
    ruv::HnswFilter filter;
    if (allow_fn != nullptr) {
      filter = [&](std::string_view id) { return allow_fn(allow_ctx, id.data(), id.size()) != 0; };
    }
    ruv::HnswSearchOptions options;
    options.ef = ef;
    options.filter = filter ? &filter : nullptr;
    options.ids = by_ids ? &views : nullptr;
    std::vector<ruv::HnswSearchHit> hits;
    // k == 0 still goes through the core, so a NaN query fails the same way for every k.
    if (int32_t st = Report("ruv_hnsw_search", h->index->Search(q, k, options, &hits)); st != RUV_OK)
      return st;
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackHits(hits, &packed->data);
    *out = packed.release();
    return RUV_OK;
  });
}

int32_t ruv_hnsw_list_ids(const ruv_hnsw* h, uint32_t start, uint32_t max_count, ruv_bytes** out,
                          uint32_t* next) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_list_ids: null index");
    if (out == nullptr || next == nullptr) return Fail(kInvalid, "ruv_hnsw_list_ids: null output");
    std::vector<std::string> ids;
    size_t after = 0;
    if (int32_t st = Report("ruv_hnsw_list_ids", h->index->ListIds(start, max_count, &ids, &after));
        st != RUV_OK) {
      return st;
    }
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackIds(std::move(ids), &packed->data);
    *out = packed.release();
    *next = static_cast<uint32_t>(std::min<size_t>(after, UINT32_MAX));
    return RUV_OK;
  });
}

int32_t ruv_hnsw_contains(const ruv_hnsw* h, const char* id, size_t id_len, int32_t* out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_contains: null index");
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_contains: null output");
    if (int32_t st = CheckId("ruv_hnsw_contains", id, id_len); st != RUV_OK) return st;
    *out = h->index->Contains(View(id, id_len)) ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_hnsw_stats(const ruv_hnsw* h, ruv_hnsw_stats_t* out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_stats: null index");
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_stats: null output");
    static_assert(sizeof(ruv_hnsw_stats_t) == RUV_HNSW_STATS_COUNT * sizeof(uint64_t));
    const ruv::HnswStats s = h->index->Stats();
    const ruv::HnswConfig& config = h->index->config();
    *out = {s.count,
            s.slots,
            s.dimensions,
            s.m,
            s.ef_construction,
            s.ef_search,
            s.max_level,
            s.vector_bytes,
            s.memory_bytes,
            static_cast<uint64_t>(config.metric),
            static_cast<uint64_t>(config.storage)};
    return RUV_OK;
  });
}

int32_t ruv_hnsw_serialize(const ruv_hnsw* h, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_serialize: null index");
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_serialize: null output");
    auto bytes = std::make_unique<ruv_bytes>();
    if (int32_t st = Report("ruv_hnsw_serialize", h->index->Serialize(&bytes->data)); st != RUV_OK) return st;
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_hnsw_set_annotation(ruv_hnsw* h, const char* text, size_t len) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_set_annotation: null index");
    if (text == nullptr && len != 0) return Fail(kInvalid, "ruv_hnsw_set_annotation: null text");
    return Report("ruv_hnsw_set_annotation", h->index->SetAnnotation(View(text, len)));
  });
}

int32_t ruv_hnsw_annotation(const ruv_hnsw* h, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_hnsw_annotation: null index");
    if (out == nullptr) return Fail(kInvalid, "ruv_hnsw_annotation: null output");
    auto bytes = std::make_unique<ruv_bytes>();
    const std::string a = h->index->Annotation();
    bytes->data.assign(a.begin(), a.end());
    *out = bytes.release();
    return RUV_OK;
  });
}

size_t ruv_bytes_size(const ruv_bytes* b) { return b == nullptr ? 0 : b->data.size(); }

const uint8_t* ruv_bytes_data(const ruv_bytes* b) {
  return b == nullptr || b->data.empty() ? nullptr : b->data.data();
}

void ruv_bytes_free(ruv_bytes* b) { delete b; }

}  // extern "C"
