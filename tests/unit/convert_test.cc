// Unit tests for api/convert.h: how the api applies the Struct <-> JSON rules
// to attributes (the rules themselves: tests/unit/proto_util_test.cc),
// timestamps, enums, and the cmdb.v1 message conversions.
#include "api/convert.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace cmdb::api {
namespace {

namespace pb = google::protobuf;

void ExpectFieldError(const absl::Status& status, const std::string& field, const std::string& part = "") {
  ASSERT_FALSE(status.ok()) << "expected an error naming " << field;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const std::string message(status.message());
  EXPECT_TRUE(message.starts_with(field + ": ")) << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

// --- Attributes: the Struct <-> JSON rules as the api applies them -------------

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(AttributesTest, FromProtoConvertsByTheSharedRules) {
  pb::Struct s;
  StructFromJson(Json{{"cpu_count", 4}, {"load", 0.5}, {"tags", Json::array({"a", nullptr})}}, &s);
  auto json = AttributesFromProto(s, "ci.attributes");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, Json({{"cpu_count", 4}, {"load", 0.5}, {"tags", Json::array({"a", nullptr})}}));
  EXPECT_TRUE((*json)["cpu_count"].is_number_integer());
}

TEST(AttributesTest, FromProtoNamesTheBadValueUnderTheField) {
  pb::Struct s;
  StructFromJson(Json{{"rack", {{"slots", Json::array({1, 2})}}}}, &s);
  (*s.mutable_fields())["rack"].mutable_struct_value()->mutable_fields()->at("slots").mutable_list_value()
      ->mutable_values(1)->set_number_value(kNaN);
  ExpectFieldError(AttributesFromProto(s, "relationships[3].attributes").status(),
                   "relationships[3].attributes.rack.slots[1]", "not finite");
}

TEST(AttributesTest, CiFromProtoRejectsANonFiniteAttribute) {
  v1::ConfigurationItem in;
  in.set_class_name("server");
  (*in.mutable_attributes()->mutable_fields())["load"].set_number_value(kNaN);
  ExpectFieldError(CiFromProto(in, "ci").status(), "ci.attributes.load", "not finite");
  ExpectFieldError(CiFromProto(in, "creates[2].ci").status(), "creates[2].ci.attributes.load", "not finite");
}

TEST(AttributesTest, JsonFromStructKeepsWhatConvertsAndNullsTheRest) {
  pb::Struct s;
  StructFromJson(Json{{"name", "web01"}, {"nested", {{"ok", 1}}}}, &s);
  EXPECT_EQ(JsonFromStruct(s), Json({{"name", "web01"}, {"nested", {{"ok", 1}}}}));
  (*s.mutable_fields())["load"].set_number_value(kNaN);
  (*s.mutable_fields())["nested"].mutable_struct_value()->mutable_fields()->at("ok").set_number_value(kNaN);
  EXPECT_EQ(JsonFromStruct(s), Json({{"name", "web01"}, {"load", nullptr}, {"nested", nullptr}}));
}

TEST(AttributesTest, StructFromJsonForResponses) {
  // Stored values convert as they are; a non-object gives an empty Struct.
  pb::Struct s;
  StructFromJson(Json{{"tags", Json::array()}, {"n", 2}}, &s);
  EXPECT_EQ(s.fields().at("tags").kind_case(), pb::Value::kListValue);
  EXPECT_EQ(s.fields().at("n").number_value(), 2.0);
  StructFromJson(Json::array({1, 2}), &s);
  EXPECT_TRUE(s.fields().empty());
  StructFromJson(Json(nullptr), &s);
  EXPECT_TRUE(s.fields().empty());

  // Were a stored value to break the rules, only its key would read null.
  StructFromJson(Json{{"good", 1}, {"bad", Json::array({1.0, kNaN})}}, &s);
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields().at("good").number_value(), 1.0);
  EXPECT_EQ(s.fields().at("bad").kind_case(), pb::Value::kNullValue);
}

