#include "embed/model/onnx_proto.h"

#include <bit>
#include <cstring>

#include "common/byte_io.h"

namespace ruv::embed::onnx {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

// Counts far above any BERT export's (bge-large: ~4k nodes, ~400 initializers) that keep the
// parsed structures' memory within a small multiple of the input even for messages of 2 bytes.
constexpr size_t kMaxNodes = 100000, kMaxInitializers = 100000, kMaxNodeArity = 1024, kMaxAttributes = 64;
constexpr size_t kMaxDims = 16, kMaxGraphValues = 4096;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A cursor over one message's bytes. Every read checks what is left; a failed read latches
// `ok = false` and the caller turns it into CORRUPT_DATA.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  bool done() const { return !ok || p >= end; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) break;
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
  bool Tag(uint32_t* field, uint32_t* wire) {
    const uint64_t t = Varint();
    *field = static_cast<uint32_t>(t >> 3);
    *wire = static_cast<uint32_t>(t & 7);
    if (*field == 0) ok = false;
    return ok;
  }
  Reader Sub() {  // a length-delimited field's bytes
    const uint64_t n = Varint();
    if (!ok || n > static_cast<uint64_t>(end - p)) {
      ok = false;
      return {end, end, false};
    }
    Reader r{p, p + n};
    p += n;
    return r;
  }
  std::string String() {
    Reader r = Sub();
    return ok ? std::string(reinterpret_cast<const char*>(r.p), r.end - r.p) : std::string();
  }
  uint32_t Fixed32() {
    uint32_t v = 0;
    if (end - p < 4) {
      ok = false;
      return 0;
    }
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
  }
  void Skip(uint32_t wire) {
    switch (wire) {
      case kVarint:
        Varint();
        break;
      case kFixed64:
        if (end - p < 8)
          ok = false;
        else
          p += 8;
        break;
      case kLengthDelimited:
        Sub();
        break;
      case kFixed32:
        Fixed32();
        break;
      default:
        ok = false;  // groups (3, 4) and 6, 7 do not occur in ONNX
    }
  }
  // A repeated scalar field, packed (length-delimited) or one element per tag.
  void Int64s(uint32_t wire, std::vector<int64_t>* out) {
    if (wire == kLengthDelimited) {
      Reader r = Sub();
      while (!r.done()) out->push_back(static_cast<int64_t>(r.Varint()));
      ok = ok && r.ok;
    } else if (wire == kVarint) {
      out->push_back(static_cast<int64_t>(Varint()));
    } else {
      ok = false;
    }
  }
  void Floats(uint32_t wire, std::vector<float>* out) {
    if (wire == kLengthDelimited) {
      Reader r = Sub();
      if ((r.end - r.p) % 4 != 0) ok = false;
      while (!r.done()) out->push_back(FloatFromBits(r.Fixed32()));
    } else if (wire == kFixed32) {
      out->push_back(FloatFromBits(Fixed32()));
    } else {
      ok = false;
    }
  }
};

bool Want(Reader& r, uint32_t wire, uint32_t expected) {
  if (wire != expected) r.ok = false;
  return r.ok;
}

// TensorProto fields: dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8,
// raw_data 9, external_data 13, data_location 14.
void ParseTensor(Reader r, Tensor* t, Reader& parent) {
  uint32_t f, w;
  for (const uint8_t* field = r.p; !r.done() && r.Tag(&f, &w); field = r.p) {
    if (f == 1) {
      r.Int64s(w, &t->dims);
      if (t->dims.size() > kMaxDims) r.ok = false;
    } else if (f == 2 && Want(r, w, kVarint)) {
      t->data_type = static_cast<int32_t>(r.Varint());
    } else if (f == 4) {
      r.Floats(w, &t->float_data);
    } else if (f == 5 || f == 7) {
      r.Int64s(w, &t->int64_data);
    } else if (f == 8 && Want(r, w, kLengthDelimited)) {
      t->name = r.String();
    } else if (f == 9 && Want(r, w, kLengthDelimited)) {
      Reader d = r.Sub();
      t->raw_data = d.p;
      t->raw_size = static_cast<size_t>(d.end - d.p);
      t->raw_prefix = static_cast<size_t>(d.p - field);
    } else if (f == 13) {
      t->external = true;
      r.Skip(w);
    } else if (f == 14 && Want(r, w, kVarint)) {
      if (r.Varint() == 1) t->external = true;
    } else {
      r.Skip(w);
    }
  }
  parent.ok = parent.ok && r.ok;
}

