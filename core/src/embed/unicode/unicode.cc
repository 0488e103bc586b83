#include "embed/unicode/unicode.h"

#include <algorithm>
#include <iterator>

namespace ruv::embed::unicode {
namespace {

struct CodepointRange {
  uint32_t first, last;
};
struct CombiningClassRun {
  uint32_t first, last;
  uint8_t ccc;
};
struct DecompositionEntry {
  uint32_t cp;
  uint16_t offset;
  uint8_t length;
};
struct CaseMapping {
  uint32_t from, to;
};
struct SpecialLowercase {
  uint32_t cp;
  uint8_t length;
  char32_t chars[3];
};

#include "embed/unicode/unicode_tables.inc"

template <size_t N>
bool InRanges(const CodepointRange (&ranges)[N], char32_t cp) {
  const auto it = std::upper_bound(std::begin(ranges), std::end(ranges), static_cast<uint32_t>(cp),
                                   [](uint32_t c, const CodepointRange& r) { return c < r.first; });
  return it != std::begin(ranges) && cp <= std::prev(it)->last;
}

// Hangul syllable composition constants (Unicode section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = 19 * kNCount;

constexpr char32_t kReplacement = 0xFFFD;

}  // namespace

const char* Version() { return kUnicodeVersion; }

void DecodeUtf8(std::string_view text, std::u32string* out) {
  out->clear();
  out->reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b0 = s[i];
    if (b0 < 0x80) {
      out->push_back(b0);
      ++i;
      continue;
    }
    // Sequence length and the allowed range of the second byte (Unicode Table 3-7); anything
    // else ends a maximal subpart, which becomes one U+FFFD.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      out->push_back(kReplacement);
      ++i;
      continue;
    }
    char32_t cp = b0 & (0xFF >> (len + 1));
    size_t k = 1;
    for (; k < len; ++k) {
      if (i + k >= n) break;
      const unsigned char b = s[i + k];
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) break;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (k == len) {
      out->push_back(cp);
    } else {
      out->push_back(kReplacement);
    }
    i += k;
  }
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
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

std::string ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

bool IsOther(char32_t cp) { return InRanges(kOtherRanges, cp); }
bool IsPunctuation(char32_t cp) { return InRanges(kPunctuationRanges, cp); }
bool IsNonspacingMark(char32_t cp) { return InRanges(kNonspacingMarkRanges, cp); }
bool IsWhiteSpace(char32_t cp) { return InRanges(kWhiteSpaceRanges, cp); }
bool IsWordChar(char32_t cp) { return InRanges(kWordRanges, cp); }

bool IsBertWhitespace(char32_t cp) { return cp == '\t' || cp == '\n' || cp == '\r' || IsWhiteSpace(cp); }

bool IsBertControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return IsOther(cp);
}

bool IsChineseChar(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool IsBertPunctuation(char32_t cp) {
  const bool ascii = (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
                     (cp >= 0x7B && cp <= 0x7E);
  return ascii || IsPunctuation(cp);
}

uint8_t CombiningClass(char32_t cp) {
  const auto it = std::upper_bound(std::begin(kCombiningClassRuns), std::end(kCombiningClassRuns),
                                   static_cast<uint32_t>(cp),
                                   [](uint32_t c, const CombiningClassRun& r) { return c < r.first; });
  if (it == std::begin(kCombiningClassRuns)) return 0;
  const auto& run = *std::prev(it);
  return cp <= run.last ? run.ccc : 0;
}

void AppendCanonicalDecomposition(char32_t cp, std::u32string* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
    return;
  }
  const auto it =
      std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), static_cast<uint32_t>(cp),
                       [](const DecompositionEntry& e, uint32_t c) { return e.cp < c; });
  if (it == std::end(kDecompositions) || it->cp != cp) {
    out->push_back(cp);
    return;
  }
  out->append(kDecompositionPool + it->offset, it->length);
}

std::u32string Nfd(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendCanonicalDecomposition(c, &out);
  // Canonical ordering: a stable sort by combining class of every run of non-starters.
  size_t i = 0;
  while (i < out.size()) {
    if (CombiningClass(out[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && CombiningClass(out[j]) != 0) ++j;
    std::stable_sort(out.begin() + i, out.begin() + j,
                     [](char32_t a, char32_t b) { return CombiningClass(a) < CombiningClass(b); });
    i = j;
  }
  return out;
}

void AppendLowercase(char32_t cp, std::u32string* out) {
  if (cp < 0x80) {
    out->push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return;
  }
  const auto sp =
      std::lower_bound(std::begin(kSpecialLowercase), std::end(kSpecialLowercase), static_cast<uint32_t>(cp),
                       [](const SpecialLowercase& e, uint32_t c) { return e.cp < c; });
  if (sp != std::end(kSpecialLowercase) && sp->cp == cp) {
    out->append(sp->chars, sp->length);
    return;
  }
  const auto it = std::lower_bound(std::begin(kLowercase), std::end(kLowercase), static_cast<uint32_t>(cp),
                                   [](const CaseMapping& e, uint32_t c) { return e.from < c; });
  out->push_back(it != std::end(kLowercase) && it->from == cp ? static_cast<char32_t>(it->to) : cp);
}

}  // namespace ruv::embed::unicode
