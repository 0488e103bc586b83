// The tokenizer against golden ids made by Hugging Face's Rust tokenizers (npm `tokenizers`,
// cross-checked with transformers.js) on the real all-MiniLM-L6-v2 files, through both loaders;
// then the added-token options and hostile files on small hand-written tokenizer.json files.
#include "embed/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "testing/test_util.h"

namespace ruv::embed {
namespace {

using test::ReadFile;

const std::string kModelDir = "../shared/models/all-MiniLM-L6-v2-tokenizer/";

class MiniLmGoldenTest : public ::testing::TestWithParam<bool /*from vocab.txt*/> {};

TEST_P(MiniLmGoldenTest, EveryCaseMatchesHuggingFace) {
  const std::string golden_text = ReadFile("tests/fixtures/tokenizer/minilm-golden.json");
  ASSERT_FALSE(golden_text.empty()) << "missing tests/fixtures/tokenizer/minilm-golden.json";
  const nlohmann::json golden = nlohmann::json::parse(golden_text);
  std::unique_ptr<Tokenizer> tok;
  if (GetParam()) {
    ASSERT_TRUE(Tokenizer::FromVocab(ReadFile(kModelDir + "vocab.txt"),
                                     ReadFile(kModelDir + "tokenizer_config.json"),
                                     ReadFile(kModelDir + "special_tokens_map.json"), &tok)
                    .ok());
  } else {
    const std::string json = ReadFile(kModelDir + "tokenizer.json");
    ASSERT_FALSE(json.empty()) << "missing " << kModelDir << "tokenizer.json (run from the repo root layout)";
    const Status s = Tokenizer::FromTokenizerJson(json, &tok);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  size_t checked = 0;
  for (const auto& c : golden["cases"]) {
    const std::string name = c["name"].get<std::string>();
    const std::string text = c["text"].get<std::string>();
    const size_t max_tokens = c["max_tokens"].get<size_t>();
    const TruncationSide side =
        c.value("truncation", "right") == "left" ? TruncationSide::kLeft : TruncationSide::kRight;
    Encoding e;
    Status s = c["pair"].is_null()
                   ? tok->Encode(text, max_tokens, &e, side)
                   : tok->EncodePair(text, c["pair"].get<std::string>(), max_tokens, &e, side);
    ASSERT_TRUE(s.ok()) << name << ": " << s.message();
    EXPECT_EQ(e.ids, c["ids"].get<std::vector<int32_t>>()) << name;
    EXPECT_EQ(e.type_ids, c["type_ids"].get<std::vector<int32_t>>()) << name;
    ++checked;
  }
  EXPECT_GE(checked, 80u);
}

INSTANTIATE_TEST_SUITE_P(BothLoaders, MiniLmGoldenTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "VocabTxt" : "TokenizerJson"; });

// vocab.txt folders: tokenizer_config.json's added_tokens_decoder (every flag) and
// truncation_side, against HF's Rust crate on the equivalent tokenizer.json (the fixture's generator).
TEST(TokenizerTest, VocabFolderAddedTokensAndTruncationSideMatchHuggingFace) {
  const std::string text = ReadFile("tests/fixtures/tokenizer/vocab-added-golden.json");
  ASSERT_FALSE(text.empty()) << "missing tests/fixtures/tokenizer/vocab-added-golden.json";
  const nlohmann::json golden = nlohmann::json::parse(text);
  std::unique_ptr<Tokenizer> tok;
  const Status s = Tokenizer::FromVocab(ReadFile(kModelDir + "vocab.txt"), golden["tokenizer_config"].dump(),
                                        ReadFile(kModelDir + "special_tokens_map.json"), &tok);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(tok->truncation_side(), TruncationSide::kLeft);
  size_t checked = 0;
  for (const auto& c : golden["cases"]) {
    Encoding e;
    ASSERT_TRUE(
        tok->Encode(c["text"].get<std::string>(), c["max_tokens"].get<size_t>(), &e, tok->truncation_side())
            .ok());
    EXPECT_EQ(e.ids, c["ids"].get<std::vector<int32_t>>()) << c["name"].get<std::string>();
    ++checked;
  }
  EXPECT_GE(checked, 14u);
  // Bad entries name the file and the field.
  const std::string vocab = "[UNK]\n[CLS]\n[SEP]\n";
  for (const char* bad :
       {R"({"added_tokens_decoder":[]})", R"({"added_tokens_decoder":{"x":{"content":"a"}}})",
        R"({"added_tokens_decoder":{"99":{"content":"a"}}})",
        R"({"added_tokens_decoder":{"3":{"content":""}}})",
        R"({"added_tokens_decoder":{"3":{"content":"a","lstrip":1}}})", R"({"truncation_side":"middle"})"}) {
    const Status b = Tokenizer::FromVocab(vocab, bad, "", &tok);
    EXPECT_EQ(b.code(), ErrorCode::kModelLoadFailed) << bad;
    EXPECT_NE(b.message().find("tokenizer_config.json"), std::string::npos) << b.message();
  }
}

TEST(TokenizerTest, TokenizerJsonTruncationDirection) {
  std::string json = ReadFile(kModelDir + "tokenizer.json");
  std::unique_ptr<Tokenizer> t;
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(json, &t).ok());
  EXPECT_EQ(t->truncation_side(), TruncationSide::kRight);
  nlohmann::json j = nlohmann::json::parse(json);
  j["truncation"]["direction"] = "Left";
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(j.dump(), &t).ok());
  EXPECT_EQ(t->truncation_side(), TruncationSide::kLeft);
  j["truncation"]["direction"] = "Up";
  EXPECT_EQ(Tokenizer::FromTokenizerJson(j.dump(), &t).code(), ErrorCode::kModelLoadFailed);
}

