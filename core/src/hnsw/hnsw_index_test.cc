// Recall, search semantics and deletion of ruv::HnswIndex, checked against exact brute force.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "hnsw_test_util.h"
#include "ruv/hnsw.h"

namespace ruv::hnsw::testing {
namespace {

HnswConfig Config(uint32_t m = 16, uint32_t ef_construction = 100, Metric metric = Metric::kCosine) {
  HnswConfig c;
  c.m = m;
  c.ef_construction = ef_construction;
  c.metric = metric;
  return c;
}

TEST(HnswConfigTest, RejectsInvalid) {
  std::unique_ptr<HnswIndex> index;
  HnswConfig c = Config();
  c.dimensions = 0;
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.dimensions = 65537;
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.dimensions = 8;
  c.m = 1;
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.m = 129;
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.m = 16;
  c.ef_search = 0;
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.ef_search = 10;
  c.metric = static_cast<Metric>(7);
  EXPECT_EQ(HnswIndex::Create(c, &index).code(), ErrorCode::kInvalidArgument);
  c.metric = Metric::kEuclidean;
  EXPECT_TRUE(HnswIndex::Create(c, &index).ok());
}

TEST(HnswIndexTest, RejectsBadArguments) {
  HnswConfig c = Config();
  c.dimensions = 4;
  std::unique_ptr<HnswIndex> index;
  ASSERT_TRUE(HnswIndex::Create(c, &index).ok());
  const float v[4] = {1, 2, 3, 4};
  const float nan[4] = {1, std::nanf(""), 3, 4};
  EXPECT_EQ(index->Insert("", v).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(index->Insert("a", nullptr).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(index->Insert("a", nan).code(), ErrorCode::kNonFinite);
  std::vector<HnswSearchHit> out;
  EXPECT_EQ(index->Search(nan, 3, {}, &out).code(), ErrorCode::kNonFinite);
  EXPECT_TRUE(index->Search(v, 3, {}, &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(index->Remove("missing"));
  EXPECT_EQ(index->Stats().count, 0u);
}

TEST(HnswIndexTest, RecallRandomUnit) {
  const Dataset d = RandomUnit(Scaled(3000), 64, 11);
  const Dataset q = RandomUnit(100, 64, 12);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  EXPECT_GE(Recall(*index, d, q, 10, 100), 0.9);
}

TEST(HnswIndexTest, RecallClustered) {
  const Dataset all = Clustered(Scaled(3000) + 100, 128, 100, 0.05f, 21);
  const size_t n = all.size() - 100;
  Dataset d{128, std::vector<float>(all.data.begin(), all.data.begin() + n * 128)};
  Dataset q{128, std::vector<float>(all.data.begin() + n * 128, all.data.end())};
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  EXPECT_GE(Recall(*index, d, q, 10, 50), 0.95);
}

// Clusters inserted one after another at a small m: the nearest m of a new point all lie in its
// own cluster, so only hnswlib's neighbour heuristic (skip a candidate closer to an already
// chosen neighbour than to the point) keeps the links that lead from cluster to cluster.
// Selecting the plain nearest m strands whole clusters and recall collapses.
TEST(HnswIndexTest, RecallClustersInsertedInOrderAtSmallM) {
  constexpr size_t kClusters = 40, kPer = 50, kDim = 8;
  const Dataset centres = RandomUnit(kClusters, kDim, 31);
  std::mt19937_64 rng(32);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Dataset d{kDim, std::vector<float>(kClusters * kPer * kDim)};
  Dataset q{kDim, std::vector<float>(kClusters * kDim)};
  for (size_t c = 0; c < kClusters; ++c) {
    for (size_t i = 0; i < kPer; ++i) {
      for (size_t j = 0; j < kDim; ++j)
        d.data[(c * kPer + i) * kDim + j] = centres.row(c)[j] + 0.02f * normal(rng);
    }
    for (size_t j = 0; j < kDim; ++j) q.data[c * kDim + j] = centres.row(c)[j] + 0.02f * normal(rng);
  }
  HnswConfig c = Config();
  c.m = 4;
  c.ef_construction = 40;
  c.metric = Metric::kEuclidean;
  auto index = Build(d, c);
  ASSERT_NE(index, nullptr);
  EXPECT_GE(Recall(*index, d, q, 10, 40), 0.85);  // 0.94 here; 0.72 without the heuristic
}

TEST(HnswIndexTest, MetricsScoresAndDistances) {
  for (const Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    Dataset d = RandomUnit(Scaled(1000), 16, 31);
    for (size_t i = 0; i < d.data.size(); ++i) d.data[i] *= 1.0f + static_cast<float>(i % 7);
    const Dataset q = RandomUnit(20, 16, 32);
    auto index = Build(d, Config(16, 100, metric));
    ASSERT_NE(index, nullptr);
    EXPECT_GE(Recall(*index, d, q, 10, 64), 0.9) << static_cast<int>(metric);
    std::vector<HnswSearchHit> out;
    for (size_t qi = 0; qi < q.size(); ++qi) {
      ASSERT_TRUE(index->Search(q.row(qi), 10, {}, &out).ok());
      ASSERT_EQ(out.size(), 10u);
      for (size_t i = 0; i < out.size(); ++i) {
        const size_t row = std::stoul(out[i].id.substr(3));
        const double exact = ExactDistance(q.row(qi), d.row(row), 16, metric);
        EXPECT_NEAR(out[i].distance, exact, 1e-4 * std::max(1.0, std::abs(exact)));
        const double score = metric == Metric::kCosine      ? 1.0 - exact
                             : metric == Metric::kEuclidean ? -exact
                                                            : -exact;
        EXPECT_NEAR(out[i].score, score, 1e-4 * std::max(1.0, std::abs(score)));
        if (i > 0) {
          EXPECT_LE(out[i - 1].distance, out[i].distance);
        }
      }
    }
  }
}

TEST(HnswIndexTest, EveryEntryFindsItself) {
  const Dataset d = RandomUnit(Scaled(2000), 32, 41);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  std::vector<HnswSearchHit> out;
  size_t first = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    ASSERT_TRUE(index->Search(d.row(i), 10, {}, &out).ok());
    ASSERT_FALSE(out.empty());
    first += out[0].id == Id(i);
    EXPECT_TRUE(std::any_of(out.begin(), out.end(), [&](auto& h) { return h.id == Id(i); })) << i;
  }
  EXPECT_GE(static_cast<double>(first) / static_cast<double>(d.size()), 0.99);
}

TEST(HnswIndexTest, KLargerThanCountReturnsAllLive) {
  const Dataset d = RandomUnit(50, 8, 51);
  auto index = Build(d, Config(4, 10));
  ASSERT_NE(index, nullptr);
  for (size_t i = 0; i < 50; i += 3) ASSERT_TRUE(index->Remove(Id(i)));
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(index->Search(d.row(1), 1000, {}, &out).ok());
  ASSERT_EQ(out.size(), index->Stats().count);
  const auto truth = BruteForce(d, d.row(1), 1000, Metric::kCosine, [](size_t i) { return i % 3; });
  for (size_t i = 0; i < truth.size(); ++i) EXPECT_EQ(out[i].id, Id(truth[i]));
}

TEST(HnswIndexTest, EfSearchIsHonoured) {
  const Dataset d = RandomUnit(Scaled(2000), 64, 61);
  const Dataset q = RandomUnit(60, 64, 62);
  auto index = Build(d, Config(8, 40));
  ASSERT_NE(index, nullptr);
  double previous = 0;
  for (const uint32_t ef : {10u, 20u, 50u, 100u, 200u}) {
    const double r = Recall(*index, d, q, 10, ef);
    EXPECT_GE(r, previous - 0.01) << "ef " << ef;
    previous = std::max(previous, r);
  }
  EXPECT_GT(previous, Recall(*index, d, q, 10, 10) + 0.05);
  EXPECT_EQ(Recall(*index, d, q, 10, static_cast<uint32_t>(d.size())), 1.0);
}

TEST(HnswIndexTest, FilteredSearchAtTenPercent) {
  const Dataset d = RandomUnit(Scaled(3000), 32, 71);
  const Dataset q = RandomUnit(60, 32, 72);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  auto allowed = [](size_t i) { return i % 10 == 3; };
  const HnswFilter filter = [&](std::string_view id) {
    return allowed(std::stoul(std::string(id.substr(3))));
  };
  EXPECT_GE(Recall(*index, d, q, 10, 50, allowed, &filter), 0.9);
  std::vector<HnswSearchHit> out;
  HnswSearchOptions options;
  options.filter = &filter;
  for (size_t qi = 0; qi < q.size(); ++qi) {
    ASSERT_TRUE(index->Search(q.row(qi), 10, options, &out).ok());
    EXPECT_EQ(out.size(), 10u);
    for (const auto& h : out) EXPECT_TRUE(filter(h.id)) << h.id;
  }
}

// A short allow-list (at most ef live ids) is ranked exactly, without the walk (which expanded the
// whole graph looking for ten allowed nodes among thousands: tens of ms at 50k, measured by the
// event-loop test). Unknown and repeated ids are ignored; a longer list goes through the walk and
// only its ids return.
TEST(HnswIndexTest, AllowListOfAtMostEfIdsIsRankedExactly) {
  const Dataset d = RandomUnit(Scaled(3000), 32, 75);
  const Dataset q = RandomUnit(40, 32, 76);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  std::mt19937_64 rng(77);
  std::vector<HnswSearchHit> out;
  for (size_t qi = 0; qi < q.size(); ++qi) {
    std::vector<size_t> rows;
    for (int i = 0; i < 12; ++i) rows.push_back(rng() % d.size());
    std::vector<std::string> names;
    for (const size_t r : rows) names.push_back(Id(r));
    names.push_back(Id(rows[0]));  // repeated
    names.push_back("no-such-id");
    std::vector<std::string_view> views(names.begin(), names.end());
    HnswSearchOptions options;
    options.ef = 20;
    options.ids = &views;
    ASSERT_TRUE(index->Search(q.row(qi), 5, options, &out).ok());
    const auto truth = BruteForce(d, q.row(qi), 5, Metric::kCosine, [&](size_t i) {
      return std::find(rows.begin(), rows.end(), i) != rows.end();
    });
    ASSERT_EQ(out.size(), truth.size());
    for (size_t j = 0; j < truth.size(); ++j) EXPECT_EQ(out[j].id, Id(truth[j])) << qi << " " << j;
    // ef below the list's size: the walk, still only listed ids.
    options.ef = 8;
    ASSERT_TRUE(index->Search(q.row(qi), 5, options, &out).ok());
    for (const auto& h : out) EXPECT_NE(std::find(names.begin(), names.end(), h.id), names.end()) << h.id;
  }
}

// A filter may search another index on the same thread (e.g. "allow ids whose profile matches"):
// the inner walk must not clobber the outer one's scratch.
TEST(HnswIndexTest, FilterThatSearchesAnotherIndexLeavesResultsIntact) {
  const Dataset d = RandomUnit(Scaled(1500), 32, 74);
  const Dataset other_rows = RandomUnit(300, 32, 75);
  const Dataset q = RandomUnit(20, 32, 76);
  auto index = Build(d, Config());
  auto other = Build(other_rows, Config());
  ASSERT_NE(index, nullptr);
  ASSERT_NE(other, nullptr);
  size_t inner_searches = 0;
  const HnswFilter nested = [&](std::string_view id) {
    std::vector<HnswSearchHit> inner;
    EXPECT_TRUE(other->Search(other_rows.row(inner_searches % other_rows.size()), 5, {}, &inner).ok());
    EXPECT_EQ(inner.size(), 5u);
    ++inner_searches;
    return id.size() > 0;  // allows everything: results must equal the unfiltered search
  };
  HnswSearchOptions with_filter;
  with_filter.filter = &nested;
  std::vector<HnswSearchHit> plain, filtered;
  for (size_t qi = 0; qi < q.size(); ++qi) {
    ASSERT_TRUE(index->Search(q.row(qi), 10, {}, &plain).ok());
    ASSERT_TRUE(index->Search(q.row(qi), 10, with_filter, &filtered).ok());
    ASSERT_EQ(filtered.size(), plain.size());
    for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(filtered[i].id, plain[i].id) << "query " << qi;
  }
  EXPECT_GT(inner_searches, 0u);
}

TEST(HnswIndexTest, DeleteThirtyPercentKeepsRecall) {
  const size_t n = Scaled(3000);
  const Dataset d = RandomUnit(n, 32, 81);
  const Dataset q = RandomUnit(100, 32, 82);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  std::mt19937_64 rng(83);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> gone(n, false);
  for (size_t i = 0; i < n * 3 / 10; ++i) {
    ASSERT_TRUE(index->Remove(Id(order[i])));
    gone[order[i]] = true;
  }
  EXPECT_EQ(index->Stats().count, n - n * 3 / 10);
  Dataset survivors{32, {}};
  std::vector<size_t> survivor_row;
  for (size_t i = 0; i < n; ++i) {
    if (gone[i]) continue;
    survivor_row.push_back(i);
    survivors.data.insert(survivors.data.end(), d.row(i), d.row(i) + 32);
  }
  auto alive = [&](size_t i) { return !gone[i]; };
  const double after = Recall(*index, d, q, 10, 50, alive);
  // A fresh build over the survivors, with the same ids.
  HnswConfig c = Config();
  c.dimensions = 32;
  std::unique_ptr<HnswIndex> fresh;
  ASSERT_TRUE(HnswIndex::Create(c, &fresh).ok());
  for (const size_t i : survivor_row) ASSERT_TRUE(fresh->Insert(Id(i), d.row(i)).ok());
  const double baseline = Recall(*fresh, d, q, 10, 50, alive);
  EXPECT_GE(after, baseline - 0.02) << "fresh " << baseline;
  std::vector<HnswSearchHit> out;
  for (size_t i = 0; i < n; i += 7) {
    ASSERT_TRUE(index->Search(d.row(i), 20, {}, &out).ok());
    for (const auto& h : out) EXPECT_FALSE(gone[std::stoul(h.id.substr(3))]) << h.id;
    EXPECT_EQ(index->Contains(Id(i)), !gone[i]);
  }
}

TEST(HnswIndexTest, SlotsAreReused) {
  const size_t n = 1000;
  const Dataset d = RandomUnit(n * 2, 16, 91);
  HnswConfig c = Config();
  c.dimensions = 16;
  std::unique_ptr<HnswIndex> index;
  ASSERT_TRUE(HnswIndex::Create(c, &index).ok());
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(index->Insert(Id(i), d.row(i)).ok());
  // (The first removal makes the index keep its level-0 holder lists: measured from there.)
  ASSERT_TRUE(index->Remove(Id(1)));
  ASSERT_TRUE(index->Insert(Id(1), d.row(1)).ok());
  const HnswStats before = index->Stats();
  for (size_t round = 0; round < 3; ++round) {
    for (size_t i = 0; i < n; i += 3) ASSERT_TRUE(index->Remove(Id(i)));
    for (size_t i = 0; i < n; i += 3) ASSERT_TRUE(index->Insert(Id(i), d.row(n + i)).ok());
  }
  const HnswStats after = index->Stats();
  EXPECT_EQ(after.count, n);
  EXPECT_EQ(after.slots, before.slots);
  EXPECT_EQ(after.vector_bytes, before.vector_bytes);
  EXPECT_LE(after.memory_bytes, before.memory_bytes * 11 / 10);
}

TEST(HnswIndexTest, ReinsertReplaces) {
  const Dataset d = RandomUnit(400, 16, 101);
  auto index = Build(d, Config());
  ASSERT_NE(index, nullptr);
  const Dataset fresh = RandomUnit(1, 16, 102);
  ASSERT_TRUE(index->Insert(Id(5), fresh.row(0)).ok());
  EXPECT_EQ(index->Stats().count, 400u);
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(index->Search(fresh.row(0), 1, {}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, Id(5));
  EXPECT_NEAR(out[0].distance, 0.0f, 1e-5);
  ASSERT_TRUE(index->Search(d.row(5), 400, {}, &out).ok());
  EXPECT_EQ(out.size(), 400u);
  for (const auto& h : out) {
    if (h.id == Id(5)) {
      EXPECT_NEAR(h.distance, ExactDistance(d.row(5), fresh.row(0), 16, Metric::kCosine), 1e-5);
    }
  }
}

// Random operations against a model (id -> vector); searches with ef >= count are exact and
// compared with the model's brute force; smaller ones must return valid, live, sorted entries.
TEST(HnswIndexTest, RandomOperationsMatchModel) {
  const size_t dim = 8;
  for (const Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    std::mt19937_64 rng(111 + static_cast<int>(metric));
    std::normal_distribution<float> normal;
    HnswConfig c = Config(4, 16, metric);
    c.dimensions = dim;
    c.ef_search = 8;
    std::unique_ptr<HnswIndex> index;
    ASSERT_TRUE(HnswIndex::Create(c, &index).ok());
    std::map<std::string, std::vector<float>> model;
    std::vector<HnswSearchHit> out;
    for (int step = 0; step < (kSanitized ? 1500 : 4000); ++step) {
      const int op = static_cast<int>(rng() % 100);
      std::string id = "k";
      id += std::to_string(rng() % 300);
      std::vector<float> v(dim);
      for (float& x : v) x = normal(rng);
      if (op < 55) {
        ASSERT_TRUE(index->Insert(id, v.data()).ok());
        model[id] = v;
      } else if (op < 80) {
        EXPECT_EQ(index->Remove(id), model.erase(id) == 1);
      } else if (op < 98) {
        const size_t k = 1 + rng() % 12;
        const bool exact = rng() % 2;
        HnswSearchOptions options;
        options.ef = exact ? static_cast<uint32_t>(model.size() + 1) : 0;
        ASSERT_TRUE(index->Search(v.data(), k, options, &out).ok());
        ASSERT_EQ(out.size(), std::min(k, model.size()));
        std::vector<std::pair<double, std::string>> truth;
        for (const auto& [mid, mv] : model)
          truth.push_back({ExactDistance(v.data(), mv.data(), dim, metric), mid});
        std::sort(truth.begin(), truth.end());
        std::set<std::string> seen;
        for (size_t i = 0; i < out.size(); ++i) {
          auto it = model.find(out[i].id);
          ASSERT_NE(it, model.end()) << out[i].id;
          EXPECT_TRUE(seen.insert(out[i].id).second);
          const double dist = ExactDistance(v.data(), it->second.data(), dim, metric);
          EXPECT_NEAR(out[i].distance, dist, 1e-4 * std::max(1.0, std::abs(dist)));
          if (exact) {
            EXPECT_NEAR(out[i].distance, truth[i].first, 1e-4 * std::max(1.0, std::abs(dist)));
          }
        }
      } else {
        std::vector<uint8_t> bytes;
        ASSERT_TRUE(index->Serialize(&bytes).ok());
        ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &index).ok());
      }
      ASSERT_EQ(index->Stats().count, model.size());
    }
    for (const auto& [mid, mv] : model) EXPECT_TRUE(index->Contains(mid));
  }
}

TEST(HnswIndexTest, Int8StorageSavesMemoryAndKeepsRecall) {
  const size_t dim = 384;
  const Dataset all = Clustered(Scaled(2000) + 50, dim, 100, 0.05f, 121);
  const size_t n = all.size() - 50;
  Dataset d{dim, std::vector<float>(all.data.begin(), all.data.begin() + n * dim)};
  Dataset q{dim, std::vector<float>(all.data.begin() + n * dim, all.data.end())};
  auto full = Build(d, Config());
  HnswConfig c = Config();
  c.storage = HnswStorage::kInt8;
  auto small = Build(d, c);
  ASSERT_NE(full, nullptr);
  ASSERT_NE(small, nullptr);
  const double ratio =
      static_cast<double>(full->Stats().vector_bytes) / static_cast<double>(small->Stats().vector_bytes);
  EXPECT_GE(ratio, 3.5);
  EXPECT_GE(Recall(*small, d, q, 10, 50), 0.95);
  // Distances are those of the dequantized vectors: close to the exact ones.
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(small->Search(q.row(0), 10, {}, &out).ok());
  for (const auto& h : out) {
    EXPECT_NEAR(h.distance, ExactDistance(q.row(0), d.row(std::stoul(h.id.substr(3))), dim, Metric::kCosine),
                0.01);
  }
}

}  // namespace
}  // namespace ruv::hnsw::testing
