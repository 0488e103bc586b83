// Every encoder kernel on every SIMD target compiled in, against its scalar twin
// (kernels_reference.h), at awkward sizes; erf against std::erf. Tolerances are per kernel.
#include "embed/encoder/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "embed/encoder/bert_reference_test_util.h"
#include "embed/encoder/kernels_reference.h"
#include "hwy/tests/hwy_gtest.h"
#include "testing/test_util.h"

namespace ruv::embed {
namespace {

using ruv::test::RandomFloats;

constexpr size_t kSizes[] = {1, 3, 17, 97, 384, 1536};
constexpr HiddenAct kActs[] = {HiddenAct::kGelu, HiddenAct::kGeluNew, HiddenAct::kRelu};

class EncoderKernelsTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(EncoderKernelsTest);

TEST_P(EncoderKernelsTest, GemmMatchesReference) {
  // m around every row-tile height (3, 6, 8) and n around every panel width (16, 32); k across
  // the 256-deep k blocks. Float32 accumulation error scales with sum |a w|, not with the result.
  const size_t w = kernels::PanelWidth();
  ASSERT_GE(w, 2u);
  for (size_t m :
       {size_t{1}, size_t{3}, size_t{5}, size_t{7}, size_t{9}, size_t{13}, size_t{17}, size_t{97}}) {
    for (size_t n : {size_t{1}, size_t{3}, w - 1, w, w + 1, 2 * w + 3, size_t{97}, size_t{384}}) {
      for (size_t k : kSizes) {
        if (m * n * k > (test::kSanitized ? 1'000'000 : 20'000'000)) continue;
        SCOPED_TRACE(::testing::Message() << "m " << m << " n " << n << " k " << k);
        const auto a = RandomFloats(m * k, 1), w = RandomFloats(n * k, 2), bias = RandomFloats(n, 3);
        std::vector<float> packed(kernels::PackedWeightSize(n, k));
        kernels::PackWeights(w.data(), n, k, packed.data());
        for (bool with_bias : {true, false}) {
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> c(m * n + 1, -7.0f), expected(m * n);
          kernels::Gemm(a.data(), m, k, packed.data(), n, b, c.data());
          reference::Gemm(a.data(), m, k, w.data(), n, b, expected.data());
          for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < n; ++j) {
              double abs_sum = 1.0;
              for (size_t p = 0; p < k; ++p) abs_sum += std::fabs(a[i * k + p] * w[j * k + p]);
              ASSERT_NEAR(c[i * n + j], expected[i * n + j], 1e-6 * abs_sum) << i << "," << j;
            }
          EXPECT_EQ(c[m * n], -7.0f) << "wrote past the end";
        }
      }
    }
  }
}

// Weights side by side in one output (the encoder's Q, K, V): a weight of n columns written at
// column j of rows ldc apart gives those columns bit for bit as one weight of all the columns
// does, whatever panel range each call covers, and leaves every other column alone.
TEST_P(EncoderKernelsTest, GemmPanelsIntoColumnsOfAWiderOutputEqualOneFusedWeight) {
  const size_t w = kernels::PanelWidth();
  for (size_t n : {2 * w, 3 * w + 5}) {
    const size_t m = 13, k = 300, ldc = 3 * n;
    SCOPED_TRACE(::testing::Message() << "n " << n);
    const auto a = RandomFloats(m * k, 4), weights = RandomFloats(3 * n * k, 5),
               bias = RandomFloats(3 * n, 6);
    std::vector<float> fused_packed(kernels::PackedWeightSize(3 * n, k)), fused(m * ldc);
    kernels::PackWeights(weights.data(), 3 * n, k, fused_packed.data());
    kernels::Gemm(a.data(), m, k, fused_packed.data(), 3 * n, bias.data(), fused.data());
    std::vector<float> c(m * ldc, -7.0f);
    const size_t panels = kernels::GemmPanelCount(n);
    for (size_t part = 0; part < 3; ++part) {
      std::vector<float> packed(kernels::PackedWeightSize(n, k));
      kernels::PackWeights(weights.data() + part * n * k, n, k, packed.data());
      for (size_t p = 0; p < panels; ++p)  // one panel per call
        kernels::GemmPanels(a.data(), m, k, packed.data(), n, bias.data() + part * n, c.data() + part * n, p,
                            p + 1, ldc);
      if (part == 1) {  // before the last part: its columns untouched
        for (size_t i = 0; i < m; ++i)
          for (size_t j = 2 * n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.0f) << i << "," << j;
      }
    }
    if (n % w == 0) {
      EXPECT_EQ(c, fused);
    } else {  // (a fused weight's panels straddle the parts: equal within rounding)
      for (size_t e = 0; e < c.size(); ++e) ASSERT_NEAR(c[e], fused[e], 1e-4) << e;
    }
  }
}

// The int8 GEMM against the scalar formula (reference::GemmQ8: the same quantization, products in
// int64). The integer sums are exact, so only the float dequantization may differ (rounding).
// Rows include the edge cases of the per-row range: all zero, all positive (zero point 0), all
// negative (zero point 255), one constant; weight rows include all-zero and +-max (q = +-63
// against activations of 255: the largest 16-bit pair sums vpmaddubsw makes).
TEST_P(EncoderKernelsTest, GemmQ8MatchesReference) {
  const size_t w = kernels::GemmQ8PanelWidth();
  ASSERT_GE(w, 1u);
  for (size_t m :
       {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{8}, size_t{9}, size_t{17}, size_t{97}}) {
    for (size_t n : {size_t{1}, size_t{3}, w - 1, w, w + 1, 2 * w + 3, size_t{97}, size_t{384}}) {
      for (size_t k :
           {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{17}, size_t{97}, size_t{384}, size_t{1536}}) {
        if (n == 0 || m * n * k > (test::kSanitized ? 1'000'000 : 20'000'000)) continue;
        SCOPED_TRACE(::testing::Message() << "m " << m << " n " << n << " k " << k);
        auto a = RandomFloats(m * k, 11, -3.0f, 2.0f);
        auto wf = RandomFloats(n * k, 12);
        for (size_t e = 0; e < k; ++e) {
          if (m > 1) a[1 * k + e] = 0.0f;
          if (m > 2) a[2 * k + e] = 0.5f + std::fabs(a[2 * k + e]);
          if (m > 3) a[3 * k + e] = -0.25f - std::fabs(a[3 * k + e]);
          if (m > 4) a[4 * k + e] = 1.0f;
          if (n > 1) wf[1 * k + e] = 0.0f;
          if (n > 2) wf[2 * k + e] = 1.0f;
          if (n > 3) wf[3 * k + e] = (e % 2 == 0) ? -1.0f : 1.0f;
        }
        const auto bias = RandomFloats(n, 13);
        std::vector<int8_t> q(n * k);
        std::vector<float> scales(n);
        kernels::QuantizeWeightRows(wf.data(), n, k, q.data(), scales.data());
        for (int8_t v : q) ASSERT_LE(std::abs(int{v}), 63);
        const kernels::Q8Weights packed = kernels::PackWeightsQ8(q.data(), scales.data(), n, k);
        std::vector<uint8_t> qa(m * kernels::Q8RowBytes(k));
        std::vector<float> a_scales(m);
        std::vector<int32_t> a_zero(m);
        kernels::QuantizeRows(a.data(), m, k, qa.data(), a_scales.data(), a_zero.data());
        for (bool with_bias : {true, false}) {
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> c(m * n + 1, -7.0f), expected(m * n);
          // Two panel ranges, as two threads would run them.
          const size_t panels = kernels::GemmQ8PanelCount(n), half = panels / 2;
          kernels::GemmQ8Panels(qa.data(), a_scales.data(), a_zero.data(), m, packed, b, c.data(), half,
                                panels);
          kernels::GemmQ8Panels(qa.data(), a_scales.data(), a_zero.data(), m, packed, b, c.data(), 0, half);
          reference::GemmQ8(a.data(), m, k, q.data(), scales.data(), n, b, expected.data());
          for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < n; ++j) {
              const double bound = 255.0 * 63.0 * double(k) * a_scales[i] * scales[j];
              ASSERT_NEAR(c[i * n + j], expected[i * n + j],
                          1e-6 * (1.0 + bound) + 1e-6 * std::fabs(expected[i * n + j]))
                  << i << "," << j;
            }
          EXPECT_EQ(c[m * n], -7.0f) << "wrote past the end";
        }
      }
    }
  }
}

