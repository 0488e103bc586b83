// The HNSW part of the C ABI: every function on its happy path (results checked against brute
// force), and every error path returns its code and leaves a message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "hnsw/hnsw_test_util.h"
#include "ruv_capi_hnsw.h"

namespace {

using ruv::hnsw::testing::BruteForce;
using ruv::hnsw::testing::Dataset;
using ruv::hnsw::testing::Id;
using ruv::hnsw::testing::RandomUnit;

constexpr uint64_t kSeed = 42;

// Replaces the thread's message with one no other call produces (see capi_test.cc).
void ResetError() {
  ASSERT_EQ(ruv_alloc(std::numeric_limits<size_t>::max()), nullptr);
  ASSERT_STREQ(ruv_last_error_message(), "ruv_alloc: size overflows");
}

#define EXPECT_FAILS_WITH(call, code)                                          \
  do {                                                                         \
    ResetError();                                                              \
    EXPECT_EQ((call), (code));                                                 \
    const std::string message = ruv_last_error_message();                      \
    EXPECT_FALSE(message.empty());                                             \
    EXPECT_NE(message, "ruv_alloc: size overflows") << "kept the old message"; \
  } while (0)

// Ids packed back to back, as the ABI takes them.
struct Packed {
  std::string bytes;
  std::vector<uint32_t> lens;
  explicit Packed(const std::vector<std::string>& ids) {
    for (const std::string& id : ids) {
      bytes += id;
      lens.push_back(static_cast<uint32_t>(id.size()));
    }
  }
};

struct Hits {
  std::vector<std::string> ids;
  std::vector<float> scores, distances;
};

// Reads packed hits by the layout documented in ruv_capi_hnsw.h (count, ids_size, scores,
// distances, id lengths, ids), checking that the sizes add up, then frees them.
Hits Take(ruv_bytes* r) {
  Hits hits;
  const uint8_t* data = ruv_bytes_data(r);
  const size_t size = ruv_bytes_size(r);
  EXPECT_GE(size, size_t{RUV_HNSW_HITS_HEADER_BYTES});
  uint32_t header[2] = {0, 0};
  if (size >= RUV_HNSW_HITS_HEADER_BYTES) std::memcpy(header, data, sizeof(header));
  const size_t n = header[0];
  EXPECT_EQ(size, RUV_HNSW_HITS_HEADER_BYTES + n * 12 + header[1]);
  if (size != RUV_HNSW_HITS_HEADER_BYTES + n * 12 + header[1]) {
    ruv_bytes_free(r);
    return hits;
  }
  const uint8_t* at = data + RUV_HNSW_HITS_HEADER_BYTES;
  hits.scores.resize(n);
  hits.distances.resize(n);
  std::vector<uint32_t> lens(n);
  if (n != 0) {
    std::memcpy(hits.scores.data(), at, n * 4);
    std::memcpy(hits.distances.data(), at + n * 4, n * 4);
    std::memcpy(lens.data(), at + n * 8, n * 4);
  }
  const char* ids = reinterpret_cast<const char*>(at + n * 12);
  size_t offset = 0;
  for (uint32_t len : lens) {
    hits.ids.emplace_back(ids + offset, len);
    offset += len;
  }
  EXPECT_EQ(offset, header[1]);
  ruv_bytes_free(r);
  return hits;
}

Hits Search(const ruv_hnsw* h, const float* q, size_t dim, size_t k, uint32_t ef = 0,
            const Packed* allow = nullptr, ruv_hnsw_allow_fn fn = nullptr, void* ctx = nullptr) {
  ruv_bytes* r = nullptr;
  const int32_t st = ruv_hnsw_search(h, q, dim, k, ef, allow ? allow->bytes.data() : nullptr,
                                     allow ? allow->bytes.size() : 0, allow ? allow->lens.data() : nullptr,
                                     allow ? allow->lens.size() : 0, fn, ctx, &r);
  EXPECT_EQ(st, RUV_OK) << ruv_last_error_message();
  return st == RUV_OK ? Take(r) : Hits{};
}

ruv_hnsw* Create(uint32_t dim, int32_t metric = RUV_METRIC_COSINE, int32_t storage = RUV_HNSW_FLOAT32) {
  ruv_hnsw* h = nullptr;
  EXPECT_EQ(ruv_hnsw_create(dim, 16, 200, 64, metric, storage, kSeed, &h), RUV_OK)
      << ruv_last_error_message();
  return h;
}

// Builds an index over d (ids Id(i)) through ruv_hnsw_insert_batch.
ruv_hnsw* BuildBatch(const Dataset& d, int32_t metric, uint32_t threads) {
  ruv_hnsw* h = Create(static_cast<uint32_t>(d.dim), metric);
  std::vector<std::string> ids;
  for (size_t i = 0; i < d.size(); ++i) ids.push_back(Id(i));
  Packed p(ids);
  EXPECT_EQ(ruv_hnsw_insert_batch(h, p.bytes.data(), p.bytes.size(), p.lens.data(), ids.size(), d.data.data(),
                                  d.dim, threads),
            RUV_OK)
      << ruv_last_error_message();
  return h;
}

double RecallAt(const ruv_hnsw* h, const Dataset& d, const Dataset& queries, size_t k, ruv::Metric metric) {
  double hit = 0, total = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const auto truth = BruteForce(d, queries.row(qi), k, metric);
    const Hits got = Search(h, queries.row(qi), d.dim, k, 100);
    const std::set<std::string> got_ids(got.ids.begin(), got.ids.end());
    for (size_t t : truth) hit += got_ids.count(Id(t));
    total += static_cast<double>(truth.size());
  }
  return hit / total;
}

