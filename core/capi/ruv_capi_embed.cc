// The embeddings part of the C ABI (ruv_capi_embed.h): argument checks and conversions around
// ruv::embed::EmbeddingModel. Errors go through capi_error.h. Nothing here throws across the
// boundary, aborts or prints.
#include "ruv_capi_embed.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capi_error.h"
#include "capi_packed.h"
#include "embed/embedding_model.h"
#include "embed/model/bundle.h"
#include "ruv/status.h"

struct ruv_embed {
  std::unique_ptr<ruv::embed::EmbeddingModel> model;
};

namespace {

using ruv::capi::Fail;
using ruv::capi::Guard;
using ruv::capi::Report;

constexpr auto kInvalid = ruv::ErrorCode::kInvalidArgument;
constexpr auto kMismatch = ruv::ErrorCode::kDimensionMismatch;

int32_t NullModel(const char* fn) { return Fail(kInvalid, (std::string(fn) + ": null model").c_str()); }

// ruv_embed_load, ruv_embed_load_taking and ruv_embed_load_sourced (errors named ruv_embed_load
// for all: the same message on every backend): `owner`, when set, owns the bundle's bytes and is
// handed to the model (ModelOptions::files_owner); `safetensors`, when set, is the model's
// model.safetensors read in pieces.
int32_t Load(const uint8_t* bundle, size_t size, const ruv_embed_options* options, ruv_embed** out,
             std::shared_ptr<void> owner, const ruv::embed::ByteSource* safetensors = nullptr) {
  return Guard([&]() -> int32_t {
    if (out == nullptr || (bundle == nullptr && size != 0))
      return Fail(kInvalid, "ruv_embed_load: null argument");
    ruv::embed::Bundle parsed;
    const bool checked = options != nullptr && options->digests_checked == 1;
    if (ruv::Status s = ruv::embed::ReadBundle(
            {bundle, size}, &parsed,
            checked ? ruv::embed::FileDigests::kTrust : ruv::embed::FileDigests::kVerify);
        !s.ok())
      return Report("ruv_embed_load", s);
    ruv::embed::ModelFiles files;
    for (const auto& f : parsed.files) files.emplace(f.name, f.data);
    ruv::embed::ModelOptions opts;
    if (options != nullptr) {
      if (options->weights < 0 || options->weights > 3)
        return Fail(kInvalid, "ruv_embed_load: weights must be 0, 1, 2 or 3");
      opts.max_tokens = options->max_tokens;
      opts.pooling = options->pooling;
      opts.normalize = options->normalize;
      opts.weights = static_cast<ruv::embed::WeightsFormat>(options->weights);
      opts.truncation = options->truncation;
      opts.threads = options->threads;
      if (options->dtype < 0 || options->dtype > 1)
        return Fail(kInvalid, "ruv_embed_load: dtype must be 0 or 1");
      opts.dtype = static_cast<ruv::embed::Dtype>(options->dtype);
    }
    opts.files_owner = std::move(owner);
    opts.safetensors_source = safetensors;
    auto handle = std::make_unique<ruv_embed>();
    if (ruv::Status s = ruv::embed::EmbeddingModel::Load(files, opts, &handle->model); !s.ok()) {
      return Report("ruv_embed_load", s);
    }
    *out = handle.release();
    return RUV_OK;
  });
}

// A bundle handed over by ruv_embed_load_taking: freed with its last holder once kept.
struct TakenBundle {
  explicit TakenBundle(void* p) : block(p) {}
  ~TakenBundle() {
    if (kept) ruv_free(block);
  }
  TakenBundle(const TakenBundle&) = delete;
  TakenBundle& operator=(const TakenBundle&) = delete;
  void* block;
  bool kept = false;
};

}  // namespace

