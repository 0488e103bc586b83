#include "memory/record_store.h"

#include <utility>

#include "memory/json_limits.h"

namespace ruv::memory {

Status ParseMetadata(std::string_view metadata_json, Json* out) {
  if (metadata_json.empty()) {
    *out = Json::object();
    return Status::Ok();
  }
  if (metadata_json.size() > kMaxMetadataText) {
    return {ErrorCode::kInvalidArgument,
            "metadata is longer than " + std::to_string(kMaxMetadataText) + " bytes of JSON"};
  }
  Json parsed = Json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return {ErrorCode::kInvalidArgument, "metadata is not valid JSON"};
  if (!parsed.is_object()) return {ErrorCode::kInvalidArgument, "metadata must be a JSON object"};
  if (!JsonDepthWithin(parsed, kMaxMetadataDepth)) {
    return {ErrorCode::kInvalidArgument,
            "metadata nests deeper than " + std::to_string(kMaxMetadataDepth) + " levels"};
  }
  *out = std::move(parsed);
  return Status::Ok();
}

Status RecordStore::Put(std::string_view id, std::string_view text, std::string_view metadata_json) {
  Json metadata;
  if (Status s = ParseMetadata(metadata_json, &metadata); !s.ok()) return s;
  return PutParsed(id, text, std::move(metadata));
}

Status RecordStore::PutParsed(std::string_view id, std::string_view text, Json metadata) {
  if (id.empty()) return {ErrorCode::kInvalidArgument, "id must not be empty"};
  MemoryRecord record;
  record.metadata = std::move(metadata);
  record.text = std::string(text);  // exactly its size (assign would round up to twice SSO's 15)
  const auto it = records_.find(id);
  if (it != records_.end()) {
    it->second.record = std::move(record);
    return Status::Ok();
  }
  // Room first (doubling), so the node emplaced below can always be listed.
  if (by_position_.size() == by_position_.capacity()) by_position_.reserve(2 * by_position_.size() + 16);
  const auto added = records_.emplace(std::string(id), Entry{std::move(record), by_position_.size()}).first;
  by_position_.push_back(&*added);
  return Status::Ok();
}

bool RecordStore::Erase(std::string_view id) {
  const auto it = records_.find(id);
  if (it == records_.end()) return false;
  const size_t hole = it->second.position;
  if (hole + 1 != by_position_.size()) {
    by_position_[hole] = by_position_.back();
    by_position_[hole]->second.position = hole;
  }
  by_position_.pop_back();
  records_.erase(it);
  return true;
}

const MemoryRecord* RecordStore::Find(std::string_view id) const {
  const auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second.record;
}

}  // namespace ruv::memory
