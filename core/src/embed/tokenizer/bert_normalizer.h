// Hugging Face's BertNormalizer and BertPreTokenizer on code points.
#pragma once

#include <string>
#include <vector>

namespace ruv::embed {

struct BertNormalizerOptions {
  bool clean_text = true;            // drop NUL, U+FFFD and controls; any whitespace -> ' '
  bool handle_chinese_chars = true;  // ' ' around each CJK ideograph
  bool strip_accents = true;         // NFD, then drop Mn (HF: follows lowercase when unset)
  bool lowercase = true;
};

// In HF's order: clean_text, CJK spacing, strip_accents (NFD + drop Mn), lowercase.
std::u32string BertNormalize(const BertNormalizerOptions& options, std::u32string_view text);

// BertPreTokenizer: split on White_Space (removed), then every punctuation character (ASCII
// symbols included) becomes a word of its own.
void BertPreTokenize(std::u32string_view text, std::vector<std::u32string>* words);

}  // namespace ruv::embed
