// Weight views read in any range: against the index formula (a transposed view's element e is
// stored at (e % rows, e / rows)), for float32 and the int8 forms, per tensor and per column.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "embed/bert_model.h"

namespace ruv::embed {
namespace {

TEST(Weight, TransposedRangesMatchTheIndexFormula) {
  const size_t rows = 37, cols = 70;  // not multiples of the 32 x 32 tiles
  std::vector<float> stored(rows * cols);
  for (size_t i = 0; i < stored.size(); ++i) stored[i] = static_cast<float>(i) * 0.5f - 100.0f;
  std::vector<uint8_t> bytes(stored.size() * 4);
  std::memcpy(bytes.data(), stored.data(), bytes.size());
  WeightBytes b;
  b.data = bytes.data();
  b.rows = rows;
  b.cols = cols;
  b.transposed = true;
  const Weight w = Weight::View(b);
  auto expect = [&](size_t e) { return stored[(e % rows) * cols + e / rows]; };
  // Whole wanted rows (the tiled path: panels of a q8 load, whole tensors) and odd ranges.
  for (auto [first, n] : std::vector<std::pair<size_t, size_t>>{{0, rows * cols},
                                                                {0, rows},
                                                                {rows * 5, rows * 32},
                                                                {rows * 69, rows},
                                                                {3, 50},
                                                                {rows * 2 + 1, rows}}) {
    std::vector<float> out(n);
    w.Read(first, n, out.data());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expect(first + i)) << first << "+" << i;
  }
}

TEST(Weight, QuantizedViewsDequantizeAsOnnxDefines) {
  const size_t rows = 3, cols = 4;
  const std::vector<uint8_t> q = {0, 1, 2, 255, 128, 127, 3, 4, 5, 6, 7, 200};
  const std::vector<float> scales = {0.5f, 0.25f, 2.0f, 1.0f};
  const std::vector<uint8_t> zeros = {0, 1, 128, 255};
  std::vector<uint8_t> scale_bytes(16);
  std::memcpy(scale_bytes.data(), scales.data(), 16);
  WeightBytes b;
  b.data = q.data();
  b.rows = rows;
  b.cols = cols;
  for (auto type : {WeightBytes::Type::kU8, WeightBytes::Type::kI8}) {
    auto value = [&](uint8_t v) {
      return type == WeightBytes::Type::kI8 ? int32_t{static_cast<int8_t>(v)} : int32_t{v};
    };
    b.type = type;
    b.column_scales = nullptr;
    b.column_zero_points = nullptr;
    b.scale = 0.125f;
    b.zero_point = type == WeightBytes::Type::kI8 ? -3 : 17;
    std::vector<float> got = Weight::View(b).Values();
    for (size_t i = 0; i < q.size(); ++i)
      EXPECT_EQ(got[i], static_cast<float>(value(q[i]) - b.zero_point) * 0.125f) << i;
    b.column_scales = scale_bytes.data();
    b.column_zero_points = zeros.data();
    got = Weight::View(b).Values();
    for (size_t i = 0; i < q.size(); ++i)
      EXPECT_EQ(got[i], static_cast<float>(value(q[i]) - value(zeros[i % cols])) * scales[i % cols]) << i;
    // Any range starts at its own column (the decoder tracks it rather than dividing per value).
    for (size_t first = 0; first < q.size(); ++first) {
      std::vector<float> part(q.size() - first);
      Weight::View(b).Read(first, part.size(), part.data());
      EXPECT_EQ(part, std::vector<float>(got.begin() + first, got.end())) << first;
    }
    // Transposed ([cols, rows] wanted): element (c, r) is the stored (r, c), with column c's scale.
    b.transposed = true;
    const std::vector<float> t = Weight::View(b).Values();
    for (size_t c = 0; c < cols; ++c)
      for (size_t r = 0; r < rows; ++r) EXPECT_EQ(t[c * rows + r], got[r * cols + c]) << c << "," << r;
    b.transposed = false;
  }
}

}  // namespace
}  // namespace ruv::embed
