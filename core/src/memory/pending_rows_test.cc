// Deferred writes (Memory::PutBatch with defer, pending_rows.h): rows acknowledged before they
// are linked are found by every search exactly as brute force ranks them, with the same filters,
// scores and distances; replacing, removing, listing, verifying and snapshots treat them as the
// entries they are; IndexPending links them without changing what searches find.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crc32.h"
#include "memory/memory.h"

namespace ruv::memory {
namespace {

constexpr uint32_t kDim = 8;

struct Row {
  std::string id;
  std::vector<float> v;
  int group;
};

std::vector<Row> Rows(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<Row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    rows[i].id = "r" + std::to_string(i);
    rows[i].v.resize(kDim);
    for (float& x : rows[i].v) x = g(rng);
    rows[i].group = static_cast<int>(i % 5);
  }
  return rows;
}

std::unique_ptr<Memory> Make(Metric metric, HnswStorage storage = HnswStorage::kFloat32) {
  HnswConfig c;
  c.dimensions = kDim;
  c.metric = metric;
  c.storage = storage;
  c.m = 8;
  c.ef_construction = 64;
  std::unique_ptr<Memory> m;
  EXPECT_TRUE(Memory::Create(c, &m).ok());
  return m;
}

std::string Meta(const Row& r) { return R"({"group":)" + std::to_string(r.group) + "}"; }

// Puts rows [from, to) in one batch, deferred or linked.
void PutRows(Memory* m, const std::vector<Row>& rows, size_t from, size_t to, bool defer) {
  std::vector<std::string> metas, texts;
  for (size_t i = from; i < to; ++i) {
    metas.push_back(Meta(rows[i]));
    texts.push_back("text of " + rows[i].id);
  }
  std::vector<MemoryPut> puts;
  for (size_t i = from; i < to; ++i)
    puts.push_back({rows[i].id, texts[i - from], metas[i - from], rows[i].v.data()});
  ASSERT_TRUE(m->PutBatch(puts, 2, defer).ok());
}

// The metric's distance by its formula, in double (the independent expectation).
double Distance(Metric metric, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
    l2 += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  }
  if (metric == Metric::kCosine) return 1.0 - dot / std::sqrt(na * nb);
  if (metric == Metric::kEuclidean) return std::sqrt(l2);
  return -dot;
}

// Brute force: the k nearest rows (of `alive`) in group `group` (-1: any), as (id, distance).
std::vector<std::pair<double, std::string>> Truth(Metric metric, const std::vector<Row>& rows,
                                                  const std::vector<float>& q, size_t k, int group) {
  std::vector<std::pair<double, std::string>> all;
  for (const Row& r : rows) {
    if (group < 0 || r.group == group) all.emplace_back(Distance(metric, q, r.v), r.id);
  }
  std::sort(all.begin(), all.end());
  all.resize(std::min(k, all.size()));
  return all;
}

// Searches exactly (ef past the count: the walk visits everything) and compares with brute force.
void ExpectExact(const Memory& m, Metric metric, const std::vector<Row>& rows, int group, const char* when) {
  const std::vector<Row> queries = Rows(10, 99);
  const std::string filter = group < 0 ? "" : R"({"group":)" + std::to_string(group) + "}";
  FilteredSearchOptions o;
  o.ef = 1000;
  for (const Row& q : queries) {
    std::vector<HnswSearchHit> hits;
    ASSERT_TRUE(m.Search(q.v.data(), 10, filter, o, &hits).ok());
    const auto want = Truth(metric, rows, q.v, 10, group);
    ASSERT_EQ(hits.size(), want.size()) << when;
    for (size_t i = 0; i < hits.size(); ++i) {
      EXPECT_EQ(hits[i].id, want[i].second) << when << " rank " << i;
      EXPECT_NEAR(hits[i].distance, want[i].first, 1e-4) << when;
      const double score = metric == Metric::kCosine      ? 1.0 - want[i].first
                           : metric == Metric::kEuclidean ? -want[i].first
                                                          : -want[i].first;
      EXPECT_NEAR(hits[i].score, score, 1e-4) << when;
    }
  }
}

