// libFuzzer target: ruv::memory::Memory::Deserialize (core/src/memory/FORMAT.md) on arbitrary
// bytes must return a Status (never crash, hang or allocate without bound). The checksum would
// stop almost every mutation at the door, so the target reseals the CRC of its input first: the
// parser behind it is what gets fuzzed. A snapshot it accepts must be searchable, writable and
// re-serialize to the same bytes.
// Run (bounded): ./memory_snapshot_fuzz -max_total_time=20 corpus/   (seed: memory_fuzz_seed corpus/)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/crc32.h"
#include "memory/memory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 4) {
    const uint32_t crc = ruv::Crc32(bytes.data(), bytes.size() - 4);
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  }
  std::unique_ptr<ruv::memory::Memory> mem;
  std::string header;
  if (!ruv::memory::Memory::Deserialize(bytes.data(), bytes.size(), &mem, &header).ok()) return 0;
  std::vector<uint8_t> again;
  if (!mem->Serialize(header, &again).ok()) __builtin_trap();
  std::unique_ptr<ruv::memory::Memory> reloaded;
  if (!ruv::memory::Memory::Deserialize(again.data(), again.size(), &reloaded, nullptr).ok())
    __builtin_trap();
  const size_t dim = mem->config().dimensions;
  std::vector<float> q(dim, 0.25f);
  std::vector<ruv::HnswSearchHit> hits;
  if (!mem->Search(q.data(), 5, R"({"n": {"$gte": 1}})", {}, &hits).ok()) __builtin_trap();
  for (const ruv::HnswSearchHit& h : hits) {
    ruv::memory::MemoryRecord r;
    if (!mem->Get(h.id, &r)) __builtin_trap();  // every hit has its record
  }
  if (!mem->Put("fuzz", "text", R"({"n": 2})", q.data()).ok()) __builtin_trap();
  mem->Remove("fuzz");
  return 0;
}
