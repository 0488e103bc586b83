// Metadata filters of the semantic memory: a Mongo / Pinecone-style query object, compiled once
// and evaluated against each candidate's metadata during the HNSW walk (an HnswFilter).
//
//   { field: value }                     field equals value ($eq)
//   { field: { $op: operand, ... } }     every operator holds
//   { $and: [filter, ...] }, { $or: [filter, ...] }
//   operators: $eq $ne $gt $gte $lt $lte $in $nin $exists
//
// Semantics (MongoDB's, on JSON values):
// - A field is a key of the metadata object; "a.b" reaches into nested objects.
// - Equality compares JSON values (every number as a double: 1 equals 1.0); an array field
//   matches $eq / $in when any element does, and $ne / $nin when none does.
// - A missing field: `null` equals it ({ f: null } and { f: { $in: [null] } } match), so $ne and
//   $nin of a non-null value match it; ranges never do; { $exists: false } does.
// - $gt $gte $lt $lte compare numbers with numbers and strings with strings (by UTF-8 bytes);
//   other pairs never match, as in MongoDB.
// - Several top-level keys are ANDed, as are several operators on one field.
// Bad filters are INVALID_ARGUMENT naming the place ("filter.tags.$in: ..."). Filters come from
// callers (possibly from untrusted text): nesting and size are bounded, and evaluation never
// recurses deeper than the filter does.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memory/json_limits.h"
#include "ruv/status.h"

namespace ruv::memory {

// Bounds on a filter: far above anything written by hand, low enough that compiling and
// evaluating one costs little and never exhausts the stack.
inline constexpr size_t kMaxFilterDepth = 32;
inline constexpr size_t kMaxFilterNodes = 4096;
inline constexpr size_t kMaxFilterText = 1 << 20;  // bytes of filter JSON

class MetadataFilter {
 public:
  MetadataFilter();
  ~MetadataFilter();
  MetadataFilter(MetadataFilter&&) noexcept;
  MetadataFilter& operator=(MetadataFilter&&) noexcept;

  // Compiles the filter from JSON text (an object). The empty object matches everything.
  static Status Parse(std::string_view json_text, MetadataFilter* out);
  static Status Compile(const Json& spec, MetadataFilter* out);

  // True when `metadata` (a JSON object; anything else has no fields) passes the filter.
  bool Matches(const Json& metadata) const;

  // True when the filter is the empty object: every entry passes.
  bool MatchesAll() const;

  struct Node;  // the compiled tree (metadata_filter.cc)

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace ruv::memory
