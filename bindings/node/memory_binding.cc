// Semantic memory (core/capi/ruv_capi_memory.h) as a JS class `Memory` wrapping one ruv_memory*:
//   new Memory(dim, m, efConstruction, efSearch, metric, storage, seed: bigint)
//   new Memory(bytes: Uint8Array)   -- a snapshot (FORMAT.md); header(): its stored header
//   serialize(header: string): Uint8Array
//   putBatch(ids[], texts[], metadataJsons[], flat, keep: Uint8Array | null, defer?: boolean)
//   putBatchAsync(same): Promise<void>   (on a libuv worker, every core; strings copied first,
//                                          flat read in place: do not change it until it settles)
//   indexPendingAsync(max, threads = 0): Promise<number>  (links up to max deferred rows on a
//                                          libuv worker, on `threads` threads, 0: every core;
//                                          resolves with how many are left)
//   pending(): number                     (deferred rows not linked yet)
//   put(id, text, metadataJson, v | null) / remove(id): boolean / get(id): Uint8Array | null
//   count(): number / listIds(start, max): [packed hits (ids only), next position]
//   verify(reference: Memory | null, repair: boolean): [Float64Array counts, packed ids]
//   getMany(ids[]): Uint8Array (ruv_memory_get_many) / contains(id): boolean
//   search(q, k, ef, filterJson): Uint8Array (packed hits) / free()
//   searchHybrid(q, text, k, ef, filterJson): [packed hits, Uint8Array of float64 fused scores]
// loadMemoryFile(path): Promise<Memory | null>   (read and loaded on a libuv worker; null: no file)
// Records and hits are the C ABI's bytes, decoded by js/src/memory/codec.ts and js/src/hnsw/codec.ts
// (the decoders the wasm backend uses too). Every call is short (one walk, or an exact scan of a
// selective filter's matches) and runs on the calling thread.

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "async_handle.h"
#include "binding_util.h"
#include "file_bytes.h"
#include "packed_strings.h"
#include "ruv_capi_memory.h"

namespace ruv_node {
namespace {

using MemoryHandle = AsyncHandle<ruv_memory, ruv_memory_free>;
using MemoryCall = AsyncCall<ruv_memory, ruv_memory_free>;

// The arguments of putBatch, read on the JS thread.
struct PutBatchArgs {
  PackedIds ids, texts, metas;
  const float* flat = nullptr;
  size_t dim = 0;
  std::vector<uint8_t> keep;  // empty: none kept
  bool defer = false;

  static PutBatchArgs Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    PutBatchArgs a{PackIds(env, info[0]), PackIds(env, info[1]), PackIds(env, info[2])};
    auto flat = TypedArrayArg<float>(info, 3);
    const size_t n = a.ids.count();
    RequireLength(env, a.texts.count() == n && a.metas.count() == n,
                  "putBatch: ids, texts and metadata differ in length");
    RequireLength(env, n == 0 ? flat.length == 0 : flat.length % n == 0,
                  "putBatch: flat length is not a multiple of ids.length");
    a.flat = flat.data;
    a.dim = n == 0 ? 0 : flat.length / n;
    if (!info[4].IsNull() && !info[4].IsUndefined()) {
      auto keep = TypedArrayArg<uint8_t>(info, 4);
      RequireLength(env, keep.length == n, "putBatch: keep differs in length from ids");
      a.keep.assign(keep.data, keep.data + keep.length);
    }
    a.defer = info.Length() > 5 && info[5].ToBoolean().Value();
    return a;
  }

  int32_t Call(ruv_memory* h, uint32_t threads) const {
    return ruv_memory_put_batch(h, ids.bytes.data(), ids.bytes.size(), ids.lens.data(), texts.bytes.data(),
                                texts.bytes.size(), texts.lens.data(), metas.bytes.data(), metas.bytes.size(),
                                metas.lens.data(), ids.count(), flat, dim,
                                keep.empty() ? nullptr : keep.data(), threads, defer ? 1 : 0);
  }
};

class PutBatchWorker : public MemoryCall {
 public:
  PutBatchWorker(Napi::Env env, MemoryHandle* owner, Napi::Object self, PutBatchArgs args, Napi::Object flat)
      // Not a queued write: SemanticMemory orders its writes itself, and a sync call meanwhile
      // (a get) waits for the core's lock rather than throwing.
      : MemoryCall(env, "ruvMemoryPutBatch", owner, self, false),
        args_(std::move(args)),
        flat_ref_(Napi::Persistent(flat)) {}
  void Execute() override { Capture(args_.Call(handle_, 0)); }

