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

// sum q_i * codes_i in float32 (four SIMD accumulators): the asymmetric float-query x u8-code
// product of int8 HNSW rows. reference::DotF32U8 is its scalar twin (in double).
float DotF32U8(const float* q, const uint8_t* codes, size_t n);

// sum q_i * codes_i, exact, for an int8-quantized query in int16 lanes (|q_i| <= 127, n <= 66051):
// the pattern store's int8 pre-scan. reference::DotI16U8 is its scalar twin.
int32_t DotI16U8(const int16_t* q, const uint8_t* codes, size_t n);

}  // namespace ruv::simd
