// Unit tests for cmdb_proto_util: util/struct_json.h (google.protobuf.Struct
// <-> JSON under one set of rules) and util/status_names.h. The cases where
// the server's and cmdbctl's former copies of the conversion disagreed are
// pinned in StructJsonFormerDisagreementTest.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "cmdb/v1/cmdb_service.pb.h"
#include "util/status_names.h"
#include "util/struct_json.h"

namespace cmdb::proto_util {
namespace {

namespace pb = google::protobuf;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

pb::Value Number(double d) {
  pb::Value v;
  v.set_number_value(d);
  return v;
}

pb::Value Text(const std::string& s) {
  pb::Value v;
  v.set_string_value(s);
  return v;
}

Json ToJson(const pb::Value& v) {
  auto json = ValueToJson(v, "value");
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : Json();
}

pb::Struct ToStruct(const Json& json) {
  pb::Struct s;
  absl::Status st = JsonToStruct(json, &s, "attributes");
  EXPECT_TRUE(st.ok()) << st;
  return s;
}

// An INVALID_ARGUMENT whose message is exactly `message` (path first).
void ExpectInvalid(const absl::Status& status, const std::string& message) {
  ASSERT_FALSE(status.ok()) << "expected: " << message;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(std::string(status.message()), message);
}

// `levels` nested objects {"a": {"a": ... 1}} (levels 0: the number 1).
Json NestedObjects(int levels) {
  Json json = 1;
  for (int i = 0; i < levels; ++i) json = Json{{"a", json}};
  return json;
}

// `levels` nested lists [[...[1]...]].
Json NestedLists(int levels) {
  Json json = 1;
  for (int i = 0; i < levels; ++i) json = Json::array({json});
  return json;
}

// The same shapes built as protobuf, bypassing the JSON -> Struct checks.
pb::Value NestedStructValue(int levels) {
  pb::Value v = Number(1);
  for (int i = 0; i < levels; ++i) {
    pb::Value outer;
    (*outer.mutable_struct_value()->mutable_fields())["a"] = v;
    v = outer;
  }
  return v;
}

pb::Value NestedListValue(int levels) {
  pb::Value v = Number(1);
  for (int i = 0; i < levels; ++i) {
    pb::Value outer;
    *outer.mutable_list_value()->add_values() = v;
    v = outer;
  }
  return v;
}

// --- Round trips ------------------------------------------------------------

const Json& Document() {
  static const Json* doc = new Json{
      {"name", "web01"},
      {"cpu_count", 8},
      {"load", 0.75},
      {"virtual", false},
      {"retired_at", nullptr},
      {"tags", Json::array({"prod", 1, 2.5, nullptr, true, Json::array({"x", Json::array()}), {{"k", "v"}}})},
      {"extra", {{"rack", {{"row", 3}, {"slots", Json::array({1, 2})}}}, {"empty_object", Json::object()}}},
      {"unicode", "Zürich — 東京 𝄞"},
      {"", "an empty key"},
  };
  return *doc;
}

TEST(StructJsonTest, StructRoundTripWithNestedListsObjectsAndNull) {
  const pb::Struct s = ToStruct(Document());
  EXPECT_EQ(s.fields().size(), Document().size());
  EXPECT_EQ(s.fields().at("name").string_value(), "web01");
  EXPECT_EQ(s.fields().at("cpu_count").number_value(), 8.0);
  EXPECT_EQ(s.fields().at("retired_at").kind_case(), pb::Value::kNullValue);
  EXPECT_EQ(s.fields().at("tags").list_value().values_size(), 7);
  EXPECT_EQ(s.fields().at("tags").list_value().values(5).list_value().values(1).kind_case(), pb::Value::kListValue);
  EXPECT_EQ(s.fields().at("extra").struct_value().fields().at("empty_object").kind_case(), pb::Value::kStructValue);

  auto back = StructToJson(s, "attributes");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Document()) << back->dump();
  EXPECT_TRUE((*back)["cpu_count"].is_number_integer());
  EXPECT_TRUE((*back)["load"].is_number_float());
  EXPECT_TRUE((*back)["extra"]["empty_object"].is_object());
  EXPECT_TRUE((*back)["tags"][5][1].is_array());

