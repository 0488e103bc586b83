#include "memory/record_store.h"

#include <utility>

#include "memory/json_limits.h"

namespace ruv::memory {

Status ParseMetadata(std::string_view metadata_json, nlohmann::json* out) {
  if (metadata_json.empty()) {
    *out = nlohmann::json::object();
    return Status::Ok();
  }
  if (metadata_json.size() > kMaxMetadataText) {
    return {ErrorCode::kInvalidArgument,
            "metadata is longer than " + std::to_string(kMaxMetadataText) + " bytes of JSON"};
  }
  nlohmann::json parsed = nlohmann::json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
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
  nlohmann::json metadata;
  if (Status s = ParseMetadata(metadata_json, &metadata); !s.ok()) return s;
  return PutParsed(id, text, std::move(metadata));
}

Status RecordStore::PutParsed(std::string_view id, std::string_view text, nlohmann::json metadata) {
  if (id.empty()) return {ErrorCode::kInvalidArgument, "id must not be empty"};
  MemoryRecord record;
  record.metadata = std::move(metadata);
  record.text.assign(text);
  const auto it = records_.find(id);
  if (it != records_.end()) {
    it->second.record = std::move(record);
    return Status::Ok();
  }
  ids_.emplace_back(id);
  records_.emplace(std::string(id), Entry{std::move(record), ids_.size() - 1});
  return Status::Ok();
}

bool RecordStore::Erase(std::string_view id) {
  const auto it = records_.find(id);
  if (it == records_.end()) return false;
  const size_t hole = it->second.position;
  records_.erase(it);
  if (hole + 1 != ids_.size()) {
    ids_[hole] = std::move(ids_.back());
    records_.find(std::string_view(ids_[hole]))->second.position = hole;
  }
  ids_.pop_back();
  return true;
}

const MemoryRecord* RecordStore::Find(std::string_view id) const {
  const auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second.record;
}

}  // namespace ruv::memory