// AttributeProto: name 1, f 2, i 3, t 5, floats 7, ints 8, type 20 (g 6 and graphs 11 skipped).
void ParseAttribute(Reader r, Attribute* a, Reader& parent) {
  uint32_t f, w;
  while (!r.done() && r.Tag(&f, &w)) {
    if (f == 1 && Want(r, w, kLengthDelimited)) {
      a->name = r.String();
    } else if (f == 2 && Want(r, w, kFixed32)) {
      a->f = FloatFromBits(r.Fixed32());
    } else if (f == 3 && Want(r, w, kVarint)) {
      a->i = static_cast<int64_t>(r.Varint());
    } else if (f == 5 && Want(r, w, kLengthDelimited)) {
      a->has_t = true;
      ParseTensor(r.Sub(), &a->t, r);
    } else if (f == 7) {
      r.Floats(w, &a->floats);
    } else if (f == 8) {
      r.Int64s(w, &a->ints);
    } else if (f == 20 && Want(r, w, kVarint)) {
      a->type = static_cast<int32_t>(r.Varint());
    } else {
      r.Skip(w);
    }
  }
  parent.ok = parent.ok && r.ok;
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
void ParseNode(Reader r, Node* n, Reader& parent) {
  uint32_t f, w;
  while (!r.done() && r.Tag(&f, &w)) {
    if (n->inputs.size() > kMaxNodeArity || n->outputs.size() > kMaxNodeArity ||
        n->attributes.size() > kMaxAttributes) {
      r.ok = false;
    } else if (f >= 1 && f <= 4 && Want(r, w, kLengthDelimited)) {
      std::string s = r.String();
      if (f == 1) {
        n->inputs.push_back(std::move(s));
      } else if (f == 2) {
        n->outputs.push_back(std::move(s));
      } else if (f == 3) {
        n->name = std::move(s);
      } else {
        n->op_type = std::move(s);
      }
    } else if (f == 5 && Want(r, w, kLengthDelimited)) {
      n->attributes.emplace_back();
      ParseAttribute(r.Sub(), &n->attributes.back(), r);
    } else if (f == 7 && Want(r, w, kLengthDelimited)) {
      n->domain = r.String();
    } else {
      r.Skip(w);
    }
  }
  parent.ok = parent.ok && r.ok;
}

std::string ValueInfoName(Reader r, Reader& parent) {  // ValueInfoProto: name 1
  std::string name;
  uint32_t f, w;
  while (!r.done() && r.Tag(&f, &w)) {
    if (f == 1 && Want(r, w, kLengthDelimited)) {
      name = r.String();
    } else {
      r.Skip(w);
    }
  }
  parent.ok = parent.ok && r.ok;
  return name;
}

// GraphProto: node 1, initializer 5, input 11, output 12 (value_info 13 and the rest skipped).
void ParseGraph(Reader r, Graph* g, Reader& parent) {
  uint32_t f, w;
  while (!r.done() && r.Tag(&f, &w)) {
    if (g->nodes.size() > kMaxNodes || g->initializers.size() > kMaxInitializers ||
        g->inputs.size() + g->outputs.size() > kMaxGraphValues) {
      r.ok = false;
    } else if (f == 1 && Want(r, w, kLengthDelimited)) {
      g->nodes.emplace_back();
      ParseNode(r.Sub(), &g->nodes.back(), r);
    } else if (f == 5 && Want(r, w, kLengthDelimited)) {
      g->initializers.emplace_back();
      ParseTensor(r.Sub(), &g->initializers.back(), r);
    } else if ((f == 11 || f == 12) && Want(r, w, kLengthDelimited)) {
      (f == 11 ? g->inputs : g->outputs).push_back(ValueInfoName(r.Sub(), r));
    } else {
      r.Skip(w);
    }
  }
  parent.ok = parent.ok && r.ok;
}

void ParseOpset(Reader r, Model* m, Reader& parent) {  // OperatorSetIdProto: domain 1, version 2
  std::string domain;
  int64_t version = 0;
  uint32_t f, w;
  while (!r.done() && r.Tag(&f, &w)) {
    if (f == 1 && Want(r, w, kLengthDelimited)) {
      domain = r.String();
    } else if (f == 2 && Want(r, w, kVarint)) {
      version = static_cast<int64_t>(r.Varint());
    } else {
      r.Skip(w);
    }
  }
  if (domain.empty() || domain == "ai.onnx") m->opset = version;
  parent.ok = parent.ok && r.ok;
}

bool AnyExternal(const Graph& g, std::string* name) {
  for (const Tensor& t : g.initializers) {
    if (t.external) return *name = t.name, true;
  }
  for (const Node& n : g.nodes) {
    for (const Attribute& a : n.attributes) {
      if (a.has_t && a.t.external) return *name = n.name, true;
    }
  }
  return false;
}

}  // namespace