  // Struct -> JSON -> Struct gives the same message.
  pb::Struct again = ToStruct(*back);
  EXPECT_EQ(again.SerializeAsString().size(), s.SerializeAsString().size());
  EXPECT_EQ(StructToJson(again, "attributes").value(), *back);
}

TEST(StructJsonTest, OrderedJsonRoundTripsToo) {
  const OrderedJson ordered = Document();
  pb::Struct s;
  ASSERT_TRUE(JsonToStruct(ordered, &s, "attributes").ok());
  auto back = StructToJson<OrderedJson>(s, "attributes");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Json(*back), Document());
}

TEST(StructJsonTest, ValueRoundTrip) {
  for (const Json& j : {Json(nullptr), Json(true), Json(false), Json("text"), Json(""), Json(42), Json(-1.5), Json(0),
                        Json::array(), Json::array({"one"}), Json::array({1, Json::array({2, Json::array({3})})}),
                        Json::object(), Json({{"a", {{"b", {{"c", nullptr}}}}}})}) {
    pb::Value v;
    ASSERT_TRUE(JsonToValue(j, &v, "value").ok()) << j.dump();
    EXPECT_EQ(ToJson(v), j) << j.dump();
    EXPECT_EQ(ToJson(v).type(), j.type()) << j.dump();
  }
}

TEST(StructJsonTest, ListRoundTrip) {
  const Json list = Json::array({1, "two", nullptr, Json::array(), Json::object()});
  pb::ListValue l;
  ASSERT_TRUE(JsonToList(list, &l, "items").ok());
  EXPECT_EQ(l.values_size(), 5);
  auto back = ListToJson(l, "items");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, list);
  ExpectInvalid(JsonToList(Json::object(), &l, "items"), "items: expected a JSON array, got object");
  EXPECT_EQ(l.values_size(), 0);
}

// --- Nulls, empty containers ------------------------------------------------------

TEST(StructJsonTest, NullsAndUnsetValues) {
  pb::Value null;
  null.set_null_value(pb::NULL_VALUE);
  EXPECT_TRUE(ToJson(null).is_null());
  // A value with no kind set (an absent optional value) reads as null.
  EXPECT_TRUE(ToJson(pb::Value()).is_null());
  pb::Struct s;
  (*s.mutable_fields())["unset"];
  EXPECT_EQ(StructToJson(s, "attributes").value(), Json({{"unset", nullptr}}));

  pb::Value v;
  ASSERT_TRUE(JsonToValue(Json(nullptr), &v, "value").ok());
  EXPECT_EQ(v.kind_case(), pb::Value::kNullValue);
}

TEST(StructJsonTest, EmptyListsAndObjectsStayListsAndObjects) {
  // An empty JSON array is a list with no items, not an unset value (which
  // reads back as null and which protobuf's JSON printer rejects).
  pb::Value v;
  ASSERT_TRUE(JsonToValue(Json::array(), &v, "value").ok());
  EXPECT_EQ(v.kind_case(), pb::Value::kListValue);
  EXPECT_EQ(v.list_value().values_size(), 0);
  EXPECT_EQ(ToJson(v), Json::array());

  ASSERT_TRUE(JsonToValue(Json::object(), &v, "value").ok());
  EXPECT_EQ(v.kind_case(), pb::Value::kStructValue);
  EXPECT_EQ(ToJson(v), Json::object());

  const pb::Struct s = ToStruct({{"tags", Json::array()}, {"nested", {{"items", Json::array()}}}});
  EXPECT_EQ(s.fields().at("tags").kind_case(), pb::Value::kListValue);
  EXPECT_EQ(s.fields().at("nested").struct_value().fields().at("items").kind_case(), pb::Value::kListValue);
  EXPECT_EQ(StructToJson(pb::Struct(), "attributes").value(), Json::object());
}

TEST(StructJsonTest, OutputIsReplacedNotMerged) {
  pb::Struct s = ToStruct({{"old", 1}});
  ASSERT_TRUE(JsonToStruct(Json{{"new", 2}}, &s, "attributes").ok());
  EXPECT_EQ(s.fields().size(), 1u);
  EXPECT_TRUE(s.fields().contains("new"));

  pb::Value v = Text("old");
  ASSERT_TRUE(JsonToValue(Json::array({1}), &v, "value").ok());
  EXPECT_EQ(v.kind_case(), pb::Value::kListValue);
}

