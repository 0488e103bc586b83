#include "common/sha256.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ruv {
namespace {

std::string Hex(const Sha256Digest& d) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string Of(const std::string& text) {
  return Hex(Sha256(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// FIPS 180-4 / NIST CSRC example vectors, and lengths around the 55/56/64-byte padding edges
// (expected digests from coreutils' sha256sum).
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Of(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Of(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Of(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(Of(std::string(1000, 'a')), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

// Whatever path Sha256 takes on this CPU (the SHA extensions where present) gives the portable
// code's digest at every length around the block and padding edges, and on a large buffer.
TEST(Sha256Test, EqualsThePortableCodeAtEveryLength) {
  std::vector<uint8_t> data(1 << 20);
  uint32_t x = 12345;
  for (uint8_t& b : data) b = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  for (size_t n = 0; n <= 300; ++n) ASSERT_EQ(Sha256(data.data(), n), Sha256Portable(data.data(), n)) << n;
  for (size_t offset : {1, 3, 7}) {
    ASSERT_EQ(Sha256(data.data() + offset, 4099), Sha256Portable(data.data() + offset, 4099)) << offset;
  }
  EXPECT_EQ(Sha256(data.data(), data.size()), Sha256Portable(data.data(), data.size()));
}

}  // namespace
}  // namespace ruv
