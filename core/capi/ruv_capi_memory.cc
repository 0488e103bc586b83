// The semantic memory part of the C ABI (ruv_capi_memory.h): argument checks and conversions
// around ruv::memory::Memory. Errors go through capi_error.h; nothing throws across the boundary.
#include "ruv_capi_memory.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capi_bytes.h"
#include "capi_error.h"
#include "capi_hits.h"
#include "capi_hnsw_config.h"
#include "capi_packed.h"
#include "memory/memory.h"

struct ruv_memory {
  std::unique_ptr<ruv::memory::Memory> memory;
};

namespace {

using ruv::capi::Fail;
using ruv::capi::Guard;
using ruv::capi::Report;

constexpr auto kInvalid = ruv::ErrorCode::kInvalidArgument;

// (pointer, length) as a view; NULL is allowed only with length 0.
int32_t View(const char* fn, const char* what, const char* p, size_t len, std::string_view* out) {
  if (p == nullptr && len != 0) return Fail(kInvalid, (std::string(fn) + ": null " + what).c_str());
  *out = len == 0 ? std::string_view() : std::string_view(p, len);
  return RUV_OK;
}

// A record as ruv_memory_get lays it out: u32 text_len | u32 metadata_len | text | metadata JSON.
void PackRecord(const ruv::memory::MemoryRecord& record, std::vector<uint8_t>* out) {
  const std::string meta = record.metadata.dump();
  const uint32_t header[2] = {static_cast<uint32_t>(record.text.size()), static_cast<uint32_t>(meta.size())};
  ruv::capi::Put(out, header, 2);
  out->insert(out->end(), record.text.begin(), record.text.end());
  out->insert(out->end(), meta.begin(), meta.end());
}

int32_t CheckVector(const char* fn, const ruv_memory* mem, const float* v, size_t dim) {
  if (v == nullptr) return Fail(kInvalid, (std::string(fn) + ": null vector").c_str());
  const size_t want = mem->memory->config().dimensions;
  if (dim != want) {
    return Fail(ruv::ErrorCode::kDimensionMismatch,
                (std::string(fn) + ": vector length " + std::to_string(dim) +
                 " does not match the memory's " + std::to_string(want) + " dimensions")
                    .c_str());
  }
  return RUV_OK;
}

}  // namespace

extern "C" {

int32_t ruv_memory_create(uint32_t dim, uint32_t m, uint32_t ef_construction, uint32_t ef_search,
                          int32_t metric, int32_t storage, uint64_t seed, ruv_memory** out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_create: null output");
    const ruv::HnswConfig config =
        ruv::capi::HnswConfigOf(dim, m, ef_construction, ef_search, metric, storage, seed);
    auto mem = std::make_unique<ruv_memory>();
    if (int32_t st = Report("ruv_memory_create", ruv::memory::Memory::Create(config, &mem->memory));
        st != RUV_OK)
      return st;
    *out = mem.release();
    return RUV_OK;
  });
}

void ruv_memory_free(ruv_memory* mem) { delete mem; }

int32_t ruv_memory_put(ruv_memory* mem, const char* id, size_t id_len, const char* text, size_t text_len,
                       const char* metadata, size_t metadata_len, const float* v, size_t dim) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_memory_put";
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_put: null memory");
    std::string_view id_v, text_v, meta_v;
    if (int32_t st = View(kFn, "id", id, id_len, &id_v); st != RUV_OK) return st;
    if (int32_t st = View(kFn, "text", text, text_len, &text_v); st != RUV_OK) return st;
    if (int32_t st = View(kFn, "metadata", metadata, metadata_len, &meta_v); st != RUV_OK) return st;
    if (v != nullptr || dim != 0) {
      if (int32_t st = CheckVector(kFn, mem, v, dim); st != RUV_OK) return st;
    }
    // The core's messages ("metadata must be a JSON object") go out as they are: the same words
    // on every backend.
    return Report(nullptr, mem->memory->Put(id_v, text_v, meta_v, v));
  });
}