TEST(StructJsonTest, OutputIsEmptyAfterAnError) {
  pb::Struct s = ToStruct({{"old", 1}});
  ExpectInvalid(JsonToStruct(Json{{"a", 1}, {"b", NAN}}, &s, "attributes"), "attributes.b: number is not finite (NaN)");
  EXPECT_TRUE(s.fields().empty());
}

// --- Key order ----------------------------------------------------------------------

TEST(StructJsonTest, KeysAreSortedByteWiseForBothJsonTypes) {
  pb::Struct s;
  // Inserted out of order; protobuf's map has its own (unspecified) order.
  for (const char* key : {"zeta", "Alpha", "beta", "_x", "10", "9", "é", "a", "", "aa", "東"}) {
    (*s.mutable_fields())[key] = Number(1);
  }
  const std::string expected =
      R"({"":1,"10":1,"9":1,"Alpha":1,"_x":1,"a":1,"aa":1,"beta":1,"zeta":1,"é":1,"東":1})";
  auto plain = StructToJson(s, "attributes");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->dump(), expected);
  auto ordered = StructToJson<OrderedJson>(s, "attributes");
  ASSERT_TRUE(ordered.ok()) << ordered.status();
  EXPECT_EQ(ordered->dump(), expected);

  // Nested objects too, and inside lists.
  pb::Value nested;
  auto& inner = *nested.mutable_list_value()->add_values()->mutable_struct_value()->mutable_fields();
  inner["b"] = Number(2);
  inner["a"] = Number(1);
  (*s.mutable_fields())["zeta"] = nested;
  EXPECT_EQ((*StructToJson<OrderedJson>(s, "attributes"))["zeta"].dump(), R"([{"a":1,"b":2}])");
}

TEST(StructJsonTest, OrderedJsonInputOrderDoesNotMatter) {
  OrderedJson forward = OrderedJson::object();
  forward["b"] = 1;
  forward["a"] = 2;
  OrderedJson backward = OrderedJson::object();
  backward["a"] = 2;
  backward["b"] = 1;
  pb::Struct s1, s2;
  ASSERT_TRUE(JsonToStruct(forward, &s1, "attributes").ok());
  ASSERT_TRUE(JsonToStruct(backward, &s2, "attributes").ok());
  EXPECT_EQ(StructToJson<OrderedJson>(s1, "attributes")->dump(), R"({"a":2,"b":1})");
  EXPECT_EQ(StructToJson<OrderedJson>(s2, "attributes")->dump(), R"({"a":2,"b":1})");
}

// --- Numbers ------------------------------------------------------------------------

TEST(StructJsonTest, IntegralNumbersWithin2To53BecomeJsonIntegers) {
  for (double d : {0.0, 4.0, -3.0, 1e15, 9007199254740991.0, -9007199254740991.0, 9007199254740992.0,
                   -9007199254740992.0}) {
    const Json j = ToJson(Number(d));
    EXPECT_TRUE(j.is_number_integer()) << d << " -> " << j.dump();
    EXPECT_EQ(j.get<int64_t>(), static_cast<int64_t>(d));
  }
  EXPECT_EQ(ToJson(Number(4.0)).dump(), "4");
  EXPECT_EQ(ToJson(Number(-0.0)).dump(), "0");
  EXPECT_EQ(ToJson(Number(1e15)).dump(), "1000000000000000");
}

TEST(StructJsonTest, OtherFiniteNumbersStayFloats) {
  for (double d : {0.5, -2.25, 1e300, -1e300, 9007199254740994.0, -9007199254740994.0, 1152921504606846976.0,
                   std::numeric_limits<double>::min(), std::numeric_limits<double>::max()}) {
    const Json j = ToJson(Number(d));
    EXPECT_TRUE(j.is_number_float()) << d << " -> " << j.dump();
    EXPECT_EQ(j.get<double>(), d);
  }
  EXPECT_EQ(ToJson(Number(0.5)).dump(), "0.5");
}

TEST(StructJsonTest, JsonNumbersBecomeDoubles) {
  pb::Value v;
  ASSERT_TRUE(JsonToValue(Json(uint64_t{7}), &v, "value").ok());
  EXPECT_EQ(v.number_value(), 7.0);
  ASSERT_TRUE(JsonToValue(Json(int64_t{-7}), &v, "value").ok());
  EXPECT_EQ(v.number_value(), -7.0);
  ASSERT_TRUE(JsonToValue(Json(2.5), &v, "value").ok());
  EXPECT_EQ(v.number_value(), 2.5);
  // Beyond 2^53 an integer rounds to the nearest double (Value has no integers).
  ASSERT_TRUE(JsonToValue(Json(int64_t{9007199254740993}), &v, "value").ok());
  EXPECT_EQ(v.number_value(), 9007199254740992.0);
  ASSERT_TRUE(JsonToValue(Json(std::numeric_limits<uint64_t>::max()), &v, "value").ok());
  EXPECT_EQ(v.number_value(), 18446744073709551616.0);
}

