// Text -> token ids, exactly as Hugging Face tokenizers' BERT pipeline (the Rust crate that
// sentence-transformers and transformers' fast tokenizers run): added/special tokens matched in
// the raw text, BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing, truncation that
// counts the special tokens (longest_first for pairs). Checked against the `tokenizers` npm
// package (the Rust crate) and transformers.js on tests/fixtures/tokenizer/minilm-golden.json.
//
// Loaders take untrusted bytes: CORRUPT_DATA for text that is not JSON, MODEL_LOAD_FAILED for a
// well-formed file that is not a BERT WordPiece tokenizer; memory stays linear in the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/tokenizer/added_tokens.h"
#include "embed/tokenizer/bert_normalizer.h"
#include "embed/tokenizer/vocab_table.h"
#include "ruv/status.h"

namespace ruv::embed {

// Which end of a text too long for max_tokens is cut off (HF tokenizers' truncation direction):
// right keeps the beginning, left keeps the end.
enum class TruncationSide : int32_t { kRight = 0, kLeft = 1 };

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
};

// What a loader reads from the files; Tokenizer::Create checks it.
struct TokenizerSpec {
  std::unordered_map<std::string, int32_t> vocab;  // WordPiece vocabulary (UTF-8 -> id)
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
  BertNormalizerOptions normalizer;
  bool has_normalizer = true;
  bool has_pre_tokenizer = true;
  std::vector<AddedToken> added_tokens;
  // TemplateProcessing: each piece is a sequence (A = 0, B = 1) or a run of special-token ids.
  struct Piece {
    int sequence = -1;  // 0 = A, 1 = B, -1 = special tokens
    std::vector<int32_t> ids;
    int32_t type_id = 0;
  };
  std::vector<Piece> single, pair;
  std::string cls_token = "[CLS]", sep_token = "[SEP]", pad_token = "[PAD]", mask_token = "[MASK]";
  size_t truncation_max_length = 0;
  // tokenizer.json's truncation.direction, or tokenizer_config's truncation_side.
  TruncationSide truncation_side = TruncationSide::kRight;
};

class Tokenizer {
 public:
  // tokenizer.json (HF tokenizers' serialization).
  static Status FromTokenizerJson(std::string_view text, std::unique_ptr<Tokenizer>* out);
  // A BertTokenizer folder without tokenizer.json: vocab.txt (one token a line, id = line number)
  // + tokenizer_config.json + special_tokens_map.json (either JSON may be empty: defaults).
  static Status FromVocab(std::string_view vocab_txt, std::string_view tokenizer_config_json,
                          std::string_view special_tokens_map_json, std::unique_ptr<Tokenizer>* out);
  static Status Create(TokenizerSpec spec, std::unique_ptr<Tokenizer>* out);

  // Ids and token types with the template's special tokens. max_tokens == 0: no truncation;
  // otherwise the result has at most max_tokens ids, special tokens included (INVALID_ARGUMENT
  // when max_tokens cannot even hold them), the content cut off on `side`.
  Status Encode(std::string_view text, size_t max_tokens, Encoding* out,
                TruncationSide side = TruncationSide::kRight) const;
  Status EncodePair(std::string_view a, std::string_view b, size_t max_tokens, Encoding* out,
                    TruncationSide side = TruncationSide::kRight) const;

  // The content ids of one text: what Encode places between the template's special tokens.
  void ContentIds(std::string_view text, std::vector<int32_t>* ids) const { EncodeSequence(text, ids); }
  // Special tokens the single-text template adds ([CLS] and [SEP]: 2).
  size_t SingleSpecialCount() const;

  int32_t pad_id() const { return pad_id_; }  // -1 when the vocabulary has no pad token
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t mask_id() const { return mask_id_; }
  // One past the largest id (vocabulary and added tokens).
  size_t vocab_size() const { return vocab_size_; }
  // tokenizer.json's truncation.max_length, or tokenizer_config's model_max_length; 0 if none.
  size_t truncation_max_length() const { return spec_.truncation_max_length; }
  // tokenizer.json's truncation.direction / tokenizer_config's truncation_side (default right).
  TruncationSide truncation_side() const { return spec_.truncation_side; }
  // The id of a token of the vocabulary or an added token, -1 if none.
  int32_t TokenToId(std::string_view token) const;

 private:
  explicit Tokenizer(TokenizerSpec spec);
  // Content ids of one text (no special tokens of the template).
  void EncodeSequence(std::string_view text, std::vector<int32_t>* ids) const;
  void WordPiece(const std::u32string& word, std::vector<int32_t>* ids) const;
  void Assemble(const std::vector<int32_t>& a, const std::vector<int32_t>* b, Encoding* out) const;

  TokenizerSpec spec_;  // as loaded, but its vocab map moved into vocab_
  VocabTable vocab_;
  AddedTokenMatcher raw_matcher_, normalized_matcher_;
  size_t max_vocab_token_bytes_ = 0;
  int32_t pad_id_ = -1, cls_id_ = -1, sep_id_ = -1, unk_id_ = -1, mask_id_ = -1;
  size_t vocab_size_ = 0;
};

}  // namespace ruv::embed
