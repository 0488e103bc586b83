// VectorStore::LoadRow refuses float32 rows an insert could not have stored, with the line drawn
// where the double sum of squares draws it (the js twin's), whichever check decides.
#include "vector_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace ruv::hnsw {
namespace {

bool Loads(Metric metric, std::vector<float> row) {
  VectorStore store(static_cast<uint32_t>(row.size()), metric, HnswStorage::kFloat32);
  store.Reserve(1);
  std::vector<uint8_t> bytes(row.size() * 4);
  std::memcpy(bytes.data(), row.data(), bytes.size());
  return store.LoadRow(0, bytes.data());
}

// A 384-d row of squared length `sq` (every element equal).
std::vector<float> Row(double sq) {
  return std::vector<float>(384, static_cast<float>(std::sqrt(sq / 384.0)));
}

TEST(VectorStoreTest, CosineRowsLoadWithinTheRoundingOfUnitLength) {
  EXPECT_TRUE(Loads(Metric::kCosine, Row(1.0)));
  EXPECT_TRUE(Loads(Metric::kCosine, Row(1.0009)));
  EXPECT_TRUE(Loads(Metric::kCosine, Row(0.9991)));
  EXPECT_TRUE(Loads(Metric::kCosine, std::vector<float>(384, 0.0f)));  // a zero row stays zero
  EXPECT_FALSE(Loads(Metric::kCosine, Row(1.0011)));
  EXPECT_FALSE(Loads(Metric::kCosine, Row(0.9989)));
  EXPECT_FALSE(Loads(Metric::kCosine, Row(4.0)));
  // Squares below float32's range: zero in a float sum, not in the double one (not unit: refused).
  EXPECT_FALSE(Loads(Metric::kCosine, std::vector<float>(384, 1e-30f)));
}

TEST(VectorStoreTest, OtherRowsLoadWhileTheirSquaredLengthFitsFloat32) {
  for (const Metric metric : {Metric::kEuclidean, Metric::kDotProduct}) {
    EXPECT_TRUE(Loads(metric, Row(5.0)));
    EXPECT_TRUE(Loads(metric, Row(1e37)));
    EXPECT_TRUE(Loads(metric, Row(3.3e38)));  // past the fast check's line, within float32
    EXPECT_FALSE(Loads(metric, Row(3.5e38)));
    EXPECT_FALSE(Loads(metric, {3e19f, 3e19f}));  // finite elements, squared length 1.8e39
    EXPECT_FALSE(Loads(metric, {1.0f, NAN}));
  }
}

}  // namespace
}  // namespace ruv::hnsw
