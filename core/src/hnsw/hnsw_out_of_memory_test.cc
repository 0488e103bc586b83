// Running out of memory in the middle of a write (issue 15, defect 1): the test binary's
// operator new (common/failing_allocator_test.cc) fails the Nth allocation on this thread. Every insert is
// run once per allocation it makes, failing that one: each time it must return kOutOfMemory, leave the
// index's bytes exactly as they were, and a retry must give the bytes of an insert that never failed.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/failing_allocator_test_util.h"
#include "hnsw_test_util.h"

namespace ruv::hnsw {
namespace {

using testing::Id;

std::vector<uint8_t> Bytes(const HnswIndex& index) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(index.Serialize(&out).ok());
  return out;
}

std::unique_ptr<HnswIndex> Load(const std::vector<uint8_t>& bytes) {
  std::unique_ptr<HnswIndex> index;
  EXPECT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &index).ok());
  return index;
}

// The bytes of an index of 120 rows, with every 7th removed again when `holes` (free slots).
std::vector<uint8_t> BaseBytes(Metric metric, HnswStorage storage, bool holes, const testing::Dataset& d) {
  HnswConfig config{.dimensions = static_cast<uint32_t>(d.dim),
                    .m = 4,
                    .ef_construction = 16,
                    .ef_search = 16,
                    .metric = metric,
                    .storage = storage,
                    .seed = 11};
  std::unique_ptr<HnswIndex> index;
  EXPECT_TRUE(HnswIndex::Create(config, &index).ok());
  for (size_t i = 0; i < 120; ++i) EXPECT_TRUE(index->Insert(Id(i), d.row(i)).ok());
  if (holes) {
    for (size_t i = 0; i < 120; i += 7) EXPECT_TRUE(index->Remove(Id(i)));
  }
  return Bytes(*index);
}

// Runs `write` on a fresh load of `base` failing its 1st, 2nd, ... allocation until it makes no
// more; returns how many failures it met.
template <typename Write>
size_t FailEachAllocation(const std::vector<uint8_t>& base, Write write, const std::string& label) {
  const std::vector<uint8_t> expected = [&] {
    auto index = Load(base);
    EXPECT_TRUE(write(*index).ok()) << label;
    return Bytes(*index);
  }();
  for (int64_t n = 0;; ++n) {
    auto index = Load(base);
    ruv::testing::FailThreadAllocationAfter(n);
    const Status st = write(*index);
    const bool failed = !ruv::testing::ThreadAllocationFailurePending();
    ruv::testing::FailThreadAllocationAfter(-1);
    if (!failed) {
      EXPECT_TRUE(st.ok()) << label;
      EXPECT_EQ(Bytes(*index), expected) << label;
      return static_cast<size_t>(n);
    }
    EXPECT_EQ(st.code(), ErrorCode::kOutOfMemory) << label << ", allocation " << n;
    EXPECT_EQ(Bytes(*index), base) << label << ": failing allocation " << n << " changed the index";
    EXPECT_TRUE(write(*index).ok()) << label << ", retry after allocation " << n;
    EXPECT_EQ(Bytes(*index), expected) << label << ", retry after allocation " << n;
    if (::testing::Test::HasFailure()) return static_cast<size_t>(n);
  }
}

TEST(HnswOutOfMemory, AFailedInsertChangesNothing) {
  const testing::Dataset d = testing::RandomUnit(130, 8, 5);
  const std::string long_id(40, 'x');  // not a short string: the id itself is allocated
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    for (const HnswStorage storage : {HnswStorage::kFloat32, HnswStorage::kInt8}) {
      for (const bool holes : {false, true}) {
        const std::string label = std::string(metric == Metric::kCosine ? "cosine" : "euclidean") +
                                  (storage == HnswStorage::kInt8 ? " int8" : " f32") +
                                  (holes ? " with free slots" : "");
        const std::vector<uint8_t> base = BaseBytes(metric, storage, holes, d);
        const size_t fresh = FailEachAllocation(
            base, [&](HnswIndex& index) { return index.Insert(long_id, d.row(125)); }, label + ", new id");
        EXPECT_GE(fresh, 3u) << label << ": the insert allocates (node, id, map entry)";
        FailEachAllocation(
            base, [&](HnswIndex& index) { return index.Insert(Id(3), d.row(126)); }, label + ", replaced id");
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace ruv::hnsw
