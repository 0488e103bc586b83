// BertWeights -> last_hidden_state for a batch of sequences packed end to end (no padding): the
// fixed BERT executor of the embed module (see ../README.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "common/aligned_array.h"
#include "common/thread_pool.h"
#include "embed/bert_model.h"
#include "embed/encoder/kernels.h"
#include "ruv/status.h"

namespace ruv::embed {

// Buffers one Forward needs, kept by the caller and reused: they only grow, so once a scratch
// has seen the largest batch no call allocates, whichever way the batch is split across threads.
// One scratch per concurrent caller.
struct EncoderScratch {
  std::vector<float> qkv;           // [tokens, 3 * hidden]
  std::vector<float> context;       // [tokens, hidden]
  std::vector<float> projected;     // [tokens, hidden]
  std::vector<float> intermediate;  // [tokens, intermediate]
  std::vector<float> scores;        // attention's (kernels::AttentionScratchSize), per thread
  std::vector<uint8_t> quantized;   // q8: a GEMM's input rows (kernels::QuantizeRows)
  std::vector<float> row_scales;    // q8: [tokens]
  std::vector<int32_t> row_zeros;   // q8: [tokens]
  // [sequences]: each sequence's first token, counted from the first token of its run.
  std::vector<size_t> starts;
  // A batch split into runs of sequences, one per thread (BertEncoder::SequenceGroups): each
  // run's first sequence, then the number of sequences; empty when the batch is not split. Each
  // run works in the rows of the buffers above that its tokens own.
  std::vector<size_t> runs;
  std::vector<size_t> run_offsets;  // each run's first token, then the number of tokens
};

class BertEncoder {
 public:
  // Takes the weights and packs every Linear once into the GEMM's panel layout (Q, K and V
  // multiplied in one pass, with 1/sqrt(head_dim) folded into Wq and bq), releasing
  // each unpacked tensor as soon as it is packed. MODEL_LOAD_FAILED if the config is not one the
  // encoder can run or a tensor's size disagrees with it. Dtype::kQ8 quantizes every Linear
  // weight (kernels::QuantizeWeights) and the word embeddings (per row, 8 bits) instead. With a
  // pool, the layers are packed on its threads side by side (the result is the same).
  //
  // `file`, when set, owns the bytes the weights view and lets the encoder overwrite them: the
  // encoder keeps it, and packs each Linear weight (Q, K and V apart) in place of its own bytes
  // and keeps the word-embedding table where it lies, instead of holding a second copy beside
  // the file (the wasm heap never gives memory back, so a copy beside it would stay): float32
  // from float32 views (on a float's boundary), q8 from int8 / uint8 views (the Hub's
  // model_quantized.onnx; a q8 table quantized per row over its own bytes). A view of another
  // type or shared with another view is copied as without `file`. The results are the same bit
  // for bit. The encoder lets go of `file` when no weight lies in it (q8 from float32).
  static Status Create(const BertConfig& config, BertWeights&& weights, std::unique_ptr<BertEncoder>* out,
                       Dtype dtype = Dtype::kFp32, ThreadPool* pool = nullptr,
                       std::shared_ptr<void> file = nullptr);

  // seq_lengths[s] tokens of sequence s lie at ids[offset_s, offset_s + seq_lengths[s]) (with
  // their type ids at the same places); last_hidden_state gets [sum(seq_lengths), hidden].
  // Positions restart at 0 for each sequence and attention never crosses sequences, so a
  // sequence's output does not depend on the rest of the batch. INVALID_ARGUMENT for an id or
  // type id out of range, an empty sequence, a sequence longer than max_position_embeddings, or
  // lengths that do not add up to ids.size().
  // With a pool, a batch runs as one run of whole sequences per thread when they split evenly
  // (within 25% of an even share of tokens); otherwise the GEMMs (by panels) and attention (by
  // sequence and heads) are split across its threads. The result is the same bit for bit at
  // every thread count.
  Status Forward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                 std::span<const uint32_t> seq_lengths, float* last_hidden_state, EncoderScratch* scratch,
                 ThreadPool* pool = nullptr) const;

  // How Forward splits a batch of `tokens` tokens over `parts` threads, into *firsts (its
  // capacity reused: no allocation once it has held parts + 1 values): the first sequence of each
  // of `parts` runs of whole sequences, each ending at the sequence boundary nearest its even
  // share, then seq_lengths.size(); empty (split each step instead) when there are fewer
  // sequences than parts or a run would exceed its even share by more than 25%.
  static void SequenceGroups(std::span<const uint32_t> seq_lengths, size_t tokens, size_t parts,
                             std::vector<size_t>* firsts);

  const BertConfig& config() const { return config_; }
  Dtype dtype() const { return dtype_; }
  // Bytes of weights held (packed or quantized, embeddings and norms included).
  size_t weight_bytes() const;
  // Of those, the bytes that lie in the file's own bytes (Create's `file`).
  size_t weight_bytes_in_file() const { return in_file_bytes_; }

