// The Unicode tables against Python's unicodedata (tests/fixtures/unicode/properties.txt, made
// by the generator with another implementation and Unicode version), plus hand-checked cases.
#include "embed/unicode/unicode.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ruv::embed::unicode {
namespace {

std::u32string ParseHexList(const std::string& field) {
  std::u32string out;
  std::stringstream ss(field);
  std::string part;
  while (std::getline(ss, part, ',')) out.push_back(static_cast<char32_t>(std::stoul(part, nullptr, 16)));
  return out;
}

TEST(UnicodeTest, MatchesPythonUnicodedata) {
  std::ifstream in(std::string(RUV_SOURCE_DIR) + "/tests/fixtures/unicode/properties.txt");
  ASSERT_TRUE(in.good()) << "missing tests/fixtures/unicode/properties.txt";
  std::string line;
  size_t checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string cp_hex, cat, nfd_hex, lower_hex;
    ss >> cp_hex >> cat >> nfd_hex >> lower_hex;
    const char32_t cp = static_cast<char32_t>(std::stoul(cp_hex, nullptr, 16));
    const bool other = cat == "Cc" || cat == "Cf" || cat == "Co" || cat == "Cs";
    ASSERT_EQ(IsOther(cp), other) << cp_hex << " " << cat;
    ASSERT_EQ(IsPunctuation(cp), cat[0] == 'P') << cp_hex << " " << cat;
    ASSERT_EQ(IsNonspacingMark(cp), cat == "Mn") << cp_hex << " " << cat;
    ASSERT_EQ(Nfd(std::u32string(1, cp)), ParseHexList(nfd_hex)) << cp_hex;
    std::u32string lower;
    AppendLowercase(cp, &lower);
    ASSERT_EQ(lower, ParseHexList(lower_hex)) << cp_hex;
    ++checked;
  }
  EXPECT_GT(checked, 10000u);
}

TEST(UnicodeTest, HandCheckedCases) {
  EXPECT_EQ(Nfd(U"\u00E9"), U"e\u0301");
  EXPECT_EQ(Nfd(U"\uD55C"), U"\u1112\u1161\u11AB");  // 한
  EXPECT_EQ(Nfd(U"\uAC00"), U"\u1100\u1161");        // 가: no trailing consonant
  // Canonical ordering: ccc 220 (U+0323) sorts before ccc 230 (U+0301).
  EXPECT_EQ(Nfd(U"a\u0301\u0323"), U"a\u0323\u0301");
  EXPECT_EQ(Nfd(U"\u1E69"), U"s\u0323\u0307");  // ṩ decomposes twice, ordered
  std::u32string l;
  AppendLowercase(0x130, &l);
  EXPECT_EQ(l, U"i\u0307");
  l.clear();
  AppendLowercase(0x3A3, &l);
  EXPECT_EQ(l, U"\u03C3");  // no Final_Sigma context: as Rust's char::to_lowercase
  EXPECT_TRUE(IsBertWhitespace('\t'));
  EXPECT_TRUE(IsBertWhitespace(0x3000));
  EXPECT_TRUE(IsBertWhitespace(0xA0));
  EXPECT_FALSE(IsBertWhitespace(0x200B));  // Cf, removed as control instead
  EXPECT_FALSE(IsBertControl('\n'));
  EXPECT_TRUE(IsBertControl(0));
  EXPECT_TRUE(IsBertControl(0xFEFF));
  EXPECT_TRUE(IsBertControl(0xE000));   // private use
  EXPECT_FALSE(IsBertControl(0x378));   // unassigned is kept, as HF does
  EXPECT_TRUE(IsBertPunctuation('$'));  // ASCII symbol, not P*
  EXPECT_TRUE(IsBertPunctuation('`'));
  EXPECT_TRUE(IsBertPunctuation(0x3002));
  EXPECT_FALSE(IsBertPunctuation(0x20AC));  // € is Sc
  EXPECT_TRUE(IsChineseChar(0x4E2D));
  EXPECT_TRUE(IsChineseChar(0x20000));
  EXPECT_FALSE(IsChineseChar(0x2B820));  // HF's ranges skip 2B820..2B91F
  EXPECT_FALSE(IsChineseChar(0xAC00));   // Hangul is not
  EXPECT_TRUE(IsWordChar('_'));
  EXPECT_FALSE(IsWordChar('-'));
  EXPECT_STREQ(Version(), "15.0.0");
}

TEST(UnicodeTest, Utf8DecodingReplacesEachMaximalSubpart) {
  std::u32string out;
  DecodeUtf8("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80", &out);
  EXPECT_EQ(out, U"a\u00E9\u4E2D\U0001F600");
  // Truncated 3-byte sequence then ASCII: one U+FFFD for the two bytes, as TextDecoder.
  DecodeUtf8("\xE4\xB8z", &out);
  EXPECT_EQ(out, U"\uFFFDz");
  // Lone continuation bytes, overlongs, surrogates and > U+10FFFF: one U+FFFD per byte.
  DecodeUtf8("\x80\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80", &out);
  EXPECT_EQ(out, std::u32string(10, 0xFFFD));
  DecodeUtf8(std::string_view("\0x", 2), &out);
  EXPECT_EQ(out, std::u32string(U"\0x", 2));
  std::string back;
  for (char32_t c : U"a\u00E9\u4E2D\U0001F600") AppendUtf8(c, &back);
  EXPECT_EQ(back, std::string("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80") + std::string(1, '\0'));
}

}  // namespace
}  // namespace ruv::embed::unicode
