// Writes valid learning blobs (a pattern store, an adapter, a Fisher) into the folder given, as
// the starting corpus of learn_fuzz.
#include <cstdio>
#include <string>
#include <vector>

#include "ruv/learn.h"

namespace {

bool Write(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ruv::learn;
  if (argc != 2) {
    std::fprintf(stderr, "usage: learn_fuzz_seed <corpus folder>\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::unique_ptr<PatternStore> store;
  if (!PatternStore::Create(5, {}, &store).ok()) return 1;
  std::vector<float> v = {1, 2, 3, 4, 5}, t = {5, 4, 3, 2, 1};
  PatternInfo p;
  for (int i = 0; i < 3; ++i) {
    p.id = "p" + std::to_string(i);
    p.metadata = "{}";
    p.usage_count = static_cast<uint32_t>(4 * i);
    v[static_cast<size_t>(i)] += 1;
    if (!store->Add(p, v.data()).ok()) return 1;
  }
  std::vector<uint8_t> bytes;
  store->Serialize(&bytes);
  if (!Write(dir + "/store.bin", bytes)) return 1;
  LoraWeights w;
  if (!LoraWeights::Create(5, 2, 2, 1, &w).ok()) return 1;
  w.Serialize(&bytes);
  if (!Write(dir + "/lora.bin", bytes)) return 1;
  std::vector<Trajectory> trajs = {{v.data(), t.data(), Verdict::kPositive, 1},
                                   {t.data(), v.data(), Verdict::kPositive, 1}};
  Fisher f;
  if (!ComputeFisher(w, trajs.data(), trajs.size(), {}, &f).ok()) return 1;
  f.Serialize(&bytes);
  return Write(dir + "/fisher.bin", bytes) ? 0 : 1;
}
