#include "embed/tokenizer/added_tokens.h"

#include <algorithm>

#include "embed/unicode/unicode.h"

namespace ruv::embed {
namespace {

uint64_t Key(uint32_t node, char32_t cp) { return (static_cast<uint64_t>(node) << 21) | cp; }

}  // namespace

void AddedTokenMatcher::Build(const std::vector<AddedToken>& tokens,
                              const std::vector<std::u32string>& patterns) {
  children_.clear();
  terminal_.assign(1, -1);
  tokens_ = tokens;
  for (size_t t = 0; t < patterns.size(); ++t) {
    if (patterns[t].empty()) continue;  // HF never matches an empty pattern
    uint32_t node = 0;
    for (char32_t c : patterns[t]) {
      auto [it, inserted] = children_.try_emplace(Key(node, c), static_cast<uint32_t>(terminal_.size()));
      if (inserted) terminal_.push_back(-1);
      node = it->second;
    }
    if (terminal_[node] < 0) terminal_[node] = static_cast<int32_t>(t);  // first of equal contents wins
  }
}

void AddedTokenMatcher::Split(std::u32string_view text, std::vector<TextSegment>* out) const {
  auto push_text = [&](size_t from, size_t to) {
    if (to > from) out->push_back({std::u32string(text.substr(from, to - from)), -1});
  };
  size_t start_offset = 0;  // end of the last emitted piece
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    // Longest pattern starting at i.
    uint32_t node = 0;
    int32_t best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < n; ++j) {
      const auto it = children_.find(Key(node, text[j]));
      if (it == children_.end()) break;
      node = it->second;
      if (terminal_[node] >= 0) {
        best = terminal_[node];
        best_end = j + 1;
      }
    }
    if (best < 0) {
      ++i;
      continue;
    }
    const AddedToken& token = tokens_[best];
    size_t start = i, stop = best_end;
    if (token.single_word) {
      const bool word_before = start > 0 && unicode::IsWordChar(text[start - 1]);
      const bool word_after = stop < n && unicode::IsWordChar(text[stop]);
      if (word_before || word_after) {
        i = stop;  // the matcher moves past a discarded match, as aho-corasick's iterator does
        continue;
      }
    }
    if (token.lstrip) {
      size_t s = start;
      while (s > start_offset && unicode::IsWhiteSpace(text[s - 1])) --s;
      start = s;
    }
    if (token.rstrip) {
      while (stop < n && unicode::IsWhiteSpace(text[stop])) ++stop;
    }
    push_text(start_offset, start);
    out->push_back({std::u32string(text.substr(start, stop - start)), token.id});
    start_offset = stop;
    i = stop;
  }
  push_text(start_offset, n);
}

}  // namespace ruv::embed
