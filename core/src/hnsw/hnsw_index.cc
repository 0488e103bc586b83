// ruv::HnswIndex: argument checks, locking and error mapping around hnsw::Graph.
#include <algorithm>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "common/utf8.h"
#include "hnsw_graph.h"
#include "ruv/hnsw.h"

namespace ruv {
namespace {

using hnsw::Graph;
using hnsw::Scratch;

// Scratch of the calling thread, reused across calls (searches allocate nothing once warm).
// A search filter may call into another index, even search it, on the same thread: each nesting
// level leases its own scratch so an inner walk cannot clobber the outer one.
class ScratchLease {
 public:
  ScratchLease() : depth_(Depth()) {
    std::vector<std::unique_ptr<Scratch>>& pool = Pool();
    if (pool.size() <= depth_) pool.push_back(std::make_unique<Scratch>());  // may throw bad_alloc
    scratch_ = pool[depth_].get();
    ++Depth();
  }
  ~ScratchLease() { --Depth(); }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  Scratch& get() { return *scratch_; }

 private:
  static size_t& Depth() {
    thread_local size_t depth = 0;
    return depth;
  }
  static std::vector<std::unique_ptr<Scratch>>& Pool() {
    thread_local std::vector<std::unique_ptr<Scratch>> pool;
    return pool;
  }