TEST(AttributesTest, ValueFromJsonForResponses) {
  pb::Value v;
  ValueFromJson(Json::array({"a", 1}), &v);
  ASSERT_EQ(v.kind_case(), pb::Value::kListValue);
  EXPECT_EQ(v.list_value().values(0).string_value(), "a");
  ValueFromJson(Json(kNaN), &v);
  EXPECT_EQ(v.kind_case(), pb::Value::kNullValue);
}

// --- Timestamps -------------------------------------------------------------

TEST(TimestampTest, SetTimestamp) {
  struct Case {
    Micros t;
    int64_t seconds;
    int32_t nanos;
  };
  for (const Case& c : {Case{0, 0, 0}, Case{1, 0, 1000}, Case{1500000, 1, 500000000}, Case{1000000, 1, 0},
                        Case{-1, -1, 999999000}, Case{-1000000, -1, 0}, Case{-1500000, -2, 500000000},
                        Case{-1000001, -2, 999999000},
                        Case{int64_t{1795264325} * 1000000 + 123456, 1795264325, 123456000}}) {
    pb::Timestamp ts;
    SetTimestamp(c.t, &ts);
    EXPECT_EQ(ts.seconds(), c.seconds) << c.t;
    EXPECT_EQ(ts.nanos(), c.nanos) << c.t;
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_LT(ts.nanos(), 1000000000);
  }
}

TEST(TimestampTest, OptionalTimeUnsetIsNullopt) {
  pb::Timestamp ts;
  ts.set_seconds(123);
  auto got = OptionalTime(false, ts, "as_of");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, std::nullopt);
}

TEST(TimestampTest, OptionalTimeRoundTripsIncludingNegative) {
  for (Micros t : {Micros{0}, Micros{1}, Micros{-1}, Micros{1500000}, Micros{-1500000}, Micros{-62135596800000000},
                   Micros{253402300799999999}, int64_t{1795264325} * 1000000 + 42}) {
    pb::Timestamp ts;
    SetTimestamp(t, &ts);
    auto got = OptionalTime(true, ts, "as_of");
    ASSERT_TRUE(got.ok()) << t << ": " << got.status();
    EXPECT_EQ(*got, t);
  }
}

TEST(TimestampTest, OptionalTimeDropsSubMicrosecondNanos) {
  pb::Timestamp ts;
  ts.set_seconds(10);
  ts.set_nanos(1999);
  auto got = OptionalTime(true, ts, "as_of");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Micros{10000001});
}

TEST(TimestampTest, OptionalTimeOutOfRangeNamesTheField) {
  struct Case {
    int64_t seconds;
    int32_t nanos;
  };
  for (const Case& c : {Case{-62135596801LL, 0}, Case{253402300800LL, 0}, Case{0, -1}, Case{0, 1000000000},
                        Case{std::numeric_limits<int64_t>::max(), 0}, Case{std::numeric_limits<int64_t>::min(), 0}}) {
    pb::Timestamp ts;
    ts.set_seconds(c.seconds);
    ts.set_nanos(c.nanos);
    auto got = OptionalTime(true, ts, "request.as_of");
    ExpectFieldError(got.status(), "request.as_of", "out of range");
  }
}

// --- Enums --------------------------------------------------------------------

TEST(EnumTest, LifecycleStatus) {
  const std::vector<std::pair<v1::LifecycleStatus, std::string>> all = {
      {v1::LIFECYCLE_STATUS_PLANNED, "planned"},         {v1::LIFECYCLE_STATUS_INSTALLED, "installed"},
      {v1::LIFECYCLE_STATUS_IN_USE, "in_use"},           {v1::LIFECYCLE_STATUS_MAINTENANCE, "maintenance"},
      {v1::LIFECYCLE_STATUS_RETIRED, "retired"},
  };
  for (const auto& [e, text] : all) {
    EXPECT_EQ(StatusText(e), text);
    EXPECT_EQ(StatusEnum(text), e) << text;
  }
  EXPECT_EQ(StatusText(v1::LIFECYCLE_STATUS_UNSPECIFIED), "");
  EXPECT_EQ(StatusEnum(""), v1::LIFECYCLE_STATUS_UNSPECIFIED);
  EXPECT_EQ(StatusEnum("IN_USE"), v1::LIFECYCLE_STATUS_UNSPECIFIED);
  EXPECT_EQ(StatusEnum("running"), v1::LIFECYCLE_STATUS_UNSPECIFIED);
}

