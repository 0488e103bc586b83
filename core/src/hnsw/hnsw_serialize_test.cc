// Serialization: exact round trips, stable bytes, and hostile input that must give kCorruptData.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/crc32.h"
#include "hnsw_test_util.h"
#include "level_generator.h"
#include "load_bound.h"
#include "ruv/hnsw.h"

namespace ruv::hnsw::testing {
namespace {

std::unique_ptr<HnswIndex> SmallIndex(HnswStorage storage = HnswStorage::kFloat32, size_t n = 60) {
  const Dataset d = RandomUnit(n, 6, 201);
  HnswConfig c;
  c.m = 4;
  c.ef_construction = 16;
  c.storage = storage;
  auto index = Build(d, c);
  for (size_t i = 0; i < n; i += 5) (void)index->Remove(Id(i));
  return index;
}

void FixCrc(std::vector<uint8_t>* bytes) {
  const uint32_t crc = Crc32(bytes->data(), bytes->size() - 4);
  std::memcpy(bytes->data() + bytes->size() - 4, &crc, 4);
}

TEST(HnswSerializeTest, Crc32CheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(Crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(HnswSerializeTest, LevelGeneratorIsPinned) {
  // Pinned values: the pure-TS twin must draw the same (FORMAT.md, "Levels").
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64Next(&state), 0xE220A8397B1DCDAFull);
  state = 0x5255564543544F52ull;
  std::vector<uint32_t> levels;
  size_t histogram[4] = {0, 0, 0, 0};
  for (int i = 0; i < 100000; ++i) {
    const uint32_t l = DrawLevel(&state, 16);
    if (i < 8) levels.push_back(l);
    ++histogram[std::min<uint32_t>(l, 3)];
  }
  EXPECT_NEAR(histogram[0] / 100000.0, 15.0 / 16, 0.005);
  EXPECT_NEAR(histogram[1] / 100000.0, 15.0 / 256, 0.003);
}

TEST(HnswSerializeTest, RoundTripKeepsResultsAndBytes) {
  for (const HnswStorage storage : {HnswStorage::kFloat32, HnswStorage::kInt8}) {
    const Dataset d = RandomUnit(Scaled(1500), 24, 211);
    const Dataset q = RandomUnit(50, 24, 212);
    HnswConfig c;
    c.storage = storage;
    auto index = Build(d, c);
    ASSERT_NE(index, nullptr);
    for (size_t i = 0; i < d.size(); i += 4) ASSERT_TRUE(index->Remove(Id(i)));
    std::vector<uint8_t> bytes, again;
    ASSERT_TRUE(index->Serialize(&bytes).ok());
    std::unique_ptr<HnswIndex> loaded;
    ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
    ASSERT_TRUE(loaded->Serialize(&again).ok());
    EXPECT_EQ(bytes, again);
    EXPECT_EQ(loaded->Stats().count, index->Stats().count);
    std::vector<HnswSearchHit> a, b;
    for (size_t i = 0; i < q.size(); ++i) {
      ASSERT_TRUE(index->Search(q.row(i), 10, {}, &a).ok());
      ASSERT_TRUE(loaded->Search(q.row(i), 10, {}, &b).ok());
      ASSERT_EQ(a.size(), b.size());
      for (size_t j = 0; j < a.size(); ++j) {
        EXPECT_EQ(a[j].id, b[j].id);
        EXPECT_EQ(a[j].distance, b[j].distance);
      }
    }
    // The level generator state travels: the same inserts on the loaded index give the bytes
    // they give on the original once that one has been saved and loaded too (saving compacts
    // the free slots away, so inserts after it take other slots than the original would).
    std::unique_ptr<HnswIndex> twin;
    ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &twin).ok());
    for (size_t i = 0; i < 40; ++i) {
      ASSERT_TRUE(twin->Insert("new" + std::to_string(i), q.row(i)).ok());
      ASSERT_TRUE(loaded->Insert("new" + std::to_string(i), q.row(i)).ok());
    }
    ASSERT_TRUE(twin->Serialize(&bytes).ok());
    ASSERT_TRUE(loaded->Serialize(&again).ok());
    EXPECT_EQ(bytes, again);
  }
}

TEST(HnswSerializeTest, SavingCompactsFreeSlots) {
  // An index without removals continues after a load exactly as the original does.
  const Dataset d = RandomUnit(300, 8, 231);
  HnswConfig c;
  c.m = 6;
  auto index = Build(d, c);
  std::vector<uint8_t> bytes, again;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  std::unique_ptr<HnswIndex> loaded;
  ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
  for (size_t i = 0; i < 30; ++i) {
    ASSERT_TRUE(index->Insert("new" + std::to_string(i), d.row(i)).ok());
    ASSERT_TRUE(loaded->Insert("new" + std::to_string(i), d.row(i)).ok());
  }
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  ASSERT_TRUE(loaded->Serialize(&again).ok());
  EXPECT_EQ(bytes, again);

  // With removals the bytes hold only live slots, numbered in ascending order: the loaded index
  // has one slot per entry, its memory falls accordingly, and its search is the original's.
  for (size_t i = 0; i < d.size(); i += 3) ASSERT_TRUE(index->Remove(Id(i)));
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
  const HnswStats before = index->Stats(), after = loaded->Stats();
  EXPECT_EQ(after.count, before.count);
  EXPECT_EQ(after.slots, before.count);
  EXPECT_EQ(before.slots, d.size() + 30);
  EXPECT_LT(after.memory_bytes, before.memory_bytes);
  uint32_t slots;
  std::memcpy(&slots, bytes.data() + 52, 4);
  EXPECT_EQ(slots, before.count);
  std::vector<HnswSearchHit> a, b;
  for (size_t i = 0; i < d.size(); ++i) {
    ASSERT_TRUE(index->Search(d.row(i), 10, {}, &a).ok());
    ASSERT_TRUE(loaded->Search(d.row(i), 10, {}, &b).ok());
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j) EXPECT_EQ(a[j].id, b[j].id);
  }
}

