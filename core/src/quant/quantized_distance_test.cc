// QuantizedDistance (integer sums on codes) against the metric distance of the dequantized
// vectors, on every SIMD target.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "ruv/quant.h"
#include "ruv/reference.h"
#include "testing/test_util.h"

namespace ruv {
namespace {

using test::Near;
using test::QuantConfigOf;
using test::RandomFloats;

class QuantizedDistanceTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(QuantizedDistanceTest);

void ExpectMatchesDequantized(const std::vector<float>& a, const std::vector<float>& b,
                              const QuantConfig& config) {
  const size_t dim = a.size();
  const size_t len = QuantizedSize(config, dim);
  std::vector<uint8_t> ca(len), cb(len);
  ASSERT_TRUE(Quantize(a.data(), dim, config, ca.data(), len).ok());
  ASSERT_TRUE(Quantize(b.data(), dim, config, cb.data(), len).ok());
  std::vector<float> da(dim), db(dim);
  ASSERT_TRUE(Dequantize(ca.data(), len, dim, config, da.data()).ok());
  ASSERT_TRUE(Dequantize(cb.data(), len, dim, config, db.data()).ok());
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    SCOPED_TRACE(::testing::Message() << "metric " << static_cast<int>(metric));
    float got = -123.0f;
    const Status s = QuantizedDistance(ca.data(), cb.data(), len, dim, config, metric, &got);
    ASSERT_TRUE(s.ok()) << s.message();
    const double expected = reference::Distance(da.data(), db.data(), dim, metric);
    EXPECT_TRUE(Near(got, expected, 1e-4, 1e-4)) << "got " << got << " expected " << expected;
  }
}

TEST_P(QuantizedDistanceTest, MatchesDistanceOfDequantizedVectors) {
  const QuantConfig configs[] = {
      QuantConfigOf(QuantType::kScalar), QuantConfigOf(QuantType::kScalar, true, -1.0f, 1.0f),
      QuantConfigOf(QuantType::kInt4), QuantConfigOf(QuantType::kInt4, true, -1.0f, 1.0f)};
  for (const QuantConfig& config : configs) {
    for (size_t dim : test::kAwkwardSizes) {
      for (uint32_t seed = 0; seed < 4; ++seed) {
        SCOPED_TRACE(::testing::Message() << "type " << static_cast<int>(config.type) << " fixed "
                                          << config.has_fixed_range << " dim " << dim << " seed " << seed);
        // Different ranges per vector (and offsets away from zero) exercise the expanded formulas.
        const auto a = RandomFloats(dim, 100 + seed, -1.0f, 1.0f);
        const auto b = RandomFloats(dim, 200 + seed, -0.5f + 0.2f * seed, 0.9f);
        ExpectMatchesDequantized(a, b, config);
        ExpectMatchesDequantized(a, a, config);  // identical codes: cancellation at its worst
      }
    }
  }
}

TEST_P(QuantizedDistanceTest, LongVectorsSpanKernelBlocksAndUnpackChunks) {
  // 70001 elements: several 32768-element u8 blocks and 2048-element int4 chunks, odd tail.
  const size_t dim = 70001;
  const auto a = RandomFloats(dim, 300, 0.0f, 1.0f), b = RandomFloats(dim, 301, 0.0f, 1.0f);
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    SCOPED_TRACE(::testing::Message() << "type " << static_cast<int>(type));
    ExpectMatchesDequantized(a, b, QuantConfigOf(type));
    ExpectMatchesDequantized(a, b, QuantConfigOf(type, true, 0.0f, 1.0f));
  }
}

TEST_P(QuantizedDistanceTest, ZeroVectorCosineIsOne) {
  const std::vector<float> zero(17, 0.0f);
  const auto v = RandomFloats(17, 400);
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    const QuantConfig config = QuantConfigOf(type);
    const size_t len = QuantizedSize(config, 17);
    std::vector<uint8_t> cz(len), cv(len);
    ASSERT_TRUE(Quantize(zero.data(), 17, config, cz.data(), len).ok());
    ASSERT_TRUE(Quantize(v.data(), 17, config, cv.data(), len).ok());
    float d = 0.0f;
    ASSERT_TRUE(QuantizedDistance(cz.data(), cv.data(), len, 17, config, Metric::kCosine, &d).ok());
    EXPECT_EQ(d, 1.0f);
    ASSERT_TRUE(QuantizedDistance(cz.data(), cz.data(), len, 17, config, Metric::kCosine, &d).ok());
    EXPECT_EQ(d, 1.0f);
  }
}

TEST_P(QuantizedDistanceTest, Validation) {
  const auto v = RandomFloats(16, 500);
  const QuantConfig scalar = QuantConfigOf(QuantType::kScalar);
  std::vector<uint8_t> c(QuantizedSize(scalar, 16));
  ASSERT_TRUE(Quantize(v.data(), 16, scalar, c.data(), c.size()).ok());
  float d;
  EXPECT_EQ(
      QuantizedDistance(c.data(), c.data(), 2, 16, QuantConfigOf(QuantType::kBinary), Metric::kCosine, &d)
          .code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(QuantizedDistance(c.data(), c.data(), c.size(), 0, scalar, Metric::kCosine, &d).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(QuantizedDistance(c.data(), c.data(), c.size(), 16, scalar, static_cast<Metric>(5), &d).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(QuantizedDistance(c.data(), c.data(), c.size() - 1, 16, scalar, Metric::kCosine, &d).code(),
            ErrorCode::kDimensionMismatch);
  auto corrupt = c;
  const float inverted[2] = {1.0f, -1.0f};
  std::memcpy(corrupt.data(), inverted, sizeof(inverted));
  EXPECT_EQ(QuantizedDistance(c.data(), corrupt.data(), c.size(), 16, scalar, Metric::kEuclidean, &d).code(),
            ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace ruv
