#include "embed/chunking/chunking.h"

#include <cstdint>
#include <string>

#include "embed/tokenizer/tokenizer.h"
#include "embed/unicode/unicode.h"

namespace ruv::embed {
namespace {

struct Word {
  size_t begin, end, tokens;
};

// Length of the well-formed UTF-8 sequence at text[i] and its code point; 1 and U+FFFD for a
// byte that does not start one (the tokenizer drops those: they never count as whitespace).
size_t NextCodePoint(std::string_view text, size_t i, char32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = b(i);
  size_t n = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > text.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
  }
  std::u32string decoded;
  unicode::DecodeUtf8(text.substr(i, n), &decoded);
  *cp = decoded.size() == 1 ? decoded[0] : 0xFFFD;
  return decoded.size() == 1 ? n : 1;
}

}  // namespace

Status ChunkText(const Tokenizer& tokenizer, std::string_view text, size_t budget, size_t overlap,
                 std::vector<ChunkSpan>* out) {
  if (budget == 0) return {ErrorCode::kInvalidArgument, "a chunk must hold at least one token"};
  if (overlap >= budget) {
    return {ErrorCode::kInvalidArgument, "chunk overlap " + std::to_string(overlap) +
                                             " must be less than the tokens a chunk holds (" +
                                             std::to_string(budget) + ")"};
  }
  out->clear();
  std::vector<Word> words;
  std::vector<int32_t> ids;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i <= text.size();) {
    char32_t cp = U' ';
    const size_t n = i < text.size() ? NextCodePoint(text, i, &cp) : 1;
    const bool space = i == text.size() || unicode::IsBertWhitespace(cp);
    if (!space && start == std::string_view::npos) start = i;
    if (space && start != std::string_view::npos) {
      ids.clear();
      tokenizer.ContentIds(text.substr(start, i - start), &ids);
      words.push_back({start, i, ids.size()});
      start = std::string_view::npos;
    }
    i += n;
  }
  for (size_t first = 0; first < words.size();) {
    size_t last = first, tokens = 0;  // words [first, last) go in this chunk
    while (last < words.size() && (last == first || tokens + words[last].tokens <= budget)) {
      tokens += words[last].tokens;
      ++last;
    }
    out->push_back({words[first].begin, words[last - 1].end});
    if (last == words.size()) break;
    size_t next = last, shared = 0;  // back off over whole words while they fit the overlap
    while (next - 1 > first && shared + words[next - 1].tokens <= overlap) {
      shared += words[next - 1].tokens;
      --next;
    }
    first = next;
  }
  return Status::Ok();
}

}  // namespace ruv::embed
