// The memory snapshot (FORMAT.md): a round trip keeps every record, vector and the header; every
// truncation and every single-byte change of real snapshot bytes is refused with kCorruptData;
// bytes with a valid checksum but records that disagree with the index are refused too.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/crc32.h"
#include "memory/memory.h"

namespace ruv::memory {
namespace {

// n memories whose vectors start (i, i % 3, 0.5, -1) and are zero past that.
std::unique_ptr<Memory> Filled(size_t n, uint32_t dim = 4) {
  HnswConfig c;
  c.dimensions = dim;
  c.metric = Metric::kEuclidean;
  c.m = 8;
  c.ef_construction = 32;
  std::unique_ptr<Memory> m;
  EXPECT_TRUE(Memory::Create(c, &m).ok());
  std::vector<float> v(dim, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    v[0] = static_cast<float>(i);
    v[1] = static_cast<float>(i % 3);
    v[2] = 0.5f;
    v[3] = -1.0f;
    const std::string meta = R"({"n":)" + std::to_string(i) + R"(,"tags":["x","é"]})";
    EXPECT_TRUE(m->Put("id-" + std::to_string(i), "text " + std::to_string(i), meta, v.data()).ok());
  }
  return m;
}

std::vector<uint8_t> Bytes(const Memory& m, std::string_view header = R"({"model":"m"})") {
  std::vector<uint8_t> out;
  EXPECT_TRUE(m.Serialize(header, &out).ok());
  return out;
}

// Rewrites the closing CRC so that a change past the checksum reaches the parser.
void Reseal(std::vector<uint8_t>* b) {
  const uint32_t crc = Crc32(b->data(), b->size() - 4);
  std::memcpy(b->data() + b->size() - 4, &crc, 4);
}

TEST(MemorySnapshotTest, RoundTripKeepsRecordsVectorsAndHeader) {
  auto m = Filled(50);
  ASSERT_TRUE(m->Remove("id-7"));
  const std::vector<uint8_t> bytes = Bytes(*m);
  std::unique_ptr<Memory> back;
  std::string header;
  ASSERT_TRUE(Memory::Deserialize(bytes.data(), bytes.size(), &back, &header).ok());
  EXPECT_EQ(header, R"({"model":"m"})");
  EXPECT_EQ(back->size(), 49u);
  MemoryRecord r;
  EXPECT_FALSE(back->Get("id-7", &r));
  ASSERT_TRUE(back->Get("id-12", &r));
  EXPECT_EQ(r.text, "text 12");
  EXPECT_EQ(r.metadata["n"], 12);
  const float q[] = {12, 0, 0.5f, -1};
  std::vector<HnswSearchHit> hits;
  ASSERT_TRUE(back->Search(q, 1, R"({"tags": "é"})", {}, &hits).ok());
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "id-12");
  EXPECT_FLOAT_EQ(hits[0].distance, 0.0f);
  // Serializing the loaded memory gives the same bytes.
  EXPECT_EQ(Bytes(*back), bytes);
}

TEST(MemorySnapshotTest, EveryTruncationAndByteChangeIsCorruptData) {
  const std::vector<uint8_t> bytes = Bytes(*Filled(6));
  std::unique_ptr<Memory> out;
  for (size_t len = 0; len < bytes.size(); ++len) {
    const Status s = Memory::Deserialize(bytes.data(), len, &out, nullptr);
    ASSERT_EQ(s.code(), ErrorCode::kCorruptData) << "length " << len;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> b = bytes;
    b[i] ^= 0x20;
    ASSERT_EQ(Memory::Deserialize(b.data(), b.size(), &out, nullptr).code(), ErrorCode::kCorruptData)
        << "byte " << i;
  }
}

TEST(MemorySnapshotTest, RecordsThatDisagreeWithTheIndexAreRefusedEvenWithAGoodChecksum) {
  auto m = Filled(3);
  const std::vector<uint8_t> bytes = Bytes(*m, "");
  const std::string text(bytes.begin(), bytes.end());
  std::unique_ptr<Memory> out;
  const auto refused = [&](std::vector<uint8_t> b, const char* what) {
    Reseal(&b);
    const Status s = Memory::Deserialize(b.data(), b.size(), &out, nullptr);
    EXPECT_EQ(s.code(), ErrorCode::kCorruptData) << what;
    return s.message();
  };
  // An id the index does not hold (same length, one letter changed).
  std::vector<uint8_t> b = bytes;
  b[text.rfind("id-2")] = 'X';
  EXPECT_NE(refused(b, "unknown id").find("not in the index"), std::string::npos);
  // A duplicate id: the second record renamed to the first.
  b = bytes;
  b[text.rfind("id-1") + 3] = '0';
  EXPECT_NE(refused(b, "duplicate").find("duplicate"), std::string::npos);
  // Metadata that is not an object.
  b = bytes;
  const size_t meta = text.rfind(R"({"n":2)");
  b[meta] = '[';
  refused(b, "metadata");
  // Invalid UTF-8 in a text.
  b = bytes;
  b[text.rfind("text 2")] = 0xFF;
  EXPECT_NE(refused(b, "utf-8").find("UTF-8"), std::string::npos);
  // A trailing byte.
  b = bytes;
  b.insert(b.end() - 4, 0);
  EXPECT_NE(refused(b, "trailing").find("after the last record"), std::string::npos);
  // An unknown version.
  b = bytes;
  b[8] = 3;
  EXPECT_NE(refused(b, "version").find("version 3"), std::string::npos);
}

// From 4 MiB on, the records are read on a second thread while the index loads: the same
// memory comes back, and records that disagree with the index are refused the same way.
TEST(MemorySnapshotTest, ALargeSnapshotReadOnTwoThreadsRoundTripsAndIsChecked) {
  const size_t n = 3000;  // 3000 rows of 384 floats: 4.6 MB
  auto m = Filled(n, 384);
  const std::vector<uint8_t> bytes = Bytes(*m, "");
  ASSERT_GT(bytes.size(), size_t{4} << 20);
  std::unique_ptr<Memory> back;
  ASSERT_TRUE(Memory::Deserialize(bytes.data(), bytes.size(), &back, nullptr).ok());
  EXPECT_EQ(back->size(), n);
  MemoryRecord r;
  ASSERT_TRUE(back->Get("id-2999", &r));
  EXPECT_EQ(r.text, "text 2999");
  EXPECT_EQ(r.metadata["n"], 2999);
  EXPECT_EQ(Bytes(*back, ""), bytes);

  const std::string text(bytes.begin(), bytes.end());
  const auto refused = [&](std::vector<uint8_t> b) {
    Reseal(&b);
    std::unique_ptr<Memory> out;
    const Status s = Memory::Deserialize(b.data(), b.size(), &out, nullptr);
    EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
    EXPECT_EQ(out, nullptr);
    return s.message();
  };
  const size_t last = text.rfind("id-2999");  // the last record's id (the index's come first)
  std::vector<uint8_t> b = bytes;
  b[last] = 'X';
  EXPECT_NE(refused(b).find("not in the index"), std::string::npos);
  b = bytes;
  b[last + 6] = '8';  // id-2998 twice
  EXPECT_NE(refused(b).find("duplicate"), std::string::npos);
  b = bytes;
  b[text.rfind(R"({"n":2999)")] = '[';
  EXPECT_NE(refused(b).find("record 2999"), std::string::npos);
  // A damaged index with good records: the index's error.
  b = bytes;
  b[8 + 4 + 4 + 8 + 8] ^= 0x7F;  // the index's version word
  EXPECT_NE(refused(b).find("index:"), std::string::npos);
}

TEST(MemorySnapshotTest, AnEmptyMemoryRoundTripsAndTheHeaderIsBounded) {
  auto m = Filled(0);
  const std::vector<uint8_t> bytes = Bytes(*m, "");
  std::unique_ptr<Memory> back;
  ASSERT_TRUE(Memory::Deserialize(bytes.data(), bytes.size(), &back, nullptr).ok());
  EXPECT_EQ(back->size(), 0u);
  std::vector<uint8_t> out;
  EXPECT_EQ(m->Serialize(std::string(kMaxSnapshotHeader + 1, 'h'), &out).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ruv::memory
