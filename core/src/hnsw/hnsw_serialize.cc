// The one serialized form of an index (FORMAT.md): little-endian, versioned, CRC-32 checked,
// holding the graph itself. Loading validates every count against the bytes that remain before
// allocating, and every link, level, id and row before the index is used.
#include <algorithm>
#include <bit>
#include <cstring>

#include "common/byte_io.h"
#include "common/crc32.h"
#include "common/utf8.h"
#include "hnsw_graph.h"
#include "level_generator.h"

namespace ruv::hnsw {
namespace {

constexpr uint8_t kMagic[8] = {'R', 'U', 'V', 'H', 'N', 'S', 'W', 0};
constexpr uint32_t kVersion = 1;
// Version 2 is version 1 with an annotation after the header (FORMAT.md); written only when the
// index has one, so bytes without one stay readable by version-1 readers.
constexpr uint32_t kVersionAnnotated = 2;
// magic + version + 6 config u32 + seed + rng state + 4 counts
constexpr size_t kHeaderBytes = 8 + 4 + 6 * 4 + 8 + 8 + 4 * 4;

using Writer = ByteWriter;
using Reader = ByteReader;

Status Corrupt(const char* what) {
  return {ErrorCode::kCorruptData, std::string("hnsw: corrupt index: ") + what};
}

}  // namespace

void Graph::Serialize(std::vector<uint8_t>* out) const {
  out->clear();
  // Free slots are not written: the live slots are numbered 0..live-1 in ascending order (links
  // and the entry point renumbered alike), so the bytes hold no hole that would cost a row and a
  // link list on load, and ties between equal distances (broken by slot) order the same way.
  std::vector<uint32_t> renumber;
  if (!free_.empty()) {
    renumber.assign(slot_count_, kNone);
    uint32_t next = 0;
    for (uint32_t slot = 0; slot < slot_count_; ++slot) {
      if (live_[slot]) renumber[slot] = next++;
    }
  }
  size_t estimate = kHeaderBytes + 8;
  estimate += size_t{live_count_} * (vectors_.row_bytes() + 16 + (size_t{max_m0_} + 1) * 4);
  out->reserve(estimate);
  Writer w(out);
  w.Bytes(kMagic, 8);
  w.U32(annotation_.empty() ? kVersion : kVersionAnnotated);
  w.U32(config_.dimensions);
  w.U32(config_.m);
  w.U32(config_.ef_construction);
  w.U32(config_.ef_search);
  w.U32(static_cast<uint32_t>(config_.metric));
  w.U32(static_cast<uint32_t>(config_.storage));
  w.U64(config_.seed);
  w.U64(rng_state_);
  w.U32(live_count_);  // slots
  w.U32(live_count_);
  w.U32(entry_ == kNone || renumber.empty() ? entry_ : renumber[entry_]);
  w.U32(max_level_);
  if (!annotation_.empty()) {
    w.U32(static_cast<uint32_t>(annotation_.size()));
    w.Bytes(annotation_.data(), annotation_.size());
  }
  for (uint32_t slot = 0; slot < slot_count_; ++slot) {
    if (!live_[slot]) continue;
    w.U8(1);
    w.U32(static_cast<uint32_t>(ids_[slot].size()));
    w.Bytes(ids_[slot].data(), ids_[slot].size());
    w.Bytes(vectors_.row(slot), vectors_.row_bytes());
    w.U8(levels_[slot]);
    for (uint32_t l = 0; l <= levels_[slot]; ++l) {
      const uint32_t* ll = links(slot, l);
      if (renumber.empty()) {
        w.Bytes(ll, (size_t{ll[0]} + 1) * 4);
        continue;
      }
      w.U32(ll[0]);
      for (uint32_t i = 1; i <= ll[0]; ++i) w.U32(renumber[ll[i]]);
    }
  }
  w.U32(0);  // free list
  w.U32(Crc32(out->data(), out->size()));
}

Status Graph::Deserialize(const uint8_t* data, size_t size, std::unique_ptr<Graph>* out, bool check_crc) {
  if (size < kHeaderBytes + 8) return Corrupt("too short");
  if (std::memcmp(data, kMagic, 8) != 0) return Corrupt("bad magic");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data + size - 4, 4);
  if (check_crc && Crc32(data, size - 4) != stored_crc) return Corrupt("checksum mismatch");

  Reader r(data + 8, size - 12);  // after the magic, before the checksum
  uint32_t version, metric, storage, slot_count, live_count, entry, max_level;
  HnswConfig config;
  uint64_t rng_state;
  if (!(r.U32(&version) && r.U32(&config.dimensions) && r.U32(&config.m) && r.U32(&config.ef_construction) &&
        r.U32(&config.ef_search) && r.U32(&metric) && r.U32(&storage) && r.U64(&config.seed) &&
        r.U64(&rng_state) && r.U32(&slot_count) && r.U32(&live_count) && r.U32(&entry) &&
        r.U32(&max_level))) {
    return Corrupt("truncated header");
  }
  if (version != kVersion && version != kVersionAnnotated) return Corrupt("unsupported version");
  std::string annotation;
  if (version == kVersionAnnotated) {
    uint32_t len;
    const uint8_t* bytes;
    if (!r.U32(&len) || len == 0 || len > kMaxAnnotation || !r.Bytes(len, &bytes))
      return Corrupt("bad annotation");
    annotation.assign(reinterpret_cast<const char*>(bytes), len);
    if (!IsValidUtf8(annotation)) return Corrupt("annotation is not UTF-8");
  }
  if (metric > 2 || storage > 1) return Corrupt("unknown metric or storage");
  config.metric = static_cast<Metric>(metric);
  config.storage = static_cast<HnswStorage>(storage);
  if (!ValidateHnswConfig(config).ok()) return Corrupt("invalid config");

