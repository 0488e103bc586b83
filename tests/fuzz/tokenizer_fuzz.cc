// libFuzzer target: the tokenizer loaders and Encode on arbitrary bytes must return a Status
// (never crash, hang or allocate without bound), and an accepted tokenizer must encode any
// bytes into ids below vocab_size() that respect max_tokens.
// Input: <tokenizer.json or vocab.txt bytes> NUL <text to encode> (the part after the first NUL
// byte; also read as tokenizer_config.json by the vocab.txt loader).
// Run (bounded): ./tokenizer_fuzz -max_total_time=30 corpus/   (seed: tests/fuzz/seeds/tokenizer)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "embed/tokenizer/tokenizer.h"

namespace {

void Check(const ruv::embed::Tokenizer& tok, std::string_view text) {
  const size_t max_tokens = text.size() % 24;
  const size_t half = text.size() / 2;
  ruv::embed::Encoding e;
  for (int pair = 0; pair < 2; ++pair) {
    const ruv::Status s = pair ? tok.EncodePair(text.substr(0, half), text.substr(half), max_tokens, &e)
                               : tok.Encode(text, max_tokens, &e);
    if (!s.ok()) continue;
    if (e.ids.size() != e.type_ids.size()) __builtin_trap();
    if (max_tokens > 0 && e.ids.size() > max_tokens) __builtin_trap();
    for (int32_t id : e.ids) {
      if (id < 0 || static_cast<size_t>(id) >= tok.vocab_size()) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view file = all.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? std::string_view() : all.substr(nul + 1);
  std::unique_ptr<ruv::embed::Tokenizer> tok;
  if (ruv::embed::Tokenizer::FromTokenizerJson(file, &tok).ok()) Check(*tok, text);
  if (ruv::embed::Tokenizer::FromVocab(file, text, "", &tok).ok()) Check(*tok, text);
  return 0;
}