int32_t ruv_memory_put_batch(ruv_memory* mem, const char* ids, size_t ids_size, const uint32_t* id_lens,
                             const char* texts, size_t texts_size, const uint32_t* text_lens,
                             const char* metas, size_t metas_size, const uint32_t* meta_lens, size_t count,
                             const float* flat, size_t dim, const uint8_t* keep, uint32_t threads,
                             int32_t defer) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_memory_put_batch";
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_put_batch: null memory");
    if (count == 0) return RUV_OK;
    std::vector<std::string_view> id_v, text_v, meta_v;
    if (int32_t st = ruv::capi::UnpackStrings(kFn, "id", ids, ids_size, id_lens, count, &id_v); st != RUV_OK)
      return st;
    if (int32_t st = ruv::capi::UnpackStrings(kFn, "text", texts, texts_size, text_lens, count, &text_v);
        st != RUV_OK)
      return st;
    if (int32_t st = ruv::capi::UnpackStrings(kFn, "meta", metas, metas_size, meta_lens, count, &meta_v);
        st != RUV_OK)
      return st;
    if (int32_t st = CheckVector(kFn, mem, flat, dim); st != RUV_OK) return st;
    std::vector<ruv::memory::MemoryPut> puts(count);
    for (size_t i = 0; i < count; ++i) {
      const bool kept = keep != nullptr && keep[i] != 0;
      puts[i] = {id_v[i], text_v[i], meta_v[i], kept ? nullptr : flat + i * dim};
    }
    return Report(nullptr, mem->memory->PutBatch(puts, threads, defer != 0));
  });
}

int32_t ruv_memory_remove(ruv_memory* mem, const char* id, size_t id_len, int32_t* removed) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_remove: null memory");
    std::string_view id_v;
    if (int32_t st = View("ruv_memory_remove", "id", id, id_len, &id_v); st != RUV_OK) return st;
    const bool was = mem->memory->Remove(id_v);
    if (removed != nullptr) *removed = was ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_memory_get(const ruv_memory* mem, const char* id, size_t id_len, int32_t* found,
                       ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_get: null memory");
    if (found == nullptr || out == nullptr) return Fail(kInvalid, "ruv_memory_get: null output");
    std::string_view id_v;
    if (int32_t st = View("ruv_memory_get", "id", id, id_len, &id_v); st != RUV_OK) return st;
    ruv::memory::MemoryRecord record;
    if (!mem->memory->Get(id_v, &record)) {
      *found = 0;
      return RUV_OK;
    }
    auto bytes = std::make_unique<ruv_bytes>();
    PackRecord(record, &bytes->data);
    *found = 1;
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_get_many(const ruv_memory* mem, const char* ids, size_t ids_size, const uint32_t* id_lens,
                            size_t count, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_memory_get_many";
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_get_many: null memory");
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_get_many: null output");
    std::vector<std::string_view> id_v;
    if (int32_t st = ruv::capi::UnpackStrings(kFn, "id", ids, ids_size, id_lens, count, &id_v); st != RUV_OK)
      return st;
    std::vector<std::optional<ruv::memory::MemoryRecord>> records;
    mem->memory->GetMany(id_v, &records);
    auto bytes = std::make_unique<ruv_bytes>();
    for (const auto& r : records) {
      const uint32_t found = r.has_value() ? 1 : 0;
      ruv::capi::Put(&bytes->data, &found, 1);
      if (r.has_value()) PackRecord(*r, &bytes->data);
    }
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_contains(const ruv_memory* mem, const char* id, size_t id_len, int32_t* out) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_contains: null memory");
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_contains: null output");
    std::string_view id_v;
    if (int32_t st = View("ruv_memory_contains", "id", id, id_len, &id_v); st != RUV_OK) return st;
    *out = mem->memory->Contains(id_v) ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_memory_count(const ruv_memory* mem, uint64_t* out) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr || out == nullptr) return Fail(kInvalid, "ruv_memory_count: null argument");
    *out = mem->memory->size();
    return RUV_OK;
  });
}

int32_t ruv_memory_index_pending(ruv_memory* mem, uint32_t max_count, uint32_t threads, uint64_t* left) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_index_pending: null memory");
    size_t n = 0;
    if (int32_t st = Report(nullptr, mem->memory->IndexPending(max_count, threads, &n)); st != RUV_OK)
      return st;
    if (left != nullptr) *left = n;
    return RUV_OK;
  });
}

int32_t ruv_memory_pending(const ruv_memory* mem, uint64_t* out) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr || out == nullptr) return Fail(kInvalid, "ruv_memory_pending: null argument");
    *out = mem->memory->pending();
    return RUV_OK;
  });
}

