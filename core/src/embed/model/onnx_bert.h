// onnx/model.onnx (torch.onnx / optimum exports of a BERT encoder) -> BertWeights. The graph is
// followed from the input_ids Gather through every layer, so each weight is found by what it
// does (the MatMul feeding Q.K^T, the one after the softmax, the one before the activation...),
// never by initializer name or order: exporters store MatMul weights [in, out] under names such
// as onnx::MatMul_1234 (transposed here into BertWeights' [out, in]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "embed/bert_model.h"

namespace ruv::embed {

// CORRUPT_DATA for bytes that are not ONNX; MODEL_LOAD_FAILED naming the op or tensor for a
// graph that is not the BERT encoder `config` describes (other activation, layer count, eps...).
// Weights stored as raw_data are views of `data` (Weight::View): keep it until they are read.
// Messages name the file as `file` (the int8 export: "onnx/model_quantized.onnx").
Status LoadBertOnnx(const uint8_t* data, size_t size, const BertConfig& config, BertWeights* out,
                    std::string_view file = "model.onnx");

}  // namespace ruv::embed