TEST(EnumTest, Criticality) {
  const std::vector<std::pair<v1::Criticality, std::string>> all = {
      {v1::CRITICALITY_LOW, "low"},
      {v1::CRITICALITY_MEDIUM, "medium"},
      {v1::CRITICALITY_HIGH, "high"},
      {v1::CRITICALITY_CRITICAL, "critical"},
  };
  for (const auto& [e, text] : all) {
    EXPECT_EQ(CriticalityText(e), text);
    EXPECT_EQ(CriticalityEnum(text), e) << text;
  }
  EXPECT_EQ(CriticalityText(v1::CRITICALITY_UNSPECIFIED), "");
  EXPECT_EQ(CriticalityEnum(""), v1::CRITICALITY_UNSPECIFIED);
  EXPECT_EQ(CriticalityEnum("urgent"), v1::CRITICALITY_UNSPECIFIED);
}

TEST(EnumTest, Operation) {
  EXPECT_EQ(OperationEnum(kOpCreate), v1::CHANGE_OPERATION_CREATE);
  EXPECT_EQ(OperationEnum(kOpUpdate), v1::CHANGE_OPERATION_UPDATE);
  EXPECT_EQ(OperationEnum(kOpRetire), v1::CHANGE_OPERATION_RETIRE);
  EXPECT_EQ(OperationEnum(kOpDelete), v1::CHANGE_OPERATION_DELETE);
  EXPECT_EQ(OperationEnum(kOpRestore), v1::CHANGE_OPERATION_RESTORE);
  EXPECT_EQ(OperationEnum(kOpMerge), v1::CHANGE_OPERATION_MERGE);
  EXPECT_EQ(OperationEnum("explode"), v1::CHANGE_OPERATION_UNSPECIFIED);
}

// --- CIs ------------------------------------------------------------------------

TEST(CiFromProtoTest, CopiesFields) {
  v1::ConfigurationItem in;
  in.set_id("0190f0c4-0000-7000-8000-000000000001");
  in.set_class_name("server");
  in.set_name("web01");
  in.set_status(v1::LIFECYCLE_STATUS_MAINTENANCE);
  in.set_owner("ops");
  in.set_criticality(v1::CRITICALITY_HIGH);
  StructFromJson(Json{{"cpu_count", 4}, {"tags", Json::array({"a"})}}, in.mutable_attributes());
  // Output-only fields are ignored.
  in.set_version(99);
  in.set_etag("99");

  auto ci = CiFromProto(in, "ci");
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_EQ(ci->id, "0190f0c4-0000-7000-8000-000000000001");
  EXPECT_EQ(ci->class_name, "server");
  EXPECT_EQ(ci->name, "web01");
  EXPECT_EQ(ci->status, "maintenance");
  EXPECT_EQ(ci->owner, "ops");
  EXPECT_EQ(ci->criticality, "high");
  EXPECT_EQ(ci->attributes, Json({{"cpu_count", 4}, {"tags", Json::array({"a"})}}));
  EXPECT_TRUE(ci->attributes["cpu_count"].is_number_integer());
  EXPECT_EQ(ci->version, 0);
}

TEST(CiFromProtoTest, UnspecifiedEnumsAreEmpty) {
  v1::ConfigurationItem in;
  in.set_class_name("server");
  auto ci = CiFromProto(in, "ci");
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_EQ(ci->status, "");
  EXPECT_EQ(ci->criticality, "");
  EXPECT_EQ(ci->attributes, Json::object());
}

