// The shapes and weights of a BERT-family encoder (all-MiniLM-L6-v2, bge-small, e5-small,
// gte-small, paraphrase-MiniLM-L3): what every model loader (safetensors, ONNX) produces and the
// encoder consumes. Loaders validate every shape against BertConfig before filling BertWeights,
// so the encoder never re-checks them.
#pragma once

#include <cstdint>
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

// Every Linear weight is stored row-major [out_features, in_features] (PyTorch's layout); ONNX
// exports store MatMul weights [in, out] and their loader transposes them. Biases and LayerNorm
// parameters are [features].
struct BertLayerWeights {
  std::vector<float> q_w, q_b, k_w, k_b, v_w, v_b;  // [hidden, hidden], [hidden]
  std::vector<float> attn_out_w, attn_out_b;        // [hidden, hidden], [hidden]
  std::vector<float> attn_ln_gamma, attn_ln_beta;   // [hidden]
  std::vector<float> inter_w, inter_b;              // [intermediate, hidden], [intermediate]
  std::vector<float> out_w, out_b;                  // [hidden, intermediate], [hidden]
  std::vector<float> out_ln_gamma, out_ln_beta;     // [hidden]
};

struct BertWeights {
  std::vector<float> word_embeddings;            // [vocab_size, hidden]
  std::vector<float> position_embeddings;        // [max_position_embeddings, hidden]
  std::vector<float> token_type_embeddings;      // [type_vocab_size, hidden]
  std::vector<float> emb_ln_gamma, emb_ln_beta;  // [hidden]
  std::vector<BertLayerWeights> layers;          // num_layers
};

// Checks that every tensor of `w` has the size `config` implies (MODEL_LOAD_FAILED naming the
// first one that does not). Both loaders call it last.
Status CheckBertWeights(const BertConfig& config, const BertWeights& w);

}  // namespace ruv::embed
