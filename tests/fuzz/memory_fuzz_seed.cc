// Writes valid memory snapshots (core/src/memory/FORMAT.md) into the folder given, as the corpus
// memory_snapshot_fuzz starts from: empty, a few records, float32 and int8 storage, with a header,
// and with pending rows (version 2: a deferred batch not linked yet).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "memory/memory.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: memory_fuzz_seed <corpus folder>\n");
    return 2;
  }
  int written = 0;
  for (const size_t n : {0, 3, 12}) {
    for (const ruv::HnswStorage storage : {ruv::HnswStorage::kFloat32, ruv::HnswStorage::kInt8}) {
      ruv::HnswConfig c;
      c.dimensions = 4;
      c.m = 4;
      c.storage = storage;
      std::unique_ptr<ruv::memory::Memory> mem;
      if (!ruv::memory::Memory::Create(c, &mem).ok()) return 1;
      for (size_t i = 0; i < n; ++i) {
        const float v[] = {static_cast<float>(i), 1, static_cast<float>(i % 2), -0.5f};
        const std::string meta = R"({"n":)" + std::to_string(i) + R"(,"tags":["a","b"],"s":{"k":null}})";
        if (!mem->Put("m" + std::to_string(i), "text " + std::to_string(i), meta, v).ok()) return 1;
      }
      for (const bool pending : {false, true}) {
        if (pending) {
          const float v[] = {0.25f, -1, 2, 0.5f};
          const std::vector<ruv::memory::MemoryPut> puts = {{"p0", "pending", R"({"p":1})", v},
                                                            {"m0", "replaced", "", v}};
          if (!mem->PutBatch(puts, 1, true).ok()) return 1;
        }
        std::vector<uint8_t> bytes;
        if (!mem->Serialize(R"({"model":"seed"})", &bytes).ok()) return 1;
        std::ofstream(std::string(argv[1]) + "/snapshot-" + std::to_string(written++), std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      }
    }
  }
  return 0;
}
