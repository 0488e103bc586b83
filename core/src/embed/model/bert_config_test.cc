#include <gtest/gtest.h>

#include <string>

#include "embed/bert_model.h"
#include "embed/model/bert_tensors.h"
#include "embed/model/model_test_util.h"

namespace ruv::embed {
namespace {

constexpr const char* kMiniLmConfig = "../shared/models/all-MiniLM-L6-v2-tokenizer/config.json";

std::string ValidConfig(const std::string& replace_key = "", const std::string& value = "") {
  nlohmann::json j = {{"model_type", "bert"},          {"vocab_size", 100},        {"hidden_size", 8},
                      {"num_hidden_layers", 2},        {"num_attention_heads", 2}, {"intermediate_size", 16},
                      {"max_position_embeddings", 32}, {"type_vocab_size", 2},     {"layer_norm_eps", 1e-12},
                      {"hidden_act", "gelu"}};
  if (!replace_key.empty()) {
    if (value.empty()) {
      j.erase(replace_key);
    } else {
      j[replace_key] = nlohmann::json::parse(value);
    }
  }
  return j.dump();
}

TEST(BertConfig, ParsesAllMiniLmL6V2sRealConfig) {
  const std::string text = testing::ReadText(kMiniLmConfig);
  ASSERT_FALSE(text.empty()) << "run from the repository root (ctest does)";
  BertConfig c;
  ASSERT_TRUE(ParseBertConfig(text, &c).ok());
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.hidden_size, 384);
  EXPECT_EQ(c.num_layers, 6);
  EXPECT_EQ(c.num_heads, 12);
  EXPECT_EQ(c.intermediate_size, 1536);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_EQ(c.layer_norm_eps, 1e-12f);
  EXPECT_EQ(c.hidden_act, HiddenAct::kGelu);
  EXPECT_EQ(c.pad_token_id, 0);
  // all-MiniLM-L6-v2's 22,713,216 parameters minus the pooler's 384 x 384 + 384.
  EXPECT_EQ(BertWeightFloats(c), 22713216u - 147840u);
}

TEST(BertConfig, ActivationsAndDefaults) {
  BertConfig c;
  ASSERT_TRUE(ParseBertConfig(ValidConfig("hidden_act", "\"gelu_new\""), &c).ok());
  EXPECT_EQ(c.hidden_act, HiddenAct::kGeluNew);
  ASSERT_TRUE(ParseBertConfig(ValidConfig("hidden_act", "\"relu\""), &c).ok());
  EXPECT_EQ(c.hidden_act, HiddenAct::kRelu);
  ASSERT_TRUE(ParseBertConfig(ValidConfig("type_vocab_size"), &c).ok());
  EXPECT_EQ(c.type_vocab_size, 2);  // HF's default
  ASSERT_TRUE(ParseBertConfig(ValidConfig("layer_norm_eps", "1e-5"), &c).ok());
  EXPECT_EQ(c.layer_norm_eps, 1e-5f);
}

TEST(BertConfig, HostileOrUnsupportedConfigsFailNamingTheField) {
  struct Case {
    std::string key, value, word;
  };
  const Case cases[] = {
      {"num_hidden_layers", "1000000000", "num_hidden_layers"},
      {"num_hidden_layers", "18446744073709551615", "num_hidden_layers"},
      {"num_hidden_layers", "-1", "num_hidden_layers"},
      {"num_hidden_layers", "2.5", "num_hidden_layers"},
      {"num_hidden_layers", "\"2\"", "num_hidden_layers"},
      {"hidden_size", "", "hidden_size"},
      {"hidden_size", "100000", "hidden_size"},
      {"num_attention_heads", "3", "divisible"},
      {"vocab_size", "1000000000", "vocab_size"},
      {"intermediate_size", "0", "intermediate_size"},
      {"max_position_embeddings", "100000", "max_position_embeddings"},
      {"hidden_act", "\"swish\"", "swish"},
      {"hidden_act", "7", "hidden_act"},
      {"layer_norm_eps", "\"x\"", "layer_norm_eps"},
      {"layer_norm_eps", "-1", "layer_norm_eps"},
      {"model_type", "\"roberta\"", "roberta"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.key + "=" + k.value);
    BertConfig c;
    const Status s = ParseBertConfig(ValidConfig(k.key, k.value), &c);
    EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
    EXPECT_NE(s.message().find(k.word), std::string::npos) << s.message();
  }
}

TEST(BertConfig, TextThatIsNotJsonIsCorrupt) {
  BertConfig c;
  EXPECT_EQ(ParseBertConfig("{\"vocab_size\": 3", &c).code(), ErrorCode::kCorruptData);
  EXPECT_EQ(ParseBertConfig("", &c).code(), ErrorCode::kCorruptData);
  EXPECT_EQ(ParseBertConfig("[1, 2]", &c).code(), ErrorCode::kModelLoadFailed);
}

TEST(BertConfig, CheckBertWeightsNamesTheMisshapenTensor) {
  BertConfig c;
  ASSERT_TRUE(ParseBertConfig(ValidConfig(), &c).ok());
  BertWeights w;
  for (const BertTensorSlot& slot : BertTensorSlots(c, &w)) {
    size_t n = 1;
    for (int64_t d : slot.shape) n *= static_cast<size_t>(d);
    slot.dst->assign(n, 0.f);
  }
  EXPECT_TRUE(CheckBertWeights(c, w).ok());
  w.layers[1].inter_b.pop_back();
  const Status s = CheckBertWeights(c, w);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("encoder.layer.1.intermediate.dense.bias"), std::string::npos) << s.message();
  w.layers.pop_back();
  EXPECT_EQ(CheckBertWeights(c, w).code(), ErrorCode::kModelLoadFailed);
}

}  // namespace
}  // namespace ruv::embed