 private:
  PutBatchArgs args_;
  Napi::ObjectReference flat_ref_;  // keeps the vectors alive; read in place on the worker
};

// Links deferred rows on a libuv worker (every core), resolving with how many are left. Not a
// queued write either: the core's lock orders it with the writes around it.
class IndexPendingWorker : public MemoryCall {
 public:
  IndexPendingWorker(Napi::Env env, MemoryHandle* owner, Napi::Object self, uint32_t max, uint32_t threads)
      : MemoryCall(env, "ruvMemoryIndexPending", owner, self, false), max_(max), threads_(threads) {}
  void Execute() override { Capture(ruv_memory_index_pending(handle_, max_, threads_, &left_)); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(left_)); }

 private:
  uint32_t max_;
  uint32_t threads_;
  uint64_t left_ = 0;
};

std::string StringArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "expected a string");
  return info[index].As<Napi::String>().Utf8Value();
}

class MemoryWrap : public Napi::ObjectWrap<MemoryWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Memory",
        {InstanceMethod<&MemoryWrap::Put>("put"), InstanceMethod<&MemoryWrap::Remove>("remove"),
         InstanceMethod<&MemoryWrap::Get>("get"), InstanceMethod<&MemoryWrap::Count>("count"),
         InstanceMethod<&MemoryWrap::ListIds>("listIds"), InstanceMethod<&MemoryWrap::Search>("search"),
         InstanceMethod<&MemoryWrap::PutBatch>("putBatch"),
         InstanceMethod<&MemoryWrap::PutBatchAsync>("putBatchAsync"),
         InstanceMethod<&MemoryWrap::IndexPendingAsync>("indexPendingAsync"),
         InstanceMethod<&MemoryWrap::Pending>("pending"),
         InstanceMethod<&MemoryWrap::SearchHybrid>("searchHybrid"),
         InstanceMethod<&MemoryWrap::Serialize>("serialize"), InstanceMethod<&MemoryWrap::Header>("header"),
         InstanceMethod<&MemoryWrap::Verify>("verify"), InstanceMethod<&MemoryWrap::GetMany>("getMany"),
         InstanceMethod<&MemoryWrap::Contains>("contains"), InstanceMethod<&MemoryWrap::Free>("free")});
  }

  explicit MemoryWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<MemoryWrap>(info), h_({"Memory", "memory", "callback", "write"}) {
    Napi::Env env = info.Env();
    if (info.Length() == 2 && info[0].IsExternal()) {  // from loadMemoryFile
      *h_.out() = info[0].As<Napi::External<ruv_memory>>().Data();
      header_ = info[1].As<Napi::String>().Utf8Value();
      return;
    }
    if (info.Length() == 1) {
      auto bytes = TypedArrayArg<uint8_t>(info, 0);
      ruv_bytes* header = nullptr;
      Check(env, ruv_memory_deserialize(bytes.data, bytes.length, h_.out(), &header));
      const Napi::Uint8Array h = BytesToJs(env, header);
      header_.assign(reinterpret_cast<const char*>(h.Data()), h.ByteLength());
      return;
    }
    if (info.Length() < 7 || !info[6].IsBigInt())
      throw Napi::TypeError::New(env, "expected 7 arguments, seed a bigint");
    bool lossless = false;
    const uint64_t seed = info[6].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) ThrowStatus(env, RUV_INVALID_ARGUMENT, "Memory: seed must be a u64 bigint");
    Check(env,
          ruv_memory_create(U32Arg(info, 0, "memory"), U32Arg(info, 1, "memory"), U32Arg(info, 2, "memory"),
                            U32Arg(info, 3, "memory"), Int32Arg(info, 4), Int32Arg(info, 5), seed, h_.out()));
  }

 private:
  ruv_memory* Use(Napi::Env env) { return h_.Use(env, true); }

  void Put(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_memory* h = Use(env);
    const std::string id = IdArg(info, 0);
    const std::string text = StringArg(info, 1);
    const std::string meta = StringArg(info, 2);
    // null: keep the stored vector (a re-added text needs no new embedding)
    const bool keep = info[3].IsNull();
    const float* v = nullptr;
    size_t dim = 0;
    if (!keep) {
      auto view = TypedArrayArg<float>(info, 3);
      v = view.data;
      dim = view.length;
    }
    Check(env, ruv_memory_put(h, id.data(), id.size(), text.data(), text.size(), meta.data(), meta.size(), v,
                              dim));
  }

  void PutBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_memory* h = Use(env);
    const PutBatchArgs args = PutBatchArgs::Read(info);
    if (args.ids.count() == 0) return;
    Check(env, args.Call(h, 0));
  }

  Napi::Value PutBatchAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    h_.Use(env, false);
    PutBatchArgs args = PutBatchArgs::Read(info);
    if (args.ids.count() == 0) return Resolved(env);
    return (new PutBatchWorker(env, &h_, Value(), std::move(args), info[3].As<Napi::Object>()))->Start();
  }

  Napi::Value IndexPendingAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    h_.Use(env, false);
    const uint32_t max = U32Arg(info, 0, "memory");
    const uint32_t threads = info.Length() > 1 ? U32Arg(info, 1, "memory") : 0;
    return (new IndexPendingWorker(env, &h_, Value(), max, threads))->Start();
  }

  Napi::Value Pending(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t n = 0;
    Check(env, ruv_memory_pending(Use(env), &n));
    return Napi::Number::New(env, static_cast<double>(n));
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_memory* h = Use(env);
    const std::string id = IdArg(info, 0);
    int32_t removed = 0;
    Check(env, ruv_memory_remove(h, id.data(), id.size(), &removed));
    return Napi::Boolean::New(env, removed != 0);
  }

  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* h = Use(env);
    const std::string id = IdArg(info, 0);
    int32_t found = 0;
    ruv_bytes* out = nullptr;
    Check(env, ruv_memory_get(h, id.data(), id.size(), &found, &out));
    if (found == 0) return env.Null();
    return BytesToJs(env, out);
  }

  // getMany(ids: string[]): Uint8Array (per id: u32 found, then the record when found).
  Napi::Value GetMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* h = Use(env);
    const PackedIds ids = PackIds(env, info[0]);
    ruv_bytes* out = nullptr;
    Check(env,
          ruv_memory_get_many(h, ids.bytes.data(), ids.bytes.size(), ids.lens.data(), ids.count(), &out));
    return BytesToJs(env, out);
  }

  Napi::Value Contains(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string id = IdArg(info, 0);
    int32_t found = 0;
    Check(env, ruv_memory_contains(Use(env), id.data(), id.size(), &found));
    return Napi::Boolean::New(env, found != 0);
  }

  Napi::Value Count(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t n = 0;
    Check(env, ruv_memory_count(Use(env), &n));
    return Napi::Number::New(env, static_cast<double>(n));
  }

  Napi::Value ListIds(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_bytes* out = nullptr;
    uint32_t next = 0;
    Check(env,
          ruv_memory_list_ids(Use(env), U32Arg(info, 0, "memory"), U32Arg(info, 1, "memory"), &out, &next));
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, BytesToJs(env, out));
    pair.Set(1u, Napi::Number::New(env, next));
    return pair;
  }

  Napi::Value Verify(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* reference = nullptr;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Object other = info[0].As<Napi::Object>();
      if (!other.InstanceOf(info.This().As<Napi::Object>().Get("constructor").As<Napi::Function>()))
        throw Napi::TypeError::New(env, "verify: the reference is not a Memory");
      MemoryWrap* w = Napi::ObjectWrap<MemoryWrap>::Unwrap(other);
      if (w == this) throw Napi::TypeError::New(env, "verify: a memory is not its own reference");
      reference = w->Use(env);
    }
    const bool repair = info.Length() > 1 && info[1].ToBoolean().Value();
    uint64_t counts[RUV_MEMORY_VERIFY_COUNT] = {};
    ruv_bytes* ids = nullptr;
    Check(env, ruv_memory_verify(Use(env), reference, repair ? 1 : 0, counts, &ids));
    Napi::Float64Array values = Napi::Float64Array::New(env, RUV_MEMORY_VERIFY_COUNT);
    for (int i = 0; i < RUV_MEMORY_VERIFY_COUNT; ++i) values[i] = static_cast<double>(counts[i]);
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, values);
    pair.Set(1u, BytesToJs(env, ids));
    return pair;
  }

  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* h = Use(env);
    auto q = TypedArrayArg<float>(info, 0);
    const size_t k = SizeArg(info, 1);
    const uint32_t ef = U32Arg(info, 2, "memory");
    const std::string filter = StringArg(info, 3);
    ruv_bytes* out = nullptr;
    Check(env, ruv_memory_search(h, q.data, q.length, k, ef, filter.data(), filter.size(), &out));
    return BytesToJs(env, out);
  }

  Napi::Value SearchHybrid(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* h = Use(env);
    auto q = TypedArrayArg<float>(info, 0);
    const std::string text = StringArg(info, 1);
    const size_t k = SizeArg(info, 2);
    const uint32_t ef = U32Arg(info, 3, "memory");
    const std::string filter = StringArg(info, 4);
    ruv_bytes* out = nullptr;
    ruv_bytes* fused = nullptr;
    Check(env, ruv_memory_search_hybrid(h, q.data, q.length, text.data(), text.size(), k, ef, filter.data(),
                                        filter.size(), &out, &fused));
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, BytesToJs(env, out));
    pair.Set(1u, BytesToJs(env, fused));
    return pair;
  }

  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ruv_memory* h = Use(env);
    const std::string header = StringArg(info, 0);
    ruv_bytes* out = nullptr;
    Check(env, ruv_memory_serialize(h, header.data(), header.size(), &out));
    return BytesToJs(env, out);
  }

  Napi::Value Header(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), header_); }

  void Free(const Napi::CallbackInfo& info) { h_.Free(info.Env()); }

  MemoryHandle h_;
  std::string header_;  // the header of the snapshot this memory was loaded from

 public:
  static Napi::FunctionReference* constructor;
};

