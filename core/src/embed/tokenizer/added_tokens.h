// Added (special) tokens found in text as HF's AddedVocabulary finds them: leftmost-longest
// matches over all contents, with single_word / lstrip / rstrip applied to each match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ruv::embed {

struct AddedToken {
  std::string content;  // UTF-8
  int32_t id = 0;
  bool single_word = false;  // only match where no word character touches it
  bool lstrip = false;       // swallow the whitespace on its left
  bool rstrip = false;       // swallow the whitespace on its right
  bool normalized = true;    // matched in the normalized text instead of the raw text
  bool special = false;
};

// A piece of text: either plain text or one added token.
struct TextSegment {
  std::u32string text;
  int32_t token_id = -1;  // >= 0: an added token
};

class AddedTokenMatcher {
 public:
  // `patterns` are the code points each token is matched as (raw or normalized content).
  void Build(const std::vector<AddedToken>& tokens, const std::vector<std::u32string>& patterns);
  bool empty() const { return terminal_.size() <= 1; }
  // Splits `text` into plain and token segments (empty plain segments are dropped).
  void Split(std::u32string_view text, std::vector<TextSegment>* out) const;

 private:
  struct Edge {
    size_t operator()(uint64_t k) const { return std::hash<uint64_t>()(k); }
  };
  // Trie over code points: child of (node, cp) in one hash map.
  std::unordered_map<uint64_t, uint32_t, Edge> children_;
  std::vector<int32_t> terminal_{-1};  // node -> index into tokens_, -1 if none
  std::vector<AddedToken> tokens_;
};

}  // namespace ruv::embed
