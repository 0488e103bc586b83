// Embedding model (core/capi/ruv_capi_embed.h) as a JS class `EmbedModel` wrapping one ruv_embed*:
//   loadEmbedModel(bundle, options: Int32Array (ruv_embed_options' 8 fields), lent):
//     Promise<EmbedModel>
//   info(): Uint32Array (RUV_EMBED_INFO_COUNT values)
//   embed(texts: Uint8Array, lens: Uint32Array): Float32Array          (count x dimensions)
//   embedAsync(texts, lens): Promise<Float32Array>                      (on a libuv worker)
//   tokenize(text: Uint8Array, pair: Uint8Array | null): [Int32Array ids, Int32Array typeIds]
//   chunk(text: Uint8Array, tokens, overlap): Uint32Array              ((begin, end) byte offsets)
//   hiddenStates(ids: Int32Array, typeIds: Int32Array, lens: Uint32Array): Float32Array
//   free()
// Texts arrive packed (UTF-8 back to back + lengths) by js/src/embeddings/codec.ts, the same
// bytes the wasm adapter hands its module. Loading (parsing + packing ~100 MB of weights) and
// batch embedding run on libuv workers so the event loop is never blocked by them; their inputs
// are copied first, so the caller may reuse its buffers at once. Lifetime: async_handle.h.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "async_handle.h"
#include "binding_util.h"
#include "ruv_capi_embed.h"

namespace ruv_node {
namespace {

using EmbedHandle = AsyncHandle<ruv_embed, ruv_embed_free>;
using EmbedCall = AsyncCall<ruv_embed, ruv_embed_free>;

class EmbedWrap : public Napi::ObjectWrap<EmbedWrap> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "EmbedModel",
        {InstanceMethod<&EmbedWrap::Info>("info"), InstanceMethod<&EmbedWrap::Embed>("embed"),
         InstanceMethod<&EmbedWrap::EmbedAsync>("embedAsync"),
         InstanceMethod<&EmbedWrap::Tokenize>("tokenize"), InstanceMethod<&EmbedWrap::Chunk>("chunk"),
         InstanceMethod<&EmbedWrap::HiddenStates>("hiddenStates"), InstanceMethod<&EmbedWrap::Free>("free")});
  }

  // Only loadEmbedModel constructs one, passing the loaded ruv_embed* as an External.
  explicit EmbedWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<EmbedWrap>(info), h_({"EmbedModel", "model", "callback", "load"}) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw Napi::TypeError::New(info.Env(), "EmbedModel is made by loadEmbedModel()");
    }
    *h_.out() = info[0].As<Napi::External<ruv_embed>>().Data();
  }

 private:
  uint32_t Dimensions(ruv_embed* m) {
    uint32_t values[RUV_EMBED_INFO_COUNT];
    ruv_embed_info(m, values);
    return values[0];
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_embed* m = h_.Use(env, true);
    Napi::Uint32Array out = Napi::Uint32Array::New(env, RUV_EMBED_INFO_COUNT);
    Check(env, ruv_embed_info(m, out.Data()));
    return out;
  }

  Napi::Value Embed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_embed* m = h_.Use(env, true);
    auto texts = TypedArrayArg<uint8_t>(info, 0);
    auto lens = TypedArrayArg<uint32_t>(info, 1);
    const size_t n = lens.length * Dimensions(m);
    Napi::Float32Array out = Napi::Float32Array::New(env, n);
    Check(env, ruv_embed_texts(m, reinterpret_cast<const char*>(texts.data), texts.length, lens.data,
                               lens.length, out.Data(), n));
    return out;
  }

  Napi::Value EmbedAsync(const Napi::CallbackInfo& info);

  Napi::Value Tokenize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_embed* m = h_.Use(env, true);
    auto text = TypedArrayArg<uint8_t>(info, 0);
    const bool has_pair = info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined();
    ArrayView<uint8_t> pair{nullptr, 0};
    if (has_pair) pair = TypedArrayArg<uint8_t>(info, 1);
    const char* pair_ptr =
        has_pair ? (pair.data != nullptr ? reinterpret_cast<const char*>(pair.data) : "") : nullptr;
    size_t count = 0;
    Check(env, ruv_embed_tokenize(m, reinterpret_cast<const char*>(text.data), text.length, pair_ptr,
                                  pair.length, nullptr, nullptr, 0, &count));
    Napi::Int32Array ids = Napi::Int32Array::New(env, count);
    Napi::Int32Array types = Napi::Int32Array::New(env, count);
    Check(env, ruv_embed_tokenize(m, reinterpret_cast<const char*>(text.data), text.length, pair_ptr,
                                  pair.length, ids.Data(), types.Data(), count, &count));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, ids);
    out.Set(1u, types);
    return out;
  }

  // chunk(text: Uint8Array, tokens, overlap): Uint32Array of (begin, end) byte offsets.
  Napi::Value Chunk(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_embed* m = h_.Use(env, true);
    auto text = TypedArrayArg<uint8_t>(info, 0);
    const auto tokens = static_cast<uint32_t>(SizeArg(info, 1));
    const auto overlap = static_cast<uint32_t>(SizeArg(info, 2));
    const char* p = reinterpret_cast<const char*>(text.data);
    size_t count = 0;
    Check(env, ruv_embed_chunk(m, p, text.length, tokens, overlap, nullptr, 0, &count));
    Napi::Uint32Array spans = Napi::Uint32Array::New(env, 2 * count);
    Check(env, ruv_embed_chunk(m, p, text.length, tokens, overlap, spans.Data(), count, &count));
    return spans;
  }

  Napi::Value HiddenStates(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ruv_embed* m = h_.Use(env, true);
    auto ids = TypedArrayArg<int32_t>(info, 0);
    auto types = TypedArrayArg<int32_t>(info, 1);
    auto lens = TypedArrayArg<uint32_t>(info, 2);
    size_t total = 0;
    for (size_t i = 0; i < lens.length; ++i) total += lens.data[i];
    RequireLength(env, total == ids.length && total == types.length,
                  "hiddenStates: lengths do not add up to ids");
    const size_t n = total * Dimensions(m);
    Napi::Float32Array out = Napi::Float32Array::New(env, n);
    Check(env, ruv_embed_hidden_states(m, ids.data, types.data, lens.data, lens.length, out.Data(), n));
    return out;
  }

  void Free(const Napi::CallbackInfo& info) { h_.Free(info.Env()); }

  EmbedHandle h_;
  friend class EmbedWorker;
};