TEST(CApiHnsw, CreateValidatesConfig) {
  ruv_hnsw* h = nullptr;
  EXPECT_FAILS_WITH(ruv_hnsw_create(0, 16, 200, 50, 0, 0, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 1, 200, 50, 0, 0, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 16, 0, 50, 0, 0, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 16, 200, 0, 0, 0, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 16, 200, 50, 3, 0, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 16, 200, 50, 0, 2, kSeed, &h), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_create(8, 16, 200, 50, 0, 0, kSeed, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(h, nullptr);
  EXPECT_STRNE(ruv_last_error_message(), "");
  ruv_hnsw_free(nullptr);  // NULL-safe
}

TEST(CApiHnsw, ReserveMakesRoomAndChangesNothingElse) {
  ruv_hnsw* h = nullptr;
  ASSERT_EQ(ruv_hnsw_create(8, 16, 200, 50, RUV_METRIC_EUCLIDEAN, 0, kSeed, &h), RUV_OK);
  const float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_EQ(ruv_hnsw_insert(h, "a", 1, v, 8), RUV_OK);
  ruv_hnsw_stats_t before{}, after{};
  ASSERT_EQ(ruv_hnsw_stats(h, &before), RUV_OK);
  ASSERT_EQ(ruv_hnsw_reserve(h, 5000), RUV_OK);
  ASSERT_EQ(ruv_hnsw_stats(h, &after), RUV_OK);
  EXPECT_EQ(after.count, 1u);
  EXPECT_EQ(after.slots, 1u);
  // The room is taken: at least the 5001 rows of 8 floats (32 bytes, 64 with cache-line rows).
  EXPECT_GE(after.vector_bytes, 5001u * 32);
  EXPECT_GT(after.memory_bytes, before.memory_bytes);
  EXPECT_FAILS_WITH(ruv_hnsw_reserve(h, size_t{1} << 32), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_reserve(nullptr, 1), RUV_INVALID_ARGUMENT);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, BatchBuildMatchesBruteForce) {
  for (int32_t metric : {RUV_METRIC_COSINE, RUV_METRIC_EUCLIDEAN, RUV_METRIC_DOT_PRODUCT}) {
    const Dataset d = RandomUnit(2000, 32, 7);
    const Dataset queries = RandomUnit(40, 32, 8);
    ruv_hnsw* h = BuildBatch(d, metric, 2);
    EXPECT_GE(RecallAt(h, d, queries, 10, static_cast<ruv::Metric>(metric)), 0.95) << "metric " << metric;
    // Scores and distances agree with the metric's definition, best first.
    const Hits got = Search(h, queries.row(0), d.dim, 10);
    ASSERT_EQ(got.ids.size(), 10u);
    for (size_t i = 0; i < got.ids.size(); ++i) {
      const size_t row = std::stoul(got.ids[i].substr(3));
      const double exact = ruv::hnsw::testing::ExactDistance(queries.row(0), d.row(row), d.dim,
                                                             static_cast<ruv::Metric>(metric));
      EXPECT_NEAR(got.distances[i], exact, 1e-4);
      const double score = metric == RUV_METRIC_COSINE ? 1 - exact : -exact;
      EXPECT_NEAR(got.scores[i], score, 1e-4);
      if (i > 0) {
        EXPECT_LE(got.distances[i - 1], got.distances[i]);
      }
    }
    ruv_hnsw_free(h);
  }
}

TEST(CApiHnsw, InsertContainsRemoveStats) {
  const Dataset d = RandomUnit(100, 8, 3);
  ruv_hnsw* h = Create(8, RUV_METRIC_EUCLIDEAN);
  for (size_t i = 0; i < d.size(); ++i) {
    const std::string id = Id(i);
    ASSERT_EQ(ruv_hnsw_insert(h, id.data(), id.size(), d.row(i), d.dim), RUV_OK);
  }
  // Exact hit on a stored vector, distance 0.
  const Hits self = Search(h, d.row(5), d.dim, 1, 200);
  ASSERT_EQ(self.ids.size(), 1u);
  EXPECT_EQ(self.ids[0], Id(5));
  EXPECT_NEAR(self.distances[0], 0.0f, 1e-6);

  int32_t flag = -1;
  ASSERT_EQ(ruv_hnsw_contains(h, "id-5", 4, &flag), RUV_OK);
  EXPECT_EQ(flag, 1);
  ASSERT_EQ(ruv_hnsw_contains(h, "nope", 4, &flag), RUV_OK);
  EXPECT_EQ(flag, 0);
  ASSERT_EQ(ruv_hnsw_remove(h, "id-5", 4, &flag), RUV_OK);
  EXPECT_EQ(flag, 1);
  ASSERT_EQ(ruv_hnsw_remove(h, "id-5", 4, &flag), RUV_OK);
  EXPECT_EQ(flag, 0);
  EXPECT_EQ(ruv_hnsw_remove(h, "id-6", 4, nullptr), RUV_OK);  // `removed` is optional
  ASSERT_EQ(ruv_hnsw_contains(h, "id-5", 4, &flag), RUV_OK);
  EXPECT_EQ(flag, 0);
  EXPECT_NE(Search(h, d.row(5), d.dim, 1, 200).ids.at(0), Id(5));

  ruv_hnsw_stats_t stats;
  ASSERT_EQ(ruv_hnsw_stats(h, &stats), RUV_OK);
  EXPECT_EQ(stats.count, 98u);
  EXPECT_EQ(stats.slots, 100u);  // two free
  EXPECT_EQ(stats.dimensions, 8u);
  EXPECT_EQ(stats.m, 16u);
  EXPECT_EQ(stats.ef_construction, 200u);
  EXPECT_EQ(stats.ef_search, 64u);
  EXPECT_LT(stats.max_level, 32u);
  EXPECT_GE(stats.vector_bytes, 100u * 8 * sizeof(float));  // allocated capacity
  EXPECT_GT(stats.memory_bytes, stats.vector_bytes);
  EXPECT_EQ(stats.metric, uint64_t{RUV_METRIC_EUCLIDEAN});
  EXPECT_EQ(stats.storage, uint64_t{RUV_HNSW_FLOAT32});

  // Replacing an id keeps the count.
  ASSERT_EQ(ruv_hnsw_insert(h, "id-7", 4, d.row(0), d.dim), RUV_OK);
  ASSERT_EQ(ruv_hnsw_stats(h, &stats), RUV_OK);
  EXPECT_EQ(stats.count, 98u);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, ListIdsWalksEveryLiveIdOnceInSlotOrder) {
  const Dataset d = RandomUnit(300, 4, 13);
  ruv_hnsw* h = BuildBatch(d, RUV_METRIC_COSINE, 1);
  std::set<std::string> live;
  for (size_t i = 0; i < d.size(); ++i) live.insert(Id(i));
  for (size_t i = 0; i < d.size(); i += 4) {
    const std::string id = Id(i);
    ASSERT_EQ(ruv_hnsw_remove(h, id.data(), id.size(), nullptr), RUV_OK);
    live.erase(id);
  }
  std::vector<std::string> listed;
  uint32_t at = 0, steps = 0;
  while (at < 300) {
    ruv_bytes* r = nullptr;
    uint32_t next = 0;
    ASSERT_EQ(ruv_hnsw_list_ids(h, at, 7, &r, &next), RUV_OK) << ruv_last_error_message();
    const Hits page = Take(r);
    EXPECT_LE(page.ids.size(), 7u);
    EXPECT_GT(next, at);
    for (size_t i = 0; i < page.ids.size(); ++i) {
      EXPECT_EQ(page.scores[i], 0.0f);
      listed.push_back(page.ids[i]);
    }
    at = next;
    ++steps;
  }
  EXPECT_EQ(steps, (live.size() + 6) / 7);  // full pages until the last
  // Batch inserts take slots in entry order: slot order is id order here, minus the removed.
  std::vector<std::string> expected;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i % 4 != 0) expected.push_back(Id(i));
  }
  EXPECT_EQ(listed, expected);
  // Past the end: nothing, and next stays put.
  ruv_bytes* r = nullptr;
  uint32_t next = 0;
  ASSERT_EQ(ruv_hnsw_list_ids(h, 1000, 7, &r, &next), RUV_OK);
  EXPECT_TRUE(Take(r).ids.empty());
  EXPECT_EQ(next, 1000u);
  EXPECT_EQ(ruv_hnsw_list_ids(h, 0, 7, nullptr, &next), RUV_INVALID_ARGUMENT);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, IdAndPredicateFiltersMatchBruteForce) {
  const Dataset d = RandomUnit(1500, 16, 11);
  const Dataset queries = RandomUnit(20, 16, 12);
  ruv_hnsw* h = BuildBatch(d, RUV_METRIC_COSINE, 1);
  std::vector<std::string> allow_ids;
  for (size_t i = 0; i < d.size(); i += 7) allow_ids.push_back(Id(i));
  allow_ids.push_back("not-in-index");  // ignored
  const Packed allow(allow_ids);
  // Predicate: ids whose number is even.
  auto even = [](void* ctx, const char* id, size_t len) -> int32_t {
    ++*static_cast<size_t*>(ctx);
    return std::stoul(std::string(id + 3, len - 3)) % 2 == 0;
  };
  size_t calls = 0;
  double hit_ids = 0, hit_pred = 0, hit_both = 0, total_ids = 0, total_pred = 0, total_both = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const float* q = queries.row(qi);
    auto count = [&](const Hits& got, const std::vector<size_t>& truth, auto ok, double* hit, double* total) {
      for (const std::string& id : got.ids) EXPECT_TRUE(ok(std::stoul(id.substr(3)))) << id;
      const std::set<std::string> got_ids(got.ids.begin(), got.ids.end());
      for (size_t t : truth) *hit += got_ids.count(Id(t));
      *total += static_cast<double>(truth.size());
    };
    auto by7 = [](size_t i) { return i % 7 == 0; };
    auto by2 = [](size_t i) { return i % 2 == 0; };
    auto by14 = [](size_t i) { return i % 14 == 0; };
    count(Search(h, q, d.dim, 10, 100, &allow), BruteForce(d, q, 10, ruv::Metric::kCosine, by7), by7,
          &hit_ids, &total_ids);
    count(Search(h, q, d.dim, 10, 100, nullptr, even, &calls),
          BruteForce(d, q, 10, ruv::Metric::kCosine, by2), by2, &hit_pred, &total_pred);
    count(Search(h, q, d.dim, 10, 100, &allow, even, &calls),
          BruteForce(d, q, 10, ruv::Metric::kCosine, by14), by14, &hit_both, &total_both);
  }
  EXPECT_GT(calls, 0u);
  EXPECT_GE(hit_ids / total_ids, 0.9);
  EXPECT_GE(hit_pred / total_pred, 0.9);
  EXPECT_GE(hit_both / total_both, 0.9);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, EmptyAllowListAllowsNothingNullMeansNoFilter) {
  const Dataset d = RandomUnit(300, 8, 21);
  ruv_hnsw* h = BuildBatch(d, RUV_METRIC_COSINE, 1);
  const char empty = 0;
  const uint32_t no_lens = 0;
  ruv_bytes* r = nullptr;
  // Non-NULL allow_ids with allow_count 0: an empty allow-list, nothing passes (with a predicate too).
  ASSERT_EQ(ruv_hnsw_search(h, d.row(0), d.dim, 5, 0, &empty, 0, nullptr, 0, nullptr, nullptr, &r), RUV_OK);
  EXPECT_EQ(Take(r).ids.size(), 0u);
  auto all = [](void*, const char*, size_t) -> int32_t { return 1; };
  ASSERT_EQ(ruv_hnsw_search(h, d.row(0), d.dim, 5, 0, &empty, 0, &no_lens, 0, all, nullptr, &r), RUV_OK);
  EXPECT_EQ(Take(r).ids.size(), 0u);
  // The query is still checked.
  const float nan[8] = {std::numeric_limits<float>::quiet_NaN()};
  r = nullptr;
  EXPECT_EQ(ruv_hnsw_search(h, nan, 8, 5, 0, &empty, 0, nullptr, 0, nullptr, nullptr, &r), RUV_NON_FINITE);
  EXPECT_EQ(r, nullptr);
  // NULL allow_ids with allow_count 0: no id filter.
  ASSERT_EQ(ruv_hnsw_search(h, d.row(0), d.dim, 5, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r), RUV_OK);
  const Hits got = Take(r);
  ASSERT_EQ(got.ids.size(), 5u);
  EXPECT_EQ(got.ids[0], Id(0));
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, SerializeRoundTripGivesIdenticalBytesAndResults) {
  const Dataset d = RandomUnit(500, 12, 5);
  ruv_hnsw* h = BuildBatch(d, RUV_METRIC_DOT_PRODUCT, 2);
  ruv_bytes* bytes = nullptr;
  ASSERT_EQ(ruv_hnsw_serialize(h, &bytes), RUV_OK);
  ASSERT_GT(ruv_bytes_size(bytes), 0u);
  ruv_hnsw* copy = nullptr;
  ASSERT_EQ(ruv_hnsw_deserialize(ruv_bytes_data(bytes), ruv_bytes_size(bytes), &copy), RUV_OK)
      << ruv_last_error_message();
  ruv_bytes* again = nullptr;
  ASSERT_EQ(ruv_hnsw_serialize(copy, &again), RUV_OK);
  ASSERT_EQ(ruv_bytes_size(again), ruv_bytes_size(bytes));
  EXPECT_EQ(std::memcmp(ruv_bytes_data(again), ruv_bytes_data(bytes), ruv_bytes_size(bytes)), 0);
  for (size_t qi = 0; qi < 10; ++qi) {
    const Hits a = Search(h, d.row(qi * 13), d.dim, 10);
    const Hits b = Search(copy, d.row(qi * 13), d.dim, 10);
    EXPECT_EQ(a.ids, b.ids);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.distances, b.distances);
  }
  // Corrupt bytes: a flipped byte fails the checksum; truncation and garbage fail too.
  std::vector<uint8_t> bad(ruv_bytes_data(bytes), ruv_bytes_data(bytes) + ruv_bytes_size(bytes));
  bad[bad.size() / 2] ^= 0x5A;
  ruv_hnsw* out = nullptr;
  EXPECT_FAILS_WITH(ruv_hnsw_deserialize(bad.data(), bad.size(), &out), RUV_CORRUPT_DATA);
  EXPECT_FAILS_WITH(ruv_hnsw_deserialize(bad.data(), 10, &out), RUV_CORRUPT_DATA);
  EXPECT_FAILS_WITH(ruv_hnsw_deserialize(nullptr, 0, &out), RUV_CORRUPT_DATA);
  EXPECT_FAILS_WITH(ruv_hnsw_deserialize(nullptr, 5, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_deserialize(bad.data(), bad.size(), nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_FAILS_WITH(ruv_hnsw_serialize(nullptr, &again), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_serialize(h, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_bytes_size(nullptr), 0u);
  EXPECT_EQ(ruv_bytes_data(nullptr), nullptr);
  ruv_bytes_free(nullptr);
  ruv_bytes_free(bytes);
  ruv_bytes_free(again);
  ruv_hnsw_free(copy);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, Int8StorageRoundTrips) {
  const Dataset d = RandomUnit(300, 24, 9);
  ruv_hnsw* h = Create(24, RUV_METRIC_COSINE, RUV_HNSW_INT8);
  std::vector<std::string> ids;
  for (size_t i = 0; i < d.size(); ++i) ids.push_back(Id(i));
  Packed p(ids);
  ASSERT_EQ(ruv_hnsw_insert_batch(h, p.bytes.data(), p.bytes.size(), p.lens.data(), ids.size(), d.data.data(),
                                  24, 0),
            RUV_OK);
  EXPECT_EQ(Search(h, d.row(3), 24, 1, 300).ids.at(0), Id(3));
  ruv_hnsw_stats_t stats;
  ASSERT_EQ(ruv_hnsw_stats(h, &stats), RUV_OK);
  EXPECT_EQ(stats.storage, uint64_t{RUV_HNSW_INT8});
  // [min][max][codes] per row: at least that, and below float rows for the same entries.
  EXPECT_GE(stats.vector_bytes, 300u * (24 + 8));
  EXPECT_LT(stats.vector_bytes, 300u * 24 * sizeof(float));
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, WriteErrors) {
  ruv_hnsw* h = Create(4);
  const float v[4] = {1, 2, 3, 4};
  const float nan[4] = {1, NAN, 3, 4};
  EXPECT_FAILS_WITH(ruv_hnsw_insert(nullptr, "a", 1, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, nullptr, 1, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, "", 0, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, nullptr, 0, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, "a", 1, nullptr, 4), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, "a", 1, v, 3), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_insert(h, "a", 1, nan, 4), RUV_NON_FINITE);

  const float flat[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const uint32_t lens[2] = {1, 2};
  const uint32_t zero_len[2] = {1, 0};
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(nullptr, "abc", 3, lens, 2, flat, 4, 1), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abc", 3, lens, 2, flat, 5, 1), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abc", 3, lens, 2, nullptr, 4, 1), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, nullptr, 3, lens, 2, flat, 4, 1), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abc", 3, nullptr, 2, flat, 4, 1), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abc", 2, lens, 2, flat, 4, 1), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abcd", 4, lens, 2, flat, 4, 1), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "a", 1, zero_len, 2, flat, 4, 1), RUV_INVALID_ARGUMENT);
  // All-or-nothing: a NaN in the second row leaves the first uninserted.
  const float flat_nan[8] = {1, 2, 3, 4, 5, NAN, 7, 8};
  EXPECT_FAILS_WITH(ruv_hnsw_insert_batch(h, "abc", 3, lens, 2, flat_nan, 4, 1), RUV_NON_FINITE);
  int32_t flag = -1;
  ASSERT_EQ(ruv_hnsw_contains(h, "a", 1, &flag), RUV_OK);
  EXPECT_EQ(flag, 0);
  EXPECT_EQ(ruv_hnsw_insert_batch(h, nullptr, 0, nullptr, 0, nullptr, 4, 1), RUV_OK);  // empty batch
  ASSERT_EQ(ruv_hnsw_insert_batch(h, "abc", 3, lens, 2, flat, 4, 1), RUV_OK);
  ASSERT_EQ(ruv_hnsw_contains(h, "bc", 2, &flag), RUV_OK);
  EXPECT_EQ(flag, 1);

  EXPECT_FAILS_WITH(ruv_hnsw_remove(nullptr, "a", 1, &flag), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_remove(h, nullptr, 1, &flag), RUV_INVALID_ARGUMENT);
  ruv_hnsw_free(h);
}