// A version-1 blob built field by field: `free_slots` free slots (state 0, on the free list)
// after `live` entries of the given level with no links, dimension `dim`, float32 rows of zeros.
std::vector<uint8_t> HandMadeBlob(uint32_t dim, uint32_t m, uint32_t live, uint32_t level,
                                  uint32_t free_slots) {
  std::vector<uint8_t> b;
  const auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
  };
  for (const char ch : std::string("RUVHNSW", 8)) b.push_back(uint8_t(ch));
  for (const uint32_t v : {1u, dim, m, 16u, 16u, 1u, 0u}) u32(v);  // euclidean, float32
  for (int i = 0; i < 16; ++i) b.push_back(0);                     // seed, rng
  u32(live + free_slots);
  u32(live);
  u32(live == 0 ? 0xFFFFFFFFu : 0);
  u32(live == 0 ? 0 : level);
  for (uint32_t i = 0; i < live; ++i) {
    b.push_back(1);
    std::string id = std::to_string(i);
    id.insert(id.begin(), 'n');
    u32(uint32_t(id.size()));
    b.insert(b.end(), id.begin(), id.end());
    b.insert(b.end(), size_t{dim} * 4, 0);
    b.push_back(uint8_t(level));
    for (uint32_t l = 0; l <= level; ++l) u32(0);
  }
  for (uint32_t i = 0; i < free_slots; ++i) b.push_back(0);
  u32(free_slots);
  for (uint32_t i = 0; i < free_slots; ++i) u32(live + i);
  u32(0);
  FixCrc(&b);
  return b;
}

