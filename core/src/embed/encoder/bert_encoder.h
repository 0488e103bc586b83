// BertWeights -> last_hidden_state for a batch of sequences packed end to end (no padding): the
// fixed BERT executor of the embed module (see ../README.md).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/aligned_array.h"
#include "common/thread_pool.h"
#include "embed/bert_model.h"
#include "ruv/status.h"

namespace ruv::embed {

// Buffers one Forward needs, kept by the caller and reused: they only grow, so once a scratch
// has seen the largest batch no call allocates. One scratch per concurrent caller.
struct EncoderScratch {
  std::vector<float> qkv;           // [tokens, 3 * hidden]
  std::vector<float> context;       // [tokens, hidden]
  std::vector<float> projected;     // [tokens, hidden]
  std::vector<float> intermediate;  // [tokens, intermediate]
  std::vector<float> scores;        // attention's (kernels::AttentionScratchSize), per thread
  std::vector<size_t> starts;       // [sequences]: each sequence's first token
};

class BertEncoder {
 public:
  // Takes the weights and packs every Linear once into the GEMM's panel layout (Q, K and V fused
  // into one [3 * hidden, hidden] weight with 1/sqrt(head_dim) folded into Wq and bq), releasing
  // each unpacked tensor as soon as it is packed. MODEL_LOAD_FAILED if the config is not one the
  // encoder can run or a tensor's size disagrees with it.
  static Status Create(const BertConfig& config, BertWeights&& weights, std::unique_ptr<BertEncoder>* out);

  // seq_lengths[s] tokens of sequence s lie at ids[offset_s, offset_s + seq_lengths[s]) (with
  // their type ids at the same places); last_hidden_state gets [sum(seq_lengths), hidden].
  // Positions restart at 0 for each sequence and attention never crosses sequences, so a
  // sequence's output does not depend on the rest of the batch. INVALID_ARGUMENT for an id or
  // type id out of range, an empty sequence, a sequence longer than max_position_embeddings, or
  // lengths that do not add up to ids.size().
  // With a pool, the GEMMs (by panels) and attention (by sequence and heads) run on its threads;
  // the result is the same bit for bit at every thread count.
  Status Forward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                 std::span<const uint32_t> seq_lengths, float* last_hidden_state, EncoderScratch* scratch,
                 ThreadPool* pool = nullptr) const;

  const BertConfig& config() const { return config_; }

 private:
  // Packed weights (kernels::PackWeights), 64-byte aligned: no vector load straddles two lines.
  using Packed = AlignedArray<float>;
  struct PackedLayer {
    Packed qkv_w;                   // [3h, h]
    std::vector<float> qkv_b;       // [3h]
    Packed attn_out_w;              // [h, h]
    std::vector<float> attn_out_b;  // [h]
    std::vector<float> attn_ln_gamma, attn_ln_beta;
    Packed inter_w;              // [i, h]
    std::vector<float> inter_b;  // [i]
    Packed out_w;                // [h, i]
    std::vector<float> out_b;    // [h]
    std::vector<float> out_ln_gamma, out_ln_beta;
  };

  BertEncoder() = default;
  Status CheckArguments(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                        std::span<const uint32_t> seq_lengths, size_t* longest) const;
  void Embed(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
             std::span<const uint32_t> seq_lengths, float* hidden) const;
  void RunLayer(const PackedLayer& layer, std::span<const uint32_t> seq_lengths, size_t tokens, float* hidden,
                EncoderScratch* scratch, ThreadPool* pool) const;

  BertConfig config_;
  std::vector<float> word_embeddings_, position_embeddings_, token_type_embeddings_;
  std::vector<float> emb_ln_gamma_, emb_ln_beta_;
  std::vector<PackedLayer> layers_;
};

}  // namespace ruv::embed