class PendingRowsTest : public ::testing::TestWithParam<Metric> {};

TEST_P(PendingRowsTest, DeferredRowsAreFoundExactlyBeforeAndAfterTheyAreLinked) {
  const Metric metric = GetParam();
  const std::vector<Row> rows = Rows(300, 7);
  auto m = Make(metric);
  PutRows(m.get(), rows, 0, 120, false);
  PutRows(m.get(), rows, 120, 300, true);
  EXPECT_EQ(m->size(), 300u);
  EXPECT_EQ(m->pending(), 180u);
  ExpectExact(*m, metric, rows, -1, "pending");
  ExpectExact(*m, metric, rows, 2, "pending, filtered");
  size_t left = 0, steps = 0;
  do {
    ASSERT_TRUE(m->IndexPending(50, 2, &left).ok());
    ++steps;
    ExpectExact(*m, metric, rows, 3, "part linked, filtered");
  } while (left != 0);
  EXPECT_EQ(steps, 4u);
  EXPECT_EQ(m->pending(), 0u);
  ExpectExact(*m, metric, rows, -1, "linked");
  ExpectExact(*m, metric, rows, 2, "linked, filtered");
}

INSTANTIATE_TEST_SUITE_P(Metrics, PendingRowsTest,
                         ::testing::Values(Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct));

TEST(PendingRowsMemoryTest, ReplaceRemoveListAndGetTreatPendingRowsAsEntries) {
  std::vector<Row> rows = Rows(40, 3);
  auto m = Make(Metric::kEuclidean);
  PutRows(m.get(), rows, 0, 20, false);
  PutRows(m.get(), rows, 20, 40, true);
  // A deferred replace of a linked entry: its old vector leaves the graph.
  rows[3].v = rows[39].v;
  rows[3].v[0] += 0.001f;
  PutRows(m.get(), rows, 3, 4, true);
  EXPECT_EQ(m->pending(), 21u);
  // A linked put of a pending entry: its pending row goes.
  rows[25].v = rows[0].v;
  rows[25].v[1] += 0.001f;
  PutRows(m.get(), rows, 25, 26, false);
  EXPECT_EQ(m->pending(), 20u);
  // Removing a pending entry.
  EXPECT_TRUE(m->Remove("r30"));
  EXPECT_FALSE(m->Remove("r30"));
  rows.erase(rows.begin() + 30);
  EXPECT_EQ(m->pending(), 19u);
  EXPECT_EQ(m->size(), 39u);
  ExpectExact(*m, Metric::kEuclidean, rows, -1, "after replace and remove");
  MemoryRecord rec;
  ASSERT_TRUE(m->Get("r33", &rec));
  EXPECT_EQ(rec.text, "text of r33");
  // Listing gives every id once, in steps, also while rows are linked between the steps.
  std::multiset<std::string> listed;
  size_t start = 0, next = 0;
  std::vector<std::string> ids;
  for (;; start = next) {
    ASSERT_TRUE(m->ListIds(start, 7, &ids, &next).ok());
    if (ids.empty()) break;
    listed.insert(ids.begin(), ids.end());
    size_t left = 0;
    ASSERT_TRUE(m->IndexPending(5, 1, &left).ok());
  }
  std::multiset<std::string> want;
  for (const Row& r : rows) want.insert(r.id);
  EXPECT_EQ(listed, want);
  ExpectExact(*m, Metric::kEuclidean, rows, 1, "linked after listing");
  // Nothing is lost or unreachable to verify, pending or not.
  PutRows(m.get(), rows, 0, 5, true);
  MemoryVerifyReport report;
  ASSERT_TRUE(m->Verify(nullptr, false, &report).ok());
  EXPECT_EQ(report.lost + report.orphans + report.unreachable, 0u);
}

TEST(PendingRowsMemoryTest, DrainedRowsGiveTheirMemoryBack) {
  const std::vector<Row> rows = Rows(64, 29);
  HnswConfig c;
  c.dimensions = kDim;
  PendingRows pending(c);
  pending.Reserve(rows.size());
  for (const Row& r : rows) pending.Put(r.id, r.v.data());
  EXPECT_GE(pending.bytes(), rows.size() * kDim * sizeof(float));
  for (const Row& r : rows) EXPECT_TRUE(pending.Erase(r.id));
  EXPECT_EQ(pending.size(), 0u);
  EXPECT_EQ(pending.bytes(), 0u);
  pending.Put("again", rows[0].v.data());
  EXPECT_TRUE(pending.Contains("again"));
}

