// HNSW index (core/capi/ruv_capi_hnsw.h) as a JS class `HnswIndex` wrapping one ruv_hnsw*:
//   new HnswIndex(dim, m, efConstruction, efSearch, metric, storage, seed: bigint)
//   new HnswIndex(bytes: Uint8Array)                       -- deserialize
//   insert(id, v) / insertBatch(ids, flat) / insertBatchAsync(ids, flat): Promise<void>
//   search(q, k, ef, allowIds?: string[] | null, predicate?: (id) => boolean | null)
//   searchAsync(q, k, ef, allowIds?: string[] | null): Promise<hits>    (no predicate)
//   remove(id): boolean / contains(id): boolean / serialize(): Uint8Array
//   stats(): number[9] (ruv_hnsw_stats order) / free()
// Hits are { ids: string[], scores: Float32Array, distances: Float32Array }, best first.
//
// Lifetime: free() is idempotent; the GC finalizer frees an index never freed. An async call holds
// a reference to this object (so it is never collected mid-work), and free() during async work
// only marks the index: it is released when the last async call completes.
//
// Concurrency (the core's: reads concurrent, writes exclusive):
// - Async writes (insertBatchAsync) run one at a time, in call order (a per-index FIFO), each on a
//   libuv worker with threads = 0 (all cores).
// - While an async write is pending, every synchronous call throws INVALID_ARGUMENT: it would
//   wait for the core's write lock and block the event loop for the whole build. Await first.
// - Sync writes during a searchAsync wait for that one search (milliseconds): allowed.
// - searchAsync issued while an insertBatchAsync is pending may or may not see its entries.
// - A predicate runs on the JS thread inside search(); it must not call into the same index
//   (rejected with INVALID_ARGUMENT); an exception it throws becomes search()'s exception.
// The caller must not detach or resize the Float32Array given to insertBatchAsync until it settles
// (it is read in place from a worker thread; the reference keeps it from being collected).
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "binding_util.h"
#include "ruv_capi_hnsw.h"

namespace ruv_node {
namespace {

// Ids packed back to back in UTF-8, as the C ABI takes them.
struct PackedIds {
  std::string bytes;
  std::vector<uint32_t> lens;
  size_t count() const { return lens.size(); }
};

std::string IdArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "expected a string id");
  return info[index].As<Napi::String>().Utf8Value();
}

// Reads a JS array of strings into a PackedIds; must run on the JS thread (it reads JS strings).
PackedIds PackIds(Napi::Env env, Napi::Value value) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, "expected an array of string ids");
  Napi::Array array = value.As<Napi::Array>();
  PackedIds out;
  const uint32_t n = array.Length();
  out.lens.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value id = array.Get(i);
    if (!id.IsString()) throw Napi::TypeError::New(env, "expected an array of string ids");
    size_t len = 0;
    napi_get_value_string_utf8(env, id, nullptr, 0, &len);
    const size_t offset = out.bytes.size();
    out.bytes.resize(offset + len + 1);  // napi writes a terminating NUL, dropped below
    napi_get_value_string_utf8(env, id, out.bytes.data() + offset, len + 1, &len);
    out.bytes.resize(offset + len);
    out.lens.push_back(static_cast<uint32_t>(len));
  }
  return out;
}

// allowIds argument: absent/null/undefined means no id filter.
std::optional<PackedIds> OptionalIds(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return std::nullopt;
  return PackIds(info.Env(), info[index]);
}

