#include "memory/memory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace ruv::memory {
namespace {

std::unique_ptr<Memory> Make(uint32_t dim = 3) {
  HnswConfig c;
  c.dimensions = dim;
  c.metric = Metric::kEuclidean;
  std::unique_ptr<Memory> m;
  EXPECT_TRUE(Memory::Create(c, &m).ok());
  return m;
}

std::vector<std::string> Ids(const std::vector<HnswSearchHit>& hits) {
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  return ids;
}

TEST(MemoryTest, PutGetSearchRemoveKeepIndexAndRecordsInStep) {
  auto m = Make();
  const float a[] = {0, 0, 0}, b[] = {1, 0, 0}, c[] = {5, 0, 0};
  ASSERT_TRUE(m->Put("a", "alpha", R"({"kind": "note"})", a).ok());
  ASSERT_TRUE(m->Put("b", "beta", R"({"kind": "task"})", b).ok());
  ASSERT_TRUE(m->Put("c", "gamma", "", c).ok());
  EXPECT_EQ(m->size(), 3u);
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(m->Search(a, 10, "", {}, &out).ok());
  EXPECT_EQ(Ids(out), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FLOAT_EQ(out[1].distance, 1.0f);
  EXPECT_FLOAT_EQ(out[1].score, -1.0f);
  ASSERT_TRUE(m->Search(c, 10, R"({"kind": {"$exists": true}})", {}, &out).ok());
  EXPECT_EQ(Ids(out), (std::vector<std::string>{"b", "a"}));
  // Replacing moves the vector and the record together.
  ASSERT_TRUE(m->Put("a", "alpha 2", R"({"kind": "task"})", c).ok());
  ASSERT_TRUE(m->Search(c, 1, R"({"kind": "task"})", {}, &out).ok());
  EXPECT_EQ(Ids(out), std::vector<std::string>{"a"});
  MemoryRecord r;
  ASSERT_TRUE(m->Get("a", &r));
  EXPECT_EQ(r.text, "alpha 2");
  EXPECT_EQ(r.metadata["kind"], "task");
  EXPECT_TRUE(m->Remove("a"));
  EXPECT_FALSE(m->Remove("a"));
  EXPECT_FALSE(m->Get("a", &r));
  ASSERT_TRUE(m->Search(c, 10, "{}", {}, &out).ok());
  EXPECT_EQ(Ids(out), (std::vector<std::string>{"c", "b"}));
}

TEST(MemoryTest, BadInputChangesNothing) {
  auto m = Make();
  const float a[] = {0, 0, 0}, nan[] = {0, std::numeric_limits<float>::quiet_NaN(), 0};
  ASSERT_TRUE(m->Put("a", "alpha", R"({"x": 1})", a).ok());
  EXPECT_EQ(m->Put("a", "new", R"([1])", a).message(), "metadata must be a JSON object");
  EXPECT_EQ(m->Put("a", "new", R"({"x": 2})", nan).code(), ErrorCode::kNonFinite);
  EXPECT_EQ(m->Put("", "new", "", a).code(), ErrorCode::kInvalidArgument);
  MemoryRecord r;
  ASSERT_TRUE(m->Get("a", &r));
  EXPECT_EQ(r.text, "alpha");
  EXPECT_EQ(r.metadata["x"], 1);
  EXPECT_EQ(m->size(), 1u);
  std::vector<HnswSearchHit> out;
  const Status s = m->Search(a, 1, R"({"x": {"$in": 1}})", {}, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "filter.x.$in: must be an array (got a number)");
  ASSERT_TRUE(m->Search(a, 1, "", {}, &out).ok());
  EXPECT_EQ(Ids(out), std::vector<std::string>{"a"});
}

TEST(MemoryTest, SearchesRunWhileAWriterPuts) {
  auto m = Make(8);
  std::vector<float> v(8);
  for (int i = 0; i < 200; ++i) {
    v[0] = static_cast<float>(i);
    ASSERT_TRUE(
        m->Put("seed" + std::to_string(i), "t", R"({"n": )" + std::to_string(i) + "}", v.data()).ok());
  }
  std::thread writer([&] {
    std::vector<float> w(8);
    for (int i = 0; i < 500; ++i) {
      w[1] = static_cast<float>(i);
      ASSERT_TRUE(m->Put("w" + std::to_string(i), "t", R"({"n": -1})", w.data()).ok());
      if (i % 3 == 0) m->Remove("w" + std::to_string(i / 2));
    }
  });
  std::vector<HnswSearchHit> out;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(m->Search(v.data(), 5, R"({"n": {"$gte": 0}})", {}, &out).ok());
    ASSERT_EQ(out.size(), 5u);
    for (const auto& h : out) EXPECT_EQ(h.id.rfind("seed", 0), 0u) << h.id;
  }
  writer.join();
}

}  // namespace
}  // namespace ruv::memory