TEST(CiFromProtoTest, OutOfRangeEnumsNameTheField) {
  v1::ConfigurationItem in;
  in.set_status(static_cast<v1::LifecycleStatus>(42));
  ExpectFieldError(CiFromProto(in, "ci").status(), "ci.status", "unknown value");

  v1::ConfigurationItem in2;
  in2.set_criticality(static_cast<v1::Criticality>(-3));
  ExpectFieldError(CiFromProto(in2, "writes[2].ci").status(), "writes[2].ci.criticality", "unknown value");
}

TEST(CiToProtoTest, EveryField) {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000001";
  ci.class_name = "server";
  ci.name = "web01";
  ci.status = "retired";
  ci.owner = "ops";
  ci.criticality = "critical";
  ci.attributes = {{"cpu_count", 4}, {"extra", {{"rack", "r1"}}}};
  ci.provenance = {
      {"name", {{"source", "manual"}, {"set_at", 1500000}}},
      {"attributes.cpu_count", {{"source", "snmp"}, {"set_at", -1}}},
      {"broken", "not an object"},
  };
  ci.version = 7;
  ci.created_at = 1000000;
  ci.updated_at = 2500000;
  ci.stale = true;
  ci.merged_into = "0190f0c4-0000-7000-8000-000000000002";

  v1::ConfigurationItem out;
  CiToProto(ci, &out);
  EXPECT_EQ(out.id(), ci.id);
  EXPECT_EQ(out.class_name(), "server");
  EXPECT_EQ(out.name(), "web01");
  EXPECT_EQ(out.status(), v1::LIFECYCLE_STATUS_RETIRED);
  EXPECT_EQ(out.owner(), "ops");
  EXPECT_EQ(out.criticality(), v1::CRITICALITY_CRITICAL);
  EXPECT_EQ(JsonFromStruct(out.attributes()), ci.attributes);
  EXPECT_EQ(out.version(), 7);
  EXPECT_EQ(out.etag(), EtagFor(7));
  EXPECT_EQ(VersionFromEtag(out.etag()), 7);
  EXPECT_EQ(out.create_time().seconds(), 1);
  EXPECT_EQ(out.create_time().nanos(), 0);
  EXPECT_EQ(out.update_time().seconds(), 2);
  EXPECT_EQ(out.update_time().nanos(), 500000000);
  EXPECT_TRUE(out.stale());
  EXPECT_EQ(out.merged_into(), ci.merged_into);

  ASSERT_EQ(out.provenance().size(), 2u);
  const v1::AttributeProvenance& name = out.provenance().at("name");
  EXPECT_EQ(name.source(), "manual");
  EXPECT_EQ(name.set_time().seconds(), 1);
  EXPECT_EQ(name.set_time().nanos(), 500000000);
  const v1::AttributeProvenance& cpu = out.provenance().at("attributes.cpu_count");
  EXPECT_EQ(cpu.source(), "snmp");
  EXPECT_EQ(cpu.set_time().seconds(), -1);
  EXPECT_EQ(cpu.set_time().nanos(), 999999000);
}

