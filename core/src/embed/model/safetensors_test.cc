#include "embed/model/safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "embed/model/bert_tensors.h"
#include "embed/model/model_test_util.h"

namespace ruv::embed {
namespace {

// The weights view `bytes` (the file), which the caller keeps while it reads them.
Status LoadFolder(const std::string& dir, BertConfig* config, BertWeights* w, std::vector<uint8_t>* bytes) {
  Status s = ParseBertConfig(testing::ReadText(dir + "/config.json"), config);
  if (!s.ok()) return s;
  *bytes = testing::ReadBytes(dir + "/model.safetensors");
  return LoadBertSafetensors(bytes->data(), bytes->size(), *config, w);
}

TEST(Safetensors, TinyModelEqualsTorchsStateDict) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  BertConfig c;
  BertWeights w;
  std::vector<uint8_t> file;
  const Status s = LoadFolder(dir, &c, &w, &file);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.num_layers, 2);
  testing::ExpectWeightsMatchTorch(dir, c, std::move(w));
}

TEST(Safetensors, BertPrefixedNamesLoadToo) {
  RUV_REQUIRE_MODEL(dir, "tiny-variant");
  BertConfig c;
  BertWeights w;
  std::vector<uint8_t> file;
  const Status s = LoadFolder(dir, &c, &w, &file);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.hidden_act, HiddenAct::kGeluNew);
  testing::ExpectWeightsMatchTorch(dir, c, std::move(w));
}

TEST(Safetensors, MiniLmShapedModelEqualsTorchsStateDict) {
  RUV_REQUIRE_MODEL(dir, "minilm");
  BertConfig c;
  BertWeights w;
  std::vector<uint8_t> file;
  const Status s = LoadFolder(dir, &c, &w, &file);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.hidden_size, 384);
  testing::ExpectWeightsMatchTorch(dir, c, std::move(w));
}

// A hand-made file: header JSON as given, then `data`.
std::vector<uint8_t> MakeFile(const std::string& header, const std::vector<uint8_t>& data,
                              int64_t len_delta = 0) {
  std::vector<uint8_t> f(8);
  const uint64_t n = header.size() + static_cast<uint64_t>(len_delta);
  std::memcpy(f.data(), &n, 8);
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

ErrorCode ParseCode(const std::vector<uint8_t>& f) {
  std::map<std::string, SafetensorsTensor> t;
  return ParseSafetensors(f.data(), f.size(), &t).code();
}

TEST(Safetensors, LyingHeadersAreCorrupt) {
  const std::vector<uint8_t> data(16, 0);
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  EXPECT_EQ(ParseCode(MakeFile(ok, data)), ErrorCode::kOk);
  EXPECT_EQ(ParseCode(MakeFile(ok, data, +1000000)), ErrorCode::kCorruptData);  // length past the end
  EXPECT_EQ(ParseCode(MakeFile(ok, data, -3)), ErrorCode::kCorruptData);        // JSON cut short
  std::vector<uint8_t> huge = MakeFile(ok, data);
  std::memset(huge.data(), 0xff, 8);
  EXPECT_EQ(ParseCode(huge), ErrorCode::kCorruptData);
  EXPECT_EQ(ParseCode({1, 2, 3}), ErrorCode::kCorruptData);
  const char* bad[] = {
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,20]}})",  // past the data
      R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})",  // shape lies
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})",
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[8,4]}})",  // reversed
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[-16,0]}})",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      R"({"a":{"dtype":"F32","shape":"2x2","data_offsets":[0,16]}})",
      R"({"a":{"dtype":32,"shape":[2,2],"data_offsets":[0,16]}})",
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0]}})",
      R"({"a":[1,2]})",
      R"([1,2])",
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})",
  };
  for (const char* h : bad) EXPECT_EQ(ParseCode(MakeFile(h, data)), ErrorCode::kCorruptData) << h;
  // The error says what is wrong, not what a later check happens to notice.
  std::map<std::string, SafetensorsTensor> file;
  const std::vector<uint8_t> reversed = MakeFile(bad[3], data);
  const Status s = ParseSafetensors(reversed.data(), reversed.size(), &file);
  EXPECT_EQ(s.message(), "model.safetensors: tensor a: data_offsets run backwards");
  EXPECT_EQ(ParseCode(MakeFile(R"({"a":{"dtype":"Q4","shape":[16],"data_offsets":[0,16]}})", data)),
            ErrorCode::kModelLoadFailed);
}

// A micro BERT written by the test, every tensor in `dtype`, value i of each tensor = f(i).
BertConfig MicroConfig() {
  BertConfig c;
  c.vocab_size = 3, c.hidden_size = 2, c.num_layers = 1, c.num_heads = 1, c.intermediate_size = 4;
  c.max_position_embeddings = 2, c.type_vocab_size = 1;
  return c;
}

