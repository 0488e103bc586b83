#include "memory/filtered_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "memory/record_store.h"

namespace ruv::memory {
namespace {

constexpr size_t kN = 3000, kDim = 16, kK = 10;

// 3000 random vectors with metadata whose fields select 50%, 1% and 3 records; the expectation
// is a float64 brute force over the records the filter's own definition admits (the `admit`
// lambdas below, written from the metadata, not from MetadataFilter).
class FilteredSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    vectors_.resize(kN * kDim);
    for (float& x : vectors_) x = normal(rng);
    HnswConfig c;
    c.dimensions = kDim;
    c.m = 8;
    c.ef_construction = 64;
    c.metric = Metric::kEuclidean;
    ASSERT_TRUE(HnswIndex::Create(c, &index_).ok());
    for (size_t i = 0; i < kN; ++i) {
      const std::string id = "m" + std::to_string(i);
      ASSERT_TRUE(index_->Insert(id, &vectors_[i * kDim]).ok());
      const std::string meta = R"({"bucket": )" + std::to_string(i % 100) + R"(, "even": )" +
                               (i % 2 == 0 ? "true" : "false") + (i < 3 ? R"(, "rare": true})" : "}");
      ASSERT_TRUE(records_.Put(id, "text " + std::to_string(i), meta).ok());
    }
    for (size_t i = 0; i < 20; ++i) queries_.push_back(Row(normal, rng));
  }

  std::vector<float> Row(std::normal_distribution<float>& normal, std::mt19937_64& rng) {
    std::vector<float> q(kDim);
    for (float& x : q) x = normal(rng);
    return q;
  }

  template <typename Admit>
  std::vector<std::string> BruteForce(const std::vector<float>& q, Admit admit) const {
    std::vector<std::pair<double, size_t>> d;
    for (size_t i = 0; i < kN; ++i) {
      if (!admit(i)) continue;
      double s = 0;
      for (size_t j = 0; j < kDim; ++j) {
        const double t = double{q[j]} - vectors_[i * kDim + j];
        s += t * t;
      }
      d.emplace_back(s, i);
    }
    std::sort(d.begin(), d.end());
    std::vector<std::string> ids;
    for (size_t i = 0; i < std::min(kK, d.size()); ++i) ids.push_back("m" + std::to_string(d[i].second));
    return ids;
  }

  static std::vector<std::string> Ids(const std::vector<HnswSearchHit>& hits) {
    std::vector<std::string> ids;
    for (const auto& h : hits) ids.push_back(h.id);
    return ids;
  }

  std::vector<float> vectors_;
  std::vector<std::vector<float>> queries_;
  std::unique_ptr<HnswIndex> index_;
  RecordStore records_;
};

MetadataFilter Compile(const char* text) {
  MetadataFilter f;
  EXPECT_TRUE(MetadataFilter::Parse(text, &f).ok()) << text;
  return f;
}

TEST_F(FilteredSearchTest, SelectiveFiltersAreRankedExactlyAndReturnEveryMatchUpToK) {
  struct Row {
    const char* filter;
    std::function<bool(size_t)> admit;
    size_t matches;
  };
  const Row rows[] = {
      {R"({"bucket": 7})", [](size_t i) { return i % 100 == 7; }, 30},
      {R"({"rare": true})", [](size_t i) { return i < 3; }, 3},
      {R"({"bucket": {"$in": [1, 2]}, "even": false})", [](size_t i) { return i % 100 == 1; }, 30},
      {R"({"bucket": 1000})", [](size_t) { return false; }, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.filter);
    const MetadataFilter f = Compile(row.filter);
    for (const auto& q : queries_) {
      std::vector<HnswSearchHit> out;
      FilteredSearchReport r;
      ASSERT_TRUE(FilteredSearch(*index_, records_, q.data(), kK, f, {}, &out, &r).ok());
      EXPECT_TRUE(r.exact);
      EXPECT_EQ(r.matches, row.matches);
      EXPECT_EQ(Ids(out), BruteForce(q, row.admit));
    }
  }
}

TEST_F(FilteredSearchTest, BroadFiltersAreEvaluatedDuringTheWalk) {
  struct Row {
    const char* filter;
    std::function<bool(size_t)> admit;
  };
  const Row rows[] = {
      {R"({"even": true})", [](size_t i) { return i % 2 == 0; }},
      {R"({"bucket": {"$gte": 50}})", [](size_t i) { return i % 100 >= 50; }},
      {"{}", [](size_t) { return true; }},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.filter);
    const MetadataFilter f = Compile(row.filter);
    double hits = 0;
    for (const auto& q : queries_) {
      std::vector<HnswSearchHit> out;
      FilteredSearchReport r;
      ASSERT_TRUE(FilteredSearch(*index_, records_, q.data(), kK, f, {.ef = 64}, &out, &r).ok());
      EXPECT_FALSE(r.exact);
      EXPECT_NEAR(static_cast<double>(r.estimated_matches), row.filter[1] == '}' ? 3000.0 : 1500.0, 200.0);
      ASSERT_EQ(out.size(), kK);
      const std::vector<std::string> want = BruteForce(q, row.admit);
      for (const auto& h : out) {
        EXPECT_TRUE(row.admit(std::stoul(h.id.substr(1)))) << h.id << " does not pass";
        hits += std::count(want.begin(), want.end(), h.id);
      }
    }
    EXPECT_GE(hits / (kK * queries_.size()), 0.9);
  }
}

