// PatternStore: unit embeddings in one block, scanned with the SIMD dot kernel; ranking shared
// with the ADR's stateless matchPatterns (RankMatches).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "ruv/learn.h"
#include "ruv/quant.h"
#include "ruv/vector_ops.h"
#include "simd/int_ops.h"

namespace ruv::learn {

Status ValidatePolicy(const ActivityPolicy& policy) {
  if (!(policy.min_success_rate >= 0.0 && policy.min_success_rate <= 1.0)) {
    return {ErrorCode::kInvalidArgument, "learning: minSuccessRate must be in [0, 1]"};
  }
  return Status::Ok();
}

void RankMatches(const float* similarity, const PatternInfo* const* infos, size_t count,
                 const MatchOptions& options, std::vector<PatternMatch>* out) {
  out->clear();
  for (size_t i = 0; i < count; ++i) {
    const PatternInfo& p = *infos[i];
    if (!p.active || !(options.type_mask & (1u << static_cast<uint32_t>(p.type)))) continue;
    const float raw = similarity[i];
    if (!(raw >= options.threshold)) continue;
    const float score = static_cast<float>(raw * Confidence(p.usage_count, p.success_count));
    out->push_back({static_cast<uint32_t>(i), score, raw});
  }
  auto better = [&](const PatternMatch& x, const PatternMatch& y) {
    if (x.score != y.score) return x.score > y.score;
    return infos[x.slot]->id < infos[y.slot]->id;
  };
  const size_t keep = std::min<size_t>(options.limit, out->size());
  std::partial_sort(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(keep), out->end(), better);
  out->resize(keep);
}

PatternStore::PatternStore(uint32_t dimensions, const ActivityPolicy& policy)
    : dimensions_(dimensions), policy_(policy) {}
PatternStore::~PatternStore() = default;

Status PatternStore::Create(uint32_t dimensions, const ActivityPolicy& policy,
                            std::unique_ptr<PatternStore>* out) {
  if (dimensions == 0 || dimensions > kMaxDimensions) {
    return {ErrorCode::kInvalidArgument, "learning: dimensions must be in [1, 65536]"};
  }
  if (Status s = ValidatePolicy(policy); !s.ok()) return s;
  out->reset(new PatternStore(dimensions, policy));
  return Status::Ok();
}

Status PatternStore::Add(const PatternInfo& info, const float* embedding) {
  if (info.id.empty() || info.id.size() > kMaxIdBytes) {
    return {ErrorCode::kInvalidArgument, "learning: a pattern id must be 1 to 4096 bytes"};
  }
  if (static_cast<uint32_t>(info.type) >= kPatternTypeCount) {
    return {ErrorCode::kInvalidArgument, "learning: unknown pattern type"};
  }
  if (info.success_count > info.usage_count) {
    return {ErrorCode::kInvalidArgument, "learning: successCount cannot exceed usageCount"};
  }
  if (!AllFinite(embedding, dimensions_)) {
    return {ErrorCode::kNonFinite, "learning: the embedding holds NaN or Infinity"};
  }
  std::vector<float> unit(dimensions_);
  Normalize(embedding, dimensions_, unit.data());
  if (Dot(unit.data(), unit.data(), dimensions_) == 0.0f) {
    return {ErrorCode::kInvalidArgument, "learning: a zero embedding has no direction"};
  }
  const int64_t existing = Find(info.id);
  uint32_t slot;
  if (existing >= 0) {
    slot = static_cast<uint32_t>(existing);
  } else {
    slot = static_cast<uint32_t>(infos_.size());
    rows_.resize(rows_.size() + dimensions_);
    codes_.resize(codes_.size() + code_bytes());
    infos_.emplace_back();
    slot_of_.emplace(info.id, slot);
  }
  std::memcpy(rows_.data() + size_t{slot} * dimensions_, unit.data(), dimensions_ * sizeof(float));
  EncodeRow(slot);
  if (index_ != nullptr) {
    if (Status s = index_->Insert(info.id, unit.data()); !s.ok()) index_.reset();  // rebuilt when needed
  }
  const bool was_active = infos_[slot].active;  // a new slot starts active
  infos_[slot] = info;
  infos_[slot].active = was_active;
  SetActive(infos_[slot], policy_.IsActive(info.usage_count, info.success_count));
  return Status::Ok();
}

bool PatternStore::Remove(std::string_view id) {
  const int64_t found = Find(id);
  if (found < 0) return false;
  const auto slot = static_cast<uint32_t>(found);
  const auto last = static_cast<uint32_t>(infos_.size() - 1);
  if (index_ != nullptr) index_->Remove(infos_[slot].id);
  SetActive(infos_[slot], true);  // leaves the inactive count
  slot_of_.erase(infos_[slot].id);
  if (slot != last) {  // the last pattern fills the hole: the block stays dense
    std::memcpy(rows_.data() + size_t{slot} * dimensions_, rows_.data() + size_t{last} * dimensions_,
                dimensions_ * sizeof(float));
    std::memcpy(codes_.data() + slot * code_bytes(), codes_.data() + last * code_bytes(), code_bytes());
    infos_[slot] = std::move(infos_[last]);
    slot_of_[infos_[slot].id] = slot;
  }
  infos_.pop_back();
  rows_.resize(rows_.size() - dimensions_);
  codes_.resize(codes_.size() - code_bytes());
  return true;
}

Status PatternStore::RecordOutcome(std::string_view id, bool success) {
  const int64_t found = Find(id);
  if (found < 0) {
    return {ErrorCode::kInvalidArgument, "learning: no pattern with id '" + std::string(id) + "'"};
  }
  PatternInfo& p = infos_[static_cast<size_t>(found)];
  if (p.usage_count == UINT32_MAX) return {ErrorCode::kInvalidArgument, "learning: usageCount overflow"};
  ++p.usage_count;
  if (success) ++p.success_count;
  SetActive(p, policy_.IsActive(p.usage_count, p.success_count));
  return Status::Ok();
}

void PatternStore::SetActive(PatternInfo& p, bool active) {
  if (p.active != active) {
    if (active) {
      --inactive_;
    } else {
      ++inactive_;
    }
  }
  p.active = active;
}

void PatternStore::EncodeRow(uint32_t slot) {
  QuantConfig qc;  // scalar, per-row range: [f32 min][f32 max][codes]
  // Cannot fail: the row is finite and the output length is QuantizedSize.
  (void)Quantize(embedding(slot), dimensions_, qc, codes_.data() + slot * code_bytes(), code_bytes());
}

int64_t PatternStore::Find(std::string_view id) const {
  const auto it = slot_of_.find(id);
  return it == slot_of_.end() ? -1 : int64_t{it->second};
}

Status PatternStore::Match(const float* query, const MatchOptions& options,
                           std::vector<PatternMatch>* out) const {
  out->clear();
  if (!AllFinite(query, dimensions_)) {
    return {ErrorCode::kNonFinite, "learning: the query holds NaN or Infinity"};
  }
  if (options.adapter != nullptr && options.adapter->dimensions() != dimensions_) {
    return {ErrorCode::kDimensionMismatch, "learning: the adapter's dimensions differ from the store's"};
  }
  if (infos_.empty()) return Status::Ok();
  std::vector<float> q(dimensions_);
  if (options.adapter != nullptr) {
    options.adapter->Apply(query, 1, q.data());
  } else {
    Normalize(query, dimensions_, q.data());
  }
  const size_t n = infos_.size();
  if (hnsw_min_ != 0 && n >= hnsw_min_) {
    std::vector<uint32_t> slots;
    if (Status s = IndexCandidates(q.data(), options, &slots); !s.ok()) return s;
    std::vector<float> sim(slots.size());
    std::vector<const PatternInfo*> infos(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      sim[i] = Dot(q.data(), embedding(slots[i]), dimensions_);
      infos[i] = &infos_[slots[i]];
    }
    RankMatches(sim.data(), infos.data(), infos.size(), options, out);
    for (PatternMatch& m : *out) m.slot = slots[m.slot];
    return Status::Ok();
  }
  if (index_ != nullptr && (hnsw_min_ == 0 || n < hnsw_min_ / 2)) index_.reset();  // scanning again
  std::vector<float> sim(n);
  ScanSimilarities(q.data(), options.threshold, sim.data());
  std::vector<const PatternInfo*> infos(n);
  for (size_t i = 0; i < n; ++i) infos[i] = &infos_[i];
  RankMatches(sim.data(), infos.data(), infos.size(), options, out);
  return Status::Ok();
}

// Cosine (= dot of unit vectors) of q with every row; rows that cannot reach `threshold` may get
// -inf instead (the int8 pre-scan).
void PatternStore::ScanSimilarities(const float* qp, float threshold, float* simp) const {
  const size_t n = infos_.size();
  const size_t d = dimensions_;
  const std::span<const float> q(qp, d);
  float* sim = simp;
  float max_abs = 0;
  for (float x : q) max_abs = std::max(max_abs, std::fabs(x));
  if (n < kInt8ScanMin || max_abs == 0.0f) {
    BatchDistance(q.data(), rows_.data(), n, d, Metric::kDotProduct, sim);
    for (size_t i = 0; i < n; ++i) sim[i] = -sim[i];
  } else {
    // int8 pre-scan. The query is quantized too (q ~ sq * q8, |q8| <= 127) so that each row costs
    // one integer dot over bytes (simd::DotI16U8); the row is r ~ lo + step * code. The estimate
    // sq * (lo * sum(q8) + step * q8 . code) is the exact dot of the two approximations, so
    //   |q . r - estimate| <= |q - sq q8|_2 |r|_2 + sq |q8|_1 * step / 2
    // (r is unit). Rows whose estimate is below threshold - bound cannot match; the others are
    // rescored in f32, so the result is exactly the f32 scan's.
    const float sq = max_abs / 127.0f;
    std::vector<int16_t> q8(d);
    double q8_sum = 0, q8_l1 = 0, err2 = 0;
    for (size_t j = 0; j < d; ++j) {
      const float v = std::nearbyint(q[j] / sq);
      q8[j] = static_cast<int16_t>(std::clamp(v, -127.0f, 127.0f));
      q8_sum += q8[j];
      q8_l1 += std::abs(q8[j]);
      const double e = double{q[j]} - double{sq} * q8[j];
      err2 += e * e;
    }
    const double query_err = std::sqrt(err2) * 1.001;  // |r|_2 is 1 up to rounding
    const float slack = 1e-4f;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* r = codes_.data() + i * code_bytes();
      float lo, hi;
      std::memcpy(&lo, r, 4);
      std::memcpy(&hi, r + 4, 4);
      const double step = (double{hi} - lo) / 255.0;
      const double estimate = sq * (lo * q8_sum + step * simd::DotI16U8(q8.data(), r + 8, d));
      const double bound = query_err + 0.5 * sq * q8_l1 * step + slack;
      sim[i] = estimate >= threshold - bound ? Dot(q.data(), rows_.data() + i * d, d) : -INFINITY;
    }
  }
}

}  // namespace ruv::learn

