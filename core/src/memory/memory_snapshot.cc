// Memory::Serialize / Memory::Deserialize: the snapshot format of core/src/memory/FORMAT.md.
// Deserialize reads untrusted bytes: every length is checked against what is left before it is
// used, the CRC is checked before anything is parsed, and the records must name exactly the
// index's entries. Nothing it allocates exceeds a small multiple of the input size.
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/byte_io.h"
#include "common/crc32.h"
#include "common/utf8.h"
#include "memory/memory.h"

namespace ruv::memory {

namespace {

constexpr uint8_t kMagic[8] = {'R', 'U', 'V', 'M', 'E', 'M', 0, 0};
// Version 1 has no pending section; it is still written when there are no pending rows, so a
// memory with none is the bytes every earlier reader loads.
constexpr uint32_t kVersion = 1;
constexpr uint32_t kVersionWithPending = 2;
// magic, version, header_len, index_len, count, crc
constexpr size_t kMinBytes = 8 + 4 + 4 + 8 + 8 + 4;
// From this size on, the records are read on a thread beside the index's load (below it a
// thread costs more than it saves: a few thousand 384-d memories).
constexpr size_t kLoadBesideBytes = size_t{4} << 20;

Status Corrupt(const std::string& what) { return {ErrorCode::kCorruptData, "memory snapshot: " + what}; }

// A u32-length-prefixed UTF-8 string.
bool ReadString(ByteReader* r, std::string_view* out) {
  uint32_t len = 0;
  const uint8_t* p = nullptr;
  if (!r->U32(&len) || !r->Bytes(len, &p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p), len);
  return true;
}

void WriteString(ByteWriter* w, std::string_view s) {
  w->U32(static_cast<uint32_t>(s.size()));
  w->Bytes(s.data(), s.size());
}

// The records section: a count, then (id, text, metadata) each. Ids are distinct and non-empty,
// texts UTF-8, metadata JSON objects; whether the index holds each id is checked by the caller.
Status ReadRecords(ByteReader* r, RecordStore* out) {
  uint64_t count = 0;
  if (!r->U64(&count)) return Corrupt("truncated record count");
  if (count > r->remaining() / 12) return Corrupt("more records than bytes hold");
  out->Reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view id, text, meta;
    if (!ReadString(r, &id) || !ReadString(r, &text) || !ReadString(r, &meta)) {
      return Corrupt("truncated record " + std::to_string(i));
    }
    if (!IsValidUtf8(text)) return Corrupt("record " + std::to_string(i) + ": text is not valid UTF-8");
    if (id.empty()) return Corrupt("record " + std::to_string(i) + ": its id is not in the index");
    Json metadata;
    if (Status s = ParseMetadata(meta, &metadata); !s.ok()) {
      return Corrupt("record " + std::to_string(i) + ": " + s.message());
    }
    if (Status s = out->PutParsed(id, text, std::move(metadata)); !s.ok()) return Corrupt(s.message());
    // (A put of an id already there replaces it: the count tells.)
    if (out->size() != i + 1) return Corrupt("record " + std::to_string(i) + ": a duplicate id");
  }
  if (r->remaining() != 0) return Corrupt("bytes after the last record");
  return Status::Ok();
}

// The pending section (version 2): rows logged but not yet linked into the graph.
struct PendingSection {
  uint32_t dimensions = 0;
  std::vector<std::string_view> ids;  // into the snapshot's bytes
  std::vector<float> rows;            // ids.size() x dimensions, copied out (the bytes are unaligned)
};

Status ReadPending(ByteReader* r, PendingSection* out) {
  uint64_t count = 0;
  if (!r->U64(&count) || !r->U32(&out->dimensions)) return Corrupt("truncated pending rows");
  if (out->dimensions < 1 || out->dimensions > 65536) return Corrupt("pending rows of impossible dimensions");
  const size_t row_bytes = size_t{out->dimensions} * sizeof(float);
  if (count == 0 || count > r->remaining() / (4 + row_bytes))
    return Corrupt("more pending rows than bytes hold");
  try {
    out->ids.reserve(count);
    out->rows.resize(count * out->dimensions);
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOutOfMemory, "memory: out of memory loading a snapshot"};
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view id;
    const uint8_t* row = nullptr;
    if (!ReadString(r, &id) || !r->Bytes(row_bytes, &row))
      return Corrupt("truncated pending row " + std::to_string(i));
    out->ids.push_back(id);
    std::memcpy(out->rows.data() + i * out->dimensions, row, row_bytes);
  }
  return Status::Ok();
}

// Runs `beside` on a new thread while `here` runs on this one; false, having run neither, where
// no thread can be started (as in hnsw_parallel.cc: a wasm build without threads refuses it with
// std::system_error). Neither may throw.
template <typename Beside, typename Here>
bool RunBeside(Beside& beside, Here& here) {
  std::thread thread;
  try {
    thread = std::thread(std::ref(beside));
  } catch (const std::system_error&) {
    return false;
  }
  here();
  thread.join();
  return true;
}

}  // namespace

