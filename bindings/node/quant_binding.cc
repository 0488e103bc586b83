// Quantization (layouts in core/include/ruv/quant.h). A config crosses as four plain arguments
// (type, hasRange, min, max) in the order of the C ABI. Outputs are caller-allocated typed arrays.
#include "binding_util.h"

namespace ruv_node {
namespace {

// A quantization config as four arguments from `first` on: type, hasRange, min, max.
struct QuantConfig {
  int32_t type;
  bool has_range;
  float min;
  float max;
};

QuantConfig QuantConfigArgs(const Napi::CallbackInfo& info, size_t first) {
  return {Int32Arg(info, first), BoolArg(info, first + 1), FloatArg(info, first + 2),
          FloatArg(info, first + 3)};
}

// quantizedSize(type: number, hasRange: boolean, dim: number): number
Napi::Value QuantizedSize(const Napi::CallbackInfo& info) {
  size_t size = ruv_quantized_size(Int32Arg(info, 0), BoolArg(info, 1), SizeArg(info, 2));
  return Napi::Number::New(info.Env(), static_cast<double>(size));
}

// quantize(v: Float32Array, type, hasRange, min, max, out: Uint8Array): void
// out.length must be quantizedSize(type, hasRange, v.length); the C ABI checks it.
void Quantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto v = TypedArrayArg<float>(info, 0);
  const QuantConfig c = QuantConfigArgs(info, 1);
  auto out = TypedArrayArg<uint8_t>(info, 5);
  Check(env, ruv_quantize(v.data, v.length, c.type, c.has_range, c.min, c.max, out.data, out.length));
}

// dequantize(codes: Uint8Array, type, hasRange, min, max, out: Float32Array): void
// The element count is out.length.
void Dequantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto codes = TypedArrayArg<uint8_t>(info, 0);
  const QuantConfig c = QuantConfigArgs(info, 1);
  auto out = TypedArrayArg<float>(info, 5);
  Check(env,
        ruv_dequantize(codes.data, codes.length, out.length, c.type, c.has_range, c.min, c.max, out.data));
}

// quantizedDistance(a: Uint8Array, b: Uint8Array, dim, type, hasRange, min, max, metric): number
Napi::Value QuantizedDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto a = TypedArrayArg<uint8_t>(info, 0);
  auto b = TypedArrayArg<uint8_t>(info, 1);
  size_t dim = SizeArg(info, 2);
  const QuantConfig c = QuantConfigArgs(info, 3);
  int32_t metric = Int32Arg(info, 7);
  RequireLength(env, a.length == b.length, "code vectors have different lengths");
  float out = 0;
  Check(env, ruv_quantized_distance(a.data, b.data, a.length, dim, c.type, c.has_range, c.min, c.max, metric,
                                    &out));
  return Napi::Number::New(env, out);
}

// hammingDistance(a: Uint8Array, b: Uint8Array): number
Napi::Value HammingDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto a = TypedArrayArg<uint8_t>(info, 0);
  auto b = TypedArrayArg<uint8_t>(info, 1);
  RequireLength(env, a.length == b.length, "code vectors have different lengths");
  uint32_t out = 0;
  Check(env, ruv_hamming_distance(a.data, b.data, a.length, &out));
  return Napi::Number::New(env, out);
}

}  // namespace

void RegisterQuant(Napi::Env env, Napi::Object exports) {
  exports.Set("quantizedSize", Napi::Function::New<QuantizedSize>(env, "quantizedSize"));
  exports.Set("quantize", Napi::Function::New<Quantize>(env, "quantize"));
  exports.Set("dequantize", Napi::Function::New<Dequantize>(env, "dequantize"));
  exports.Set("quantizedDistance", Napi::Function::New<QuantizedDistance>(env, "quantizedDistance"));
  exports.Set("hammingDistance", Napi::Function::New<HammingDistance>(env, "hammingDistance"));
}

}  // namespace ruv_node
