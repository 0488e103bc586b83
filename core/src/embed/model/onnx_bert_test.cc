#include "embed/model/onnx_bert.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "embed/model/model_test_util.h"
#include "embed/model/onnx_proto.h"
#include "embed/model/onnx_quantized.h"
#include "embed/model/safetensors.h"

namespace ruv::embed {
namespace {

struct Loaded {
  BertConfig config;
  std::vector<uint8_t> onnx;
};

Loaded Read(const std::string& dir) {
  Loaded l;
  EXPECT_TRUE(ParseBertConfig(testing::ReadText(dir + "/config.json"), &l.config).ok());
  l.onnx = testing::ReadBytes(dir + "/onnx/model.onnx");
  return l;
}

void ExpectOnnxEqualsSafetensorsAndTorch(const std::string& dir) {
  Loaded l = Read(dir);
  BertWeights from_onnx, from_st;
  Status s = LoadBertOnnx(l.onnx.data(), l.onnx.size(), l.config, &from_onnx);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::vector<uint8_t> st = testing::ReadBytes(dir + "/model.safetensors");
  s = LoadBertSafetensors(st.data(), st.size(), l.config, &from_st);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<BertTensorSlot> a = BertTensorSlots(l.config, &from_onnx),
                              b = BertTensorSlots(l.config, &from_st);
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    const std::vector<float> va = a[i].dst->Values(), vb = b[i].dst->Values();
    ASSERT_EQ(va.size(), vb.size());
    EXPECT_EQ(std::memcmp(va.data(), vb.data(), 4 * va.size()), 0);  // bitwise
  }
  testing::ExpectWeightsMatchTorch(dir, l.config, std::move(from_onnx));
}

TEST(OnnxBert, TinyExportEqualsSafetensorsAndTorch) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  ExpectOnnxEqualsSafetensorsAndTorch(dir);
}

TEST(OnnxBert, LayerNormalizationOpAndGeluNewExport) {
  RUV_REQUIRE_MODEL(dir, "tiny-variant");
  ExpectOnnxEqualsSafetensorsAndTorch(dir);
}

// A quantized export (tools/models/quantize_onnx.py writes it as onnxruntime's quantize_dynamic
// does: tiny per output channel in uint8, micro per tensor in int8) loads as its float graph:
// every weight equals, bit for bit, the dequantized float export's ((q - zero point) * scale in
// float32), the embedding tables included.
void ExpectQuantizedReadsAsDequantized(const std::string& dir) {
  Loaded l = Read(dir);
  const std::vector<uint8_t> quantized = testing::ReadBytes(dir + "/onnx/model_quantized.onnx"),
                             reference = testing::ReadBytes(dir + "/onnx/model_dequantized.onnx");
  BertWeights from_q, from_ref, from_float;
  Status s = LoadBertOnnx(quantized.data(), quantized.size(), l.config, &from_q);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE((s = LoadBertOnnx(reference.data(), reference.size(), l.config, &from_ref)).ok())
      << s.message();
  ASSERT_TRUE((s = LoadBertOnnx(l.onnx.data(), l.onnx.size(), l.config, &from_float)).ok()) << s.message();
  std::vector<BertTensorSlot> a = BertTensorSlots(l.config, &from_q),
                              b = BertTensorSlots(l.config, &from_ref),
                              f = BertTensorSlots(l.config, &from_float);
  size_t differing = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    const std::vector<float> va = a[i].dst->Values(), vb = b[i].dst->Values(), vf = f[i].dst->Values();
    ASSERT_EQ(va.size(), vb.size());
    EXPECT_EQ(std::memcmp(va.data(), vb.data(), 4 * va.size()), 0);  // bitwise
    differing += std::memcmp(va.data(), vf.data(), 4 * va.size()) != 0;
  }
  // 6 Linear weights per layer and the 3 embedding tables were quantized: not the float model's.
  EXPECT_EQ(differing, 6 * l.config.num_layers + 3);
}