// The same for int8 weights: each column's sum and dequantization are its own, so three weights
// written side by side give a fused weight's bits at any width.
TEST_P(EncoderKernelsTest, GemmQ8PanelsIntoColumnsOfAWiderOutputEqualOneFusedWeight) {
  const size_t w = kernels::GemmQ8PanelWidth();
  for (size_t n : {2 * w, 3 * w + 5}) {
    const size_t m = 13, k = 300, ldc = 3 * n;
    SCOPED_TRACE(::testing::Message() << "n " << n);
    const auto a = RandomFloats(m * k, 4, -2.0f, 2.0f), weights = RandomFloats(3 * n * k, 5, -0.1f, 0.1f),
               bias = RandomFloats(3 * n, 6);
    std::vector<uint8_t> qa(m * kernels::Q8RowBytes(k));
    std::vector<float> a_scales(m);
    std::vector<int32_t> a_zero(m);
    kernels::QuantizeRows(a.data(), m, k, qa.data(), a_scales.data(), a_zero.data());
    const kernels::Q8Weights fused_packed = kernels::QuantizeWeights(weights.data(), 3 * n, k);
    std::vector<float> fused(m * ldc);
    kernels::GemmQ8Panels(qa.data(), a_scales.data(), a_zero.data(), m, fused_packed, bias.data(),
                          fused.data(), 0, kernels::GemmQ8PanelCount(3 * n));
    std::vector<float> c(m * ldc, -7.0f);
    const size_t panels = kernels::GemmQ8PanelCount(n);
    for (size_t part = 0; part < 3; ++part) {
      const kernels::Q8Weights packed = kernels::QuantizeWeights(weights.data() + part * n * k, n, k);
      for (size_t p = 0; p < panels; ++p)  // one panel per call
        kernels::GemmQ8Panels(qa.data(), a_scales.data(), a_zero.data(), m, packed, bias.data() + part * n,
                              c.data() + part * n, p, p + 1, ldc);
      if (part == 1) {  // before the last part: its columns untouched
        for (size_t i = 0; i < m; ++i)
          for (size_t j = 2 * n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.0f) << i << "," << j;
      }
    }
    EXPECT_EQ(c, fused);
  }
}

