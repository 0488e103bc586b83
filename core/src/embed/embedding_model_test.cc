// EmbeddingModel on the generated test models (tools/models/make_bert_model.py): the whole path
// from a folder's files to last_hidden_state and to pooled vectors, against torch's own output
// (reference.json, written by the generator straight from torch).
#include "embed/embedding_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "embed/model/model_test_util.h"

namespace ruv::embed {
namespace {

using testing::ReadBytes;
using testing::ReadText;

// Every file of a model folder, by relative path.
struct Folder {
  std::map<std::string, std::vector<uint8_t>> bytes;
  ModelFiles files;
  explicit Folder(const std::string& dir) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      const std::string rel = std::filesystem::relative(e.path(), dir).generic_string();
      bytes[rel] = ReadBytes(e.path().string());
    }
    for (const auto& [name, b] : bytes) files.emplace(name, std::span<const uint8_t>(b));
  }
};

std::unique_ptr<EmbeddingModel> Load(const Folder& folder, ModelOptions options = {}) {
  std::unique_ptr<EmbeddingModel> model;
  const Status s = EmbeddingModel::Load(folder.files, options, &model);
  EXPECT_TRUE(s.ok()) << s.message();
  return model;
}

// Each reference sequence run alone (only its real tokens) and all of them as one packed batch
// must equal torch's last_hidden_state on the real tokens.
void ExpectHiddenStatesMatchTorch(const std::string& dir, const EmbeddingModel& model) {
  const nlohmann::json cases = nlohmann::json::parse(ReadText(dir + "/reference.json"));
  const size_t hidden = model.info().dimensions;
  std::vector<int32_t> all_ids, all_types;
  std::vector<uint32_t> lengths;
  std::vector<float> expected;
  double worst = 0;
  for (const auto& c : cases) {
    const auto shape = c["shape"].get<std::vector<size_t>>();
    const auto flat = c["last_hidden_state"].get<std::vector<float>>();
    for (size_t b = 0; b < shape[0]; ++b) {
      std::vector<int32_t> ids, types;
      for (size_t t = 0; t < shape[1]; ++t) {
        if (c["attention_mask"][b][t].get<int>() == 0) continue;
        ids.push_back(c["input_ids"][b][t].get<int32_t>());
        types.push_back(c["token_type_ids"][b][t].get<int32_t>());
        for (size_t k = 0; k < hidden; ++k) expected.push_back(flat[(b * shape[1] + t) * hidden + k]);
      }
      std::vector<float> out(ids.size() * hidden);
      const uint32_t len = static_cast<uint32_t>(ids.size());
      ASSERT_TRUE(model.HiddenStates(ids, types, {&len, 1}, out.data()).ok());
      const float* want = expected.data() + expected.size() - out.size();
      for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::fabs(double(out[i]) - want[i]));
      all_ids.insert(all_ids.end(), ids.begin(), ids.end());
      all_types.insert(all_types.end(), types.begin(), types.end());
      lengths.push_back(len);
    }
  }
  EXPECT_LE(worst, 2e-5) << dir;
  std::vector<float> batch(all_ids.size() * hidden);
  ASSERT_TRUE(model.HiddenStates(all_ids, all_types, lengths, batch.data()).ok());
  double batch_worst = 0;
  for (size_t i = 0; i < batch.size(); ++i)
    batch_worst = std::max(batch_worst, std::fabs(double(batch[i]) - expected[i]));
  EXPECT_LE(batch_worst, 2e-5) << dir << " (packed batch)";
}

TEST(EmbeddingModelTest, HiddenStatesMatchTorchForEveryGeneratedModelAndWeightFile) {
  for (const char* name : {"tiny", "tiny-variant", "minilm"}) {
    RUV_REQUIRE_MODEL(dir, name);
    const Folder folder(dir);
    for (WeightsFormat w : {WeightsFormat::kSafetensors, WeightsFormat::kOnnx}) {
      ModelOptions options;
      options.weights = w;
      auto model = Load(folder, options);
      ASSERT_NE(model, nullptr);
      EXPECT_EQ(model->info().weights, w);
      ExpectHiddenStatesMatchTorch(dir, *model);
    }
  }
}

TEST(EmbeddingModelTest, PoolingNormalizeAndMaxTokensFollowTheFolder) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  const Folder folder(dir);
  auto model = Load(folder);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->info().pooling, PoolingMode::kMean);
  EXPECT_TRUE(model->info().normalize);
  // sentence_bert_config.json's max_seq_length wins over tokenizer.json's 128.
  const nlohmann::json sbert = nlohmann::json::parse(ReadText(dir + "/sentence_bert_config.json"));
  EXPECT_EQ(model->info().max_tokens, sbert["max_seq_length"].get<uint32_t>());
  EXPECT_EQ(model->info().max_tokens_source, MaxTokensSource::kSentenceBert);

  // Embed == mean of the hidden states of the text's tokens, L2-normalized (formula).
  const std::string_view text = "Hello, world! Tokenizers and encoders.";
  TokenizedText t;
  ASSERT_TRUE(model->Tokenize(text, nullptr, &t).ok());
  const size_t h = model->info().dimensions;
  std::vector<float> states(t.ids.size() * h);
  const uint32_t len = static_cast<uint32_t>(t.ids.size());
  ASSERT_TRUE(model->HiddenStates(t.ids, t.type_ids, {&len, 1}, states.data()).ok());
  std::vector<double> mean(h, 0.0);
  for (size_t i = 0; i < t.ids.size(); ++i)
    for (size_t k = 0; k < h; ++k) mean[k] += states[i * h + k] / double(t.ids.size());
  double norm = 0;
  for (double v : mean) norm += v * v;
  norm = std::sqrt(norm);
  std::vector<float> v(h);
  ASSERT_TRUE(model->Embed({&text, 1}, v.data()).ok());
  for (size_t k = 0; k < h; ++k) EXPECT_NEAR(v[k], mean[k] / norm, 1e-6);

  ModelOptions cap;
  cap.max_tokens = 5;
  auto capped = Load(folder, cap);
  ASSERT_TRUE(capped->Tokenize(text, nullptr, &t).ok());
  EXPECT_EQ(t.ids.size(), 5u);
  EXPECT_EQ(capped->info().max_tokens_source, MaxTokensSource::kOption);
}

