#include "embed/model/onnx_bert.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "embed/model/bert_tensors.h"
#include "embed/model/onnx_graph.h"
#include "embed/model/onnx_proto.h"
#include "embed/model/onnx_quantized.h"

namespace ruv::embed {
namespace {

using onnx::Describe;
using onnx::GraphIndex;
using onnx::Node;
using onnx::Tensor;

Status Fail(const std::string& what) { return {ErrorCode::kModelLoadFailed, "model.onnx: " + what}; }

// The input of binary node `n` that is not `mine` ("" when `mine` is not an input).
std::string Other(const Node* n, const std::string& mine) {
  if (n->inputs.size() != 2) return "";
  if (n->inputs[0] == mine) return n->inputs[1];
  if (n->inputs[1] == mine) return n->inputs[0];
  return "";
}

// A float32 constant of shape `dims`: a view of its raw_data in the file (read when the encoder
// packs it), or its float_data held. `transposed`: wanted as [dims[1], dims[0]].
Status ReadWeight(const GraphIndex& g, const std::string& name, const std::vector<int64_t>& dims, Weight* out,
                  bool transposed = false) {
  const Tensor* t = g.Constant(name);
  if (!t) return Fail("\"" + name + "\" is not a constant tensor");
  if (t->dims != dims) return Fail("tensor \"" + name + "\" does not have the shape config.json implies");
  const size_t cols = dims.empty() ? 1 : static_cast<size_t>(dims.back());
  uint64_t n = 1;
  for (int64_t d : dims) n *= static_cast<uint64_t>(d);
  WeightBytes b;
  b.cols = cols;
  b.rows = cols == 0 ? 0 : static_cast<size_t>(n) / cols;
  b.transposed = transposed && dims.size() == 2;
  if (t->data_type == onnx::kFloat && t->raw_data != nullptr && t->raw_size == n * 4) {
    b.data = t->raw_data;
    b.own_bytes_before = t->raw_prefix;
    *out = Weight::View(b);
    return Status::Ok();
  }
  if (t->dequantize) {  // int8/uint8 of a quantized export (DequantizeGraph checked its bytes)
    b.data = t->raw_data;
    b.type = t->data_type == onnx::kInt8 ? WeightBytes::Type::kI8 : WeightBytes::Type::kU8;
    b.scale = t->scale;
    b.zero_point = t->zero_point;
    b.column_scales = t->column_scales;
    b.column_zero_points = t->column_zero_points;
    *out = Weight::View(b);
    return Status::Ok();
  }
  std::vector<float> values;
  if (!onnx::FloatValues(*t, &values))
    return Fail("tensor \"" + name + "\" is not float32 data of its shape");
  if (!b.transposed) {
    *out = Weight(std::move(values));
    return Status::Ok();
  }
  // float_data (held by the parsed model, gone after the load): transposed into a held copy.
  b.data = reinterpret_cast<const uint8_t*>(values.data());
  *out = Weight::View(b).Values();
  return Status::Ok();
}

// MatMul(x, W[in, out]) -> Add(bias[out]): W transposed into [out, in]. `*y` = the Add's output.
Status MatchLinear(const GraphIndex& g, const Node* mm, const std::string& x, int64_t in, int64_t out,
                   Weight* w, Weight* b, std::string* y) {
  if (!mm || mm->op_type != "MatMul" || mm->inputs.size() != 2 || mm->inputs[0] != x) {
    return Fail("expected a MatMul with a weight, found " + Describe(mm));
  }
  Status s = ReadWeight(g, mm->inputs[1], {in, out}, w, /*transposed=*/true);
  if (!s.ok()) return s;
  const Node* add = g.SoleUser(mm->outputs[0]);
  if (!add || add->op_type != "Add") return Fail("MatMul \"" + mm->name + "\" is not followed by a bias Add");
  if (!(s = ReadWeight(g, Other(add, mm->outputs[0]), {out}, b)).ok()) return s;
  *y = add->outputs[0];
  return Status::Ok();
}

bool ReducesLastAxis(const GraphIndex& g, const Node* n) {
  if (!n || n->op_type != "ReduceMean") return false;
  std::vector<int64_t> axes;
  if (const onnx::Attribute* a = n->Find("axes")) {
    axes = a->ints;
  } else if (n->inputs.size() == 2 && g.Constant(n->inputs[1])) {  // opset 18: axes as an input
    if (!onnx::IntValues(*g.Constant(n->inputs[1]), &axes)) return false;
  }
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == 2);
}

// LayerNorm of `x`: a LayerNormalization op, or ReduceMean/Sub/Pow/ReduceMean/Add(eps)/Sqrt/Div
// then Mul(gamma) and Add(beta). eps must agree with config.json's.
Status MatchLayerNorm(const GraphIndex& g, const BertConfig& c, const std::string& x, Weight* gamma,
                      Weight* beta, std::string* y) {
  const std::vector<const Node*> users = g.Users(x);
  const int64_t h = c.hidden_size;
  double eps = 1e-5;
  std::string scale_name, bias_name;
  if (users.size() == 1 && users[0]->op_type == "LayerNormalization") {
    const Node* ln = users[0];
    const onnx::Attribute* axis = ln->Find("axis");
    if (ln->inputs.size() != 3 || ln->inputs[0] != x || (axis && axis->i != -1 && axis->i != 2)) {
      return Fail(Describe(ln) + " does not normalize the last axis with a scale and bias");
    }
    if (const onnx::Attribute* e = ln->Find("epsilon")) eps = e->f;
    scale_name = ln->inputs[1], bias_name = ln->inputs[2];
    *y = ln->outputs[0];
  } else {
    const Node *mean = nullptr, *sub = nullptr;
    for (const Node* u : users) {
      if (u->op_type == "ReduceMean" && u->inputs[0] == x) mean = u;
      if (u->op_type == "Sub" && u->inputs.size() == 2 && u->inputs[0] == x) sub = u;
    }
    if (users.size() != 2 || !ReducesLastAxis(g, mean) || !sub || sub->inputs[1] != mean->outputs[0]) {
      return Fail("expected a LayerNorm after \"" + x + "\", found " +
                  Describe(users.empty() ? nullptr : users[0]));
    }
    const std::string d = sub->outputs[0];
    const Node *pow = nullptr, *div = nullptr;
    for (const Node* u : g.Users(d)) {
      if (u->op_type == "Pow" && u->inputs.size() == 2 && u->inputs[0] == d) pow = u;
      if (u->op_type == "Div" && u->inputs.size() == 2 && u->inputs[0] == d) div = u;
    }
    double two = 0;
    if (!pow || !div || g.Users(d).size() != 2 || !g.Scalar(pow->inputs[1], &two) || two != 2) {
      return Fail("LayerNorm after \"" + x + "\": no (x - mean)^2 and (x - mean) / std");
    }
    const Node* var = g.SoleUser(pow->outputs[0]);
    const Node* add_eps = var ? g.SoleUser(var->outputs[0]) : nullptr;
    const Node* sqrt = add_eps ? g.SoleUser(add_eps->outputs[0]) : nullptr;
    if (!ReducesLastAxis(g, var) || !add_eps || add_eps->op_type != "Add" ||
        !g.Scalar(Other(add_eps, var->outputs[0]), &eps) || !sqrt || sqrt->op_type != "Sqrt" ||
        div->inputs[1] != sqrt->outputs[0]) {
      return Fail("LayerNorm after \"" + x + "\": no sqrt(mean((x - mean)^2) + eps)");
    }
    const Node* mul = g.SoleUser(div->outputs[0]);
    const Node* add = mul ? g.SoleUser(mul->outputs[0]) : nullptr;
    if (!mul || mul->op_type != "Mul" || !add || add->op_type != "Add") {
      return Fail("LayerNorm after \"" + x + "\" has no Mul(gamma) and Add(beta)");
    }
    scale_name = Other(mul, div->outputs[0]), bias_name = Other(add, mul->outputs[0]);
    *y = add->outputs[0];
  }
  if (!(std::fabs(eps - c.layer_norm_eps) <= 1e-3 * c.layer_norm_eps)) {
    return Fail("LayerNorm after \"" + x + "\" has epsilon " + std::to_string(eps) + ", config.json says " +
                std::to_string(c.layer_norm_eps));
  }
  Status s = ReadWeight(g, scale_name, {h}, gamma);
  return s.ok() ? ReadWeight(g, bias_name, {h}, beta) : s;
}

bool IsPassThrough(const std::string& op) {
  return op == "Reshape" || op == "Transpose" || op == "Unsqueeze" || op == "Squeeze";
}

// From value `x`, across reshapes/transposes and scalings by constants, to the MatMul it feeds.
// `*scale` multiplies by every scaling passed; `*slot` is the MatMul input `x`'s path enters.
const Node* FollowToMatMul(const GraphIndex& g, std::string x, double* scale, size_t* slot,
                           std::string* seen) {
  for (int steps = 0; steps < 16; ++steps) {
    const Node* n = g.SoleUser(x);
    if (!n) return nullptr;
    double c = 0;
    if (n->op_type == "MatMul" && n->inputs.size() == 2) {
      *slot = n->inputs[0] == x ? 0 : 1;
      return n;
    } else if (IsPassThrough(n->op_type) && n->inputs[0] == x) {
    } else if ((n->op_type == "Div" || n->op_type == "Mul") && n->inputs.size() == 2 && n->inputs[0] == x &&
               g.Scalar(n->inputs[1], &c) && c != 0) {
      *scale *= n->op_type == "Div" ? 1 / c : c;
    } else if (n->op_type == "Mul" && g.Scalar(Other(n, x), &c)) {
      *scale *= c;
    } else {
      *seen = Describe(n);
      return nullptr;
    }
    x = n->outputs[0];
  }
  return nullptr;
}

// The additive attention mask: only mask-building ops, back to the attention_mask input.
Status CheckMask(const GraphIndex& g, const std::string& mask) {
  static const std::set<std::string> kMaskOps = {
      "Unsqueeze", "Cast",   "Sub",    "Mul",   "Constant", "Reshape",         "Expand", "Slice",
      "Shape",     "Gather", "Concat", "Where", "Equal",    "ConstantOfShape", "Not"};
  std::vector<std::string> todo = {mask};
  std::set<std::string> done;
  bool reached = false;
  while (!todo.empty() && done.size() < 256) {
    const std::string v = todo.back();
    todo.pop_back();
    if (v.empty() || !done.insert(v).second) continue;
    if (g.IsGraphInput(v)) {
      if (v != "attention_mask") return Fail("the attention mask depends on input \"" + v + "\"");
      reached = true;
      continue;
    }
    const Node* p = g.Producer(v);
    if (!p) continue;  // an initializer
    if (!kMaskOps.count(p->op_type)) return Fail("the attention mask is built by unexpected " + Describe(p));
    todo.insert(todo.end(), p->inputs.begin(), p->inputs.end());
  }
  return reached ? Status::Ok() : Fail("the attention mask does not come from the attention_mask input");
}

// Self-attention from `h`: three projections whose paths meet at the Q.K^T MatMul (Q on the
// left, K on the right) and the probs.V MatMul (V on the right, the softmax on the left); the
// scaling on the way must be 1/sqrt(head size). `*context` = the probs.V output.
Status MatchAttention(const GraphIndex& g, const BertConfig& c, const std::string& h, BertLayerWeights* l,
                      std::string* context, const Node** residual) {
  const int64_t hid = c.hidden_size;
  std::vector<const Node*> projections;
  *residual = nullptr;
  for (const Node* u : g.Users(h)) {
    if (u->op_type == "MatMul") {
      projections.push_back(u);
    } else if (u->op_type == "Add" && !*residual) {
      *residual = u;
    } else {
      return Fail("unexpected " + Describe(u) + " at a layer's input \"" + h + "\"");
    }
  }
  if (projections.size() != 3 || !*residual) {
    return Fail("layer input \"" + h + "\" does not feed three projections and a residual Add");
  }
  struct Path {
    Weight w, b;
    const Node* matmul;
    size_t slot;
    double scale = 1;
  } p[3];
  const Node *scores = nullptr, *mix = nullptr;
  for (int i = 0; i < 3; ++i) {
    std::string y, seen = "nothing";
    Status s = MatchLinear(g, projections[i], h, hid, hid, &p[i].w, &p[i].b, &y);
    if (!s.ok()) return s;
    p[i].matmul = FollowToMatMul(g, y, &p[i].scale, &p[i].slot, &seen);
    if (!p[i].matmul)
      return Fail(std::string("projection \"")
                      .append(y)
                      .append("\" does not reach an attention MatMul (found ")
                      .append(seen)
                      .append(")"));
    const Node* left = g.Producer(p[i].matmul->inputs[0]);
    (left && left->op_type == "Softmax" ? mix : scores) = p[i].matmul;
  }
  int q = -1, k = -1, v = -1;
  for (int i = 0; i < 3; ++i) {
    if (p[i].matmul == mix && p[i].slot == 1) v = i;
    if (p[i].matmul == scores && p[i].slot == 0) q = i;
    if (p[i].matmul == scores && p[i].slot == 1) k = i;
  }
  if (q < 0 || k < 0 || v < 0 || !scores || !mix) {
    return Fail("the projections of \"" + h + "\" do not form softmax(Q.K^T).V");
  }
  // Q.K^T -> scalings -> Add(mask) -> Softmax(last axis) -> the probs.V MatMul.
  double scale = p[q].scale * p[k].scale, cst = 0;
  std::string x = scores->outputs[0];
  bool masked = false;
  for (int steps = 0; steps < 8; ++steps) {
    const Node* n = g.SoleUser(x);
    if (!n) return Fail("attention scores \"" + x + "\" have no single user");
    if (n->op_type == "Softmax") {
      const onnx::Attribute* axis = n->Find("axis");
      if ((axis && axis->i != -1 && axis->i != 3) || n->outputs[0] != mix->inputs[0]) {
        return Fail(Describe(n) + " is not the softmax over keys feeding probs.V");
      }
      break;
    }
    if ((n->op_type == "Div" || n->op_type == "Mul") && g.Scalar(Other(n, x), &cst) && cst != 0) {
      scale *= n->op_type == "Div" ? 1 / cst : cst;
    } else if (n->op_type == "Add" && !masked) {
      Status s = CheckMask(g, Other(n, x));
      if (!s.ok()) return s;
      masked = true;
    } else {
      return Fail("unexpected " + Describe(n) + " between Q.K^T and the softmax");
    }
    x = n->outputs[0];
  }
  const auto head_dim = static_cast<double>(hid) / c.num_heads;  // divisible: ParseBertConfig checks it
  const double want = 1 / std::sqrt(head_dim);
  if (!masked || std::fabs(scale - want) > 1e-4 * want) {
    return Fail("attention scores are not masked and scaled by 1/sqrt(head size) = " + std::to_string(want) +
                " (config.json's heads)");
  }
  l->q_w = std::move(p[q].w), l->q_b = std::move(p[q].b);
  l->k_w = std::move(p[k].w), l->k_b = std::move(p[k].b);
  l->v_w = std::move(p[v].w), l->v_b = std::move(p[v].b);
  *context = mix->outputs[0];
  return Status::Ok();
}

// The activation between the intermediate Add `x` and the output MatMul: its ops say which.
Status MatchActivation(const GraphIndex& g, const BertConfig& c, const std::string& x, const Node** out_mm) {
  static const std::set<std::string> kActOps = {"Div", "Erf", "Add", "Mul", "Pow", "Tanh", "Relu"};
  std::set<std::string> values = {x}, ops;
  std::vector<std::string> todo = {x};
  std::set<const Node*> nodes;
  *out_mm = nullptr;
  while (!todo.empty()) {
    const std::string v = todo.back();
    todo.pop_back();
    for (const Node* n : g.Users(v)) {
      if (n->op_type == "MatMul") {
        if (*out_mm && *out_mm != n) return Fail("the activation after \"" + x + "\" feeds two MatMuls");
        *out_mm = n;
        continue;
      }
      if (!kActOps.count(n->op_type)) return Fail("unsupported activation op: " + Describe(n));
      if (!nodes.insert(n).second) continue;
      if (nodes.size() > 16) return Fail("the activation after \"" + x + "\" is too large to be GELU");
      ops.insert(n->op_type);
      for (const std::string& o : n->outputs) values.insert(o), todo.push_back(o);
    }
  }
  for (const Node* n : nodes) {  // a closed subgraph: only x, itself and constants as inputs
    for (const std::string& i : n->inputs) {
      if (!values.count(i) && !g.Constant(i))
        return Fail(Describe(n) + " in the activation reads \"" + i + "\"");
    }
  }
  if (!*out_mm || !values.count((*out_mm)->inputs[0])) return Fail("no output MatMul after \"" + x + "\"");
  HiddenAct act;
  if (ops.count("Erf") && !ops.count("Tanh") && !ops.count("Relu")) {
    act = HiddenAct::kGelu;
  } else if (ops.count("Tanh") && !ops.count("Erf") && !ops.count("Relu")) {
    act = HiddenAct::kGeluNew;
  } else if (ops == std::set<std::string>{"Relu"}) {
    act = HiddenAct::kRelu;
  } else {
    return Fail("the activation after \"" + x + "\" is none of gelu, gelu_new, relu");
  }
  if (act != c.hidden_act) return Fail("the graph's activation differs from config.json's hidden_act");
  return Status::Ok();
}

// Linear -> Add(residual) -> LayerNorm.
Status MatchDenseResidualNorm(const GraphIndex& g, const BertConfig& c, const Node* mm, const std::string& x,
                              int64_t in, const std::string& residual, Weight* w, Weight* b, Weight* gamma,
                              Weight* beta, std::string* y) {
  std::string dense;
  Status s = MatchLinear(g, mm, x, in, c.hidden_size, w, b, &dense);
  if (!s.ok()) return s;
  const Node* add = g.SoleUser(dense);
  if (!add || add->op_type != "Add" || Other(add, dense) != residual) {
    return Fail("\"" + dense + "\" is not added to the residual \"" + residual + "\"");
  }
  return MatchLayerNorm(g, c, add->outputs[0], gamma, beta, y);
}

Status MatchLayer(const GraphIndex& g, const BertConfig& c, const std::string& h, BertLayerWeights* l,
                  std::string* next) {
  std::string context, attn, inter;
  const Node* residual;
  Status s = MatchAttention(g, c, h, l, &context, &residual);
  if (!s.ok()) return s;
  double unused = 1;
  size_t slot = 0;
  std::string seen = "nothing";
  const Node* out_mm = FollowToMatMul(g, context, &unused, &slot, &seen);
  if (!out_mm || slot != 0 || unused != 1)
    return Fail("no attention output MatMul after \"" + context + "\"");
  s = MatchDenseResidualNorm(g, c, out_mm, out_mm->inputs[0], c.hidden_size, h, &l->attn_out_w,
                             &l->attn_out_b, &l->attn_ln_gamma, &l->attn_ln_beta, &attn);
  if (!s.ok()) return s;
  const Node* inter_mm = nullptr;
  for (const Node* u : g.Users(attn)) {
    if (u->op_type == "MatMul") inter_mm = u;
  }
  if (g.Users(attn).size() != 2)
    return Fail("\"" + attn + "\" does not feed one MatMul and one residual Add");
  if (!(s = MatchLinear(g, inter_mm, attn, c.hidden_size, c.intermediate_size, &l->inter_w, &l->inter_b,
                        &inter))
           .ok()) {
    return s;
  }
  if (!(s = MatchActivation(g, c, inter, &out_mm)).ok()) return s;
  return MatchDenseResidualNorm(g, c, out_mm, out_mm->inputs[0], c.intermediate_size, attn, &l->out_w,
                                &l->out_b, &l->out_ln_gamma, &l->out_ln_beta, next);
}

// position ids 0, 1, ...: a Slice from 0 of a constant arange (HF's position_ids buffer).
Status CheckPositionIds(const GraphIndex& g, const std::string& ids) {
  const Node* slice = g.Producer(ids);
  if (!slice || slice->op_type != "Slice" || slice->inputs.size() < 3) {
    return Fail("position ids come from " + Describe(slice) + ", not a Slice of 0..n-1");
  }
  const Tensor* range = g.Constant(slice->inputs[0]);
  std::vector<int64_t> values;
  double start = -1;
  if (!range || !onnx::IntValues(*range, &values) || !g.Scalar(slice->inputs[1], &start) || start != 0) {
    return Fail(Describe(slice) + " does not slice constant position ids from 0");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] != static_cast<int64_t>(i))
      return Fail("position ids \"" + slice->inputs[0] + "\" are not 0..n-1");
  }
  return Status::Ok();
}

