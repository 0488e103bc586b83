// libFuzzer target: ruv::embed::ReadBundle (core/src/embed/model/BUNDLE.md) on arbitrary bytes must
// return a Status, never crash or read outside the input; an accepted bundle's files must lie
// inside the input, 64-byte aligned relative to its start, in increasing name order.
// Seed: any bundle, e.g. `node js/dist/cli.js pack-model build/models/micro -o corpus/micro.ruvmodel`.
#include <cstddef>
#include <cstdint>

#include "embed/model/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ruv::embed::Bundle bundle;
  if (!ruv::embed::ReadBundle({data, size}, &bundle).ok()) return 0;
  const std::string* previous = nullptr;
  for (const auto& f : bundle.files) {
    const uint8_t* begin = f.data.data();
    if (f.data.size() != 0 && (begin < data || begin + f.data.size() > data + size)) __builtin_trap();
    if (f.data.size() != 0 && (begin - data) % 64 != 0) __builtin_trap();
    if (previous != nullptr && !(*previous < f.name)) __builtin_trap();
    previous = &f.name;
  }
  return 0;
}