namespace ruv::learn {

Status PatternStore::BuildIndex() const {
  HnswConfig config;
  config.dimensions = dimensions_;
  config.m = 16;
  config.ef_construction = 100;
  config.ef_search = 64;
  config.metric = Metric::kCosine;
  config.storage = HnswStorage::kInt8;  // rescoring reads the f32 rows: the index only ranks
  std::unique_ptr<HnswIndex> index;
  if (Status s = HnswIndex::Create(config, &index); !s.ok()) return s;
  std::vector<HnswEntry> entries(infos_.size());
  for (size_t i = 0; i < infos_.size(); ++i) entries[i] = {infos_[i].id, embedding(static_cast<uint32_t>(i))};
#if defined(__EMSCRIPTEN__)
  const unsigned threads = 1;  // the wasm module has no threads
#else
  const unsigned threads = 0;
#endif
  if (Status s = index->InsertBatch(entries, threads); !s.ok()) return s;
  index_ = std::move(index);
  return Status::Ok();
}

// Slots of the patterns an HNSW walk finds nearest to q among those that may match (active, of an
// allowed type), enough of them that every one at or above the threshold the walk reaches is in:
// k grows until the farthest found is below the threshold (or everything was taken).
Status PatternStore::IndexCandidates(const float* q, const MatchOptions& options,
                                     std::vector<uint32_t>* slots) const {
  if (index_ == nullptr) {
    if (Status s = BuildIndex(); !s.ok()) return s;
  }
  const HnswFilter allow = [&](std::string_view id) {
    const auto it = slot_of_.find(id);
    if (it == slot_of_.end()) return false;
    const PatternInfo& p = infos_[it->second];
    return p.active && (options.type_mask & (1u << static_cast<uint32_t>(p.type))) != 0;
  };
  // Without anything to exclude the walk needs no filter (a callback per visited node).
  const bool everything_allowed =
      inactive_ == 0 && (options.type_mask & kAllPatternTypes) == kAllPatternTypes;
  size_t k = std::max<size_t>(32, size_t{options.limit} * 4);
  std::vector<HnswSearchHit> hits;
  for (;;) {
    HnswSearchOptions search;
    search.ef = static_cast<uint32_t>(std::min<size_t>(std::max<size_t>(k, 64), UINT32_MAX));
    search.filter = everything_allowed ? nullptr : &allow;
    if (Status s = index_->Search(q, k, search, &hits); !s.ok()) return s;
    if (hits.size() < k || hits.back().score < options.threshold || k >= infos_.size()) break;
    k *= 4;
  }
  slots->clear();
  for (const HnswSearchHit& h : hits) {
    if (h.score < options.threshold - 0.05f) break;  // hits are best first; int8 scores are close
    slots->push_back(slot_of_.at(h.id));
  }
  return Status::Ok();
}

}  // namespace ruv::learn