// Converts a results object into JS hits and frees it.
Napi::Object HitsToJs(Napi::Env env, ruv_hnsw_results* raw) {
  std::unique_ptr<ruv_hnsw_results, void (*)(ruv_hnsw_results*)> r(raw, ruv_hnsw_results_free);
  const size_t n = ruv_hnsw_results_count(r.get());
  Napi::Float32Array scores = Napi::Float32Array::New(env, n);
  Napi::Float32Array distances = Napi::Float32Array::New(env, n);
  std::string buf(ruv_hnsw_results_ids_size(r.get()), '\0');
  std::vector<uint32_t> lens(n);
  Check(env, ruv_hnsw_results_scores(r.get(), scores.Data()));
  Check(env, ruv_hnsw_results_distances(r.get(), distances.Data()));
  Check(env, ruv_hnsw_results_ids(r.get(), buf.data(), lens.data()));
  Napi::Array ids = Napi::Array::New(env, n);
  size_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    ids.Set(static_cast<uint32_t>(i), Napi::String::New(env, buf.data() + offset, lens[i]));
    offset += lens[i];
  }
  Napi::Object hits = Napi::Object::New(env);
  hits.Set("ids", ids);
  hits.Set("scores", scores);
  hits.Set("distances", distances);
  return hits;
}

// An Error with `ruvStatus`, as ThrowStatus makes, for rejecting a promise.
Napi::Value StatusError(Napi::Env env, int32_t status, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("ruvStatus", Napi::Number::New(env, status));
  return error.Value();
}

// The predicate of a sync search, called by the core through ruv_hnsw_allow_fn on the JS thread.
// A JS exception cannot unwind through the C ABI: it is kept, the rest of the walk is refused
// (return 0), and it is rethrown once the core returns.
struct Predicate {
  Napi::Env env;
  Napi::Function fn;
  std::optional<Napi::Error> error;

  static int32_t Call(void* ctx, const char* id, size_t len) {
    auto* self = static_cast<Predicate*>(ctx);
    if (self->error) return 0;
    Napi::HandleScope scope(self->env);  // one call per candidate: keep handles from piling up
    try {
      return self->fn.Call({Napi::String::New(self->env, id, len)}).ToBoolean().Value() ? 1 : 0;
    } catch (const Napi::Error& e) {
      self->error.emplace(e);
    } catch (...) {
      self->error.emplace(Napi::Error::New(self->env, "exception in HNSW filter predicate"));
    }
    return 0;
  }
};

class HnswWrap;

// Base of the async calls: keeps the JS object alive, counts itself as pending on the index, and
// carries the status and message captured on the worker thread (the last error is per thread).
class HnswWorker : public Napi::AsyncWorker {
 public:
  HnswWorker(Napi::Env env, HnswWrap* wrap, bool write);
  ~HnswWorker() override;
  Napi::Promise Promise() { return deferred_.Promise(); }
  bool write() const { return write_; }

 protected:
  void Capture(int32_t status) {
    status_ = status;
    if (status != RUV_OK) message_ = ruv_last_error_message();
  }
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

  HnswWrap* wrap_;
  ruv_hnsw* handle_;  // captured at creation: free() never releases it while this is pending

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
  bool write_;
  int32_t status_ = RUV_OK;
  std::string message_;
};

