// Tokenizer::FromVocab: a BertTokenizer folder without tokenizer.json (vocab.txt +
// tokenizer_config.json + special_tokens_map.json), set up as transformers' conversion to a fast
// tokenizer does: BertNormalizer(clean_text, tokenize_chinese_chars, strip_accents, do_lower_case),
// BertPreTokenizer, WordPiece("##", 100), [CLS] A [SEP] / [CLS] A [SEP] B [SEP], the special
// tokens as non-normalized added tokens, and the added tokens tokenizer_config.json lists in
// added_tokens_decoder (transformers >= 4.34 writes every added token there, with its id and
// flags; the older added_tokens.json is not read). Ids come from the files, never hard-coded.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "embed/tokenizer/tokenizer.h"

namespace ruv::embed {
namespace {

using Json = nlohmann::json;

Status Bad(const std::string& file, const std::string& what) {
  return {ErrorCode::kModelLoadFailed, file + ": " + what};
}

// Parses an optional JSON object; empty text is an empty object.
Status ParseObject(std::string_view text, const char* file, Json* out) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    *out = Json::object();
    return Status::Ok();
  }
  *out = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return {ErrorCode::kCorruptData, std::string(file) + " is not JSON"};
  if (!out->is_object()) return Bad(file, "the top level is not an object");
  return Status::Ok();
}

Status ReadFlag(const Json& obj, const char* key, const char* file, bool* out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Bad(file, std::string("'") + key + "' is not a boolean");
  *out = it->get<bool>();
  return Status::Ok();
}

// A special token is a string or an AddedToken object {"content": ...}.
Status ReadTokenName(const Json& obj, const char* key, const char* file, std::string* out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (it->is_string()) {
    *out = it->get<std::string>();
    return Status::Ok();
  }
  if (it->is_object()) {
    const auto c = it->find("content");
    if (c != it->end() && c->is_string()) {
      *out = c->get<std::string>();
      return Status::Ok();
    }
  }
  return Bad(file, std::string("'") + key + "' is not a token");
}