  auto g = std::make_unique<Graph>(config);
  const size_t row_bytes = g->vectors_.row_bytes();
  // Smallest encodings: a free slot is 1 byte + 4 in the free list; a live one has a 1-byte id,
  // its row, its level and its level-0 count.
  if (live_count > slot_count) return Corrupt("more live entries than slots");
  const uint64_t min_live = 1 + 4 + 1 + row_bytes + 1 + 4;
  const uint64_t min_bytes = uint64_t{live_count} * min_live + uint64_t{slot_count - live_count} * 5 + 4;
  if (min_bytes > r.remaining()) return Corrupt("counts exceed the data");

  g->rng_state_ = rng_state;
  g->annotation_ = std::move(annotation);
  // Free slots (bytes written before they were compacted away) are dropped: live slots take the
  // numbers 0..live-1 in ascending order, so a hole costs only these 4 bytes while loading.
  std::vector<uint32_t> renumber(slot_count, kNone);
  // (The id map too: no rehash while ids are added. The rows are all written below, now.)
  g->ReserveSlots(live_count, VectorStore::Fill::kNow);
  // A node of level L has L upper lists of m + 1 words whatever they hold, and pays 4 bytes per
  // level: levels may cost at most 4 bytes of lists per byte given, plus one full tower.
  const uint64_t level_budget = size + uint64_t{kMaxLevel} * (config.m + 1);
  uint64_t level_words = 0;
  uint32_t seen_live = 0;
  uint32_t top_level = 0;
  for (uint32_t at = 0; at < slot_count; ++at) {
    uint8_t state, level;
    if (!r.U8(&state)) return Corrupt("truncated slot");
    if (state == 0) continue;
    if (state != 1) return Corrupt("bad slot state");
    if (++seen_live > live_count) return Corrupt("live count mismatch");
    const uint32_t slot = seen_live - 1;
    renumber[at] = slot;
    uint32_t id_len;
    const uint8_t* id;
    const uint8_t* row;
    if (!r.U32(&id_len) || id_len == 0 || !r.Bytes(id_len, &id)) return Corrupt("bad id");
    // An id that is not UTF-8 would reach JS as U+FFFD and then name nothing (never deletable).
    if (!IsValidUtf8({reinterpret_cast<const char*>(id), id_len})) return Corrupt("id is not UTF-8");
    if (!r.Bytes(row_bytes, &row) || !g->vectors_.LoadRow(slot, row)) return Corrupt("bad row");
    if (!r.U8(&level) || level > kMaxLevel) return Corrupt("bad level");
    level_words += uint64_t{level} * (config.m + 1);
    if (level_words > level_budget) return Corrupt("levels exceed what the data holds");
    g->ids_[slot].assign(reinterpret_cast<const char*>(id), id_len);
    if (!g->id_map_.emplace(g->ids_[slot], slot).second) return Corrupt("duplicate id");
    g->live_[slot] = 1;
    g->levels_[slot] = level;
    g->upper_[slot].assign(g->UpperWords(level), 0);
    g->node_heap_bytes_ += g->NodeHeapBytes(slot);
    top_level = std::max<uint32_t>(top_level, level);
    for (uint32_t l = 0; l <= level; ++l) {
      uint32_t count;
      const uint8_t* ids;
      if (!r.U32(&count) || count > g->max_links(l)) return Corrupt("bad link count");
      if (!r.Bytes(size_t{count} * 4, &ids)) return Corrupt("truncated links");
      uint32_t* ll = g->links(slot, l);
      ll[0] = count;
      std::memcpy(ll + 1, ids, size_t{count} * 4);  // as written; checked and renumbered below
    }
  }
  if (seen_live != live_count) return Corrupt("live count mismatch");
  g->live_count_ = live_count;
  g->slot_count_ = live_count;

  // Links: to another live slot that exists at that level, without repeats.
  std::vector<uint32_t> sorted;
  for (uint32_t slot = 0; slot < live_count; ++slot) {
    for (uint32_t l = 0; l <= g->levels_[slot]; ++l) {
      uint32_t* ll = g->links(slot, l);
      for (uint32_t i = 1; i <= ll[0]; ++i) {
        const uint32_t t = ll[i] < slot_count ? renumber[ll[i]] : kNone;
        if (t == kNone || t == slot || g->levels_[t] < l) return Corrupt("bad link");
        ll[i] = t;
      }
      sorted.assign(ll + 1, ll + 1 + ll[0]);
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return Corrupt("repeated link");
      }
    }
  }

  if (live_count == 0) {
    if (entry != kNone || max_level != 0) return Corrupt("entry point of an empty index");
  } else if (entry >= slot_count || renumber[entry] == kNone || g->levels_[renumber[entry]] != max_level ||
             max_level != top_level) {
    return Corrupt("bad entry point");
  }
  g->entry_ = live_count == 0 ? kNone : renumber[entry];
  g->max_level_ = max_level;

  uint32_t free_count;
  if (!r.U32(&free_count) || free_count != slot_count - live_count) {
    return Corrupt("free list size mismatch");
  }
  std::vector<uint8_t> listed(slot_count, 0);
  for (uint32_t i = 0; i < free_count; ++i) {
    uint32_t slot;
    if (!r.U32(&slot)) return Corrupt("truncated free list");
    if (slot >= slot_count || renumber[slot] != kNone || listed[slot]) return Corrupt("bad free list");
    listed[slot] = 1;
  }
  if (r.remaining() != 0) return Corrupt("trailing bytes");
  g->reach_.Recount();
  g->reach_.BuildTree();
  *out = std::move(g);
  return Status::Ok();
}

}  // namespace ruv::hnsw