Napi::FunctionReference* EmbedWrap::constructor = nullptr;

// embedAsync: the texts are copied, the vectors computed on a worker into C++ memory, then copied
// into a Float32Array on the JS thread (small beside the forward pass).
class EmbedWorker : public EmbedCall {
 public:
  EmbedWorker(Napi::Env env, EmbedHandle* owner, Napi::Object self, std::string texts,
              std::vector<uint32_t> lens, uint32_t dims)
      : EmbedCall(env, "ruvector:embed", owner, self, false),
        texts_(std::move(texts)),
        lens_(std::move(lens)),
        out_(lens_.size() * dims) {}

  void Execute() override {
    Capture(ruv_embed_texts(handle_, texts_.data(), texts_.size(), lens_.data(), lens_.size(), out_.data(),
                            out_.size()));
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array out = Napi::Float32Array::New(env, out_.size());
    if (!out_.empty()) std::memcpy(out.Data(), out_.data(), out_.size() * sizeof(float));
    return out;
  }

 private:
  std::string texts_;
  std::vector<uint32_t> lens_;
  std::vector<float> out_;
};

Napi::Value EmbedWrap::EmbedAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ruv_embed* m = h_.Use(env, false);
  auto texts = TypedArrayArg<uint8_t>(info, 0);
  auto lens = TypedArrayArg<uint32_t>(info, 1);
  return (new EmbedWorker(env, &h_, Value(),
                          std::string(reinterpret_cast<const char*>(texts.data), texts.length),
                          std::vector<uint32_t>(lens.data, lens.data + lens.length), Dimensions(m)))
      ->Start();
}

// loadEmbedModel: parses the bundle and packs the weights on a worker, then wraps the handle.
// A lent bundle (the runtime's own bytes, which no JS code touches until the promise settles) is
// read in place, kept alive by a reference; any other is copied first, as the caller's code
// could change it while the worker reads.
class LoadWorker : public DetachedCall {
 public:
  LoadWorker(Napi::Env env, Napi::Uint8Array bundle, bool lent, ruv_embed_options options)
      : DetachedCall(env, "ruvector:loadModel"), options_(options) {
    if (lent) {
      keep_ = Napi::Persistent(static_cast<Napi::Object>(bundle));
      data_ = bundle.Data();
      size_ = bundle.ByteLength();
    } else {
      copy_.assign(bundle.Data(), bundle.Data() + bundle.ByteLength());
      data_ = copy_.data();
      size_ = copy_.size();
    }
  }
  ~LoadWorker() override { ruv_embed_free(model_); }  // only still set when the wrap was not made

  void Execute() override {
    Capture(ruv_embed_load(data_, size_, &options_, &model_));
    std::vector<uint8_t>().swap(copy_);  // the model keeps what it needs
  }

 protected:
  Napi::Value Result(Napi::Env env) override {
    Napi::Object wrap = EmbedWrap::constructor->New({Napi::External<ruv_embed>::New(env, model_)});
    model_ = nullptr;
    return wrap;
  }

 private:
  Napi::ObjectReference keep_;  // a lent bundle, alive until this worker is deleted (JS thread)
  std::vector<uint8_t> copy_;   // a copied one
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  ruv_embed_options options_;
  ruv_embed* model_ = nullptr;
};

Napi::Value LoadEmbedModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TypedArrayArg<uint8_t>(info, 0);  // checks the type
  const Napi::Uint8Array bundle = info[0].As<Napi::Uint8Array>();
  // The fields of ruv_embed_options in order, 32 bits each, as the TypeScript codec encodes them
  // for both bindings (embeddings/codec.ts encodeLoadParams; the wasm adapter copies them too).
  static_assert(sizeof(ruv_embed_options) == 8 * sizeof(int32_t), "ruv_embed_options: 8 x 32-bit fields");
  const auto fields = TypedArrayArg<int32_t>(info, 1);
  if (fields.length != 8) throw Napi::RangeError::New(env, "loadEmbedModel: expected 8 option fields");
  ruv_embed_options options;
  std::memcpy(&options, fields.data, sizeof options);
  const bool lent = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  return (new LoadWorker(env, bundle, lent, options))->Start();
}

}  // namespace

void RegisterEmbed(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = EmbedWrap::Define(env);
  EmbedWrap::constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("EmbedModel", cls);
  exports.Set("loadEmbedModel", Napi::Function::New<LoadEmbedModel>(env, "loadEmbedModel"));
}

}  // namespace ruv_node