// A model with non-finite weights (a crafted file) makes non-finite activations: quantizing them is
// defined on every target (UBSan: no float -> int conversion of NaN or of a value past int32), and
// gives values in range. Found by the onnx fuzzer.
TEST_P(EncoderKernelsTest, NonFiniteValuesQuantizeInRange) {
  const size_t k = 37;  // vectors and a scalar tail
  std::vector<float> a(4 * k, 0.5f);
  a[0] = NAN;
  a[k + 3] = INFINITY;
  a[2 * k + 36] = -INFINITY;
  for (size_t e = 3 * k; e < 4 * k; ++e) a[e] = NAN;
  std::vector<uint8_t> qa(4 * kernels::Q8RowBytes(k));
  std::vector<float> scales(4);
  std::vector<int32_t> zero(4);
  kernels::QuantizeRows(a.data(), 4, k, qa.data(), scales.data(), zero.data());
  for (int32_t z : zero) EXPECT_TRUE(z >= 0 && z <= 255) << z;
  std::vector<int8_t> q(4 * k);
  std::vector<float> w_scales(4);
  kernels::QuantizeWeightRows(a.data(), 4, k, q.data(), w_scales.data());
  for (int8_t v : q) EXPECT_LE(std::abs(int{v}), 63);
}

// Quantizing a panel at a time (what a load does, reading the weight's rows as it goes) gives
// the bytes, scales and sums of quantizing the whole weight and packing it, on every target, for
// partial panels too; the reader is asked for each row once, at most a panel at a time.
TEST_P(EncoderKernelsTest, QuantizeWeightsByPanelEqualsWholePacking) {
  const size_t width = kernels::GemmQ8PanelWidth();
  for (size_t n : {size_t{1}, width - 1, width + 3, 3 * width}) {
    for (size_t k : {size_t{1}, size_t{5}, size_t{384}}) {
      const auto w = RandomFloats(n * k, 21, -0.5f, 0.5f);
      std::vector<int8_t> q(n * k);
      std::vector<float> scales(n);
      kernels::QuantizeWeightRows(w.data(), n, k, q.data(), scales.data());
      const kernels::Q8Weights whole = kernels::PackWeightsQ8(q.data(), scales.data(), n, k);
      std::vector<int> reads(n, 0);
      const kernels::Q8Weights panels =
          kernels::QuantizeWeightsByPanel(n, k, [&](size_t first, size_t count, float* out) {
            ASSERT_LE(count, width);
            ASSERT_LE(first + count, n);
            for (size_t r = first; r < first + count; ++r) ++reads[r];
            std::copy(w.begin() + first * k, w.begin() + (first + count) * k, out);
          });
      const std::string at = "n=" + std::to_string(n) + " k=" + std::to_string(k);
      EXPECT_EQ(reads, std::vector<int>(n, 1)) << at;
      ASSERT_EQ(kernels::Q8WeightBytes(panels), kernels::Q8WeightBytes(whole)) << at;
      const size_t bytes = kernels::Q8WeightBytes(whole) - whole.scales.size() * sizeof(float) -
                           whole.sums.size() * sizeof(int32_t);
      EXPECT_EQ(0, std::memcmp(panels.packed, whole.packed, bytes)) << at;
      EXPECT_EQ(panels.scales, whole.scales) << at;
      EXPECT_EQ(panels.sums, whole.sums) << at;
      // Packed into the caller's bytes, at an odd address: the same bytes, nothing written past them.
      ASSERT_EQ(kernels::Q8PackedBytes(n, k), bytes) << at;
      std::vector<int8_t> into(bytes + 2, 9);
      const kernels::Q8Weights placed =
          kernels::PackWeightsQ8(q.data(), scales.data(), n, k, into.data() + 1);
      EXPECT_EQ(placed.packed, into.data() + 1) << at;
      EXPECT_EQ(placed.held, nullptr) << at;
      EXPECT_EQ(0, std::memcmp(placed.packed, whole.packed, bytes)) << at;
      EXPECT_EQ(into.front(), 9) << at;
      EXPECT_EQ(into.back(), 9) << at;
      EXPECT_EQ(placed.scales, whole.scales) << at;
      EXPECT_EQ(placed.sums, whole.sums) << at;
    }
  }
}

