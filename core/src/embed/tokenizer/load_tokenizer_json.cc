// Tokenizer::FromTokenizerJson: HF tokenizers' tokenizer.json -> TokenizerSpec. Every field is
// type-checked before use (the wasm build has exceptions off, so nlohmann's get<> must never
// meet a wrong type).
#include <nlohmann/json.hpp>

#include "embed/tokenizer/tokenizer.h"

namespace ruv::embed {
namespace {

using Json = nlohmann::json;

Status Bad(const std::string& what) { return {ErrorCode::kModelLoadFailed, "tokenizer.json: " + what}; }

// Optional boolean field: absent or null leaves *out unchanged.
Status ReadBool(const Json& obj, const char* key, bool* out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Bad(std::string("'") + key + "' is not a boolean");
  *out = it->get<bool>();
  return Status::Ok();
}

Status ReadString(const Json& obj, const char* key, std::string* out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Bad(std::string("'") + key + "' is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

// Ids are bounded by the file size: a vocabulary of N entries takes more than N bytes, so an id
// no larger than the input keeps anything sized by vocab_size() linear in the input.
Status ReadId(const Json& v, size_t limit, int32_t* out) {
  if (!v.is_number_integer()) return Bad("a token id is not an integer");
  const int64_t id = v.get<int64_t>();
  if (id < 0 || static_cast<uint64_t>(id) >= limit || id > INT32_MAX) {
    return Bad("token id " + std::to_string(id) + " out of range");
  }
  *out = static_cast<int32_t>(id);
  return Status::Ok();
}

Status ReadModel(const Json& model, size_t limit, TokenizerSpec* spec) {
  if (!model.is_object()) return Bad("'model' is not an object");
  std::string type;
  if (Status s = ReadString(model, "type", &type); !s.ok()) return s;
  if (!type.empty() && type != "WordPiece") return Bad("model type '" + type + "' is not WordPiece");
  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) return Bad("'model.vocab' is not an object");
  if (type.empty() && model.contains("merges")) return Bad("model is BPE, not WordPiece");
  spec->vocab.reserve(vocab->size());
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    int32_t id;
    if (Status s = ReadId(it.value(), limit, &id); !s.ok()) return s;
    spec->vocab[it.key()] = id;
  }
  if (Status s = ReadString(model, "unk_token", &spec->unk_token); !s.ok()) return s;
  if (Status s = ReadString(model, "continuing_subword_prefix", &spec->continuing_subword_prefix); !s.ok()) {
    return s;
  }
  const auto max_chars = model.find("max_input_chars_per_word");
  if (max_chars != model.end() && !max_chars->is_null()) {
    if (!max_chars->is_number_unsigned())
      return Bad("'max_input_chars_per_word' is not a non-negative integer");
    spec->max_input_chars_per_word = max_chars->get<uint64_t>();
  }
  return Status::Ok();
}

Status ReadNormalizer(const Json& n, TokenizerSpec* spec) {
  if (n.is_null()) {
    spec->has_normalizer = false;
    return Status::Ok();
  }
  if (!n.is_object()) return Bad("'normalizer' is not an object");
  std::string type;
  if (Status s = ReadString(n, "type", &type); !s.ok()) return s;
  if (type != "BertNormalizer")
    return Bad("normalizer '" + type + "' is not supported (BertNormalizer only)");
  BertNormalizerOptions& o = spec->normalizer;
  if (Status s = ReadBool(n, "clean_text", &o.clean_text); !s.ok()) return s;
  if (Status s = ReadBool(n, "handle_chinese_chars", &o.handle_chinese_chars); !s.ok()) return s;
  if (Status s = ReadBool(n, "lowercase", &o.lowercase); !s.ok()) return s;
  o.strip_accents = o.lowercase;  // HF: strip_accents null follows lowercase
  return ReadBool(n, "strip_accents", &o.strip_accents);
}

Status ReadAddedTokens(const Json& list, size_t limit, TokenizerSpec* spec) {
  if (list.is_null()) return Status::Ok();
  if (!list.is_array()) return Bad("'added_tokens' is not an array");
  for (const Json& t : list) {
    if (!t.is_object()) return Bad("an added token is not an object");
    AddedToken a;
    const auto id = t.find("id");
    if (id == t.end()) return Bad("an added token has no id");
    if (Status s = ReadId(*id, limit, &a.id); !s.ok()) return s;
    const auto content = t.find("content");
    if (content == t.end() || !content->is_string()) return Bad("an added token has no string content");
    a.content = content->get<std::string>();
    if (Status s = ReadBool(t, "special", &a.special); !s.ok()) return s;
    a.normalized = !a.special;  // HF's default
    for (auto [key, field] : {std::pair{"single_word", &a.single_word}, std::pair{"lstrip", &a.lstrip},
                              std::pair{"rstrip", &a.rstrip}, std::pair{"normalized", &a.normalized}}) {
      if (Status s = ReadBool(t, key, field); !s.ok()) return s;
    }
    spec->added_tokens.push_back(std::move(a));
  }
  return Status::Ok();
}

Status ReadTemplate(const Json& items, const Json& special_tokens, std::vector<TokenizerSpec::Piece>* out) {
  if (!items.is_array()) return Bad("template is not an array");
  for (const Json& item : items) {
    if (!item.is_object()) return Bad("template item is not an object");
    TokenizerSpec::Piece p;
    const Json* body = nullptr;
    if (const auto seq = item.find("Sequence"); seq != item.end() && seq->is_object()) {
      body = &*seq;
      std::string which;
      if (Status s = ReadString(*seq, "id", &which); !s.ok()) return s;
      if (which != "A" && which != "B") return Bad("template sequence '" + which + "' is not A or B");
      p.sequence = which == "A" ? 0 : 1;
    } else if (const auto sp = item.find("SpecialToken"); sp != item.end() && sp->is_object()) {
      body = &*sp;
      std::string name;
      if (Status s = ReadString(*sp, "id", &name); !s.ok()) return s;
      const auto entry = special_tokens.is_object() ? special_tokens.find(name) : special_tokens.end();
      if (entry == special_tokens.end() || !entry->is_object())
        return Bad("template token '" + name + "' undefined");
      const auto ids = entry->find("ids");
      if (ids == entry->end() || !ids->is_array()) return Bad("template token '" + name + "' has no ids");
      for (const Json& v : *ids) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
          return Bad("template token '" + name + "' has a bad id");
        }
        p.ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
      }
    } else {
      return Bad("template item is neither Sequence nor SpecialToken");
    }
    const auto type_id = body->find("type_id");
    if (type_id != body->end()) {
      if (!type_id->is_number_unsigned() || type_id->get<uint64_t>() > 255)
        return Bad("bad template type_id");
      p.type_id = static_cast<int32_t>(type_id->get<uint64_t>());
    }
    out->push_back(std::move(p));
  }
  return Status::Ok();
}

