#include "embed/model/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "embed/model/bert_tensors.h"

namespace ruv::embed {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// The reference implementation refuses headers over 100 MB; so do we (and before parsing).
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

Status Corrupt(const std::string& what) { return {ErrorCode::kCorruptData, "model.safetensors: " + what}; }

size_t DtypeSize(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

// Reads a non-negative JSON integer no larger than `max` (type checked first: no exceptions).
bool ReadCount(const nlohmann::json& v, uint64_t max, uint64_t* out) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) return false;
  *out = v.get<uint64_t>();
  return *out <= max;
}

// base: the data's first byte in memory, or null (a ByteSource); data_start: its offset in the file.
Status ParseEntry(const std::string& name, const nlohmann::json& e, const uint8_t* base, uint64_t data_start,
                  uint64_t data_size, SafetensorsTensor* t) {
  if (!e.is_object()) return Corrupt("entry " + name + " is not an object");
  const auto dtype = e.find("dtype"), shape = e.find("shape"), offsets = e.find("data_offsets");
  if (dtype == e.end() || !dtype->is_string()) return Corrupt("tensor " + name + " has no dtype");
  if (shape == e.end() || !shape->is_array()) return Corrupt("tensor " + name + " has no shape");
  if (offsets == e.end() || !offsets->is_array() || offsets->size() != 2) {
    return Corrupt("tensor " + name + " has no data_offsets pair");
  }
  t->dtype = dtype->get<std::string>();
  const size_t elem = DtypeSize(t->dtype);
  if (elem == 0) return {ErrorCode::kModelLoadFailed, "tensor " + name + " has unknown dtype " + t->dtype};
  uint64_t begin = 0, end = 0;
  if (!ReadCount((*offsets)[0], data_size, &begin) || !ReadCount((*offsets)[1], data_size, &end)) {
    return Corrupt("tensor " + name + ": data_offsets outside the file");
  }
  if (begin > end) return Corrupt("tensor " + name + ": data_offsets run backwards");
  // The element count must equal the byte range / dtype size; each dimension is bounded by the
  // data size so the running product cannot overflow before it is compared.
  uint64_t count = 1;
  if (shape->size() > 8) return Corrupt("tensor " + name + " has more than 8 dimensions");
  for (const auto& d : *shape) {
    uint64_t dim = 0;
    if (!ReadCount(d, data_size, &dim)) return Corrupt("tensor " + name + " has a bad dimension");
    count = dim == 0 ? 0 : count * dim;
    if (count > data_size) return Corrupt("tensor " + name + " is larger than the file");
    t->shape.push_back(static_cast<int64_t>(dim));
  }
  if (count * elem != end - begin) return Corrupt("tensor " + name + ": shape and data_offsets disagree");
  t->data = base == nullptr ? nullptr : base + begin;
  t->offset = data_start + begin;
  t->size = static_cast<size_t>(end - begin);
  return Status::Ok();
}

// A view of a float tensor's bytes (decoded when the encoder reads it), in memory or in `source`.
Status ToWeight(const std::string& name, const SafetensorsTensor& t, const ByteSource* source, Weight* out) {
  WeightBytes b;
  b.data = t.data;
  b.source = source;
  b.offset = t.offset;
  if (t.dtype == "F32") {
    b.type = WeightBytes::Type::kF32;
  } else if (t.dtype == "F16") {
    b.type = WeightBytes::Type::kF16;
  } else if (t.dtype == "BF16") {
    b.type = WeightBytes::Type::kBF16;
  } else {
    return {ErrorCode::kModelLoadFailed, "tensor " + name + " has dtype " + t.dtype + ", not a float type"};
  }
  b.cols = t.shape.empty() ? 1 : static_cast<size_t>(t.shape.back());
  b.rows = b.cols == 0 ? 0 : t.size / DtypeSize(t.dtype) / b.cols;
  *out = Weight::View(b);
  return Status::Ok();
}

// The header's length (the file's first 8 bytes, `head`), checked against the file's size.
Status HeaderLength(const uint8_t* head, uint64_t size, uint64_t* header_len) {
  if (size < 8) return Corrupt("shorter than its 8-byte header length");
  std::memcpy(header_len, head, 8);
  if (*header_len > size - 8 || *header_len > kMaxHeaderBytes)
    return Corrupt("header length beyond the file");
  return Status::Ok();
}

