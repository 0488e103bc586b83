// PatternStore and RankMatches: confidence and deactivation by formula, matching against a
// float64 brute force, ties by id, removal keeping every other pattern findable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/random.h"
#include "ruv/learn.h"
#include "testing/test_util.h"

namespace ruv::learn {
namespace {

std::unique_ptr<PatternStore> NewStore(uint32_t dim, ActivityPolicy policy = {}) {
  std::unique_ptr<PatternStore> s;
  EXPECT_TRUE(PatternStore::Create(dim, policy, &s).ok());
  return s;
}

// A store that walks its HNSW index from `hnsw_min` patterns on (0: it always scans exactly).
std::unique_ptr<PatternStore> NewStoreIndexedFrom(uint32_t dim, uint32_t hnsw_min) {
  auto s = NewStore(dim);
  s->set_hnsw_min(hnsw_min);
  return s;
}

PatternInfo Info(const std::string& id, PatternType type = PatternType::kResponse, uint32_t uses = 0,
                 uint32_t successes = 0) {
  PatternInfo p;
  p.id = id;
  p.type = type;
  p.usage_count = uses;
  p.success_count = successes;
  return p;
}

TEST(PatternStoreTest, ConfidenceAndDeactivationByFormula) {
  EXPECT_DOUBLE_EQ(Confidence(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(Confidence(10, 7), 8.0 / 12.0);
  auto store = NewStore(4);
  const float v[4] = {1, 2, 3, 4};
  ASSERT_TRUE(store->Add(Info("p"), v).ok());
  // 10 uses, no success: still active (used "more than 10 times" is the rule).
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->RecordOutcome("p", false).ok());
  EXPECT_TRUE(store->info(0).active);
  ASSERT_TRUE(store->RecordOutcome("p", false).ok());  // 11 uses, 0% success
  EXPECT_FALSE(store->info(0).active);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store->RecordOutcome("p", true).ok());  // 4 / 15 < 0.3
  EXPECT_FALSE(store->info(0).active);
  ASSERT_TRUE(store->RecordOutcome("p", true).ok());  // 5 / 16 >= 0.3: revived
  EXPECT_TRUE(store->info(0).active);
  EXPECT_EQ(store->info(0).usage_count, 16u);
  EXPECT_EQ(store->info(0).success_count, 5u);
  // Thresholds are options.
  auto strict = NewStore(4, {2, 0.9});
  ASSERT_TRUE(strict->Add(Info("q", PatternType::kSkillSelection, 3, 2), v).ok());
  EXPECT_FALSE(strict->info(0).active);
  EXPECT_EQ(store->RecordOutcome("missing", true).code(), ErrorCode::kInvalidArgument);
}

TEST(PatternStoreTest, MatchAgreesWithFloat64BruteForce) {
  const uint32_t dim = 97;
  const size_t n = 3000;
  auto store = NewStore(dim);
  const std::vector<float> rows = ruv::test::RandomFloats(n * dim, 1);
  SeededRandom rng(2);
  for (size_t i = 0; i < n; ++i) {
    const auto uses = static_cast<uint32_t>(rng.Below(30));
    const auto successes = static_cast<uint32_t>(rng.Below(uses + 1));
    ASSERT_TRUE(
        store
            ->Add(Info("p" + std::to_string(i), static_cast<PatternType>(rng.Below(4)), uses, successes),
                  rows.data() + i * dim)
            .ok());
  }
  const std::vector<float> queries = ruv::test::RandomFloats(20 * dim, 3);
  for (size_t qi = 0; qi < 20; ++qi) {
    // Queries near a stored row so that some similarities pass the threshold.
    std::vector<float> q(rows.begin() + static_cast<std::ptrdiff_t>(qi * 97 * dim),
                         rows.begin() + static_cast<std::ptrdiff_t>((qi * 97 + 1) * dim));
    for (uint32_t j = 0; j < dim; ++j) q[j] += 0.2f * queries[qi * dim + j];
    MatchOptions opt;
    opt.threshold = 0.1f;
    opt.limit = 7;
    opt.type_mask = qi % 2 == 0 ? kAllPatternTypes : 0b0101;
    std::vector<PatternMatch> got;
    ASSERT_TRUE(store->Match(q.data(), opt, &got).ok());
    struct Want {
      double score, raw;
      std::string id;
    };
    std::vector<Want> want;
    double qn = 0;
    for (float x : q) qn += double{x} * x;
    for (size_t i = 0; i < n; ++i) {
      const PatternInfo& p = store->info(static_cast<uint32_t>(i));
      if (!p.active || !(opt.type_mask & (1u << static_cast<uint32_t>(p.type)))) continue;
      double dot = 0, rn = 0;
      for (uint32_t j = 0; j < dim; ++j) {
        const double r = rows[i * dim + j];
        dot += r * q[j];
        rn += r * r;
      }
      const double raw = dot / std::sqrt(qn * rn);
      if (raw < opt.threshold) continue;
      want.push_back({raw * (p.success_count + 1.0) / (p.usage_count + 2.0), raw, p.id});
    }
    std::sort(want.begin(), want.end(), [](const Want& a, const Want& b) {
      return a.score != b.score ? a.score > b.score : a.id < b.id;
    });
    want.resize(std::min<size_t>(want.size(), opt.limit));
    ASSERT_EQ(got.size(), want.size()) << "query " << qi;
    ASSERT_GT(got.size(), 0u);
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(store->info(got[k].slot).id, want[k].id) << "query " << qi << " rank " << k;
      EXPECT_NEAR(got[k].raw_similarity, want[k].raw, 1e-5);
      EXPECT_NEAR(got[k].score, want[k].score, 1e-5);
    }
  }
}

// The int8 pre-scan may only skip rows that cannot pass: with every match returned (no limit),
// the set must be exactly the float64 brute force's, including rows just above the threshold.
TEST(PatternStoreTest, Int8PrescanDropsNothingAtTheThreshold) {
  const uint32_t dim = 384;
  const size_t n = 4000;
  ASSERT_GE(n, PatternStore::kInt8ScanMin);
  auto store = NewStore(dim);
  const std::vector<float> rows = ruv::test::RandomFloats(n * dim, 11);
  for (size_t i = 0; i < n; ++i)
    ASSERT_TRUE(store->Add(Info("p" + std::to_string(i)), rows.data() + i * dim).ok());
  const std::vector<float> q = ruv::test::RandomFloats(dim, 12);
  size_t straddling = 0;
  for (float threshold : {0.0f, 0.02f, 0.05f, 0.1f}) {
    MatchOptions opt;
    opt.threshold = threshold;
    opt.limit = static_cast<uint32_t>(n);
    std::vector<PatternMatch> got;
    ASSERT_TRUE(store->Match(q.data(), opt, &got).ok());
    size_t want = 0;
    for (size_t i = 0; i < n; ++i) {
      double dot = 0, qn = 0, rn = 0;
      for (uint32_t j = 0; j < dim; ++j) {
        dot += double{rows[i * dim + j]} * q[j];
        qn += double{q[j]} * q[j];
        rn += double{rows[i * dim + j]} * rows[i * dim + j];
      }
      const double cos = dot / std::sqrt(qn * rn);
      if (cos >= threshold + 1e-6) ++want;
      if (cos >= threshold && cos < threshold + 0.01) ++straddling;
      if (std::fabs(cos - threshold) <= 1e-6) want = SIZE_MAX;  // too close to call in float32
    }
    ASSERT_NE(want, SIZE_MAX) << "pick another seed";
    EXPECT_EQ(got.size(), want) << "threshold " << threshold;
  }
  EXPECT_GT(straddling, 50u) << "the case must have rows just above the threshold";
}

// Above hnsw_min the store walks an HNSW index: it must find what the exact scan finds (recall),
// stay in step with adds and removes made after it was built, and honour types and activity.
TEST(PatternStoreTest, HnswPathFindsWhatTheScanFinds) {
  const uint32_t dim = 48;
  const size_t n = ruv::test::kSanitized ? 1500 : 5000;
  auto indexed = NewStoreIndexedFrom(dim, 1000);
  auto exact = NewStoreIndexedFrom(dim, 0);
  const std::vector<float> rows = ruv::test::RandomFloats(n * dim, 21);
  SeededRandom rng(22);
  for (size_t i = 0; i < n; ++i) {
    const PatternInfo p = Info("p" + std::to_string(i), static_cast<PatternType>(rng.Below(4)),
                               static_cast<uint32_t>(rng.Below(20)), 0);
    ASSERT_TRUE(indexed->Add(p, rows.data() + i * dim).ok());
    ASSERT_TRUE(exact->Add(p, rows.data() + i * dim).ok());
  }
  const std::vector<float> noise = ruv::test::RandomFloats(100 * dim, 23);
  auto recall = [&](uint32_t mask) {
    size_t found = 0, wanted = 0;
    for (size_t qi = 0; qi < 100; ++qi) {
      const size_t base = (qi * 41) % n;
      std::vector<float> q(rows.begin() + static_cast<std::ptrdiff_t>(base * dim),
                           rows.begin() + static_cast<std::ptrdiff_t>((base + 1) * dim));
      for (uint32_t j = 0; j < dim; ++j) q[j] += 0.4f * noise[qi * dim + j];
      MatchOptions opt;
      opt.threshold = 0.3f;
      opt.limit = 10;
      opt.type_mask = mask;
      std::vector<PatternMatch> a, b;
      EXPECT_TRUE(indexed->Match(q.data(), opt, &a).ok());
      EXPECT_TRUE(exact->Match(q.data(), opt, &b).ok());
      for (const PatternMatch& m : a) {
        const PatternInfo& p = indexed->info(m.slot);
        EXPECT_TRUE(p.active && (mask & (1u << static_cast<uint32_t>(p.type)))) << p.id;
        EXPECT_GE(m.raw_similarity, opt.threshold);
      }
      for (const PatternMatch& m : b) {
        ++wanted;
        for (const PatternMatch& x : a) found += indexed->info(x.slot).id == exact->info(m.slot).id;
      }
    }
    return static_cast<double>(found) / static_cast<double>(std::max<size_t>(wanted, 1));
  };
  const double all_types = recall(kAllPatternTypes);
  EXPECT_TRUE(indexed->has_index());
  EXPECT_FALSE(exact->has_index());
  const double two_types = recall(0b1010);
  std::printf("HNSW path recall of the exact scan's top 10: %.3f (all types), %.3f (two types)\n", all_types,
              two_types);
  EXPECT_GE(all_types, 0.95);
  EXPECT_GE(two_types, 0.95);
  // Kept in step after the index exists.
  const float* row7 = rows.data() + 7 * dim;
  ASSERT_TRUE(indexed->Remove("p7"));
  ASSERT_TRUE(indexed->Add(Info("fresh"), row7).ok());
  MatchOptions opt;
  opt.threshold = 0.99f;
  std::vector<PatternMatch> got;
  ASSERT_TRUE(indexed->Match(row7, opt, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(indexed->info(got[0].slot).id, "fresh");
}

// The active count (which lets the HNSW walk drop its filter) stays equal to a recount through
// adds, replacements, removals and outcomes; the walk then returns exactly the active patterns an
// exact scan returns for queries that are stored rows.
TEST(PatternStoreTest, ActiveCountFollowsEveryChange) {
  const uint32_t dim = 16;
  const size_t n = 400;
  auto store = NewStoreIndexedFrom(dim, 64);
  auto exact = NewStoreIndexedFrom(dim, 0);
  const std::vector<float> rows = ruv::test::RandomFloats(n * dim, 31);
  SeededRandom rng(32);
  auto recount = [&] {
    size_t active = 0;
    for (size_t i = 0; i < store->size(); ++i) active += store->info(static_cast<uint32_t>(i)).active ? 1 : 0;
    return active;
  };
  for (size_t step = 0; step < 3000; ++step) {
    const std::string id = "p" + std::to_string(rng.Below(n));
    const uint64_t op = rng.Below(10);
    if (op < 4) {  // add or replace, with counts near the deactivation rule so outcomes flip it
      const auto uses = static_cast<uint32_t>(8 + rng.Below(8));
      const auto successes = static_cast<uint32_t>(rng.Below(uses / 2 + 1));
      const PatternInfo p = Info(id, PatternType::kResponse, uses, successes);
      ASSERT_TRUE(store->Add(p, rows.data() + rng.Below(n) * dim).ok());
    } else if (op < 6) {
      store->Remove(id);
    } else if (store->Find(id) >= 0) {
      ASSERT_TRUE(store->RecordOutcome(id, rng.Below(3) == 0).ok());
    }
    ASSERT_EQ(store->active_count(), recount()) << "after step " << step;
    if (step % 500 == 499) {
      // Same contents in an exact store, then every stored row is found by both paths alike.
      exact = NewStoreIndexedFrom(dim, 0);
      for (size_t i = 0; i < store->size(); ++i)
        ASSERT_TRUE(
            exact->Add(store->info(static_cast<uint32_t>(i)), store->embedding(static_cast<uint32_t>(i)))
                .ok());
      for (size_t i = 0; i < store->size(); ++i) {
        MatchOptions opt;
        opt.threshold = 0.999f;
        opt.limit = 3;
        std::vector<PatternMatch> a, b;
        ASSERT_TRUE(store->Match(store->embedding(static_cast<uint32_t>(i)), opt, &a).ok());
        ASSERT_TRUE(exact->Match(store->embedding(static_cast<uint32_t>(i)), opt, &b).ok());
        ASSERT_EQ(a.size(), b.size()) << store->info(static_cast<uint32_t>(i)).id;
        for (size_t j = 0; j < a.size(); ++j) EXPECT_EQ(store->info(a[j].slot).id, exact->info(b[j].slot).id);
      }
      EXPECT_TRUE(store->has_index());
    }
  }
}

TEST(PatternStoreTest, TiesAreBrokenById) {
  auto store = NewStore(3);
  const float v[3] = {0, 1, 0};
  for (const char* id : {"c", "a", "b"}) ASSERT_TRUE(store->Add(Info(id), v).ok());
  std::vector<PatternMatch> got;
  ASSERT_TRUE(store->Match(v, {}, &got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(store->info(got[0].slot).id, "a");
  EXPECT_EQ(store->info(got[1].slot).id, "b");
  EXPECT_EQ(store->info(got[2].slot).id, "c");
  EXPECT_FLOAT_EQ(got[0].score, 0.5f);  // new pattern: confidence 0.5
  EXPECT_FLOAT_EQ(got[0].raw_similarity, 1.0f);
}

TEST(PatternStoreTest, RemoveAndReplaceKeepEveryOtherPatternFindable) {
  const uint32_t dim = 8;
  auto store = NewStore(dim);
  const std::vector<float> rows = ruv::test::RandomFloats(50 * dim, 4);
  for (size_t i = 0; i < 50; ++i)
    ASSERT_TRUE(store->Add(Info("p" + std::to_string(i)), rows.data() + i * dim).ok());
  for (size_t i = 0; i < 50; i += 3) EXPECT_TRUE(store->Remove("p" + std::to_string(i)));
  EXPECT_FALSE(store->Remove("p0"));
  ASSERT_TRUE(store->Add(Info("p1", PatternType::kConversationFlow, 4, 4), rows.data()).ok());  // replace
  for (size_t i = 0; i < 50; ++i) {
    const int64_t slot = store->Find("p" + std::to_string(i));
    if (i % 3 == 0) {
      EXPECT_EQ(slot, -1);
      continue;
    }
    ASSERT_GE(slot, 0);
    const float* want = i == 1 ? rows.data() : rows.data() + i * dim;
    std::vector<PatternMatch> got;
    MatchOptions opt;
    opt.threshold = 0.9999f;
    opt.limit = 100;
    ASSERT_TRUE(store->Match(want, opt, &got).ok());
    bool found = false;
    for (const PatternMatch& m : got) found |= store->info(m.slot).id == "p" + std::to_string(i);
    EXPECT_TRUE(found) << i;
  }
  EXPECT_EQ(store->info(static_cast<uint32_t>(store->Find("p1"))).type, PatternType::kConversationFlow);
}

TEST(PatternStoreTest, RejectsBadInput) {
  auto store = NewStore(4);
  const float zero[4] = {0, 0, 0, 0}, nan[4] = {0, NAN, 0, 0}, v[4] = {1, 0, 0, 0};
  EXPECT_EQ(store->Add(Info("z"), zero).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->Add(Info("n"), nan).code(), ErrorCode::kNonFinite);
  EXPECT_EQ(store->Add(Info(""), v).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->Add(Info("s", PatternType::kResponse, 1, 2), v).code(), ErrorCode::kInvalidArgument);
  std::vector<PatternMatch> got;
  EXPECT_EQ(store->Match(nan, {}, &got).code(), ErrorCode::kNonFinite);
  EXPECT_EQ(store->size(), 0u);
  std::unique_ptr<PatternStore> bad;
  EXPECT_EQ(PatternStore::Create(0, {}, &bad).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PatternStore::Create(4, {10, 1.5}, &bad).code(), ErrorCode::kInvalidArgument);
}

TEST(PatternStoreTest, AdapterAdaptsTheQuery) {
  LoraWeights w;
  ASSERT_TRUE(LoraWeights::Create(4, 1, 1, 0, &w).ok());
  // A = [1 0 0 0], B = [0 2 0 0]^T: f(e0) = normalize(e0 + 2 e1).
  std::fill(w.params().begin(), w.params().end(), 0.0f);
  w.params()[0] = 1;
  w.params()[4 + 1] = 2;
  auto store = NewStore(4);
  const float e0[4] = {1, 0, 0, 0}, e1[4] = {0, 1, 0, 0};
  ASSERT_TRUE(store->Add(Info("e1"), e1).ok());
  MatchOptions opt;
  opt.threshold = 0.5f;
  std::vector<PatternMatch> got;
  ASSERT_TRUE(store->Match(e0, opt, &got).ok());
  EXPECT_TRUE(got.empty());
  opt.adapter = &w;
  ASSERT_TRUE(store->Match(e0, opt, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NEAR(got[0].raw_similarity, 2.0 / std::sqrt(5.0), 1e-6);
}

}  // namespace
}  // namespace ruv::learn
