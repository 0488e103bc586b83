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

// The first three arguments of the batch calls: query, vectors (flat row-major count x
// query.length) and count, checked to agree.
struct Rows {
  ArrayView<float> query, vectors;
  size_t count;
};
Rows RowsArgs(const Napi::CallbackInfo& info) {
  Rows r{TypedArrayArg<float>(info, 0), TypedArrayArg<float>(info, 1), SizeArg(info, 2)};
  RequireLength(info.Env(), r.query.length == 0 || r.vectors.length / r.query.length >= r.count,
                "vectors holds fewer than count x dim values");
  return r;
}

// batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: number,
//               out: Float32Array): void  (vectors is flat row-major count x query.length)
void BatchDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto [query, vectors, count] = RowsArgs(info);
  int32_t metric = Int32Arg(info, 3);
  auto out = TypedArrayArg<float>(info, 4);
  RequireLength(env, out.length >= count, "output is shorter than count");
  Check(env, ruv_batch_distance(query.data, vectors.data, count, query.length, metric, out.data));
}

// dotAbove(query: Float32Array, vectors: Float32Array, count: number, threshold: number,
//          outIndex: Uint32Array, outDot: Float32Array): number  (how many rows passed)
Napi::Value DotAbove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto [query, vectors, count] = RowsArgs(info);
  float threshold = FloatArg(info, 3);
  auto out_index = TypedArrayArg<uint32_t>(info, 4);
  auto out_dot = TypedArrayArg<float>(info, 5);
  RequireLength(env, out_index.length >= count && out_dot.length >= count, "outputs are shorter than count");
  size_t found = 0;
  Check(env, ruv_dot_above(query.data, vectors.data, count, query.length, threshold, out_index.data,
                           out_dot.data, &found));
  return Napi::Number::New(env, static_cast<double>(found));
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
  exports.Set("dotAbove", Napi::Function::New<DotAbove>(env, "dotAbove"));
  exports.Set("normalize", Napi::Function::New<Normalize>(env, "normalize"));
}

}  // namespace ruv_node
