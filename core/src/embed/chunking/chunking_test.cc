// ChunkText against the whole text's own tokenization: the chunks' content ids, each with the
// ids it shares with the one before dropped, are exactly the whole text's; no chunk holds more
// than the budget, no overlap more than asked, and every chunk is a span of the original text.
#include "embed/chunking/chunking.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "embed/tokenizer/tokenizer.h"
#include "testing/test_util.h"

namespace ruv::embed {
namespace {

using test::ReadFile;

std::unique_ptr<Tokenizer> MiniLm() {
  std::unique_ptr<Tokenizer> t;
  const std::string json = ReadFile("../shared/models/all-MiniLM-L6-v2-tokenizer/tokenizer.json");
  EXPECT_FALSE(json.empty());
  EXPECT_TRUE(Tokenizer::FromTokenizerJson(json, &t).ok());
  return t;
}

std::vector<int32_t> Ids(const Tokenizer& t, std::string_view text) {
  std::vector<int32_t> ids;
  t.ContentIds(text, &ids);
  return ids;
}

// Random prose with accents, CJK, punctuation, long words, runs of odd whitespace, invalid bytes.
std::string RandomText(std::mt19937* rng, size_t words) {
  static const char* kWords[] = {"memory",     "Déjà",       "vu,",
                                 "agents",     "recall",     "naïve",
                                 "北京天安门", "x",          "supercalifragilisticexpialidocious",
                                 "(HNSW)",     "e-mail",     "Zürich.",
                                 "3.14159",    "🍕",          "\xff\xfe",
                                 "don't",      "embeddings", "a+b=c"};
  static const char* kSpaces[] = {" ", "  ", "\n", "\t", " \r\n ", "\xc2\xa0", "\xe3\x80\x80"};
  std::string out;
  for (size_t i = 0; i < words; ++i) {
    if (i > 0) out += kSpaces[(*rng)() % 7];
    out += kWords[(*rng)() % 18];
  }
  return out;
}

void ExpectChunksTile(const Tokenizer& t, const std::string& text, size_t budget, size_t overlap) {
  std::vector<ChunkSpan> spans;
  ASSERT_TRUE(ChunkText(t, text, budget, overlap, &spans).ok());
  const std::vector<int32_t> whole = Ids(t, text);
  std::vector<int32_t> joined;
  for (size_t k = 0; k < spans.size(); ++k) {
    const ChunkSpan& s = spans[k];
    ASSERT_LT(s.begin, s.end);
    ASSERT_LE(s.end, text.size());
    const std::vector<int32_t> ids = Ids(t, std::string_view(text).substr(s.begin, s.end - s.begin));
    size_t shared = 0;
    if (k > 0) {
      ASSERT_GT(s.begin, spans[k - 1].begin) << "chunks move forward";
      if (s.begin > spans[k - 1].end)  // only whitespace between chunks
        EXPECT_TRUE(
            Ids(t, std::string_view(text).substr(spans[k - 1].end, s.begin - spans[k - 1].end)).empty());
      if (s.begin < spans[k - 1].end)
        shared = Ids(t, std::string_view(text).substr(s.begin, spans[k - 1].end - s.begin)).size();
      EXPECT_LE(shared, overlap) << "chunk " << k;
    }
    // A chunk over the budget is a single word longer than the budget.
    if (ids.size() > budget)
      EXPECT_EQ(text.substr(s.begin, s.end - s.begin).find_first_of(" \n\t\r"), std::string::npos)
          << "one word";
    ASSERT_LE(shared, ids.size());
    joined.insert(joined.end(), ids.begin() + static_cast<std::ptrdiff_t>(shared), ids.end());
  }
  EXPECT_EQ(joined, whole) << "budget " << budget << " overlap " << overlap;
}

TEST(ChunkingTest, ChunksTileTheTextsOwnTokens) {
  auto t = MiniLm();
  std::mt19937 rng(7);
  for (size_t words : {1, 5, 60, 400}) {
    const std::string text = RandomText(&rng, words);
    for (auto [budget, overlap] : {std::pair{126, 32}, {30, 0}, {30, 29}, {8, 3}, {1000, 100}})
      ExpectChunksTile(*t, text, budget, overlap);
  }
}

TEST(ChunkingTest, BudgetOverlapAndEdges) {
  auto t = MiniLm();
  std::vector<ChunkSpan> spans;
  const std::string text = "one two three four five six seven eight nine ten";  // one token a word
  ASSERT_TRUE(ChunkText(*t, text, 4, 1, &spans).ok());
  std::vector<std::string> got;
  for (const ChunkSpan& s : spans) got.push_back(text.substr(s.begin, s.end - s.begin));
  EXPECT_EQ(got,
            (std::vector<std::string>{"one two three four", "four five six seven", "seven eight nine ten"}));
  ASSERT_TRUE(ChunkText(*t, "  \n\t ", 4, 1, &spans).ok());
  EXPECT_TRUE(spans.empty()) << "no words, no chunk";
  ASSERT_TRUE(ChunkText(*t, "  fits in one  ", 10, 2, &spans).ok());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 13u);
  // A word longer than a chunk is a chunk of its own.
  ASSERT_TRUE(ChunkText(*t, "a supercalifragilisticexpialidocious b", 3, 0, &spans).ok());
  EXPECT_EQ(spans.size(), 3u);
  EXPECT_EQ(ChunkText(*t, text, 0, 0, &spans).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ChunkText(*t, text, 4, 4, &spans).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ruv::embed
