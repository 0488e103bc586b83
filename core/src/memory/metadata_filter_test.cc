#include "memory/metadata_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ruv::memory {
namespace {

using json = ruv::memory::Json;

// Metadata of a few memories; each case below lists, by hand from MongoDB's documented
// semantics, which of them a filter matches.
const std::vector<json>& Docs() {
  static const std::vector<json> docs = {
      json::parse(
          R"({"kind": "note", "year": 2021, "score": 0.5, "tags": ["a", "b"], "user": {"name": "ann"}})"),
      json::parse(R"({"kind": "task", "year": 2023, "score": 1, "tags": ["b"], "done": true})"),
      json::parse(R"({"kind": "note", "year": 2024.0, "tags": [], "done": false, "user": {"name": "bob"}})"),
      json::parse(R"({"kind": "Note", "year": "2022", "score": null})"),
      json::parse(R"({})"),
  };
  return docs;
}

struct Case {
  const char* filter;
  std::vector<int> matches;  // indexes into Docs()
};

std::vector<int> MatchesOf(const MetadataFilter& f) {
  std::vector<int> out;
  for (size_t i = 0; i < Docs().size(); ++i) {
    if (f.Matches(Docs()[i])) out.push_back(static_cast<int>(i));
  }
  return out;
}

TEST(MetadataFilterTest, MatchesAsMongoDbDoes) {
  const Case cases[] = {
      {"{}", {0, 1, 2, 3, 4}},
      {R"({"kind": "note"})", {0, 2}},  // plain value: $eq, case-sensitive
      {R"({"kind": {"$eq": "note"}})", {0, 2}},
      {R"({"kind": {"$ne": "note"}})", {1, 3, 4}},  // $ne matches a missing field
      {R"({"year": 2024})", {2}},                   // 2024 equals 2024.0
      {R"({"year": {"$gt": 2021}})", {1, 2}},       // "2022" is a string: no number order
      {R"({"year": {"$gte": 2021, "$lt": 2024}})", {0, 1}},
      {R"({"year": {"$lte": "2022"}})", {3}},  // strings compare with strings only
      {R"({"year": {"$gt": "2"}})", {3}},
      {R"({"score": null})", {2, 3, 4}},  // null equals null and a missing field
      {R"({"score": {"$ne": null}})", {0, 1}},
      {R"({"score": {"$exists": true}})", {0, 1, 3}},  // present, even when null
      {R"({"score": {"$exists": false}})", {2, 4}},
      {R"({"tags": "b"})", {0, 1}},  // an array field holds the value
      {R"({"tags": ["b"]})", {1}},   // or is the value
      {R"({"tags": []})", {2}},
      {R"({"tags": ["a", "b"]})", {0}},  // arrays equal element by element, in order
      {R"({"tags": ["z", "b"]})", {}},
      {R"({"tags": ["b", "a"]})", {}},
      {R"({"user": {"name": "ann", "x": 1}})", {}},
      {R"({"tags": {"$in": ["a", "z"]}})", {0}},
      {R"({"tags": {"$nin": ["b"]}})", {2, 3, 4}},
      {R"({"kind": {"$in": ["task", "Note"]}})", {1, 3}},
      {R"({"done": {"$in": [null, false]}})", {0, 2, 3, 4}},
      {R"({"done": true})", {1}},
      {R"({"done": 1})", {}},            // a boolean is not a number
      {R"({"user.name": "bob"})", {2}},  // dotted paths reach into objects
      {R"({"user.name": {"$exists": true}})", {0, 2}},
      {R"({"kind.length": {"$exists": true}})", {}},        // a string has no fields
      {R"({"user": {"name": "ann"}})", {0}},                // an object equals an object
      {R"({"kind": "note", "year": {"$lt": 2022}})", {0}},  // several keys: AND
      {R"({"$or": [{"kind": "task"}, {"score": {"$lt": 0.6}}]})", {0, 1}},
      {R"({"$and": [{"tags": "b"}, {"$or": [{"done": true}, {"user.name": "ann"}]}]})", {0, 1}},
      {R"({"score": {"$gt": 0.4, "$lt": 0.6}})", {0}},
      {R"({"tags": {"$gte": "b"}})", {0, 1}},  // ranges: any element of an array
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.filter);
    MetadataFilter f;
    const Status s = MetadataFilter::Parse(c.filter, &f);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(MatchesOf(f), c.matches);
  }
}

