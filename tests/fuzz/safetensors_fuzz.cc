// libFuzzer target: ruv::embed::LoadBertSafetensors on arbitrary bytes must return a Status:
// never crash, hang or allocate beyond the input's size. The config is the generator's "micro"
// preset (seed: tools/models/make_bert_model.py --preset micro: model.safetensors). The same
// bytes read in pieces (a ByteSource, as wasm reads a float file for q8) must give the same
// status and message, never read outside the file, and, accepted, the same values bit for bit.
// Run (bounded): ./safetensors_fuzz -max_total_time=20 corpus/
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "embed/bert_model.h"
#include "embed/model/bert_tensors.h"
#include "embed/model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ruv::embed::BertConfig config;
  config.vocab_size = 100, config.hidden_size = 32, config.num_layers = 2, config.num_heads = 4;
  config.intermediate_size = 64, config.max_position_embeddings = 16, config.type_vocab_size = 2;
  ruv::embed::BertWeights weights;
  const ruv::Status s = ruv::embed::LoadBertSafetensors(data, size, config, &weights);
  if (s.ok() && !ruv::embed::CheckBertWeights(config, weights).ok()) __builtin_trap();
  // The weights are views of `data`: decode them all (reads past the input would show here).
  if (s.ok())
    for (const ruv::embed::BertTensorSlot& slot : ruv::embed::BertTensorSlots(config, &weights))
      (void)slot.dst->Values();
  ruv::embed::ByteSource source;
  source.size = size;
  source.read = [&](uint64_t offset, size_t n, uint8_t* dst) {
    if (offset > size || n > size - offset) __builtin_trap();  // a read outside the file
    std::memcpy(dst, data + offset, n);
    return true;
  };
  ruv::embed::BertWeights pieces;
  const ruv::Status p = ruv::embed::LoadBertSafetensors(source, config, &pieces);
  if (p.code() != s.code() || p.message() != s.message()) __builtin_trap();
  if (p.ok()) {
    const auto want = ruv::embed::BertTensorSlots(config, &weights),
               got = ruv::embed::BertTensorSlots(config, &pieces);
    for (size_t i = 0; i < want.size(); ++i) {
      const std::vector<float> a = want[i].dst->Values(), b = got[i].dst->Values();
      if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0)
        __builtin_trap();
    }
  }
  return 0;
}