// BertProcessing {"sep": ["[SEP]", 102], "cls": ["[CLS]", 101]} as the equivalent template.
Status ReadBertProcessing(const Json& pp, TokenizerSpec* spec) {
  int32_t ids[2];
  const char* keys[2] = {"cls", "sep"};
  for (int k = 0; k < 2; ++k) {
    const auto v = pp.find(keys[k]);
    if (v == pp.end() || !v->is_array() || v->size() != 2 || !(*v)[0].is_string() ||
        !(*v)[1].is_number_unsigned() || (*v)[1].get<uint64_t>() > INT32_MAX) {
      return Bad(std::string("BertProcessing '") + keys[k] + "' is not [token, id]");
    }
    ids[k] = static_cast<int32_t>((*v)[1].get<uint64_t>());
  }
  spec->single = {{-1, {ids[0]}, 0}, {0, {}, 0}, {-1, {ids[1]}, 0}};
  spec->pair = {{-1, {ids[0]}, 0}, {0, {}, 0}, {-1, {ids[1]}, 0}, {1, {}, 1}, {-1, {ids[1]}, 1}};
  return Status::Ok();
}

Status ReadPostProcessor(const Json& pp, TokenizerSpec* spec) {
  if (!pp.is_object())
    return Bad("'post_processor' is not an object (a BERT tokenizer adds [CLS] and [SEP])");
  std::string type;
  if (Status s = ReadString(pp, "type", &type); !s.ok()) return s;
  if (type == "BertProcessing") return ReadBertProcessing(pp, spec);
  if (type != "TemplateProcessing") return Bad("post_processor '" + type + "' is not supported");
  const Json empty = Json::object();
  const auto special = pp.find("special_tokens");
  const Json& special_tokens = special == pp.end() ? empty : *special;
  const auto single = pp.find("single");
  if (single == pp.end()) return Bad("TemplateProcessing has no 'single'");
  if (Status s = ReadTemplate(*single, special_tokens, &spec->single); !s.ok()) return s;
  const auto pair = pp.find("pair");
  if (pair != pp.end() && !pair->is_null()) return ReadTemplate(*pair, special_tokens, &spec->pair);
  return Status::Ok();
}

}  // namespace