// q8 against float32: on random rows the quantized product keeps the direction of each output
// row (cosine) and its values within a few percent of the row's spread.
TEST_P(EncoderKernelsTest, GemmQ8CloseToFloat) {
  const size_t m = 13, n = 384;
  for (size_t k : {size_t{384}, size_t{1536}}) {
    const auto a = RandomFloats(m * k, 14, -2.0f, 2.0f), wf = RandomFloats(n * k, 15, -0.1f, 0.1f);
    const kernels::Q8Weights packed = kernels::QuantizeWeights(wf.data(), n, k);
    std::vector<uint8_t> qa(m * kernels::Q8RowBytes(k));
    std::vector<float> a_scales(m), c(m * n), exact(m * n);
    std::vector<int32_t> a_zero(m);
    kernels::QuantizeRows(a.data(), m, k, qa.data(), a_scales.data(), a_zero.data());
    kernels::GemmQ8Panels(qa.data(), a_scales.data(), a_zero.data(), m, packed, nullptr, c.data(), 0,
                          kernels::GemmQ8PanelCount(n));
    reference::Gemm(a.data(), m, k, wf.data(), n, nullptr, exact.data());
    for (size_t i = 0; i < m; ++i) {
      double dot = 0, nc = 0, ne = 0;
      for (size_t j = 0; j < n; ++j) {
        dot += double(c[i * n + j]) * exact[i * n + j];
        nc += double(c[i * n + j]) * c[i * n + j];
        ne += double(exact[i * n + j]) * exact[i * n + j];
      }
      EXPECT_GE(dot / std::sqrt(nc * ne), 0.999) << "k " << k << " row " << i;
    }
  }
}

