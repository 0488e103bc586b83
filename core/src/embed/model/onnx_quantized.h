// Quantized ONNX exports (the Hub's onnx/model_quantized.onnx, written by onnxruntime's
// quantize_dynamic) read as the float graph the BERT walk knows. Such an export replaces
//   MatMul(x, W)            by  DynamicQuantizeLinear(x) -> (xq, xs, xz);
//                               MatMulInteger(xq, Wq, xz, Wz) -> Cast(float) -> Mul(., Mul(xs, Ws))
//   Gather(E, ids)          by  Gather(Eq, ids) -> DequantizeLinear(., Es, Ez)
// with Wq int8 or uint8, per tensor or per output column (per_channel, as transformers.js's
// converter writes them), Eq per tensor (attention's two-activation MatMuls get a
// DynamicQuantizeLinear on each side). DequantizeGraph rewrites each pattern back
// into a MatMul or Gather of float values: an activation operand becomes the float value its
// DynamicQuantizeLinear read, a quantized initializer a tensor marked `dequantize` (its values
// (q - zero point) * scale, decoded when the encoder packs or quantizes it: the file's int8
// bytes are read, never a float copy). The encoder then runs float math (or its own q8) on those
// weights: activations are not quantized as onnxruntime does, so results are closer to the
// float model than onnxruntime's are.
#pragma once

#include "embed/model/onnx_proto.h"
#include "ruv/status.h"

namespace ruv::embed::onnx {

// Rewrites `g` in place; `*quantized` says whether it held any quantized operator.
// MODEL_LOAD_FAILED naming the node for a quantized operator in any other form (a missing Cast
// or scale Mul, a scale that is not the product of the operands', zero points neither one nor
// one per column, an embedding table quantized per channel).
Status DequantizeGraph(Graph* g, bool* quantized);

}  // namespace ruv::embed::onnx
