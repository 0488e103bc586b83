// VocabTable against the map it is built from (the expectation): every token found with its id,
// nothing else found, whatever the table's collisions.
#include "embed/tokenizer/vocab_table.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace ruv::embed {
namespace {

std::unordered_map<std::string, int32_t> RandomVocab(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> len(1, 12), byte(0, 255);
  std::unordered_map<std::string, int32_t> vocab;
  while (vocab.size() < n) {
    std::string token(static_cast<size_t>(len(rng)), '\0');
    for (char& c : token) c = static_cast<char>(byte(rng));
    vocab.emplace(token, static_cast<int32_t>(vocab.size() * 3 + 1));
  }
  return vocab;
}

TEST(VocabTable, FindsEveryTokenAndNothingElse) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{1000}, size_t{30522}}) {
    const auto vocab = RandomVocab(n, static_cast<uint32_t>(n));
    VocabTable table;
    ASSERT_TRUE(VocabTable::Build(vocab, &table).ok());
    EXPECT_EQ(table.size(), n);
    for (const auto& [token, id] : vocab) ASSERT_EQ(table.Find(token), id) << n;
    // Prefixes, extensions and strangers: found exactly when the map has them.
    std::mt19937 rng(7);
    size_t checked = 0;
    for (const auto& [token, id] : vocab) {
      for (const std::string& probe : {token.substr(0, token.size() - 1), token + "#", "##" + token}) {
        const auto it = vocab.find(probe);
        ASSERT_EQ(table.Find(probe), it == vocab.end() ? -1 : it->second) << n;
      }
      if (++checked == 2000) break;
    }
    EXPECT_EQ(table.Find(""), -1);
  }
}

TEST(VocabTable, EmptyAndEmptyString) {
  VocabTable empty;
  EXPECT_EQ(empty.Find("a"), -1);
  VocabTable built;
  ASSERT_TRUE(VocabTable::Build({}, &built).ok());
  EXPECT_EQ(built.Find(""), -1);
  VocabTable with_empty;
  ASSERT_TRUE(VocabTable::Build({{"", 4}, {"a", 5}}, &with_empty).ok());
  EXPECT_EQ(with_empty.Find(""), 4);
  EXPECT_EQ(with_empty.Find("a"), 5);
  EXPECT_EQ(with_empty.Find("b"), -1);
}

// The point of the table: MiniLM-sized, well under the ~2 MB an unordered_map holds.
TEST(VocabTable, HoldsAVocabularyCompactly) {
  const auto vocab = RandomVocab(30522, 3);
  VocabTable table;
  ASSERT_TRUE(VocabTable::Build(vocab, &table).ok());
  size_t text = 0;
  for (const auto& entry : vocab) text += entry.first.size();
  // Text, two 4-byte arrays per entry, and 4-byte slots (at most 4 per entry).
  EXPECT_LE(table.bytes(), text + vocab.size() * (8 + 16) + 64);
}

}  // namespace
}  // namespace ruv::embed
