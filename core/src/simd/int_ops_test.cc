// Integer code kernels on every SIMD target compiled in, against the scalar twins.
#include "simd/int_ops.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "ruv/quant.h"
#include "ruv/reference.h"
#include "testing/test_util.h"

namespace ruv {
namespace {

using test::kAwkwardSizes;
using test::RandomBytes;

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

TEST_P(IntOpsTest, EmptyInputsSumToZero) {
  const uint8_t a[1] = {7};
  EXPECT_EQ(DotU8(a, a, 0), 0u);
  EXPECT_EQ(SquaredL2U8(a, a, 0), 0u);
  EXPECT_EQ(SumU8(a, 0), 0u);
  EXPECT_EQ(HammingDistance(a, a, 0), 0u);
}

}  // namespace
}  // namespace ruv