int32_t ruv_memory_serialize(const ruv_memory* mem, const char* header, size_t header_len, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_serialize: null memory");
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_serialize: null output");
    std::string_view header_v;
    if (int32_t st = View("ruv_memory_serialize", "header", header, header_len, &header_v); st != RUV_OK)
      return st;
    auto bytes = std::make_unique<ruv_bytes>();
    if (int32_t st = Report(nullptr, mem->memory->Serialize(header_v, &bytes->data)); st != RUV_OK) return st;
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_deserialize(const uint8_t* data, size_t size, ruv_memory** out, ruv_bytes** header) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_deserialize: null output");
    auto mem = std::make_unique<ruv_memory>();
    std::string stored;
    if (int32_t st = Report(nullptr, ruv::memory::Memory::Deserialize(data, size, &mem->memory, &stored));
        st != RUV_OK)
      return st;
    if (header != nullptr) {
      auto bytes = std::make_unique<ruv_bytes>();
      bytes->data.assign(stored.begin(), stored.end());
      *header = bytes.release();
    }
    *out = mem.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_list_ids(const ruv_memory* mem, uint32_t start, uint32_t max_count, ruv_bytes** out,
                            uint32_t* next) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_list_ids: null memory");
    if (out == nullptr || next == nullptr) return Fail(kInvalid, "ruv_memory_list_ids: null output");
    std::vector<std::string> ids;
    size_t after = 0;
    if (int32_t st = Report("ruv_memory_list_ids", mem->memory->ListIds(start, max_count, &ids, &after));
        st != RUV_OK)
      return st;
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackIds(std::move(ids), &packed->data);
    *out = packed.release();
    *next = static_cast<uint32_t>(std::min<size_t>(after, UINT32_MAX));
    return RUV_OK;
  });
}

int32_t ruv_memory_verify(ruv_memory* mem, const ruv_memory* reference, int32_t repair, uint64_t* counts,
                          ruv_bytes** ids) {
  return Guard([&]() -> int32_t {
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_verify: null memory");
    if (counts == nullptr || ids == nullptr) return Fail(kInvalid, "ruv_memory_verify: null output");
    ruv::memory::MemoryVerifyReport r;
    const ruv::memory::Memory* ref = reference == nullptr ? nullptr : reference->memory.get();
    if (int32_t st = Report("ruv_memory_verify", mem->memory->Verify(ref, repair != 0, &r)); st != RUV_OK)
      return st;
    const uint64_t values[RUV_MEMORY_VERIFY_COUNT] = {r.checked, r.unreachable, r.orphans,
                                                      r.lost,    r.restored,    r.unlogged};
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackIds(std::move(r.ids), &packed->data);
    for (int i = 0; i < RUV_MEMORY_VERIFY_COUNT; ++i) counts[i] = values[i];
    *ids = packed.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_search(const ruv_memory* mem, const float* q, size_t dim, size_t k, uint32_t ef,
                          const char* filter, size_t filter_len, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_memory_search";
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_search: null memory");
    if (out == nullptr) return Fail(kInvalid, "ruv_memory_search: null output");
    if (int32_t st = CheckVector(kFn, mem, q, dim); st != RUV_OK) return st;
    std::string_view filter_v;
    if (int32_t st = View(kFn, "filter", filter, filter_len, &filter_v); st != RUV_OK) return st;
    std::vector<ruv::HnswSearchHit> hits;
    ruv::memory::FilteredSearchOptions options;
    options.ef = ef;
    if (int32_t st = Report(nullptr, mem->memory->Search(q, k, filter_v, options, &hits)); st != RUV_OK)
      return st;
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackHits(hits, &packed->data);
    *out = packed.release();
    return RUV_OK;
  });
}

int32_t ruv_memory_search_hybrid(const ruv_memory* mem, const float* q, size_t dim, const char* text,
                                 size_t text_len, size_t k, uint32_t ef, const char* filter,
                                 size_t filter_len, ruv_bytes** out, ruv_bytes** fused) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_memory_search_hybrid";
    if (mem == nullptr) return Fail(kInvalid, "ruv_memory_search_hybrid: null memory");
    if (out == nullptr || fused == nullptr) return Fail(kInvalid, "ruv_memory_search_hybrid: null output");
    if (int32_t st = CheckVector(kFn, mem, q, dim); st != RUV_OK) return st;
    std::string_view text_v, filter_v;
    if (int32_t st = View(kFn, "text", text, text_len, &text_v); st != RUV_OK) return st;
    if (int32_t st = View(kFn, "filter", filter, filter_len, &filter_v); st != RUV_OK) return st;
    std::vector<ruv::HnswSearchHit> hits;
    std::vector<double> scores;
    ruv::memory::FilteredSearchOptions options;
    options.ef = ef;
    if (int32_t st =
            Report(nullptr, mem->memory->SearchHybrid(q, text_v, k, filter_v, options, &hits, &scores));
        st != RUV_OK)
      return st;
    auto packed = std::make_unique<ruv_bytes>();
    ruv::capi::PackHits(hits, &packed->data);
    auto doubles = std::make_unique<ruv_bytes>();
    doubles->data.resize(scores.size() * sizeof(double));
    if (!scores.empty()) std::memcpy(doubles->data.data(), scores.data(), doubles->data.size());
    *out = packed.release();
    *fused = doubles.release();
    return RUV_OK;
  });
}

}  // extern "C"