 private:
  // A Linear weight [n, k]: float32 packed (kernels::PackWeights, 64-byte aligned: no vector
  // load straddles two lines; or in place in the file, 4-byte aligned), or int8
  // (kernels::QuantizeWeights; its packed bytes may lie in the file).
  struct Linear {
    AlignedArray<float> f32_held;
    const float* f32 = nullptr;  // f32_held's, or the file's
    kernels::Q8Weights q8;
    size_t n = 0, k = 0;
    // Bytes of it that lie in the file.
    size_t BytesInFile() const;
  };
  struct PackedLayer {
    // Q, K and V: three [h, h] weights (each may lie in the file), multiplied in one pass into
    // columns [0, h), [h, 2h) and [2h, 3h) of the qkv rows.
    Linear qkv_parts[3];
    std::vector<float> qkv_b;       // [3h]
    Linear attn_out_w;              // [h, h]
    std::vector<float> attn_out_b;  // [h]
    std::vector<float> attn_ln_gamma, attn_ln_beta;
    Linear inter_w;              // [i, h]
    std::vector<float> inter_b;  // [i]
    Linear out_w;                // [h, i]
    std::vector<float> out_b;    // [h]
    std::vector<float> out_ln_gamma, out_ln_beta;
  };

  BertEncoder() = default;
  Status CheckArguments(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                        std::span<const uint32_t> seq_lengths, size_t* longest) const;
  void Embed(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
             std::span<const uint32_t> seq_lengths, float* hidden) const;
  // The rows of an EncoderScratch one run of sequences works in (all of them when the batch is
  // not split). scores holds one attention scratch per thread of the run's pool.
  struct RunBuffers {
    float* qkv;
    float* context;
    float* projected;
    float* intermediate;
    float* scores;
    size_t scores_per_thread;
    uint8_t* quantized;
    float* row_scales;
    int32_t* row_zeros;
    const size_t* starts;
  };
  // Grows `scratch` for these sequences (`longest` the longest) split as scratch->runs says over
  // `threads` threads, and sets its starts and run offsets: every allocation of a forward, on the
  // caller, so no task of a pool throws.
  void PrepareScratch(std::span<const uint32_t> seq_lengths, size_t tokens, size_t longest, size_t threads,
                      EncoderScratch* scratch) const;
  // The buffers of the run whose first token is `first` and first sequence `first_seq`, with
  // attention scratch slot `slot` onward.
  RunBuffers BuffersOf(EncoderScratch* scratch, size_t first, size_t first_seq, size_t slot,
                       size_t threads) const;
  // Embed + every layer for the sequences of seq_lengths, steps split on `pool`.
  void Run(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
           std::span<const uint32_t> seq_lengths, float* last_hidden_state, const RunBuffers& buffers,
           ThreadPool* pool) const;
  void RunLayer(const PackedLayer& layer, std::span<const uint32_t> seq_lengths, size_t tokens, float* hidden,
                const RunBuffers& buffers, ThreadPool* pool) const;

  // Writes rows [first, first + count) of a weight as float32 to out.
  using RowReader = std::function<void(size_t first, size_t count, float* out)>;
  // What packing a weight passes through, reused for every weight a load's thread packs: fresh
  // buffers would leave holes the heap keeps (the wasm heap never shrinks).
  struct PackBuffers {
    std::vector<float> floats;  // float32: a whole weight; q8 in place: a panel's rows
    std::vector<int8_t> q8;     // q8 in place: the whole weight quantized, before it is packed
    std::vector<float> scales;  // q8 in place: its rows' scales
  };
  // in_place: the destination in the file (float32: PackedWeightSize(n, k) floats; q8:
  // Q8PackedBytes(n, k) bytes), or nullptr.
  Linear Prepare(size_t n, size_t k, const RowReader& read, PackBuffers* buffers,
                 void* in_place = nullptr) const;
  // (`scale` multiplies every value first.)
  Linear Prepare(Weight* w, size_t n, size_t k, PackBuffers* buffers, float scale = 1.0f) const;
  // w's bytes, moved down to `alignment`, when they may be overwritten with `bytes` bytes of its
  // packed form (see Create's `file`), else nullptr.
  uint8_t* InPlace(const Weight& w, size_t bytes, size_t alignment) const;
  void MultiplyLinear(const Linear& w, const float* a, size_t m, const float* bias, float* c,
                      const RunBuffers& buffers, ThreadPool* pool) const;
  void QuantizeInput(const float* a, size_t m, size_t k, const RunBuffers& buffers, ThreadPool* pool) const;
  // qkv = a x [Wq | Wk | Wv]^T + their biases, over one split of the pool.
  void MultiplyQkv(const PackedLayer& layer, const float* a, size_t m, float* qkv, const RunBuffers& buffers,
                   ThreadPool* pool) const;

  BertConfig config_;
  Dtype dtype_ = Dtype::kFp32;
  // q8: the word embeddings as int8 rows, each with its scale (word_embeddings_ is then empty).
  std::vector<int8_t> word_embeddings_q8_;
  const int8_t* word_table_q8_ = nullptr;  // word_embeddings_q8_'s values, or the file's
  std::vector<float> word_scales_;
  std::vector<float> word_embeddings_, position_embeddings_, token_type_embeddings_;
  const float* word_table_ = nullptr;  // fp32: word_embeddings_'s values, or the file's
  std::shared_ptr<void> file_;         // Create's `file`: weights may lie in it
  bool in_place_ = false;              // whether views may be overwritten (no two overlap)
  size_t in_file_bytes_ = 0;
  std::vector<float> emb_ln_gamma_, emb_ln_beta_;
  std::vector<PackedLayer> layers_;
};

}  // namespace ruv::embed
