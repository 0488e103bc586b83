// The C ABI: results on the happy path, and every error path returns its code and a message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ruv/quant.h"
#include "ruv/reference.h"
#include "ruv_capi.h"
#include "testing/test_util.h"

namespace {

using ruv::test::RandomFloats;

// Replaces the thread's message with one no other call produces, so each expectation sees the
// message of its own call.
void ResetError() {
  ASSERT_EQ(ruv_alloc(std::numeric_limits<size_t>::max()), nullptr);
  ASSERT_STREQ(ruv_last_error_message(), "ruv_alloc: size overflows");
}

#define EXPECT_FAILS_WITH(call, code)                                      \
  do {                                                                     \
    ResetError();                                                          \
    const std::string before = ruv_last_error_message();                   \
    EXPECT_EQ((call), (code));                                             \
    const std::string message = ruv_last_error_message();                  \
    EXPECT_FALSE(message.empty());                                         \
    EXPECT_NE(message, before) << "the failing call kept the old message"; \
  } while (0)

TEST(CApi, VersionTargetNoop) {
  EXPECT_EQ(ruv_abi_version(), 2);  // 2: packed HNSW hits and the stats struct
  ASSERT_NE(ruv_simd_target(), nullptr);
  EXPECT_GT(std::strlen(ruv_simd_target()), 0u);
  EXPECT_STREQ(ruv_simd_target(), ruv::ActiveSimdTarget());
  ruv_noop();
}

TEST(CApi, DistanceMatchesReference) {
  const auto a = RandomFloats(97, 1), b = RandomFloats(97, 2);
  for (int32_t metric : {RUV_METRIC_COSINE, RUV_METRIC_EUCLIDEAN, RUV_METRIC_DOT_PRODUCT}) {
    float out = 0.0f;
    ASSERT_EQ(ruv_distance(a.data(), b.data(), a.size(), metric, &out), RUV_OK);
    EXPECT_NEAR(out, ruv::reference::Distance(a.data(), b.data(), a.size(), static_cast<ruv::Metric>(metric)),
                1e-5);
  }
}

TEST(CApi, DistanceErrors) {
  const float a[3] = {1, 2, 3};
  float out;
  EXPECT_FAILS_WITH(ruv_distance(a, a, 0, RUV_METRIC_COSINE, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_distance(nullptr, a, 3, RUV_METRIC_COSINE, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_distance(a, nullptr, 3, RUV_METRIC_COSINE, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_distance(a, a, 3, RUV_METRIC_COSINE, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_distance(a, a, 3, 3, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_distance(a, a, 3, -1, &out), RUV_INVALID_ARGUMENT);
}

TEST(CApi, DistanceDoesNotScanForNaN) {
  const float a[2] = {std::nanf(""), 1.0f}, b[2] = {1.0f, 1.0f};
  float out = 0.0f;
  EXPECT_EQ(ruv_distance(a, b, 2, RUV_METRIC_EUCLIDEAN, &out), RUV_OK);
  EXPECT_TRUE(std::isnan(out));
}

TEST(CApi, BatchDistance) {
  const size_t dim = 17, count = 9;
  const auto q = RandomFloats(dim, 3), rows = RandomFloats(dim * count, 4);
  std::vector<float> out(count);
  ASSERT_EQ(ruv_batch_distance(q.data(), rows.data(), count, dim, RUV_METRIC_EUCLIDEAN, out.data()), RUV_OK);
  for (size_t r = 0; r < count; ++r) {
    EXPECT_NEAR(out[r],
                ruv::reference::Distance(q.data(), rows.data() + r * dim, dim, ruv::Metric::kEuclidean),
                1e-5);
  }
  // count == 0 is an empty batch, not an error, and needs no buffers.
  EXPECT_EQ(ruv_batch_distance(q.data(), nullptr, 0, dim, RUV_METRIC_COSINE, nullptr), RUV_OK);

  EXPECT_FAILS_WITH(ruv_batch_distance(q.data(), rows.data(), count, 0, RUV_METRIC_COSINE, out.data()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_batch_distance(nullptr, rows.data(), count, dim, RUV_METRIC_COSINE, out.data()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_batch_distance(q.data(), nullptr, count, dim, RUV_METRIC_COSINE, out.data()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_batch_distance(q.data(), rows.data(), count, dim, RUV_METRIC_COSINE, nullptr),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_batch_distance(q.data(), rows.data(), count, dim, 7, out.data()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_batch_distance(q.data(), rows.data(), std::numeric_limits<size_t>::max() / 2, dim,
                                       RUV_METRIC_COSINE, out.data()),
                    RUV_INVALID_ARGUMENT);
}

TEST(CApi, DotAbove) {
  const size_t dim = 17, count = 9;
  const auto q = RandomFloats(dim, 3), rows = RandomFloats(dim * count, 4);
  std::vector<uint32_t> index(count);
  std::vector<float> dot(count);
  size_t found = 99;
  ASSERT_EQ(ruv_dot_above(q.data(), rows.data(), count, dim, 0.0f, index.data(), dot.data(), &found), RUV_OK);
  size_t k = 0;
  for (size_t r = 0; r < count; ++r) {
    const double d =
        -ruv::reference::Distance(q.data(), rows.data() + r * dim, dim, ruv::Metric::kDotProduct);
    if (std::fabs(d) < 1e-4) continue;  // too close to the threshold to call
    if (d < 0) continue;
    while (k < found && index[k] < r) ++k;
    ASSERT_LT(k, found) << "row " << r << " (dot " << d << ") is missing";
    EXPECT_EQ(index[k], r);
    EXPECT_NEAR(dot[k], d, 1e-5);
  }
  EXPECT_GT(found, 0u);
  EXPECT_LT(found, count);
  // count == 0 finds nothing and needs no buffers.
  EXPECT_EQ(ruv_dot_above(q.data(), nullptr, 0, dim, 0.0f, nullptr, nullptr, &found), RUV_OK);
  EXPECT_EQ(found, 0u);

  EXPECT_FAILS_WITH(ruv_dot_above(q.data(), rows.data(), count, 0, 0.0f, index.data(), dot.data(), &found),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dot_above(nullptr, rows.data(), count, dim, 0.0f, index.data(), dot.data(), &found),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dot_above(q.data(), rows.data(), count, dim, 0.0f, index.data(), dot.data(), nullptr),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dot_above(q.data(), rows.data(), count, dim, 0.0f, nullptr, dot.data(), &found),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dot_above(q.data(), rows.data(), count, dim, 0.0f, index.data(), nullptr, &found),
                    RUV_INVALID_ARGUMENT);
  if constexpr (sizeof(size_t) > 4) {  // more rows than a uint32 index can name
    EXPECT_FAILS_WITH(
        ruv_dot_above(q.data(), rows.data(), size_t{1} << 33, dim, 0.0f, index.data(), dot.data(), &found),
        RUV_INVALID_ARGUMENT);
  }
}

TEST(CApi, Normalize) {
  auto v = RandomFloats(33, 5);
  ASSERT_EQ(ruv_normalize(v.data(), v.size(), v.data()), RUV_OK);  // in place
  EXPECT_NEAR(ruv::reference::SumSquares(v.data(), v.size()), 1.0, 1e-5);
  std::vector<float> zero(5, 0.0f), out(5, 7.0f);
  ASSERT_EQ(ruv_normalize(zero.data(), zero.size(), out.data()), RUV_OK);
  for (float x : out) EXPECT_EQ(x, 0.0f);

  EXPECT_FAILS_WITH(ruv_normalize(v.data(), 0, v.data()), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_normalize(nullptr, 3, v.data()), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_normalize(v.data(), 3, nullptr), RUV_INVALID_ARGUMENT);
}

TEST(CApi, QuantizedSize) {
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_SCALAR, 0, 10), 18u);
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_SCALAR, 1, 10), 10u);
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_INT4, 0, 7), 12u);
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_INT4, 1, 7), 4u);
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_BINARY, 0, 9), 2u);
  EXPECT_EQ(ruv_quantized_size(RUV_QUANT_BINARY, 1, 9), 2u);
  EXPECT_EQ(ruv_quantized_size(3, 0, 9), 0u);
  EXPECT_EQ(ruv_quantized_size(-1, 0, 9), 0u);
}

