#include "embed/tokenizer/bert_normalizer.h"

#include "embed/unicode/unicode.h"

namespace ruv::embed {

std::u32string BertNormalize(const BertNormalizerOptions& options, std::u32string_view text) {
  std::u32string s;
  s.reserve(text.size());
  for (char32_t c : text) {
    if (options.clean_text) {
      if (c == 0 || c == 0xFFFD || unicode::IsBertControl(c)) continue;
      if (unicode::IsBertWhitespace(c)) c = ' ';
    }
    if (options.handle_chinese_chars && unicode::IsChineseChar(c)) {
      s.push_back(' ');
      s.push_back(c);
      s.push_back(' ');
    } else {
      s.push_back(c);
    }
  }
  if (options.strip_accents) {
    std::u32string nfd = unicode::Nfd(s);
    s.clear();
    for (char32_t c : nfd) {
      if (!unicode::IsNonspacingMark(c)) s.push_back(c);
    }
  }
  if (options.lowercase) {
    std::u32string lower;
    lower.reserve(s.size());
    for (char32_t c : s) unicode::AppendLowercase(c, &lower);
    s.swap(lower);
  }
  return s;
}

void BertPreTokenize(std::u32string_view text, std::vector<std::u32string>* words) {
  std::u32string word;
  for (char32_t c : text) {
    if (unicode::IsWhiteSpace(c)) {
      if (!word.empty()) words->push_back(std::move(word));
      word.clear();
    } else if (unicode::IsBertPunctuation(c)) {
      if (!word.empty()) words->push_back(std::move(word));
      word.clear();
      words->push_back(std::u32string(1, c));
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words->push_back(std::move(word));
}

}  // namespace ruv::embed