TEST_P(EncoderKernelsTest, ErfWithin1e7OfStdErf) {
  std::vector<float> x;
  for (float v = -8.0f; v <= 8.0f; v += 1.0f / 1024) x.push_back(v);
  x.insert(x.end(), {0.0f, -0.0f, 1e-30f, -1e-30f, 1e30f, -1e30f, INFINITY, -INFINITY});
  std::vector<float> out(x.size());
  kernels::Erf(x.data(), x.size(), out.data());
  double max_err = 0;
  for (size_t i = 0; i < x.size(); ++i)
    max_err = std::max(max_err, std::fabs(out[i] - std::erf(double(x[i]))));
  EXPECT_LE(max_err, 1.2e-7);
  std::printf("[ erf max abs error vs std::erf ] %.3g\n", max_err);
  RecordProperty("erf_max_abs_error", std::to_string(max_err));
}

TEST_P(EncoderKernelsTest, BiasActivationMatchesReference) {
  for (HiddenAct act : kActs) {
    for (size_t cols : kSizes) {
      SCOPED_TRACE(::testing::Message() << "act " << static_cast<int>(act) << " cols " << cols);
      const size_t rows = 3;
      auto x = RandomFloats(rows * cols, 4, -6.0f, 6.0f);
      const auto bias = RandomFloats(cols, 5);
      auto expected = x;
      kernels::BiasActivation(x.data(), rows, cols, bias.data(), act);
      reference::BiasActivation(expected.data(), rows, cols, bias.data(), act);
      for (size_t i = 0; i < x.size(); ++i)
        ASSERT_NEAR(x[i], expected[i], 1e-6 * (1 + std::fabs(expected[i]))) << i;
    }
  }
}

TEST_P(EncoderKernelsTest, LayerNormsMatchReference) {
  for (size_t cols : kSizes) {
    SCOPED_TRACE(::testing::Message() << "cols " << cols);
    const size_t rows = 5;
    // An offset of 3 makes a one-pass variance lose digits; the kernel must not.
    const auto x = RandomFloats(rows * cols, 6, 2.0f, 4.0f), bias = RandomFloats(cols, 7);
    const auto gamma = RandomFloats(cols, 8, 0.5f, 1.5f), beta = RandomFloats(cols, 9);
    const auto residual = RandomFloats(rows * cols, 10);
    for (bool with_bias : {true, false}) {
      auto got = residual, expected = residual;
      const float* b = with_bias ? bias.data() : nullptr;
      kernels::BiasResidualLayerNorm(x.data(), b, got.data(), rows, cols, gamma.data(), beta.data(), 1e-12f);
      reference::BiasResidualLayerNorm(x.data(), b, expected.data(), rows, cols, gamma.data(), beta.data(),
                                       1e-12f);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 2e-5) << i;
    }
    auto got = x, expected = x;
    kernels::LayerNorm(got.data(), rows, cols, gamma.data(), beta.data(), 1e-5f);
    reference::LayerNorm(expected.data(), rows, cols, gamma.data(), beta.data(), 1e-5f);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 2e-5) << i;
  }
}

