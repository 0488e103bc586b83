// The serialized forms of the learning module (FORMAT.md beside this file): little-endian,
// versioned, CRC-32 closed. Loading checks every count against the bytes that remain before
// allocating, so memory stays proportional to the input.
#include <cmath>
#include <cstring>
#include <string>

#include "common/byte_io.h"
#include "common/crc32.h"
#include "common/utf8.h"
#include "ruv/learn.h"
#include "ruv/vector_ops.h"

namespace ruv::learn {
namespace {

constexpr uint8_t kLoraMagic[8] = {'R', 'U', 'V', 'L', 'O', 'R', 'A', 0};
constexpr uint8_t kFisherMagic[8] = {'R', 'U', 'V', 'F', 'I', 'S', 'H', 0};
constexpr uint8_t kPatternsMagic[8] = {'R', 'U', 'V', 'P', 'A', 'T', 'S', 0};
constexpr uint32_t kVersion = 1;

Status Corrupt(const char* kind, const std::string& what) {
  return {ErrorCode::kCorruptData, std::string("learning: corrupt ") + kind + ": " + what};
}

void Begin(ByteWriter* w, const uint8_t* magic) {
  w->Bytes(magic, 8);
  w->U32(kVersion);
}

void Close(std::vector<uint8_t>* out) {
  ByteWriter w(out);
  w.U32(Crc32(out->data(), out->size()));
}

// Checks magic, version and checksum; leaves `r` on the payload (without the CRC).
Status Open(const uint8_t* data, size_t size, const uint8_t* magic, const char* kind, ByteReader* r) {
  if (data == nullptr || size < 8 + 4 + 4) return Corrupt(kind, "too short");
  if (std::memcmp(data, magic, 8) != 0) return Corrupt(kind, "wrong magic (not this kind of blob)");
  uint32_t version;
  std::memcpy(&version, data + 8, 4);
  if (version != kVersion) return Corrupt(kind, "unsupported version " + std::to_string(version));
  uint32_t crc;
  std::memcpy(&crc, data + size - 4, 4);
  if (Crc32(data, size - 4) != crc) return Corrupt(kind, "checksum mismatch");
  *r = ByteReader(data + 12, size - 16);
  return Status::Ok();
}

void WriteLora(ByteWriter* w, const LoraWeights& lora) {
  w->U32(lora.dimensions());
  w->U32(lora.rank());
  w->F32(lora.alpha());
  w->Bytes(lora.params().data(), lora.params().size() * sizeof(float));
}

Status ReadLora(ByteReader* r, const char* kind, LoraWeights* out) {
  uint32_t dims, rank;
  float alpha;
  if (!r->U32(&dims) || !r->U32(&rank) || !r->F32(&alpha)) return Corrupt(kind, "truncated adapter header");
  LoraWeights w;
  if (!LoraWeights::Create(dims, rank, alpha, 0, &w).ok()) return Corrupt(kind, "adapter shape out of range");
  const size_t bytes = w.params().size() * sizeof(float);
  const uint8_t* p;
  if (!r->Bytes(bytes, &p)) return Corrupt(kind, "truncated adapter parameters");
  std::memcpy(w.params().data(), p, bytes);
  if (!AllFinite(w.params().data(), w.params().size())) return Corrupt(kind, "non-finite adapter parameter");
  *out = std::move(w);
  return Status::Ok();
}

bool ReadString(ByteReader* r, size_t max, std::string* out) {
  uint32_t len;
  const uint8_t* p;
  if (!r->U32(&len) || len > max || !r->Bytes(len, &p)) return false;
  out->assign(reinterpret_cast<const char*>(p), len);
  return IsValidUtf8(*out);
}

}  // namespace

void LoraWeights::Serialize(std::vector<uint8_t>* out) const {
  out->clear();
  ByteWriter w(out);
  Begin(&w, kLoraMagic);
  WriteLora(&w, *this);
  Close(out);
}

Status LoraWeights::Deserialize(const uint8_t* data, size_t size, LoraWeights* out) {
  ByteReader r(nullptr, 0);
  if (Status s = Open(data, size, kLoraMagic, "adapter", &r); !s.ok()) return s;
  if (Status s = ReadLora(&r, "adapter", out); !s.ok()) return s;
  if (r.remaining() != 0) return Corrupt("adapter", "trailing bytes");
  return Status::Ok();
}

void Fisher::Serialize(std::vector<uint8_t>* out) const {
  out->clear();
  ByteWriter w(out);
  Begin(&w, kFisherMagic);
  WriteLora(&w, anchor_);
  w.Bytes(values_.data(), values_.size() * sizeof(float));
  Close(out);
}

Status Fisher::Deserialize(const uint8_t* data, size_t size, Fisher* out) {
  ByteReader r(nullptr, 0);
  if (Status s = Open(data, size, kFisherMagic, "fisher", &r); !s.ok()) return s;
  Fisher f;
  if (Status s = ReadLora(&r, "fisher", &f.anchor_); !s.ok()) return s;
  const size_t bytes = f.anchor_.params().size() * sizeof(float);
  const uint8_t* p;
  if (r.remaining() != bytes || !r.Bytes(bytes, &p))
    return Corrupt("fisher", "values do not match the adapter");
  f.values_.resize(f.anchor_.params().size());
  std::memcpy(f.values_.data(), p, bytes);
  for (float v : f.values_) {
    if (!std::isfinite(v) || v < 0.0f) return Corrupt("fisher", "a value is negative or not finite");
  }
  *out = std::move(f);
  return Status::Ok();
}

void PatternStore::Serialize(std::vector<uint8_t>* out) const {
  out->clear();
  ByteWriter w(out);
  Begin(&w, kPatternsMagic);
  w.U32(dimensions_);
  w.U32(policy_.min_uses);
  uint64_t rate_bits;
  std::memcpy(&rate_bits, &policy_.min_success_rate, 8);
  w.U64(rate_bits);
  w.U32(static_cast<uint32_t>(infos_.size()));
  for (size_t i = 0; i < infos_.size(); ++i) {
    const PatternInfo& p = infos_[i];
    w.U8(static_cast<uint8_t>(p.type));
    w.U32(p.usage_count);
    w.U32(p.success_count);
    w.U32(static_cast<uint32_t>(p.id.size()));
    w.Bytes(p.id.data(), p.id.size());
    w.U32(static_cast<uint32_t>(p.metadata.size()));
    w.Bytes(p.metadata.data(), p.metadata.size());
    w.Bytes(embedding(static_cast<uint32_t>(i)), size_t{dimensions_} * sizeof(float));
  }
  Close(out);
}

Status PatternStore::Deserialize(const uint8_t* data, size_t size, std::unique_ptr<PatternStore>* out) {
  constexpr const char* kKind = "pattern store";
  ByteReader r(nullptr, 0);
  if (Status s = Open(data, size, kPatternsMagic, kKind, &r); !s.ok()) return s;
  uint32_t dims, min_uses, count;
  uint64_t rate_bits;
  if (!r.U32(&dims) || !r.U32(&min_uses) || !r.U64(&rate_bits) || !r.U32(&count)) {
    return Corrupt(kKind, "truncated header");
  }
  ActivityPolicy policy;
  policy.min_uses = min_uses;
  std::memcpy(&policy.min_success_rate, &rate_bits, 8);
  std::unique_ptr<PatternStore> store;
  if (!Create(dims, policy, &store).ok()) return Corrupt(kKind, "dimensions or policy out of range");
  // Each record is at least 1 + 4 * 4 bytes plus its row: reject counts the bytes cannot hold.
  const size_t min_record = 17 + size_t{dims} * sizeof(float);
  if (count > r.remaining() / min_record) return Corrupt(kKind, "count larger than the bytes hold");
  store->rows_.reserve(size_t{count} * dims);
  store->infos_.reserve(count);
  std::vector<float> row(dims);
  for (uint32_t i = 0; i < count; ++i) {
    PatternInfo p;
    uint8_t type;
    if (!r.U8(&type) || !r.U32(&p.usage_count) || !r.U32(&p.success_count))
      return Corrupt(kKind, "truncated pattern");
    if (type >= kPatternTypeCount) return Corrupt(kKind, "unknown pattern type");
    p.type = static_cast<PatternType>(type);
    if (!ReadString(&r, kMaxIdBytes, &p.id) || p.id.empty()) return Corrupt(kKind, "bad pattern id");
    if (!ReadString(&r, r.remaining(), &p.metadata)) return Corrupt(kKind, "bad pattern metadata");
    const uint8_t* bytes;
    if (!r.Bytes(row.size() * sizeof(float), &bytes)) return Corrupt(kKind, "truncated embedding");
    std::memcpy(row.data(), bytes, row.size() * sizeof(float));
    if (store->Find(p.id) >= 0) return Corrupt(kKind, "duplicate pattern id");
    // Stored rows are unit: anything else was not written by Serialize.
    if (!AllFinite(row.data(), dims)) return Corrupt(kKind, "non-finite embedding");
    const double norm2 = Dot(row.data(), row.data(), dims);
    if (!(std::fabs(norm2 - 1.0) <= 1e-3)) return Corrupt(kKind, "embedding is not unit length");
    if (Status s = store->Add(p, row.data()); !s.ok()) return Corrupt(kKind, s.message());
    // Keep the row's exact bytes (Add renormalized it): loading then saving gives the same blob.
    std::memcpy(store->rows_.data() + size_t{i} * dims, row.data(), row.size() * sizeof(float));
    store->EncodeRow(i);
  }
  if (r.remaining() != 0) return Corrupt(kKind, "trailing bytes");
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace ruv::learn