TEST(StructJsonTest, NonFiniteNumbersAreRejectedWithThePath) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ExpectInvalid(ValueToJson(Number(nan), "load").status(), "load: number is not finite (NaN)");
  ExpectInvalid(ValueToJson(Number(inf), "load").status(), "load: number is not finite (infinity)");
  ExpectInvalid(ValueToJson(Number(-inf), "load").status(), "load: number is not finite (-infinity)");

  pb::Struct s = ToStruct({{"rack", {{"slots", Json::array({1, 2, 3})}}}});
  (*s.mutable_fields())["rack"].mutable_struct_value()->mutable_fields()->at("slots").mutable_list_value()
      ->mutable_values(2)->set_number_value(nan);
  ExpectInvalid(StructToJson(s, "ci.attributes").status(), "ci.attributes.rack.slots[2]: number is not finite (NaN)");
  ExpectInvalid(StructToJson<OrderedJson>(s, "ci.attributes").status(),
                "ci.attributes.rack.slots[2]: number is not finite (NaN)");

  pb::Struct out;
  ExpectInvalid(JsonToStruct(Json{{"x", Json::array({1.0, -inf})}}, &out, "attributes"),
                "attributes.x[1]: number is not finite (-infinity)");
  pb::Value v;
  ExpectInvalid(JsonToValue(Json(nan), &v, "value"), "value: number is not finite (NaN)");
  ExpectInvalid(JsonToValue(OrderedJson(inf), &v, "value"), "value: number is not finite (infinity)");
}

// --- Paths in messages --------------------------------------------------------------

TEST(StructJsonTest, KeysThatAreNotIdentifiersAreQuotedInPaths) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  pb::Struct out;
  ExpectInvalid(JsonToStruct(Json{{"a.b", {{"c d", nan}}}}, &out, "attributes"),
                R"(attributes["a.b"]["c d"]: number is not finite (NaN))");
  ExpectInvalid(JsonToStruct(Json{{"", nan}}, &out, "attributes"), R"(attributes[""]: number is not finite (NaN))");
  ExpectInvalid(JsonToStruct(Json{{"9lives", nan}}, &out, "attributes"),
                R"(attributes["9lives"]: number is not finite (NaN))");
  ExpectInvalid(JsonToStruct(Json{{"snake_case-1", nan}}, &out, "attributes"),
                "attributes.snake_case-1: number is not finite (NaN)");
  ExpectInvalid(JsonToStruct(Json{{"quote\"d", nan}}, &out, "attributes"),
                R"(attributes["quote\"d"]: number is not finite (NaN))");
  // Without a root name the path starts at the first key.
  ExpectInvalid(JsonToStruct(Json{{"x", nan}}, &out, ""), "x: number is not finite (NaN)");
  pb::Value v;
  ExpectInvalid(JsonToValue(Json(nan), &v, ""), "value: number is not finite (NaN)");
}

// --- Depth --------------------------------------------------------------------------

TEST(StructJsonTest, DepthLimitBothWays) {
  static_assert(kMaxDepth == 32);
  const std::string too_deep = "nested more than 32 levels deep";
  for (const auto& [name, make] : {std::pair{"objects", &NestedObjects}, std::pair{"lists", &NestedLists}}) {
    pb::Value v;
    ASSERT_TRUE(JsonToValue(make(kMaxDepth), &v, "value").ok()) << name;
    EXPECT_EQ(ToJson(v), make(kMaxDepth)) << name;
    absl::Status st = JsonToValue(make(kMaxDepth + 1), &v, "value");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(std::string(st.message()).find(too_deep), std::string::npos) << st;
  }
  // A Struct is a level itself; the message names the first level too deep.
  pb::Struct s;
  EXPECT_TRUE(JsonToStruct(NestedObjects(kMaxDepth), &s, "attributes").ok());
  std::string object_path = "attributes";
  for (int i = 0; i < kMaxDepth; ++i) object_path += ".a";
  ExpectInvalid(JsonToStruct(NestedObjects(kMaxDepth + 1), &s, "attributes"), object_path + ": " + too_deep);

  // Struct -> JSON, from messages built directly.
  EXPECT_TRUE(ValueToJson(NestedStructValue(kMaxDepth), "value").ok());
  EXPECT_TRUE(ValueToJson(NestedListValue(kMaxDepth), "value").ok());
  EXPECT_FALSE(ValueToJson(NestedStructValue(kMaxDepth + 1), "value").ok());
  EXPECT_FALSE(ValueToJson<OrderedJson>(NestedListValue(kMaxDepth + 1), "value").ok());
  std::string list_path = "v";
  for (int i = 0; i < kMaxDepth; ++i) list_path += "[0]";
  ExpectInvalid(ValueToJson(NestedListValue(kMaxDepth + 1), "v").status(), list_path + ": " + too_deep);
}