class HnswWrap : public Napi::ObjectWrap<HnswWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "HnswIndex",
                       {InstanceMethod<&HnswWrap::Insert>("insert"),
                        InstanceMethod<&HnswWrap::InsertBatch>("insertBatch"),
                        InstanceMethod<&HnswWrap::InsertBatchAsync>("insertBatchAsync"),
                        InstanceMethod<&HnswWrap::Search>("search"),
                        InstanceMethod<&HnswWrap::SearchAsync>("searchAsync"),
                        InstanceMethod<&HnswWrap::Remove>("remove"),
                        InstanceMethod<&HnswWrap::Contains>("contains"),
                        InstanceMethod<&HnswWrap::Serialize>("serialize"),
                        InstanceMethod<&HnswWrap::Stats>("stats"),
                        InstanceMethod<&HnswWrap::Free>("free")});
  }

  explicit HnswWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HnswWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() == 1) {
      auto bytes = TypedArrayArg<uint8_t>(info, 0);
      Check(env, ruv_hnsw_deserialize(bytes.data, bytes.length, &h_));
      return;
    }
    if (info.Length() < 7 || !info[6].IsBigInt()) throw Napi::TypeError::New(env, "expected 7 arguments, seed a bigint");
    bool lossless = false;
    const uint64_t seed = info[6].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) ThrowStatus(env, RUV_INVALID_ARGUMENT, "HnswIndex: seed must be a u64 bigint");
    auto u32 = [&](size_t i) {
      const size_t v = SizeArg(info, i);
      if (v > UINT32_MAX) ThrowStatus(env, RUV_INVALID_ARGUMENT, "HnswIndex: config value out of range");
      return static_cast<uint32_t>(v);
    };
    Check(env, ruv_hnsw_create(u32(0), u32(1), u32(2), u32(3), Int32Arg(info, 4), Int32Arg(info, 5), seed, &h_));
  }

  // The GC finalizer. Pending async work holds a reference to this object, so none is running.
  ~HnswWrap() override { ruv_hnsw_free(h_); }

  // Called by HnswWorker on the JS thread.
  void BeginAsync(bool write) {
    ++pending_;
    if (write) ++pending_writes_;
  }
  void EndAsync(bool write) {
    --pending_;
    if (write) {
      --pending_writes_;
      write_running_ = false;
      StartNextWrite();
    }
    if (freed_ && pending_ == 0) Release();
  }
  ruv_hnsw* handle() const { return h_; }

 private:
  // The handle for a call from JS, or throws when the call cannot go ahead now.
  ruv_hnsw* Use(Napi::Env env, bool sync) {
    if (freed_ || h_ == nullptr) throw Napi::Error::New(env, "HnswIndex: the index was freed");
    if (in_predicate_) {
      ThrowStatus(env, RUV_INVALID_ARGUMENT, "HnswIndex: a filter predicate must not call into its own index");
    }
    if (sync && pending_writes_ > 0) {
      ThrowStatus(env, RUV_INVALID_ARGUMENT,
                  "HnswIndex: insertBatchAsync is still running; await it before synchronous calls "
                  "(they would block the event loop until it finishes)");
    }
    return h_;
  }

  void Release() {
    ruv_hnsw_free(h_);
    h_ = nullptr;
  }

  void StartNextWrite() {
    if (write_running_ || queued_writes_.empty()) return;
    write_running_ = true;
    HnswWorker* next = queued_writes_.front();
    queued_writes_.pop_front();
    next->Queue();
  }

  void Insert(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    const std::string id = IdArg(info, 0);
    auto v = TypedArrayArg<float>(info, 1);
    Check(env, ruv_hnsw_insert(h, id.data(), id.size(), v.data, v.length));
  }

  // Shared by the sync and async batch: ids and flat agree on the entry count.
  static size_t BatchDim(Napi::Env env, const PackedIds& ids, size_t flat_length) {
    if (ids.count() == 0) {
      RequireLength(env, flat_length == 0, "insertBatch: vectors given without ids");
      return 0;
    }
    RequireLength(env, flat_length % ids.count() == 0, "insertBatch: flat length is not a multiple of ids.length");
    return flat_length / ids.count();
  }

  void InsertBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    const PackedIds ids = PackIds(env, info[0]);
    auto flat = TypedArrayArg<float>(info, 1);
    size_t dim = BatchDim(env, ids, flat.length);
    if (ids.count() == 0) return;
    Check(env, ruv_hnsw_insert_batch(h, ids.bytes.data(), ids.bytes.size(), ids.lens.data(), ids.count(), flat.data,
                                     dim, 0));
  }

  Napi::Value InsertBatchAsync(const Napi::CallbackInfo& info);
  Napi::Value SearchAsync(const Napi::CallbackInfo& info);

  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    auto q = TypedArrayArg<float>(info, 0);
    const size_t k = SizeArg(info, 1);
    const size_t ef = SizeArg(info, 2);
    if (ef > UINT32_MAX) ThrowStatus(env, RUV_INVALID_ARGUMENT, "search: ef out of range");
    const std::optional<PackedIds> allow = OptionalIds(info, 3);
    std::optional<Predicate> predicate;
    if (info.Length() > 4 && !info[4].IsNull() && !info[4].IsUndefined()) {
      if (!info[4].IsFunction()) throw Napi::TypeError::New(env, "expected a predicate function");
      predicate.emplace(Predicate{env, info[4].As<Napi::Function>(), std::nullopt});
    }
    ruv_hnsw_results* r = nullptr;
    in_predicate_ = predicate.has_value();
    const int32_t status = ruv_hnsw_search(
        h, q.data, q.length, k, static_cast<uint32_t>(ef), allow ? allow->bytes.data() : nullptr,
        allow ? allow->bytes.size() : 0, allow ? allow->lens.data() : nullptr, allow ? allow->count() : 0,
        predicate ? &Predicate::Call : nullptr, predicate ? &*predicate : nullptr, &r);
    in_predicate_ = false;
    if (predicate && predicate->error) {
      if (status == RUV_OK) ruv_hnsw_results_free(r);
      throw *predicate->error;
    }
    Check(env, status);
    return HitsToJs(env, r);
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    const std::string id = IdArg(info, 0);
    int32_t removed = 0;
    Check(env, ruv_hnsw_remove(h, id.data(), id.size(), &removed));
    return Napi::Boolean::New(env, removed != 0);
  }

  Napi::Value Contains(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    const std::string id = IdArg(info, 0);
    int32_t found = 0;
    Check(env, ruv_hnsw_contains(h, id.data(), id.size(), &found));
    return Napi::Boolean::New(env, found != 0);
  }

  // Copies out of the C ABI's bytes: an external ArrayBuffer over C++ memory is refused by Node
  // builds with the V8 sandbox, and the copy is small beside serialization itself.
  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    ruv_bytes* raw = nullptr;
    Check(env, ruv_hnsw_serialize(h, &raw));
    std::unique_ptr<ruv_bytes, void (*)(ruv_bytes*)> bytes(raw, ruv_bytes_free);
    const size_t size = ruv_bytes_size(bytes.get());
    Napi::Uint8Array out = Napi::Uint8Array::New(env, size);
    if (size != 0) std::memcpy(out.Data(), ruv_bytes_data(bytes.get()), size);
    return out;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    uint64_t stats[RUV_HNSW_STATS_COUNT];
    Check(env, ruv_hnsw_stats(h, stats));
    Napi::Array out = Napi::Array::New(env, RUV_HNSW_STATS_COUNT);
    for (uint32_t i = 0; i < RUV_HNSW_STATS_COUNT; ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(stats[i])));
    return out;
  }

  void Free(const Napi::CallbackInfo& info) {
    if (in_predicate_) {
      ThrowStatus(info.Env(), RUV_INVALID_ARGUMENT, "HnswIndex: a filter predicate must not free its own index");
    }
    if (freed_) return;
    freed_ = true;
    if (pending_ == 0) Release();
  }

  ruv_hnsw* h_ = nullptr;
  bool freed_ = false;
  bool in_predicate_ = false;
  int pending_ = 0;         // async calls not yet settled
  int pending_writes_ = 0;  // of which writes (queued or running)
  bool write_running_ = false;
  std::deque<HnswWorker*> queued_writes_;  // async writes not yet handed to libuv, in call order
};

