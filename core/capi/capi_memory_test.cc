// The semantic memory part of the C ABI: every function on its happy path, the record and hits
// layouts decoded here from the header's description, and the error paths' codes and messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ruv_capi_memory.h"

namespace {

uint32_t U32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The ids of packed hits (ruv_capi_hnsw.h: count, ids_size, scores, distances, lens, ids).
std::vector<std::string> HitIds(const ruv_bytes* b) {
  const uint8_t* p = ruv_bytes_data(b);
  const uint32_t n = U32(p);
  const uint8_t* lens = p + 8 + 8 * n;
  const char* ids = reinterpret_cast<const char*>(lens + 4 * n);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < n; ++i) {
    out.emplace_back(ids, U32(lens + 4 * i));
    ids += U32(lens + 4 * i);
  }
  return out;
}

std::vector<std::string> Search(ruv_memory* mem, const float* q, size_t k, const std::string& filter) {
  ruv_bytes* b = nullptr;
  EXPECT_EQ(ruv_memory_search(mem, q, 2, k, 0, filter.data(), filter.size(), &b), RUV_OK)
      << ruv_last_error_message();
  std::vector<std::string> ids = HitIds(b);
  ruv_bytes_free(b);
  return ids;
}

int32_t Put(ruv_memory* mem, const std::string& id, const std::string& text, const std::string& meta,
            const float* v) {
  return ruv_memory_put(mem, id.data(), id.size(), text.data(), text.size(), meta.data(), meta.size(), v, 2);
}

TEST(CApiMemory, PutGetSearchRemove) {
  ruv_memory* mem = nullptr;
  ASSERT_EQ(ruv_memory_create(2, 8, 32, 16, RUV_METRIC_EUCLIDEAN, RUV_HNSW_FLOAT32, 1, &mem), RUV_OK);
  const float a[] = {0, 0}, b[] = {1, 0}, c[] = {3, 0};
  ASSERT_EQ(Put(mem, "a", "alpha", R"({"kind":"note","n":1})", a), RUV_OK);
  ASSERT_EQ(Put(mem, "b", "béta", R"({"kind":"task"})", b), RUV_OK);
  ASSERT_EQ(Put(mem, "c", "", "", c), RUV_OK);
  uint64_t count = 0;
  ASSERT_EQ(ruv_memory_count(mem, &count), RUV_OK);
  EXPECT_EQ(count, 3u);

  int32_t found = -1;
  ruv_bytes* rec = nullptr;
  ASSERT_EQ(ruv_memory_get(mem, "b", 1, &found, &rec), RUV_OK);
  ASSERT_EQ(found, 1);
  const uint8_t* p = ruv_bytes_data(rec);
  const uint32_t text_len = U32(p), meta_len = U32(p + 4);
  ASSERT_EQ(ruv_bytes_size(rec), 8u + text_len + meta_len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p + 8), text_len), "béta");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p + 8 + text_len), meta_len), R"({"kind":"task"})");
  ruv_bytes_free(rec);
  ASSERT_EQ(ruv_memory_get(mem, "zz", 2, &found, &rec), RUV_OK);
  EXPECT_EQ(found, 0);

  EXPECT_EQ(Search(mem, c, 10, ""), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(Search(mem, c, 10, R"({"kind": {"$in": ["note", "task"]}})"),
            (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(Search(mem, c, 10, R"({"n": {"$gt": 5}})"), std::vector<std::string>{});

  int32_t removed = -1;
  ASSERT_EQ(ruv_memory_remove(mem, "b", 1, &removed), RUV_OK);
  EXPECT_EQ(removed, 1);
  ASSERT_EQ(ruv_memory_remove(mem, "b", 1, &removed), RUV_OK);
  EXPECT_EQ(removed, 0);
  EXPECT_EQ(Search(mem, c, 10, "{}"), (std::vector<std::string>{"c", "a"}));

  // Listing in steps of one visits every live id once; an empty page ends it.
  std::vector<std::string> listed;
  uint32_t start = 0;
  for (int guard = 0; guard < 10; ++guard) {
    ruv_bytes* page = nullptr;
    uint32_t next = 0;
    ASSERT_EQ(ruv_memory_list_ids(mem, start, 1, &page, &next), RUV_OK);
    std::vector<std::string> ids = HitIds(page);
    ruv_bytes_free(page);
    if (ids.empty()) break;
    listed.insert(listed.end(), ids.begin(), ids.end());
    start = next;
  }
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<std::string>{"a", "c"}));
  ruv_memory_free(mem);
  ruv_memory_free(nullptr);
}

