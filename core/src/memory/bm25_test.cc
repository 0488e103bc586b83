// BM25 and rank fusion against formulas computed here: the tokenizer's rule (bm25.h), BM25 scores
// of a small corpus from Okapi's formula written out, and reciprocal rank fusion by hand.
#include "memory/bm25.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace ruv::memory {
namespace {

TEST(Bm25Test, TokensFollowTheDocumentedRule) {
  EXPECT_EQ(Bm25Tokens("Hello, WORLD! it's 42°C — Ünïcode café ÀÉ straße ×÷ a\u2014b"),
            (std::vector<std::string>{"hello", "world", "it", "s", "42", "c", "ünïcode", "café", "àé",
                                      "straße", "a", "b"}));
  EXPECT_EQ(Bm25Tokens("東京　タワー。ok"), (std::vector<std::string>{"東京", "タワー", "ok"}));
  EXPECT_EQ(Bm25Tokens(std::string("ab\xff"
                                   "cd\xc3",
                                   6)),
            (std::vector<std::string>{"ab", "cd"}));
  EXPECT_TRUE(Bm25Tokens("  ...  ").empty());
}

double Okapi(double tf, double df, double n, double len, double avg) {
  const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / avg));
}

TEST(Bm25Test, ScoresAreOkapiBm25AndReplacingOrErasingUpdatesThem) {
  Bm25Index index;
  index.Put("a", "the cat sat on the mat");
  index.Put("b", "the dog sat");
  index.Put("c", "cat cat cat");
  index.Put("d", "nothing here");
  const auto all = [](const std::string&) { return true; };
  std::vector<Bm25Hit> hits = index.Search("Cat, the!", 10, all);
  // N 4, lengths 6 3 3 2 (avg 3.5); df(cat) 2, df(the) 2.
  ASSERT_EQ(hits.size(), 3u);
  const double a = Okapi(1, 2, 4, 6, 3.5) + Okapi(2, 2, 4, 6, 3.5);
  const double b = Okapi(1, 2, 4, 3, 3.5);
  const double c = Okapi(3, 2, 4, 3, 3.5);
  std::vector<std::pair<std::string, double>> want = {{"a", a}, {"b", b}, {"c", c}};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.second > y.second; });
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(hits[i].id, want[i].first);
    EXPECT_NEAR(hits[i].score, want[i].second, 1e-12);
  }
  index.Put("c", "no felines");
  hits = index.Search("cat", 10, all);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "a");
  index.Erase("a");
  EXPECT_TRUE(index.Search("cat", 10, all).empty());
  EXPECT_EQ(index.Search("sat", 10, [](const std::string& id) { return id != "b"; }).size(), 0u);
}

TEST(Bm25Test, RankFusionSumsReciprocalRanks) {
  const std::vector<FusedHit> f = FuseRankings({{"x", "y", "z"}, {"z", "w"}}, 3);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].id, "z");  // 1/63 + 1/61
  EXPECT_NEAR(f[0].score, 1.0 / 63 + 1.0 / 61, 1e-15);
  EXPECT_EQ(f[1].id, "x");  // 1/61
  EXPECT_EQ(f[2].id, "w");  // 1/62 beats y's 1/62 by id
}

}  // namespace
}  // namespace ruv::memory