// A listing's CIs carry their stored JSON as text; the message is the same.
TEST(CiToProtoTest, StoredJsonTextGivesTheSameMessage) {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000001";
  ci.class_name = "server";
  ci.name = "web01";
  ci.attributes = {{"cpu_count", 4}, {"tags", {"a", "b"}}, {"extra", {{"rack", "r1"}, {"u", nullptr}}}};
  ci.provenance = {
      {"name", {{"source", "manual"}, {"set_at", 1500000}}},
      {"attributes.cpu_count", {{"source", "snmp"}, {"set_at", -1}, {"other", {1, 2}}}},
      {"no_time", {{"source", "http"}}},
      {"broken", "not an object"},
      {"list", {1, {{"source", "x"}}}},
  };
  ci.version = 3;
  v1::ConfigurationItem from_dom;
  CiToProto(ci, &from_dom);

  Ci text = ci;
  text.attributes = Json::object();
  text.provenance = Json::object();
  text.attributes_text = ci.attributes.dump();
  text.provenance_text = ci.provenance.dump();
  v1::ConfigurationItem from_text;
  CiToProto(text, &from_text);
  EXPECT_EQ(JsonFromStruct(from_text.attributes()), ci.attributes);
  ASSERT_EQ(from_text.provenance().size(), 3u);
  EXPECT_EQ(from_text.provenance().at("no_time").source(), "http");
  EXPECT_FALSE(from_text.provenance().at("no_time").has_set_time());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(from_text, from_dom))
      << from_text.DebugString() << "\nvs\n" << from_dom.DebugString();

  // Text that does not convert whole falls back to the per-key path.
  text.attributes_text = R"({"ok":1,"deep":)" + std::string(40, '[') + "1" + std::string(40, ']') + "}";
  text.provenance_text = "[1]";
  v1::ConfigurationItem fallback;
  CiToProto(text, &fallback);
  EXPECT_EQ(fallback.attributes().fields().at("ok").number_value(), 1);
  EXPECT_EQ(fallback.attributes().fields().at("deep").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_TRUE(fallback.provenance().empty());
}

TEST(CiToProtoTest, RoundTripThroughCiFromProto) {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000003";
  ci.class_name = "switch";
  ci.name = "sw01";
  ci.status = "planned";
  ci.criticality = "";
  ci.attributes = {{"port_count", 48}, {"uplinks", Json::array({"a", "b"})}, {"load", 0.5}};
  v1::ConfigurationItem proto;
  CiToProto(ci, &proto);
  auto back = CiFromProto(proto, "ci");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, ci.id);
  EXPECT_TRUE(SameContent(*back, ci)) << back->attributes.dump();
}

// --- Relationships, changesets, versions -----------------------------------------

TEST(RelationshipToProtoTest, EveryField) {
  Relationship rel;
  rel.id = "r1";
  rel.type = "runs_on";
  rel.source_id = "s";
  rel.target_id = "t";
  rel.attributes = {{"weight", 2}};
  rel.provenance = {{"attributes.weight", {{"source", "manual"}, {"set_at", 3000000}}}};
  rel.version = 4;
  rel.created_at = 1000000;
  rel.updated_at = 3000000;
  rel.source_name = "app";
  rel.source_class = "application";
  rel.target_name = "web01";
  rel.target_class = "server";
  rel.stale = true;
  v1::Relationship out;
  RelationshipToProto(rel, &out);
  EXPECT_EQ(out.id(), "r1");
  EXPECT_EQ(out.type(), "runs_on");
  EXPECT_EQ(out.source_id(), "s");
  EXPECT_EQ(out.target_id(), "t");
  EXPECT_EQ(JsonFromStruct(out.attributes()), rel.attributes);
  EXPECT_EQ(out.version(), 4);
  EXPECT_EQ(out.etag(), EtagFor(4));
  EXPECT_EQ(out.create_time().seconds(), 1);
  EXPECT_EQ(out.update_time().seconds(), 3);
  EXPECT_EQ(out.source_name(), "app");
  EXPECT_EQ(out.source_class(), "application");
  EXPECT_EQ(out.target_name(), "web01");
  EXPECT_EQ(out.target_class(), "server");
  EXPECT_TRUE(out.stale());
  ASSERT_EQ(out.provenance().size(), 1u);
  EXPECT_EQ(out.provenance().at("attributes.weight").source(), "manual");
  EXPECT_EQ(out.provenance().at("attributes.weight").set_time().seconds(), 3);
}