TEST(CApi, QuantizeRoundTrip) {
  const auto v = RandomFloats(97, 6);
  for (int32_t type : {RUV_QUANT_SCALAR, RUV_QUANT_INT4, RUV_QUANT_BINARY}) {
    for (int32_t has_range : {0, 1}) {
      SCOPED_TRACE(testing::Message() << "type " << type << " has_range " << has_range);
      std::vector<uint8_t> codes(ruv_quantized_size(type, has_range, v.size()));
      ASSERT_EQ(ruv_quantize(v.data(), v.size(), type, has_range, -1.0f, 1.0f, codes.data(), codes.size()),
                RUV_OK);
      std::vector<float> back(v.size());
      ASSERT_EQ(
          ruv_dequantize(codes.data(), codes.size(), v.size(), type, has_range, -1.0f, 1.0f, back.data()),
          RUV_OK);
      const float tolerance = type == RUV_QUANT_SCALAR ? 2.0f / 255
                              : type == RUV_QUANT_INT4 ? 2.0f / 15
                                                       : 2.0f;
      for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(back[i], v[i], tolerance);
      if (type != RUV_QUANT_BINARY) {
        float d = -1.0f;
        ASSERT_EQ(ruv_quantized_distance(codes.data(), codes.data(), codes.size(), v.size(), type, has_range,
                                         -1.0f, 1.0f, RUV_METRIC_EUCLIDEAN, &d),
                  RUV_OK);
        EXPECT_EQ(d, 0.0f);
      }
    }
  }
}

