// Splits a text too long for a model's window into overlapping pieces that each fit it (issue 22:
// `chunk: { tokens, overlap }`), cut at whitespace so that every piece is a span of the original
// text (its own words, case and accents), not text rebuilt from token ids.
//
// Words are the runs between BERT whitespace (tab, newline, carriage return, White_Space); a
// word's tokens are its own tokenization, which is the tokens it adds to the whole text's (the
// normalizer and pre-tokenizer work character by character and split at whitespace), unless an
// added token contains whitespace and straddles two words. Pieces are filled greedily with whole
// words; each next piece starts with the last words of the one before that hold at most `overlap`
// tokens. A single word longer than a piece is a piece of its own (the model truncates it).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "ruv/status.h"

namespace ruv::embed {

class Tokenizer;

// One piece: bytes [begin, end) of the text.
struct ChunkSpan {
  size_t begin = 0;
  size_t end = 0;
};

// Spans of `text` holding at most `budget` content tokens each (special tokens not counted),
// consecutive spans sharing whole words of at most `overlap` tokens. No span for a text with no
// words. kInvalidArgument unless budget >= 1 and overlap < budget.
Status ChunkText(const Tokenizer& tokenizer, std::string_view text, size_t budget, size_t overlap,
                 std::vector<ChunkSpan>* out);

}  // namespace ruv::embed
