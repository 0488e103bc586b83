// A sentence-embedding model: the files of a Hugging Face model folder (config.json, tokenizer,
// weights, sentence-transformers' modules.json / 1_Pooling / sentence_bert_config.json) turned into
// tokenizer + BERT encoder + pooling. What the C ABI (core/capi/ruv_capi_embed.h) exposes.
//
// Max tokens, one rule (reported in ModelInfo::max_tokens_source): an explicit option wins; else
// sentence_bert_config.json's max_seq_length (sentence-transformers' own limit: 256 for
// all-MiniLM-L6-v2, whose tokenizer.json bakes in 128 and tokenizer_config 512); else the
// tokenizer's truncation length / model_max_length; else max_position_embeddings. Never more than
// max_position_embeddings.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_pool.h"
#include "embed/bert_model.h"
#include "embed/chunking/chunking.h"
#include "embed/encoder/pooling.h"
#include "ruv/status.h"

namespace ruv::embed {

class Tokenizer;
class BertEncoder;
struct EncoderScratch;

enum class WeightsFormat : int32_t { kAuto = 0, kOnnx = 1, kSafetensors = 2, kOnnxQuantized = 3 };
enum class MaxTokensSource : int32_t { kOption = 0, kSentenceBert = 1, kTokenizer = 2, kPositions = 3 };

// The files of a model folder by relative path ("config.json", "onnx/model.onnx"); views into
// bytes the caller keeps alive for the duration of EmbeddingModel::Load.
using ModelFiles = std::map<std::string, std::span<const uint8_t>, std::less<>>;

struct ModelOptions {
  uint32_t max_tokens = 0;  // 0: the rule above
  int32_t pooling = -1;     // -1: from 1_Pooling/config.json (else mean); else a PoolingMode
  int32_t normalize = -1;   // -1: from modules.json (Normalize module; yes when absent); 0/1
  WeightsFormat weights = WeightsFormat::kAuto;
  // Which end of a text longer than max_tokens is cut off: -1 the tokenizer's own
  // (tokenizer.json truncation.direction / tokenizer_config truncation_side; else right),
  // 0 right (keeps the beginning), 1 left (keeps the end).
  int32_t truncation = -1;
  // Threads a forward pass runs on (the caller's included): 0 is DefaultThreads() (RUVECTOR_THREADS,
  // else every core); at most kMaxThreads. A build without threads (wasm's) runs on 1 whatever
  // is asked, and says so in ModelInfo::threads.
  uint32_t threads = 0;
  Dtype dtype = Dtype::kFp32;  // how the encoder holds and multiplies its weights
  // When set, the files lie in bytes this owns, handed to the model: it keeps them and may
  // overwrite them, packing float32 weights in place instead of beside them (BertEncoder::Create's
  // `file`; what keeps the wasm heap at one copy of the model). Null: the files are only read.
  std::shared_ptr<void> files_owner;
  // When set, the model's model.safetensors, read in pieces (a ByteSource) instead of from
  // `files`: the load holds the packed weights and never the file (wasm q8 from a float32 file).
  // Read during Load only, on the calling thread (the weights are then packed on it alone).
  const ByteSource* safetensors_source = nullptr;
};

inline constexpr uint32_t kMaxThreads = 256;

struct ModelInfo {
  uint32_t dimensions = 0;
  uint32_t max_tokens = 0;
  MaxTokensSource max_tokens_source = MaxTokensSource::kPositions;
  PoolingMode pooling = PoolingMode::kMean;
  bool normalize = true;
  bool truncate_left = false;  // the side cut off a text longer than max_tokens
  BertConfig config;
  WeightsFormat weights = WeightsFormat::kOnnx;
  uint32_t threads = 1;  // what a forward pass runs on
  Dtype dtype = Dtype::kFp32;
  size_t weight_bytes = 0;          // the encoder's weights as held (packed or quantized)
  size_t weight_bytes_in_file = 0;  // of those, the ones in ModelOptions::files_owner's bytes
};

struct TokenizedText {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
};

class EmbeddingModel {
 public:
  static Status Load(const ModelFiles& files, const ModelOptions& options,
                     std::unique_ptr<EmbeddingModel>* out);
  ~EmbeddingModel();

  const ModelInfo& info() const { return info_; }

  // Token ids of `text` (or of the pair text, pair when `pair` is given), truncated to max_tokens.
  Status Tokenize(std::string_view text, const std::string_view* pair, TokenizedText* out) const;

  // Byte spans of `text` in overlapping pieces of at most `tokens` tokens each, special tokens
  // included (0: max_tokens), consecutive pieces sharing whole words of at most `overlap` tokens
  // (chunking.h). kInvalidArgument for tokens past max_tokens or not above the special tokens,
  // or an overlap not below a piece's content.
  Status Chunk(std::string_view text, uint32_t tokens, uint32_t overlap, std::vector<ChunkSpan>* out) const;

  // count x dimensions floats into `out`: one forward pass over all texts, packed end to end.
  Status Embed(std::span<const std::string_view> texts, float* out) const;

  // last_hidden_state of token sequences given directly (tests against reference runtimes).
  Status HiddenStates(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                      std::span<const uint32_t> lengths, float* out) const;

 private:
  // The buffers of one call (token ids, hidden states, encoder scratch): kept in a pool and reused,
  // so a warm model allocates nothing per call; one per concurrent caller.
  struct Work;
  class Lease;

  EmbeddingModel();
  ModelInfo info_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<BertEncoder> encoder_;
  std::shared_ptr<ThreadPool> threads_;  // shared by concurrent calls: one runs on it, others alone
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Work>> pool_;
};

}  // namespace ruv::embed
