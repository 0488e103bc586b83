#include "memory/memory.h"

#include <mutex>
#include <utility>

namespace ruv::memory {

Status Memory::Create(const HnswConfig& config, std::unique_ptr<Memory>* out) {
  std::unique_ptr<HnswIndex> index;
  if (Status s = HnswIndex::Create(config, &index); !s.ok()) return s;
  out->reset(new Memory(std::move(index)));
  return Status::Ok();
}

Status Memory::Put(std::string_view id, std::string_view text, std::string_view metadata_json,
                   const float* vector) {
  nlohmann::json metadata;
  if (Status s = ParseMetadata(metadata_json, &metadata); !s.ok()) return s;
  std::unique_lock lock(mu_);
  if (vector == nullptr) {
    // A new text and metadata for the vector already stored (the same text re-added: no new
    // embedding is needed).
    if (records_.Find(id) == nullptr) {
      return {ErrorCode::kInvalidArgument, "no vector given, and no stored memory to keep one from"};
    }
    return records_.PutParsed(id, text, std::move(metadata));
  }
  // The index checks the id and the vector before it changes anything; the store's put cannot
  // fail after that (the metadata is parsed, the id non-empty).
  if (Status s = index_->Insert(id, vector); !s.ok()) return s;
  return records_.PutParsed(id, text, std::move(metadata));
}

bool Memory::Remove(std::string_view id) {
  std::unique_lock lock(mu_);
  const bool in_index = index_->Remove(id);
  const bool in_store = records_.Erase(id);
  return in_index || in_store;
}

bool Memory::Get(std::string_view id, MemoryRecord* out) const {
  std::shared_lock lock(mu_);
  const MemoryRecord* r = records_.Find(id);
  if (r == nullptr) return false;
  *out = *r;
  return true;
}

size_t Memory::size() const {
  std::shared_lock lock(mu_);
  return records_.size();
}

Status Memory::ListIds(size_t start, size_t max_count, std::vector<std::string>* ids, size_t* next) const {
  std::shared_lock lock(mu_);
  return index_->ListIds(start, max_count, ids, next);
}

Status Memory::Search(const float* query, size_t k, std::string_view filter_json,
                      const FilteredSearchOptions& options, std::vector<HnswSearchHit>* out,
                      FilteredSearchReport* report) const {
  MetadataFilter filter;
  if (!filter_json.empty()) {
    if (Status s = MetadataFilter::Parse(filter_json, &filter); !s.ok()) return s;
  }
  std::shared_lock lock(mu_);
  return FilteredSearch(*index_, records_, query, k, filter, options, out, report);
}

}  // namespace ruv::memory