  size_t depth_;
  Scratch* scratch_ = nullptr;
};

Status OutOfMemory() { return {ErrorCode::kOutOfMemory, "hnsw: out of memory"}; }

Status CheckEntry(std::string_view id, const float* vector, uint32_t dim) {
  if (id.empty()) return {ErrorCode::kInvalidArgument, "hnsw: empty id"};
  if (id.size() > 0xFFFFFFFFu) return {ErrorCode::kInvalidArgument, "hnsw: id too long"};
  // The bindings always pass UTF-8 (from JS strings); a C caller must too, so bytes round-trip.
  if (!IsValidUtf8(id)) return {ErrorCode::kInvalidArgument, "hnsw: id is not UTF-8"};
  if (vector == nullptr) return {ErrorCode::kInvalidArgument, "hnsw: null vector"};
  if (!AllFinite(vector, dim)) return {ErrorCode::kNonFinite, "hnsw: vector holds NaN or Inf"};
  return Status::Ok();
}

}  // namespace

Status ValidateHnswConfig(const HnswConfig& c) {
  if (c.dimensions < 1 || c.dimensions > 65536) {
    return {ErrorCode::kInvalidArgument, "hnsw: dimensions must be in [1, 65536]"};
  }
  if (c.m < 2 || c.m > 128) return {ErrorCode::kInvalidArgument, "hnsw: m must be in [2, 128]"};
  if (c.ef_construction < 1 || c.ef_search < 1) {
    return {ErrorCode::kInvalidArgument, "hnsw: ef_construction and ef_search must be >= 1"};
  }
  if (!IsValidMetric(static_cast<int>(c.metric))) {
    return {ErrorCode::kInvalidArgument, "hnsw: unknown distance metric"};
  }
  if (c.storage != HnswStorage::kFloat32 && c.storage != HnswStorage::kInt8) {
    return {ErrorCode::kInvalidArgument, "hnsw: unknown storage"};
  }
  return Status::Ok();
}

HnswIndex::HnswIndex(std::unique_ptr<Graph> graph) : graph_(std::move(graph)) {}
HnswIndex::~HnswIndex() = default;

Status HnswIndex::Create(const HnswConfig& config, std::unique_ptr<HnswIndex>* out) {
  if (out == nullptr) return {ErrorCode::kInvalidArgument, "hnsw: null output"};
  if (Status st = ValidateHnswConfig(config); !st.ok()) return st;
  try {
    out->reset(new HnswIndex(std::make_unique<Graph>(config)));
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::Deserialize(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out) {
  return Load(data, size, out, /*check_crc=*/true);
}

Status HnswIndex::DeserializeVerified(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out) {
  return Load(data, size, out, /*check_crc=*/false);
}

Status HnswIndex::Load(const uint8_t* data, size_t size, std::unique_ptr<HnswIndex>* out, bool check_crc) {
  if (out == nullptr) return {ErrorCode::kInvalidArgument, "hnsw: null output"};
  if (data == nullptr && size > 0) return {ErrorCode::kInvalidArgument, "hnsw: null data"};
  try {
    std::unique_ptr<Graph> graph;
    if (Status st = Graph::Deserialize(data, size, &graph, check_crc); !st.ok()) return st;
    out->reset(new HnswIndex(std::move(graph)));
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::Check(std::string_view id, const float* vector) const {
  if (Status st = CheckEntry(id, vector, graph_->config().dimensions); !st.ok()) return st;
  return graph_->vectors().CheckStorable(vector);
}

Status HnswIndex::Insert(std::string_view id, const float* vector) {
  if (Status st = Check(id, vector); !st.ok()) return st;
  std::unique_lock lock(graph_->lock());
  std::unique_lock lookup(graph_->lookup_lock());
  try {
    ScratchLease lease;
    Scratch& s = lease.get();
    graph_->Insert(id, vector, &s);  // replaces the entry of `id`; on bad_alloc changes nothing
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::InsertBatch(std::span<const HnswEntry> entries, unsigned threads) {
  for (const HnswEntry& e : entries) {
    if (Status st = Check(e.id, e.vector); !st.ok()) return st;
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_lock lock(graph_->lock());
  try {
    ScratchLease lease;
    Scratch& s = lease.get();
    // Ids already present, or repeated within the batch, are replaced in order, one by one;
    // the leading run of new distinct ids goes through the (possibly parallel) bulk path.
    std::vector<std::pair<std::string_view, const float*>> fresh;
    std::unordered_map<std::string_view, size_t> seen;
    size_t i = 0;
    for (; i < entries.size(); ++i) {
      const HnswEntry& e = entries[i];
      if (graph_->Find(e.id) != hnsw::kNone || !seen.emplace(e.id, i).second) break;
      fresh.emplace_back(e.id, e.vector);
    }
    // Lookups (has, stats) wait for one step of the batch at most (lookup_lock.h): the longest
    // is this reserve (~25 ms for 50k x 128 into an empty index), then the final recount.
    std::unique_lock lookup(graph_->lookup_lock());
    // Room for every row first: running out of the memory that grows with the index then fails
    // the batch before it stores anything.
    graph_->ReserveSlots(entries.size());
    graph_->InsertMany(fresh, threads, &lookup);
    for (; i < entries.size(); ++i) {
      graph_->lookup_lock().Offer();
      graph_->Insert(entries[i].id, entries[i].vector, &s);
    }
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::Reserve(size_t count) {
  std::unique_lock lock(graph_->lock());
  std::unique_lock lookup(graph_->lookup_lock());
  if (count > size_t{0xFFFFFFFEu} - graph_->slot_count()) {
    return {ErrorCode::kInvalidArgument, "hnsw: cannot hold that many entries"};
  }
  try {
    graph_->ReserveSlots(count);
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::Search(const float* query, size_t k, const HnswSearchOptions& options,
                         std::vector<HnswSearchHit>* out) const {
  if (out == nullptr || query == nullptr) {
    return {ErrorCode::kInvalidArgument, "hnsw: null query or output"};
  }
  out->clear();
  if (!AllFinite(query, graph_->config().dimensions)) {
    return {ErrorCode::kNonFinite, "hnsw: query holds NaN or Inf"};
  }
  std::shared_lock lock(graph_->lock());
  try {
    ScratchLease lease;
    Scratch& s = lease.get();
    const size_t ef = options.ef != 0 ? options.ef : graph_->config().ef_search;
    const Graph& g = *graph_;
    // The allow-list as live slots, ascending and distinct.
    std::vector<uint32_t> listed;
    if (options.ids != nullptr) {
      listed.reserve(options.ids->size());
      for (const std::string_view id : *options.ids) {
        const uint32_t slot = g.Find(id);
        if (slot != hnsw::kNone) listed.push_back(slot);
      }
      std::sort(listed.begin(), listed.end());
      listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    }
    const bool by_filter = options.filter != nullptr && *options.filter;
    const auto in_list = [&listed](uint32_t slot) {
      return std::binary_search(listed.begin(), listed.end(), slot);
    };
    std::function<bool(uint32_t)> allow;
    if (by_filter) {
      const HnswFilter& filter = *options.filter;
      if (options.ids != nullptr) {
        allow = [&filter, &g, &in_list](uint32_t slot) { return in_list(slot) && filter(g.id(slot)); };
      } else {
        allow = [&filter, &g](uint32_t slot) { return filter(g.id(slot)); };
      }
    } else if (options.ids != nullptr) {
      allow = in_list;
    }
    graph_->Search(query, k, ef, allow ? &allow : nullptr, options.ids != nullptr ? &listed : nullptr, &s);
    out->reserve(s.selected.size());
    for (const hnsw::Candidate& c : s.selected) {
      out->push_back(
          {graph_->id(c.slot), graph_->vectors().Score(c.dist), graph_->vectors().MetricDistance(c.dist)});
    }
  } catch (const std::bad_alloc&) {
    out->clear();
    return OutOfMemory();
  }
  return Status::Ok();
}

bool HnswIndex::Remove(std::string_view id) {
  std::unique_lock lock(graph_->lock());
  std::unique_lock lookup(graph_->lookup_lock());
  const uint32_t slot = graph_->Find(id);
  if (slot == hnsw::kNone) return false;
  try {
    ScratchLease lease;
    graph_->Remove(slot, &lease.get());
  } catch (const std::bad_alloc&) {
    return false;  // only the scratch growth can fail, before the graph is touched
  }
  return true;
}

bool HnswIndex::Contains(std::string_view id) const {
  std::shared_lock lookup(graph_->lookup_lock());
  return graph_->Find(id) != hnsw::kNone;
}

Status HnswIndex::SetAnnotation(std::string_view annotation) {
  if (annotation.size() > hnsw::kMaxAnnotation)
    return {ErrorCode::kInvalidArgument, "hnsw: an annotation is at most 1 MiB"};
  if (!IsValidUtf8(annotation)) return {ErrorCode::kInvalidArgument, "hnsw: an annotation must be UTF-8"};
  std::unique_lock lock(graph_->lock());
  try {
    graph_->set_annotation(std::string(annotation));
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return Status::Ok();
}

std::string HnswIndex::Annotation() const {
  std::shared_lock lock(graph_->lock());
  return graph_->annotation();
}

bool HnswIndex::GetVector(std::string_view id, float* out) const {
  std::shared_lock lock(graph_->lock());
  const uint32_t slot = graph_->Find(id);
  if (slot == hnsw::kNone) return false;
  const hnsw::VectorStore& store = graph_->vectors();
  const auto q = store.RowQuery(slot, out);
  if (q.v != out) std::copy(q.v, q.v + graph_->config().dimensions, out);
  return true;
}

std::vector<std::string> HnswIndex::Unreachable() const {
  std::shared_lock lock(graph_->lock());
  std::vector<std::string> out;
  for (uint32_t slot : graph_->Unreachable()) out.emplace_back(graph_->id(slot));
  return out;
}

Status HnswIndex::ListIds(size_t start, size_t max, std::vector<std::string>* out, size_t* next) const {
  if (out == nullptr || next == nullptr) return {ErrorCode::kInvalidArgument, "hnsw: null output"};
  out->clear();
  std::shared_lock lock(graph_->lock());
  try {
    size_t slot = start;
    for (; slot < graph_->slot_count() && out->size() < max; ++slot) {
      if (graph_->is_live(static_cast<uint32_t>(slot)))
        out->push_back(graph_->id(static_cast<uint32_t>(slot)));
    }
    *next = slot;
  } catch (const std::bad_alloc&) {
    out->clear();
    return OutOfMemory();
  }
  return Status::Ok();
}

Status HnswIndex::Serialize(std::vector<uint8_t>* out) const {
  if (out == nullptr) return {ErrorCode::kInvalidArgument, "hnsw: null output"};
  std::shared_lock lock(graph_->lock());
  try {
    graph_->Serialize(out);
  } catch (const std::bad_alloc&) {
    out->clear();
    return OutOfMemory();
  }
  return Status::Ok();
}

HnswStats HnswIndex::Stats() const {
  std::shared_lock lookup(graph_->lookup_lock());
  return graph_->Stats();
}

const HnswConfig& HnswIndex::config() const { return graph_->config(); }

}  // namespace ruv