Status Tokenizer::FromTokenizerJson(std::string_view text, std::unique_ptr<Tokenizer>* out) {
  const Json root = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return {ErrorCode::kCorruptData, "tokenizer.json is not JSON"};
  if (!root.is_object()) return Bad("the top level is not an object");
  TokenizerSpec spec;
  const size_t limit = text.size();
  const auto model = root.find("model");
  if (model == root.end()) return Bad("no 'model'");
  if (Status s = ReadModel(*model, limit, &spec); !s.ok()) return s;
  const Json null_json;
  const auto normalizer = root.find("normalizer");
  if (Status s = ReadNormalizer(normalizer == root.end() ? null_json : *normalizer, &spec); !s.ok()) return s;
  const auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || pre->is_null()) {
    spec.has_pre_tokenizer = false;
  } else {
    std::string type;
    if (!pre->is_object()) return Bad("'pre_tokenizer' is not an object");
    if (Status s = ReadString(*pre, "type", &type); !s.ok()) return s;
    if (type != "BertPreTokenizer")
      return Bad("pre_tokenizer '" + type + "' is not supported (BertPreTokenizer only)");
  }
  const auto added = root.find("added_tokens");
  if (added != root.end()) {
    if (Status s = ReadAddedTokens(*added, limit, &spec); !s.ok()) return s;
  }
  const auto pp = root.find("post_processor");
  if (Status s = ReadPostProcessor(pp == root.end() ? null_json : *pp, &spec); !s.ok()) return s;
  const auto trunc = root.find("truncation");
  if (trunc != root.end() && trunc->is_object()) {
    const auto max_length = trunc->find("max_length");
    if (max_length != trunc->end() && max_length->is_number_unsigned()) {
      spec.truncation_max_length = max_length->get<uint64_t>();
    }
    std::string direction = "Right";
    if (Status s = ReadString(*trunc, "direction", &direction); !s.ok()) return s;
    if (direction != "Right" && direction != "Left")
      return Bad("truncation.direction '" + direction + "' is not Left or Right");
    spec.truncation_side = direction == "Left" ? TruncationSide::kLeft : TruncationSide::kRight;
  }
  // Special-token names for the accessors: the template's first and last special tokens are
  // the classifier and separator; unk comes from the model; pad from the padding section.
  const auto padding = root.find("padding");
  if (padding != root.end() && padding->is_object()) {
    if (Status s = ReadString(*padding, "pad_token", &spec.pad_token); !s.ok()) return s;
  }
  Status s = Create(std::move(spec), out);
  if (s.ok()) {
    // cls/sep ids as the template uses them (names may differ from "[CLS]"/"[SEP]").
    Tokenizer& t = **out;
    for (const auto& p : t.spec_.single) {
      if (p.sequence < 0 && !p.ids.empty()) {
        if (t.cls_id_ < 0 || &p == &t.spec_.single.front()) t.cls_id_ = p.ids.front();
        if (&p == &t.spec_.single.back()) t.sep_id_ = p.ids.back();
      }
    }
  }
  return s;
}

}  // namespace ruv::embed
