#include "embed/tokenizer/vocab_table.h"

#include <limits>

namespace ruv::embed {

Status VocabTable::Build(const std::unordered_map<std::string, int32_t>& vocab, VocabTable* out) {
  VocabTable t;
  size_t total = 0;
  for (const auto& entry : vocab) total += entry.first.size();
  if (total > std::numeric_limits<uint32_t>::max() ||
      vocab.size() >= std::numeric_limits<uint32_t>::max() / 2)
    return {ErrorCode::kModelLoadFailed, "tokenizer: the vocabulary is too large"};
  t.text_.reserve(total);
  t.offsets_.reserve(vocab.size() + 1);
  t.ids_.reserve(vocab.size());
  size_t slots = 1;
  while (slots < 2 * vocab.size()) slots *= 2;  // at most half full: short probe runs
  t.slots_.assign(slots, 0);
  t.offsets_.push_back(0);
  for (const auto& [token, id] : vocab) {
    const auto entry = static_cast<uint32_t>(t.ids_.size());
    t.text_ += token;
    t.offsets_.push_back(static_cast<uint32_t>(t.text_.size()));
    t.ids_.push_back(id);
    // The map's keys are distinct: the first empty slot of the probe run is this token's.
    size_t s = t.Slot(token);
    while (t.slots_[s] != 0) s = (s + 1) & (slots - 1);
    t.slots_[s] = entry + 1;
  }
  *out = std::move(t);
  return Status::Ok();
}

int32_t VocabTable::Find(std::string_view token) const {
  if (slots_.empty()) return -1;
  for (size_t s = Slot(token);; s = (s + 1) & (slots_.size() - 1)) {
    const uint32_t slot = slots_[s];
    if (slot == 0) return -1;
    if (Token(slot - 1) == token) return ids_[slot - 1];
  }
}

size_t VocabTable::bytes() const {
  return text_.capacity() + offsets_.capacity() * sizeof(uint32_t) + ids_.capacity() * sizeof(int32_t) +
         slots_.capacity() * sizeof(uint32_t);
}

}  // namespace ruv::embed