extern "C" {

int32_t ruv_embed_load(const uint8_t* bundle, size_t size, const ruv_embed_options* options,
                       ruv_embed** out) {
  return Load(bundle, size, options, out, nullptr);
}

int32_t ruv_embed_load_taking(uint8_t* bundle, size_t size, const ruv_embed_options* options,
                              ruv_embed** out) {
  return Guard([&]() -> int32_t {
    if (bundle == nullptr) return Fail(kInvalid, "ruv_embed_load: null bundle");
    // The block is freed with the last holder, but only once the load has succeeded: before
    // that it is still the caller's. The encoder keeps it only if weights lie in it.
    auto taken = std::make_shared<TakenBundle>(bundle);
    const int32_t rc = Load(bundle, size, options, out, taken);
    if (rc == RUV_OK) taken->kept = true;
    return rc;
  });
}

int32_t ruv_embed_load_sourced(const uint8_t* bundle, size_t size, const ruv_embed_options* options,
                               size_t safetensors_size, ruv_embed_read_fn read, void* ctx, ruv_embed** out) {
  return Guard([&]() -> int32_t {
    if (read == nullptr) return Fail(kInvalid, "ruv_embed_load: null read function");
    ruv::embed::ByteSource source;
    source.size = safetensors_size;
    source.read = [read, ctx](uint64_t offset, size_t n, uint8_t* dst) {
      return read(ctx, static_cast<size_t>(offset), dst, n) == 1;
    };
    return Load(bundle, size, options, out, nullptr, &source);
  });
}

void ruv_embed_free(ruv_embed* m) { delete m; }

int32_t ruv_embed_info(const ruv_embed* m, uint32_t* out) {
  if (m == nullptr) return NullModel("ruv_embed_info");
  if (out == nullptr) return Fail(kInvalid, "ruv_embed_info: null out");
  const ruv::embed::ModelInfo& info = m->model->info();
  const uint32_t values[RUV_EMBED_INFO_COUNT] = {
      info.dimensions,
      info.max_tokens,
      static_cast<uint32_t>(info.max_tokens_source),
      static_cast<uint32_t>(info.pooling),
      info.normalize ? 1u : 0u,
      static_cast<uint32_t>(info.config.vocab_size),
      static_cast<uint32_t>(info.config.num_layers),
      static_cast<uint32_t>(info.config.num_heads),
      static_cast<uint32_t>(info.config.intermediate_size),
      static_cast<uint32_t>(info.config.max_position_embeddings),
      static_cast<uint32_t>(info.weights),
      static_cast<uint32_t>(info.config.hidden_act),
      info.truncate_left ? 1u : 0u,
      info.threads,
      static_cast<uint32_t>(info.dtype),
      static_cast<uint32_t>((info.weight_bytes + 1023) / 1024),
      static_cast<uint32_t>((info.weight_bytes_in_file + 1023) / 1024)};
  for (int i = 0; i < RUV_EMBED_INFO_COUNT; ++i) out[i] = values[i];
  return RUV_OK;
}

int32_t ruv_embed_texts(const ruv_embed* m, const char* texts, size_t texts_size, const uint32_t* lens,
                        size_t count, float* out, size_t out_len) {
  return Guard([&]() -> int32_t {
    if (m == nullptr) return NullModel("ruv_embed_texts");
    if (count != 0 && out == nullptr) return Fail(kInvalid, "ruv_embed_texts: null out");
    const size_t dims = m->model->info().dimensions;
    if (out_len != count * dims) return Fail(kMismatch, "ruv_embed_texts: out_len is not count x dimensions");
    std::vector<std::string_view> views;
    if (int32_t st =
            ruv::capi::UnpackStrings("ruv_embed_texts", "text", texts, texts_size, lens, count, &views);
        st != RUV_OK) {
      return st;
    }
    return Report("ruv_embed_texts", m->model->Embed(views, out));
  });
}

int32_t ruv_embed_tokenize(const ruv_embed* m, const char* text, size_t text_len, const char* pair,
                           size_t pair_len, int32_t* ids, int32_t* type_ids, size_t capacity, size_t* count) {
  return Guard([&]() -> int32_t {
    if (m == nullptr) return NullModel("ruv_embed_tokenize");
    if (count == nullptr || (text == nullptr && text_len != 0) || (pair == nullptr && pair_len != 0) ||
        (capacity != 0 && (ids == nullptr || type_ids == nullptr))) {
      return Fail(kInvalid, "ruv_embed_tokenize: null argument");
    }
    const std::string_view a(text == nullptr ? "" : text, text_len);
    const std::string_view b(pair == nullptr ? "" : pair, pair_len);
    ruv::embed::TokenizedText t;
    if (ruv::Status s = m->model->Tokenize(a, pair == nullptr ? nullptr : &b, &t); !s.ok()) {
      return Report("ruv_embed_tokenize", s);
    }
    *count = t.ids.size();
    for (size_t i = 0; i < t.ids.size() && i < capacity; ++i) {
      ids[i] = t.ids[i];
      type_ids[i] = t.type_ids[i];
    }
    return RUV_OK;
  });
}

int32_t ruv_embed_chunk(const ruv_embed* m, const char* text, size_t text_len, uint32_t tokens,
                        uint32_t overlap, uint32_t* spans, size_t capacity, size_t* count) {
  return Guard([&]() -> int32_t {
    if (m == nullptr) return NullModel("ruv_embed_chunk");
    if (count == nullptr || (text == nullptr && text_len != 0) || (capacity != 0 && spans == nullptr))
      return Fail(kInvalid, "ruv_embed_chunk: null argument");
    if (text_len > UINT32_MAX) return Fail(kInvalid, "ruv_embed_chunk: a text over 4 GiB");
    std::vector<ruv::embed::ChunkSpan> pieces;
    if (ruv::Status s = m->model->Chunk({text == nullptr ? "" : text, text_len}, tokens, overlap, &pieces);
        !s.ok()) {
      return Report("ruv_embed_chunk", s);
    }
    *count = pieces.size();
    for (size_t i = 0; i < pieces.size() && i < capacity; ++i) {
      spans[2 * i] = static_cast<uint32_t>(pieces[i].begin);
      spans[2 * i + 1] = static_cast<uint32_t>(pieces[i].end);
    }
    return RUV_OK;
  });
}

int32_t ruv_embed_hidden_states(const ruv_embed* m, const int32_t* ids, const int32_t* type_ids,
                                const uint32_t* lens, size_t count, float* out, size_t out_len) {
  return Guard([&]() -> int32_t {
    if (m == nullptr) return NullModel("ruv_embed_hidden_states");
    if (count != 0 && lens == nullptr) return Fail(kInvalid, "ruv_embed_hidden_states: null lengths");
    size_t total = 0;
    for (size_t i = 0; i < count; ++i) total += lens[i];
    if ((total != 0 && (ids == nullptr || type_ids == nullptr || out == nullptr))) {
      return Fail(kInvalid, "ruv_embed_hidden_states: null argument");
    }
    if (out_len != total * m->model->info().dimensions) {
      return Fail(kMismatch, "ruv_embed_hidden_states: out_len is not tokens x dimensions");
    }
    return Report("ruv_embed_hidden_states",
                  m->model->HiddenStates({ids, total}, {type_ids, total}, {lens, count}, out));
  });
}

}  // extern "C"