std::vector<uint8_t> MicroFile(const std::string& dtype, uint16_t (*encode)(size_t),
                               const std::string& drop = "", const std::string& reshape = "") {
  BertWeights probe;
  std::string header = "{";
  std::vector<uint8_t> data;
  for (const BertTensorSlot& slot : BertTensorSlots(MicroConfig(), &probe)) {
    if (slot.name == drop) continue;
    size_t n = 1;
    std::string shape;
    for (int64_t d : slot.shape)
      n *= static_cast<size_t>(d), shape += (shape.empty() ? "" : ",") + std::to_string(d);
    if (slot.name == reshape) shape += ",1";
    header += (header.size() > 1 ? "," : "") + std::string("\"") + slot.name + "\":{\"dtype\":\"" + dtype +
              "\",\"shape\":[" + shape + "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + 2 * n) + "]}";
    for (size_t i = 0; i < n; ++i) {
      const uint16_t v = encode(i);
      data.push_back(static_cast<uint8_t>(v));
      data.push_back(static_cast<uint8_t>(v >> 8));
    }
  }
  return MakeFile(header + "}", data);
}

// Half-precision bit patterns with known values: 1.0, -2.0, 2^-24 (smallest subnormal), 65504.
constexpr uint16_t kHalf[] = {0x3c00, 0xc000, 0x0001, 0x7bff};
constexpr float kHalfValue[] = {1.0f, -2.0f, 5.9604644775390625e-8f, 65504.0f};

TEST(Safetensors, HalfAndBfloat16AreConverted) {
  for (const char* dtype : {"F16", "BF16"}) {
    SCOPED_TRACE(dtype);
    const bool bf = std::string(dtype) == "BF16";
    const std::vector<uint8_t> f =
        bf ? MicroFile(
                 dtype,
                 [](size_t i) { return static_cast<uint16_t>(std::bit_cast<uint32_t>(0.25f * i - 1) >> 16); })
           : MicroFile(dtype, [](size_t i) { return kHalf[i % 4]; });
    BertWeights w;
    const Status s = LoadBertSafetensors(f.data(), f.size(), MicroConfig(), &w);
    ASSERT_TRUE(s.ok()) << s.message();
    const std::vector<float> inter_w = w.layers[0].inter_w.Values();
    ASSERT_EQ(inter_w.size(), 8u);
    for (size_t i = 0; i < 8; ++i) {
      EXPECT_EQ(inter_w[i], bf ? 0.25f * i - 1 : kHalfValue[i % 4]) << i;
    }
  }
}

TEST(Safetensors, MissingOrMisshapenTensorsFailNamingThem) {
  auto enc = [](size_t) { return uint16_t{0x3c00}; };
  BertWeights w;
  std::vector<uint8_t> f = MicroFile("F16", enc, "encoder.layer.0.output.dense.bias");
  Status s = LoadBertSafetensors(f.data(), f.size(), MicroConfig(), &w);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("encoder.layer.0.output.dense.bias"), std::string::npos) << s.message();
  f = MicroFile("F16", enc, "", "encoder.layer.0.attention.self.key.weight");
  s = LoadBertSafetensors(f.data(), f.size(), MicroConfig(), &w);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("encoder.layer.0.attention.self.key.weight"), std::string::npos) << s.message();
  f = MicroFile("I16", enc);
  EXPECT_EQ(LoadBertSafetensors(f.data(), f.size(), MicroConfig(), &w).code(), ErrorCode::kModelLoadFailed);
}

TEST(Safetensors, ConfigImplyingMoreThanTheFileFailsBeforeAllocating) {
  const std::vector<uint8_t> f = MicroFile("F16", [](size_t) { return uint16_t{0}; });
  BertConfig big = MicroConfig();
  big.vocab_size = 500000, big.hidden_size = 4096, big.num_layers = 48, big.intermediate_size = 16384;
  BertWeights w;
  const Status s = LoadBertSafetensors(f.data(), f.size(), big, &w);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("more weights"), std::string::npos) << s.message();
}

// A ByteSource over bytes in memory that records what it was asked for.
struct RecordingSource {
  explicit RecordingSource(const std::vector<uint8_t>& bytes, size_t cut = SIZE_MAX) {
    source.size = std::min(cut, bytes.size());
    source.read = [this, &bytes](uint64_t offset, size_t n, uint8_t* dst) {
      ++reads;
      if (offset > source.size || n > source.size - offset) {
        out_of_bounds = true;
        return false;
      }
      if (fail_after >= 0 && reads > fail_after) return false;
      furthest = std::max<uint64_t>(furthest, offset + n);
      std::memcpy(dst, bytes.data() + offset, n);
      return true;
    };
  }
  ByteSource source;
  int reads = 0;
  int fail_after = -1;  // >= 0: reads past this many fail
  uint64_t furthest = 0;
  bool out_of_bounds = false;
};

