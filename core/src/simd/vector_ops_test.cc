// Float kernels on every SIMD target compiled in (AVX3_DL, AVX3, AVX2, SSE4, SSSE3, EMU128 on an
// AVX-512 machine), against the scalar twins in ruv/reference.h, plus the metric definitions.
#include "ruv/vector_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "ruv/reference.h"
#include "testing/test_util.h"

namespace ruv {
namespace {

using test::kAwkwardSizes;
using test::Near;
using test::RandomFloats;

constexpr Metric kMetrics[] = {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct};

// Float32 accumulation error grows with the magnitude of the summed terms, not of the result.
double SumAbsProducts(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::fabs(static_cast<double>(a[i]) * b[i]);
  return sum;
}

class VectorOpsTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(VectorOpsTest);

TEST_P(VectorOpsTest, DispatchesToTheTargetUnderTest) {
  EXPECT_STREQ(ActiveSimdTarget(), hwy::TargetName(GetParam()));
}

TEST_P(VectorOpsTest, DotAndSquaredL2MatchReference) {
  for (size_t dim : kAwkwardSizes) {
    for (uint32_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(::testing::Message() << "dim " << dim << " seed " << seed);
      const auto a = RandomFloats(dim, seed), b = RandomFloats(dim, seed + 100);
      const double tol = 1e-6 * SumAbsProducts(a, b) + 1e-7;
      EXPECT_NEAR(Dot(a.data(), b.data(), dim), reference::Dot(a.data(), b.data(), dim), tol);
      const double sq = reference::SquaredL2(a.data(), b.data(), dim);
      EXPECT_NEAR(SquaredL2(a.data(), b.data(), dim), sq, 1e-6 * sq + 1e-7);
    }
  }
}

TEST_P(VectorOpsTest, DistanceMatchesReference) {
  for (size_t dim : kAwkwardSizes) {
    const auto a = RandomFloats(dim, 11, -2.0f, 3.0f), b = RandomFloats(dim, 12, -2.0f, 3.0f);
    for (Metric metric : kMetrics) {
      SCOPED_TRACE(::testing::Message() << "dim " << dim << " metric " << static_cast<int>(metric));
      const double expected = reference::Distance(a.data(), b.data(), dim, metric);
      const double tol = metric == Metric::kCosine ? 2e-6 : 1e-6 * SumAbsProducts(a, b) + 1e-6;
      EXPECT_NEAR(Distance(a.data(), b.data(), dim, metric), expected, tol);
    }
  }
}

TEST_P(VectorOpsTest, BatchDistanceMatchesReference) {
  // Counts around the four-row blocking: 0..9 rows cover full blocks and every remainder.
  for (size_t dim : {size_t{1}, size_t{7}, size_t{16}, size_t{17}, size_t{97}, size_t{384}}) {
    for (size_t count = 0; count <= 9; ++count) {
      const auto q = RandomFloats(dim, 21), rows = RandomFloats(dim * count, 22);
      for (Metric metric : kMetrics) {
        SCOPED_TRACE(::testing::Message()
                     << "dim " << dim << " count " << count << " metric " << static_cast<int>(metric));
        std::vector<float> out(count + 1, -7.0f), expected(count);
        BatchDistance(q.data(), rows.data(), count, dim, metric, out.data());
        reference::BatchDistance(q.data(), rows.data(), count, dim, metric, expected.data());
        for (size_t r = 0; r < count; ++r)
          EXPECT_NEAR(out[r], expected[r], 1e-5 * (1.0 + std::fabs(expected[r])));
        EXPECT_EQ(out[count], -7.0f) << "wrote past the last row";
        // One row at a time gives the same answers.
        for (size_t r = 0; r < count; ++r) {
          EXPECT_NEAR(out[r], Distance(q.data(), rows.data() + r * dim, dim, metric),
                      1e-5 * (1.0 + std::fabs(out[r])));
        }
      }
    }
  }
}

TEST_P(VectorOpsTest, DotAboveKeepsExactlyTheRowsAtOrAboveTheThreshold) {
  // Counts across DotAbove's 256-row blocks; a NaN row never passes; thresholds from "none" to "all".
  const size_t dim = 19;
  for (size_t count : {size_t{0}, size_t{1}, size_t{5}, size_t{255}, size_t{256}, size_t{257}, size_t{601}}) {
    const auto q = RandomFloats(dim, 31);
    auto rows = RandomFloats(dim * count, 32);
    if (count > 3) rows[3 * dim + 4] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> all(count);
    BatchDistance(q.data(), rows.data(), count, dim, Metric::kDotProduct, all.data());
    for (float threshold : {-1e30f, -0.5f, 0.0f, 0.7f, 1e30f}) {
      SCOPED_TRACE(::testing::Message() << "count " << count << " threshold " << threshold);
      std::vector<uint32_t> index(count + 1, 0xDEADu);
      std::vector<float> dot(count + 1, -7.0f);
      const size_t found = DotAbove(q.data(), rows.data(), count, dim, threshold, index.data(), dot.data());
      size_t k = 0;
      for (size_t r = 0; r < count; ++r) {
        double expected = 0;  // float64 brute force, independent of the kernels
        for (size_t j = 0; j < dim; ++j) expected += double{q[j]} * rows[r * dim + j];
        if (!(-all[r] >= threshold)) continue;
        ASSERT_LT(k, found);
        EXPECT_EQ(index[k], r);
        EXPECT_EQ(dot[k], -all[r]) << "not the dot BatchDistance gives";
        EXPECT_NEAR(dot[k], expected, 1e-5 * (1.0 + std::fabs(expected)));
        ++k;
      }
      EXPECT_EQ(found, k);
      EXPECT_EQ(index[found], 0xDEADu) << "wrote past the last match";
      if (count > 3) {
        EXPECT_TRUE(std::find(index.begin(), index.begin() + found, 3u) == index.begin() + found);
      }
    }
  }
}

TEST_P(VectorOpsTest, BatchDistanceWithZeroRowsAndZeroQuery) {
  const size_t dim = 33, count = 6;
  auto rows = RandomFloats(dim * count, 23);
  std::fill(rows.begin() + 2 * dim, rows.begin() + 3 * dim, 0.0f);  // row 2 is zero
  const auto q = RandomFloats(dim, 24);
  std::vector<float> out(count);
  BatchDistance(q.data(), rows.data(), count, dim, Metric::kCosine, out.data());
  EXPECT_EQ(out[2], 1.0f);
  for (float d : out) EXPECT_FALSE(std::isnan(d));
  const std::vector<float> zero_q(dim, 0.0f);
  BatchDistance(zero_q.data(), rows.data(), count, dim, Metric::kCosine, out.data());
  for (float d : out) EXPECT_EQ(d, 1.0f);
}

TEST_P(VectorOpsTest, CosineOfZeroVectorIsExactlyOne) {
  for (size_t dim : kAwkwardSizes) {
    const std::vector<float> zero(dim, 0.0f);
    const auto v = RandomFloats(dim, 31);
    EXPECT_EQ(Distance(zero.data(), v.data(), dim, Metric::kCosine), 1.0f);
    EXPECT_EQ(Distance(v.data(), zero.data(), dim, Metric::kCosine), 1.0f);
    EXPECT_EQ(Distance(zero.data(), zero.data(), dim, Metric::kCosine), 1.0f);
  }
}

TEST_P(VectorOpsTest, MetricDefinitions) {
  for (size_t dim : kAwkwardSizes) {
    SCOPED_TRACE(::testing::Message() << "dim " << dim);
    const auto v = RandomFloats(dim, 41);
    std::vector<float> twice(dim), neg(dim);
    for (size_t i = 0; i < dim; ++i) {
      twice[i] = 2.0f * v[i];
      neg[i] = -v[i];
    }
    EXPECT_NEAR(Distance(v.data(), twice.data(), dim, Metric::kCosine), 0.0, 1e-6);
    EXPECT_NEAR(Distance(v.data(), neg.data(), dim, Metric::kCosine), 2.0, 1e-6);
    EXPECT_EQ(Distance(v.data(), v.data(), dim, Metric::kEuclidean), 0.0f);
    // euclidean(v, 2v) = |v|; dot_product(v, 2v) = -2|v|^2.
    const double norm_sq = reference::SumSquares(v.data(), dim);
    EXPECT_NEAR(Distance(v.data(), twice.data(), dim, Metric::kEuclidean), std::sqrt(norm_sq), 1e-5);
    EXPECT_NEAR(Distance(v.data(), twice.data(), dim, Metric::kDotProduct), -2.0 * norm_sq, 1e-5 * norm_sq);
  }
  const float x[2] = {1.0f, 0.0f}, y[2] = {0.0f, 3.0f}, z[2] = {3.0f, 4.0f};
  EXPECT_NEAR(Distance(x, y, 2, Metric::kCosine), 1.0, 1e-7);  // orthogonal
  EXPECT_NEAR(Distance(x, z, 2, Metric::kCosine), 1.0 - 3.0 / 5.0, 1e-7);
  EXPECT_NEAR(Distance(y, z, 2, Metric::kEuclidean), std::sqrt(9.0 + 1.0), 1e-6);
  EXPECT_EQ(Distance(x, z, 2, Metric::kDotProduct), -3.0f);
}

TEST_P(VectorOpsTest, EuclideanIsSymmetricAndObeysTriangleInequality) {
  for (uint32_t trial = 0; trial < 50; ++trial) {
    const size_t dim = kAwkwardSizes[trial % std::size(kAwkwardSizes)];
    const auto a = RandomFloats(dim, 1000 + trial), b = RandomFloats(dim, 2000 + trial),
               c = RandomFloats(dim, 3000 + trial);
    const float ab = Distance(a.data(), b.data(), dim, Metric::kEuclidean);
    const float ba = Distance(b.data(), a.data(), dim, Metric::kEuclidean);
    const float bc = Distance(b.data(), c.data(), dim, Metric::kEuclidean);
    const float ac = Distance(a.data(), c.data(), dim, Metric::kEuclidean);
    EXPECT_NEAR(ab, ba, 1e-6 * ab);
    EXPECT_LE(ac, (ab + bc) * (1.0f + 1e-6f));
  }
}

TEST_P(VectorOpsTest, ExtremeMagnitudesStayAccurate) {
  // Float32 partial sums overflow (1e20^2) or vanish (1e-25^2); the distance itself is fine.
  for (float scale : {1e20f, 1e-25f}) {
    for (size_t dim : {size_t{3}, size_t{97}}) {
      auto a = RandomFloats(dim, 51), b = RandomFloats(dim, 52);
      for (size_t i = 0; i < dim; ++i) {
        a[i] *= scale;
        b[i] *= scale;
      }
      for (Metric metric : {Metric::kCosine, Metric::kEuclidean}) {
        SCOPED_TRACE(::testing::Message()
                     << "scale " << scale << " dim " << dim << " metric " << static_cast<int>(metric));
        // The definition in float64, written here: reference::Distance is what the product
        // itself falls back to at these magnitudes, so it cannot be the expectation.
        double dot = 0, na = 0, nb = 0, l2 = 0;
        for (size_t i = 0; i < dim; ++i) {
          const double x = a[i], y = b[i];
          dot += x * y;
          na += x * x;
          nb += y * y;
          l2 += (x - y) * (x - y);
        }
        const double expected =
            metric == Metric::kCosine ? 1.0 - dot / (std::sqrt(na) * std::sqrt(nb)) : std::sqrt(l2);
        EXPECT_TRUE(Near(Distance(a.data(), b.data(), dim, metric), expected, 1e-5, 0.0)) << expected;
      }
    }
  }
}

TEST_P(VectorOpsTest, NormalizeMatchesReferenceInPlaceAndOutOfPlace) {
  for (size_t dim : kAwkwardSizes) {
    SCOPED_TRACE(::testing::Message() << "dim " << dim);
    const auto v = RandomFloats(dim, 61, -5.0f, 5.0f);
    std::vector<float> out(dim + 1, 42.0f), expected(dim);
    Normalize(v.data(), dim, out.data());
    reference::Normalize(v.data(), dim, expected.data());
    for (size_t i = 0; i < dim; ++i) EXPECT_NEAR(out[i], expected[i], 1e-6);
    EXPECT_EQ(out[dim], 42.0f) << "wrote past the end";
    auto in_place = v;
    Normalize(in_place.data(), dim, in_place.data());
    for (size_t i = 0; i < dim; ++i) EXPECT_EQ(in_place[i], out[i]);
    EXPECT_NEAR(reference::SumSquares(out.data(), dim), 1.0, 1e-5);
  }
}

TEST_P(VectorOpsTest, NormalizeKeepsZeroZeroAndHandlesExtremes) {
  for (size_t dim : kAwkwardSizes) {
    std::vector<float> zero(dim, 0.0f), out(dim, 5.0f);
    zero[0] = -0.0f;
    Normalize(zero.data(), dim, out.data());
    for (float x : out) EXPECT_EQ(x, 0.0f);
    Normalize(zero.data(), dim, zero.data());
    for (float x : zero) {
      EXPECT_EQ(x, 0.0f);
      EXPECT_FALSE(std::isnan(x));
    }
  }
  for (float scale : {1e25f, 1e-30f}) {
    auto v = RandomFloats(97, 62);
    for (float& x : v) x *= scale;
    Normalize(v.data(), v.size(), v.data());
    EXPECT_NEAR(reference::SumSquares(v.data(), v.size()), 1.0, 1e-5) << "scale " << scale;
  }
}

TEST_P(VectorOpsTest, AllFiniteFindsEveryNonFinitePosition) {
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  for (size_t dim : kAwkwardSizes) {
    auto v = RandomFloats(dim, 71, -1e38f, 1e38f);
    v[0] = std::numeric_limits<float>::max();
    v[dim - 1] = std::numeric_limits<float>::denorm_min();
    ASSERT_TRUE(AllFinite(v.data(), dim));
    for (size_t pos = 0; pos < dim; pos += (dim > 40 ? 13 : 1)) {
      for (float bad : bad_values) {
        auto w = v;
        w[pos] = bad;
        EXPECT_FALSE(AllFinite(w.data(), dim)) << "dim " << dim << " pos " << pos;
      }
    }
    auto w = v;
    w[dim - 1] = bad_values[0];  // the tail lane
    EXPECT_FALSE(AllFinite(w.data(), dim));
  }
}

}  // namespace
}  // namespace ruv
