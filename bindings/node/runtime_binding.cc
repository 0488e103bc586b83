// abiVersion(), simdTarget(), noop(): facts about the loaded core and the bare cost of a call.
#include "binding_util.h"

namespace ruv_node {
namespace {

Napi::Value AbiVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ruv_abi_version());
}

Napi::Value SimdTarget(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ruv_simd_target());
}

void Noop(const Napi::CallbackInfo&) { ruv_noop(); }

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Function::New<AbiVersion>(env, "abiVersion"));
  exports.Set("simdTarget", Napi::Function::New<SimdTarget>(env, "simdTarget"));
  exports.Set("noop", Napi::Function::New<Noop>(env, "noop"));
}

}  // namespace ruv_node