// One call for many records (a search's hits): per id, found and the record as ruv_memory_get lays it.
TEST(CApiMemory, GetManyAndContains) {
  ruv_memory* mem = nullptr;
  ASSERT_EQ(ruv_memory_create(2, 8, 32, 16, RUV_METRIC_EUCLIDEAN, RUV_HNSW_FLOAT32, 1, &mem), RUV_OK);
  const float a[] = {0, 0}, b[] = {1, 0};
  ASSERT_EQ(Put(mem, "a", "alpha", R"({"n":1})", a), RUV_OK);
  ASSERT_EQ(Put(mem, "bé", "béta", "", b), RUV_OK);
  const std::string ids = "bénonea";
  const uint32_t lens[] = {3, 4, 0, 1};  // "bé", "none", "" (not stored), "a"
  ruv_bytes* out = nullptr;
  ASSERT_EQ(ruv_memory_get_many(mem, ids.data(), ids.size(), lens, 4, &out), RUV_OK)
      << ruv_last_error_message();
  const uint8_t* p = ruv_bytes_data(out);
  std::vector<std::string> got;
  size_t at = 0;
  for (int i = 0; i < 4; ++i) {
    if (U32(p + at) == 0) {
      got.emplace_back("-");
      at += 4;
      continue;
    }
    const uint32_t t = U32(p + at + 4), m = U32(p + at + 8);
    got.emplace_back(std::string(reinterpret_cast<const char*>(p + at + 12), t) + "|" +
                     std::string(reinterpret_cast<const char*>(p + at + 12 + t), m));
    at += 12 + t + m;
  }
  EXPECT_EQ(at, ruv_bytes_size(out));
  EXPECT_EQ(got, (std::vector<std::string>{"béta|{}", "-", "-", R"(alpha|{"n":1})"}));
  ruv_bytes_free(out);
  const uint32_t bad[] = {3, 9};
  EXPECT_EQ(ruv_memory_get_many(mem, ids.data(), ids.size(), bad, 2, &out), RUV_DIMENSION_MISMATCH);
  int32_t has = -1;
  ASSERT_EQ(ruv_memory_contains(mem, "bé", 3, &has), RUV_OK);
  EXPECT_EQ(has, 1);
  ASSERT_EQ(ruv_memory_contains(mem, "b", 1, &has), RUV_OK);
  EXPECT_EQ(has, 0);
  ruv_memory_free(mem);
}

TEST(CApiMemory, ErrorsCarryTheCoreMessage) {
  ruv_memory* mem = nullptr;
  EXPECT_EQ(ruv_memory_create(0, 8, 32, 16, RUV_METRIC_COSINE, RUV_HNSW_FLOAT32, 1, &mem),
            RUV_INVALID_ARGUMENT);
  ASSERT_EQ(ruv_memory_create(2, 8, 32, 16, RUV_METRIC_COSINE, RUV_HNSW_FLOAT32, 1, &mem), RUV_OK);
  const float v[] = {1, 0}, nan[] = {std::numeric_limits<float>::quiet_NaN(), 0};
  EXPECT_EQ(Put(mem, "a", "t", "[1]", v), RUV_INVALID_ARGUMENT);
  EXPECT_STREQ(ruv_last_error_message(), "metadata must be a JSON object");
  EXPECT_EQ(Put(mem, "a", "t", "", nan), RUV_NON_FINITE);
  EXPECT_EQ(Put(mem, "", "t", "", v), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_memory_put(mem, "a", 1, nullptr, 0, nullptr, 0, v, 3), RUV_DIMENSION_MISMATCH);
  EXPECT_STREQ(ruv_last_error_message(),
               "ruv_memory_put: vector length 3 does not match the memory's 2 dimensions");
  EXPECT_EQ(ruv_memory_put(mem, "a", 1, nullptr, 4, nullptr, 0, v, 2), RUV_INVALID_ARGUMENT);
  EXPECT_STREQ(ruv_last_error_message(), "ruv_memory_put: null text");
  uint64_t count = 9;
  ASSERT_EQ(ruv_memory_count(mem, &count), RUV_OK);
  EXPECT_EQ(count, 0u);
  ruv_bytes* out = nullptr;
  const std::string bad = R"({"a": {"$in": 1}})";
  EXPECT_EQ(ruv_memory_search(mem, v, 2, 5, 0, bad.data(), bad.size(), &out), RUV_INVALID_ARGUMENT);
  EXPECT_STREQ(ruv_last_error_message(), "filter.a.$in: must be an array (got a number)");
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(ruv_memory_search(nullptr, v, 2, 5, 0, nullptr, 0, &out), RUV_INVALID_ARGUMENT);
  ruv_memory_free(mem);
}

}  // namespace
