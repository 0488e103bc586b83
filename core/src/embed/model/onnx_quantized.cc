#include "embed/model/onnx_quantized.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "embed/model/onnx_graph.h"

namespace ruv::embed::onnx {
namespace {

Status Fail(const std::string& what) { return {ErrorCode::kModelLoadFailed, "model.onnx: " + what}; }

class Rewriter {
 public:
  explicit Rewriter(Graph* g) : g_(*g) {
    for (size_t i = 0; i < g_.initializers.size(); ++i) initializer_[g_.initializers[i].name] = i;
    for (Node& n : g_.nodes) {
      for (const std::string& o : n.outputs) producer_[o] = &n;
      for (const std::string& in : n.inputs) users_[in].push_back(&n);
    }
  }

  Status Run(bool* quantized) {
    *quantized = false;
    std::vector<Node> added;
    for (Node& n : g_.nodes) {
      if (n.op_type == "MatMulInteger") {
        *quantized = true;
        Node mm;
        if (Status s = MatMul(n, &mm); !s.ok()) return s;
        added.push_back(std::move(mm));
      } else if (n.op_type == "DequantizeLinear") {
        *quantized = true;
        Node gather;
        if (Status s = Gather(n, &gather); !s.ok()) return s;
        added.push_back(std::move(gather));
      }
    }
    if (!*quantized) return Status::Ok();
    // The DynamicQuantizeLinear nodes fed only rewritten MatMulIntegers: all go.
    for (Node& n : g_.nodes) {
      if (n.op_type != "DynamicQuantizeLinear") continue;
      removed_.insert(&n);
      for (const std::string& o : n.outputs) quantized_values_.insert(o);
    }
    std::vector<Node> kept;
    for (Node& n : g_.nodes) {
      if (!removed_.count(&n)) kept.push_back(std::move(n));
    }
    for (Node& n : added) kept.push_back(std::move(n));
    g_.nodes = std::move(kept);
    for (Tensor& t : dequantized_) g_.initializers.push_back(std::move(t));
    // Whatever still uses a quantized value is in a form this rewrite does not know.
    for (const Node& n : g_.nodes) {
      for (const std::string& in : n.inputs) {
        if (quantized_values_.count(in))
          return Fail(Describe(&n) + " reads the quantized value \"" + in +
                      "\" (not in the form quantize_dynamic writes)");
      }
    }
    return Status::Ok();
  }

 private:
  const Node* Producer(const std::string& v) const {
    const auto it = producer_.find(v);
    return it == producer_.end() ? nullptr : it->second;
  }
  Node* SoleUser(const std::string& v) const {
    const auto it = users_.find(v);
    return it == users_.end() || it->second.size() != 1 ? nullptr : it->second[0];
  }
  const Tensor* Initializer(const std::string& v) const {
    const auto it = initializer_.find(v);
    return it == initializer_.end() ? nullptr : &g_.initializers[it->second];
  }

  // A quantized weight's scale or zero point: one value for the tensor, or one per column (the
  // last dimension, `columns` of them: onnxruntime's per_channel), raw bytes in the file.
  struct Param {
    float scale = 1.0f;
    int32_t zero = 0;
    const uint8_t* columns = nullptr;
  };
  static bool Elements(const Tensor* t, int32_t type, size_t size, uint64_t* n) {
    return t && t->data_type == type && ElementCount(*t, n) && t->raw_data && t->raw_size == *n * size &&
           t->dims.size() <= 1;
  }
  // A float32 scale: positive and finite, one or `columns` of them.
  bool ReadScale(const std::string& v, size_t columns, Param* out) const {
    const Tensor* t = Initializer(v);
    uint64_t n = 0;
    if (!Elements(t, kFloat, 4, &n) || (n != 1 && n != columns)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, t->raw_data + 4 * i, 4);
      if (!std::isfinite(f) || !(f > 0.0f)) return false;
      if (i == 0) out->scale = f;
    }
    out->columns = n == 1 ? nullptr : t->raw_data;
    return true;
  }
  // A zero point of the weight's type, one or `columns` of them.
  bool ReadZero(const std::string& v, int32_t type, size_t columns, Param* out) const {
    const Tensor* t = Initializer(v);
    uint64_t n = 0;
    if (!Elements(t, type, 1, &n) || (n != 1 && n != columns)) return false;
    out->zero = type == kInt8 ? int32_t{static_cast<int8_t>(t->raw_data[0])} : int32_t{t->raw_data[0]};
    out->columns = n == 1 ? nullptr : t->raw_data;
    return true;
  }
  // The last dimension of a quantized initializer (0 when it is not one).
  size_t Columns(const std::string& q) const {
    const Tensor* t = Initializer(q);
    return t && !t->dims.empty() && t->dims.back() > 0 ? static_cast<size_t>(t->dims.back()) : 0;
  }

