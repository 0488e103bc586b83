// Writes a small seed corpus for hnsw_deserialize_fuzz: a few tiny serialized indexes (each
// metric and storage, empty, with removals, version 2 with an annotation, and with a free slot
// as writers before compaction left them). Usage: hnsw_fuzz_seed <dir>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/crc32.h"
#include "ruv/hnsw.h"

namespace {

// The same index with one free slot after its live ones (slot count + 1, free list [last]).
std::vector<uint8_t> WithTrailingFreeSlot(std::vector<uint8_t> b) {
  uint32_t slots;
  std::memcpy(&slots, b.data() + 52, 4);
  const uint32_t grown = slots + 1;
  std::memcpy(b.data() + 52, &grown, 4);
  b.resize(b.size() - 8);  // the empty free list and the CRC
  b.push_back(0);
  const uint32_t tail[2] = {1, slots};
  b.insert(b.end(), reinterpret_cast<const uint8_t*>(tail), reinterpret_cast<const uint8_t*>(tail) + 8);
  const uint32_t crc = ruv::Crc32(b.data(), b.size());
  b.insert(b.end(), reinterpret_cast<const uint8_t*>(&crc), reinterpret_cast<const uint8_t*>(&crc) + 4);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  int written = 0;
  for (int metric = 0; metric < 3; ++metric) {
    for (int storage = 0; storage < 2; ++storage) {
      for (int n : {0, 1, 12}) {
        ruv::HnswConfig c;
        c.dimensions = 3;
        c.m = 2;
        c.ef_construction = 8;
        c.metric = static_cast<ruv::Metric>(metric);
        c.storage = static_cast<ruv::HnswStorage>(storage);
        std::unique_ptr<ruv::HnswIndex> index;
        if (!ruv::HnswIndex::Create(c, &index).ok()) return 1;
        for (int i = 0; i < n; ++i) {
          const float v[3] = {static_cast<float>(i % 5) - 2, static_cast<float>(i % 3), 1.0f / (i + 1)};
          if (!index->Insert("e" + std::to_string(i), v).ok()) return 1;
        }
        if (n > 4) (void)index->Remove("e3");
        // Version 2 (an annotation) for the float32 seeds: the fuzzer mutates both layouts.
        if (storage == 0 && !index->SetAnnotation(R"({"model":{"modelId":"m","dimensions":3}})").ok())
          return 1;
        std::vector<uint8_t> bytes;
        if (!index->Serialize(&bytes).ok()) return 1;
        for (const bool hole : {false, true}) {
          if (hole && storage == 0) continue;  // WithTrailingFreeSlot knows version 1's offsets
          const std::vector<uint8_t> seed = hole ? WithTrailingFreeSlot(bytes) : bytes;
          const std::string path = std::string(argv[1]) + "/seed-" + std::to_string(metric) + "-" +
                                   std::to_string(storage) + "-" + std::to_string(n) + (hole ? "-hole" : "");
          FILE* f = std::fopen(path.c_str(), "wb");
          if (f == nullptr) return 1;
          std::fwrite(seed.data(), 1, seed.size(), f);
          std::fclose(f);
          ++written;
        }
      }
    }
  }
  std::printf("wrote %d seeds\n", written);
  return 0;
}