TEST(StructJsonTest, TheDeepestStructStillParsesInsideACmdbMessage) {
  // The reason for 32: a Struct that converts can be sent. Each object
  // level costs three levels of protobuf nesting; protobuf parses up to 100.
  v1::CreateCIRequest request;
  ASSERT_TRUE(JsonToStruct(NestedObjects(kMaxDepth), request.mutable_ci()->mutable_attributes(), "ci.attributes").ok());
  v1::CreateCIRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(request.SerializeAsString()));
  EXPECT_EQ(StructToJson(parsed.ci().attributes(), "ci.attributes").value(), NestedObjects(kMaxDepth));
}

// --- UTF-8 --------------------------------------------------------------------------

TEST(StructJsonTest, IsValidUtf8) {
  for (const char* good : {"", "ascii", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E", "\xEF\xBF\xBF",
                           "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF", "\xEE\x80\x80"}) {
    EXPECT_TRUE(IsValidUtf8(good)) << good;
  }
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  for (const char* bad : {"\xC3", "\xC3(", "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
                          "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\xFF", "\xFE", "\xE2\x82", "ok\xE2\x82", "\xF0\x9D\x84"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(StructJsonTest, InvalidUtf8IsRejectedBothWays) {
  const std::string latin1 = "Z\xFCrich";
  pb::Struct s;
  (*s.mutable_fields())["site"] = Text(latin1);
  ExpectInvalid(StructToJson(s, "attributes").status(), "attributes.site: string is not valid UTF-8");
  pb::Struct bad_key;
  (*bad_key.mutable_fields())["k\xFF"] = Number(1);
  ExpectInvalid(StructToJson<OrderedJson>(bad_key, "attributes").status(), "attributes: a key is not valid UTF-8");

  pb::Struct out;
  ExpectInvalid(JsonToStruct(Json{{"tags", Json::array({"ok", latin1})}}, &out, "attributes"),
                "attributes.tags[1]: string is not valid UTF-8");
  ExpectInvalid(JsonToStruct(Json{{"k\xFF", 1}}, &out, "attributes"), "attributes: a key is not valid UTF-8");
}

// --- Shapes without a Value form ----------------------------------------------------

TEST(StructJsonTest, StructNeedsAnObject) {
  pb::Struct s;
  ExpectInvalid(JsonToStruct(Json::array({1, 2}), &s, "attributes"), "attributes: expected a JSON object, got array");
  ExpectInvalid(JsonToStruct(Json(nullptr), &s, "attributes"), "attributes: expected a JSON object, got null");
  ExpectInvalid(JsonToStruct(OrderedJson("x"), &s, "attributes"), "attributes: expected a JSON object, got string");
}

TEST(StructJsonTest, BinaryAndDiscardedValuesAreRejected) {
  pb::Value v;
  ExpectInvalid(JsonToValue(Json::binary({1, 2, 3}), &v, "blob"),
                "blob: binary data has no google.protobuf.Value form");
  const Json discarded = Json::parse("{not json", nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(discarded.is_discarded());
  EXPECT_EQ(JsonToValue(discarded, &v, "value").code(), absl::StatusCode::kInvalidArgument);
}

// --- Where the former copies disagreed ------------------------------------------------
// server/api/convert.cc and clients/cmdbctl/json_format.cc each had a
// conversion. These pin the one rule chosen for each difference.

TEST(StructJsonFormerDisagreementTest, IntegralDoublesBeyond2To53AreFloats) {
  // cmdbctl printed whole doubles up to 2^63 as integers; the server kept
  // only those below 2^53. Now: |n| <= 2^53 (where doubles are exact).
  EXPECT_EQ(ToJson(Number(1152921504606846976.0)).dump(), "1.152921504606847e+18");  // 2^60
  EXPECT_EQ(ToJson(Number(-9223372036854775808.0)).dump(), "-9.223372036854776e+18");  // -2^63
  EXPECT_EQ(ToJson(Number(9007199254740994.0)).dump(), "9.007199254740994e+15");       // 2^53 + 2
}

TEST(StructJsonFormerDisagreementTest, TwoTo53ItselfIsAnInteger) {
  // The server printed 2^53 as a float, cmdbctl as an integer. Now an
  // integer, as core/catalog.cc accepts it for integer attributes.
  EXPECT_EQ(ToJson(Number(9007199254740992.0)).dump(), "9007199254740992");
  EXPECT_EQ(ToJson(Number(-9007199254740992.0)).dump(), "-9007199254740992");
}

TEST(StructJsonFormerDisagreementTest, ANonObjectIsNotASilentlyEmptyStruct) {
  // The server turned a non-object into an empty Struct; cmdbctl refused it.
  pb::Struct s;
  EXPECT_EQ(JsonToStruct(Json::array({1, 2}), &s, "attributes").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonToStruct(Json(nullptr), &s, "attributes").code(), absl::StatusCode::kInvalidArgument);
}

TEST(StructJsonFormerDisagreementTest, NonFiniteNumbersAreErrorsNotNulls) {
  // Both copies let NaN and infinity through as JSON floats, which
  // nlohmann::json then printed as null (the server stored null). Now an
  // error naming the value.
  EXPECT_FALSE(ValueToJson(Number(std::nan("")), "v").ok());
  EXPECT_FALSE(ValueToJson<OrderedJson>(Number(-std::numeric_limits<double>::infinity()), "v").ok());
}

TEST(StructJsonFormerDisagreementTest, BothJsonTypesPrintTheSameText) {
  // The server used nlohmann::json (sorted by std::map), cmdbctl
  // ordered_json sorted by hand; now one function serves both.
  const pb::Struct s = ToStruct(Document());
  EXPECT_EQ(StructToJson(s, "attributes")->dump(), StructToJson<OrderedJson>(s, "attributes")->dump());
  EXPECT_EQ(StructToJson(s, "attributes")->dump(2), StructToJson<OrderedJson>(s, "attributes")->dump(2));
}

// --- JSON text -> Struct ---------------------------------------------------------------

// The text parsed straight into a Struct equals the DOM's conversion.
TEST(StructJsonTextTest, SameStructAsThroughTheDom) {
  for (const char* text : {
           R"({})",
           R"({"a":1,"b":-2.5,"c":"x","d":true,"e":false,"f":null})",
           R"({"big":18446744073709551615,"neg":-9223372036854775808,"exp":1e300,"tiny":5e-324})",
           R"({"nested":{"items":[1,"two",[3,[4]],{"k":null}],"empty_list":[],"empty_object":{}}})",
           R"({"unicode":"é東\u00e9\ud83d\ude00","key with space":1,"a.b":{"":[]}})",
           R"(  {"spaced" :  [ 1 , 2 ]  }  )",
       }) {
    SCOPED_TRACE(text);
    pb::Struct from_text;
    absl::Status st = JsonTextToStruct(text, &from_text, "attributes");
    ASSERT_TRUE(st.ok()) << st;
    const pb::Struct from_dom = ToStruct(Json::parse(text));
    EXPECT_EQ(from_text.SerializeAsString().size(), from_dom.SerializeAsString().size());
    EXPECT_EQ(StructToJson(from_text, "attributes").value(), StructToJson(from_dom, "attributes").value());
  }
}

TEST(StructJsonTextTest, ReplacesTheOutput) {
  pb::Struct s = ToStruct({{"old", 1}});
  ASSERT_TRUE(JsonTextToStruct(R"({"new":2})", &s, "attributes").ok());
  EXPECT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields().at("new").number_value(), 2);
}

TEST(StructJsonTextTest, BadTextNamesThePathAndLeavesTheOutputEmpty) {
  pb::Struct s = ToStruct({{"old", 1}});
  ExpectInvalid(JsonTextToStruct(R"([1,2])", &s, "attributes"), "attributes: expected a JSON object, got array");
  EXPECT_TRUE(s.fields().empty());
  ExpectInvalid(JsonTextToStruct(R"(7)", &s, "attributes"), "attributes: expected a JSON object");
  ExpectInvalid(JsonTextToStruct(R"({"a":{"b":[0,"x\u0000y"]}})", &s, "attributes"),
                "attributes.a.b[1]: string contains a NUL character");
  ExpectInvalid(JsonTextToStruct(R"({"a":{"b\u0000":1}})", &s, "attributes"),
                "attributes.a: a key contains a NUL character");
  EXPECT_TRUE(s.fields().empty());
  ExpectInvalid(JsonTextToStruct(R"({"a":{"x":1,"y":2,"x":3}})", &s, "attributes"),
                "attributes.a: a key appears more than once");

  // Truncated, trailing text, ill-formed UTF-8, an unpaired surrogate, a
  // number beyond any double, nothing.
  for (const char* text : {R"({"a":)", R"({"a":1}x)", "{\"a\":\"\xC0\xAF\"}", R"({"a":"\ud800"})", R"({"a":1e400})", ""}) {
    SCOPED_TRACE(text);
    absl::Status st = JsonTextToStruct(text, &s, "attributes");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(st.message()).rfind("attributes: not valid JSON", 0), 0u) << st;
    EXPECT_TRUE(s.fields().empty());
  }
}

TEST(StructJsonTextTest, DepthCountsAsForTheDom) {
  pb::Struct s;
  const std::string deepest = NestedObjects(kMaxDepth).dump();
  EXPECT_TRUE(JsonTextToStruct(deepest, &s, "attributes").ok());
  EXPECT_TRUE(JsonToStruct(NestedObjects(kMaxDepth), &s, "attributes").ok());
  const std::string too_deep = NestedObjects(kMaxDepth + 1).dump();
  absl::Status st = JsonTextToStruct(too_deep, &s, "attributes");
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(JsonToStruct(NestedObjects(kMaxDepth + 1), &s, "attributes").ok());
  EXPECT_NE(std::string(st.message()).find("nested more than 32 levels deep"), std::string::npos) << st;
  // Lists count too.
  std::string lists = "{\"a\":";
  for (int i = 1; i < kMaxDepth; ++i) lists += "[";
  lists += "1";
  for (int i = 1; i < kMaxDepth; ++i) lists += "]";
  lists += "}";
  EXPECT_TRUE(JsonTextToStruct(lists, &s, "attributes").ok());
  EXPECT_FALSE(JsonTextToStruct("{\"a\":[" + lists.substr(5) + "]}", &s, "attributes").ok());
}

// --- Status code names ----------------------------------------------------------------

TEST(StatusNamesTest, EveryCanonicalCode) {
  const std::pair<grpc::StatusCode, const char*> all[] = {
      {grpc::StatusCode::OK, "OK"},
      {grpc::StatusCode::CANCELLED, "CANCELLED"},
      {grpc::StatusCode::UNKNOWN, "UNKNOWN"},
      {grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
      {grpc::StatusCode::ALREADY_EXISTS, "ALREADY_EXISTS"},
      {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
      {grpc::StatusCode::ABORTED, "ABORTED"},
      {grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
      {grpc::StatusCode::UNIMPLEMENTED, "UNIMPLEMENTED"},
      {grpc::StatusCode::INTERNAL, "INTERNAL"},
      {grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
      {grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
      {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
  };
  for (const auto& [code, name] : all) {
    EXPECT_EQ(CodeName(code), name);
    // absl shares the numbering, and its own spelling of the names.
    const auto absl_code = static_cast<absl::StatusCode>(static_cast<int>(code));
    EXPECT_EQ(CodeName(absl_code), name);
    EXPECT_EQ(CodeName(absl_code), absl::StatusCodeToString(absl_code));
  }
}

TEST(StatusNamesTest, UnknownNumbersAreNamedByNumber) {
  // The server used to print "UNKNOWN" for these (a real, different code).
  EXPECT_EQ(CodeName(static_cast<grpc::StatusCode>(17)), "CODE_17");
  EXPECT_EQ(CodeName(static_cast<grpc::StatusCode>(-1)), "CODE_-1");
  EXPECT_EQ(CodeName(static_cast<absl::StatusCode>(42)), "CODE_42");
}

}  // namespace
}  // namespace cmdb::proto_util
