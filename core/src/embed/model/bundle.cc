#include "embed/model/bundle.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/sha256.h"

namespace ruv::embed {
namespace {

constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxFiles = 4096;
constexpr size_t kMinHeader = 68;
constexpr size_t kMaxMetaString = 1024;
constexpr size_t kMaxName = 256;
constexpr size_t kMinEntry = 2 + 1 + 8 + 32;  // name length, a 1-byte name, size, sha256

Status Corrupt(const std::string& what) { return Status(ErrorCode::kCorruptData, "bundle: " + what); }

uint64_t ReadLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), as TextDecoder's fatal mode.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxName || !ValidUtf8(name)) return false;
  if (name.find('\0') != std::string_view::npos || name.find('\\') != std::string_view::npos ||
      name.find(':') != std::string_view::npos || name.front() == '/') {
    return false;
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// Reads fields of the header table within [pos, end).
class Cursor {
 public:
  Cursor(const uint8_t* base, size_t pos, size_t end) : base_(base), pos_(pos), end_(end) {}
  bool Has(size_t n) const { return end_ - pos_ >= n; }
  uint64_t Int(int bytes) {
    const uint64_t v = ReadLe(base_ + pos_, bytes);
    pos_ += bytes;
    return v;
  }
  std::string_view Bytes(size_t n) {
    std::string_view v(reinterpret_cast<const char*>(base_ + pos_), n);
    pos_ += n;
    return v;
  }
  size_t pos() const { return pos_; }

 private:
  const uint8_t* base_;
  size_t pos_;
  size_t end_;
};

Status ReadString(Cursor* c, const char* field, std::string* out) {
  if (!c->Has(2)) return Corrupt(std::string("the header ends inside ") + field);
  const size_t n = c->Int(2);
  if (n > kMaxMetaString) return Corrupt(std::string(field) + " is longer than 1024 bytes");
  if (!c->Has(n)) return Corrupt(std::string("the header ends inside ") + field);
  const std::string_view s = c->Bytes(n);
  if (!ValidUtf8(s) || s.find('\0') != std::string_view::npos) {
    return Corrupt(std::string(field) + " is not valid UTF-8 without NUL");
  }
  out->assign(s);
  return Status::Ok();
}

}  // namespace

Status ReadBundle(std::span<const uint8_t> data, Bundle* out, FileDigests digests) {
  const uint8_t* p = data.data();
  const size_t length = data.size();
  // Rule 1: fixed header fields.
  if (length < 32) return Corrupt("shorter than its 32-byte fixed header");
  if (std::memcmp(p, "RUVMODEL", 8) != 0) return Corrupt("no RUVMODEL magic");
  if (ReadLe(p + 8, 4) != kVersion) return Corrupt("unsupported version " + std::to_string(ReadLe(p + 8, 4)));
  const uint64_t file_count = ReadLe(p + 12, 4);
  if (file_count > kMaxFiles) return Corrupt("more than 4096 files");
  const uint64_t header_size = ReadLe(p + 16, 4);
  if (ReadLe(p + 20, 4) != 0) return Corrupt("reserved field is not 0");
  if (ReadLe(p + 24, 8) != length)
    return Corrupt("total_size is not the bundle's length (truncated or extended)");
  if (header_size < kMinHeader || header_size > length) return Corrupt("header_size out of range");
  // Rule 2: the header digest.
  const Sha256Digest header_digest = Sha256(p, header_size - 32);
  if (std::memcmp(header_digest.data(), p + header_size - 32, 32) != 0) {
    return Corrupt("header checksum mismatch");
  }
  // Rule 3: metadata and table, ending exactly at header_size - 32.
  Bundle bundle;
  Cursor c(p, 32, header_size - 32);
  if (Status s = ReadString(&c, "model_id", &bundle.model_id); !s.ok()) return s;
  if (Status s = ReadString(&c, "revision", &bundle.revision); !s.ok()) return s;
  struct Entry {
    std::string_view name;
    uint64_t size;
    const uint8_t* sha;
  };
  std::vector<Entry> entries;
  entries.reserve(std::min<uint64_t>(file_count, (header_size - kMinHeader) / kMinEntry));
  for (uint64_t i = 0; i < file_count; ++i) {
    if (!c.Has(2)) return Corrupt("the header ends inside the file table");
    const size_t n = c.Int(2);
    if (!c.Has(n + 8 + 32)) return Corrupt("the header ends inside the file table");
    Entry e;
    e.name = c.Bytes(n);
    e.size = c.Int(8);
    e.sha = p + c.pos();
    c.Bytes(32);
    if (!ValidName(e.name)) return Corrupt("invalid file name in entry " + std::to_string(i));
    if (!entries.empty() && !(entries.back().name < e.name)) {
      return Corrupt("file names are not in strictly increasing order");
    }
    entries.push_back(e);
  }
  if (c.pos() != header_size - 32) return Corrupt("the file table does not end at the header checksum");
  // Rules 4 and 5: data placement, zero padding, per-file digests, nothing after the last file.
  size_t cursor = header_size;
  bundle.files.reserve(entries.size());
  for (const Entry& e : entries) {
    const size_t offset = (cursor + 63) / 64 * 64;
    if (offset > length || e.size > length - offset) {
      return Corrupt("the data of " + std::string(e.name) + " runs past the end");
    }
    for (size_t k = cursor; k < offset; ++k) {
      if (p[k] != 0) return Corrupt("nonzero padding before " + std::string(e.name));
    }
    if (digests == FileDigests::kVerify) {
      const Sha256Digest digest = Sha256(p + offset, e.size);
      if (std::memcmp(digest.data(), e.sha, 32) != 0)
        return Corrupt("checksum mismatch of " + std::string(e.name));
    }
    bundle.files.push_back({std::string(e.name), data.subspan(offset, e.size)});
    cursor = offset + e.size;
  }
  if (cursor != length) return Corrupt("bytes after the last file");
  *out = std::move(bundle);
  return Status::Ok();
}

}  // namespace ruv::embed