TEST(HnswSerializeTest, LoadingCostsMemoryInProportionToTheBytes) {
  std::unique_ptr<HnswIndex> loaded;
  // The probe's blob: 50,076 bytes declaring 10,000 free slots of 65536-d with m 128 cost 2.6 GB
  // when free slots were materialized. They are dropped now.
  std::vector<uint8_t> holes = HandMadeBlob(65536, 128, 0, 0, 10000);
  EXPECT_EQ(holes.size(), 50076u);
  ASSERT_TRUE(HnswIndex::Deserialize(holes.data(), holes.size(), &loaded).ok());
  EXPECT_EQ(loaded->Stats().slots, 0u);
  EXPECT_LE(loaded->Stats().memory_bytes, LoadMemoryBound(loaded->config(), holes.size(), 0));
  // Free slots among live ones: the same, and the entries stay findable.
  holes = HandMadeBlob(4, 8, 1, 0, 5000);
  ASSERT_TRUE(HnswIndex::Deserialize(holes.data(), holes.size(), &loaded).ok());
  EXPECT_EQ(loaded->Stats().slots, 1u);
  EXPECT_TRUE(loaded->Contains("n0"));
  EXPECT_LE(loaded->Stats().memory_bytes, LoadMemoryBound(loaded->config(), holes.size(), 1));

  // Nodes at level 31 without links (124 bytes of counts for 16 KB of lists each at m 128):
  // refused once their lists pass 4 bytes per byte given plus one full tower.
  const std::vector<uint8_t> tower = HandMadeBlob(1, 128, 1, kMaxLevel, 0);
  ASSERT_TRUE(HnswIndex::Deserialize(tower.data(), tower.size(), &loaded).ok());
  EXPECT_LE(loaded->Stats().memory_bytes, LoadMemoryBound(loaded->config(), tower.size(), 1));
  const std::vector<uint8_t> towers = HandMadeBlob(1, 128, 200, kMaxLevel, 0);
  const Status st = HnswIndex::Deserialize(towers.data(), towers.size(), &loaded);
  EXPECT_EQ(st.code(), ErrorCode::kCorruptData);
  EXPECT_EQ(st.message(), "hnsw: corrupt index: levels exceed what the data holds");

  // Real indexes stay within the bound, at every m and both storages, with and without removals.
  for (const uint32_t m : {2u, 4u, 16u, 128u}) {
    for (const HnswStorage storage : {HnswStorage::kFloat32, HnswStorage::kInt8}) {
      const Dataset d = RandomUnit(400, 3, 240 + m);
      HnswConfig c;
      c.m = m;
      c.storage = storage;
      auto index = Build(d, c);
      for (size_t i = 0; i < d.size(); i += 7) ASSERT_TRUE(index->Remove(Id(i)));
      std::vector<uint8_t> bytes;
      ASSERT_TRUE(index->Serialize(&bytes).ok());
      ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
      EXPECT_LE(loaded->Stats().memory_bytes, LoadMemoryBound(c, bytes.size(), loaded->Stats().count)) << m;
    }
  }
}

TEST(HnswSerializeTest, EmptyIndexRoundTrips) {
  HnswConfig c;
  c.dimensions = 3;
  std::unique_ptr<HnswIndex> index, loaded;
  ASSERT_TRUE(HnswIndex::Create(c, &index).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  ASSERT_TRUE(HnswIndex::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
  EXPECT_EQ(loaded->Stats().count, 0u);
  EXPECT_EQ(loaded->config().dimensions, 3u);
}

TEST(HnswSerializeTest, EveryTruncationIsCorrupt) {
  auto index = SmallIndex();
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  std::unique_ptr<HnswIndex> loaded;
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(len));
    EXPECT_EQ(HnswIndex::Deserialize(cut.data(), cut.size(), &loaded).code(), ErrorCode::kCorruptData) << len;
    // Even with a valid checksum over the cut bytes.
    if (len >= 4) {
      FixCrc(&cut);
      EXPECT_EQ(HnswIndex::Deserialize(cut.data(), cut.size(), &loaded).code(), ErrorCode::kCorruptData)
          << len;
    }
  }
}