TEST(TokenizerTest, AccessorsComeFromTheFiles) {
  std::unique_ptr<Tokenizer> a, b;
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(ReadFile(kModelDir + "tokenizer.json"), &a).ok());
  ASSERT_TRUE(Tokenizer::FromVocab(ReadFile(kModelDir + "vocab.txt"),
                                   ReadFile(kModelDir + "tokenizer_config.json"),
                                   ReadFile(kModelDir + "special_tokens_map.json"), &b)
                  .ok());
  // The vocabulary's own lines (vocab.txt is 0-based): [PAD] line 1, [UNK] 101, [CLS] 102, ...
  const std::string vocab = ReadFile(kModelDir + "vocab.txt");
  auto line_of = [&](const std::string& token) {
    std::stringstream ss(vocab);
    std::string line;
    for (int32_t i = 0; std::getline(ss, line); ++i) {
      if (line == token) return i;
    }
    return -1;
  };
  for (const Tokenizer* t : {a.get(), b.get()}) {
    EXPECT_EQ(t->cls_id(), line_of("[CLS]"));
    EXPECT_EQ(t->sep_id(), line_of("[SEP]"));
    EXPECT_EQ(t->pad_id(), line_of("[PAD]"));
    EXPECT_EQ(t->unk_id(), line_of("[UNK]"));
    EXPECT_EQ(t->mask_id(), line_of("[MASK]"));
    EXPECT_EQ(t->vocab_size(), 30522u);
  }
  EXPECT_EQ(a->truncation_max_length(), 128u);  // tokenizer.json's truncation
  EXPECT_EQ(b->truncation_max_length(), 512u);  // tokenizer_config's model_max_length
  Encoding e;
  EXPECT_EQ(a->Encode("hello", 1, &e).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(a->EncodePair("a", "b", 2, &e).code(), ErrorCode::kInvalidArgument);
}

// A tiny WordPiece tokenizer.json with the given added tokens (JSON array text).
std::string TinyJson(const std::string& added, const std::string& normalizer = R"({"type":"BertNormalizer",
    "clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true})") {
  return R"({"added_tokens":)" + added + R"(,"normalizer":)" + normalizer + R"(,
    "pre_tokenizer":{"type":"BertPreTokenizer"},
    "post_processor":{"type":"BertProcessing","sep":["[SEP]",2],"cls":["[CLS]",1]},
    "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
      "max_input_chars_per_word":100,"vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"a":3,"b":4,"##b":5,
      "<x>":6,"hello":7,"!":8,"<":9,">":10,"x":11,"##x":12,"##a":13}}})";
}

std::vector<int32_t> Ids(const Tokenizer& t, const std::string& text) {
  Encoding e;
  EXPECT_TRUE(t.Encode(text, 0, &e).ok());
  return e.ids;
}

TEST(TokenizerTest, AddedTokenOptions) {
  std::unique_ptr<Tokenizer> t;
  // <x> matched raw (normalized=false); HELLO normalized (matches "hello" after lowercasing).
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(TinyJson(R"([
      {"id":6,"content":"<x>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
      {"id":7,"content":"HELLO","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":false}])"),
                                           &t)
                  .ok());
  EXPECT_EQ(Ids(*t, "a<x>b"), (std::vector<int32_t>{1, 3, 6, 4, 2}));
  EXPECT_EQ(Ids(*t, "a<X>b"), (std::vector<int32_t>{1, 3, 9, 11, 10, 4, 2}));  // raw match is exact
  EXPECT_EQ(Ids(*t, "abHeLLoab"), (std::vector<int32_t>{1, 3, 5, 7, 3, 5, 2}));
  // single_word: only where no word character touches it.
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(TinyJson(R"([
      {"id":6,"content":"<x>","single_word":true,"lstrip":false,"rstrip":false,"normalized":false,"special":true}])"),
                                           &t)
                  .ok());
  EXPECT_EQ(Ids(*t, "a <x> b"), (std::vector<int32_t>{1, 3, 6, 4, 2}));
  EXPECT_EQ(Ids(*t, "a<x> b"), (std::vector<int32_t>{1, 3, 9, 11, 10, 4, 2}));
  // lstrip/rstrip swallow neighbouring whitespace (visible through a normalizer-free pipeline).
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(TinyJson(R"([
      {"id":6,"content":"<x>","single_word":false,"lstrip":true,"rstrip":true,"normalized":false,"special":true}])",
                                                    "null"),
                                           &t)
                  .ok());
  EXPECT_EQ(Ids(*t, "a  <x>  b"), (std::vector<int32_t>{1, 3, 6, 4, 2}));
}

