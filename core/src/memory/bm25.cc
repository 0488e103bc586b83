#include "memory/bm25.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace ruv::memory {

namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
constexpr double kRrfK = 60;

// The code point at s[*i] (advancing *i), or -1 for an invalid sequence (advancing one byte).
int32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b = static_cast<uint8_t>(s[*i]);
  size_t len = b < 0x80                   ? 1
               : (b >= 0xC2 && b <= 0xDF) ? 2
               : (b >= 0xE0 && b <= 0xEF) ? 3
               : (b >= 0xF0 && b <= 0xF4) ? 4
                                          : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return -1;
  }
  int32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<uint8_t>(s[*i + k]);
    if ((c & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  *i += len;
  return cp;
}

bool IsWordChar(int32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x206F) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  return true;
}

int32_t Lower(int32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  return cp;
}

void AppendUtf8(int32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::vector<std::string> Bm25Tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  size_t i = 0;
  while (i < text.size()) {
    const int32_t cp = NextCodePoint(text, &i);
    if (cp >= 0 && IsWordChar(cp)) {
      AppendUtf8(Lower(cp), &current);
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
