// Quantize / Dequantize on every SIMD target: codes bit-identical to the scalar twin, exact
// round-half-even ties, error bounds per type, layouts and validation.
#include "ruv/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "ruv/reference.h"
#include "testing/test_util.h"

namespace ruv {
namespace {

using test::kAwkwardSizes;
using test::QuantConfigOf;
using test::RandomFloats;

std::vector<QuantConfig> AllConfigs() {
  return {QuantConfigOf(QuantType::kScalar), QuantConfigOf(QuantType::kScalar, true, -0.8f, 0.6f),
          QuantConfigOf(QuantType::kInt4), QuantConfigOf(QuantType::kInt4, true, -0.8f, 0.6f),
          QuantConfigOf(QuantType::kBinary)};
}

std::vector<uint8_t> QuantizeOk(const std::vector<float>& v, const QuantConfig& config) {
  std::vector<uint8_t> codes(QuantizedSize(config, v.size()));
  const Status s = Quantize(v.data(), v.size(), config, codes.data(), codes.size());
  EXPECT_TRUE(s.ok()) << s.message();
  return codes;
}

std::vector<float> DequantizeOk(const std::vector<uint8_t>& codes, size_t dim, const QuantConfig& config) {
  std::vector<float> out(dim);
  const Status s = Dequantize(codes.data(), codes.size(), dim, config, out.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

// Vectors of several shapes: uniform, gaussian with outliers, large offsets, many repeats.
std::vector<float> TestVector(size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(dim);
  switch (seed % 4) {
    case 0:
      v = RandomFloats(dim, seed);
      break;
    case 1: {
      std::normal_distribution<float> g(0.0f, 3.0f);
      for (float& x : v) x = g(rng);
      break;
    }
    case 2:
      v = RandomFloats(dim, seed, 1000.0f, 1000.5f);
      break;
    case 3: {
      std::uniform_int_distribution<int> k(-8, 8);
      for (float& x : v) x = static_cast<float>(k(rng)) * 0.125f;
      break;
    }
  }
  return v;
}

class QuantTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(QuantTest);

TEST_P(QuantTest, CodesAreBitIdenticalToScalarTwin) {
  for (const QuantConfig& config : AllConfigs()) {
    for (size_t dim : kAwkwardSizes) {
      for (uint32_t seed = 0; seed < 24; ++seed) {
        SCOPED_TRACE(::testing::Message() << "type " << static_cast<int>(config.type) << " fixed "
                                          << config.has_fixed_range << " dim " << dim << " seed " << seed);
        const auto v = TestVector(dim, seed * 7919 + static_cast<uint32_t>(dim));
        const auto codes = QuantizeOk(v, config);
        std::vector<uint8_t> expected(codes.size(), 0xEE);
        reference::Quantize(v.data(), dim, config, expected.data());
        ASSERT_EQ(codes, expected);
        // Dequantized floats are bit-identical too (compared as bits: -0 vs 0 would count).
        const auto back = DequantizeOk(codes, dim, config);
        std::vector<float> expected_back(dim);
        reference::Dequantize(codes.data(), dim, config, expected_back.data());
        ASSERT_EQ(std::memcmp(back.data(), expected_back.data(), dim * sizeof(float)), 0);
      }
    }
  }
}

TEST_P(QuantTest, TiesRoundHalfToEven) {
  // Range [0, levels] makes scale exactly 1, so x = k + 0.5 is an exact tie.
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    const int levels = type == QuantType::kScalar ? 255 : 15;
    const QuantConfig config = QuantConfigOf(type, true, 0.0f, static_cast<float>(levels));
    for (size_t dim : {size_t{1}, size_t{7}, size_t{17}, size_t{97}}) {
      std::vector<float> v(dim);
      std::vector<uint8_t> expected(dim);
      for (size_t i = 0; i < dim; ++i) {
        const int k = static_cast<int>(i % static_cast<size_t>(levels));
        v[i] = static_cast<float>(k) + 0.5f;
        expected[i] = static_cast<uint8_t>(k % 2 == 0 ? k : k + 1);  // to the even neighbour
      }
      const auto codes = QuantizeOk(v, config);
      for (size_t i = 0; i < dim; ++i) {
        const uint8_t code = type == QuantType::kScalar ? codes[i] : (codes[i / 2] >> ((i % 2) * 4)) & 0x0F;
        EXPECT_EQ(code, expected[i]) << "x = " << v[i];
      }
    }
  }
  // Just below and above a tie go down and up.
  const QuantConfig scalar = QuantConfigOf(QuantType::kScalar, true, 0.0f, 255.0f);
  const std::vector<float> near_ties = {std::nextafter(2.5f, 0.0f), std::nextafter(2.5f, 5.0f),
                                        std::nextafter(0.5f, 0.0f), std::nextafter(0.5f, 1.0f)};
  EXPECT_EQ(QuantizeOk(near_ties, scalar), (std::vector<uint8_t>{2, 3, 0, 1}));
}

TEST_P(QuantTest, RoundTripErrorBounds) {
  for (const QuantConfig& base : AllConfigs()) {
    for (size_t dim : kAwkwardSizes) {
      const auto v = RandomFloats(dim, 500 + static_cast<uint32_t>(dim), -0.8f, 0.6f);
      const auto codes = QuantizeOk(v, base);
      const auto back = DequantizeOk(codes, dim, base);
      float lo = base.min, hi = base.max;
      if (!base.has_fixed_range) reference::MinMax(v.data(), dim, &lo, &hi);
      for (size_t i = 0; i < dim; ++i) {
        if (base.type == QuantType::kBinary) {
          EXPECT_EQ(back[i], v[i] > 0.0f ? 1.0f : -1.0f);
          continue;
        }
        const int levels = base.type == QuantType::kScalar ? 255 : 15;
        const double bound = (static_cast<double>(hi) - lo) / levels / 2 + 1e-6;
        EXPECT_LE(std::fabs(static_cast<double>(back[i]) - v[i]), bound) << "i " << i << " dim " << dim;
      }
    }
  }
}

TEST_P(QuantTest, PerVectorRangeIsStoredAndExtremesAreExact) {
  const auto v = RandomFloats(97, 600, -3.0f, 5.0f);
  float lo, hi;
  reference::MinMax(v.data(), v.size(), &lo, &hi);
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    const auto codes = QuantizeOk(v, QuantConfigOf(type));
    float stored[2];
    std::memcpy(stored, codes.data(), sizeof(stored));
    EXPECT_EQ(stored[0], lo);
    EXPECT_EQ(stored[1], hi);
    const auto back = DequantizeOk(codes, v.size(), QuantConfigOf(type));
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == lo) {
        EXPECT_EQ(back[i], lo);  // code 0 decodes to min exactly
      }
    }
  }
}

