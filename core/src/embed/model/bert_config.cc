// config.json -> BertConfig, and the size check every loader ends with. The limits below are
// generous for the BERT family (bge-large: 24 layers x 1024; multilingual vocabularies ~250k)
// and keep a hostile config from implying tensors no real file holds; the loaders also compare
// BertWeightFloats(config) with their file's size before allocating anything.
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "embed/bert_model.h"
#include "embed/model/bert_tensors.h"

namespace ruv::embed {
namespace {

constexpr int64_t kMaxLayers = 48;
constexpr int64_t kMaxHidden = 4096;
constexpr int64_t kMaxHeads = 64;
constexpr int64_t kMaxIntermediate = 16384;
constexpr int64_t kMaxVocab = 500000;
constexpr int64_t kMaxPositions = 8192;
constexpr int64_t kMaxTypeVocab = 16;

Status Bad(const std::string& what) { return {ErrorCode::kModelLoadFailed, "config.json: " + what}; }

// Reads an integer field within [lo, hi]; `fallback` < lo means the field is required.
// Types are checked before get<>: the wasm build has exceptions off, where a failed get aborts.
Status ReadInt(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi, int64_t fallback,
               int32_t* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback < lo) return Bad(std::string("missing field \"") + key + "\"");
    *out = static_cast<int32_t>(fallback);
    return Status::Ok();
  }
  if (!it->is_number_integer()) return Bad(std::string("\"") + key + "\" is not an integer");
  const bool in_range =
      it->is_number_unsigned() ? it->get<uint64_t>() <= static_cast<uint64_t>(hi) : it->get<int64_t>() <= hi;
  const int64_t v = in_range ? it->get<int64_t>() : hi + 1;
  if (v < lo || v > hi) {
    return Bad(std::string("\"") + key + "\" must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
               "]");
  }
  *out = static_cast<int32_t>(v);
  return Status::Ok();
}

Status ReadString(const nlohmann::json& j, const char* key, const char* fallback, std::string* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    *out = fallback;
    return Status::Ok();
  }
  if (!it->is_string()) return Bad(std::string("\"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ParseAct(const std::string& act, HiddenAct* out) {
  if (act == "gelu") {
    *out = HiddenAct::kGelu;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {  // the same tanh formula
    *out = HiddenAct::kGeluNew;
  } else if (act == "relu") {
    *out = HiddenAct::kRelu;
  } else {
    return Bad("hidden_act \"" + act + "\" is not supported (gelu, gelu_new, relu)");
  }
  return Status::Ok();
}

}  // namespace

Status ParseBertConfig(const std::string& text, BertConfig* out) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return {ErrorCode::kCorruptData, "config.json is not valid JSON"};
  if (!j.is_object()) return Bad("not a JSON object");
  std::string model_type, position_type, act;
  Status s = ReadString(j, "model_type", "bert", &model_type);
  if (!s.ok()) return s;
  if (model_type != "bert") return Bad("model_type \"" + model_type + "\" is not a BERT encoder");
  s = ReadString(j, "position_embedding_type", "absolute", &position_type);
  if (!s.ok()) return s;
  if (position_type != "absolute")
    return Bad("position_embedding_type \"" + position_type + "\" is not supported");

  BertConfig c;
  if (!(s = ReadInt(j, "vocab_size", 1, kMaxVocab, 0, &c.vocab_size)).ok()) return s;
  if (!(s = ReadInt(j, "hidden_size", 1, kMaxHidden, 0, &c.hidden_size)).ok()) return s;
  if (!(s = ReadInt(j, "num_hidden_layers", 1, kMaxLayers, 0, &c.num_layers)).ok()) return s;
  if (!(s = ReadInt(j, "num_attention_heads", 1, kMaxHeads, 0, &c.num_heads)).ok()) return s;
  if (!(s = ReadInt(j, "intermediate_size", 1, kMaxIntermediate, 0, &c.intermediate_size)).ok()) return s;
  if (!(s = ReadInt(j, "max_position_embeddings", 1, kMaxPositions, 0, &c.max_position_embeddings)).ok()) {
    return s;
  }
  if (!(s = ReadInt(j, "type_vocab_size", 1, kMaxTypeVocab, 2, &c.type_vocab_size)).ok()) return s;
  if (!(s = ReadInt(j, "pad_token_id", 0, c.vocab_size - 1, 0, &c.pad_token_id)).ok()) return s;
  if (c.hidden_size % c.num_heads != 0) return Bad("hidden_size is not divisible by num_attention_heads");

  const auto eps = j.find("layer_norm_eps");
  if (eps != j.end() && !eps->is_null()) {
    if (!eps->is_number()) return Bad("\"layer_norm_eps\" is not a number");
    const double e = eps->get<double>();
    if (!std::isfinite(e) || e <= 0 || e >= 1) return Bad("\"layer_norm_eps\" must be in (0, 1)");
    c.layer_norm_eps = static_cast<float>(e);
  }
  if (!(s = ReadString(j, "hidden_act", "gelu", &act)).ok()) return s;
  if (!(s = ParseAct(act, &c.hidden_act)).ok()) return s;
  *out = c;
  return Status::Ok();
}

Status CheckBertWeights(const BertConfig& config, const BertWeights& w) {
  if (w.layers.size() != static_cast<size_t>(config.num_layers)) {
    return {ErrorCode::kModelLoadFailed, "the weights have " + std::to_string(w.layers.size()) +
                                             " layers, config.json says " +
                                             std::to_string(config.num_layers)};
  }
  BertWeights probe;  // only for the table's names and shapes: nothing is allocated in it
  std::vector<BertTensorSlot> slots = BertTensorSlots(config, &probe);
  std::vector<const Weight*> actual = {&w.word_embeddings, &w.position_embeddings, &w.token_type_embeddings,
                                       &w.emb_ln_gamma, &w.emb_ln_beta};
  for (const BertLayerWeights& l : w.layers) {
    for (const auto* t :
         {&l.q_w, &l.q_b, &l.k_w, &l.k_b, &l.v_w, &l.v_b, &l.attn_out_w, &l.attn_out_b, &l.attn_ln_gamma,
          &l.attn_ln_beta, &l.inter_w, &l.inter_b, &l.out_w, &l.out_b, &l.out_ln_gamma, &l.out_ln_beta}) {
      actual.push_back(t);
    }
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    uint64_t n = 1;
    for (int64_t d : slots[i].shape) n *= static_cast<uint64_t>(d);
    if (actual[i]->count() != n) {
      return {ErrorCode::kModelLoadFailed, "tensor " + slots[i].name + " has " +
                                               std::to_string(actual[i]->count()) +
                                               " values, the config implies " + std::to_string(n)};
    }
  }
  return Status::Ok();
}

}  // namespace ruv::embed