TEST_F(FilteredSearchTest, AWalkThatFallsShortIsCompletedByTheExactScan) {
  // exact_factor 0 forces the walk even for 3 matches; a small ef at m 8 may find them all or
  // not, and either way the answer is all three, in exact order.
  const MetadataFilter f = Compile(R"({"rare": true})");
  for (const auto& q : queries_) {
    std::vector<HnswSearchHit> out;
    FilteredSearchReport r;
    ASSERT_TRUE(
        FilteredSearch(*index_, records_, q.data(), kK, f, {.ef = 1, .exact_factor = 0}, &out, &r).ok());
    EXPECT_EQ(Ids(out), BruteForce(q, [](size_t i) { return i < 3; }));
    EXPECT_TRUE(r.walk_fell_short);  // 3 < k: the walk alone cannot prove there are no more
  }
}

TEST_F(FilteredSearchTest, EntriesWithoutARecordNeverPass) {
  ASSERT_TRUE(records_.Erase("m0"));
  ASSERT_TRUE(records_.Erase("m2"));
  EXPECT_EQ(records_.Find("m0"), nullptr);
  EXPECT_EQ(records_.size(), kN - 2);
  const MetadataFilter all = Compile("{}");
  const MetadataFilter rare = Compile(R"({"rare": true})");
  for (const auto& q : queries_) {
    std::vector<HnswSearchHit> out;
    ASSERT_TRUE(FilteredSearch(*index_, records_, q.data(), kK, rare, {}, &out).ok());
    EXPECT_EQ(Ids(out), std::vector<std::string>{"m1"});
    ASSERT_TRUE(FilteredSearch(*index_, records_, q.data(), kK, all, {}, &out).ok());
    for (const auto& h : out) EXPECT_TRUE(h.id != "m0" && h.id != "m2") << h.id;
  }
}

TEST(RecordStoreTest, PutReplacesEraseMovesTheLastAndBadMetadataChangesNothing) {
  RecordStore s;
  ASSERT_TRUE(s.Put("a", "alpha", R"({"x": 1})").ok());
  ASSERT_TRUE(s.Put("b", "beta", "").ok());
  ASSERT_TRUE(s.Put("c", "gamma", R"({"y": [1, {"z": null}]})").ok());
  EXPECT_EQ(s.Find("b")->metadata, Json::object());
  ASSERT_TRUE(s.Put("a", "alpha 2", R"({"x": 2})").ok());
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.Find("a")->text, "alpha 2");
  EXPECT_EQ(s.Find("a")->metadata["x"], 2);
  EXPECT_TRUE(s.Erase("a"));
  EXPECT_FALSE(s.Erase("a"));
  EXPECT_EQ(s.size(), 2u);
  std::vector<std::string> ids{s.IdAt(0), s.IdAt(1)};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "c"}));
  // c moved into a's place: erasing it must find it there.
  ASSERT_TRUE(s.Put("d", "delta", "").ok());
  EXPECT_TRUE(s.Erase("c"));
  EXPECT_EQ(s.size(), 2u);
  ids = {s.IdAt(0), s.IdAt(1)};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "d"}));
  EXPECT_TRUE(s.Erase("d"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.IdAt(0), "b");
  const std::pair<const char*, const char*> bad[] = {
      {"[1]", "metadata must be a JSON object"},
      {"{", "metadata is not valid JSON"},
      {"3", "metadata must be a JSON object"},
  };
  for (const auto& [text, message] : bad) {
    const Status st = s.Put("b", "new", text);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(st.message(), message);
    EXPECT_EQ(s.Find("b")->text, "beta");  // unchanged
  }
  const std::string deep = R"({"a": )" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(s.Put("d", "", deep).message(), "metadata nests deeper than 32 levels");
  EXPECT_EQ(s.Put("d", "", std::string(kMaxMetadataText + 1, ' ')).message(),
            "metadata is longer than 1048576 bytes of JSON");
  EXPECT_EQ(s.Put("", "", "").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Find("d"), nullptr);
}

}  // namespace
}  // namespace ruv::memory
