#include "embed/tokenizer/tokenizer.h"

#include <algorithm>
#include <utility>

#include "embed/unicode/unicode.h"

namespace ruv::embed {
namespace {

Status LoadFailed(std::string what) { return {ErrorCode::kModelLoadFailed, "tokenizer: " + std::move(what)}; }

size_t SpecialCount(const std::vector<TokenizerSpec::Piece>& pieces) {
  size_t n = 0;
  for (const auto& p : pieces) n += p.sequence < 0 ? p.ids.size() : 0;
  return n;
}

// HF tokenizers' LongestFirst for a pair: lengths (n1, n2) that fit `budget` content tokens.
// When only the longer one must shrink, the shorter keeps its length; when both must, the
// first gets budget / 2 and the second the rest, whichever was longer (as the Rust crate does:
// checked by the golden cases trunc_pair_*_both_long).
std::pair<size_t, size_t> LongestFirst(size_t n1, size_t n2, size_t budget) {
  const size_t shorter = std::min(n1, n2);
  if (2 * shorter <= budget) {
    return n1 <= n2 ? std::pair{n1, budget - n1} : std::pair{budget - n2, n2};
  }
  return {budget / 2, budget - budget / 2};
}

}  // namespace

Tokenizer::Tokenizer(TokenizerSpec spec) : spec_(std::move(spec)) {}

Status Tokenizer::Create(TokenizerSpec spec, std::unique_ptr<Tokenizer>* out) {
  if (spec.vocab.empty()) return LoadFailed("empty vocabulary");
  if (spec.single.empty()) return LoadFailed("no post-processor template");
  // Truncation budgets each sequence once: a template must hold A (and, for pairs, B) once.
  auto count = [](const std::vector<TokenizerSpec::Piece>& pieces, int sequence) {
    return std::count_if(pieces.begin(), pieces.end(), [&](const auto& p) { return p.sequence == sequence; });
  };
  if (count(spec.single, 0) != 1 || count(spec.single, 1) != 0) {
    return LoadFailed("the single template must hold sequence A once and no B");
  }
  if (!spec.pair.empty() && (count(spec.pair, 0) != 1 || count(spec.pair, 1) != 1)) {
    return LoadFailed("the pair template must hold sequences A and B once each");
  }
  std::unique_ptr<Tokenizer> t(new Tokenizer(std::move(spec)));
  const TokenizerSpec& s = t->spec_;
  int32_t max_id = -1;
  for (const auto& [token, id] : s.vocab) {
    if (id < 0) return LoadFailed("token '" + token + "' has a negative id");
    max_id = std::max(max_id, id);
    t->max_vocab_token_bytes_ = std::max(t->max_vocab_token_bytes_, token.size());
  }
  // Lookups go to the compact table; the loader's map is freed.
  if (Status built = VocabTable::Build(s.vocab, &t->vocab_); !built.ok()) return built;
  std::unordered_map<std::string, int32_t>().swap(t->spec_.vocab);
  // Raw-text and normalized-text matchers, in the file's order.
  std::vector<AddedToken> raw, normalized;
  std::vector<std::u32string> raw_patterns, normalized_patterns;
  for (const AddedToken& a : s.added_tokens) {
    max_id = std::max(max_id, a.id);
    std::u32string content;
    unicode::DecodeUtf8(a.content, &content);
    if (a.normalized && s.has_normalizer) {
      normalized.push_back(a);
      normalized_patterns.push_back(BertNormalize(s.normalizer, content));
    } else {
      raw.push_back(a);
      raw_patterns.push_back(std::move(content));
    }
  }
  t->raw_matcher_.Build(raw, raw_patterns);
  t->normalized_matcher_.Build(normalized, normalized_patterns);
  t->vocab_size_ = static_cast<size_t>(max_id) + 1;
  t->unk_id_ = t->TokenToId(s.unk_token);
  if (t->unk_id_ < 0) return LoadFailed("the unknown token '" + s.unk_token + "' is not in the vocabulary");
  t->cls_id_ = t->TokenToId(s.cls_token);
  t->sep_id_ = t->TokenToId(s.sep_token);
  t->pad_id_ = t->TokenToId(s.pad_token);
  t->mask_id_ = t->TokenToId(s.mask_token);
  for (const auto* pieces : {&s.single, &s.pair}) {
    for (const auto& p : *pieces) {
      for (int32_t id : p.ids) {
        if (id < 0 || id > max_id)
          return LoadFailed("template token id " + std::to_string(id) + " out of range");
      }
    }
  }
  *out = std::move(t);
  return Status::Ok();
}

int32_t Tokenizer::TokenToId(std::string_view token) const {
  for (const AddedToken& a : spec_.added_tokens) {
    if (a.content == token) return a.id;
  }
  return vocab_.Find(token);
}

void Tokenizer::WordPiece(const std::u32string& word, std::vector<int32_t>* ids) const {
  if (word.size() > spec_.max_input_chars_per_word) {
    ids->push_back(unk_id_);
    return;
  }
  // UTF-8 of the word with the byte offset of each character.
  std::string utf8;
  std::vector<size_t> offset;
  offset.reserve(word.size() + 1);
  for (char32_t c : word) {
    offset.push_back(utf8.size());
    unicode::AppendUtf8(c, &utf8);
  }
  offset.push_back(utf8.size());
  const std::string& prefix = spec_.continuing_subword_prefix;
  const size_t first = ids->size();
  std::string piece;
  size_t start = 0;
  while (start < word.size()) {
    // Longest match first; a piece longer than the longest vocabulary entry cannot match, which
    // keeps a hostile max_input_chars_per_word from making this quadratic in the word.
    size_t end = word.size();
    const size_t extra = start > 0 ? prefix.size() : 0;
    while (end > start && offset[end] - offset[start] + extra > max_vocab_token_bytes_) --end;
    int32_t found = -1;
    for (; end > start; --end) {
      piece.assign(start > 0 ? prefix : std::string());
      piece.append(utf8, offset[start], offset[end] - offset[start]);
      found = vocab_.Find(piece);
      if (found >= 0) break;
    }
    if (found < 0) {
      ids->resize(first);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(found);
    start = end;
  }
}

void Tokenizer::EncodeSequence(std::string_view text, std::vector<int32_t>* ids) const {
  std::u32string cps;
  unicode::DecodeUtf8(text, &cps);
  std::vector<TextSegment> raw;
  raw_matcher_.Split(cps, &raw);
  std::vector<TextSegment> segments;
  for (TextSegment& seg : raw) {
    if (seg.token_id >= 0) {
      segments.push_back(std::move(seg));
      continue;
    }
    std::u32string normalized = spec_.has_normalizer ? BertNormalize(spec_.normalizer, seg.text) : seg.text;
    normalized_matcher_.Split(normalized, &segments);
  }
  std::vector<std::u32string> words;
  for (const TextSegment& seg : segments) {
    if (seg.token_id >= 0) {
      ids->push_back(seg.token_id);
      continue;
    }
    words.clear();
    if (spec_.has_pre_tokenizer) {
      BertPreTokenize(seg.text, &words);
    } else {
      words.push_back(seg.text);
    }
    for (const auto& w : words) WordPiece(w, ids);
  }
}

void Tokenizer::Assemble(const std::vector<int32_t>& a, const std::vector<int32_t>* b, Encoding* out) const {
  out->ids.clear();
  out->type_ids.clear();
  for (const auto& p : b != nullptr ? spec_.pair : spec_.single) {
    const std::vector<int32_t>* src = p.sequence < 0 ? &p.ids : (p.sequence == 0 ? &a : b);
    if (src == nullptr) continue;
    out->ids.insert(out->ids.end(), src->begin(), src->end());
    out->type_ids.insert(out->type_ids.end(), src->size(), p.type_id);
  }
}

namespace {

// Keeps `n` of `ids`: the first n (right truncation) or the last n (left).
void Keep(std::vector<int32_t>* ids, size_t n, TruncationSide side) {
  if (ids->size() <= n) return;
  if (side == TruncationSide::kLeft)
    ids->erase(ids->begin(), ids->end() - static_cast<std::ptrdiff_t>(n));
  else
    ids->resize(n);
}

}  // namespace

size_t Tokenizer::SingleSpecialCount() const { return SpecialCount(spec_.single); }

Status Tokenizer::Encode(std::string_view text, size_t max_tokens, Encoding* out, TruncationSide side) const {
  std::vector<int32_t> a;
  EncodeSequence(text, &a);
  if (max_tokens > 0) {
    const size_t specials = SpecialCount(spec_.single);
    if (max_tokens < specials) {
      return {ErrorCode::kInvalidArgument, "max_tokens " + std::to_string(max_tokens) + " cannot hold the " +
                                               std::to_string(specials) + " special tokens"};
    }
    Keep(&a, max_tokens - specials, side);
  }
  Assemble(a, nullptr, out);
  return Status::Ok();
}

Status Tokenizer::EncodePair(std::string_view text_a, std::string_view text_b, size_t max_tokens,
                             Encoding* out, TruncationSide side) const {
  if (spec_.pair.empty()) return {ErrorCode::kInvalidArgument, "this tokenizer has no pair template"};
  std::vector<int32_t> a, b;
  EncodeSequence(text_a, &a);
  EncodeSequence(text_b, &b);
  if (max_tokens > 0) {
    const size_t specials = SpecialCount(spec_.pair);
    if (max_tokens < specials) {
      return {ErrorCode::kInvalidArgument, "max_tokens " + std::to_string(max_tokens) + " cannot hold the " +
                                               std::to_string(specials) + " special tokens"};
    }
    if (a.size() + b.size() + specials > max_tokens) {
      const auto [n1, n2] = LongestFirst(a.size(), b.size(), max_tokens - specials);
      Keep(&a, n1, side);
      Keep(&b, n2, side);
    }
  }
  Assemble(a, &b, out);
  return Status::Ok();
}

}  // namespace ruv::embed