TEST(MetadataFilterTest, MetadataThatIsNotAnObjectHasNoFields) {
  MetadataFilter f;
  ASSERT_TRUE(MetadataFilter::Parse(R"({"a": {"$exists": false}, "b": null})", &f).ok());
  EXPECT_TRUE(f.Matches(json()));
  EXPECT_TRUE(f.Matches(json::array({1, 2})));
  ASSERT_TRUE(MetadataFilter::Parse(R"({"a": 1})", &f).ok());
  EXPECT_FALSE(f.Matches(json(1)));
  EXPECT_TRUE(MetadataFilter().MatchesAll());
  EXPECT_TRUE(f.Matches(json::parse(R"({"a": 1})")));
  EXPECT_FALSE(f.MatchesAll());
}

TEST(MetadataFilterTest, BadFiltersSayWhereAndWhy) {
  const std::pair<const char*, const char*> bad[] = {
      {"[1]", "filter: must be an object (got an array)"},
      {"{\"a\": ", "filter: is not valid JSON"},
      {R"({"$nor": [{"a": 1}]})",
       "filter.$nor: unknown operator at the top of a filter (expected $and, $or or a field name)"},
      {R"({"$and": []})", "filter.$and: must be a non-empty array of filters (got an array)"},
      {R"({"$or": {"a": 1}})", "filter.$or: must be a non-empty array of filters (got an object)"},
      {R"({"$or": [{"a": 1}, 3]})", "filter.$or[1]: must be an object (got a number)"},
      {R"({"a": {"$regex": "x"}})",
       "filter.a.$regex: unknown operator (expected one of $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, "
       "$exists)"},
      {R"({"a": {"$gt": 1, "b": 2}})", "filter.a: mixes operators and field names ('b')"},
      {R"({"a": {"$gt": true}})", "filter.a.$gt: must be a number or a string (got a boolean)"},
      {R"({"a": {"$lte": null}})", "filter.a.$lte: must be a number or a string (got null)"},
      {R"({"a": {"$in": "x"}})", "filter.a.$in: must be an array (got a string)"},
      {R"({"a": {"$nin": {"x": 1}}})", "filter.a.$nin: must be an array (got an object)"},
      {R"({"a": {"$exists": 1}})", "filter.a.$exists: must be true or false (got a number)"},
      {R"({"a..b": 1})", "filter.a..b: a field name has an empty part"},
      {R"({".a": 1})", "filter..a: a field name has an empty part"},
  };
  for (const auto& [text, message] : bad) {
    SCOPED_TRACE(text);
    MetadataFilter f;
    const Status s = MetadataFilter::Parse(text, &f);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.message(), message);
  }
}

TEST(MetadataFilterTest, DepthSizeAndLengthAreBounded) {
  // $and nested 32 deep compiles; 33 is refused, before any deeper recursion.
  auto nested = [](size_t levels) {
    std::string open, close;
    for (size_t i = 0; i < levels; ++i) open += R"({"$and": [)", close += "]}";
    return open + R"({"a": 1})" + close;
  };
  MetadataFilter f;
  ASSERT_TRUE(MetadataFilter::Parse(nested(kMaxFilterDepth), &f).ok());
  EXPECT_TRUE(f.Matches(json::parse(R"({"a": 1})")));
  Status s = MetadataFilter::Parse(nested(kMaxFilterDepth + 1), &f);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nests deeper than 32 levels"), std::string::npos) << s.message();
  // Deeply nested values (an $eq operand of 100k arrays) are refused, not compared recursively.
  std::string deep = R"({"a": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  s = MetadataFilter::Parse(deep, &f);
  EXPECT_EQ(s.message(), "filter.a: nests deeper than 32 levels");
  // More than 4096 conditions, counting $in values.
  std::string many = R"({"a": {"$in": [)";
  for (size_t i = 0; i <= kMaxFilterNodes; ++i) many += (i ? "," : "") + std::to_string(i);
  s = MetadataFilter::Parse(many + "]}}", &f);
  EXPECT_EQ(s.message(), "filter.a.$in: the filter has more than 4096 conditions");
  s = MetadataFilter::Parse(std::string(kMaxFilterText + 1, ' '), &f);
  EXPECT_EQ(s.message(), "filter: is longer than 1048576 bytes of JSON");
  // A failed compile leaves the previous filter in place.
  EXPECT_TRUE(f.Matches(json::parse(R"({"a": 1})")));
  EXPECT_FALSE(f.Matches(json::parse(R"({"a": 2})")));
}

}  // namespace
}  // namespace ruv::memory