// Gather(word) + Gather(token type) + Gather(position) in any order, then LayerNorm.
Status MatchEmbeddings(const GraphIndex& g, const BertConfig& c, BertWeights* w, std::string* h) {
  const int64_t hid = c.hidden_size;
  const Node* word = nullptr;
  for (const Node* u : g.Users("input_ids")) {
    if (u->op_type == "Gather" && u->inputs.size() == 2 && u->inputs[1] == "input_ids") word = u;
  }
  if (!word) return Fail("no Gather of embeddings by input_ids");
  Status s = ReadWeight(g, word->inputs[0], {c.vocab_size, hid}, &w->word_embeddings);
  if (!s.ok()) return s;
  std::string x = word->outputs[0];
  bool has_type = false, has_position = false;
  while (const Node* add = g.SoleUser(x)) {
    if (add->op_type != "Add") break;
    const Node* gather = g.Producer(Other(add, x));
    if (!gather || gather->op_type != "Gather" || gather->inputs.size() != 2) {
      return Fail("the embeddings sum adds " + Describe(gather) + ", not an embedding Gather");
    }
    if (gather->inputs[1] == "token_type_ids" && !has_type) {
      s = ReadWeight(g, gather->inputs[0], {c.type_vocab_size, hid}, &w->token_type_embeddings);
      has_type = true;
    } else if (!has_position) {
      s = CheckPositionIds(g, gather->inputs[1]);
      if (s.ok())
        s = ReadWeight(g, gather->inputs[0], {c.max_position_embeddings, hid}, &w->position_embeddings);
      has_position = true;
    } else {
      return Fail("the embeddings sum has a third embedding " + Describe(gather));
    }
    if (!s.ok()) return s;
    x = add->outputs[0];
  }
  if (!has_type || !has_position) return Fail("the embeddings lack token type or position embeddings");
  return MatchLayerNorm(g, c, x, &w->emb_ln_gamma, &w->emb_ln_beta, h);
}

