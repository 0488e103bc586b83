// Learning (core/capi/ruv_capi_learn.h):
//   class PatternStore wrapping one ruv_patterns*:
//     new PatternStore(dim, minUses, minSuccessRate) / new PatternStore(bytes)   -- deserialize
//     add(id, type, metadata: Uint8Array, usage, success, v) / remove(id): boolean / has(id): boolean
//     recordOutcome(id, success) / get(id): Uint8Array / at(i): Uint8Array / size(): number
//     setHnswMin(n) / info(): Uint32Array [size, hnswMin, indexed, active]
//     match(q, threshold, limit, typeMask, rank, alpha, params: Float32Array | null): Uint8Array
//     serialize(): Uint8Array / free()
//   loraInit(dim, rank, alpha, seed: bigint, out) / loraApply(dim, rank, alpha, params, x, count, out)
//   loraTrainAsync(dim, queries, targets, verdicts, rewards, config: Uint8Array, initial | null,
//                  fisherValues | null, fisherAnchor | null, out: Float32Array, onEpoch | null)
//     : Promise<Uint8Array report>      (on a libuv worker; onEpoch(reportBytes) after each epoch)
//   fisherComputeAsync(dim, rank, alpha, params, queries, targets, verdicts, rewards, config, out)
//     : Promise<void>                   (on a libuv worker)
//   fisherMerge(dim, rank, alpha, older, newer, newerAnchor, gamma, out)
//   ewcApply(dim, rank, alpha, params, anchor, fisher, lambda, out)
// Records, match results, the config and the report are the C ABI's bytes, encoded and decoded
// by js/src/learning/codec.ts. A pattern store is small per call (a match over 10k x 384 is about
// a millisecond): its calls are synchronous; training runs off the event loop.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "async_handle.h"
#include "binding_util.h"
#include "ruv_capi_learn.h"

namespace ruv_node {
namespace {

using PatternsHandle = AsyncHandle<ruv_patterns, ruv_patterns_free>;

double DoubleArg(const Napi::CallbackInfo& info, size_t index) {
  double value = 0;
  if (napi_get_value_double(info.Env(), info[index], &value) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), "expected a number");
  }
  return value;
}

// A Float32Array or null/undefined (nullptr).
const float* OptionalFloats(const Napi::CallbackInfo& info, size_t index, size_t* length) {
  *length = 0;
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  auto view = TypedArrayArg<float>(info, index);
  *length = view.length;
  return view.data;
}

ruv_lora_config_t ConfigArg(const Napi::CallbackInfo& info, size_t index) {
  auto bytes = TypedArrayArg<uint8_t>(info, index);
  RequireLength(info.Env(), bytes.length == RUV_LORA_CONFIG_BYTES, "learning: the config is 64 bytes");
  ruv_lora_config_t config;
  std::memcpy(&config, bytes.data, sizeof(config));
  return config;
}