Napi::FunctionReference* MemoryWrap::constructor = nullptr;

// loadMemoryFile(path): Promise<Memory | null>. Reads a snapshot file and loads it on a libuv
// worker: its bytes never reach JS (a snapshot may be hundreds of MB, which V8 would hold until
// a GC) and the event loop runs meanwhile. null when the file does not exist; a read error
// rejects with an Error whose code is the errno name, as node:fs's do; bad bytes, CORRUPT_DATA.
class LoadFileWorker : public DetachedCall {
 public:
  LoadFileWorker(Napi::Env env, std::string path)
      : DetachedCall(env, "ruvMemoryLoadFile"), path_(std::move(path)) {}
  ~LoadFileWorker() override { ruv_memory_free(memory_); }  // only still set when no wrap was made

  void Execute() override {
    FileBytes bytes;
    errno_ = bytes.Load(path_);
    if (errno_ == ENOMEM) {
      errno_ = 0;
      Fail(RUV_OUT_OF_MEMORY, "cannot hold the snapshot in memory");
      return;
    }
    if (errno_ != 0) return;
    ruv_bytes* header = nullptr;
    const int32_t status = ruv_memory_deserialize(bytes.data(), bytes.size(), &memory_, &header);
    bytes.Release();  // before anything else: the core holds its own copy
    Capture(status);
    if (status != RUV_OK) return;
    header_.assign(reinterpret_cast<const char*>(ruv_bytes_data(header)), ruv_bytes_size(header));
    ruv_bytes_free(header);
  }

 protected:
  Napi::Value Result(Napi::Env env) override {
    if (errno_ == ENOENT) return env.Null();
    if (errno_ != 0) throw ErrnoError(env, errno_);  // (the store names the file)
    Napi::Object wrap = MemoryWrap::constructor->New(
        {Napi::External<ruv_memory>::New(env, memory_), Napi::String::New(env, header_)});
    memory_ = nullptr;
    return wrap;
  }

 private:
  std::string path_;
  int errno_ = 0;
  std::string header_;
  ruv_memory* memory_ = nullptr;
};

Napi::Value LoadMemoryFile(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "loadMemoryFile: expected a path");
  return (new LoadFileWorker(info.Env(), info[0].As<Napi::String>().Utf8Value()))->Start();
}

}  // namespace

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = MemoryWrap::Define(env);
  MemoryWrap::constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("Memory", cls);
  exports.Set("loadMemoryFile", Napi::Function::New<LoadMemoryFile>(env, "loadMemoryFile"));
}

}  // namespace ruv_node