  // A quantized initializer `q` (int8/uint8, raw bytes) with its scale and zero point (absent:
  // 0) as a dequantized float tensor the walk reads by the returned name.
  Status Dequantized(const std::string& q, const std::string& zero, const Param& scale, const Node& at,
                     std::string* name) {
    const std::string dname = q + "/dequantized";
    for (const Tensor& done : dequantized_) {  // a weight two nodes read is dequantized once
      if (done.name == dname && done.scale == scale.scale && done.column_scales == scale.columns)
        return *name = done.name, Status::Ok();
    }
    const Tensor* t = Initializer(q);
    uint64_t n = 0;
    if (!t || (t->data_type != kInt8 && t->data_type != kUint8) || !ElementCount(*t, &n) || !t->raw_data ||
        t->raw_size != n || t->dims.empty() || t->dims.size() > 2)
      return Fail(Describe(&at) + ": \"" + q + "\" is not an int8/uint8 matrix stored in the file");
    Param zp;
    if (!zero.empty() && !ReadZero(zero, t->data_type, Columns(q), &zp))
      return Fail(Describe(&at) + ": the zero point \"" + zero +
                  "\" is not one value of its weight's type, or one per column");
    if (zp.columns != nullptr && scale.columns == nullptr)
      return Fail(Describe(&at) + ": \"" + q + "\" has zero points per column but one scale");
    Tensor d = *t;
    d.name = dname;
    d.dequantize = true;
    d.scale = scale.scale;
    d.zero_point = zp.zero;
    d.column_scales = scale.columns;
    d.column_zero_points = zp.columns;
    quantized_values_.insert(q);
    *name = d.name;
    dequantized_.push_back(std::move(d));
    return Status::Ok();
  }

  // One MatMulInteger operand: a DynamicQuantizeLinear's output (the float value it read, its
  // dynamic scale's name) or a quantized initializer (its scale found later, from the Mul).
  struct Operand {
    std::string value, zero;
    const Node* dql = nullptr;
  };
  Status ReadOperand(const Node& mm, size_t i, Operand* out) {
    out->value = mm.inputs[i];
    out->zero = mm.inputs.size() > 2 + i ? mm.inputs[2 + i] : "";
    const Node* p = Producer(out->value);
    if (p && p->op_type == "DynamicQuantizeLinear") {
      if (p->inputs.size() != 1 || p->outputs.size() != 3 || p->outputs[0] != out->value ||
          (!out->zero.empty() && out->zero != p->outputs[2]))
        return Fail(Describe(&mm) + " does not read " + Describe(p) + "'s value and zero point");
      out->dql = p;
      quantized_values_.insert(p->outputs[0]);
      quantized_values_.insert(p->outputs[2]);
      return Status::Ok();
    }
    if (!Initializer(out->value))
      return Fail(Describe(&mm) + "'s input \"" + out->value +
                  "\" is neither quantized at run time nor a weight");
    return Status::Ok();
  }