class PatternsWrap : public Napi::ObjectWrap<PatternsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "PatternStore",
        {InstanceMethod<&PatternsWrap::Add>("add"),
         InstanceMethod<&PatternsWrap::IdQuestion<ruv_patterns_remove>>("remove"),
         InstanceMethod<&PatternsWrap::IdQuestion<ruv_patterns_has>>("has"),
         InstanceMethod<&PatternsWrap::RecordOutcome>("recordOutcome"),
         InstanceMethod<&PatternsWrap::Get>("get"), InstanceMethod<&PatternsWrap::At>("at"),
         InstanceMethod<&PatternsWrap::Size>("size"), InstanceMethod<&PatternsWrap::Match>("match"),
         InstanceMethod<&PatternsWrap::SetHnswMin>("setHnswMin"), InstanceMethod<&PatternsWrap::Info>("info"),
         InstanceMethod<&PatternsWrap::Serialize>("serialize"), InstanceMethod<&PatternsWrap::Free>("free")});
  }

  explicit PatternsWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<PatternsWrap>(info), h_({"PatternStore", "store", "callback", "write"}) {
    Napi::Env env = info.Env();
    if (info.Length() == 1) {
      auto bytes = TypedArrayArg<uint8_t>(info, 0);
      Check(env, ruv_patterns_deserialize(bytes.data, bytes.length, h_.out()));
      return;
    }
    Check(env, ruv_patterns_create(U32Arg(info, 0, "learning"), U32Arg(info, 1, "learning"),
                                   DoubleArg(info, 2), h_.out()));
  }

 private:
  ruv_patterns* Use(Napi::Env env) { return h_.Use(env, true); }

  void Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    const std::string id = IdArg(info, 0);
    auto meta = TypedArrayArg<uint8_t>(info, 2);
    auto v = TypedArrayArg<float>(info, 5);
    Check(env, ruv_patterns_add(h, id.data(), id.size(), Int32Arg(info, 1),
                                reinterpret_cast<const char*>(meta.data), meta.length,
                                U32Arg(info, 3, "learning"), U32Arg(info, 4, "learning"), v.data, v.length));
  }

  // A yes/no question about one id (ruv_patterns_remove, ruv_patterns_has).
  template <auto Ask>
  Napi::Value IdQuestion(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    const std::string id = IdArg(info, 0);
    int32_t yes = 0;
    Check(env, Ask(h, id.data(), id.size(), &yes));
    return Napi::Boolean::New(env, yes != 0);
  }

  void RecordOutcome(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    const std::string id = IdArg(info, 0);
    Check(env, ruv_patterns_record_outcome(h, id.data(), id.size(), BoolArg(info, 1) ? 1 : 0));
  }

  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    const std::string id = IdArg(info, 0);
    ruv_bytes* out = nullptr;
    Check(env, ruv_patterns_get(h, id.data(), id.size(), &out));
    return BytesToJs(env, out);
  }

  Napi::Value At(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    ruv_bytes* out = nullptr;
    Check(env, ruv_patterns_at(h, U32Arg(info, 0, "learning"), &out));
    return BytesToJs(env, out);
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t n = 0;
    Check(env, ruv_patterns_size(Use(env), &n));
    return Napi::Number::New(env, n);
  }

  void SetHnswMin(const Napi::CallbackInfo& info) {
    Check(info.Env(), ruv_patterns_set_hnsw_min(Use(info.Env()), U32Arg(info, 0, "learning")));
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Uint32Array out = Napi::Uint32Array::New(env, 4);
    Check(env, ruv_patterns_info(Use(env), out.Data()));
    return out;
  }

  Napi::Value Match(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_patterns* h = Use(env);
    auto q = TypedArrayArg<float>(info, 0);
    size_t n_params = 0;
    const float* params = OptionalFloats(info, 6, &n_params);
    ruv_bytes* out = nullptr;
    Check(env, ruv_patterns_match(h, q.data, q.length, FloatArg(info, 1), U32Arg(info, 2, "learning"),
                                  U32Arg(info, 3, "learning"), U32Arg(info, 4, "learning"), FloatArg(info, 5),
                                  params, n_params, &out));
    return BytesToJs(env, out);
  }

  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_bytes* out = nullptr;
    Check(env, ruv_patterns_serialize(Use(env), &out));
    return BytesToJs(env, out);
  }

  void Free(const Napi::CallbackInfo& info) { h_.Free(info.Env()); }

  PatternsHandle h_;
};

void LoraInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[3].IsBigInt()) throw Napi::TypeError::New(env, "expected a bigint seed");
  bool lossless = false;
  const uint64_t seed = info[3].As<Napi::BigInt>().Uint64Value(&lossless);
  auto out = TypedArrayArg<float>(info, 4);
  Check(env, ruv_lora_init(U32Arg(info, 0, "learning"), U32Arg(info, 1, "learning"), FloatArg(info, 2), seed,
                           out.data, out.length));
}

void LoraApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t dim = U32Arg(info, 0, "learning");
  auto params = TypedArrayArg<float>(info, 3);
  auto x = TypedArrayArg<float>(info, 4);
  const size_t count = SizeArg(info, 5);
  auto out = TypedArrayArg<float>(info, 6);
  RequireLength(env, x.length == count * dim && out.length == x.length,
                "loraApply: x and out hold count x dim");
  Check(env, ruv_lora_apply(dim, U32Arg(info, 1, "learning"), FloatArg(info, 2), params.data, params.length,
                            x.data, count, out.data));
}

// The trajectory arrays of a call, checked against each other (count from verdicts).
struct TrajectoryArgs {
  ArrayView<float> queries, targets, rewards;
  ArrayView<uint8_t> verdicts;
};

TrajectoryArgs TrajectoriesArg(const Napi::CallbackInfo& info, size_t first, uint32_t dim) {
  TrajectoryArgs t{TypedArrayArg<float>(info, first), TypedArrayArg<float>(info, first + 1),
                   TypedArrayArg<float>(info, first + 3), TypedArrayArg<uint8_t>(info, first + 2)};
  const size_t n = t.verdicts.length;
  RequireLength(info.Env(),
                t.queries.length == n * dim && t.targets.length == n * dim && t.rewards.length == n,
                "learning: trajectory arrays disagree on the count");
  return t;
}

// Trajectories copied for a libuv worker: the caller's arrays may change while it runs.
struct OwnedTrajectories {
  explicit OwnedTrajectories(const TrajectoryArgs& t)
      : queries(t.queries.data, t.queries.data + t.queries.length),
        targets(t.targets.data, t.targets.data + t.targets.length),
        rewards(t.rewards.data, t.rewards.data + t.rewards.length),
        verdicts(t.verdicts.data, t.verdicts.data + t.verdicts.length) {}
  std::vector<float> queries, targets, rewards;
  std::vector<uint8_t> verdicts;
};

// What the training and Fisher workers share: the promise, the Float32Array the worker writes in
// place (kept alive by a reference), and the core's status, turned into a rejection on the JS thread.
class WorkerOutcome {
 public:
  WorkerOutcome(Napi::Env env, Napi::Float32Array out)
      : deferred_(Napi::Promise::Deferred::New(env)),
        out_ref_(Napi::Persistent(static_cast<Napi::Object>(out))),
        out_(out.Data()) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }
  float* out() const { return out_; }
  // On the worker: keeps the status and, when it failed, the thread's error message.
  void Record(int32_t status) {
    status_ = status;
    if (status != RUV_OK) message_ = ruv_last_error_message();
  }
  // On the JS thread.
  void Settle(Napi::Env env, Napi::Value value) {
    if (status_ != RUV_OK) {
      deferred_.Reject(StatusError(env, status_, message_));
    } else {
      deferred_.Resolve(value);
    }
  }
  void Reject(const Napi::Error& e) { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference out_ref_;
  float* out_;
  int32_t status_ = RUV_OK;
  std::string message_;
};

class TrainWorker : public Napi::AsyncProgressQueueWorker<ruv_lora_report_t> {
 public:
  TrainWorker(Napi::Env env, uint32_t dim, const TrajectoryArgs& t, ruv_lora_config_t config,
              const float* initial, const float* fisher, const float* anchor, size_t n_params,
              Napi::Float32Array out, Napi::Value on_epoch)
      : Napi::AsyncProgressQueueWorker<ruv_lora_report_t>(env, "ruvLoraTrain"),
        outcome_(env, out),
        dim_(dim),
        t_(t),
        config_(config),
        initial_(initial ? std::vector<float>(initial, initial + n_params) : std::vector<float>()),
        fisher_(fisher ? std::vector<float>(fisher, fisher + n_params) : std::vector<float>()),
        anchor_(anchor ? std::vector<float>(anchor, anchor + n_params) : std::vector<float>()),
        n_params_(n_params) {
    if (on_epoch.IsFunction()) on_epoch_ = Napi::Persistent(on_epoch.As<Napi::Function>());
  }