TEST(EmbeddingModelTest, ClsPoolingFromTheVariantFolder) {
  RUV_REQUIRE_MODEL(dir, "tiny-variant");
  auto model = Load(Folder(dir));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->info().pooling, PoolingMode::kCls);
}

TEST(EmbeddingModelTest, BatchIndependence) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  auto model = Load(Folder(dir));
  const std::vector<std::string_view> texts = {"short", "a much longer text with many more tokens in it",
                                               "中文 테스트"};
  const size_t h = model->info().dimensions;
  std::vector<float> batch(texts.size() * h);
  ASSERT_TRUE(model->Embed(texts, batch.data()).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> alone(h);
    ASSERT_TRUE(model->Embed({&texts[i], 1}, alone.data()).ok());
    for (size_t k = 0; k < h; ++k) EXPECT_NEAR(batch[i * h + k], alone[k], 1e-6);
  }
}

// model.safetensors read in pieces (ModelOptions::safetensors_source, wasm's q8 load of a float
// file) gives the model of the file in memory, bit for bit, fp32 and q8, read on the loading
// thread only even when the model has threads, and only as far as the file goes.
TEST(EmbeddingModelTest, SafetensorsReadInPiecesGiveTheSameModel) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  const Folder folder(dir);
  const std::vector<uint8_t>& st = folder.bytes.at("model.safetensors");
  ModelFiles without = folder.files;
  without.erase("model.safetensors");
  const std::vector<std::string_view> texts = {"hello world", "a second, longer text about vectors", "x"};
  for (Dtype dtype : {Dtype::kFp32, Dtype::kQ8}) {
    SCOPED_TRACE(dtype == Dtype::kQ8 ? "q8" : "fp32");
    ModelOptions options;
    options.dtype = dtype;
    options.threads = 2;
    const auto want_model = Load(folder, options);
    ASSERT_NE(want_model, nullptr);
    std::vector<float> want(texts.size() * want_model->info().dimensions), got(want.size());
    ASSERT_TRUE(want_model->Embed(texts, want.data()).ok());

    const std::thread::id loader = std::this_thread::get_id();
    bool elsewhere = false, out_of_bounds = false;
    uint64_t bytes_read = 0;
    ByteSource source;
    source.size = st.size();
    source.read = [&](uint64_t offset, size_t n, uint8_t* dst) {
      if (std::this_thread::get_id() != loader) elsewhere = true;
      if (offset > st.size() || n > st.size() - offset) return out_of_bounds = true, false;
      bytes_read += n;
      std::memcpy(dst, st.data() + offset, n);
      return true;
    };
    options.safetensors_source = &source;
    std::unique_ptr<EmbeddingModel> model;
    const Status s = EmbeddingModel::Load(without, options, &model);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(model->info().weights, WeightsFormat::kSafetensors);
    EXPECT_EQ(model->info().threads, 2u) << "the forward pass keeps its threads";
    EXPECT_FALSE(elsewhere) << "read on another thread";
    EXPECT_FALSE(out_of_bounds);
    EXPECT_LE(bytes_read, st.size()) << "each byte read once at most";
    ASSERT_TRUE(model->Embed(texts, got.data()).ok());
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size() * sizeof(float)));
    EXPECT_EQ(model->info().weight_bytes, want_model->info().weight_bytes);
  }
  // A source that fails mid-way fails the load (the exception is the C ABI's to report).
  ByteSource broken;
  broken.size = st.size();
  int reads = 0;
  broken.read = [&](uint64_t offset, size_t n, uint8_t* dst) {
    if (++reads > 4) return false;
    std::memcpy(dst, st.data() + offset, n);
    return true;
  };
  ModelOptions options;
  options.safetensors_source = &broken;
  std::unique_ptr<EmbeddingModel> model;
  EXPECT_THROW((void)EmbeddingModel::Load(without, options, &model), std::runtime_error);
  EXPECT_EQ(model, nullptr);
}

TEST(EmbeddingModelTest, MissingAndBrokenFilesNameTheFile) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  Folder folder(dir);
  std::unique_ptr<EmbeddingModel> model;
  ModelFiles no_config = folder.files;
  no_config.erase("config.json");
  Status s = EmbeddingModel::Load(no_config, {}, &model);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("config.json"), std::string::npos) << s.message();

  ModelFiles no_weights = folder.files;
  no_weights.erase("model.safetensors");
  no_weights.erase("onnx/model.onnx");
  s = EmbeddingModel::Load(no_weights, {}, &model);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);

  const std::string bad = "{not json";
  ModelFiles bad_pool = folder.files;
  bad_pool["1_Pooling/config.json"] = {reinterpret_cast<const uint8_t*>(bad.data()), bad.size()};
  s = EmbeddingModel::Load(bad_pool, {}, &model);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
  EXPECT_NE(s.message().find("1_Pooling/config.json"), std::string::npos) << s.message();

  ModelOptions too_many;
  too_many.max_tokens = 100000;
  EXPECT_EQ(EmbeddingModel::Load(folder.files, too_many, &model).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ruv::embed