TEST(OnnxBert, QuantizedExportReadsAsItsDequantizedWeights) {
  RUV_REQUIRE_MODEL(per_channel, "tiny-quantized");
  ExpectQuantizedReadsAsDequantized(per_channel);
  RUV_REQUIRE_MODEL(per_tensor, "micro-quantized");
  ExpectQuantizedReadsAsDequantized(per_tensor);
}

// The quantized operators in any other form fail naming what they found, never a wrong model.
TEST(OnnxBert, QuantizedExportInAnotherFormFailsSayingWhy) {
  RUV_REQUIRE_MODEL(dir, "tiny-quantized");
  Loaded l = Read(dir);
  const std::vector<uint8_t> quantized = testing::ReadBytes(dir + "/onnx/model_quantized.onnx");
  onnx::Model model;
  ASSERT_TRUE(onnx::ParseModel(quantized.data(), quantized.size(), &model).ok());
  // Each edit breaks one link of the pattern in the parsed graph, which DequantizeGraph then
  // reads as LoadBertOnnx does.
  auto fails = [&](auto edit, const std::string& says) {
    onnx::Model m = model;
    edit(&m.graph);
    bool q = false;
    const Status s = onnx::DequantizeGraph(&m.graph, &q);
    EXPECT_FALSE(s.ok()) << says;
    EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
    EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
  };
  auto first = [](onnx::Graph* g, const std::string& op) -> onnx::Node& {
    for (onnx::Node& n : g->nodes)
      if (n.op_type == op) return n;
    return g->nodes.front();
  };
  fails(
      [&](onnx::Graph* g) {
        const std::string product = first(g, "MatMulInteger").outputs[0];
        for (onnx::Node& n : g->nodes)
          if (n.op_type == "Cast" && n.inputs[0] == product) n.op_type = "Identity";
      },
      "is not followed by a Cast to float");
  fails([&](onnx::Graph* g) { first(g, "MatMulInteger").inputs[0] = "input_ids"; },
        "is neither quantized at run time nor a weight");
  fails(
      [&](onnx::Graph* g) {
        // Zero points that are neither one nor one per column.
        for (onnx::Tensor& t : g->initializers)
          if (t.name.ends_with("_zero_point") && (t.data_type == onnx::kInt8 || t.data_type == onnx::kUint8))
            t.dims = {2};
      },
      "one per column");
  onnx::Model m = model;
  bool q = false;
  ASSERT_TRUE(onnx::DequantizeGraph(&m.graph, &q).ok());
  EXPECT_TRUE(q);
  for (const onnx::Node& n : m.graph.nodes) {
    EXPECT_NE(n.op_type, "MatMulInteger");
    EXPECT_NE(n.op_type, "DynamicQuantizeLinear");
    EXPECT_NE(n.op_type, "DequantizeLinear");
  }
}

// The fuzz targets' seed (tests/fuzz/*_fuzz.cc hard-code this preset's config).
TEST(OnnxBert, MicroFuzzSeedLoads) {
  RUV_REQUIRE_MODEL(dir, "micro");
  ExpectOnnxEqualsSafetensorsAndTorch(dir);
  const Loaded l = Read(dir);
  EXPECT_EQ(l.config.vocab_size, 100);
  EXPECT_EQ(l.config.max_position_embeddings, 16);
}

TEST(OnnxBert, MiniLmShapedExportEqualsSafetensorsAndTorch) {
  RUV_REQUIRE_MODEL(dir, "minilm");
  ExpectOnnxEqualsSafetensorsAndTorch(dir);
}

Status LoadWith(const Loaded& l, const BertConfig& c) {
  BertWeights w;
  return LoadBertOnnx(l.onnx.data(), l.onnx.size(), c, &w);
}

void ExpectFails(const Status& s, const std::string& word) {
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find(word), std::string::npos) << s.message();
}