TEST(CApi, QuantizeErrors) {
  const size_t dim = 10;
  std::vector<float> v = RandomFloats(dim, 7);
  std::vector<uint8_t> out(ruv_quantized_size(RUV_QUANT_SCALAR, 0, dim));
  const auto quantize = [&](const float* vec, size_t n, int32_t type, int32_t has_range, float lo, float hi,
                            uint8_t* o,
                            size_t len) { return ruv_quantize(vec, n, type, has_range, lo, hi, o, len); };
  EXPECT_FAILS_WITH(quantize(v.data(), dim, 5, 0, 0, 0, out.data(), out.size()), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(v.data(), 0, RUV_QUANT_SCALAR, 0, 0, 0, out.data(), out.size()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(nullptr, dim, RUV_QUANT_SCALAR, 0, 0, 0, out.data(), out.size()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_SCALAR, 0, 0, 0, nullptr, out.size()),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_SCALAR, 0, 0, 0, nullptr, 0), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_SCALAR, 0, 0, 0, out.data(), out.size() - 1),
                    RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_SCALAR, 1, 1.0f, -1.0f, out.data(), dim),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_SCALAR, 1, 0.0f, INFINITY, out.data(), dim),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(quantize(v.data(), dim, RUV_QUANT_INT4, 1, std::nanf(""), 1.0f, out.data(), 5),
                    RUV_INVALID_ARGUMENT);
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    v[dim - 1] = bad;
    for (int32_t type : {RUV_QUANT_SCALAR, RUV_QUANT_INT4, RUV_QUANT_BINARY}) {
      for (int32_t has_range : {0, 1}) {
        std::vector<uint8_t> codes(ruv_quantized_size(type, has_range, dim), 0xAB);
        EXPECT_FAILS_WITH(quantize(v.data(), dim, type, has_range, -1, 1, codes.data(), codes.size()),
                          RUV_NON_FINITE);
        for (uint8_t c : codes) EXPECT_EQ(c, 0xAB) << "wrote output before rejecting the input";
      }
    }
  }
}

