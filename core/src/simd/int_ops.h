// Integer code kernels with 64-bit results, for callers whose sums may exceed 32 bits
// (quantized distances of long vectors). ruv::DotU8 etc. in quant.h are these, truncated.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ruv::simd {

// The widening u8 kernels keep i32 partial sums; blocks of this many elements cannot overflow
// them (32768 * 255^2 < 2^31). The *Wide functions split longer inputs into such blocks.
inline constexpr size_t kU8KernelBlock = 32768;

uint64_t DotU8Wide(const uint8_t* a, const uint8_t* b, size_t n);
uint64_t SquaredL2U8Wide(const uint8_t* a, const uint8_t* b, size_t n);
uint64_t SumU8Wide(const uint8_t* a, size_t n);

}  // namespace ruv::simd