  // MatMulInteger -> Cast(float) -> Mul(., Mul(scale a, scale b)) into MatMul(float a, float b).
  Status MatMul(Node& mm, Node* out) {
    if (mm.inputs.size() < 2 || mm.inputs.size() > 4 || mm.outputs.size() != 1)
      return Fail(Describe(&mm) + " does not have 2 to 4 inputs and one output");
    Operand ops[2];
    for (size_t i = 0; i < 2; ++i) {
      if (Status s = ReadOperand(mm, i, &ops[i]); !s.ok()) return s;
    }
    Node* cast = SoleUser(mm.outputs[0]);
    const Attribute* to = cast && cast->op_type == "Cast" ? cast->Find("to") : nullptr;
    if (!to || to->i != kFloat || cast->outputs.size() != 1)
      return Fail(Describe(&mm) + " is not followed by a Cast to float");
    Node* mul = SoleUser(cast->outputs[0]);
    if (!mul || mul->op_type != "Mul" || mul->inputs.size() != 2 || mul->outputs.size() != 1)
      return Fail(Describe(cast) + " is not followed by the scale Mul");
    const std::string product = mul->inputs[0] == cast->outputs[0] ? mul->inputs[1] : mul->inputs[0];
    Node* scales = const_cast<Node*>(Producer(product));
    if (!scales || scales->op_type != "Mul" || scales->inputs.size() != 2 || SoleUser(product) != mul)
      return Fail(Describe(mul) + " does not scale by a product of the operands' scales");
    // Match each operand's scale: the DynamicQuantizeLinear's output, or a float initializer.
    std::vector<std::string> left = scales->inputs;
    std::string names[2];
    for (size_t i = 0; i < 2; ++i) {
      std::string scale_name;
      if (ops[i].dql) {
        scale_name = ops[i].dql->outputs[1];
      } else {
        for (const std::string& s : left) {
          Param unused;
          if (ReadScale(s, Columns(ops[i].value), &unused)) scale_name = s;
        }
      }
      auto it = std::find(left.begin(), left.end(), scale_name);
      if (scale_name.empty() || it == left.end())
        return Fail(Describe(scales) + " is not the product of " + Describe(&mm) + "'s operand scales");
      left.erase(it);
      if (ops[i].dql) {
        quantized_values_.insert(scale_name);
        names[i] = ops[i].dql->inputs[0];
      } else {
        Param scale;
        ReadScale(scale_name, Columns(ops[i].value), &scale);
        if (Status s = Dequantized(ops[i].value, ops[i].zero, scale, mm, &names[i]); !s.ok()) return s;
      }
    }
    out->op_type = "MatMul";
    out->name = mm.name;
    out->inputs = {names[0], names[1]};
    out->outputs = {mul->outputs[0]};
    for (Node* n : {&mm, cast, mul, scales}) removed_.insert(n);
    quantized_values_.insert(mm.outputs[0]);
    quantized_values_.insert(cast->outputs[0]);
    return Status::Ok();
  }

  // Gather(quantized table, ids) -> DequantizeLinear(., scale, zero) into Gather(float table, ids).
  Status Gather(Node& dq, Node* out) {
    const Node* gather = dq.inputs.empty() ? nullptr : Producer(dq.inputs[0]);
    if (!gather || gather->op_type != "Gather" || gather->inputs.size() != 2 || dq.inputs.size() < 2 ||
        dq.outputs.size() != 1 || SoleUser(gather->outputs[0]) != &dq)
      return Fail(Describe(&dq) + " does not dequantize an embedding Gather");
    Param scale;
    if (!ReadScale(dq.inputs[1], 1, &scale))
      return Fail(Describe(&dq) +
                  ": its scale is not one positive value (a table per channel is not supported)");
    std::string table;
    if (Status s =
            Dequantized(gather->inputs[0], dq.inputs.size() > 2 ? dq.inputs[2] : "", scale, dq, &table);
        !s.ok())
      return s;
    *out = *gather;
    out->inputs[0] = table;
    out->outputs = {dq.outputs[0]};
    removed_.insert(&dq);
    removed_.insert(const_cast<Node*>(gather));
    quantized_values_.insert(gather->outputs[0]);
    return Status::Ok();
  }

  Graph& g_;
  std::map<std::string, size_t> initializer_;
  std::map<std::string, Node*> producer_;
  std::map<std::string, std::vector<Node*>> users_;
  std::set<const Node*> removed_;
  std::set<std::string> quantized_values_;
  std::vector<Tensor> dequantized_;
};

}  // namespace

Status DequantizeGraph(Graph* g, bool* quantized) { return Rewriter(g).Run(quantized); }

}  // namespace ruv::embed::onnx