TEST(CApi, DequantizeErrors) {
  const size_t dim = 4;
  const float v[dim] = {0.5f, -0.25f, 1.0f, 0.0f};
  std::vector<uint8_t> codes(ruv_quantized_size(RUV_QUANT_SCALAR, 0, dim));
  ASSERT_EQ(ruv_quantize(v, dim, RUV_QUANT_SCALAR, 0, 0, 0, codes.data(), codes.size()), RUV_OK);
  float out[dim];
  EXPECT_FAILS_WITH(ruv_dequantize(codes.data(), codes.size(), dim, 9, 0, 0, 0, out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dequantize(codes.data(), codes.size(), 0, RUV_QUANT_SCALAR, 0, 0, 0, out),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dequantize(nullptr, codes.size(), dim, RUV_QUANT_SCALAR, 0, 0, 0, out),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dequantize(nullptr, 0, dim, RUV_QUANT_SCALAR, 0, 0, 0, out), RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_dequantize(codes.data(), codes.size(), dim, RUV_QUANT_SCALAR, 0, 0, 0, nullptr),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_dequantize(codes.data(), codes.size() + 1, dim, RUV_QUANT_SCALAR, 0, 0, 0, out),
                    RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(ruv_dequantize(codes.data(), dim, dim, RUV_QUANT_SCALAR, 1, 2.0f, 1.0f, out),
                    RUV_INVALID_ARGUMENT);
  // Untrusted bytes: a stored range that is NaN, infinite or inverted is corrupt data.
  const float bad_ranges[][2] = {{std::nanf(""), 1.0f}, {0.0f, INFINITY}, {1.0f, -1.0f}, {-3e38f, 3e38f}};
  for (const auto& range : bad_ranges) {
    std::vector<uint8_t> corrupt = codes;
    std::memcpy(corrupt.data(), range, sizeof(range));
    EXPECT_FAILS_WITH(ruv_dequantize(corrupt.data(), corrupt.size(), dim, RUV_QUANT_SCALAR, 0, 0, 0, out),
                      RUV_CORRUPT_DATA);
    float d;
    EXPECT_FAILS_WITH(ruv_quantized_distance(corrupt.data(), codes.data(), codes.size(), dim,
                                             RUV_QUANT_SCALAR, 0, 0, 0, RUV_METRIC_COSINE, &d),
                      RUV_CORRUPT_DATA);
    EXPECT_FAILS_WITH(ruv_quantized_distance(codes.data(), corrupt.data(), codes.size(), dim,
                                             RUV_QUANT_SCALAR, 0, 0, 0, RUV_METRIC_COSINE, &d),
                      RUV_CORRUPT_DATA);
  }
}

TEST(CApi, QuantizedDistanceErrors) {
  const size_t dim = 16;
  const auto v = RandomFloats(dim, 8);
  std::vector<uint8_t> codes(ruv_quantized_size(RUV_QUANT_INT4, 0, dim));
  ASSERT_EQ(ruv_quantize(v.data(), dim, RUV_QUANT_INT4, 0, 0, 0, codes.data(), codes.size()), RUV_OK);
  const uint8_t* c = codes.data();
  const size_t len = codes.size();
  float d;
  EXPECT_FAILS_WITH(ruv_quantized_distance(c, c, len, dim, 4, 0, 0, 0, RUV_METRIC_COSINE, &d),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_quantized_distance(c, c, len, dim, RUV_QUANT_INT4, 0, 0, 0, 9, &d),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_quantized_distance(c, c, len, 0, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, &d),
                    RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(nullptr, c, len, dim, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, &d),
      RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(c, nullptr, len, dim, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, &d),
      RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(c, c, len, dim, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, nullptr),
      RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(c, c, len - 1, dim, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, &d),
      RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(c, c, len, dim + 2, RUV_QUANT_INT4, 0, 0, 0, RUV_METRIC_COSINE, &d),
      RUV_DIMENSION_MISMATCH);
  EXPECT_FAILS_WITH(
      ruv_quantized_distance(c, c, 8, dim, RUV_QUANT_INT4, 1, 1.0f, 0.0f, RUV_METRIC_COSINE, &d),
      RUV_INVALID_ARGUMENT);
  // Binary codes have no metric distance: Hamming is the distance for them.
  EXPECT_FAILS_WITH(ruv_quantized_distance(c, c, 2, dim, RUV_QUANT_BINARY, 0, 0, 0, RUV_METRIC_COSINE, &d),
                    RUV_INVALID_ARGUMENT);
}

TEST(CApi, Hamming) {
  const uint8_t a[3] = {0xFF, 0x0F, 0x01}, b[3] = {0x00, 0x0F, 0x03};
  uint32_t out = 99;
  ASSERT_EQ(ruv_hamming_distance(a, b, 3, &out), RUV_OK);
  EXPECT_EQ(out, 9u);
  ASSERT_EQ(ruv_hamming_distance(nullptr, nullptr, 0, &out), RUV_OK);
  EXPECT_EQ(out, 0u);
  EXPECT_FAILS_WITH(ruv_hamming_distance(a, b, 3, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hamming_distance(nullptr, b, 3, &out), RUV_INVALID_ARGUMENT);
  EXPECT_FAILS_WITH(ruv_hamming_distance(a, nullptr, 3, &out), RUV_INVALID_ARGUMENT);
}

TEST(CApi, AllocIsAligned) {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{100000}}) {
    void* p = ruv_alloc(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    std::memset(p, 0x5A, bytes);  // the whole requested size is usable (ASan checks)
    ruv_free(p);
  }
  ruv_free(nullptr);
  EXPECT_EQ(ruv_alloc(std::numeric_limits<size_t>::max()), nullptr);
  EXPECT_STREQ(ruv_last_error_message(), "ruv_alloc: size overflows");
}

TEST(CApi, CoreMessagesNameTheFunction) {
  const float v[2] = {1.0f, std::nanf("")};
  uint8_t codes[10];
  ASSERT_EQ(ruv_quantize(v, 2, RUV_QUANT_SCALAR, 0, 0, 0, codes, sizeof(codes)), RUV_NON_FINITE);
  EXPECT_EQ(std::string(ruv_last_error_message()).rfind("ruv_quantize: ", 0), 0u) << ruv_last_error_message();
}

TEST(CApi, ErrorMessageIsKeptUntilNextFailure) {
  ResetError();
  const std::string first = ruv_last_error_message();
  ruv_noop();
  float out;
  const float a[1] = {1.0f};
  ASSERT_EQ(ruv_distance(a, a, 1, RUV_METRIC_COSINE, &out), RUV_OK);
  EXPECT_EQ(first, ruv_last_error_message());
}

}  // namespace
