#include "embed/embedding_model.h"

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "embed/encoder/bert_encoder.h"
#include "embed/encoder/pooling.h"
#include "embed/model/onnx_bert.h"
#include "embed/model/safetensors.h"
#include "embed/tokenizer/tokenizer.h"

namespace ruv::embed {
namespace {

using Json = nlohmann::json;

Status LoadFailed(const std::string& what) { return Status(ErrorCode::kModelLoadFailed, what); }

std::string_view Text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

const std::span<const uint8_t>* Find(const ModelFiles& files, std::string_view name) {
  auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

// Parses an optional JSON file (nullptr when absent); CORRUPT_DATA naming it when it is not JSON.
Status ParseJson(const ModelFiles& files, std::string_view name, Json* out, bool* present) {
  const auto* bytes = Find(files, name);
  *present = bytes != nullptr;
  if (bytes == nullptr) return Status::Ok();
  *out = Json::parse(Text(*bytes), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Status(ErrorCode::kCorruptData, std::string(name) + ": not valid JSON");
  return Status::Ok();
}

// sentence-transformers' modules.json: the folder of the Pooling module (if any) and whether a
// Normalize module follows it.
struct Modules {
  std::string pooling_dir = "1_Pooling";
  bool has_normalize = false;
  bool present = false;
};

Status ReadModules(const ModelFiles& files, Modules* out) {
  Json j;
  if (Status s = ParseJson(files, "modules.json", &j, &out->present); !s.ok() || !out->present) return s;
  if (!j.is_array()) return LoadFailed("modules.json: expected an array of modules");
  for (const Json& m : j) {
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      return LoadFailed("modules.json: every module needs a string \"type\"");
    }
    const std::string type = m["type"].get<std::string>();
    const std::string path = m.contains("path") && m["path"].is_string() ? m["path"].get<std::string>() : "";
    if (type == "sentence_transformers.models.Pooling") {
      out->pooling_dir = path;
    } else if (type == "sentence_transformers.models.Normalize") {
      out->has_normalize = true;
    } else if (type != "sentence_transformers.models.Transformer") {
      return LoadFailed("modules.json: module type " + type +
                        " is not supported (Transformer, Pooling, Normalize)");
    }
  }
  return Status::Ok();
}

Status ReadPooling(const ModelFiles& files, const Modules& modules, PoolingMode* out) {
  *out = PoolingMode::kMean;
  Json j;
  bool present = false;
  const std::string name = (modules.pooling_dir.empty() ? "" : modules.pooling_dir + "/") + "config.json";
  if (modules.pooling_dir.empty()) return Status::Ok();
  if (Status s = ParseJson(files, name, &j, &present); !s.ok() || !present) return s;
  if (!j.is_object()) return LoadFailed(name + ": expected an object");
  auto flag = [&](const char* key) { return j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); };
  const bool cls = flag("pooling_mode_cls_token"), mean = flag("pooling_mode_mean_tokens");
  for (const char* other : {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                            "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
    if (flag(other)) return LoadFailed(name + ": " + other + " is not supported (mean or CLS pooling)");
  }
  if (cls && mean)
    return LoadFailed(name + ": both CLS and mean pooling set (one mode, concatenation unsupported)");
  if (cls) *out = PoolingMode::kCls;
  return Status::Ok();
}

Status ReadSentenceBertMax(const ModelFiles& files, uint32_t* out) {
  *out = 0;
  Json j;
  bool present = false;
  if (Status s = ParseJson(files, "sentence_bert_config.json", &j, &present); !s.ok() || !present) return s;
  if (j.is_object() && j.contains("max_seq_length")) {
    if (!j["max_seq_length"].is_number_unsigned()) {
      return LoadFailed("sentence_bert_config.json: max_seq_length must be a positive integer");
    }
    *out = static_cast<uint32_t>(std::min<uint64_t>(j["max_seq_length"].get<uint64_t>(), 1u << 20));
  }
  return Status::Ok();
}

TruncationSide SideOf(const ModelInfo& info) {
  return info.truncate_left ? TruncationSide::kLeft : TruncationSide::kRight;
}

Status LoadTokenizer(const ModelFiles& files, std::unique_ptr<Tokenizer>* out) {
  if (const auto* tj = Find(files, "tokenizer.json")) {
    return Tokenizer::FromTokenizerJson(Text(*tj), out);  // its messages name tokenizer.json
  }
  const auto* vocab = Find(files, "vocab.txt");
  if (vocab == nullptr) return LoadFailed("the model has neither tokenizer.json nor vocab.txt");
  const auto* config = Find(files, "tokenizer_config.json");
  const auto* special = Find(files, "special_tokens_map.json");
  return Tokenizer::FromVocab(Text(*vocab), config ? Text(*config) : std::string_view(),
                              special ? Text(*special) : std::string_view(), out);
}

Status LoadWeights(const ModelFiles& files, const ByteSource* st_source, WeightsFormat wanted,
                   const BertConfig& config, BertWeights* w, WeightsFormat* used) {
  const auto* st = Find(files, "model.safetensors");
  const auto* onnx = Find(files, "onnx/model.onnx");
  if (onnx == nullptr) onnx = Find(files, "model.onnx");
  // The Hub's int8 export (onnxruntime's quantize_dynamic), read as its float graph
  // (onnx_quantized.h): chosen, or the last resort of auto.
  const auto* quantized = Find(files, "onnx/model_quantized.onnx");
  if (wanted == WeightsFormat::kAuto) {
    wanted = st != nullptr || st_source != nullptr ? WeightsFormat::kSafetensors
             : onnx != nullptr                     ? WeightsFormat::kOnnx
             : quantized != nullptr                ? WeightsFormat::kOnnxQuantized
                                                   : WeightsFormat::kOnnx;
  }
  if (wanted == WeightsFormat::kSafetensors) {
    *used = WeightsFormat::kSafetensors;
    if (st_source != nullptr) return LoadBertSafetensors(*st_source, config, w);
    if (st == nullptr) return LoadFailed("the model has no model.safetensors");
    return LoadBertSafetensors(st->data(), st->size(), config, w);  // its messages name the file
  }
  if (wanted == WeightsFormat::kOnnxQuantized) {
    if (quantized == nullptr) return LoadFailed("the model has no onnx/model_quantized.onnx");
    *used = WeightsFormat::kOnnxQuantized;
    return LoadBertOnnx(quantized->data(), quantized->size(), config, w, "onnx/model_quantized.onnx");
  }
  if (onnx == nullptr)
    return LoadFailed(
        "the model has no onnx/model.onnx (nor model.safetensors, nor onnx/model_quantized.onnx)");
  *used = WeightsFormat::kOnnx;
  return LoadBertOnnx(onnx->data(), onnx->size(), config, w);  // its messages name the file
}

}  // namespace

struct EmbeddingModel::Work {
  std::vector<int32_t> ids, type_ids;
  std::vector<uint32_t> lengths;
  std::vector<float> hidden;
  Encoding encoding;
  EncoderScratch scratch;
};

// Takes a Work from the pool (or a new one) and gives it back when done.
class EmbeddingModel::Lease {
 public:
  explicit Lease(const EmbeddingModel& m) : m_(m) {
    std::lock_guard<std::mutex> lock(m_.pool_mutex_);
    if (m_.pool_.empty()) {
      work_ = std::make_unique<Work>();
    } else {
      work_ = std::move(m_.pool_.back());
      m_.pool_.pop_back();
    }
  }
  ~Lease() {
    std::lock_guard<std::mutex> lock(m_.pool_mutex_);
    m_.pool_.push_back(std::move(work_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Work& operator*() const { return *work_; }

 private:
  const EmbeddingModel& m_;
  std::unique_ptr<Work> work_;
};

EmbeddingModel::EmbeddingModel() = default;
EmbeddingModel::~EmbeddingModel() = default;

Status EmbeddingModel::Load(const ModelFiles& files, const ModelOptions& options,
                            std::unique_ptr<EmbeddingModel>* out) {
  if (options.pooling < -1 || options.pooling > 1)
    return Status(ErrorCode::kInvalidArgument, "pooling must be -1, 0 or 1");
  if (options.normalize < -1 || options.normalize > 1) {
    return Status(ErrorCode::kInvalidArgument, "normalize must be -1, 0 or 1");
  }
  if (options.truncation < -1 || options.truncation > 1)
    return Status(ErrorCode::kInvalidArgument, "truncation must be -1, 0 or 1");
  if (options.dtype != Dtype::kFp32 && options.dtype != Dtype::kQ8)
    return Status(ErrorCode::kInvalidArgument, "dtype must be fp32 or q8");
  if (options.threads > kMaxThreads)
    return Status(ErrorCode::kInvalidArgument, "threads must be 1.." + std::to_string(kMaxThreads));
  std::unique_ptr<EmbeddingModel> model(new EmbeddingModel());
  ModelInfo& info = model->info_;
  const auto* config_json = Find(files, "config.json");
  if (config_json == nullptr) return LoadFailed("the model has no config.json");
  if (Status s = ParseBertConfig(std::string(Text(*config_json)), &info.config); !s.ok()) return s;
  const BertConfig& config = info.config;
  info.dimensions = static_cast<uint32_t>(config.hidden_size);

  Modules modules;
  PoolingMode pooling;
  uint32_t sbert_max = 0;
  if (Status s = ReadModules(files, &modules); !s.ok()) return s;
  if (Status s = ReadPooling(files, modules, &pooling); !s.ok()) return s;
  if (Status s = ReadSentenceBertMax(files, &sbert_max); !s.ok()) return s;
  info.pooling = options.pooling >= 0 ? static_cast<PoolingMode>(options.pooling) : pooling;
  info.normalize =
      options.normalize >= 0 ? options.normalize == 1 : (!modules.present || modules.has_normalize);

  if (Status s = LoadTokenizer(files, &model->tokenizer_); !s.ok()) return s;
  if (model->tokenizer_->vocab_size() > static_cast<size_t>(config.vocab_size)) {
    return LoadFailed("the tokenizer's vocabulary (" + std::to_string(model->tokenizer_->vocab_size()) +
                      ") is larger than config.json's vocab_size (" + std::to_string(config.vocab_size) +
                      ")");
  }

  info.truncate_left = options.truncation >= 0
                           ? options.truncation == 1
                           : model->tokenizer_->truncation_side() == TruncationSide::kLeft;
  const auto positions = static_cast<uint32_t>(config.max_position_embeddings);
  if (options.max_tokens != 0) {
    if (options.max_tokens < 2 || options.max_tokens > positions) {
      return Status(ErrorCode::kInvalidArgument,
                    "maxTokens must be 2.." + std::to_string(positions) + " (max_position_embeddings)");
    }
    info.max_tokens = options.max_tokens, info.max_tokens_source = MaxTokensSource::kOption;
  } else if (sbert_max != 0) {
    info.max_tokens = sbert_max, info.max_tokens_source = MaxTokensSource::kSentenceBert;
  } else if (model->tokenizer_->truncation_max_length() != 0) {
    info.max_tokens =
        static_cast<uint32_t>(std::min<size_t>(model->tokenizer_->truncation_max_length(), 1u << 20));
    info.max_tokens_source = MaxTokensSource::kTokenizer;
  } else {
    info.max_tokens = positions, info.max_tokens_source = MaxTokensSource::kPositions;
  }
  info.max_tokens = std::min(info.max_tokens, positions);

  const unsigned threads = options.threads == 0 ? DefaultThreads() : options.threads;
#if defined(__EMSCRIPTEN_PTHREADS__)
  // The module's fixed worker pool: every model runs on a share of it.
  model->threads_ = std::make_shared<ThreadPool>(SharedThreadPool(), threads);
#else
  // Natively each model has its own threads: calls on two models run side by side.
  model->threads_ = std::make_shared<ThreadPool>(threads);
#endif
  BertWeights weights;
  if (Status s =
          LoadWeights(files, options.safetensors_source, options.weights, config, &weights, &info.weights);
      !s.ok())
    return s;
  // The layers are packed (or quantized) on the model's threads; a file read in pieces is read on
  // this thread only.
  const bool sourced = options.safetensors_source != nullptr && info.weights == WeightsFormat::kSafetensors;
  if (Status s = BertEncoder::Create(config, std::move(weights), &model->encoder_, options.dtype,
                                     sourced ? nullptr : model->threads_.get(), options.files_owner);
      !s.ok())
    return s;
  info.dtype = options.dtype;
  info.weight_bytes = model->encoder_->weight_bytes();
  info.weight_bytes_in_file = model->encoder_->weight_bytes_in_file();
#if defined(__GLIBC__)
  // The float32 tensors were freed as they were packed or quantized, in pieces small enough for
  // glibc to keep in its heap: hand those pages back, so the process holds the model once.
  malloc_trim(0);
#endif
  info.threads = model->threads_->size();
  *out = std::move(model);
  return Status::Ok();
}

Status EmbeddingModel::Tokenize(std::string_view text, const std::string_view* pair,
                                TokenizedText* out) const {
  Encoding enc;
  Status s = pair == nullptr ? tokenizer_->Encode(text, info_.max_tokens, &enc, SideOf(info_))
                             : tokenizer_->EncodePair(text, *pair, info_.max_tokens, &enc, SideOf(info_));
  if (!s.ok()) return s;
  out->ids = std::move(enc.ids);
  out->type_ids = std::move(enc.type_ids);
  return Status::Ok();
}

Status EmbeddingModel::Chunk(std::string_view text, uint32_t tokens, uint32_t overlap,
                             std::vector<ChunkSpan>* out) const {
  const size_t specials = tokenizer_->SingleSpecialCount();
  if (tokens == 0) tokens = info_.max_tokens;
  if (tokens > info_.max_tokens || tokens <= specials) {
    return {ErrorCode::kInvalidArgument, "chunk tokens must be " + std::to_string(specials + 1) + ".." +
                                             std::to_string(info_.max_tokens) +
                                             " (the model's max tokens, special tokens included)"};
  }
  return ChunkText(*tokenizer_, text, tokens - specials, overlap, out);
}

Status EmbeddingModel::Embed(std::span<const std::string_view> texts, float* out) const {
  if (texts.empty()) return Status::Ok();
  Lease lease(*this);
  Work& w = *lease;
  w.ids.clear();
  w.type_ids.clear();
  w.lengths.clear();
  for (std::string_view text : texts) {
    if (Status s = tokenizer_->Encode(text, info_.max_tokens, &w.encoding, SideOf(info_)); !s.ok()) return s;
    w.ids.insert(w.ids.end(), w.encoding.ids.begin(), w.encoding.ids.end());
    w.type_ids.insert(w.type_ids.end(), w.encoding.type_ids.begin(), w.encoding.type_ids.end());
    w.lengths.push_back(static_cast<uint32_t>(w.encoding.ids.size()));
  }
  w.hidden.resize(w.ids.size() * info_.dimensions);
  if (Status s = encoder_->Forward(w.ids, w.type_ids, w.lengths, w.hidden.data(), &w.scratch, threads_.get());
      !s.ok())
    return s;
  return Pool(w.hidden.data(), info_.dimensions, w.lengths, info_.pooling, info_.normalize, out);
}

Status EmbeddingModel::HiddenStates(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                                    std::span<const uint32_t> lengths, float* out) const {
  Lease lease(*this);
  return encoder_->Forward(ids, type_ids, lengths, out, &(*lease).scratch, threads_.get());
}

}  // namespace ruv::embed