const Attribute* Node::Find(const std::string& attr_name) const {
  for (const Attribute& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

Status ParseModel(const uint8_t* data, size_t size, Model* out) {
  Model m;
  Reader r{data, data + size};
  bool has_graph = false;
  uint32_t f, w;
  // ModelProto: ir_version 1, graph 7, opset_import 8.
  while (!r.done() && r.Tag(&f, &w)) {
    if (f == 1 && Want(r, w, kVarint)) {
      m.ir_version = static_cast<int64_t>(r.Varint());
    } else if (f == 7 && Want(r, w, kLengthDelimited)) {
      has_graph = true;
      ParseGraph(r.Sub(), &m.graph, r);
    } else if (f == 8 && Want(r, w, kLengthDelimited)) {
      ParseOpset(r.Sub(), &m, r);
    } else {
      r.Skip(w);
    }
  }
  if (!r.ok)
    return {ErrorCode::kCorruptData,
            "model.onnx is not a well-formed ONNX protobuf (or exceeds the loader's node/tensor limits)"};
  if (!has_graph) return {ErrorCode::kCorruptData, "model.onnx has no graph"};
  std::string external;
  if (AnyExternal(m.graph, &external)) {
    return {ErrorCode::kModelLoadFailed,
            "model.onnx keeps tensor " + external + " in external data: only self-contained models load"};
  }
  *out = std::move(m);
  return Status::Ok();
}

bool ElementCount(const Tensor& t, uint64_t* count) {
  uint64_t n = 1;
  for (int64_t d : t.dims) {
    if (d < 0 || d > (int64_t{1} << 40)) return false;
    n *= static_cast<uint64_t>(d);
    if (n > (uint64_t{1} << 40)) return false;
  }
  *count = n;
  return true;
}

bool FloatValues(const Tensor& t, std::vector<float>* out) {
  uint64_t n;
  if (t.data_type != kFloat || !ElementCount(t, &n)) return false;
  if (t.raw_data != nullptr) {
    if (t.raw_size != n * 4) return false;
    out->resize(static_cast<size_t>(n));
    if (n) std::memcpy(out->data(), t.raw_data, t.raw_size);
    return true;
  }
  if (t.float_data.size() != n) return false;
  *out = t.float_data;
  return true;
}

bool IntValues(const Tensor& t, std::vector<int64_t>* out) {
  uint64_t n;
  if ((t.data_type != kInt64 && t.data_type != kInt32) || !ElementCount(t, &n)) return false;
  const size_t elem = t.data_type == kInt64 ? 8 : 4;
  if (t.raw_data != nullptr) {
    if (t.raw_size != n * elem) return false;
    out->resize(static_cast<size_t>(n));
    for (size_t i = 0; i < n; ++i) {
      if (elem == 8) {
        std::memcpy(&(*out)[i], t.raw_data + 8 * i, 8);
      } else {
        int32_t v;
        std::memcpy(&v, t.raw_data + 4 * i, 4);
        (*out)[i] = v;
      }
    }
    return true;
  }
  if (t.int64_data.size() != n) return false;
  *out = t.int64_data;
  if (elem == 4) {
    for (int64_t& v : *out) v = static_cast<int32_t>(v);  // int32_data holds sign-extended varints
  }
  return true;
}

}  // namespace ruv::embed::onnx
