// libFuzzer target: ruv::embed::LoadBertOnnx (the protobuf wire reader and the BERT graph walk)
// on arbitrary bytes must return a Status: never crash, hang or allocate beyond a small multiple
// of the input. The config is the generator's "micro" preset, so the seed
// (tools/models/make_bert_model.py --preset micro: onnx/model.onnx) loads and mutations of it
// reach deep into the graph walk. An accepted file is also built into an encoder twice, from a
// read-only copy and from a copy handed over to be packed in place (BertEncoder::Create's
// `file`), in float32 and in q8: the two must give the same bits, whatever the file (views
// sharing bytes included; the int8 seed, micro-quantized's onnx/model_quantized.onnx, packs q8
// in place).
// Run (bounded): ./onnx_fuzz -max_total_time=20 corpus/
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "embed/bert_model.h"
#include "embed/encoder/bert_encoder.h"
#include "embed/model/bert_tensors.h"
#include "embed/model/onnx_bert.h"
#include "embed/model/onnx_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ruv::embed::BertConfig config;
  config.vocab_size = 100, config.hidden_size = 32, config.num_layers = 2, config.num_heads = 4;
  config.intermediate_size = 64, config.max_position_embeddings = 16, config.type_vocab_size = 2;
  ruv::embed::BertWeights weights;
  const ruv::Status s = ruv::embed::LoadBertOnnx(data, size, config, &weights);
  // An accepted graph must have produced weights of exactly the config's shapes.
  if (s.ok() && !ruv::embed::CheckBertWeights(config, weights).ok()) __builtin_trap();
  // The weights are views of `data`: decode them all (reads past the input would show here).
  if (s.ok())
    for (const ruv::embed::BertTensorSlot& slot : ruv::embed::BertTensorSlots(config, &weights))
      (void)slot.dst->Values();
  for (ruv::embed::Dtype dtype : {ruv::embed::Dtype::kFp32, ruv::embed::Dtype::kQ8}) {
    if (!s.ok()) break;
    // The encoder from the bytes as they are, then from a copy it may overwrite.
    std::vector<float> out[2];
    for (int in_place = 0; in_place < 2; ++in_place) {
      auto file = std::make_shared<std::vector<uint8_t>>(data, data + size);
      ruv::embed::BertWeights w;
      if (!ruv::embed::LoadBertOnnx(file->data(), file->size(), config, &w).ok()) __builtin_trap();
      std::unique_ptr<ruv::embed::BertEncoder> encoder;
      if (!ruv::embed::BertEncoder::Create(config, std::move(w), &encoder, dtype, nullptr,
                                           in_place ? file : nullptr)
               .ok())
        __builtin_trap();
      const int32_t ids[] = {1, 7, 2}, types[] = {0, 0, 1};
      const uint32_t lengths[] = {3};
      out[in_place].resize(3 * config.hidden_size);
      ruv::embed::EncoderScratch scratch;
      if (!encoder->Forward(ids, types, lengths, out[in_place].data(), &scratch).ok()) __builtin_trap();
    }
    if (std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)) != 0) __builtin_trap();
  }
  ruv::embed::onnx::Model model;
  (void)ruv::embed::onnx::ParseModel(data, size, &model);
  return 0;
}