namespace ruv::memory {
namespace {

TEST(MemoryTest, PutWithoutAVectorKeepsTheStoredOneAndNeedsAnEntry) {
  auto m = Make();
  const float a[] = {1, 2, 3};
  ASSERT_TRUE(m->Put("a", "alpha", R"({"v": 1})", a).ok());
  ASSERT_TRUE(m->Put("a", "alpha", R"({"v": 2})", nullptr).ok());
  MemoryRecord r;
  ASSERT_TRUE(m->Get("a", &r));
  EXPECT_EQ(r.metadata["v"], 2);
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(m->Search(a, 1, "", {}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FLOAT_EQ(out[0].distance, 0.0f);  // the vector is the one stored first
  const Status s = m->Put("missing", "text", "", nullptr);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(m->Get("missing", &r));
  EXPECT_EQ(m->size(), 1u);
}

}  // namespace
}  // namespace ruv::memory

namespace ruv::memory {
namespace {

TEST(MemoryTest, PutBatchIsAllOrNothingAndLaterDuplicatesWin) {
  auto m = Make();
  const float a[] = {1, 0, 0}, b[] = {0, 1, 0}, c[] = {0, 0, 1};
  ASSERT_TRUE(m->Put("old", "old text", "", c).ok());
  // A bad entry (metadata not an object) anywhere: nothing changes.
  std::vector<MemoryPut> bad = {{"x", "x", "", a}, {"y", "y", "[1]", b}};
  const Status s = m->PutBatch(bad, 2);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("entry 1"), std::string::npos) << s.message();
  EXPECT_EQ(m->size(), 1u);
  // A kept vector with no entry to keep it from: nothing changes either.
  EXPECT_FALSE(m->PutBatch({{"x", "x", "", a}, {"nope", "t", "", nullptr}}, 2).ok());
  EXPECT_EQ(m->size(), 1u);
  // Duplicates: the later wins; a kept vector for an id given earlier in the batch works.
  ASSERT_TRUE(m->PutBatch({{"d", "first", "", a},
                           {"d", "second", R"({"k":1})", b},
                           {"old", "renamed", "", nullptr},
                           {"e", "e", "", c}},
                          2)
                  .ok());
  EXPECT_EQ(m->size(), 3u);
  MemoryRecord r;
  ASSERT_TRUE(m->Get("d", &r));
  EXPECT_EQ(r.text, "second");
  std::vector<HnswSearchHit> out;
  ASSERT_TRUE(m->Search(b, 1, "", {}, &out).ok());
  EXPECT_EQ(out[0].id, "d");
  ASSERT_TRUE(m->Get("old", &r));
  EXPECT_EQ(r.text, "renamed");
  ASSERT_TRUE(m->Search(c, 2, "", {}, &out).ok());
  EXPECT_FLOAT_EQ(out[0].distance, 0.0f);
}

}  // namespace
}  // namespace ruv::memory

namespace ruv::memory {
namespace {

// 8-d vectors of a seeded generator (distinct, finite).
std::vector<float> VectorOf(size_t i) {
  std::vector<float> v(8);
  for (size_t j = 0; j < 8; ++j) v[j] = std::sin(static_cast<float>(i * 8 + j) * 0.37f) + 0.01f * j;
  return v;
}

std::unique_ptr<Memory> Filled(size_t n) {
  auto m = Make(8);
  for (size_t i = 0; i < n; ++i) {
    const std::string id = "e" + std::to_string(i);
    EXPECT_TRUE(
        m->Put(id, "text " + std::to_string(i), R"({"n":)" + std::to_string(i) + "}", VectorOf(i).data())
            .ok());
  }
  return m;
}

TEST(MemoryTest, VerifyFindsAndRepairsWhatDisagrees) {
  auto m = Filled(300);
  MemoryVerifyReport r;
  ASSERT_TRUE(m->Verify(nullptr, true, &r).ok());
  EXPECT_EQ(r.checked, 300u);
  EXPECT_EQ(r.unreachable + r.orphans + r.lost + r.restored + r.unlogged, 0u) << "a healthy memory";

  // A vector without a record: found; removed only with repair.
  ASSERT_TRUE(m->IndexForTest()->Insert("ghost", VectorOf(999).data()).ok());
  ASSERT_TRUE(m->Verify(nullptr, false, &r).ok());
  EXPECT_EQ(r.orphans, 1u);
  EXPECT_EQ(r.ids, std::vector<std::string>{"ghost"});
  EXPECT_TRUE(m->IndexForTest()->Contains("ghost")) << "no repair asked";
  ASSERT_TRUE(m->Verify(nullptr, true, &r).ok());
  EXPECT_FALSE(m->IndexForTest()->Contains("ghost"));

  // A record whose vector is gone: lost without a reference; restored from one (the same
  // writes, as a log replays them), with the reference's text where the two differ.
  ASSERT_TRUE(m->IndexForTest()->Remove("e5"));
  ASSERT_TRUE(m->Put("e7", "changed here only", "{}", VectorOf(7).data()).ok());
  ASSERT_TRUE(m->Put("e9", "text 9", R"({"n":9})", VectorOf(5000).data()).ok());  // only the vector differs
  ASSERT_TRUE(m->Put("x", "never logged", "{}", VectorOf(1000).data()).ok());
  ASSERT_TRUE(m->Verify(nullptr, false, &r).ok());
  EXPECT_EQ(r.lost, 1u);
  EXPECT_EQ(r.ids, std::vector<std::string>{"e5"});
  auto reference = Filled(300);
  ASSERT_TRUE(m->Verify(reference.get(), false, &r).ok());
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.restored, 3u);
  EXPECT_EQ(r.unlogged, 1u);
  EXPECT_EQ(r.ids, (std::vector<std::string>{"e5", "e7", "e9", "x"}));
  ASSERT_TRUE(m->Verify(reference.get(), true, &r).ok());
  MemoryRecord rec;
  ASSERT_TRUE(m->Get("e7", &rec));
  EXPECT_EQ(rec.text, "text 7");
  std::vector<HnswSearchHit> hits;
  ASSERT_TRUE(m->Search(VectorOf(5).data(), 1, "", {}, &hits).ok());
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "e5") << "the restored vector is found again";
  std::vector<float> got(8), want(8);
  ASSERT_TRUE(m->IndexForTest()->GetVector("e5", got.data()));
  ASSERT_TRUE(reference->IndexForTest()->GetVector("e5", want.data()));
  EXPECT_EQ(got, want);
  ASSERT_TRUE(m->Verify(reference.get(), false, &r).ok());
  EXPECT_EQ(r.restored + r.lost + r.orphans, 0u) << "repaired";
  EXPECT_EQ(r.unlogged, 1u) << "an unlogged record stays (the caller logs it)";
  EXPECT_EQ(m->Verify(m.get(), false, &r).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ruv::memory
