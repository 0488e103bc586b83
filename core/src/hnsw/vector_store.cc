#include "vector_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#if !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

#include "quant/quant_kernels.h"
#include "ruv/quant.h"
#include "simd/int_ops.h"

namespace ruv::hnsw {
namespace {

constexpr size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }
constexpr size_t kHugePage = size_t{2} << 20;

float RangeMin(const uint8_t* row) {
  float v;
  std::memcpy(&v, row, 4);
  return v;
}
float RangeMax(const uint8_t* row) {
  float v;
  std::memcpy(&v, row + 4, 4);
  return v;
}

}  // namespace

VectorStore::VectorStore(uint32_t dim, Metric metric, HnswStorage storage)
    : dim_(dim), metric_(metric), storage_(storage) {
  if (storage_ == HnswStorage::kFloat32) {
    row_bytes_ = size_t{dim} * sizeof(float);
    stride_ = RoundUp(row_bytes_, 64);
  } else {
    row_bytes_ = 8 + size_t{dim};
    stride_ = RoundUp(row_bytes_, 8);
    if (metric_ == Metric::kEuclidean) aux_row_.resize(dim);
  }
}

void VectorStore::Reserve(size_t slots, Fill fill) {
  if (slots <= capacity_) return;
  // Rows of 8 MiB and more start on a 2 MiB boundary, where page faults are worth avoiding: in a
  // VM, faulting in 150 MB of rows 4 KiB at a time (~37,000 faults) was a third of loading a
  // 100k-vector snapshot. Elsewhere the alignment costs nothing.
  const size_t align = slots * stride_ >= 4 * kHugePage ? kHugePage : 64;
  const size_t bytes = RoundUp(slots * stride_, align);
  // operator new (not aligned_alloc): it throws std::bad_alloc itself, and tests can make it fail.
  AlignedArray<uint8_t> fresh = AllocateAligned<uint8_t>(bytes, align);
  uint8_t* p = fresh.get();
#if defined(MADV_HUGEPAGE) && !defined(__EMSCRIPTEN__)
  // Rows filled now (a load) are faulted in with one call (Linux >= 5.14; where that is refused,
  // the huge-page advice is given instead). Rows that inserts fill later are advised as
  // transparent huge pages (their usual "madvise" mode): ~75 faults for 150 MB, spread over the
  // inserts. Not both: a huge page is made on its fault by compacting memory when none is free,
  // which stalled loads of 100k vectors here for up to a second (p90 0.58 s against p50 0.18 s);
  // prefaulted 4 KiB pages load in 0.20 s with a p90 of 0.22 s. Advice only: failure is harmless.
  if (align == kHugePage) {
    bool prefaulted = false;
#if defined(MADV_POPULATE_WRITE)
    prefaulted = fill == Fill::kNow && ::madvise(p, RoundUp(slots * stride_, 4096), MADV_POPULATE_WRITE) == 0;
#endif
    if (!prefaulted) ::madvise(p, bytes, MADV_HUGEPAGE);
  }
#endif
  (void)fill;  // (only a hint where there are no such calls)
  if (capacity_ > 0) std::memcpy(p, data_.get(), capacity_ * stride_);
  // The new rows are left unwritten: a row is read only once Set or LoadRow wrote it (a slot is
  // live, or free after it was), and untouched pages cost no memory. Zeroing them was a fifth of
  // loading a 100k-vector snapshot (the memset and its page faults).
  if (storage_ == HnswStorage::kInt8 && metric_ == Metric::kEuclidean) aux_.resize(slots, 0.0f);
  data_ = std::move(fresh);
  capacity_ = slots;
}

Query VectorStore::PrepareInto(const float* v, float* out) const {
  if (metric_ == Metric::kCosine) {
    Normalize(v, dim_, out);
  } else if (out != v) {
    std::memcpy(out, v, size_t{dim_} * sizeof(float));
  }
  Query q;
  q.v = out;
  if (storage_ == HnswStorage::kInt8) {
    float sum = 0.0f;
    for (uint32_t i = 0; i < dim_; ++i) sum += out[i];
    q.sum = sum;
    q.norm2 = Dot(out, out, dim_);
  }
  return q;
}

Query VectorStore::RowQuery(uint32_t slot, float* buf) const {
  if (storage_ == HnswStorage::kFloat32) {
    Query q;
    q.v = reinterpret_cast<const float*>(row(slot));
    return q;
  }
  const uint8_t* r = row(slot);
  const float lo = RangeMin(r);
  const float step = (RangeMax(r) - lo) / 255.0f;
  const uint8_t* codes = r + 8;
  // SIMD decode, bit-identical to lo + code * step in two rounded operations (no FMA).
  quant::AffineDecode(codes, dim_, lo, step, buf);
  Query q;
  q.v = buf;
  float sum = 0.0f;
  for (uint32_t i = 0; i < dim_; ++i) sum += buf[i];
  q.sum = sum;
  q.norm2 = Dot(buf, buf, dim_);
  return q;
}

namespace {

constexpr double kFloatMax = 3.4028234663852886e38;

// Sum of squares in double: the same value the js twin computes, so both draw the line alike.
double SquaredLength(const float* v, uint32_t dim) {
  double s = 0.0;
  for (uint32_t i = 0; i < dim; ++i) s += double{v[i]} * v[i];
  return s;
}

}  // namespace

