#include "memory/bm25.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "embed/unicode/unicode.h"

namespace ruv::memory {

namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
constexpr double kRrfK = 60;

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD) return false;
  if (cp >= 0x2000 && cp <= 0x206F) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  return true;
}

char32_t Lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  return cp;
}

}  // namespace

std::vector<std::string> Bm25Tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  std::u32string cps;
  embed::unicode::DecodeUtf8(text, &cps);  // invalid bytes become U+FFFD, a separator
  for (const char32_t cp : cps) {
    if (IsWordChar(cp)) {
      embed::unicode::AppendUtf8(Lower(cp), &current);
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

void Bm25Index::Put(std::string_view id, std::string_view text) {
  Erase(id);
  Doc doc;
  for (std::string& t : Bm25Tokens(text)) {
    ++doc.tf[std::move(t)];
    ++doc.length;
  }
  const std::string key(id);
  for (const auto& [term, n] : doc.tf) postings_[term][key] = n;
  total_length_ += doc.length;
  docs_.emplace(key, std::move(doc));
}

void Bm25Index::Erase(std::string_view id) {
  const auto it = docs_.find(std::string(id));
  if (it == docs_.end()) return;
  for (const auto& [term, n] : it->second.tf) {
    const auto p = postings_.find(term);
    p->second.erase(it->first);
    if (p->second.empty()) postings_.erase(p);
  }
  total_length_ -= it->second.length;
  docs_.erase(it);
}

std::vector<Bm25Hit> Bm25Index::Scored(std::string_view query) const {
  std::vector<std::string> terms = Bm25Tokens(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  const double n = static_cast<double>(docs_.size());
  const double avg = docs_.empty() ? 1 : static_cast<double>(total_length_) / n;
  std::unordered_map<std::string, double> scores;
  for (const std::string& term : terms) {  // sorted: the same summation order on every backend
    const auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    const double df = static_cast<double>(p->second.size());
    const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
    for (const auto& [id, tf] : p->second) {
      const double len = docs_.at(id).length;
      const double f = tf;
      scores[id] += idf * (f * (kK1 + 1)) / (f + kK1 * (1 - kB + kB * len / avg));
    }
  }
  std::vector<Bm25Hit> out;
  out.reserve(scores.size());
  for (auto& [id, s] : scores) out.push_back({id, s});
  std::sort(out.begin(), out.end(), [](const Bm25Hit& a, const Bm25Hit& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  return out;
}

std::vector<FusedHit> FuseRankings(const std::vector<std::vector<std::string>>& rankings, size_t k) {
  std::unordered_map<std::string, double> fused;
  for (const auto& ranking : rankings) {
    for (size_t r = 0; r < ranking.size(); ++r)
      fused[ranking[r]] += 1.0 / (kRrfK + static_cast<double>(r + 1));
  }
  std::vector<FusedHit> out;
  out.reserve(fused.size());
  for (auto& [id, s] : fused) out.push_back({id, s});
  std::sort(out.begin(), out.end(), [](const FusedHit& a, const FusedHit& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  if (out.size() > k) out.resize(k);
  return out;
}

}  // namespace ruv::memory
