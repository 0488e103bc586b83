// The texts and metadata of the semantic memory, by id, beside its HNSW index (which holds the
// vectors under the same ids). Metadata is kept parsed, so a filter evaluates it per candidate
// during the walk without parsing anything.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "memory/json_limits.h"
#include "ruv/status.h"

namespace ruv::memory {

// Bounds on one record (its metadata comes from callers, possibly from untrusted text): a
// metadata object of at most 1 MiB of JSON nested at most 32 deep.
inline constexpr size_t kMaxMetadataText = 1 << 20;
inline constexpr size_t kMaxMetadataDepth = 32;

struct MemoryRecord {
  std::string text;
  Json metadata = Json::object();
};

class RecordStore {
 public:
  // Adds or replaces the record of `id`. `metadata_json` must be a JSON object ("" is {}):
  // kInvalidArgument otherwise, and nothing changes.
  Status Put(std::string_view id, std::string_view text, std::string_view metadata_json);
  // The same with metadata already checked by ParseMetadata.
  Status PutParsed(std::string_view id, std::string_view text, Json metadata);
  // Room for `count` records in all, so that adding them rehashes nothing (a load).
  void Reserve(size_t count) {
    records_.reserve(count);
    by_position_.reserve(count);
  }
  // Removes `id`; false when it was not there.
  bool Erase(std::string_view id);
  const MemoryRecord* Find(std::string_view id) const;
  size_t size() const { return by_position_.size(); }

  // The id and record at position i in [0, size()): positions are dense but change when records
  // are erased (the last one moves into the hole), so a sample by position is uniform over the
  // records, and a scan by position needs no lookup by id.
  const std::string& IdAt(size_t i) const { return by_position_[i]->first; }
  const MemoryRecord& RecordAt(size_t i) const { return by_position_[i]->second.record; }

 private:
  // Transparent hashing, so lookups by string_view (the index's ids) build no string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Entry {
    MemoryRecord record;
    size_t position = 0;  // index into by_position_
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  Map records_;
  // The map's nodes by position: node addresses survive rehashing, so each id is kept once.
  std::vector<Map::value_type*> by_position_;
};

// Parses metadata JSON as RecordStore::Put does (an object, bounded): for callers that check
// before they write anything else (the write-ahead log, a batch).
Status ParseMetadata(std::string_view metadata_json, Json* out);

}  // namespace ruv::memory