// Parses a file of `size` bytes whose first 8 + header length bytes are `head`; `data` is the
// whole file in memory, or null (read from a ByteSource).
Status ParseHeader(const uint8_t* head, uint64_t size, const uint8_t* data,
                   std::map<std::string, SafetensorsTensor>* out) {
  out->clear();
  uint64_t header_len;
  if (Status s = HeaderLength(head, size, &header_len); !s.ok()) return s;
  const char* text = reinterpret_cast<const char*>(head + 8);
  const nlohmann::json header =
      nlohmann::json::parse(text, text + header_len, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return Corrupt("header is not a JSON object");
  const uint64_t data_start = 8 + header_len, data_size = size - data_start;
  const uint8_t* base = data == nullptr ? nullptr : data + data_start;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    SafetensorsTensor t;
    Status s = ParseEntry(it.key(), it.value(), base, data_start, data_size, &t);
    if (!s.ok()) return s;
    ranges.emplace_back(t.offset, t.offset + t.size);
    (*out)[it.key()] = std::move(t);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) return Corrupt("tensors' data ranges overlap");
  }
  return Status::Ok();
}

// The BERT weights of parsed `tensors` of a file of `size` bytes, views of its bytes in memory or
// in `source`.
Status BertWeightsOf(const std::map<std::string, SafetensorsTensor>& tensors, uint64_t size,
                     const ByteSource* source, const BertConfig& config, BertWeights* out) {
  // 2 bytes per value at least (F16/BF16): a config implying more than the file holds fails
  // here, before any tensor is allocated.
  Status s;
  if (BertWeightFloats(config) > size / 2) {
    return {ErrorCode::kModelLoadFailed, "config.json implies more weights than model.safetensors holds"};
  }
  const std::string prefix = tensors.count("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  BertWeights w;
  for (const BertTensorSlot& slot : BertTensorSlots(config, &w)) {
    const auto it = tensors.find(prefix + slot.name);
    if (it == tensors.end())
      return {ErrorCode::kModelLoadFailed, "model.safetensors has no tensor " + prefix + slot.name};
    if (it->second.shape != slot.shape) {
      std::string want;
      for (int64_t d : slot.shape) want += (want.empty() ? "" : ",") + std::to_string(d);
      return {ErrorCode::kModelLoadFailed,
              "tensor " + it->first + " does not have the shape [" + want + "] config.json implies"};
    }
    if (!(s = ToWeight(it->first, it->second, source, slot.dst)).ok()) return s;
  }
  if (!(s = CheckBertWeights(config, w)).ok()) return s;
  *out = std::move(w);
  return Status::Ok();
}

}  // namespace

Status ParseSafetensors(const uint8_t* data, size_t size, std::map<std::string, SafetensorsTensor>* out) {
  return ParseHeader(data, size, data, out);
}

Status LoadBertSafetensors(const uint8_t* data, size_t size, const BertConfig& config, BertWeights* out) {
  std::map<std::string, SafetensorsTensor> tensors;
  if (Status s = ParseSafetensors(data, size, &tensors); !s.ok()) return s;
  return BertWeightsOf(tensors, size, nullptr, config, out);
}

Status LoadBertSafetensors(const ByteSource& source, const BertConfig& config, BertWeights* out) {
  auto unreadable = [] { return Corrupt("the file could not be read"); };
  std::vector<uint8_t> head(8);
  if (source.size >= 8 && !source.read(0, 8, head.data())) return unreadable();
  uint64_t header_len;
  if (Status s = HeaderLength(head.data(), source.size, &header_len); !s.ok()) return s;
  head.resize(8 + header_len);  // <= 100 MB and <= the file (checked)
  if (header_len > 0 && !source.read(8, header_len, head.data() + 8)) return unreadable();
  std::map<std::string, SafetensorsTensor> tensors;
  if (Status s = ParseHeader(head.data(), source.size, nullptr, &tensors); !s.ok()) return s;
  return BertWeightsOf(tensors, source.size, &source, config, out);
}

}  // namespace ruv::embed
