// libFuzzer target: the learning module's three parsers (pattern store, adapter, Fisher) on
// arbitrary bytes must return a Status (never crash, hang or allocate beyond the input's size);
// what they accept must re-serialize to the same bytes and be usable.
// Run (bounded): ./learn_fuzz -max_total_time=15 corpus/   (seed: learn_fuzz_seed corpus/)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ruv/learn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ruv::learn;
  std::vector<uint8_t> again;
  std::unique_ptr<PatternStore> store;
  if (PatternStore::Deserialize(data, size, &store).ok()) {
    store->Serialize(&again);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) __builtin_trap();
    std::vector<float> q(store->dimensions(), 0.5f);
    std::vector<PatternMatch> out;
    MatchOptions opt;
    opt.threshold = -1;
    if (!store->Match(q.data(), opt, &out).ok()) __builtin_trap();
    if (store->size() > 0) {
      if (!store->RecordOutcome(store->info(0).id, false).ok()) __builtin_trap();
      if (!store->Remove(std::string(store->info(0).id))) __builtin_trap();
    }
  }
  LoraWeights w;
  if (LoraWeights::Deserialize(data, size, &w).ok()) {
    w.Serialize(&again);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) __builtin_trap();
    std::vector<float> x(w.dimensions(), 0.25f);
    w.Apply(x.data(), 1, x.data());
  }
  Fisher f;
  if (Fisher::Deserialize(data, size, &f).ok()) {
    f.Serialize(&again);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) __builtin_trap();
    LoraWeights out;
    if (!ApplyEwc(f.anchor(), f, 1.0f, &out).ok()) __builtin_trap();
  }
  return 0;
}
