// HNSW index (core/capi/ruv_capi_hnsw.h) as a JS class `HnswIndex` wrapping one ruv_hnsw*:
//   new HnswIndex(dim, m, efConstruction, efSearch, metric, storage, seed: bigint)
//   new HnswIndex(bytes: Uint8Array)                       -- deserialize
//   insert(id, v) / insertBatch(ids, flat) / insertBatchAsync(ids, flat): Promise<void>
//   search(q, k, ef, allowIds?: string[] | null, predicate?: (id) => boolean | null)
//   searchAsync(q, k, ef, allowIds?: string[] | null): Promise<hits>    (no predicate)
//   remove(id): boolean / contains(id): boolean / serialize(): Uint8Array
//   serializeAsync(): Promise<Uint8Array>                 (on a libuv worker)
//   listIds(start, max): [packed hits (ids only), next slot]
//   stats(): Uint8Array (ruv_hnsw_stats_t) / free()
//   annotation(): Uint8Array (UTF-8) / setAnnotation(text: string)
// deserializeHnswAsync(bytes): Promise<HnswIndex>          (parsed and checked on a libuv worker)
// Hits are the C ABI's packed hits (a Uint8Array), decoded in JS by js/src/hnsw/codec.ts.
//
// Lifetime, the write FIFO and free after settle: async_handle.h. insertBatchAsync runs on a
// libuv worker with threads = 0 (all cores).
//
// Concurrency (the core's: reads concurrent, writes exclusive):
// - Sync writes during a searchAsync wait for that one search (milliseconds): allowed.
// - searchAsync issued while an insertBatchAsync is pending may or may not see its entries.
// - A predicate runs on the JS thread inside search(); it must not call into the same index
//   (rejected with INVALID_ARGUMENT); an exception it throws becomes search()'s exception.
// The caller must not detach, resize or change the Float32Array given to insertBatchAsync, or the
// bytes given to deserializeHnswAsync, until the call settles (they are read in place from a worker
// thread; a reference keeps them from being collected).
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "async_handle.h"
#include "binding_util.h"
#include "packed_strings.h"
#include "ruv_capi_hnsw.h"

namespace ruv_node {
namespace {

// allowIds argument: absent/null/undefined means no id filter.
std::optional<PackedIds> OptionalIds(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return std::nullopt;
  return PackIds(info.Env(), info[index]);
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

using HnswHandle = AsyncHandle<ruv_hnsw, ruv_hnsw_free>;
using HnswCall = AsyncCall<ruv_hnsw, ruv_hnsw_free>;

class HnswWrap : public Napi::ObjectWrap<HnswWrap> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "HnswIndex",
        {InstanceMethod<&HnswWrap::Insert>("insert"), InstanceMethod<&HnswWrap::InsertBatch>("insertBatch"),
         InstanceMethod<&HnswWrap::InsertBatchAsync>("insertBatchAsync"),
         InstanceMethod<&HnswWrap::Search>("search"), InstanceMethod<&HnswWrap::SearchAsync>("searchAsync"),
         InstanceMethod<&HnswWrap::Remove>("remove"), InstanceMethod<&HnswWrap::Contains>("contains"),
         InstanceMethod<&HnswWrap::ListIds>("listIds"), InstanceMethod<&HnswWrap::Serialize>("serialize"),
         InstanceMethod<&HnswWrap::SerializeAsync>("serializeAsync"),
         InstanceMethod<&HnswWrap::Stats>("stats"), InstanceMethod<&HnswWrap::Free>("free"),
         InstanceMethod<&HnswWrap::Annotation>("annotation"),
         InstanceMethod<&HnswWrap::SetAnnotation>("setAnnotation")});
  }