Status Memory::Serialize(std::string_view header, std::vector<uint8_t>* out) const {
  if (header.size() > kMaxSnapshotHeader) {
    return {ErrorCode::kInvalidArgument,
            "the snapshot header is longer than " + std::to_string(kMaxSnapshotHeader) + " bytes"};
  }
  std::shared_lock lock(mu_);
  WaitForLinking(lock);  // no id in both the graph and the pending rows
  std::vector<uint8_t> index;
  if (Status s = index_->Serialize(&index); !s.ok()) return s;
  try {
    out->clear();
    ByteWriter w(out);
    w.Bytes(kMagic, sizeof(kMagic));
    w.U32(pending_.size() == 0 ? kVersion : kVersionWithPending);
    WriteString(&w, header);
    if (pending_.size() != 0) {
      const uint32_t dim = pending_.dimensions();
      w.U64(pending_.size());
      w.U32(dim);
      for (size_t i = 0; i < pending_.size(); ++i) {
        WriteString(&w, pending_.IdAt(i));
        w.Bytes(pending_.RowAt(i), size_t{dim} * sizeof(float));
      }
    }
    w.U64(index.size());
    w.Bytes(index.data(), index.size());
    w.U64(records_.size());
    for (size_t i = 0; i < records_.size(); ++i) {
      const MemoryRecord& rec = records_.RecordAt(i);
      WriteString(&w, records_.IdAt(i));
      WriteString(&w, rec.text);
      WriteString(&w, rec.metadata.dump());
    }
    w.U32(Crc32(out->data(), out->size()));
  } catch (const std::bad_alloc&) {
    out->clear();
    return {ErrorCode::kOutOfMemory, "memory: out of memory writing a snapshot"};
  }
  return Status::Ok();
}

Status Memory::Deserialize(const uint8_t* data, size_t size, std::unique_ptr<Memory>* out,
                           std::string* header) {
  if (data == nullptr && size != 0) return Corrupt("null data");
  if (size < kMinBytes) return Corrupt("shorter than the smallest snapshot");
  if (std::memcmp(data, kMagic, sizeof(kMagic)) != 0) return Corrupt("bad magic (not a memory snapshot)");
  uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, data + size - 4, 4);
  if (Crc32(data, size - 4) != stored_crc)
    return Corrupt("checksum mismatch (the bytes were changed or cut)");

  ByteReader r(data + sizeof(kMagic), size - sizeof(kMagic) - 4);
  uint32_t version = 0;
  if (!r.U32(&version)) return Corrupt("truncated");
  if (version != kVersion && version != kVersionWithPending)
    return Corrupt("unsupported version " + std::to_string(version));
  std::string_view header_view;
  if (!ReadString(&r, &header_view)) return Corrupt("truncated header");
  if (header_view.size() > kMaxSnapshotHeader) return Corrupt("header too long");
  PendingSection pending;
  if (version == kVersionWithPending) {
    if (Status s = ReadPending(&r, &pending); !s.ok()) return s;
  }
  uint64_t index_len = 0;
  const uint8_t* index_bytes = nullptr;
  if (!r.U64(&index_len) || index_len > r.remaining() || !r.Bytes(index_len, &index_bytes)) {
    return Corrupt("truncated index");
  }
  // The records follow the index: they are read on a second thread while the index loads (each
  // is about half the work of a load), then matched with the index's ids.
  ByteReader records_reader(index_bytes + index_len, r.remaining());
  RecordStore records;
  Status records_status;
  auto read_records = [&] {
    try {
      records_status = ReadRecords(&records_reader, &records);
    } catch (const std::bad_alloc&) {
      records_status = {ErrorCode::kOutOfMemory, "memory: out of memory loading a snapshot"};
    }
  };
  std::unique_ptr<HnswIndex> index;
  Status index_status;
  auto load_index = [&] {
    try {
      // The snapshot's CRC, checked above, covers the index's bytes: not computed again.
      index_status = HnswIndex::DeserializeVerified(index_bytes, index_len, &index);
    } catch (const std::bad_alloc&) {
      index_status = {ErrorCode::kOutOfMemory, "memory: out of memory loading a snapshot"};
    }
  };
  if (size < kLoadBesideBytes || !RunBeside(read_records, load_index)) {
    load_index();
    read_records();
  }
  if (index_status.code() == ErrorCode::kOutOfMemory) return index_status;
  if (!index_status.ok()) return Corrupt("index: " + index_status.message());
  if (!records_status.ok()) return records_status;
  if (records.size() != index->Stats().count + pending.ids.size()) {
    return Corrupt(pending.ids.empty() ? "the record count differs from the index's entry count"
                                       : "the record count differs from the index's and pending entries");
  }
  if (!pending.ids.empty() && pending.dimensions != index->config().dimensions)
    return Corrupt("pending rows of other dimensions than the index's");
  std::unique_ptr<Memory> mem(new Memory(std::move(index)));
  try {
    mem->pending_.Reserve(pending.ids.size());
    for (size_t i = 0; i < pending.ids.size(); ++i) {
      const std::string_view id = pending.ids[i];
      const float* v = pending.rows.data() + i * pending.dimensions;
      if (Status s = mem->index_->Check(id, v); !s.ok())
        return Corrupt("pending row " + std::to_string(i) + ": " + s.message());
      if (mem->index_->Contains(id) || records.Find(id) == nullptr || mem->pending_.Contains(id))
        return Corrupt("pending row " + std::to_string(i) +
                       ": its id is in the index, twice, or has no record");
      mem->pending_.Put(id, v);
    }
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOutOfMemory, "memory: out of memory loading a snapshot"};
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (!mem->index_->Contains(records.IdAt(i)) && !mem->pending_.Contains(records.IdAt(i)))
      return Corrupt("record " + std::to_string(i) + ": its id is not in the index");
  }
  mem->records_ = std::move(records);
  if (header != nullptr) header->assign(header_view);
  *out = std::move(mem);
  return Status::Ok();
}

}  // namespace ruv::memory
