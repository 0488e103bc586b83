// The project's own seeded random numbers. The standard library's distributions differ between
// libstdc++ and Emscripten's libc++ (and std::shuffle's algorithm is unspecified), so anything that
// must draw the same numbers on native and wasm (HNSW levels, LoRA initialization and batch order)
// draws from here: splitmix64, uniform doubles from its top 53 bits, Box-Muller normals and an
// unbiased Fisher-Yates shuffle. The pure-TS backend can draw the same with BigInt.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace ruv {

// splitmix64 (Steele, Lea, Flood 2014): state advances by the golden-ratio increment.
inline uint64_t SplitMix64Next(uint64_t* state) {
  *state += 0x9E3779B97F4A7C15ull;
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  uint64_t NextU64() { return SplitMix64Next(&state_); }

  // Uniform in [0, 1), exactly representable (53 bits).
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, bound), bound > 0, without modulo bias (rejection of the short tail).
  uint64_t Below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = NextU64();
    while (x >= limit);
    return x % bound;
  }

  // Standard normal by Box-Muller (both values of a pair are used). log/cos may differ in the last
  // bit between libms; callers that compare backends use a tolerance well above that.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform();  // (0, 1]: log is finite
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 6.283185307179586 * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

  // Fisher-Yates, last to first.
  template <typename T>
  void Shuffle(T* items, size_t n) {
    for (size_t i = n; i > 1; --i) std::swap(items[i - 1], items[Below(i)]);
  }

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace ruv