TEST_P(QuantTest, ConstantVectorCodesZeroAndDecodesToItself) {
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    const std::vector<float> v(17, 0.375f);
    const auto codes = QuantizeOk(v, QuantConfigOf(type));
    for (size_t i = 8; i < codes.size(); ++i) EXPECT_EQ(codes[i], 0);
    for (float x : DequantizeOk(codes, v.size(), QuantConfigOf(type))) EXPECT_EQ(x, 0.375f);
  }
}

TEST_P(QuantTest, FixedRangeClampsOutliers) {
  const std::vector<float> v = {-100.0f, -1.0f, 0.0f, 1.0f, 100.0f, 3e38f, -3e38f};
  const auto scalar = QuantizeOk(v, QuantConfigOf(QuantType::kScalar, true, -1.0f, 1.0f));
  EXPECT_EQ(scalar, (std::vector<uint8_t>{0, 0, 128, 255, 255, 255, 0}));  // 127.5 ties to 128
  const auto int4 = QuantizeOk(v, QuantConfigOf(QuantType::kInt4, true, -1.0f, 1.0f));
  // 0 -> 7.5 ties to 8; element 6 sits alone in the low nibble of the last byte.
  EXPECT_EQ(int4, (std::vector<uint8_t>{0x00, 0xF8, 0xFF, 0x00}));
}

TEST_P(QuantTest, PaddingBitsAreZero) {
  const std::vector<float> v(13, 5.0f);
  const auto bits = QuantizeOk(v, QuantConfigOf(QuantType::kBinary));
  EXPECT_EQ(bits, (std::vector<uint8_t>{0xFF, 0x1F}));
  const auto nibbles =
      QuantizeOk(std::vector<float>(3, 1.0f), QuantConfigOf(QuantType::kInt4, true, 0.0f, 1.0f));
  EXPECT_EQ(nibbles, (std::vector<uint8_t>{0xFF, 0x0F}));
}

