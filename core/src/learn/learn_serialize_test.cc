// Serialized forms: round trips, and hostile bytes (truncations, bit flips, forged checksums with
// bad counts, invalid UTF-8 ids, rows that are not unit) always CORRUPT_DATA, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/crc32.h"
#include "ruv/learn.h"
#include "testing/test_util.h"

namespace ruv::learn {
namespace {

std::vector<uint8_t> StoreBytes() {
  std::unique_ptr<PatternStore> store;
  EXPECT_TRUE(PatternStore::Create(6, {5, 0.25}, &store).ok());
  const std::vector<float> rows = ruv::test::RandomFloats(3 * 6, 1);
  PatternInfo p;
  for (int i = 0; i < 3; ++i) {
    p.id = "pattern-" + std::to_string(i) + (i == 1 ? "\xC3\xA9" : "");
    p.type = static_cast<PatternType>(i);
    p.metadata = "{\"n\":" + std::to_string(i) + "}";
    p.usage_count = 7 * i;
    p.success_count = i;
    EXPECT_TRUE(store->Add(p, rows.data() + i * 6).ok());
  }
  std::vector<uint8_t> bytes;
  store->Serialize(&bytes);
  return bytes;
}

void Reseal(std::vector<uint8_t>* b) {
  const uint32_t crc = Crc32(b->data(), b->size() - 4);
  std::memcpy(b->data() + b->size() - 4, &crc, 4);
}

TEST(LearnSerializeTest, PatternStoreRoundTrips) {
  const std::vector<uint8_t> bytes = StoreBytes();
  std::unique_ptr<PatternStore> store;
  ASSERT_TRUE(PatternStore::Deserialize(bytes.data(), bytes.size(), &store).ok());
  ASSERT_EQ(store->size(), 3u);
  EXPECT_EQ(store->policy().min_uses, 5u);
  EXPECT_EQ(store->policy().min_success_rate, 0.25);
  const PatternInfo& p = store->info(static_cast<uint32_t>(store->Find("pattern-1\xC3\xA9")));
  EXPECT_EQ(p.metadata, "{\"n\":1}");
  EXPECT_EQ(p.usage_count, 7u);
  EXPECT_EQ(p.type, PatternType::kSkillSelection);
  EXPECT_FALSE(store->info(static_cast<uint32_t>(store->Find("pattern-2"))).active);  // 2 / 14 < 0.25
  std::vector<uint8_t> again;
  store->Serialize(&again);
  EXPECT_EQ(again, bytes);
}

TEST(LearnSerializeTest, AdapterAndFisherRoundTrip) {
  LoraWeights w;
  ASSERT_TRUE(LoraWeights::Create(16, 4, 8, 3, &w).ok());
  w.params()[70] = 0.25f;
  std::vector<uint8_t> bytes;
  w.Serialize(&bytes);
  LoraWeights back;
  ASSERT_TRUE(LoraWeights::Deserialize(bytes.data(), bytes.size(), &back).ok());
  EXPECT_EQ(back.params(), w.params());
  EXPECT_EQ(back.alpha(), 8.0f);
  const std::vector<float> q = ruv::test::RandomFloats(16 * 10, 4), t = ruv::test::RandomFloats(16 * 10, 5);
  std::vector<Trajectory> trajs;
  for (size_t i = 0; i < 10; ++i)
    trajs.push_back({q.data() + i * 16, t.data() + i * 16, Verdict::kPositive, 1});
  Fisher f;
  LoraConfig c;
  ASSERT_TRUE(ComputeFisher(w, trajs.data(), trajs.size(), c, &f).ok());
  f.Serialize(&bytes);
  Fisher fb;
  ASSERT_TRUE(Fisher::Deserialize(bytes.data(), bytes.size(), &fb).ok());
  EXPECT_EQ(fb.values(), f.values());
  EXPECT_EQ(fb.anchor().params(), w.params());
  // One kind of blob is not another.
  EXPECT_EQ(LoraWeights::Deserialize(bytes.data(), bytes.size(), &back).code(), ErrorCode::kCorruptData);
}

TEST(LearnSerializeTest, HostileBytesAreCorruptData) {
  const std::vector<uint8_t> good = StoreBytes();
  std::unique_ptr<PatternStore> store;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    ASSERT_EQ(PatternStore::Deserialize(good.data(), cut, &store).code(), ErrorCode::kCorruptData) << cut;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> b = good;
    b[i] ^= 0x10;
    ASSERT_EQ(PatternStore::Deserialize(b.data(), b.size(), &store).code(), ErrorCode::kCorruptData) << i;
  }
  // Forged checksums: a count the bytes cannot hold, an invalid UTF-8 id, a row not unit length.
  const size_t count_at = 8 + 4 + 4 + 4 + 8;
  std::vector<uint8_t> b = good;
  const uint32_t huge = 0x7FFFFFFF;
  std::memcpy(b.data() + count_at, &huge, 4);
  Reseal(&b);
  EXPECT_EQ(PatternStore::Deserialize(b.data(), b.size(), &store).code(), ErrorCode::kCorruptData);
  b = good;
  const size_t id_at = count_at + 4 + 1 + 4 + 4 + 4;  // first record's id bytes
  ASSERT_EQ(b[id_at], 'p');
  b[id_at] = 0xFF;
  Reseal(&b);
  Status s = PatternStore::Deserialize(b.data(), b.size(), &store);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
  EXPECT_NE(s.message().find("id"), std::string::npos) << s.message();
  b = good;
  const size_t row_at = id_at + 9 + 4 + 7;  // "pattern-0", metadata length, {"n":0}
  float x;
  std::memcpy(&x, b.data() + row_at, 4);
  x *= 3;
  std::memcpy(b.data() + row_at, &x, 4);
  Reseal(&b);
  s = PatternStore::Deserialize(b.data(), b.size(), &store);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptData);
  EXPECT_NE(s.message().find("unit"), std::string::npos) << s.message();
  // Adapter header claiming a huge shape with few bytes.
  LoraWeights w;
  ASSERT_TRUE(LoraWeights::Create(4, 2, 2, 0, &w).ok());
  w.Serialize(&b);
  const uint32_t big = 65536;
  std::memcpy(b.data() + 12, &big, 4);
  Reseal(&b);
  EXPECT_EQ(LoraWeights::Deserialize(b.data(), b.size(), &w).code(), ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace ruv::learn
