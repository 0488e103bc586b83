// The WordPiece vocabulary as the tokenizer keeps it after a load: every token's bytes in one
// string and an open-addressing table of entry numbers, so a lookup takes a string_view and
// allocates nothing. MiniLM's 30522 tokens take ~0.7 MB here against ~2 MB as an
// unordered_map<std::string, int32_t> (a node, a string and a bucket per token), which counts
// against the resident-memory budget of a small (q8) model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ruv/status.h"

namespace ruv::embed {

class VocabTable {
 public:
  // From a loader's map (token -> id). MODEL_LOAD_FAILED when the tokens' bytes pass 4 GiB (the
  // offsets are 32-bit; a loader's input bounds them long before).
  static Status Build(const std::unordered_map<std::string, int32_t>& vocab, VocabTable* out);

  // The id of `token`, -1 when it is not in the vocabulary.
  int32_t Find(std::string_view token) const;
  size_t size() const { return ids_.size(); }
  // Bytes this table holds (for tests and memory accounting).
  size_t bytes() const;

 private:
  std::string_view Token(uint32_t entry) const {
    return std::string_view(text_).substr(offsets_[entry], offsets_[entry + 1] - offsets_[entry]);
  }
  size_t Slot(std::string_view token) const {
    return std::hash<std::string_view>{}(token) & (slots_.size() - 1);
  }

  std::string text_;               // every token's bytes, entry after entry
  std::vector<uint32_t> offsets_;  // entry e is text_[offsets_[e], offsets_[e + 1])
  std::vector<int32_t> ids_;       // entry e's id
  std::vector<uint32_t> slots_;    // power of two, at most half full: entry + 1, or 0 (empty)
};

}  // namespace ruv::embed
