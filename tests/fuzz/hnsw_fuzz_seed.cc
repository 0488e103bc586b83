// Writes a small seed corpus for hnsw_deserialize_fuzz: a few tiny serialized indexes (each
// metric and storage, empty, with removals). Usage: hnsw_fuzz_seed <dir>
#include <cstdio>
#include <string>
#include <vector>

#include "ruv/hnsw.h"

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
        std::vector<uint8_t> bytes;
        if (!index->Serialize(&bytes).ok()) return 1;
        const std::string path = std::string(argv[1]) + "/seed-" + std::to_string(metric) + "-" +
                                 std::to_string(storage) + "-" + std::to_string(n);
        FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr) return 1;
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        ++written;
      }
    }
  }
  std::printf("wrote %d seeds\n", written);
  return 0;
}