TEST(HnswSerializeTest, BitFlipsAreCaughtOrHarmless) {
  for (const HnswStorage storage : {HnswStorage::kFloat32, HnswStorage::kInt8}) {
    auto index = SmallIndex(storage);
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(index->Serialize(&bytes).ok());
    std::mt19937_64 rng(221);
    std::unique_ptr<HnswIndex> loaded;
    const float q[6] = {1, 0, 0, 0, 0, 0};
    std::vector<HnswSearchHit> out;
    for (int trial = 0; trial < (kSanitized ? 3000 : 20000); ++trial) {
      std::vector<uint8_t> bad = bytes;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) bad[rng() % (bad.size() - 4)] ^= uint8_t(1u << (rng() % 8));
      if (bad == bytes) continue;  // two flips of the same bit cancel
      // The checksum alone catches these.
      EXPECT_EQ(HnswIndex::Deserialize(bad.data(), bad.size(), &loaded).code(), ErrorCode::kCorruptData);
      // With a recomputed checksum the structural checks must hold: either rejected, or a
      // usable index.
      FixCrc(&bad);
      const Status st = HnswIndex::Deserialize(bad.data(), bad.size(), &loaded);
      if (st.ok()) {
        ASSERT_TRUE(loaded->Search(q, 5, {}, &out).ok());
        ASSERT_TRUE(loaded->Insert("x", q).ok());
        ASSERT_TRUE(loaded->Search(q, 5, {}, &out).ok());
      } else {
        EXPECT_EQ(st.code(), ErrorCode::kCorruptData);
      }
    }
  }
}

TEST(HnswSerializeTest, HostileCountsAreCorrupt) {
  auto index = SmallIndex();
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  std::unique_ptr<HnswIndex> loaded;
  // Header u32 fields after the magic: version, dim, m, efC, efS, metric, storage, then the u64
  // seed and rng state, then slot count, live count, entry point, max level.
  const size_t fields[] = {8, 12, 16, 20, 24, 28, 32, 52, 56, 60, 64};
  for (const size_t offset : fields) {
    for (const uint32_t value : {0u, 1u, 2u, 33u, 0x7FFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu}) {
      std::vector<uint8_t> bad = bytes;
      uint32_t original;
      std::memcpy(&original, bad.data() + offset, 4);
      if (original == value) continue;
      std::memcpy(bad.data() + offset, &value, 4);
      FixCrc(&bad);
      const Status st = HnswIndex::Deserialize(bad.data(), bad.size(), &loaded);
      // m, the ef values and the metric only steer the walk: a valid value gives a usable
      // index. Version, dimensions, storage and the counts must be rejected when changed.
      if (offset == 16 || offset == 20 || offset == 24 || offset == 28) {
        if (st.ok()) {
          std::vector<HnswSearchHit> out;
          const float q[6] = {0, 1, 0, 0, 0, 0};
          EXPECT_TRUE(loaded->Search(q, 3, {}, &out).ok());
        } else {
          EXPECT_EQ(st.code(), ErrorCode::kCorruptData);
        }
      } else {
        EXPECT_EQ(st.code(), ErrorCode::kCorruptData) << offset << " " << value;
      }
    }
  }
  // Wrong magic, wrong version, trailing bytes.
  std::vector<uint8_t> bad = bytes;
  bad[0] = 'X';
  FixCrc(&bad);
  EXPECT_EQ(HnswIndex::Deserialize(bad.data(), bad.size(), &loaded).code(), ErrorCode::kCorruptData);
  bad = bytes;
  bad.insert(bad.end() - 4, 0);
  FixCrc(&bad);
  EXPECT_EQ(HnswIndex::Deserialize(bad.data(), bad.size(), &loaded).code(), ErrorCode::kCorruptData);
}