TEST(OnnxBert, GraphDisagreeingWithConfigFailsSayingWhy) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  const Loaded l = Read(dir);
  BertConfig c = l.config;
  c.hidden_act = HiddenAct::kRelu;
  ExpectFails(LoadWith(l, c), "hidden_act");
  c = l.config;
  c.num_layers = 1;
  ExpectFails(LoadWith(l, c), "not the graph's output");
  c = l.config;
  c.layer_norm_eps = 1e-5f;
  ExpectFails(LoadWith(l, c), "epsilon");
  c = l.config;
  c.num_heads = 2;
  ExpectFails(LoadWith(l, c), "1/sqrt(head size)");
  c = l.config;
  c.intermediate_size = 32;
  ExpectFails(LoadWith(l, c), "shape");
  c = l.config;
  c.vocab_size = 500000, c.hidden_size = 4096, c.num_heads = 64;
  ExpectFails(LoadWith(l, c), "more weights");
}

// Renames every occurrence of op type `from` (same length: the protobuf stays well-formed).
std::vector<uint8_t> RenameOp(std::vector<uint8_t> b, const std::string& from, const std::string& to) {
  for (size_t i = 0; i + from.size() <= b.size(); ++i) {
    if (std::memcmp(&b[i], from.data(), from.size()) == 0 && i > 0 && b[i - 1] == from.size()) {
      std::memcpy(&b[i], to.data(), to.size());
    }
  }
  return b;
}

TEST(OnnxBert, UnknownOpsAreNamed) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  Loaded l = Read(dir);
  l.onnx = RenameOp(l.onnx, "Erf", "Elu");
  ExpectFails(LoadWith(l, l.config), "Elu");
  l = Read(dir);
  l.onnx = RenameOp(l.onnx, "Softmax", "Hardmax");
  EXPECT_EQ(LoadWith(l, l.config).code(), ErrorCode::kModelLoadFailed);
  l = Read(dir);
  l.onnx = RenameOp(l.onnx, "Sqrt", "Sign");
  ExpectFails(LoadWith(l, l.config), "LayerNorm");
}

TEST(OnnxBert, TruncatedAndBitFlippedExportsNeverCrash) {
  RUV_REQUIRE_MODEL(dir, "tiny");
  const Loaded l = Read(dir);
  BertWeights w;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, size_t{1000}, l.onnx.size() / 3, l.onnx.size() - 1}) {
    const Status s = LoadBertOnnx(l.onnx.data(), cut, l.config, &w);
    EXPECT_FALSE(s.ok()) << cut;
    EXPECT_TRUE(s.code() == ErrorCode::kCorruptData || s.code() == ErrorCode::kModelLoadFailed) << cut;
  }
  // Graph structure sits after the large initializers: flip bits all over, densely at the end.
  uint32_t rng = 12345;
  for (int i = 0; i < 400; ++i) {
    rng = rng * 1664525u + 1013904223u;
    const size_t span = i % 2 ? l.onnx.size() : 64 * 1024;
    const size_t pos = l.onnx.size() - 1 - (rng >> 8) % span;
    std::vector<uint8_t> f = l.onnx;
    f[pos] ^= static_cast<uint8_t>(1u << (rng & 7));
    BertWeights flipped;
    if (LoadBertOnnx(f.data(), f.size(), l.config, &flipped).ok())  // any status; ASan checks the rest
      testing::DecodeAll(l.config, &flipped);
  }
}

// A hand-encoded ModelProto: graph { initializer { dims 2 dims 1 data_type 1 name "w" <extra> } }.
std::vector<uint8_t> TinyProto(const std::vector<uint8_t>& tensor_extra) {
  std::vector<uint8_t> t = {0x08, 0x02, 0x08, 0x01, 0x10, 0x01, 0x42, 0x01, 'w'};
  t.insert(t.end(), tensor_extra.begin(), tensor_extra.end());
  std::vector<uint8_t> g = {0x2a, static_cast<uint8_t>(t.size())};
  g.insert(g.end(), t.begin(), t.end());
  std::vector<uint8_t> m = {0x08, 0x07, 0x3a, static_cast<uint8_t>(g.size())};
  m.insert(m.end(), g.begin(), g.end());
  return m;
}