TEST_P(QuantTest, BinaryIsSignOfStrictlyPositive) {
  const std::vector<float> v = {1.0f, -1.0f, 0.0f, -0.0f, 1e-45f, -1e-45f, 3.0f, 0.5f, -2.0f};
  const auto bits = QuantizeOk(v, QuantConfigOf(QuantType::kBinary));
  EXPECT_EQ(bits, (std::vector<uint8_t>{0b11010001, 0b0}));
  EXPECT_EQ(DequantizeOk(bits, v.size(), QuantConfigOf(QuantType::kBinary)),
            (std::vector<float>{1, -1, -1, -1, 1, -1, 1, 1, -1}));
}

TEST_P(QuantTest, NarrowRangeNeverProducesNaN) {
  // max - min = 1e-44: 255 / (max - min) overflows float32; codes are 0 and decode near min.
  const std::vector<float> v = {0.0f, 1e-44f, 5e-45f};
  for (QuantType type : {QuantType::kScalar, QuantType::kInt4}) {
    const auto codes = QuantizeOk(v, QuantConfigOf(type));
    std::vector<uint8_t> expected(codes.size());
    reference::Quantize(v.data(), v.size(), QuantConfigOf(type), expected.data());
    EXPECT_EQ(codes, expected);
    for (float x : DequantizeOk(codes, v.size(), QuantConfigOf(type))) {
      EXPECT_FALSE(std::isnan(x));
      EXPECT_LE(std::fabs(x), 1e-44f);
    }
  }
}

TEST_P(QuantTest, NonFiniteInputIsRejectedBeforeWriting) {
  for (const QuantConfig& config : AllConfigs()) {
    for (size_t dim : kAwkwardSizes) {
      for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity()}) {
        auto v = RandomFloats(dim, 700);
        v[dim / 2] = bad;
        std::vector<uint8_t> out(QuantizedSize(config, dim), 0xCD);
        const Status s = Quantize(v.data(), dim, config, out.data(), out.size());
        EXPECT_EQ(s.code(), ErrorCode::kNonFinite) << "dim " << dim;
        EXPECT_FALSE(s.message().empty());
        for (uint8_t b : out) ASSERT_EQ(b, 0xCD);
      }
    }
  }
}

TEST_P(QuantTest, Validation) {
  const auto v = RandomFloats(10, 800);
  std::vector<uint8_t> out(64);
  std::vector<float> back(10);
  const QuantConfig scalar = QuantConfigOf(QuantType::kScalar);
  EXPECT_EQ(Quantize(v.data(), 0, scalar, out.data(), 8).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Quantize(v.data(), 10, scalar, out.data(), 17).code(), ErrorCode::kDimensionMismatch);
  EXPECT_EQ(Quantize(v.data(), 10, scalar, out.data(), 19).code(), ErrorCode::kDimensionMismatch);
  EXPECT_EQ(Quantize(v.data(), 10, QuantConfigOf(static_cast<QuantType>(3)), out.data(), 18).code(),
            ErrorCode::kInvalidArgument);
  for (auto [lo, hi] : {std::pair{1.0f, 0.0f}, std::pair{std::nanf(""), 1.0f}, std::pair{0.0f, INFINITY},
                        std::pair{-3e38f, 3e38f}}) {
    const QuantConfig bad = QuantConfigOf(QuantType::kScalar, true, lo, hi);
    EXPECT_EQ(ValidateQuantConfig(bad).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Quantize(v.data(), 10, bad, out.data(), 10).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Dequantize(out.data(), 10, 10, bad, back.data()).code(), ErrorCode::kInvalidArgument);
  }
  // A per-vector range wider than float32 can represent.
  const std::vector<float> wide = {-3e38f, 3e38f};
  std::vector<uint8_t> wide_out(QuantizedSize(scalar, 2));
  EXPECT_EQ(Quantize(wide.data(), 2, scalar, wide_out.data(), wide_out.size()).code(),
            ErrorCode::kInvalidArgument);
  // Binary ignores the range entirely.
  EXPECT_TRUE(ValidateQuantConfig(QuantConfigOf(QuantType::kBinary, true, 1.0f, 0.0f)).ok());
  EXPECT_EQ(QuantizedSize(QuantConfigOf(static_cast<QuantType>(7)), 10), 0u);
  EXPECT_EQ(Dequantize(out.data(), 18, 0, scalar, back.data()).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Dequantize(out.data(), 17, 10, scalar, back.data()).code(), ErrorCode::kDimensionMismatch);
}

}  // namespace
}  // namespace ruv