// Ids are UTF-8 both ways: bytes whose id is not (0xFF, an overlong, a surrogate) are corrupt,
// and Insert refuses such an id, so every stored id reaches JS unchanged and stays deletable.
TEST(HnswSerializeTest, IdsThatAreNotUtf8AreRefused) {
  HnswConfig c;
  c.dimensions = 3;
  std::unique_ptr<HnswIndex> index;
  ASSERT_TRUE(HnswIndex::Create(c, &index).ok());
  const float v[3] = {1, 2, 3};
  ASSERT_TRUE(index->Insert("QQQQ", v).ok());
  EXPECT_EQ(index->Insert("Q\xffQ", v).code(), ErrorCode::kInvalidArgument);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  const auto at = std::search(bytes.begin(), bytes.end(), "QQQQ", "QQQQ" + 4) - bytes.begin();
  ASSERT_LT(static_cast<size_t>(at), bytes.size());
  for (const std::vector<uint8_t>& bad_id : std::vector<std::vector<uint8_t>>{
           {0xff, 'Q', 'Q', 'Q'}, {'Q', 'Q', 'Q', 0xc3}, {0xc1, 0x91, 'Q', 'Q'}, {0xed, 0xa0, 0x80, 'Q'}}) {
    std::vector<uint8_t> bad = bytes;
    std::copy(bad_id.begin(), bad_id.end(), bad.begin() + at);
    FixCrc(&bad);
    std::unique_ptr<HnswIndex> loaded;
    EXPECT_EQ(HnswIndex::Deserialize(bad.data(), bad.size(), &loaded).code(), ErrorCode::kCorruptData);
  }
}

// Version 2: an annotation (the embedding model's provenance) travels in the bytes; without one
// the bytes are version 1, byte for byte what they were, and both load.
TEST(HnswSerializeTest, AnnotationMakesVersionTwoAndRoundTrips) {
  auto index = SmallIndex();
  std::vector<uint8_t> v1, v2, again;
  ASSERT_TRUE(index->Serialize(&v1).ok());
  EXPECT_EQ(v1[8], 1) << "no annotation: version 1";
  const std::string note = R"({"modelId":"sentence-transformers/all-MiniLM-L6-v2","dims":384,"é":"✓"})";
  ASSERT_TRUE(index->SetAnnotation(note).ok());
  EXPECT_EQ(index->Annotation(), note);
  ASSERT_TRUE(index->Serialize(&v2).ok());
  EXPECT_EQ(v2[8], 2);
  EXPECT_EQ(v2.size(), v1.size() + 4 + note.size());
  std::unique_ptr<HnswIndex> loaded;
  ASSERT_TRUE(HnswIndex::Deserialize(v2.data(), v2.size(), &loaded).ok());
  EXPECT_EQ(loaded->Annotation(), note);
  ASSERT_TRUE(loaded->Serialize(&again).ok());
  EXPECT_EQ(again, v2);
  ASSERT_TRUE(loaded->SetAnnotation("").ok());
  ASSERT_TRUE(loaded->Serialize(&again).ok());
  EXPECT_EQ(again, v1) << "removing it gives the version-1 bytes back";
  ASSERT_TRUE(HnswIndex::Deserialize(v1.data(), v1.size(), &loaded).ok());
  EXPECT_EQ(loaded->Annotation(), "");
  // Bad annotations are refused on the way in and corrupt on the way out.
  EXPECT_EQ(index->SetAnnotation("\xff").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(index->SetAnnotation(std::string((1 << 20) + 1, 'a')).code(), ErrorCode::kInvalidArgument);
  const size_t at = 8 + 4 + 6 * 4 + 8 + 8 + 4 * 4;  // the annotation's length follows the header
  for (int damage = 0; damage < 3; ++damage) {
    std::vector<uint8_t> bad = v2;
    if (damage == 0) std::fill(bad.begin() + at, bad.begin() + at + 4, 0);  // length 0 in version 2
    if (damage == 1) bad[at + 3] = 0x7f;                                    // longer than the data
    if (damage == 2) bad[at + 4] = 0xff;                                    // not UTF-8
    FixCrc(&bad);
    EXPECT_EQ(HnswIndex::Deserialize(bad.data(), bad.size(), &loaded).code(), ErrorCode::kCorruptData)
        << damage;
  }
  std::vector<uint8_t> v3 = v2;
  v3[8] = 3;
  FixCrc(&v3);
  EXPECT_EQ(HnswIndex::Deserialize(v3.data(), v3.size(), &loaded).code(), ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace ruv::hnsw::testing