TEST(PendingRowsMemoryTest, BadDeferredRowsAreRefusedAsTheIndexRefusesThemAndChangeNothing) {
  const std::vector<Row> rows = Rows(4, 5);
  auto m = Make(Metric::kEuclidean);
  PutRows(m.get(), rows, 0, 2, true);
  std::vector<float> nan = rows[2].v;
  nan[3] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<MemoryPut> puts = {{"r2", "t", "", rows[2].v.data()}, {"r3", "t", "", nan.data()}};
  const Status deferred = m->PutBatch(puts, 1, true);
  EXPECT_EQ(deferred.code(), ErrorCode::kNonFinite);
  auto linked = Make(Metric::kEuclidean);
  EXPECT_EQ(linked->PutBatch(puts, 1, false).message(), deferred.message());
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->pending(), 2u);
  std::vector<HnswSearchHit> hits;
  EXPECT_EQ(m->Search(nan.data(), 3, "", {}, &hits).code(), ErrorCode::kNonFinite);
}

TEST(PendingRowsMemoryTest, HybridSearchScoresAKeywordOnlyPendingHit) {
  const std::vector<Row> rows = Rows(60, 11);
  auto m = Make(Metric::kCosine);
  PutRows(m.get(), rows, 0, 59, false);
  const std::vector<MemoryPut> puts = {{rows[59].id, "a rare zebra", "", rows[59].v.data()}};
  ASSERT_TRUE(m->PutBatch(puts, 1, true).ok());
  std::vector<HnswSearchHit> hits;
  std::vector<double> fused;
  ASSERT_TRUE(m->SearchHybrid(rows[0].v.data(), "zebra", 3, "", {}, &hits, &fused).ok());
  const auto it =
      std::find_if(hits.begin(), hits.end(), [](const HnswSearchHit& h) { return h.id == "r59"; });
  ASSERT_NE(it, hits.end());
  EXPECT_NEAR(it->distance, Distance(Metric::kCosine, rows[0].v, rows[59].v), 1e-5);
}

std::vector<uint8_t> Bytes(const Memory& m) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(m.Serialize(R"({"h":1})", &out).ok());
  return out;
}

uint32_t VersionOf(const std::vector<uint8_t>& b) {
  uint32_t v = 0;
  std::memcpy(&v, b.data() + 8, 4);
  return v;
}

TEST(PendingRowsSnapshotTest, PendingRowsRoundTripAsVersion2AndNoneIsVersion1) {
  const std::vector<Row> rows = Rows(80, 13);
  for (HnswStorage storage : {HnswStorage::kFloat32, HnswStorage::kInt8}) {
    auto m = Make(Metric::kCosine, storage);
    PutRows(m.get(), rows, 0, 50, false);
    EXPECT_EQ(VersionOf(Bytes(*m)), 1u);
    PutRows(m.get(), rows, 50, 80, true);
    const std::vector<uint8_t> bytes = Bytes(*m);
    EXPECT_EQ(VersionOf(bytes), 2u);
    std::unique_ptr<Memory> back;
    std::string header;
    ASSERT_TRUE(Memory::Deserialize(bytes.data(), bytes.size(), &back, &header).ok());
    EXPECT_EQ(header, R"({"h":1})");
    EXPECT_EQ(back->pending(), 30u);
    EXPECT_EQ(back->size(), 80u);
    EXPECT_EQ(Bytes(*back), bytes);
    if (storage == HnswStorage::kFloat32) ExpectExact(*back, Metric::kCosine, rows, 4, "loaded");
    // The loaded rows are linked as the written ones are.
    size_t left = 0;
    ASSERT_TRUE(back->IndexPending(1000, 1, &left).ok());
    EXPECT_EQ(left, 0u);
    EXPECT_EQ(VersionOf(Bytes(*back)), 1u);
    if (storage == HnswStorage::kFloat32) ExpectExact(*back, Metric::kCosine, rows, 4, "loaded, linked");
  }
}

