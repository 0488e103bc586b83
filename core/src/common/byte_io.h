// Little-endian byte writer and bounds-checked reader shared by every serialized format of the
// core (HNSW index, learning blobs). The formats are written as host bytes, so the core only
// builds on little-endian hosts (x86-64, wasm, AArch64 Linux).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ruv {

static_assert(std::endian::native == std::endian::little, "the formats are written as host bytes");

// The float whose IEEE-754 bits are `bits` (std::bit_cast is missing from Emscripten 3.1.6's
// libc++).
inline float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}
  // resize + memcpy rather than insert: GCC 12 misreports insert's memmove at -O3 (-Wstringop-overflow).
  void Bytes(const void* p, size_t n) {
    if (n == 0) return;
    const size_t at = out_->size();
    out_->resize(at + n);
    std::memcpy(out_->data() + at, p, n);
  }
  void U8(uint8_t v) { out_->push_back(v); }
  void U32(uint32_t v) { Bytes(&v, 4); }
  void U64(uint64_t v) { Bytes(&v, 8); }
  void F32(float v) { Bytes(&v, 4); }

 private:
  std::vector<uint8_t>* out_;
};

// Every read fails (returns false) instead of running past the end.
class ByteReader {
 public:
  ByteReader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool Bytes(size_t n, const uint8_t** out) {
    if (n > remaining()) return false;
    *out = p_;
    p_ += n;
    return true;
  }
  bool U8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = *p_++;
    return true;
  }
  bool U32(uint32_t* v) { return Fixed(v, 4); }
  bool U64(uint64_t* v) { return Fixed(v, 8); }
  bool F32(float* v) { return Fixed(v, 4); }

 private:
  template <typename T>
  bool Fixed(T* v, size_t n) {
    if (remaining() < n) return false;
    std::memcpy(v, p_, n);
    p_ += n;
    return true;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace ruv