  Napi::Promise Promise() const { return outcome_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    ruv_lora_trainer* t = nullptr;
    int32_t st = ruv_lora_train_start(
        dim_, t_.queries.data(), t_.targets.data(), t_.verdicts.data(), t_.rewards.data(), t_.verdicts.size(),
        &config_, initial_.empty() ? nullptr : initial_.data(), fisher_.empty() ? nullptr : fisher_.data(),
        anchor_.empty() ? nullptr : anchor_.data(), n_params_, &t);
    while (st == RUV_OK && !report_.done) {
      st = ruv_lora_train_step(t, 1, &report_);
      if (st == RUV_OK && !on_epoch_.IsEmpty()) progress.Send(&report_, 1);
    }
    if (st == RUV_OK) st = ruv_lora_train_finish(t, outcome_.out(), n_params_);
    ruv_lora_trainer_free(t);
    outcome_.Record(st);
  }

  void OnProgress(const ruv_lora_report_t* data, size_t count) override {
    if (count == 0 || on_epoch_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      on_epoch_.Call({ReportToJs(env, data[count - 1])});
    } catch (const Napi::Error&) {
      // A throwing progress callback must not take the training down; the promise still settles.
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    outcome_.Settle(env, ReportToJs(env, report_));
  }
  void OnError(const Napi::Error& e) override { outcome_.Reject(e); }

 private:
  static Napi::Value ReportToJs(Napi::Env env, const ruv_lora_report_t& r) {
    Napi::Uint8Array out = Napi::Uint8Array::New(env, sizeof(r));
    std::memcpy(out.Data(), &r, sizeof(r));
    return out;
  }

  WorkerOutcome outcome_;
  uint32_t dim_;
  OwnedTrajectories t_;
  ruv_lora_config_t config_;
  std::vector<float> initial_, fisher_, anchor_;
  size_t n_params_;
  Napi::FunctionReference on_epoch_;
  ruv_lora_report_t report_{};
};

Napi::Value LoraTrainAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t dim = U32Arg(info, 0, "learning");
  const TrajectoryArgs t = TrajectoriesArg(info, 1, dim);
  const ruv_lora_config_t config = ConfigArg(info, 5);
  size_t n_initial = 0, n_fisher = 0, n_anchor = 0;
  const float* initial = OptionalFloats(info, 6, &n_initial);
  const float* fisher = OptionalFloats(info, 7, &n_fisher);
  const float* anchor = OptionalFloats(info, 8, &n_anchor);
  auto out = TypedArrayArg<float>(info, 9);
  const size_t n = out.length;
  RequireLength(env, (!initial || n_initial == n) && (!fisher || n_fisher == n) && (!anchor || n_anchor == n),
                "loraTrainAsync: initial, Fisher and anchor hold as many parameters as out");
  auto* worker =
      new TrainWorker(env, dim, t, config, initial, fisher, anchor, n, info[9].As<Napi::Float32Array>(),
                      info.Length() > 10 ? info[10] : env.Null());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// The Fisher on a libuv worker (inputs copied), written into `out` in place.
class FisherWorker : public Napi::AsyncWorker {
 public:
  FisherWorker(Napi::Env env, uint32_t dim, uint32_t rank, float alpha, const ArrayView<float>& params,
               const TrajectoryArgs& t, ruv_lora_config_t config, Napi::Float32Array out)
      : Napi::AsyncWorker(env, "ruvFisher"),
        outcome_(env, out),
        dim_(dim),
        rank_(rank),
        alpha_(alpha),
        params_(params.data, params.data + params.length),
        t_(t),
        config_(config) {}

