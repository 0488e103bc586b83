#include "embed/encoder/pooling.h"

#include "ruv/vector_ops.h"

namespace ruv::embed {

Status Pool(const float* hidden, size_t hidden_size, std::span<const uint32_t> seq_lengths, PoolingMode mode,
            bool normalize, float* out) {
  if (hidden_size == 0) return Status(ErrorCode::kInvalidArgument, "pooling: hidden_size is 0");
  if (mode != PoolingMode::kMean && mode != PoolingMode::kCls)
    return Status(ErrorCode::kInvalidArgument, "pooling: unknown mode");
  for (uint32_t len : seq_lengths)
    if (len == 0) return Status(ErrorCode::kInvalidArgument, "pooling: empty sequence");
  const float* seq = hidden;
  for (size_t s = 0; s < seq_lengths.size(); ++s) {
    const size_t len = seq_lengths[s];
    float* row = out + s * hidden_size;
    for (size_t j = 0; j < hidden_size; ++j) row[j] = seq[j];
    if (mode == PoolingMode::kMean) {
      for (size_t t = 1; t < len; ++t)
        for (size_t j = 0; j < hidden_size; ++j) row[j] += seq[t * hidden_size + j];
      const float inv = 1.0f / static_cast<float>(len);
      for (size_t j = 0; j < hidden_size; ++j) row[j] *= inv;
    }
    if (normalize) Normalize(row, hidden_size, row);
    seq += len * hidden_size;
  }
  return Status::Ok();
}

}  // namespace ruv::embed