// tokenizer_config.json's added_tokens_decoder: {"<id>": {content, lstrip, rstrip, single_word,
// normalized, special}}. Ids stay below the vocabulary plus the entries (added tokens extend the
// vocabulary), so what is sized by the largest id stays linear in the input.
Status ReadAddedTokensDecoder(const Json& config, const char* file, TokenizerSpec* spec) {
  const auto it = config.find("added_tokens_decoder");
  if (it == config.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return Bad(file, "'added_tokens_decoder' is not an object");
  const size_t limit = spec->vocab.size() + it->size();
  for (const auto& [key, t] : it->items()) {
    AddedToken a;
    size_t used = 0;
    unsigned long long id = 0;
    try {
      id = std::stoull(key, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != key.size() || id >= limit)
      return Bad(file,
                 "added_tokens_decoder: '" + key + "' is not a token id below " + std::to_string(limit));
    a.id = static_cast<int32_t>(id);
    if (!t.is_object()) return Bad(file, "added_tokens_decoder['" + key + "'] is not an object");
    const auto content = t.find("content");
    if (content == t.end() || !content->is_string() || content->get<std::string>().empty())
      return Bad(file, "added_tokens_decoder['" + key + "'] has no content");
    a.content = content->get<std::string>();
    if (Status s = ReadFlag(t, "special", file, &a.special); !s.ok()) return s;
    a.normalized = !a.special;  // transformers' default
    for (auto [k, field] : {std::pair{"single_word", &a.single_word}, std::pair{"lstrip", &a.lstrip},
                            std::pair{"rstrip", &a.rstrip}, std::pair{"normalized", &a.normalized}}) {
      if (Status s = ReadFlag(t, k, file, field); !s.ok()) return s;
    }
    spec->added_tokens.push_back(std::move(a));
  }
  return Status::Ok();
}

}  // namespace

Status Tokenizer::FromVocab(std::string_view vocab_txt, std::string_view tokenizer_config_json,
                            std::string_view special_tokens_map_json, std::unique_ptr<Tokenizer>* out) {
  Json config, special_map;
  if (Status s = ParseObject(tokenizer_config_json, "tokenizer_config.json", &config); !s.ok()) return s;
  if (Status s = ParseObject(special_tokens_map_json, "special_tokens_map.json", &special_map); !s.ok())
    return s;

  TokenizerSpec spec;
  // One token a line; id = line number; trailing whitespace (\r of CRLF files) is not part of it.
  size_t line_start = 0;
  int32_t id = 0;
  while (line_start < vocab_txt.size()) {
    size_t end = vocab_txt.find('\n', line_start);
    if (end == std::string_view::npos) end = vocab_txt.size();
    std::string_view line = vocab_txt.substr(line_start, end - line_start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    spec.vocab[std::string(line)] = id++;  // a repeated token keeps its last line, as HF
    line_start = end + 1;
  }
  if (spec.vocab.empty()) return Bad("vocab.txt", "empty");

  const char* cfg = "tokenizer_config.json";
  BertNormalizerOptions& n = spec.normalizer;
  if (Status s = ReadFlag(config, "do_lower_case", cfg, &n.lowercase); !s.ok()) return s;
  if (Status s = ReadFlag(config, "tokenize_chinese_chars", cfg, &n.handle_chinese_chars); !s.ok()) return s;
  n.strip_accents = n.lowercase;
  if (Status s = ReadFlag(config, "strip_accents", cfg, &n.strip_accents); !s.ok()) return s;
  const auto max_len = config.find("model_max_length");
  // Tokenizers without a limit store a huge sentinel (1e30): treat anything absurd as none.
  if (max_len != config.end() && max_len->is_number_unsigned() && max_len->get<uint64_t>() <= (1u << 20)) {
    spec.truncation_max_length = max_len->get<uint64_t>();
  }
  const auto side = config.find("truncation_side");
  if (side != config.end() && !side->is_null()) {
    if (!side->is_string() || (*side != "left" && *side != "right"))
      return Bad(cfg, "'truncation_side' is not 'left' or 'right'");
    spec.truncation_side = *side == "left" ? TruncationSide::kLeft : TruncationSide::kRight;
  }
  struct Name {
    const char* key;
    std::string* value;
  };
  const Name names[] = {{"unk_token", &spec.unk_token},
                        {"cls_token", &spec.cls_token},
                        {"sep_token", &spec.sep_token},
                        {"pad_token", &spec.pad_token},
                        {"mask_token", &spec.mask_token}};
  for (const Name& nm : names) {
    if (Status s = ReadTokenName(config, nm.key, cfg, nm.value); !s.ok()) return s;
    if (Status s = ReadTokenName(special_map, nm.key, "special_tokens_map.json", nm.value); !s.ok()) return s;
  }
  if (Status s = ReadAddedTokensDecoder(config, cfg, &spec); !s.ok()) return s;
  // The special tokens, as the fast tokenizer registers them: matched in the raw text, whole
  // (unless added_tokens_decoder listed them already, with its flags).
  for (const Name& nm : names) {
    const auto it = spec.vocab.find(*nm.value);
    if (it == spec.vocab.end()) continue;  // pad/mask may be absent; unk/cls/sep are checked below
    const bool listed = std::any_of(spec.added_tokens.begin(), spec.added_tokens.end(),
                                    [&](const AddedToken& a) { return a.content == *nm.value; });
    if (listed) continue;
    AddedToken a;
    a.content = *nm.value;
    a.id = it->second;
    a.special = true;
    a.normalized = false;
    spec.added_tokens.push_back(std::move(a));
  }
  const auto cls = spec.vocab.find(spec.cls_token);
  const auto sep = spec.vocab.find(spec.sep_token);
  if (cls == spec.vocab.end()) return Bad("vocab.txt", "no cls token '" + spec.cls_token + "'");
  if (sep == spec.vocab.end()) return Bad("vocab.txt", "no sep token '" + spec.sep_token + "'");
  const int32_t c = cls->second, s = sep->second;
  spec.single = {{-1, {c}, 0}, {0, {}, 0}, {-1, {s}, 0}};
  spec.pair = {{-1, {c}, 0}, {0, {}, 0}, {-1, {s}, 0}, {1, {}, 1}, {-1, {s}, 1}};
  return Create(std::move(spec), out);
}

}  // namespace ruv::embed
