#include "embed/model/bundle.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace ruv::embed {
namespace {

void PutLe(std::vector<uint8_t>* b, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void PutString(std::vector<uint8_t>* b, const std::string& s) {
  PutLe(b, s.size(), 2);
  b->insert(b->end(), s.begin(), s.end());
}

// Writes a bundle straight from BUNDLE.md's layout (the test's own writer; the TypeScript writer
// is checked against the C++ reader by the node suite).
std::vector<uint8_t> Write(const std::string& id, const std::string& rev,
                           const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<uint8_t> b;
  b.insert(b.end(), {'R', 'U', 'V', 'M', 'O', 'D', 'E', 'L'});
  PutLe(&b, 1, 4);
  PutLe(&b, files.size(), 4);
  PutLe(&b, 0, 4);  // header_size, patched below
  PutLe(&b, 0, 4);
  PutLe(&b, 0, 8);  // total_size, patched below
  PutString(&b, id);
  PutString(&b, rev);
  for (const auto& [name, data] : files) {
    PutString(&b, name);
    PutLe(&b, data.size(), 8);
    const Sha256Digest d = Sha256(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    b.insert(b.end(), d.begin(), d.end());
  }
  const size_t header_size = b.size() + 32;
  for (int i = 0; i < 4; ++i) b[16 + i] = static_cast<uint8_t>(header_size >> (8 * i));
  size_t total = header_size;
  for (const auto& f : files) total = (total + 63) / 64 * 64 + f.second.size();
  for (int i = 0; i < 8; ++i) b[24 + i] = static_cast<uint8_t>(total >> (8 * i));
  const Sha256Digest h = Sha256(b.data(), b.size());
  b.insert(b.end(), h.begin(), h.end());
  for (const auto& f : files) {
    b.resize((b.size() + 63) / 64 * 64, 0);
    b.insert(b.end(), f.second.begin(), f.second.end());
  }
  return b;
}

TEST(BundleTest, WorkedExampleOfBundleMd) {
  const std::vector<uint8_t> b = Write("m", "", {{"a", "xyz"}});
  ASSERT_EQ(b.size(), 131u);  // header 112, data at align64(112) = 128
  Bundle bundle;
  ASSERT_TRUE(ReadBundle(b, &bundle).ok());
  EXPECT_EQ(bundle.model_id, "m");
  EXPECT_EQ(bundle.revision, "");
  ASSERT_EQ(bundle.files.size(), 1u);
  EXPECT_EQ(bundle.files[0].name, "a");
  EXPECT_EQ(bundle.files[0].data.data(), b.data() + 128);
  EXPECT_EQ(std::string(bundle.files[0].data.begin(), bundle.files[0].data.end()), "xyz");
}

TEST(BundleTest, SeveralFilesAndEmptyOnes) {
  const std::vector<uint8_t> b = Write("org/model", "main",
                                       {{"1_Pooling/config.json", "{}"},
                                        {"config.json", std::string(200, 'c')},
                                        {"empty", ""},
                                        {"onnx/model.onnx", std::string(1000, '\x01')}});
  Bundle bundle;
  ASSERT_TRUE(ReadBundle(b, &bundle).ok());
  ASSERT_EQ(bundle.files.size(), 4u);
  EXPECT_EQ(bundle.files[3].name, "onnx/model.onnx");
  EXPECT_EQ(bundle.files[3].data.size(), 1000u);
  EXPECT_EQ(bundle.files[2].data.size(), 0u);
  for (const BundleFile& f : bundle.files) EXPECT_EQ((f.data.data() - b.data()) % 64, 0);
}

TEST(BundleTest, EveryBitFlipAndTruncationIsCorruptData) {
  const std::vector<uint8_t> good =
      Write("m", "r", {{"a.json", "{\"x\":1}"}, {"b/c.bin", std::string(70, 'z')}});
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      Bundle bundle;
      const Status s = ReadBundle(bad, &bundle);
      ASSERT_EQ(s.code(), ErrorCode::kCorruptData) << "byte " << i << " bit " << bit;
    }
  }
  for (size_t n = 0; n < good.size(); ++n) {
    Bundle bundle;
    ASSERT_EQ(ReadBundle(std::span<const uint8_t>(good.data(), n), &bundle).code(), ErrorCode::kCorruptData);
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  Bundle bundle;
  EXPECT_EQ(ReadBundle(longer, &bundle).code(), ErrorCode::kCorruptData);
}

// kTrust skips only the per-file digests: a changed file byte passes, every other flip is still
// caught (the header digest covers the table).
TEST(BundleTest, TrustedFileDigestsSkipOnlyTheFileHashes) {
  const std::vector<uint8_t> good = Write("m", "r", {{"a.json", "{\"x\":1}"}});
  std::vector<uint8_t> bad = good;
  bad.back() ^= 1;  // inside a.json's data
  Bundle bundle;
  EXPECT_EQ(ReadBundle(bad, &bundle).code(), ErrorCode::kCorruptData);
  ASSERT_TRUE(ReadBundle(bad, &bundle, FileDigests::kTrust).ok());
  EXPECT_EQ(bundle.files[0].data.back(), good.back() ^ 1);
  for (size_t i = 0; i + 7 < good.size(); ++i) {  // every byte but the file's
    std::vector<uint8_t> flipped = good;
    flipped[i] ^= 4;
    ASSERT_EQ(ReadBundle(flipped, &bundle, FileDigests::kTrust).code(), ErrorCode::kCorruptData) << i;
  }
}

TEST(BundleTest, BadNamesAndOrderAreRejectedWithTheirRule) {
  for (const char* name : {"../x", "/abs", "a//b", "a/./b", "a\\b", "c:d", "a/", ""}) {
    Bundle bundle;
    const Status s = ReadBundle(Write("", "", {{name, "1"}}), &bundle);
    EXPECT_EQ(s.code(), ErrorCode::kCorruptData) << name;
    EXPECT_NE(s.message().find("name"), std::string::npos) << s.message();
  }
  Bundle bundle;
  const Status s = ReadBundle(Write("", "", {{"b", "1"}, {"a", "2"}}), &bundle);
  EXPECT_NE(s.message().find("increasing order"), std::string::npos) << s.message();
  EXPECT_EQ(ReadBundle(Write("", "", {{"a", "1"}, {"a", "2"}}), &bundle).code(), ErrorCode::kCorruptData);
  EXPECT_EQ(ReadBundle(Write("\xff", "", {}), &bundle).code(), ErrorCode::kCorruptData);
}

TEST(BundleTest, AHugeFileCountCostsNothing) {
  std::vector<uint8_t> b = Write("", "", {});
  b[12] = 0x00;
  b[13] = 0x10;  // 4096 files declared, none present: fails on the header checksum first
  Bundle bundle;
  EXPECT_EQ(ReadBundle(b, &bundle).code(), ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace ruv::embed