TEST(OnnxProto, ReadsUnpackedDimsAndPackedFloatData) {
  // float_data packed: field 4, 8 bytes = 1.5f, -2.0f.
  const std::vector<uint8_t> f = TinyProto({0x22, 0x08, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0});
  onnx::Model m;
  ASSERT_TRUE(onnx::ParseModel(f.data(), f.size(), &m).ok());
  EXPECT_EQ(m.ir_version, 7);
  ASSERT_EQ(m.graph.initializers.size(), 1u);
  EXPECT_EQ(m.graph.initializers[0].dims, (std::vector<int64_t>{2, 1}));
  std::vector<float> v;
  ASSERT_TRUE(onnx::FloatValues(m.graph.initializers[0], &v));
  EXPECT_EQ(v, (std::vector<float>{1.5f, -2.0f}));
}

TEST(OnnxProto, ExternalDataIsRejectedAndLyingLengthsAreCorrupt) {
  onnx::Model m;
  std::vector<uint8_t> f = TinyProto({0x70, 0x01});  // data_location = EXTERNAL
  Status s = onnx::ParseModel(f.data(), f.size(), &m);
  EXPECT_EQ(s.code(), ErrorCode::kModelLoadFailed);
  EXPECT_NE(s.message().find("external"), std::string::npos) << s.message();
  f = TinyProto({0x4a, 0x7f, 0x00});  // raw_data claiming 127 bytes, 1 present
  EXPECT_EQ(onnx::ParseModel(f.data(), f.size(), &m).code(), ErrorCode::kCorruptData);
  f = TinyProto({0x4a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});  // 2^64 - 1
  EXPECT_EQ(onnx::ParseModel(f.data(), f.size(), &m).code(), ErrorCode::kCorruptData);
  f = TinyProto({0x0b});  // a group start: never in ONNX
  EXPECT_EQ(onnx::ParseModel(f.data(), f.size(), &m).code(), ErrorCode::kCorruptData);
  f = {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};  // 11-byte varint
  EXPECT_EQ(onnx::ParseModel(f.data(), f.size(), &m).code(), ErrorCode::kCorruptData);
  f = {0x08, 0x07};  // no graph
  EXPECT_EQ(onnx::ParseModel(f.data(), f.size(), &m).code(), ErrorCode::kCorruptData);
}

// kMaxDims bounds what one tensor's dims may cost the parser: 16 dims load, 17 are corrupt, in
// either encoding (one varint per dim, or packed).
TEST(OnnxProto, MoreThanSixteenDimsAreCorrupt) {
  onnx::Model m;
  for (const bool packed : {false, true}) {
    for (const size_t extra : {size_t{14}, size_t{15}}) {  // TinyProto has 2 dims already
      std::vector<uint8_t> dims;
      if (packed) dims = {0x0a, static_cast<uint8_t>(extra)};
      for (size_t i = 0; i < extra; ++i) {
        if (!packed) dims.push_back(0x08);
        dims.push_back(0x01);
      }
      const std::vector<uint8_t> f = TinyProto(dims);
      const Status s = onnx::ParseModel(f.data(), f.size(), &m);
      SCOPED_TRACE(::testing::Message() << (packed ? "packed " : "unpacked ") << 2 + extra << " dims");
      if (extra == 14) {
        ASSERT_TRUE(s.ok()) << s.message();
        EXPECT_EQ(m.graph.initializers[0].dims.size(), 16u);
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
      }
    }
  }
}

}  // namespace
}  // namespace ruv::embed
