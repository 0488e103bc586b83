// Sentence embeddings from last_hidden_state: sentence-transformers' Pooling module (mean over a
// sequence's tokens, or its first token, CLS) and its optional Normalize.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ruv/status.h"

namespace ruv::embed {

enum class PoolingMode : int32_t { kMean = 0, kCls = 1 };

// hidden is [sum(seq_lengths), hidden_size] with sequences packed end to end (Forward's output);
// out gets [seq_lengths.size(), hidden_size]. Packing has no padding, so the mean is over every
// token of a sequence, which is the mean over real tokens (attention mask 1). With `normalize`
// each row is scaled to unit L2 norm (a zero row stays zero). INVALID_ARGUMENT for an empty
// sequence or a zero hidden_size.
Status Pool(const float* hidden, size_t hidden_size, std::span<const uint32_t> seq_lengths, PoolingMode mode,
            bool normalize, float* out);

}  // namespace ruv::embed
