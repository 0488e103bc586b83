#include "memory/metadata_filter.h"

#include <algorithm>
#include <utility>

#include "memory/json_limits.h"

namespace ruv::memory {

namespace {

enum class Op { kAnd, kOr, kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kExists };

struct OpName {
  const char* name;
  Op op;
};
constexpr OpName kFieldOps[] = {{"$eq", Op::kEq},   {"$ne", Op::kNe},   {"$gt", Op::kGt},
                                {"$gte", Op::kGte}, {"$lt", Op::kLt},   {"$lte", Op::kLte},
                                {"$in", Op::kIn},   {"$nin", Op::kNin}, {"$exists", Op::kExists}};
constexpr const char* kFieldOpList = "$eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists";

// "filter.a" + "$gt" -> "filter.a.$gt": where an error is, for its message.
std::string Child(const std::string& where, const std::string& key) {
  std::string out = where;
  out += '.';
  out += key;
  return out;
}

Status Bad(const std::string& where, const std::string& what) {
  return {ErrorCode::kInvalidArgument, where + ": " + what};
}

const char* TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "a binary value";
}

// JSON equality with every number compared as a double (1 == 1.0, as JavaScript sees them).
// Recursion is bounded by the operand's depth, which Compile limits.
bool Equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const auto other = b.find(it.key());
      if (other == b.end() || !Equal(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// -1, 0 or 1 when a and b are both numbers or both strings; 2 when they do not compare.
int Compare(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 2;
}

}  // namespace

struct MetadataFilter::Node {
  Op op = Op::kAnd;
  std::vector<std::string> path;                // field ops: the keys from the root object down
  Json operand;                                 // $eq $ne and the ranges: the value; $exists: bool
  std::vector<Json> values;                     // $in / $nin
  std::vector<std::unique_ptr<Node>> children;  // $and / $or, and a field's several ops

  const Json* Lookup(const Json& metadata) const {
    const Json* at = &metadata;
    for (const std::string& key : path) {
      if (!at->is_object()) return nullptr;
      const auto it = at->find(key);
      if (it == at->end()) return nullptr;
      at = &*it;
    }
    return at;
  }

  // $eq: a missing field equals null; an array field equals v when it is v or holds it.
  static bool EqualsField(const Json* field, const Json& v) {
    if (field == nullptr) return v.is_null();
    if (Equal(*field, v)) return true;
    if (field->is_array()) {
      for (const Json& e : *field) {
        if (Equal(e, v)) return true;
      }
    }
    return false;
  }

  bool InRange(const Json& x) const {
    const int c = Compare(x, operand);
    if (c == 2) return false;
    switch (op) {
      case Op::kGt:
        return c > 0;
      case Op::kGte:
        return c >= 0;
      case Op::kLt:
        return c < 0;
      default:
        return c <= 0;
    }
  }

  bool Eval(const Json& metadata) const {
    switch (op) {
      case Op::kAnd:
        for (const auto& c : children) {
          if (!c->Eval(metadata)) return false;
        }
        return true;
      case Op::kOr:
        for (const auto& c : children) {
          if (c->Eval(metadata)) return true;
        }
        return false;
      default:
        break;
    }
    const Json* field = Lookup(metadata);
    switch (op) {
      case Op::kEq:
        return EqualsField(field, operand);
      case Op::kNe:
        return !EqualsField(field, operand);
      case Op::kIn:
      case Op::kNin: {
        const bool in =
            std::any_of(values.begin(), values.end(), [&](const Json& v) { return EqualsField(field, v); });
        return op == Op::kIn ? in : !in;
      }
      case Op::kExists:
        return (field != nullptr) == operand.get<bool>();
      default:  // the ranges: a missing field never matches; an array when an element does
        if (field == nullptr) return false;
        if (InRange(*field)) return true;
        if (field->is_array()) {
          for (const Json& e : *field) {
            if (InRange(e)) return true;
          }
        }
        return false;
    }
  }
};

namespace {

using Node = MetadataFilter::Node;

class Compiler {
 public:
  Status Filter(const Json& spec, const std::string& where, size_t depth, std::unique_ptr<Node>* out) {
    if (!spec.is_object()) return Bad(where, std::string("must be an object (got ") + TypeName(spec) + ")");
    if (depth > kMaxFilterDepth) {
      return Bad(where, "nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    }
    auto node = std::make_unique<Node>();
    node->op = Op::kAnd;
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      const std::string& key = it.key();
      std::unique_ptr<Node> child;
      Status s = key.starts_with('$') ? Logical(key, it.value(), where, depth, &child)
                                      : Field(key, it.value(), where, depth, &child);
      if (!s.ok()) return s;
      node->children.push_back(std::move(child));
    }
    *out = std::move(node);
    return Status::Ok();
  }

 private:
  Status Count(const std::string& where, size_t n = 1) {
    nodes_ += n;
    if (nodes_ > kMaxFilterNodes) {
      return Bad(where, "the filter has more than " + std::to_string(kMaxFilterNodes) + " conditions");
    }
    return Status::Ok();
  }

  Status Logical(const std::string& key, const Json& v, const std::string& where, size_t depth,
                 std::unique_ptr<Node>* out) {
    const std::string at = Child(where, key);
    if (key != "$and" && key != "$or") {
      return Bad(at, "unknown operator at the top of a filter (expected $and, $or or a field name)");
    }
    if (!v.is_array() || v.empty()) {
      return Bad(at, std::string("must be a non-empty array of filters (got ") + TypeName(v) + ")");
    }
    if (Status s = Count(at); !s.ok()) return s;
    auto node = std::make_unique<Node>();
    node->op = key == "$and" ? Op::kAnd : Op::kOr;
    for (size_t i = 0; i < v.size(); ++i) {
      std::unique_ptr<Node> child;
      if (Status s = Filter(v[i], at + "[" + std::to_string(i) + "]", depth + 1, &child); !s.ok()) return s;
      node->children.push_back(std::move(child));
    }
    *out = std::move(node);
    return Status::Ok();
  }

  static std::vector<std::string> SplitPath(const std::string& key) {
    std::vector<std::string> path;
    size_t start = 0;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
      path.push_back(key.substr(start, dot - start));
      start = dot + 1;
    }
    path.push_back(key.substr(start));
    return path;
  }

  Status Field(const std::string& key, const Json& v, const std::string& where, size_t depth,
               std::unique_ptr<Node>* out) {
    const std::string at = Child(where, key);
    std::vector<std::string> path = SplitPath(key);
    if (std::any_of(path.begin(), path.end(), [](const std::string& p) { return p.empty(); })) {
      return Bad(at, "a field name has an empty part");
    }
    const bool has_ops = v.is_object() && std::any_of(v.items().begin(), v.items().end(), [](const auto& kv) {
                           return kv.key().starts_with('$');
                         });
    if (!has_ops) return Leaf(Op::kEq, path, v, at, depth, out);  // { field: value }
    auto node = std::make_unique<Node>();
    node->op = Op::kAnd;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& name = it.key();
      const auto known = std::find_if(std::begin(kFieldOps), std::end(kFieldOps),
                                      [&](const OpName& o) { return name == o.name; });
      if (known == std::end(kFieldOps)) {
        if (!name.starts_with('$')) return Bad(at, "mixes operators and field names ('" + name + "')");
        return Bad(Child(at, name), std::string("unknown operator (expected one of ") + kFieldOpList + ")");
      }
      std::unique_ptr<Node> leaf;
      if (Status s = Leaf(known->op, path, it.value(), Child(at, name), depth, &leaf); !s.ok()) return s;
      node->children.push_back(std::move(leaf));
    }
    *out = std::move(node);
    return Status::Ok();
  }

  Status Leaf(Op op, const std::vector<std::string>& path, const Json& v, const std::string& at, size_t depth,
              std::unique_ptr<Node>* out) {
    if (Status s = Count(at); !s.ok()) return s;
    const size_t room = kMaxFilterDepth > depth ? kMaxFilterDepth - depth : 0;
    if (!JsonDepthWithin(v, room)) {
      return Bad(at, "nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    }
    auto node = std::make_unique<Node>();
    node->op = op;
    node->path = path;
    switch (op) {
      case Op::kGt:
      case Op::kGte:
      case Op::kLt:
      case Op::kLte:
        if (!v.is_number() && !v.is_string()) {
          return Bad(at, std::string("must be a number or a string (got ") + TypeName(v) + ")");
        }
        break;
      case Op::kIn:
      case Op::kNin:
        if (!v.is_array()) return Bad(at, std::string("must be an array (got ") + TypeName(v) + ")");
        if (Status s = Count(at, v.size()); !s.ok()) return s;
        node->values.assign(v.begin(), v.end());
        break;
      case Op::kExists:
        if (!v.is_boolean()) return Bad(at, std::string("must be true or false (got ") + TypeName(v) + ")");
        break;
      default:
        break;
    }
    if (op != Op::kIn && op != Op::kNin) node->operand = v;
    *out = std::move(node);
    return Status::Ok();
  }

  size_t nodes_ = 0;
};

}  // namespace

MetadataFilter::MetadataFilter() = default;
MetadataFilter::~MetadataFilter() = default;
MetadataFilter::MetadataFilter(MetadataFilter&&) noexcept = default;
MetadataFilter& MetadataFilter::operator=(MetadataFilter&&) noexcept = default;

Status MetadataFilter::Parse(std::string_view json_text, MetadataFilter* out) {
  if (json_text.size() > kMaxFilterText) {
    return Bad("filter", "is longer than " + std::to_string(kMaxFilterText) + " bytes of JSON");
  }
  const Json spec = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) return Bad("filter", "is not valid JSON");
  return Compile(spec, out);
}

Status MetadataFilter::Compile(const Json& spec, MetadataFilter* out) {
  std::unique_ptr<Node> root;
  Compiler compiler;
  if (Status s = compiler.Filter(spec, "filter", 0, &root); !s.ok()) return s;
  out->root_ = std::move(root);
  return Status::Ok();
}

bool MetadataFilter::Matches(const Json& metadata) const { return root_ == nullptr || root_->Eval(metadata); }

bool MetadataFilter::MatchesAll() const { return root_ == nullptr || root_->children.empty(); }

}  // namespace ruv::memory