TEST(CApiHnsw, ReadErrors) {
  ruv_hnsw* h = Create(4);
  const float v[4] = {1, 2, 3, 4};
  const float nan[4] = {1, NAN, 3, 4};
  ASSERT_EQ(ruv_hnsw_insert(h, "a", 1, v, 4), RUV_OK);
  ruv_bytes* r = nullptr;
  const uint32_t lens[1] = {1};
  EXPECT_FAILS_WITH(ruv_hnsw_search(nullptr, v, 4, 1, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, nullptr, 4, 1, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 4, 1, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, nullptr),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 5, 1, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r),
                    RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, nan, 4, 1, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r),
                    RUV_NON_FINITE);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, nan, 4, 0, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r),
                    RUV_NON_FINITE);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 4, 1, 0, nullptr, 1, lens, 1, nullptr, nullptr, &r),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 4, 1, 0, "a", 1, nullptr, 1, nullptr, nullptr, &r),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 4, 1, 0, "ab", 2, lens, 1, nullptr, nullptr, &r),
                    RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_hnsw_search(h, v, 4, 1, 0, "a", 1, lens, 0, nullptr, nullptr, &r),
                    RUV_DIMENSION_MISMATCH);
  EXPECT_EQ(r, nullptr);

  // k == 0 and an allow-list naming nothing present give empty (but valid) results.
  EXPECT_TRUE(Search(h, v, 4, 0).ids.empty());
  const Packed none(std::vector<std::string>{"zz"});
  EXPECT_TRUE(Search(h, v, 4, 5, 0, &none).ids.empty());
  const Hits all = Search(h, v, 4, 5);  // k above count: every live entry
  ASSERT_EQ(all.ids.size(), 1u);
  EXPECT_EQ(all.ids[0], "a");

  int32_t flag = 0;
  EXPECT_FAILS_WITH(ruv_hnsw_contains(nullptr, "a", 1, &flag), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_contains(h, "a", 1, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_contains(h, nullptr, 1, &flag), RUV_INVALID_ARGUMENT);
  ruv_hnsw_stats_t stats;
  EXPECT_FAILS_WITH(ruv_hnsw_stats(nullptr, &stats), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hnsw_stats(h, nullptr), RUV_INVALID_ARGUMENT);

  // Packed hits of an empty search: just the header, count 0 and ids_size 0.
  ASSERT_EQ(ruv_hnsw_search(h, v, 4, 0, 0, nullptr, 0, nullptr, 0, nullptr, nullptr, &r), RUV_OK);
  EXPECT_EQ(ruv_bytes_size(r), size_t{RUV_HNSW_HITS_HEADER_BYTES});
  const Hits none_hits = Take(r);
  EXPECT_TRUE(none_hits.ids.empty());
  ruv_hnsw_free(h);
}

}  // namespace
