// A minimal reader of ONNX's protobuf wire format (onnx.proto3): only the messages and fields
// the BERT loader needs (ModelProto.graph, GraphProto's nodes, initializers, inputs and outputs,
// NodeProto, AttributeProto, TensorProto). Written by hand because it must build in wasm and be
// fuzzed. Untrusted bytes: every length is checked against the bytes left, nothing recurses
// (subgraph attributes are skipped, not parsed), and tensor data stays a view into the input,
// so memory is linear in the input's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ruv/status.h"

namespace ruv::embed::onnx {

enum TensorType : int32_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kFloat16 = 10,
  kDouble = 11
};

struct Tensor {
  std::string name;
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  const uint8_t* raw_data = nullptr;  // inside the input bytes
  size_t raw_size = 0;
  size_t raw_prefix = 0;  // bytes of raw_data's own field tag and length, just before it
  std::vector<float> float_data;
  std::vector<int64_t> int64_data;  // int64_data (also where int32_data lands)
  bool external = false;            // data_location EXTERNAL or external_data entries
  // Set by DequantizeGraph (onnx_quantized.h) on an int8/uint8 weight the float graph reads:
  // its values are (q - zero_point) * scale.
  bool dequantize = false;
  float scale = 1.0f;
  int32_t zero_point = 0;
  // Per column (the last dimension), when set: raw float32 scales and zero points in the input
  // (zero points per column may be absent: zero_point then serves every column).
  const uint8_t* column_scales = nullptr;
  const uint8_t* column_zero_points = nullptr;
};

struct Attribute {
  std::string name;
  int32_t type = 0;  // AttributeProto.AttributeType
  float f = 0;
  int64_t i = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  bool has_t = false;
  Tensor t;
};

struct Node {
  std::string op_type, name, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
  const Attribute* Find(const std::string& attr_name) const;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<std::string> inputs, outputs;  // ValueInfoProto names
};

struct Model {
  int64_t ir_version = 0;
  int64_t opset = 0;  // the default ("" or "ai.onnx") domain's version
  Graph graph;
};

// CORRUPT_DATA for bytes that are not a well-formed ModelProto; MODEL_LOAD_FAILED for a tensor
// whose data lives in an external file (we only read self-contained models).
Status ParseModel(const uint8_t* data, size_t size, Model* out);

// Element count of `t` (product of dims, each checked; false when it overflows 2^40).
bool ElementCount(const Tensor& t, uint64_t* count);

// The values of a FLOAT tensor (raw_data or float_data), exactly `count` of them, else false.
bool FloatValues(const Tensor& t, std::vector<float>* out);
// The values of an INT64/INT32 tensor (raw_data or int64_data/int32_data).
bool IntValues(const Tensor& t, std::vector<int64_t>* out);

}  // namespace ruv::embed::onnx
