#include "embed/model/bert_tensors.h"

namespace ruv::embed {

std::vector<BertTensorSlot> BertTensorSlots(const BertConfig& c, BertWeights* w) {
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  std::vector<BertTensorSlot> s = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, h}, &w->word_embeddings},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, h}, &w->position_embeddings},
      {"embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}, &w->token_type_embeddings},
      {"embeddings.LayerNorm.weight", {h}, &w->emb_ln_gamma},
      {"embeddings.LayerNorm.bias", {h}, &w->emb_ln_beta},
  };
  w->layers.resize(static_cast<size_t>(c.num_layers));
  for (int32_t i = 0; i < c.num_layers; ++i) {
    BertLayerWeights& l = w->layers[static_cast<size_t>(i)];
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    const std::vector<BertTensorSlot> layer = {
        {p + "attention.self.query.weight", {h, h}, &l.q_w},
        {p + "attention.self.query.bias", {h}, &l.q_b},
        {p + "attention.self.key.weight", {h, h}, &l.k_w},
        {p + "attention.self.key.bias", {h}, &l.k_b},
        {p + "attention.self.value.weight", {h, h}, &l.v_w},
        {p + "attention.self.value.bias", {h}, &l.v_b},
        {p + "attention.output.dense.weight", {h, h}, &l.attn_out_w},
        {p + "attention.output.dense.bias", {h}, &l.attn_out_b},
        {p + "attention.output.LayerNorm.weight", {h}, &l.attn_ln_gamma},
        {p + "attention.output.LayerNorm.bias", {h}, &l.attn_ln_beta},
        {p + "intermediate.dense.weight", {inter, h}, &l.inter_w},
        {p + "intermediate.dense.bias", {inter}, &l.inter_b},
        {p + "output.dense.weight", {h, inter}, &l.out_w},
        {p + "output.dense.bias", {h}, &l.out_b},
        {p + "output.LayerNorm.weight", {h}, &l.out_ln_gamma},
        {p + "output.LayerNorm.bias", {h}, &l.out_ln_beta},
    };
    s.insert(s.end(), layer.begin(), layer.end());
  }
  return s;
}

uint64_t BertWeightFloats(const BertConfig& c) {
  const uint64_t h = static_cast<uint64_t>(c.hidden_size), inter = static_cast<uint64_t>(c.intermediate_size);
  const uint64_t embeddings =
      (static_cast<uint64_t>(c.vocab_size) + static_cast<uint64_t>(c.max_position_embeddings) +
       static_cast<uint64_t>(c.type_vocab_size) + 2) *
      h;
  const uint64_t layer = 4 * h * h + 4 * h + 2 * h * inter + inter + h + 4 * h;
  return embeddings + static_cast<uint64_t>(c.num_layers) * layer;
}

}  // namespace ruv::embed