  Napi::Promise Promise() const { return outcome_.Promise(); }

  void Execute() override {
    ruv_fisher_job* job = nullptr;
    int32_t st = ruv_fisher_start(dim_, rank_, alpha_, params_.data(), params_.size(), t_.queries.data(),
                                  t_.targets.data(), t_.verdicts.data(), t_.rewards.data(),
                                  t_.verdicts.size(), &config_, &job);
    int32_t done = 0;
    while (st == RUV_OK && !done) st = ruv_fisher_step(job, UINT32_MAX, &done);
    if (st == RUV_OK) st = ruv_fisher_finish(job, outcome_.out(), params_.size());
    ruv_fisher_job_free(job);
    outcome_.Record(st);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    outcome_.Settle(env, env.Undefined());
  }
  void OnError(const Napi::Error& e) override { outcome_.Reject(e); }

 private:
  WorkerOutcome outcome_;
  uint32_t dim_, rank_;
  float alpha_;
  std::vector<float> params_;
  OwnedTrajectories t_;
  ruv_lora_config_t config_;
};

Napi::Value FisherComputeAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t dim = U32Arg(info, 0, "learning");
  auto params = TypedArrayArg<float>(info, 3);
  const TrajectoryArgs t = TrajectoriesArg(info, 4, dim);
  const ruv_lora_config_t config = ConfigArg(info, 8);
  auto out = TypedArrayArg<float>(info, 9);
  RequireLength(env, out.length == params.length, "fisherComputeAsync: out holds one value per parameter");
  auto* worker = new FisherWorker(env, dim, U32Arg(info, 1, "learning"), FloatArg(info, 2), params, t, config,
                                  info[9].As<Napi::Float32Array>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void FisherMerge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto older = TypedArrayArg<float>(info, 3);
  auto newer = TypedArrayArg<float>(info, 4);
  auto anchor = TypedArrayArg<float>(info, 5);
  auto out = TypedArrayArg<float>(info, 7);
  RequireLength(env,
                older.length == newer.length && anchor.length == newer.length && out.length == newer.length,
                "fisherMerge: arrays of different lengths");
  Check(env,
        ruv_fisher_merge(U32Arg(info, 0, "learning"), U32Arg(info, 1, "learning"), FloatArg(info, 2),
                         older.data, newer.data, anchor.data, newer.length, FloatArg(info, 6), out.data));
}

void EwcApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto params = TypedArrayArg<float>(info, 3);
  auto anchor = TypedArrayArg<float>(info, 4);
  auto fisher = TypedArrayArg<float>(info, 5);
  auto out = TypedArrayArg<float>(info, 7);
  RequireLength(
      env, anchor.length == params.length && fisher.length == params.length && out.length == params.length,
      "ewcApply: arrays of different lengths");
  Check(env,
        ruv_ewc_apply(U32Arg(info, 0, "learning"), U32Arg(info, 1, "learning"), FloatArg(info, 2),
                      params.data, anchor.data, fisher.data, params.length, FloatArg(info, 6), out.data));
}

}  // namespace

void RegisterLearn(Napi::Env env, Napi::Object exports) {
  exports.Set("PatternStore", PatternsWrap::Define(env));
  exports.Set("loraInit", Napi::Function::New<LoraInit>(env, "loraInit"));
  exports.Set("loraApply", Napi::Function::New<LoraApply>(env, "loraApply"));
  exports.Set("loraTrainAsync", Napi::Function::New<LoraTrainAsync>(env, "loraTrainAsync"));
  exports.Set("fisherComputeAsync", Napi::Function::New<FisherComputeAsync>(env, "fisherComputeAsync"));
  exports.Set("fisherMerge", Napi::Function::New<FisherMerge>(env, "fisherMerge"));
  exports.Set("ewcApply", Napi::Function::New<EwcApply>(env, "ewcApply"));
}

}  // namespace ruv_node