HnswWorker::HnswWorker(Napi::Env env, HnswWrap* wrap, bool write)
    : Napi::AsyncWorker(env, write ? "ruvHnswInsertBatch" : "ruvHnswSearch"),
      wrap_(wrap),
      handle_(wrap->handle()),
      deferred_(Napi::Promise::Deferred::New(env)),
      self_(Napi::Persistent(wrap->Value())),
      write_(write) {
  wrap_->BeginAsync(write_);
}

HnswWorker::~HnswWorker() = default;

void HnswWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  wrap_->EndAsync(write_);
  if (status_ != RUV_OK) {
    deferred_.Reject(StatusError(env, status_, message_));
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void HnswWorker::OnError(const Napi::Error& e) {
  wrap_->EndAsync(write_);
  deferred_.Reject(e.Value());
}

class InsertBatchWorker : public HnswWorker {
 public:
  InsertBatchWorker(Napi::Env env, HnswWrap* wrap, PackedIds ids, Napi::Float32Array flat, size_t dim)
      : HnswWorker(env, wrap, true),
        ids_(std::move(ids)),
        flat_ref_(Napi::Persistent(static_cast<Napi::Object>(flat))),
        flat_(flat.Data()),
        dim_(dim) {}

  void Execute() override {
    Capture(ruv_hnsw_insert_batch(handle_, ids_.bytes.data(), ids_.bytes.size(), ids_.lens.data(), ids_.count(),
                                  flat_, dim_, 0));
  }

 private:
  PackedIds ids_;
  Napi::ObjectReference flat_ref_;  // keeps the vectors alive; read in place on the worker
  const float* flat_;
  size_t dim_;
};

class SearchWorker : public HnswWorker {
 public:
  SearchWorker(Napi::Env env, HnswWrap* wrap, std::vector<float> query, size_t k, uint32_t ef,
               std::optional<PackedIds> allow)
      : HnswWorker(env, wrap, false), query_(std::move(query)), k_(k), ef_(ef), allow_(std::move(allow)) {}
  ~SearchWorker() override { ruv_hnsw_results_free(results_); }

  void Execute() override {
    Capture(ruv_hnsw_search(handle_, query_.data(), query_.size(), k_, ef_,
                            allow_ ? allow_->bytes.data() : nullptr, allow_ ? allow_->bytes.size() : 0,
                            allow_ ? allow_->lens.data() : nullptr, allow_ ? allow_->count() : 0, nullptr, nullptr,
                            &results_));
  }

 protected:
  Napi::Value Result(Napi::Env env) override {
    ruv_hnsw_results* r = results_;
    results_ = nullptr;  // HitsToJs frees it
    return HitsToJs(env, r);
  }

 private:
  std::vector<float> query_;  // a copy: dim floats, cheaper than holding a reference
  size_t k_;
  uint32_t ef_;
  std::optional<PackedIds> allow_;
  ruv_hnsw_results* results_ = nullptr;
};

Napi::Value HnswWrap::InsertBatchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Use(env, false);
  PackedIds ids = PackIds(env, info[0]);
  auto flat = TypedArrayArg<float>(info, 1);
  const size_t dim = BatchDim(env, ids, flat.length);
  if (ids.count() == 0) {
    Napi::Promise::Deferred done = Napi::Promise::Deferred::New(env);
    done.Resolve(env.Undefined());
    return done.Promise();
  }
  auto* worker = new InsertBatchWorker(env, this, std::move(ids), info[1].As<Napi::Float32Array>(), dim);
  Napi::Promise promise = worker->Promise();
  queued_writes_.push_back(worker);
  StartNextWrite();
  return promise;
}

Napi::Value HnswWrap::SearchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Use(env, false);
  auto q = TypedArrayArg<float>(info, 0);
  const size_t k = SizeArg(info, 1);
  const size_t ef = SizeArg(info, 2);
  if (ef > UINT32_MAX) ThrowStatus(env, RUV_INVALID_ARGUMENT, "searchAsync: ef out of range");
  std::optional<PackedIds> allow = OptionalIds(info, 3);
  auto* worker = new SearchWorker(env, this, std::vector<float>(q.data, q.data + q.length), k,
                                  static_cast<uint32_t>(ef), std::move(allow));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterHnsw(Napi::Env env, Napi::Object exports) { exports.Set("HnswIndex", HnswWrap::Define(env)); }

}  // namespace ruv_node
