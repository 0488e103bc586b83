// Lookups over one ONNX graph by value name: who produces a value, who uses it, and the
// constant tensors (initializers and Constant nodes' values). Used by the BERT graph walk.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "embed/model/onnx_proto.h"

namespace ruv::embed::onnx {

inline std::string Describe(const Node* n) {
  return n ? n->op_type + " node \"" + n->name + "\"" : "nothing";
}

// Name -> producer, consumers and constant values of one graph.
class GraphIndex {
 public:
  explicit GraphIndex(const Graph& g) : graph_(g) {
    for (const Tensor& t : g.initializers) constants_[t.name] = &t;
    for (const Node& n : g.nodes) {
      for (const std::string& o : n.outputs) producer_[o] = &n;
      for (const std::string& i : n.inputs) consumers_[i].push_back(&n);
      const Attribute* v = n.op_type == "Constant" ? n.Find("value") : nullptr;
      if (v && v->has_t && n.outputs.size() == 1) constants_[n.outputs[0]] = &v->t;
    }
  }
  const Tensor* Constant(const std::string& name) const {
    const auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : it->second;
  }
  const Node* Producer(const std::string& name) const {
    const auto it = producer_.find(name);
    return it == producer_.end() ? nullptr : it->second;
  }
  // Consumers except Shape nodes, which only read a value's dimensions (dynamic reshapes).
  std::vector<const Node*> Users(const std::string& name) const {
    std::vector<const Node*> out;
    const auto it = consumers_.find(name);
    if (it == consumers_.end()) return out;
    for (const Node* n : it->second) {
      if (n->op_type != "Shape") out.push_back(n);
    }
    return out;
  }
  const Node* SoleUser(const std::string& name) const {
    const std::vector<const Node*> u = Users(name);
    return u.size() == 1 ? u[0] : nullptr;
  }
  bool IsGraphInput(const std::string& name) const {
    for (const std::string& i : graph_.inputs) {
      if (i == name) return true;
    }
    return false;
  }
  bool IsGraphOutput(const std::string& name) const {
    for (const std::string& o : graph_.outputs) {
      if (o == name) return true;
    }
    return false;
  }
  const Graph& graph() const { return graph_; }

  // A scalar constant's value (float or integer tensor of one element).
  bool Scalar(const std::string& name, double* v) const {
    const Tensor* t = Constant(name);
    if (!t) return false;
    std::vector<float> f;
    std::vector<int64_t> i;
    if (FloatValues(*t, &f) && f.size() == 1) return *v = f[0], true;
    if (IntValues(*t, &i) && i.size() == 1) return *v = static_cast<double>(i[0]), true;
    return false;
  }

 private:
  const Graph& graph_;
  std::map<std::string, const Tensor*> constants_;
  std::map<std::string, const Node*> producer_;
  std::map<std::string, std::vector<const Node*>> consumers_;
};

}  // namespace ruv::embed::onnx