// A file read in pieces gives the weights of the file in memory, bit for bit, reading only its
// header until a weight is read, and never past its end.
TEST(Safetensors, ReadInPiecesEqualsTheFileInMemory) {
  for (const char* name : {"tiny", "tiny-variant", "minilm"}) {
    RUV_REQUIRE_MODEL(dir, name);
    SCOPED_TRACE(name);
    BertConfig c;
    BertWeights whole, pieces;
    std::vector<uint8_t> file;
    ASSERT_TRUE(LoadFolder(dir, &c, &whole, &file).ok());
    RecordingSource src(file);
    const Status s = LoadBertSafetensors(src.source, c, &pieces);
    ASSERT_TRUE(s.ok()) << s.message();
    uint64_t header_len;
    std::memcpy(&header_len, file.data(), 8);
    EXPECT_EQ(src.furthest, 8 + header_len) << "only the header is read at load";
    std::vector<BertTensorSlot> a = BertTensorSlots(c, &whole), b = BertTensorSlots(c, &pieces);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_NE(b[i].dst->view_bytes(), nullptr);
      EXPECT_EQ(b[i].dst->view_bytes()->data, nullptr) << a[i].name;
      const std::vector<float> want = a[i].dst->Values(), got = b[i].dst->Values();
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float))) << a[i].name;
      // A range from inside the tensor too (a load reads weights in row blocks).
      if (want.size() > 7) {
        std::vector<float> part(want.size() - 7);
        b[i].dst->Read(3, part.size(), part.data());
        ASSERT_TRUE(std::equal(part.begin(), part.end(), want.begin() + 3)) << a[i].name;
      }
    }
    EXPECT_FALSE(src.out_of_bounds);
  }
}

// Every malformed file fails read in pieces as it fails in memory: the same code and message.
TEST(Safetensors, ReadInPiecesFailsAsTheFileInMemoryDoes) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  BertConfig c;
  ASSERT_TRUE(ParseBertConfig(testing::ReadText(dir + "/config.json"), &c).ok());
  const std::vector<uint8_t> bytes = testing::ReadBytes(dir + "/model.safetensors");
  auto same = [&](const std::vector<uint8_t>& f, size_t cut, const std::string& at) {
    BertWeights w1, w2;
    const Status whole = LoadBertSafetensors(f.data(), cut, c, &w1);
    RecordingSource src(f, cut);
    const Status pieces = LoadBertSafetensors(src.source, c, &w2);
    EXPECT_EQ(pieces.code(), whole.code()) << at;
    EXPECT_EQ(pieces.message(), whole.message()) << at;
    EXPECT_FALSE(src.out_of_bounds) << at;
    if (whole.ok() && pieces.ok()) {
      for (const BertTensorSlot& slot : BertTensorSlots(c, &w2)) (void)slot.dst->Values();
      EXPECT_FALSE(src.out_of_bounds) << at;
    }
  };
  for (size_t cut : {size_t{0}, size_t{7}, size_t{8}, size_t{100}, bytes.size() / 2, bytes.size() - 1})
    same(bytes, cut, "cut at " + std::to_string(cut));
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  for (size_t pos = 0; pos < 8 + header_len; pos += 97) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::vector<uint8_t> f = bytes;
      f[pos] ^= static_cast<uint8_t>(1 << bit);
      same(f, f.size(), "bit " + std::to_string(bit) + " of byte " + std::to_string(pos));
    }
  }
  // A source that fails: at the header, the load fails; later, reading a weight throws.
  for (int fail_after : {0, 1}) {
    RecordingSource src(bytes);
    src.fail_after = fail_after;
    BertWeights w;
    EXPECT_EQ(LoadBertSafetensors(src.source, c, &w).code(), ErrorCode::kCorruptData) << fail_after;
  }
  RecordingSource src(bytes);
  src.fail_after = 2;
  BertWeights w;
  ASSERT_TRUE(LoadBertSafetensors(src.source, c, &w).ok());
  EXPECT_THROW((void)w.layers[0].q_w.Values(), std::runtime_error);
}

TEST(Safetensors, TruncatedAndBitFlippedTinyModelNeverCrash) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  BertConfig c;
  ASSERT_TRUE(ParseBertConfig(testing::ReadText(dir + "/config.json"), &c).ok());
  const std::vector<uint8_t> bytes = testing::ReadBytes(dir + "/model.safetensors");
  for (size_t cut : {size_t{0}, size_t{7}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    BertWeights w;
    EXPECT_FALSE(LoadBertSafetensors(bytes.data(), cut, c, &w).ok()) << cut;
  }
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  for (size_t pos = 0; pos < 8 + header_len; pos += 61) {  // every 61st header byte, each bit
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> f = bytes;
      f[pos] ^= static_cast<uint8_t>(1 << bit);
      BertWeights w;
      if (LoadBertSafetensors(f.data(), f.size(), c, &w).ok())  // any status; ASan checks the rest
        testing::DecodeAll(c, &w);
    }
  }
}

}  // namespace
}  // namespace ruv::embed
