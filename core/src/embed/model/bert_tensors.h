// The Hugging Face names and shapes of every tensor BertWeights holds, as one table shared by the
// loaders (safetensors maps names onto it) and their tests (which compare against torch's
// state_dict by the same names).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/bert_model.h"

namespace ruv::embed {

struct BertTensorSlot {
  std::string name;            // e.g. "encoder.layer.0.attention.self.query.weight" (no "bert.")
  std::vector<int64_t> shape;  // PyTorch's layout: Linear weights [out, in]
  Weight* dst;                 // where the loader puts it, inside the BertWeights given
};

// The table for `config`, pointing into `w` (whose layers vector is resized to num_layers; the
// tensors themselves are not allocated here).
std::vector<BertTensorSlot> BertTensorSlots(const BertConfig& config, BertWeights* w);

// How many floats BertWeights holds for `config` (every dimension is bounded by ParseBertConfig,
// so this cannot overflow). Loaders compare it with their input's size before allocating.
uint64_t BertWeightFloats(const BertConfig& config);

}  // namespace ruv::embed