TEST_P(EncoderKernelsTest, SoftmaxMatchesReference) {
  // Scores span +/-200 (exp overflows float past ~88: the max must be subtracted first), and
  // masked positions are -inf (exp gives 0), as attention with a padding mask writes them.
  for (const float span : {20.0f, 200.0f}) {
    for (const bool masked : {false, true}) {
      for (size_t n : kSizes) {
        SCOPED_TRACE(::testing::Message() << "n " << n << " span " << span << " masked " << masked);
        auto x = RandomFloats(n, 11, -span, span);
        if (masked) {
          for (size_t i = 1; i < n; i += 3) x[i] = -std::numeric_limits<float>::infinity();
        }
        auto expected = x;
        kernels::SoftmaxRow(x.data(), n);
        reference::SoftmaxRow(expected.data(), n);
        for (size_t i = 0; i < n; ++i) ASSERT_NEAR(x[i], expected[i], 1e-6 * expected[i] + 1e-9) << i;
      }
    }
  }
}

TEST_P(EncoderKernelsTest, AttentionMatchesReference) {
  struct Shape {
    size_t hidden, heads;
  };
  // Head widths 8, 17 (no vector multiple), 32 (MiniLM) and 64 (BERT-base).
  for (Shape s : {Shape{32, 4}, Shape{51, 3}, Shape{384, 12}, Shape{128, 2}}) {
    // Lengths around the GEMM's row tiles (3, 6, 8) and panels (16, 32), and past its 256-deep k
    // blocks (the values' GEMM runs over keys).
    for (size_t len : {size_t{1}, size_t{3}, size_t{5}, size_t{16}, size_t{17}, size_t{33}, size_t{97},
                       size_t{129}, size_t{200}, size_t{257}, size_t{300}}) {
      if (len > 200 && s.hidden > 128 && test::kSanitized) continue;
      SCOPED_TRACE(::testing::Message() << "hidden " << s.hidden << " heads " << s.heads << " len " << len);
      const auto qkv = RandomFloats(len * 3 * s.hidden, 12, -2.0f, 2.0f);
      std::vector<float> scores(len), expected(len * s.hidden);
      reference::AttentionSequence(qkv.data(), len, s.hidden, s.heads, scores.data(), expected.data());
      // All heads in one call, and split in two ranges run in either order with scratches of
      // their own (as threads run them): a range writes its heads' columns and no others.
      const size_t head_dim = s.hidden / s.heads;
      for (size_t split : {s.heads, s.heads / 2}) {
        for (bool reversed : {false, true}) {
          SCOPED_TRACE(::testing::Message()
                       << "split at head " << split << (reversed ? ", second first" : ""));
          std::pair<size_t, size_t> ranges[] = {{0, split}, {split, s.heads}};
          if (reversed) std::swap(ranges[0], ranges[1]);
          std::vector<float> ctx(len * s.hidden, NAN);
          for (size_t r = 0; r < 2; ++r) {
            std::vector<float> scratch(kernels::AttentionScratchSize(len, s.hidden, s.heads), NAN);
            const auto [begin, end] = ranges[r];
            kernels::AttentionHeads(qkv.data(), len, s.hidden, s.heads, begin, end, scratch.data(),
                                    ctx.data());
            if (r == 0) {  // the other range's columns are untouched so far
              for (size_t t = 0; t < len; ++t)
                for (size_t c = 0; c < s.hidden; ++c)
                  if (c < begin * head_dim || c >= end * head_dim)
                    ASSERT_TRUE(std::isnan(ctx[t * s.hidden + c])) << t << "," << c;
            }
          }
          // float32 sums over up to 300 keys of values in +-2 (the reference sums in double).
          for (size_t i = 0; i < ctx.size(); ++i) ASSERT_NEAR(ctx[i], expected[i], 3e-5) << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ruv::embed