TEST(CiVersionToProtoTest, EveryField) {
  CiVersion v;
  v.ci.id = "c1";
  v.ci.class_name = "server";
  v.ci.name = "web01";
  v.ci.version = 2;
  v.operation = std::string(kOpRetire);
  v.changeset = {.id = 17, .seq = 5, .actor = "alice", .source = "manual", .comment = "bye", .external_ref = "CHG1",
                 .time = 5000000};
  v.valid_from = 5000000;
  v.valid_to = 6000000;
  v.changed_fields = {"status", "attributes.cpu_count"};
  v1::CiVersion out;
  CiVersionToProto(v, &out);
  EXPECT_EQ(out.ci().id(), "c1");
  EXPECT_EQ(out.ci().etag(), EtagFor(2));
  EXPECT_EQ(out.operation(), v1::CHANGE_OPERATION_RETIRE);
  EXPECT_EQ(out.changeset().id(), "17");
  EXPECT_EQ(out.changeset().actor(), "alice");
  EXPECT_EQ(out.changeset().source(), "manual");
  EXPECT_EQ(out.changeset().comment(), "bye");
  EXPECT_EQ(out.changeset().external_ref(), "CHG1");
  EXPECT_EQ(out.changeset().time().seconds(), 5);
  EXPECT_EQ(out.valid_from().seconds(), 5);
  ASSERT_TRUE(out.has_valid_to());
  EXPECT_EQ(out.valid_to().seconds(), 6);
  ASSERT_EQ(out.changed_fields_size(), 2);
  EXPECT_EQ(out.changed_fields(0), "status");
  EXPECT_EQ(out.changed_fields(1), "attributes.cpu_count");

  // The live version has no valid_to.
  v.valid_to.reset();
  v1::CiVersion live;
  CiVersionToProto(v, &live);
  EXPECT_FALSE(live.has_valid_to());
}

// --- Catalog messages -------------------------------------------------------------

TEST(AttributeProtoTest, RoundTripEveryType) {
  for (AttrType type : {AttrType::kString, AttrType::kInteger, AttrType::kFloat, AttrType::kBoolean,
                        AttrType::kDatetime, AttrType::kIpAddress, AttrType::kMacAddress, AttrType::kStringList,
                        AttrType::kJson, AttrType::kMacAddressList, AttrType::kIpAddressList}) {
    AttributeDef a;
    a.name = "attr";
    a.type = type;
    a.required = true;
    a.indexed = true;
    a.description = "something";
    a.defined_in = "server";
    v1::AttributeDefinition proto;
    AttributeToProto(a, &proto);
    EXPECT_NE(proto.type(), v1::ATTRIBUTE_TYPE_UNSPECIFIED) << AttrTypeName(type);
    EXPECT_EQ(proto.defined_in(), "server");
    auto back = AttributeFromProto(proto, "attr");
    ASSERT_TRUE(back.ok()) << AttrTypeName(type) << ": " << back.status();
    EXPECT_EQ(back->type, type) << AttrTypeName(type);
    EXPECT_EQ(back->name, "attr");
    EXPECT_TRUE(back->required);
    EXPECT_TRUE(back->indexed);
    EXPECT_EQ(back->description, "something");
  }
}

TEST(AttributeProtoTest, MissingOrUnknownTypeNamesTheField) {
  v1::AttributeDefinition in;
  in.set_name("cpu_count");
  ExpectFieldError(AttributeFromProto(in, "attribute").status(), "attribute.type", "required");
  in.set_type(static_cast<v1::AttributeType>(1000));
  ExpectFieldError(AttributeFromProto(in, "attribute").status(), "attribute.type", "required");
}

