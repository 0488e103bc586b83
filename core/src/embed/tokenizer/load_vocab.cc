// Tokenizer::FromVocab: a BertTokenizer folder without tokenizer.json (vocab.txt +
// tokenizer_config.json + special_tokens_map.json), set up as transformers' conversion to a fast
// tokenizer does: BertNormalizer(clean_text, tokenize_chinese_chars, strip_accents, do_lower_case),
// BertPreTokenizer, WordPiece("##", 100), [CLS] A [SEP] / [CLS] A [SEP] B [SEP], the special
// tokens as non-normalized added tokens. Ids come from the vocabulary, never hard-coded.
#include <nlohmann/json.hpp>

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
  // The special tokens, as the fast tokenizer registers them: matched in the raw text, whole.
  for (const Name& nm : names) {
    const auto it = spec.vocab.find(*nm.value);
    if (it == spec.vocab.end()) continue;  // pad/mask may be absent; unk/cls/sep are checked below
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
