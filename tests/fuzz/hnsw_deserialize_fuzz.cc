// libFuzzer target: ruv::HnswIndex::Deserialize on arbitrary bytes must return a Status (never
// crash, hang or allocate without bound); an index it accepts must be searchable, insertable,
// removable and re-serializable to the same bytes (once free slots, which saving drops, are gone),
// and its memory must stay within what FORMAT.md's "What loading costs" allows for its size.
// Run (bounded): ./hnsw_deserialize_fuzz -max_total_time=60 corpus/   (seed: hnsw_fuzz_seed corpus/)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/crc32.h"
#include "hnsw/load_bound.h"
#include "ruv/hnsw.h"

namespace {

void Exercise(const uint8_t* data, size_t size) {
  std::unique_ptr<ruv::HnswIndex> index;
  if (!ruv::HnswIndex::Deserialize(data, size, &index).ok()) return;
  const ruv::HnswStats stats = index->Stats();
  if (stats.memory_bytes > ruv::hnsw::LoadMemoryBound(index->config(), size, stats.count)) {
    __builtin_trap();  // loading cost more than the bytes pay for
  }
  std::vector<uint8_t> again, twice;
  if (!index->Serialize(&again).ok()) __builtin_trap();
  uint32_t slots;
  std::memcpy(&slots, data + 52, 4);  // accepted, so the header is there
  if (slots == stats.count) {
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
      __builtin_trap();  // an accepted index without free slots must re-serialize to the same bytes
    }
  } else {
    std::unique_ptr<ruv::HnswIndex> reloaded;
    if (!ruv::HnswIndex::Deserialize(again.data(), again.size(), &reloaded).ok() ||
        !reloaded->Serialize(&twice).ok() || twice != again) {
      __builtin_trap();  // the compacted bytes must load and round-trip
    }
  }
  std::vector<float> q(index->config().dimensions, 0.5f);
  std::vector<ruv::HnswSearchHit> out;
  (void)index->Search(q.data(), 5, {}, &out);
  if (!out.empty()) (void)index->Remove(out[0].id);
  (void)index->Insert("fuzz", q.data());
  (void)index->Search(q.data(), 50, {}, &out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Exercise(data, size);
  // Most mutations break the checksum; also try the same bytes with a valid one so the
  // structural checks behind it get exercised.
  if (size >= 4) {
    std::vector<uint8_t> fixed(data, data + size);
    const uint32_t crc = ruv::Crc32(fixed.data(), size - 4);
    std::memcpy(fixed.data() + size - 4, &crc, 4);
    Exercise(fixed.data(), size);
  }
  return 0;
}