  explicit HnswWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<HnswWrap>(info), h_({"HnswIndex", "index", "filter predicate", "insertBatchAsync"}) {
    Napi::Env env = info.Env();
    if (info.Length() == 1 && info[0].IsExternal()) {  // from deserializeHnswAsync
      *h_.out() = info[0].As<Napi::External<ruv_hnsw>>().Data();
      return;
    }
    if (info.Length() == 1) {
      auto bytes = TypedArrayArg<uint8_t>(info, 0);
      Check(env, ruv_hnsw_deserialize(bytes.data, bytes.length, h_.out()));
      return;
    }
    if (info.Length() < 7 || !info[6].IsBigInt())
      throw Napi::TypeError::New(env, "expected 7 arguments, seed a bigint");
    bool lossless = false;
    const uint64_t seed = info[6].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) ThrowStatus(env, RUV_INVALID_ARGUMENT, "HnswIndex: seed must be a u64 bigint");
    auto u32 = [&](size_t i) {
      const size_t v = SizeArg(info, i);
      if (v > UINT32_MAX) ThrowStatus(env, RUV_INVALID_ARGUMENT, "HnswIndex: config value out of range");
      return static_cast<uint32_t>(v);
    };
    Check(env, ruv_hnsw_create(u32(0), u32(1), u32(2), u32(3), Int32Arg(info, 4), Int32Arg(info, 5), seed,
                               h_.out()));
  }

 private:
  ruv_hnsw* Use(Napi::Env env, bool sync) { return h_.Use(env, sync); }

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
    RequireLength(env, flat_length % ids.count() == 0,
                  "insertBatch: flat length is not a multiple of ids.length");
    return flat_length / ids.count();
  }

  void InsertBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    const PackedIds ids = PackIds(env, info[0]);
    auto flat = TypedArrayArg<float>(info, 1);
    size_t dim = BatchDim(env, ids, flat.length);
    if (ids.count() == 0) return;
    Check(env, ruv_hnsw_insert_batch(h, ids.bytes.data(), ids.bytes.size(), ids.lens.data(), ids.count(),
                                     flat.data, dim, 0));
  }

  Napi::Value InsertBatchAsync(const Napi::CallbackInfo& info);
  Napi::Value SearchAsync(const Napi::CallbackInfo& info);
  Napi::Value SerializeAsync(const Napi::CallbackInfo& info);

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
    ruv_bytes* r = nullptr;
    h_.SetInCallback(predicate.has_value());
    const int32_t status = ruv_hnsw_search(
        h, q.data, q.length, k, static_cast<uint32_t>(ef), allow ? allow->bytes.data() : nullptr,
        allow ? allow->bytes.size() : 0, allow ? allow->lens.data() : nullptr, allow ? allow->count() : 0,
        predicate ? &Predicate::Call : nullptr, predicate ? &*predicate : nullptr, &r);
    h_.SetInCallback(false);
    if (predicate && predicate->error) {
      if (status == RUV_OK) ruv_bytes_free(r);
      throw *predicate->error;
    }
    Check(env, status);
    return BytesToJs(env, r);
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    const std::string id = IdArg(info, 0);
    int32_t removed = 0;
    Check(env, ruv_hnsw_remove(h, id.data(), id.size(), &removed));
    return Napi::Boolean::New(env, removed != 0);
  }

  Napi::Value Annotation(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_bytes* out = nullptr;
    Check(env, ruv_hnsw_annotation(Use(env, true), &out));
    return BytesToJs(env, out);
  }

  Napi::Value SetAnnotation(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_hnsw* h = Use(env, true);
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "expected a string");
    const std::string text = info[0].As<Napi::String>().Utf8Value();
    Check(env, ruv_hnsw_set_annotation(h, text.data(), text.size()));
    return env.Undefined();
  }

  Napi::Value Contains(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = h_.UseForLookup(env);
    const std::string id = IdArg(info, 0);
    int32_t found = 0;
    Check(env, ruv_hnsw_contains(h, id.data(), id.size(), &found));
    return Napi::Boolean::New(env, found != 0);
  }

  Napi::Value ListIds(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    const size_t start = SizeArg(info, 0);
    const size_t max = SizeArg(info, 1);
    if (start > UINT32_MAX || max > UINT32_MAX)
      ThrowStatus(env, RUV_INVALID_ARGUMENT, "listIds: out of range");
    ruv_bytes* raw = nullptr;
    uint32_t next = 0;
    Check(env, ruv_hnsw_list_ids(h, static_cast<uint32_t>(start), static_cast<uint32_t>(max), &raw, &next));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(uint32_t{0}, BytesToJs(env, raw));
    out.Set(uint32_t{1}, Napi::Number::New(env, next));
    return out;
  }

  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = Use(env, true);
    ruv_bytes* raw = nullptr;
    Check(env, ruv_hnsw_serialize(h, &raw));
    return BytesToJs(env, raw);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_hnsw* h = h_.UseForLookup(env);
    ruv_hnsw_stats_t stats;
    Check(env, ruv_hnsw_stats(h, &stats));
    Napi::Uint8Array out = Napi::Uint8Array::New(env, sizeof(stats));
    std::memcpy(out.Data(), &stats, sizeof(stats));
    return out;
  }

  void Free(const Napi::CallbackInfo& info) { h_.Free(info.Env()); }

  HnswHandle h_;
};

Napi::FunctionReference* HnswWrap::constructor = nullptr;

// A read on a worker whose result is a C ABI bytes object (hits, a serialized index).
class BytesCall : public HnswCall {
 public:
  BytesCall(Napi::Env env, const char* name, HnswHandle* owner, Napi::Object self)
      : HnswCall(env, name, owner, self, false) {}
  ~BytesCall() override { ruv_bytes_free(bytes_); }

 protected:
  Napi::Value Result(Napi::Env env) override {
    ruv_bytes* r = bytes_;
    bytes_ = nullptr;  // BytesToJs frees it
    return BytesToJs(env, r);
  }

  ruv_bytes* bytes_ = nullptr;  // written by Execute()
};

// serializeAsync: the bytes are written on a worker (a read: it runs beside searches).
class SerializeWorker : public BytesCall {
 public:
  SerializeWorker(Napi::Env env, HnswHandle* owner, Napi::Object self)
      : BytesCall(env, "ruvHnswSerialize", owner, self) {}

