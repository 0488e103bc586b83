// libFuzzer target: a metadata filter compiled from arbitrary bytes must return a Status (never
// crash, recurse without bound or hang), and an accepted filter must evaluate any metadata.
// Invariants checked: compiling is deterministic (the same text gives the same verdicts), and
// { "$or": [F, G] } matches exactly when F or G does, { "$and": [F, G] } when both do.
// Input: <filter JSON> NUL <metadata JSON>.
// Run (bounded): ./metadata_filter_fuzz -max_total_time=30 corpus/   (seed: tests/fuzz/seeds/filter)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "memory/metadata_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view filter_text = all.substr(0, nul);
  const std::string_view meta_text = nul == std::string_view::npos ? std::string_view() : all.substr(nul + 1);

  ruv::memory::MetadataFilter f;
  if (!ruv::memory::MetadataFilter::Parse(filter_text, &f).ok()) return 0;
  const nlohmann::json meta = nlohmann::json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded()) return 0;
  const bool got = f.Matches(meta);

  ruv::memory::MetadataFilter again;
  if (!ruv::memory::MetadataFilter::Parse(filter_text, &again).ok()) __builtin_trap();
  if (again.Matches(meta) != got) __builtin_trap();

  // Combining with an always-true filter ({}) and an always-false one (a equals 1 and does not).
  const std::string text(filter_text);
  const std::string never = R"({"$and": [{"a": 1}, {"a": {"$ne": 1}}]})";
  ruv::memory::MetadataFilter either, both;
  if (!ruv::memory::MetadataFilter::Parse(R"({"$or": [)" + text + "," + never + "]}", &either).ok()) return 0;
  if (!ruv::memory::MetadataFilter::Parse(R"({"$and": [)" + text + ", {}]}", &both).ok()) return 0;
  if (either.Matches(meta) != got || both.Matches(meta) != got) __builtin_trap();
  return 0;
}
