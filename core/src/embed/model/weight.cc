// Weight: float32 values held, or a view of a model file's bytes decoded on demand (bert_model.h).
#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "common/byte_io.h"
#include "embed/bert_model.h"

namespace ruv::embed {
namespace {

static_assert(std::endian::native == std::endian::little, "model files' floats are little-endian");

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalize
    int e = -1;
    uint32_t m = mant;
    do {
      ++e;
      m <<= 1;
    } while ((m & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((m & 0x3ffu) << 13);
  }
  return FloatFromBits(bits);
}

// One stored value of `b` whose bytes are at `value`, as float32; `col` is its stored column
// (index % b.cols), which the callers know without a division (only per-column int8 scales read
// it).
float Decode(const WeightBytes& b, const uint8_t* value, size_t col) {
  switch (b.type) {
    case WeightBytes::Type::kF32: {
      float f;
      std::memcpy(&f, value, 4);
      return f;
    }
    case WeightBytes::Type::kF16:
    case WeightBytes::Type::kBF16: {
      uint16_t v;
      std::memcpy(&v, value, 2);
      return b.type == WeightBytes::Type::kF16 ? HalfToFloat(v)
                                               : FloatFromBits(static_cast<uint32_t>(v) << 16);
    }
    case WeightBytes::Type::kI8:
    case WeightBytes::Type::kU8: {
      const bool s8 = b.type == WeightBytes::Type::kI8;
      auto value_of = [s8](uint8_t byte) { return s8 ? int32_t{static_cast<int8_t>(byte)} : int32_t{byte}; };
      const int32_t q = value_of(*value);
      if (b.column_scales == nullptr) return static_cast<float>(q - b.zero_point) * b.scale;
      float scale;
      std::memcpy(&scale, b.column_scales + 4 * col, 4);
      const int32_t zero = b.column_zero_points ? value_of(b.column_zero_points[col]) : b.zero_point;
      return static_cast<float>(q - zero) * scale;
    }
  }
  return 0.0f;
}

// Stored values [first, first + n) in storage order, whose bytes start at `bytes`.
void DecodeRange(const WeightBytes& b, const uint8_t* bytes, size_t first, size_t n, float* out) {
  if (b.type == WeightBytes::Type::kF32) {
    std::memcpy(out, bytes, 4 * n);
    return;
  }
  const size_t size = ElementBytes(b.type);
  size_t col = b.cols > 0 ? first % b.cols : 0;
  for (size_t i = 0; i < n; ++i) {
    out[i] = Decode(b, bytes + i * size, col);
    if (++col == b.cols) col = 0;
  }
}

// The same, the bytes read from the view's source a piece at a time.
void DecodeSourced(const WeightBytes& b, size_t first, size_t n, float* out) {
  constexpr size_t kPiece = size_t{64} * 1024;  // bytes per read: a small buffer, few calls
  const size_t size = ElementBytes(b.type), per_piece = kPiece / size;
  thread_local std::vector<uint8_t> piece;
  if (piece.size() < kPiece) piece.resize(kPiece);
  for (size_t done = 0; done < n; done += per_piece) {
    const size_t count = std::min(per_piece, n - done);
    if (!b.source->read(b.offset + (first + done) * size, count * size, piece.data()))
      throw std::runtime_error("model file: a read of the weights failed");
    DecodeRange(b, piece.data(), first + done, count, out + done);
  }
}

}  // namespace

size_t ElementBytes(WeightBytes::Type type) {
  return type == WeightBytes::Type::kF32                                       ? 4
         : type == WeightBytes::Type::kF16 || type == WeightBytes::Type::kBF16 ? 2
                                                                               : 1;
}

Weight Weight::View(const WeightBytes& bytes) {
  Weight w;
  w.bytes_ = bytes;
  w.view_ = true;
  return w;
}

void Weight::Read(size_t first, size_t n, float* out) const {
  if (!view_) {
    std::copy_n(data() + first, n, out);
    return;
  }
  if (bytes_.source != nullptr) {
    if (!bytes_.transposed) return DecodeSourced(bytes_, first, n, out);
    // (No loader makes one: value by value, each read alone.)
    for (size_t i = 0; i < n; ++i) {
      const size_t e = first + i, stored = (e % bytes_.rows) * bytes_.cols + e / bytes_.rows;
      DecodeSourced(bytes_, stored, 1, out + i);
    }
    return;
  }
  if (!bytes_.transposed)
    return DecodeRange(bytes_, bytes_.data + first * ElementBytes(bytes_.type), first, n, out);
  // Wanted [cols, rows]: element e is stored at (e % rows, e / rows). Whole wanted rows (stored
  // columns [c_begin, c_end): a whole tensor, or the panels a q8 load reads) go in 32 x 32 tiles
  // (a plain loop touches another cache line per value: ~7% of a MiniLM load).
  const size_t rows = bytes_.rows, cols = bytes_.cols, size = ElementBytes(bytes_.type);
  if (rows > 0 && first % rows == 0 && n % rows == 0) {
    constexpr size_t kTile = 32;
    const size_t c_begin = first / rows, c_end = c_begin + n / rows;
    for (size_t r0 = 0; r0 < rows; r0 += kTile)
      for (size_t c0 = c_begin; c0 < c_end; c0 += kTile)
        for (size_t c = c0; c < std::min(c_end, c0 + kTile); ++c)
          for (size_t r = r0; r < std::min(rows, r0 + kTile); ++r)
            out[(c - c_begin) * rows + r] = Decode(bytes_, bytes_.data + (r * cols + c) * size, c);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t e = first + i;
    out[i] = Decode(bytes_, bytes_.data + ((e % rows) * cols + e / rows) * size, e / rows);
  }
}

std::vector<float> Weight::Values() const {
  std::vector<float> v(count());
  Read(0, v.size(), v.data());
  return v;
}

void Weight::Release() {
  std::vector<float>().swap(*this);
  view_ = false;
  bytes_ = WeightBytes{};
}

}  // namespace ruv::embed