TEST(TokenizerTest, WordPieceLongestMatchAndUnknown) {
  std::unique_ptr<Tokenizer> t;
  ASSERT_TRUE(Tokenizer::FromTokenizerJson(TinyJson("[]"), &t).ok());
  EXPECT_EQ(Ids(*t, "abb ba xa"), (std::vector<int32_t>{1, 3, 5, 5, 4, 13, 11, 13, 2}));
  EXPECT_EQ(Ids(*t, "aq"), (std::vector<int32_t>{1, 0, 2}));  // one unknown piece: the word is [UNK]
  EXPECT_EQ(Ids(*t, "hello!"), (std::vector<int32_t>{1, 7, 8, 2}));
}

TEST(TokenizerTest, HostileFilesFailCleanly) {
  std::unique_ptr<Tokenizer> t;
  EXPECT_EQ(Tokenizer::FromTokenizerJson("{not json", &t).code(), ErrorCode::kCorruptData);
  EXPECT_EQ(Tokenizer::FromTokenizerJson("[]", &t).code(), ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromTokenizerJson(R"({"model":{"type":"BPE","vocab":{},"merges":[]}})", &t).code(),
            ErrorCode::kModelLoadFailed);
  std::string bad = TinyJson("[]");
  bad.replace(bad.find("\"a\":3"), 5, "\"a\":\"3\"");
  EXPECT_EQ(Tokenizer::FromTokenizerJson(bad, &t).code(), ErrorCode::kModelLoadFailed);
  bad = TinyJson("[]");
  bad.replace(bad.find("\"a\":3"), 5, "\"a\":99999999");  // id beyond what the file could hold
  EXPECT_EQ(Tokenizer::FromTokenizerJson(bad, &t).code(), ErrorCode::kModelLoadFailed);
  bad = TinyJson("[]");
  bad.replace(bad.find("\"[UNK]\":0"), 9, "\"[UNKX]\":0");
  EXPECT_EQ(Tokenizer::FromTokenizerJson(bad, &t).code(), ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromTokenizerJson(TinyJson(R"([{"id":"6","content":"<x>"}])"), &t).code(),
            ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromTokenizerJson(TinyJson("[]", R"({"type":"NFKC"})"), &t).code(),
            ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromTokenizerJson(TinyJson("[]", R"({"type":"BertNormalizer","lowercase":"yes"})"), &t)
                .code(),
            ErrorCode::kModelLoadFailed);
  // A template holding A twice would defeat truncation's budget (found by tokenizer_fuzz).
  bad = TinyJson("[]");
  bad.replace(bad.find(R"({"type":"BertProcessing")"), bad.find(R"(,
    "model")") - bad.find(R"({"type":"BertProcessing")"),
              R"({"type":"TemplateProcessing","single":[{"Sequence":{"id":"A","type_id":0}},)"
              R"({"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}})");
  EXPECT_EQ(Tokenizer::FromTokenizerJson(bad, &t).code(), ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromVocab("", "", "", &t).code(), ErrorCode::kModelLoadFailed);
  EXPECT_EQ(Tokenizer::FromVocab("[UNK]\na\n", "", "", &t).code(), ErrorCode::kModelLoadFailed);  // no [CLS]
  EXPECT_EQ(Tokenizer::FromVocab("[UNK]\n[CLS]\n[SEP]\n", "{", "", &t).code(), ErrorCode::kCorruptData);
  EXPECT_EQ(Tokenizer::FromVocab("[UNK]\n[CLS]\n[SEP]\n", R"({"do_lower_case":1})", "", &t).code(),
            ErrorCode::kModelLoadFailed);
  ASSERT_TRUE(Tokenizer::FromVocab("[UNK]\r\n[CLS]\r\n[SEP]\r\nab\r\n", "", "", &t).ok());
  EXPECT_EQ(Ids(*t, "AB \xff"), (std::vector<int32_t>{1, 3, 2}));  // CRLF vocab; invalid byte dropped
}

}  // namespace
}  // namespace ruv::embed