TEST(PendingRowsSnapshotTest, EveryTruncationAndByteChangeOfVersion2IsCorruptData) {
  const std::vector<Row> rows = Rows(6, 17);
  auto m = Make(Metric::kEuclidean);
  PutRows(m.get(), rows, 0, 3, false);
  PutRows(m.get(), rows, 3, 6, true);
  const std::vector<uint8_t> bytes = Bytes(*m);
  ASSERT_EQ(VersionOf(bytes), 2u);
  std::unique_ptr<Memory> out;
  for (size_t len = 0; len < bytes.size(); ++len) {
    ASSERT_EQ(Memory::Deserialize(bytes.data(), len, &out, nullptr).code(), ErrorCode::kCorruptData) << len;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> b = bytes;
    b[i] ^= 0x20;
    ASSERT_EQ(Memory::Deserialize(b.data(), b.size(), &out, nullptr).code(), ErrorCode::kCorruptData) << i;
  }
}

TEST(PendingRowsSnapshotTest, APendingIdThatIsAlsoLinkedIsRefusedWithAGoodChecksum) {
  const std::vector<Row> rows = Rows(4, 19);
  auto m = Make(Metric::kEuclidean);
  PutRows(m.get(), rows, 0, 3, false);
  PutRows(m.get(), rows, 3, 4, true);
  std::vector<uint8_t> bytes = Bytes(*m);
  // The pending row's id "r3" renamed "r0" (same length), which the index holds: resealed.
  const std::string from = "r3";
  const auto at = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
  ASSERT_NE(at, bytes.end());
  *(at + 1) = '0';
  const uint32_t crc = Crc32(bytes.data(), bytes.size() - 4);
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  std::unique_ptr<Memory> out;
  const Status s = Memory::Deserialize(bytes.data(), bytes.size(), &out, nullptr);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
  EXPECT_NE(s.message().find("pending row 0"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace ruv::memory

namespace ruv::memory {
namespace {

// Deferred writes, removals and searches while a linker thread links: every search finds each
// id at most once, and at the end the memory holds exactly what was written, found by brute force.
TEST(PendingRowsConcurrencyTest, WritesAndSearchesGoOnWhileRowsAreLinked) {
  std::vector<Row> rows = Rows(1200, 23);
  auto m = Make(Metric::kEuclidean);
  std::atomic<bool> writing{true};
  std::thread linker([&] {
    size_t left = 0;
    while (writing.load() || m->pending() > 0) {
      ASSERT_TRUE(m->IndexPending(64, 2, &left).ok());
      if (left == 0) std::this_thread::yield();
    }
  });
  std::thread searcher([&] {
    std::vector<HnswSearchHit> hits;
    while (writing.load()) {
      ASSERT_TRUE(m->Search(rows[0].v.data(), 20, "", {}, &hits).ok());
      std::set<std::string> seen;
      for (const HnswSearchHit& h : hits) ASSERT_TRUE(seen.insert(h.id).second) << "twice: " << h.id;
    }
  });
  for (size_t from = 0; from < rows.size(); from += 100) {
    PutRows(m.get(), rows, from, from + 100, true);
    // Remove one row of the batch before, which the linker may be linking now.
    if (from >= 100) ASSERT_TRUE(m->Remove(rows[from - 50].id));
  }
  writing = false;
  linker.join();
  searcher.join();
  std::vector<Row> kept;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i % 100 == 50 && i <= 1050) continue;  // removed above
    kept.push_back(rows[i]);
  }
  EXPECT_EQ(m->size(), kept.size());
  EXPECT_EQ(m->pending(), 0u);
  ExpectExact(*m, Metric::kEuclidean, kept, -1, "after concurrent linking");
  MemoryVerifyReport report;
  ASSERT_TRUE(m->Verify(nullptr, false, &report).ok());
  EXPECT_EQ(report.lost + report.orphans + report.unreachable, 0u);
}

}  // namespace
}  // namespace ruv::memory