  void Execute() override { Capture(ruv_hnsw_serialize(handle_, &bytes_)); }
};

// deserializeHnswAsync: parses and checks the bytes in place on a worker, then wraps the index.
class DeserializeWorker : public DetachedCall {
 public:
  DeserializeWorker(Napi::Env env, Napi::Uint8Array bytes)
      : DetachedCall(env, "ruvHnswDeserialize"),
        bytes_ref_(Napi::Persistent(static_cast<Napi::Object>(bytes))),
        data_(bytes.Data()),
        size_(bytes.ByteLength()) {}
  ~DeserializeWorker() override { ruv_hnsw_free(index_); }  // only still set when the wrap was not made

  void Execute() override { Capture(ruv_hnsw_deserialize(data_, size_, &index_)); }

 protected:
  Napi::Value Result(Napi::Env env) override {
    Napi::Object wrap = HnswWrap::constructor->New({Napi::External<ruv_hnsw>::New(env, index_)});
    index_ = nullptr;
    return wrap;
  }

 private:
  Napi::ObjectReference bytes_ref_;  // keeps the bytes alive; read in place on the worker
  const uint8_t* data_;
  size_t size_;
  ruv_hnsw* index_ = nullptr;
};

Napi::Value HnswWrap::SerializeAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Use(env, false);
  return (new SerializeWorker(env, &h_, Value()))->Start();
}

Napi::Value DeserializeHnswAsync(const Napi::CallbackInfo& info) {
  (void)TypedArrayArg<uint8_t>(info, 0);  // checks the type
  return (new DeserializeWorker(info.Env(), info[0].As<Napi::Uint8Array>()))->Start();
}

class InsertBatchWorker : public HnswCall {
 public:
  InsertBatchWorker(Napi::Env env, HnswHandle* owner, Napi::Object self, PackedIds ids,
                    Napi::Float32Array flat, size_t dim)
      : HnswCall(env, "ruvHnswInsertBatch", owner, self, true),
        ids_(std::move(ids)),
        flat_ref_(Napi::Persistent(static_cast<Napi::Object>(flat))),
        flat_(flat.Data()),
        dim_(dim) {}

  void Execute() override {
    Capture(ruv_hnsw_insert_batch(handle_, ids_.bytes.data(), ids_.bytes.size(), ids_.lens.data(),
                                  ids_.count(), flat_, dim_, 0));
  }

 private:
  PackedIds ids_;
  Napi::ObjectReference flat_ref_;  // keeps the vectors alive; read in place on the worker
  const float* flat_;
  size_t dim_;
};

class SearchWorker : public BytesCall {
 public:
  SearchWorker(Napi::Env env, HnswHandle* owner, Napi::Object self, std::vector<float> query, size_t k,
               uint32_t ef, std::optional<PackedIds> allow)
      : BytesCall(env, "ruvHnswSearch", owner, self),
        query_(std::move(query)),
        k_(k),
        ef_(ef),
        allow_(std::move(allow)) {}

  void Execute() override {
    Capture(ruv_hnsw_search(handle_, query_.data(), query_.size(), k_, ef_,
                            allow_ ? allow_->bytes.data() : nullptr, allow_ ? allow_->bytes.size() : 0,
                            allow_ ? allow_->lens.data() : nullptr, allow_ ? allow_->count() : 0, nullptr,
                            nullptr, &bytes_));
  }

 private:
  std::vector<float> query_;  // a copy: dim floats, cheaper than holding a reference
  size_t k_;
  uint32_t ef_;
  std::optional<PackedIds> allow_;
};

Napi::Value HnswWrap::InsertBatchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Use(env, false);
  PackedIds ids = PackIds(env, info[0]);
  auto flat = TypedArrayArg<float>(info, 1);
  const size_t dim = BatchDim(env, ids, flat.length);
  if (ids.count() == 0) return Resolved(env);
  return (new InsertBatchWorker(env, &h_, Value(), std::move(ids), info[1].As<Napi::Float32Array>(), dim))
      ->Start();
}

Napi::Value HnswWrap::SearchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Use(env, false);
  auto q = TypedArrayArg<float>(info, 0);
  const size_t k = SizeArg(info, 1);
  const size_t ef = SizeArg(info, 2);
  if (ef > UINT32_MAX) ThrowStatus(env, RUV_INVALID_ARGUMENT, "searchAsync: ef out of range");
  std::optional<PackedIds> allow = OptionalIds(info, 3);
  return (new SearchWorker(env, &h_, Value(), std::vector<float>(q.data, q.data + q.length), k,
                           static_cast<uint32_t>(ef), std::move(allow)))
      ->Start();
}

}  // namespace

void RegisterHnsw(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = HnswWrap::Define(env);
  HnswWrap::constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("HnswIndex", cls);
  exports.Set("deserializeHnswAsync", Napi::Function::New<DeserializeHnswAsync>(env, "deserializeHnswAsync"));
}

}  // namespace ruv_node
