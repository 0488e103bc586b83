// The shapes and weights of a BERT-family encoder (all-MiniLM-L6-v2, bge-small, e5-small,
// gte-small, paraphrase-MiniLM-L3): what every model loader (safetensors, ONNX) produces and the
// encoder consumes. Loaders validate every shape against BertConfig before filling BertWeights,
// so the encoder never re-checks them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ruv/status.h"

namespace ruv::embed {

enum class HiddenAct : int32_t { kGelu = 0 /* erf */, kGeluNew = 1 /* tanh */, kRelu = 2 };

// How the encoder holds and multiplies its weights: float32, or int8 ("q8": Linear weights per
// output channel in 7 bits, activations per token at run time, the word embeddings per row).
enum class Dtype : int32_t { kFp32 = 0, kQ8 = 1 };

// config.json of a Hugging Face BERT model. Limits (checked by ParseBertConfig) keep a hostile
// config from asking for giant allocations: see bert_config.cc.
struct BertConfig {
  int32_t vocab_size = 0;
  int32_t hidden_size = 0;
  int32_t num_layers = 0;
  int32_t num_heads = 0;
  int32_t intermediate_size = 0;
  int32_t max_position_embeddings = 0;
  int32_t type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  HiddenAct hidden_act = HiddenAct::kGelu;
  int32_t pad_token_id = 0;
};

// Parses config.json (MODEL_LOAD_FAILED naming the field for a missing, mistyped or
// out-of-range one; CORRUPT_DATA for text that is not JSON).
Status ParseBertConfig(const std::string& text, BertConfig* out);

// A model file read in pieces instead of held whole (wasm: from JS memory, so the heap, which
// never shrinks, holds the packed weights and never the file). `read` copies bytes [offset,
// offset + n) of the file (offset + n <= size) to dst and returns false when it cannot (a read
// that fails makes the load fail). It is called on the loading thread only.
struct ByteSource {
  uint64_t size = 0;
  std::function<bool(uint64_t offset, size_t n, uint8_t* dst)> read;
};

// Where a weight's values lie in a model file: little-endian float32, float16 or bfloat16 at any
// alignment, or int8 / uint8 quantized (value = (q - zero point) * scale, as ONNX's
// DequantizeLinear computes it) per tensor or per stored column, stored row-major [rows, cols];
// `transposed` asks for them as [cols, rows] (ONNX stores MatMul weights [in, out], the encoder
// wants PyTorch's [out, in]).
struct WeightBytes {
  enum class Type : uint8_t { kF32, kF16, kBF16, kI8, kU8 };
  const uint8_t* data = nullptr;
  Type type = Type::kF32;
  float scale = 1.0f;      // kI8, kU8 per tensor
  int32_t zero_point = 0;  // kI8, kU8 per tensor
  // kI8, kU8 per column, when set: `cols` little-endian float32 scales and (when set; else
  // zero_point) `cols` zero points of the weight's own type, in the file.
  const uint8_t* column_scales = nullptr;
  const uint8_t* column_zero_points = nullptr;
  size_t rows = 0, cols = 0;
  bool transposed = false;
  // Bytes just before `data` that belong to this tensor alone (ONNX: raw_data's own tag and
  // length, read once when the file is parsed): a weight packed in place may start there, at the
  // 4-byte boundary an ONNX file seldom gives its raw_data.
  size_t own_bytes_before = 0;
  // A float tensor of a file read in pieces (`data` then null): its bytes start at `offset`.
  const ByteSource* source = nullptr;
  uint64_t offset = 0;
};

// Bytes of one stored value of `type`.
size_t ElementBytes(WeightBytes::Type type);

// A weight tensor: float32 values held (this vector), or a view of the bytes a loader found them
// in (the vector then empty), decoded only when the encoder packs or quantizes the tensor. So a
// load holds the file and the packed weights, never a float32 copy of all the weights beside
// them. A view's bytes must outlive its reading: EmbeddingModel::Load builds the encoder while it
// still has the file. (Tests build held weights from vectors.)
class Weight : public std::vector<float> {
 public:
  using std::vector<float>::vector;
  Weight(std::vector<float> values) : std::vector<float>(std::move(values)) {}  // NOLINT: from vectors
  static Weight View(const WeightBytes& bytes);

  bool is_view() const { return view_; }
  // A view's bytes (nullptr for held values).
  const WeightBytes* view_bytes() const { return view_ ? &bytes_ : nullptr; }
  // Values held or viewed.
  size_t count() const { return view_ ? bytes_.rows * bytes_.cols : size(); }
  // Values [first, first + n) of the tensor (in the wanted layout) into out: held ones copied,
  // viewed ones decoded (and transposed; read from the source in pieces first when the view has
  // one: std::runtime_error if the source fails).
  void Read(size_t first, size_t n, float* out) const;
  // Every value as a vector.
  std::vector<float> Values() const;
  // Frees the values, or forgets the view.
  void Release();

 private:
  WeightBytes bytes_;
  bool view_ = false;
};

// Every Linear weight is [out_features, in_features] (PyTorch's layout; ONNX's [in, out] MatMul
// weights are viewed transposed). Biases and LayerNorm parameters are [features].
struct BertLayerWeights {
  Weight q_w, q_b, k_w, k_b, v_w, v_b;  // [hidden, hidden], [hidden]
  Weight attn_out_w, attn_out_b;        // [hidden, hidden], [hidden]
  Weight attn_ln_gamma, attn_ln_beta;   // [hidden]
  Weight inter_w, inter_b;              // [intermediate, hidden], [intermediate]
  Weight out_w, out_b;                  // [hidden, intermediate], [hidden]
  Weight out_ln_gamma, out_ln_beta;     // [hidden]
};

struct BertWeights {
  Weight word_embeddings;                // [vocab_size, hidden]
  Weight position_embeddings;            // [max_position_embeddings, hidden]
  Weight token_type_embeddings;          // [type_vocab_size, hidden]
  Weight emb_ln_gamma, emb_ln_beta;      // [hidden]
  std::vector<BertLayerWeights> layers;  // num_layers
};

// Checks that every tensor of `w` has the size `config` implies (MODEL_LOAD_FAILED naming the
// first one that does not). Both loaders call it last.
Status CheckBertWeights(const BertConfig& config, const BertWeights& w);

}  // namespace ruv::embed
