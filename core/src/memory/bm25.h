// Keyword recall of the semantic memory: a BM25 index over the stored texts (Okapi BM25, k1 1.2,
// b 0.75, Lucene's idf ln(1 + (N - df + 0.5) / (df + 0.5))), kept in step with the records, and
// the reciprocal rank fusion of its ranking with the vector ranking (hybrid search).
//
// Tokenization is the same on every backend (the js-fallback twin is
// js/src/backends/js/memory/bm25.ts) and needs no Unicode tables: a token is a run of word
// characters (ASCII letters and digits, and every code point from U+00C0 up except U+00D7,
// U+00F7, U+FFFD, General Punctuation U+2000-U+206F and CJK Symbols and Punctuation U+3000-U+303F),
// lowercased for ASCII and Latin-1 (U+00C0-U+00DE -> +0x20); other letters are kept as written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ruv::memory {

// The tokens of `text` (UTF-8; invalid bytes are U+FFFD, so they end a token), in order.
std::vector<std::string> Bm25Tokens(std::string_view text);

struct Bm25Hit {
  std::string id;
  double score = 0;
};

class Bm25Index {
 public:
  // Indexes `text` under `id`, replacing what `id` had.
  void Put(std::string_view id, std::string_view text);
  void Erase(std::string_view id);
  size_t size() const { return docs_.size(); }

  // Every document holding a query term, best first (score, then id by bytes), passing `allow`
  // when given; at most `limit`.
  template <typename Allow>
  std::vector<Bm25Hit> Search(std::string_view query, size_t limit, Allow&& allow) const;

 private:
  struct Doc {
    std::unordered_map<std::string, uint32_t> tf;  // term -> occurrences
    uint32_t length = 0;                           // tokens
  };
  std::vector<Bm25Hit> Scored(std::string_view query) const;

  std::unordered_map<std::string, Doc> docs_;
  std::unordered_map<std::string, std::unordered_map<std::string, uint32_t>> postings_;  // term -> id -> tf
  uint64_t total_length_ = 0;
};

template <typename Allow>
std::vector<Bm25Hit> Bm25Index::Search(std::string_view query, size_t limit, Allow&& allow) const {
  std::vector<Bm25Hit> all = Scored(query);
  std::vector<Bm25Hit> out;
  for (Bm25Hit& h : all) {
    if (out.size() >= limit) break;
    if (allow(h.id)) out.push_back(std::move(h));
  }
  return out;
}

// Reciprocal rank fusion (Cormack et al. 2009, k = 60): each id's sum of 1 / (60 + rank) over
// the rankings it appears in (rank from 1), best first (ties by id bytes).
struct FusedHit {
  std::string id;
  double score = 0;
};
std::vector<FusedHit> FuseRankings(const std::vector<std::vector<std::string>>& rankings, size_t k);

}  // namespace ruv::memory
