// Integer code kernels on every SIMD target compiled in, against the scalar twins.
#include "simd/int_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "ruv/quant.h"
#include "ruv/reference.h"
#include "testing/test_util.h"

namespace ruv {
namespace {

using test::kAwkwardSizes;
using test::Near;
using test::RandomBytes;
using test::RandomFloats;

class IntOpsTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(IntOpsTest);

TEST_P(IntOpsTest, MatchReferenceOnRandomCodes) {
  for (size_t n : kAwkwardSizes) {
    for (int max : {15, 255}) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " max " << max);
      const auto a = RandomBytes(n, 1 + n, max), b = RandomBytes(n, 2 + n, max);
      EXPECT_EQ(DotU8(a.data(), b.data(), n), reference::DotU8(a.data(), b.data(), n));
      EXPECT_EQ(SquaredL2U8(a.data(), b.data(), n), reference::SquaredL2U8(a.data(), b.data(), n));
      EXPECT_EQ(SumU8(a.data(), n), reference::SumU8(a.data(), n));
      EXPECT_EQ(HammingDistance(a.data(), b.data(), n), reference::Hamming(a.data(), b.data(), n));
    }
  }
}

TEST_P(IntOpsTest, ExtremeCodesDoNotOverflowLanes) {
  // All-255 against all-0 / all-255 maximises every product, difference and popcount. 70000
  // elements span several 32768-element blocks; DotU8's u32 result wraps past 66051 elements.
  for (size_t n : {size_t{1000}, size_t{32768}, size_t{32769}, size_t{70000}}) {
    SCOPED_TRACE(::testing::Message() << "n " << n);
    const std::vector<uint8_t> ones(n, 255), zeros(n, 0);
    const uint64_t max_sq = uint64_t{255} * 255 * n;
    EXPECT_EQ(simd::DotU8Wide(ones.data(), ones.data(), n), max_sq);
    EXPECT_EQ(simd::SquaredL2U8Wide(ones.data(), zeros.data(), n), max_sq);
    EXPECT_EQ(simd::SumU8Wide(ones.data(), n), uint64_t{255} * n);
    EXPECT_EQ(DotU8(ones.data(), ones.data(), n), static_cast<uint32_t>(max_sq));
    EXPECT_EQ(SquaredL2U8(zeros.data(), ones.data(), n), static_cast<uint32_t>(max_sq));
    EXPECT_EQ(HammingDistance(ones.data(), zeros.data(), n), 8 * n);
    EXPECT_EQ(HammingDistance(ones.data(), ones.data(), n), 0u);
  }
}

TEST_P(IntOpsTest, DotI16U8IsExact) {
  for (size_t n : kAwkwardSizes) {
    SCOPED_TRACE(::testing::Message() << "n " << n);
    const auto c = RandomBytes(n, 3 + n);
    const auto r = RandomBytes(n, 4 + n);
    std::vector<int16_t> q(n);
    for (size_t i = 0; i < n; ++i) q[i] = static_cast<int16_t>(int{r[i]} - 128 + (r[i] == 0));  // -127..127
    EXPECT_EQ(int64_t{simd::DotI16U8(q.data(), c.data(), n)}, reference::DotI16U8(q.data(), c.data(), n));
  }
  // The extremes at the largest dimension the core allows: +-127 x 255 x 65536 fits int32.
  const size_t n = 65536;
  const std::vector<uint8_t> ones(n, 255);
  for (int16_t v : {int16_t{127}, int16_t{-127}}) {
    const std::vector<int16_t> q(n, v);
    EXPECT_EQ(int64_t{simd::DotI16U8(q.data(), ones.data(), n)}, int64_t{v} * 255 * int64_t{n});
  }
}

TEST_P(IntOpsTest, DotF32U8MatchesReference) {
  for (size_t n : {size_t{1}, size_t{3}, size_t{7}, size_t{15}, size_t{16}, size_t{17}, size_t{97},
                   size_t{384}, size_t{1000}}) {
    for (uint32_t seed : {11u, 12u, 13u}) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " seed " << seed);
      const auto q = RandomFloats(n, seed * 1000 + static_cast<uint32_t>(n));
      const auto c = RandomBytes(n, seed * 2000 + static_cast<uint32_t>(n));
      const double expected = reference::DotF32U8(q.data(), c.data(), n);
      // The query mixes signs, so the sum may cancel: the error is bounded relative to
      // sum |q_i| c_i, the magnitude the float32 accumulators carry.
      double magnitude = 0.0;
      for (size_t i = 0; i < n; ++i) magnitude += std::abs(static_cast<double>(q[i])) * c[i];
      EXPECT_TRUE(Near(simd::DotF32U8(q.data(), c.data(), n), expected, 1e-5, 1e-5 * magnitude))
          << simd::DotF32U8(q.data(), c.data(), n) << " vs " << expected;
      // Positive query: no cancellation, plain relative tolerance.
      const auto p = RandomFloats(n, seed * 3000 + static_cast<uint32_t>(n), 0.0f, 1.0f);
      const double expected_p = reference::DotF32U8(p.data(), c.data(), n);
      EXPECT_TRUE(Near(simd::DotF32U8(p.data(), c.data(), n), expected_p, 1e-5, 0.0))
          << simd::DotF32U8(p.data(), c.data(), n) << " vs " << expected_p;
    }
  }
}

TEST_P(IntOpsTest, DotF32U8ExactOnSmallIntegers) {
  // Integer queries and codes keep every partial sum exact in float32: the widening of each code
  // (0 and 255 included) must be exact and every element counted once, tail included.
  for (size_t n : kAwkwardSizes) {
    SCOPED_TRACE(::testing::Message() << "n " << n);
    std::vector<float> q(n);
    std::vector<uint8_t> c(n);
    for (size_t i = 0; i < n; ++i) {
      q[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
      c[i] = static_cast<uint8_t>(i % 3 == 0 ? 255 : i % 256);
    }
    EXPECT_EQ(static_cast<double>(simd::DotF32U8(q.data(), c.data(), n)),
              reference::DotF32U8(q.data(), c.data(), n));
  }
}

TEST_P(IntOpsTest, EmptyInputsSumToZero) {
  const uint8_t a[1] = {7};
  EXPECT_EQ(DotU8(a, a, 0), 0u);
  EXPECT_EQ(SquaredL2U8(a, a, 0), 0u);
  EXPECT_EQ(SumU8(a, 0), 0u);
  EXPECT_EQ(HammingDistance(a, a, 0), 0u);
  const float q[1] = {1.0f};
  EXPECT_EQ(simd::DotF32U8(q, a, 0), 0.0f);
}

}  // namespace
}  // namespace ruv
