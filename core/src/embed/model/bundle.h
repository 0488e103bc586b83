// Reader of the model bundle (.ruvmodel, BUNDLE.md beside this file): one checksummed byte string
// holding a Hugging Face model folder's files. Untrusted: every rule of BUNDLE.md is checked in
// its order, and nothing is allocated beyond what the input's length bounds (file data are views).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ruv/status.h"

namespace ruv::embed {

struct BundleFile {
  std::string name;               // relative path, e.g. "onnx/model.onnx"
  std::span<const uint8_t> data;  // inside the bundle
};

struct Bundle {
  std::string model_id;
  std::string revision;
  std::vector<BundleFile> files;  // in the bundle's (strictly increasing) name order
};

// Whether ReadBundle hashes each file to compare with its recorded digest. kTrust is for a caller
// that has just computed or checked those digests itself (the JS layer hashes every file as it
// reads, downloads or decodes it): hashing 90 MB again costs ~60 ms of a load. Every other rule,
// the header digest included, is checked either way, so the bytes are parsed safely.
enum class FileDigests { kVerify, kTrust };

// CORRUPT_DATA "bundle: <rule>" at the first rule of BUNDLE.md that `data` breaks.
Status ReadBundle(std::span<const uint8_t> data, Bundle* out, FileDigests digests = FileDigests::kVerify);

}  // namespace ruv::embed