TEST(ClassProtoTest, FromProtoNamesTheBadAttribute) {
  v1::CiClass in;
  in.set_name("server");
  in.set_parent("hardware");
  in.set_abstract(false);
  auto* ok = in.add_attributes();
  ok->set_name("cpu_count");
  ok->set_type(v1::ATTRIBUTE_TYPE_INTEGER);
  in.add_attributes()->set_name("untyped");
  ExpectFieldError(ClassFromProto(in).status(), "class_def.attributes[1].type", "required");

  in.mutable_attributes(1)->set_type(v1::ATTRIBUTE_TYPE_STRING);
  auto c = ClassFromProto(in);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "server");
  EXPECT_EQ(c->parent, "hardware");
  ASSERT_EQ(c->attributes.size(), 2u);
  EXPECT_EQ(c->attributes[0].type, AttrType::kInteger);
  EXPECT_EQ(c->attributes[1].name, "untyped");
}

TEST(ClassProtoTest, ToProto) {
  ClassDef c;
  c.name = "hardware";
  c.parent = "ci";
  c.description = "physical things";
  c.abstract = true;
  c.system = true;
  AttributeDef serial;
  serial.name = "serial_number";
  serial.type = AttrType::kString;
  serial.defined_in = "hardware";
  c.attributes.push_back(serial);
  c.created_at = 1000000;
  c.updated_at = 2000000;
  v1::CiClass out;
  ClassToProto(c, &out);
  EXPECT_EQ(out.name(), "hardware");
  EXPECT_EQ(out.parent(), "ci");
  EXPECT_EQ(out.description(), "physical things");
  EXPECT_TRUE(out.abstract());
  EXPECT_TRUE(out.system());
  ASSERT_EQ(out.attributes_size(), 1);
  EXPECT_EQ(out.attributes(0).name(), "serial_number");
  EXPECT_EQ(out.attributes(0).type(), v1::ATTRIBUTE_TYPE_STRING);
  EXPECT_EQ(out.create_time().seconds(), 1);
  EXPECT_EQ(out.update_time().seconds(), 2);
}

TEST(RelationshipTypeProtoTest, RoundTripEveryImpact) {
  for (const char* impact : {"target_to_source", "source_to_target", "both", "none"}) {
    RelationshipTypeDef t;
    t.name = "runs_on";
    t.inverse_name = "runs";
    t.description = "d";
    t.impact = impact;
    t.system = true;
    v1::RelationshipType proto;
    RelationshipTypeToProto(t, &proto);
    EXPECT_NE(proto.impact(), v1::IMPACT_DIRECTION_UNSPECIFIED) << impact;
    EXPECT_TRUE(proto.system());
    auto back = RelationshipTypeFromProto(proto);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->name, "runs_on");
    EXPECT_EQ(back->inverse_name, "runs");
    EXPECT_EQ(back->description, "d");
    EXPECT_EQ(back->impact, impact);
  }
}

TEST(RelationshipTypeProtoTest, UnspecifiedAndUnknownImpact) {
  v1::RelationshipType in;
  in.set_name("runs_on");
  auto unspecified = RelationshipTypeFromProto(in);
  ASSERT_TRUE(unspecified.ok()) << unspecified.status();
  EXPECT_EQ(unspecified->impact, "");

  in.set_impact(static_cast<v1::ImpactDirection>(77));
  ExpectFieldError(RelationshipTypeFromProto(in).status(), "type.impact", "unknown value");
}

TEST(WriteContextFromTest, LimitsNameTheField) {
  v1::ChangeContext change;
  change.set_comment(std::string(4096, 'c'));
  change.set_external_ref(std::string(255, 'r'));
  auto ok = WriteContextFrom("alice", change);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->actor, "alice");
  EXPECT_EQ(ok->source, "manual");
  EXPECT_EQ(ok->comment.size(), 4096u);
  EXPECT_EQ(ok->external_ref.size(), 255u);

  change.set_comment(std::string(4097, 'c'));
  ExpectFieldError(WriteContextFrom("alice", change).status(), "change.comment", "longer than 4096");

  change.set_comment("fine");
  change.set_external_ref(std::string(256, 'r'));
  ExpectFieldError(WriteContextFrom("alice", change).status(), "change.external_ref", "longer than 255");
}

}  // namespace
}  // namespace cmdb::api
