// Test helpers for the model loaders: the generated test models (tools/models/make_bert_model.py,
// run by scripts/test.sh into $RUV_TEST_MODELS) and torch's own record of their tensors.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/bert_model.h"
#include "embed/model/bert_tensors.h"

namespace ruv::embed::testing {

inline std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::string ReadText(const std::string& path) {
  const std::vector<uint8_t> b = ReadBytes(path);
  return {b.begin(), b.end()};
}

// The folder of a generated model, or "" (the caller skips loudly) when RUV_TEST_MODELS is unset.
inline std::string ModelDir(const std::string& name) {
  const char* root = std::getenv("RUV_TEST_MODELS");
  return root ? std::string(root) + "/" + name : std::string();
}

#define RUV_REQUIRE_MODEL(dir, name)                                                   \
  const std::string dir = ::ruv::embed::testing::ModelDir(name);                       \
  if (dir.empty())                                                                     \
    GTEST_SKIP() << "RUV_TEST_MODELS is unset: run scripts/test.sh, or generate with " \
                    "tools/models/make_bert_model.py and set it";                      \
  ASSERT_FALSE(::ruv::embed::testing::ReadBytes(dir + "/config.json").empty()) << dir << " has no model"

// The generator's checksum (bits_checksum): sum of u32 bits[i] * (2i + 1) modulo 2^64.
inline std::string BitsChecksum(const std::vector<float>& v) {
  uint64_t sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    sum += static_cast<uint64_t>(bits) * (2 * static_cast<uint64_t>(i) + 1);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  return hex;
}

// Decodes every tensor of `w` (views of a file's bytes read now: under ASan, a view past the
// file's end fails here).
inline void DecodeAll(const BertConfig& config, BertWeights* w) {
  for (const BertTensorSlot& slot : BertTensorSlots(config, w)) (void)slot.dst->Values();
}

// Every tensor of `w` against torch's state_dict record (tensors.json): shape, bits, first values.
inline void ExpectWeightsMatchTorch(const std::string& dir, const BertConfig& config, BertWeights w) {
  const nlohmann::json torch_record = nlohmann::json::parse(ReadText(dir + "/tensors.json"));
  BertWeights probe;
  const std::vector<BertTensorSlot> slots = BertTensorSlots(config, &probe);
  std::vector<BertTensorSlot> loaded = BertTensorSlots(config, &w);
  ASSERT_EQ(slots.size(), loaded.size());
  for (const BertTensorSlot& slot : loaded) {
    SCOPED_TRACE(slot.name);
    ASSERT_TRUE(torch_record.contains(slot.name));
    const auto& t = torch_record[slot.name];
    EXPECT_EQ(t["shape"].get<std::vector<int64_t>>(), slot.shape);
    const std::vector<float> values = slot.dst->Values();  // a view of the file, decoded
    EXPECT_EQ(t["checksum"].get<std::string>(), BitsChecksum(values));
    const auto first = t["first"].get<std::vector<double>>();
    ASSERT_GE(values.size(), first.size());
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(static_cast<float>(first[i]), values[i]) << i;
  }
}

}  // namespace ruv::embed::testing