Status VectorStore::CheckStorable(const float* v) const {
  // Cosine rows are stored normalized (range <= 2, length 1): always codable. Other rows are
  // stored as given, so `v` itself is what int8 must hold (no prepared copy needed).
  if (storage_ != HnswStorage::kInt8 || metric_ == Metric::kCosine) return Status::Ok();
  float lo = 0.0f, hi = 0.0f;
  if (!quant::FiniteMinMax(v, dim_, &lo, &hi) || !std::isfinite(hi - lo)) {
    return {ErrorCode::kInvalidArgument,
            "hnsw: int8 storage cannot code this vector: its value range overflows float32"};
  }
  if (!(SquaredLength(v, dim_) <= kFloatMax)) {
    return {ErrorCode::kInvalidArgument,
            "hnsw: int8 storage cannot code this vector: its squared length overflows float32"};
  }
  return Status::Ok();
}

void VectorStore::Set(uint32_t slot, const float* prepared) {
  if (storage_ == HnswStorage::kFloat32) {
    std::memcpy(mutable_row(slot), prepared, row_bytes_);
    return;
  }
  QuantConfig qc;  // scalar, per-vector range
  // Cannot fail: the input is finite and the output length matches QuantizedSize.
  (void)Quantize(prepared, dim_, qc, mutable_row(slot), row_bytes_);
  UpdateAux(slot);
}

void VectorStore::UpdateAux(uint32_t slot) {
  if (aux_.empty()) return;
  aux_[slot] = RowQuery(slot, aux_row_.data()).norm2;
}

bool VectorStore::LoadRow(uint32_t slot, const uint8_t* bytes) {
  if (storage_ == HnswStorage::kFloat32) {
    std::memcpy(mutable_row(slot), bytes, row_bytes_);  // little-endian hosts only (x86, arm, wasm)
    const auto* r = reinterpret_cast<const float*>(row(slot));
    return AllFinite(r, dim_) && LoadedLengthIsValid(r);
  }
  const float lo = RangeMin(bytes);
  const float hi = RangeMax(bytes);
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= hi) || !std::isfinite(hi - lo)) return false;
  std::memcpy(mutable_row(slot), bytes, row_bytes_);
  // What CheckStorable refuses on insert is refused in bytes too; cosine rows are unit (or zero).
  // One decode serves the check and the euclidean |v|^2 (UpdateAux's value).
  std::vector<float> decoded(dim_);
  const Query q = RowQuery(slot, decoded.data());
  if (!RowLengthIsValid(SquaredLength(decoded.data(), dim_))) return false;
  if (!aux_.empty()) aux_[slot] = q.norm2;
  return true;
}

bool VectorStore::LoadedLengthIsValid(const float* r) const {
  // A SIMD float sum of squares settles the clear cases (its relative error, at most dim x 2^-24,
  // is far inside both margins); the double sum, the one the js twin computes, settles the rest.
  // The double sum alone was a sixth of loading 100k 384-d rows.
  const float fast = Dot(r, r, dim_);
  if (metric_ == Metric::kCosine ? std::fabs(fast - 1.0f) <= 0.5e-3f : fast <= 1e37f) return true;
  return RowLengthIsValid(SquaredLength(r, dim_));
}

bool VectorStore::RowLengthIsValid(double squared_length) const {
  if (!(squared_length <= kFloatMax)) return false;
  if (metric_ != Metric::kCosine || squared_length == 0.0) return true;
  // Rows were normalized on insert: float32 rows within rounding, int8 rows within their coding
  // error (at most half a step per element).
  const double slack = storage_ == HnswStorage::kInt8 ? 0.25 : 1e-3;
  return std::fabs(squared_length - 1.0) <= slack;
}

float VectorStore::Distance(const Query& q, uint32_t slot) const {
  float d;
  if (storage_ == HnswStorage::kFloat32) {
    const float* r = reinterpret_cast<const float*>(row(slot));
    switch (metric_) {
      case Metric::kCosine:
        d = 1.0f - Dot(q.v, r, dim_);
        break;
      case Metric::kEuclidean:
        d = SquaredL2(q.v, r, dim_);
        break;
      default:
        d = -Dot(q.v, r, dim_);
        break;
    }
  } else {
    const uint8_t* r = row(slot);
    const float lo = RangeMin(r);
    const float step = (RangeMax(r) - lo) / 255.0f;
    const float dot = lo * q.sum + step * simd::DotF32U8(q.v, r + 8, dim_);
    switch (metric_) {
      case Metric::kCosine:
        d = 1.0f - dot;
        break;
      case Metric::kEuclidean:
        d = std::max(0.0f, q.norm2 - 2.0f * dot + aux_[slot]);
        break;
      default:
        d = -dot;
        break;
    }
  }
  return d != d ? std::numeric_limits<float>::infinity() : d;
}

float VectorStore::MetricDistance(float ordering) const {
  return metric_ == Metric::kEuclidean ? std::sqrt(ordering) : ordering;
}

float VectorStore::Score(float ordering) const {
  switch (metric_) {
    case Metric::kCosine:
      return 1.0f - ordering;
    case Metric::kEuclidean:
      return -std::sqrt(ordering);
    default:
      return -ordering;
  }
}

}  // namespace ruv::hnsw
