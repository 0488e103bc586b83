#include "memory/pending_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "ruv/vector_ops.h"

namespace ruv::memory {

PendingRows::PendingRows(const HnswConfig& config)
    : dim_(config.dimensions),
      metric_(config.metric),
      storage_(config.storage),
      form_(config.dimensions, config.metric, HnswStorage::kFloat32) {}

void PendingRows::Put(std::string_view id, const float* vector) {
  if (auto it = slots_.find(id); it != slots_.end()) {
    std::memcpy(rows_.data() + it->second * dim_, vector, size_t{dim_} * sizeof(float));
    return;
  }
  // Grow both first: a throw leaves the rows as they were.
  ids_.reserve(ids_.size() + 1);
  rows_.resize(rows_.size() + dim_);
  std::string key(id);
  try {
    slots_.emplace(key, ids_.size());
  } catch (...) {
    rows_.resize(rows_.size() - dim_);
    throw;
  }
  std::memcpy(rows_.data() + ids_.size() * dim_, vector, size_t{dim_} * sizeof(float));
  ids_.push_back(std::move(key));
}

void PendingRows::Reserve(size_t count) {
  // Geometric growth: batch after batch, an exact reserve would copy (and rehash) every row so far.
  const size_t want = ids_.size() + count;
  if (want <= ids_.capacity()) return;
  const size_t grown = std::max(want, 2 * ids_.capacity());
  ids_.reserve(grown);
  rows_.reserve(grown * dim_);
  slots_.reserve(grown);
}

bool PendingRows::Erase(std::string_view id) {
  const auto it = slots_.find(id);
  if (it == slots_.end()) return false;
  const size_t at = it->second;
  const size_t last = ids_.size() - 1;
  slots_.erase(it);
  if (at != last) {
    std::memcpy(rows_.data() + at * dim_, rows_.data() + last * dim_, size_t{dim_} * sizeof(float));
    ids_[at] = std::move(ids_[last]);
    slots_.find(ids_[at])->second = at;
  }
  ids_.pop_back();
  rows_.resize(last * dim_);
  if (ids_.empty()) Release();
  return true;
}

void PendingRows::Release() {
  // Drained (the linker linked them all): the rows' memory, up to maxPending rows' worth, goes back.
  std::vector<float>().swap(rows_);
  std::vector<std::string>().swap(ids_);
  decltype(slots_)().swap(slots_);
}

bool PendingRows::GetVector(std::string_view id, float* out) const {
  const auto it = slots_.find(id);
  if (it == slots_.end()) return false;
  // The row as the index would store it: prepared, then coded (a one-row store of its storage).
  hnsw::VectorStore one(dim_, metric_, storage_);
  one.Reserve(1);
  std::vector<float> prepared(dim_);
  one.PrepareInto(RowAt(it->second), prepared.data());
  one.Set(0, prepared.data());
  const hnsw::Query q = one.RowQuery(0, out);
  if (q.v != out) std::memcpy(out, q.v, size_t{dim_} * sizeof(float));
  return true;
}

float PendingRows::Ordering(const float* prepared_query, size_t i, float* scratch) const {
  const float* q = prepared_query;
  const float* r = RowAt(i);
  float d = 0.0f;
  switch (metric_) {
    case Metric::kCosine:
      form_.PrepareInto(r, scratch);  // normalized as the index stores it
      d = 1.0f - Dot(q, scratch, dim_);
      break;
    case Metric::kEuclidean:
      d = SquaredL2(q, r, dim_);
      break;
    default:
      d = -Dot(q, r, dim_);
  }
  return std::isnan(d) ? INFINITY : d;
}

void PendingRows::Search(const float* query, size_t k, const std::function<bool(std::string_view)>* allow,
                         std::vector<HnswSearchHit>* out) const {
  out->clear();
  if (k == 0 || ids_.empty()) return;
  std::vector<float> prepared(dim_), scratch(dim_);
  form_.PrepareInto(query, prepared.data());
  std::vector<std::pair<float, size_t>> ranked;
  ranked.reserve(ids_.size());
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (allow != nullptr && !(*allow)(ids_[i])) continue;
    ranked.emplace_back(Ordering(prepared.data(), i, scratch.data()), i);
  }
  const size_t n = std::min(k, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end());
  out->reserve(n);
  for (size_t j = 0; j < n; ++j) {
    const auto [ordering, i] = ranked[j];
    out->push_back({ids_[i], form_.Score(ordering), form_.MetricDistance(ordering)});
  }
}

bool PendingRows::Score(const float* query, std::string_view id, HnswSearchHit* out) const {
  const auto it = slots_.find(id);
  if (it == slots_.end()) return false;
  std::vector<float> prepared(dim_), scratch(dim_);
  form_.PrepareInto(query, prepared.data());
  const float ordering = Ordering(prepared.data(), it->second, scratch.data());
  *out = {ids_[it->second], form_.Score(ordering), form_.MetricDistance(ordering)};
  return true;
}

}  // namespace ruv::memory
