// Float32 vector operations. Inputs are read in place from the caller's typed arrays and results
// are written into an output typed array the caller allocated in JS (cheaper than creating one
// through Node-API).
#include "binding_util.h"

namespace ruv_node {
namespace {

// distance(a: Float32Array, b: Float32Array, metric: number): number
Napi::Value Distance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto a = TypedArrayArg<float>(info, 0);
  auto b = TypedArrayArg<float>(info, 1);
  int32_t metric = Int32Arg(info, 2);
  RequireLength(env, a.length == b.length, "vectors have different lengths");
  float out = 0;
  Check(env, ruv_distance(a.data, b.data, a.length, metric, &out));
  return Napi::Number::New(env, out);
}

// batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: number,
//               out: Float32Array): void  (vectors is flat row-major count x query.length)
void BatchDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto query = TypedArrayArg<float>(info, 0);
  auto vectors = TypedArrayArg<float>(info, 1);
  size_t count = SizeArg(info, 2);
  int32_t metric = Int32Arg(info, 3);
  auto out = TypedArrayArg<float>(info, 4);
  RequireLength(env, query.length == 0 || vectors.length / query.length >= count,
                "vectors holds fewer than count x dim values");
  RequireLength(env, out.length >= count, "output is shorter than count");
  Check(env, ruv_batch_distance(query.data, vectors.data, count, query.length, metric, out.data));
}

// normalize(v: Float32Array, out: Float32Array): void
void Normalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto v = TypedArrayArg<float>(info, 0);
  auto out = TypedArrayArg<float>(info, 1);
  RequireLength(env, out.length == v.length, "output length differs from the input");
  Check(env, ruv_normalize(v.data, v.length, out.data));
}

}  // namespace

void RegisterVectorOps(Napi::Env env, Napi::Object exports) {
  exports.Set("distance", Napi::Function::New<Distance>(env, "distance"));
  exports.Set("batchDistance", Napi::Function::New<BatchDistance>(env, "batchDistance"));
  exports.Set("normalize", Napi::Function::New<Normalize>(env, "normalize"));
}

}  // namespace ruv_node
