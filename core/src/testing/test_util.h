// Helpers shared by the core's unit tests: seeded random data, the awkward sizes every kernel
// is checked at (below, at and above each vector width, plus the embedding widths in use), and
// the repository's fixture files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ruv/quant.h"

namespace ruv::test {

#ifdef RUV_SOURCE_DIR
// The bytes of a file of the repository (`relative` to its root); "" when it cannot be read.
inline std::string ReadFile(const std::string& relative) {
  std::ifstream in(std::string(RUV_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
#endif

// True in the sanitizer builds (ASan/TSan/UBSan), where the tests shrink their slowest cases.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

inline constexpr size_t kAwkwardSizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 97, 384, 1000};

inline std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed, int max = 255) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, max);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(dist(rng));
  return v;
}

// |actual - expected| <= rel * |expected| + abs.
inline bool Near(double actual, double expected, double rel, double abs) {
  const double diff = actual > expected ? actual - expected : expected - actual;
  const double mag = expected < 0 ? -expected : expected;
  return diff <= rel * mag + abs;
}

// A QuantConfig in one expression (the tests build many).
inline QuantConfig QuantConfigOf(QuantType type, bool fixed = false, float min = 0.0f, float max = 0.0f) {
  QuantConfig c;
  c.type = type;
  c.has_fixed_range = fixed;
  c.min = min;
  c.max = max;
  return c;
}

}  // namespace ruv::test