Status LoadOnnx(const uint8_t* data, size_t size, const BertConfig& config, BertWeights* out) {
  onnx::Model model;
  Status s = onnx::ParseModel(data, size, &model);
  if (!s.ok()) return s;
  // A quantized export (onnx/model_quantized.onnx) back to the float graph the walk knows.
  bool quantized = false;
  if (!(s = onnx::DequantizeGraph(&model.graph, &quantized)).ok()) return s;
  // A config implying more weights than the file can hold (4 bytes each, 1 quantized) fails
  // before allocating.
  if (BertWeightFloats(config) > size / (quantized ? 1 : 4))
    return Fail("config.json implies more weights than the file holds");
  for (const Node& n : model.graph.nodes) {  // the walk reads outputs[0] of the nodes it visits
    if (n.outputs.empty()) return Fail(Describe(&n) + " has no outputs");
  }
  const GraphIndex g(model.graph);
  if (!g.IsGraphInput("input_ids")) return Fail("the graph has no input_ids input");
  BertWeights w;
  std::string h;
  if (!(s = MatchEmbeddings(g, config, &w, &h)).ok()) return s;
  w.layers.resize(static_cast<size_t>(config.num_layers));
  for (BertLayerWeights& layer : w.layers) {
    if (!(s = MatchLayer(g, config, h, &layer, &h)).ok()) return s;
  }
  if (!g.IsGraphOutput(h)) {
    return Fail("after config.json's " + std::to_string(config.num_layers) + " layers, \"" + h +
                "\" is not the graph's output (more layers, or a head on top)");
  }
  if (!(s = CheckBertWeights(config, w)).ok()) return s;
  *out = std::move(w);
  return Status::Ok();
}

}  // namespace

Status LoadBertOnnx(const uint8_t* data, size_t size, const BertConfig& config, BertWeights* out,
                    std::string_view file) {
  Status s = LoadOnnx(data, size, config, out);
  // The parser's and the walk's messages all start with the default name: name this file.
  constexpr std::string_view kDefault = "model.onnx";
  if (s.ok() || file == kDefault || !s.message().starts_with(kDefault)) return s;
  return Status(s.code(), std::string(file) + s.message().substr(kDefault.size()));
}

}  // namespace ruv::embed
