// Unicode for the BERT tokenizer: UTF-8 <-> code points, the character classes Hugging Face's
// BertNormalizer and BertPreTokenizer use, NFD and lowercase. Tables are generated from the
// Unicode Character Database (unicode_tables.inc, see tools/unicode/gen_unicode_tables.py).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ruv::embed::unicode {

// The Unicode version the tables were generated from ("15.0.0").
const char* Version();

// Decodes UTF-8. Each ill-formed sequence becomes one U+FFFD per maximal subpart (Unicode 15
// section 3.9, the rule of the WHATWG TextDecoder and Rust's String::from_utf8_lossy), so bytes
// that are not UTF-8 never fail the tokenizer: the BERT normalizer then drops U+FFFD as HF does.
// Output size <= input size.
void DecodeUtf8(std::string_view text, std::u32string* out);

// Appends the UTF-8 form of `cp` (a scalar value; surrogates and > U+10FFFF become U+FFFD).
void AppendUtf8(char32_t cp, std::string* out);
std::string ToUtf8(std::u32string_view text);

// General_Category predicates.
bool IsOther(char32_t cp);           // Cc | Cf | Co | Cs (not Cn)
bool IsPunctuation(char32_t cp);     // P*
bool IsNonspacingMark(char32_t cp);  // Mn
bool IsWhiteSpace(char32_t cp);      // White_Space property (Rust's char::is_whitespace)
bool IsWordChar(char32_t cp);        // regex \w: Alphabetic | M* | Nd | Pc | Join_Control

// As Hugging Face's BertNormalizer defines them.
bool IsBertWhitespace(char32_t cp);  // \t \n \r or White_Space
bool IsBertControl(char32_t cp);     // Other, except \t \n \r
// CJK ideograph blocks exactly as HF's is_chinese_char lists them (its 0x2B920 start of the
// Extension E range included: the real BERT vocabularies were built with it).
bool IsChineseChar(char32_t cp);
// As BertPreTokenizer: ASCII punctuation (!-/ :-@ [-` {-~, symbols included) or P*.
bool IsBertPunctuation(char32_t cp);

uint8_t CombiningClass(char32_t cp);

// Appends the full canonical decomposition of `cp` (Hangul syllables algorithmically); no
// reordering (Nfd does that).
void AppendCanonicalDecomposition(char32_t cp, std::u32string* out);
// NFD: full canonical decomposition followed by the canonical ordering of combining marks.
std::u32string Nfd(std::u32string_view text);

// Appends the lowercase of `cp` as Rust's char::to_lowercase (which HF's Lowercase uses): the
// simple mapping, or SpecialCasing's unconditional one (U+0130 -> "i\u0307"); no context, so
// a final capital sigma becomes U+03C3 as in HF tokenizers.
void AppendLowercase(char32_t cp, std::u32string* out);

}  // namespace ruv::embed::unicode
