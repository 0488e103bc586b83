// Memory::Verify (memory.h): the index against the records, and both against a reference built
// from the durable log, with repair from stored vectors. Used by SemanticMemory.verify().
#include <string>
#include <vector>

#include "memory/memory.h"

namespace ruv::memory {
namespace {

constexpr size_t kMaxReportedIds = 100;

void Note(MemoryVerifyReport* r, size_t* counter, std::string_view id) {
  ++*counter;
  if (r->ids.size() < kMaxReportedIds) r->ids.emplace_back(id);
}

}  // namespace

Status Memory::Verify(const Memory* reference, bool repair, MemoryVerifyReport* out) {
  if (out == nullptr) return {ErrorCode::kInvalidArgument, "verify: null report"};
  if (reference == this) return {ErrorCode::kInvalidArgument, "verify: a memory is not its own reference"};
  if (reference != nullptr && reference->config().dimensions != config().dimensions)
    return {ErrorCode::kDimensionMismatch, "verify: the reference holds vectors of other dimensions"};
  *out = MemoryVerifyReport{};
  std::unique_lock lock(mu_);
  WaitForLinking(lock);
  std::shared_lock ref_lock =
      reference != nullptr ? std::shared_lock(reference->mu_) : std::shared_lock<std::shared_mutex>();
  const size_t dim = config().dimensions;
  std::vector<float> mine(dim), theirs(dim);
  try {
    // Vectors without a record, and records without a vector.
    std::vector<std::string> ids;
    for (size_t start = 0, next = 0;; start = next) {
      if (Status s = index_->ListIds(start, 4096, &ids, &next); !s.ok()) return s;
      if (ids.empty()) break;
      for (const std::string& id : ids) {
        if (records_.Find(id) != nullptr) continue;
        Note(out, &out->orphans, id);
        if (repair) index_->Remove(id);
      }
    }
    out->checked = records_.size();
    std::vector<std::string> lost;
    for (size_t i = 0; i < records_.size(); ++i) {
      const std::string& id = records_.IdAt(i);
      if (!index_->Contains(id) && !pending_.Contains(id)) lost.push_back(id);
    }
    // Vectors no search reaches: linked in again from their stored copy.
    for (const std::string& id : index_->Unreachable()) {
      Note(out, &out->unreachable, id);
      if (repair && index_->GetVector(id, mine.data())) {
        if (Status s = index_->Insert(id, mine.data()); !s.ok()) return s;
      }
    }
    // Against the reference: its records missing or different here are put back from it.
    if (reference != nullptr) {
      for (size_t i = 0; i < reference->records_.size(); ++i) {
        const std::string& id = reference->records_.IdAt(i);
        const MemoryRecord& want = reference->records_.RecordAt(i);
        const MemoryRecord* have = records_.Find(id);
        const bool has_vector = VectorOf(id, mine.data());
        if (!reference->VectorOf(id, theirs.data())) continue;  // the reference's own loss
        if (have != nullptr && has_vector && have->text == want.text && have->metadata == want.metadata &&
            mine == theirs) {
          continue;
        }
        Note(out, &out->restored, id);
        std::erase(lost, id);
        if (!repair) continue;
        if (Status s = index_->Insert(id, theirs.data()); !s.ok()) return s;
        pending_.Erase(id);
        if (Status s = records_.PutParsed(id, want.text, want.metadata); !s.ok()) return s;
        IndexText(id, want.text);
      }
      for (size_t i = 0; i < records_.size(); ++i) {
        if (reference->records_.Find(records_.IdAt(i)) == nullptr)
          Note(out, &out->unlogged, records_.IdAt(i));
      }
    }
    for (const std::string& id : lost) Note(out, &out->lost, id);
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOutOfMemory, "verify: out of memory"};
  }
  return Status::Ok();
}

}  // namespace ruv::memory
