// model.safetensors (https://github.com/huggingface/safetensors): u64 little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {...}}, then the tensors' bytes (offsets relative to the end of the header). Untrusted: every
// length, shape and offset is checked against the input before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "embed/bert_model.h"

namespace ruv::embed {

struct SafetensorsTensor {
  std::string dtype;  // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the caller's bytes (null for a file read from a ByteSource)
  uint64_t offset = 0;            // of the data, from the file's first byte
  size_t size = 0;                // bytes: elements x dtype size, checked
};

// Parses the header and checks every tensor (known dtype, shape product x dtype size equals its
// byte range, ranges inside the data and not overlapping). CORRUPT_DATA for a malformed file.
Status ParseSafetensors(const uint8_t* data, size_t size, std::map<std::string, SafetensorsTensor>* out);

// The BERT weights of a safetensors file for `config` (names with or without "bert."; F32, F16
// and BF16, converted to float when read). MODEL_LOAD_FAILED names a missing or misshapen tensor.
// The weights are views of `data` (Weight::View): keep it until they are read.
Status LoadBertSafetensors(const uint8_t* data, size_t size, const BertConfig& config, BertWeights* out);
// The same for a file read in pieces: the header is read here (the same checks, the same
// statuses), the tensors' bytes only as the weights are read (views of `source`: keep it until
// then). Holds the header, never the file. CORRUPT_DATA also when the source fails.
Status LoadBertSafetensors(const ByteSource& source, const BertConfig& config, BertWeights* out);

}  // namespace ruv::embed
