// Unit tests for core/catalog.h: the class tree, attribute lookup, CI and
// attribute validation and normalisation.
#include "core/catalog.h"
#include "support/builders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace cmdb {
namespace {

using testing::AbstractClass;
using testing::Attr;
using testing::Class;
using testing::ExpectFieldError;
using testing::RelType;
using testing::Required;

// ci (abstract) > hardware (abstract) > server, switch; ci > application.
// server has an attribute of every type; switch reuses the name cpu_count
// with another type. Classes and attributes are given out of order on purpose.
Catalog MakeCatalog() {
  std::vector<ClassDef> classes;
  classes.push_back(Class("switch", "hardware", {Attr("port_count", AttrType::kInteger, 1), Attr("cpu_count", AttrType::kString, 0)}));
  classes.push_back(Class("server", "hardware", {
                              Attr("tags", AttrType::kStringList, 7),
                              Required(Attr("cpu_count", AttrType::kInteger, 0)),
                              Attr("memory_gb", AttrType::kFloat, 1),
                              Attr("virtual", AttrType::kBoolean, 2),
                              Attr("installed_at", AttrType::kDatetime, 3),
                              Attr("ip_address", AttrType::kIpAddress, 4),
                              Attr("mac_address", AttrType::kMacAddress, 5),
                              Attr("extra", AttrType::kJson, 8),
                              // Same position as ip_address: ordered by name after position.
                              Attr("fqdn", AttrType::kString, 4),
                              Attr("ip_addresses", AttrType::kIpAddressList, 9),
                              Attr("mac_addresses", AttrType::kMacAddressList, 10),
                          }));
  classes.push_back(AbstractClass("ci", "", {Attr("location", AttrType::kString, 0)}));
  classes.push_back(Class("application", "ci", {Attr("url", AttrType::kString, 0)}));
  classes.push_back(AbstractClass("hardware", "ci", {Attr("serial_number", AttrType::kString, 0), Attr("purchased_at", AttrType::kDatetime, 1)}));
  return Catalog(42, std::move(classes), {RelType("runs_on", "runs"), RelType("connects_to", "connected_from")});
}

std::vector<std::string> Names(const std::vector<const ClassDef*>& classes) {
  std::vector<std::string> out;
  for (const ClassDef* c : classes) out.push_back(c->name);
  return out;
}

std::vector<std::string> Names(const std::vector<const AttributeDef*>& attributes) {
  std::vector<std::string> out;
  for (const AttributeDef* a : attributes) out.push_back(a->name);
  return out;
}

using Strings = std::vector<std::string>;

class CatalogTest : public ::testing::Test {
 protected:
  Catalog catalog_ = MakeCatalog();
};

TEST_F(CatalogTest, FindClassAndRelationshipType) {
  EXPECT_EQ(catalog_.generation(), 42);
  const ClassDef* server = catalog_.FindClass("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->parent, "hardware");
  EXPECT_FALSE(server->abstract);
  EXPECT_EQ(catalog_.FindClass("Server"), nullptr);
  EXPECT_EQ(catalog_.FindClass("router"), nullptr);
  EXPECT_EQ(catalog_.FindClass(""), nullptr);

  const RelationshipTypeDef* runs_on = catalog_.FindRelationshipType("runs_on");
  ASSERT_NE(runs_on, nullptr);
  EXPECT_EQ(runs_on->inverse_name, "runs");
  EXPECT_EQ(catalog_.FindRelationshipType("runs"), nullptr);
  ASSERT_EQ(catalog_.relationship_types().size(), 2u);
  EXPECT_EQ(catalog_.relationship_types()[0].name, "connects_to");
  EXPECT_EQ(catalog_.relationship_types()[1].name, "runs_on");
}

TEST_F(CatalogTest, ClassesInTreeOrderPutParentsFirstAndSiblingsByName) {
  EXPECT_EQ(Names(catalog_.ClassesInTreeOrder()), (Strings{"ci", "application", "hardware", "server", "switch"}));
}

TEST_F(CatalogTest, Subtree) {
  EXPECT_EQ(catalog_.Subtree("hardware"), (Strings{"hardware", "server", "switch"}));
  EXPECT_EQ(catalog_.Subtree("server"), (Strings{"server"}));
  Strings all = catalog_.Subtree("ci");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front(), "ci");
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (Strings{"application", "ci", "hardware", "server", "switch"}));
  EXPECT_TRUE(catalog_.Subtree("router").empty());
  EXPECT_TRUE(catalog_.Subtree("").empty());
}

TEST_F(CatalogTest, IsA) {
  EXPECT_TRUE(catalog_.IsA("server", "server"));
  EXPECT_TRUE(catalog_.IsA("server", "hardware"));
  EXPECT_TRUE(catalog_.IsA("server", "ci"));
  EXPECT_TRUE(catalog_.IsA("application", "ci"));
  EXPECT_TRUE(catalog_.IsA("ci", "ci"));
  EXPECT_FALSE(catalog_.IsA("hardware", "server"));
  EXPECT_FALSE(catalog_.IsA("switch", "server"));
  EXPECT_FALSE(catalog_.IsA("application", "hardware"));
  EXPECT_FALSE(catalog_.IsA("ci", "hardware"));
  EXPECT_FALSE(catalog_.IsA("router", "ci"));
  EXPECT_FALSE(catalog_.IsA("server", "router"));
}

TEST_F(CatalogTest, EffectiveAttributesRootFirstThenByPosition) {
  auto attrs = catalog_.EffectiveAttributes("server");
  EXPECT_EQ(Names(attrs), (Strings{"location", "serial_number", "purchased_at", "cpu_count", "memory_gb", "virtual",
                                   "installed_at", "fqdn", "ip_address", "mac_address", "tags", "extra",
                                   "ip_addresses", "mac_addresses"}));
  ASSERT_EQ(attrs.size(), 14u);
  EXPECT_EQ(attrs[0]->defined_in, "ci");
  EXPECT_EQ(attrs[1]->defined_in, "hardware");
  EXPECT_EQ(attrs[3]->defined_in, "server");

  EXPECT_EQ(Names(catalog_.EffectiveAttributes("ci")), (Strings{"location"}));
  EXPECT_EQ(Names(catalog_.EffectiveAttributes("switch")),
            (Strings{"location", "serial_number", "purchased_at", "cpu_count", "port_count"}));
  EXPECT_TRUE(catalog_.EffectiveAttributes("router").empty());
}

TEST_F(CatalogTest, FindAttributeOwnInheritedAndSibling) {
  const AttributeDef* own = catalog_.FindAttribute("server", "cpu_count");
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->type, AttrType::kInteger);
  EXPECT_EQ(own->defined_in, "server");
  EXPECT_TRUE(own->required);

  const AttributeDef* inherited = catalog_.FindAttribute("server", "location");
  ASSERT_NE(inherited, nullptr);
  EXPECT_EQ(inherited->defined_in, "ci");

  // The sibling's attribute of the same name is a different definition.
  const AttributeDef* sibling = catalog_.FindAttribute("switch", "cpu_count");
  ASSERT_NE(sibling, nullptr);
  EXPECT_EQ(sibling->type, AttrType::kString);
  EXPECT_EQ(sibling->defined_in, "switch");

  EXPECT_EQ(catalog_.FindAttribute("server", "port_count"), nullptr);
  EXPECT_EQ(catalog_.FindAttribute("hardware", "cpu_count"), nullptr);
  EXPECT_EQ(catalog_.FindAttribute("application", "serial_number"), nullptr);
  EXPECT_EQ(catalog_.FindAttribute("router", "location"), nullptr);
}

TEST_F(CatalogTest, AttributesNamed) {
  auto defs = catalog_.AttributesNamed("cpu_count");
  ASSERT_EQ(defs.size(), 2u);
  std::vector<std::string> classes = {defs[0]->defined_in, defs[1]->defined_in};
  std::sort(classes.begin(), classes.end());
  EXPECT_EQ(classes, (Strings{"server", "switch"}));
  EXPECT_EQ(catalog_.AttributesNamed("location").size(), 1u);
  EXPECT_TRUE(catalog_.AttributesNamed("colour").empty());
}

// --- NormalizeAttributeValue ------------------------------------------------

struct ValueCase {
  AttrType type;
  Json input;
  Json expected;  // discarded when the value is rejected
  bool ok = true;
  std::string error = "";  // part of the message when rejected
};

void PrintTo(const ValueCase& c, std::ostream* os) {
  *os << AttrTypeName(c.type) << " " << c.input.dump().substr(0, 80) << (c.ok ? " -> " + c.expected.dump() : " rejected");
}

class NormalizeValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(NormalizeValueTest, Normalizes) {
  const ValueCase& c = GetParam();
  AttributeDef def = Attr("a", c.type, 0);
  auto got = NormalizeAttributeValue(def, c.input);
  if (c.ok) {
    ASSERT_TRUE(got.ok()) << AttrTypeName(c.type) << " " << c.input.dump() << ": " << got.status();
    EXPECT_EQ(*got, c.expected) << AttrTypeName(c.type) << " " << c.input.dump();
    EXPECT_EQ(got->type(), c.expected.type()) << AttrTypeName(c.type) << " " << c.input.dump();
  } else {
    ASSERT_FALSE(got.ok()) << AttrTypeName(c.type) << " " << c.input.dump() << " gave " << got->dump();
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(got.status().message());
    EXPECT_NE(message.find(c.error), std::string::npos) << message;
    // No field prefix: the caller adds it.
    EXPECT_FALSE(message.starts_with("a:")) << message;
  }
}

ValueCase Ok(AttrType type, Json input, Json expected) { return {type, std::move(input), std::move(expected)}; }
ValueCase Bad(AttrType type, Json input, std::string error) {
  return {type, std::move(input), nullptr, false, std::move(error)};
}

INSTANTIATE_TEST_SUITE_P(
    Types, NormalizeValueTest,
    ::testing::Values(
        // string
        Ok(AttrType::kString, "web01", "web01"),
        Ok(AttrType::kString, "", ""),
        Ok(AttrType::kString, std::string(kMaxStringValue, 'x'), std::string(kMaxStringValue, 'x')),
        Bad(AttrType::kString, std::string(kMaxStringValue + 1, 'x'), "longer than 65536"),
        Bad(AttrType::kString, 5, "expected string, got a number 5"),
        Bad(AttrType::kString, true, "expected string, got a boolean true"),
        Bad(AttrType::kString, Json::array({"a"}), "expected string, got a list"),
        Bad(AttrType::kString, Json::object(), "expected string, got an object"),
        // integer: whole doubles (as they come from google.protobuf.Struct) are accepted
        Ok(AttrType::kInteger, 4, 4),
        Ok(AttrType::kInteger, -17, -17),
        Ok(AttrType::kInteger, 4.0, 4),
        Ok(AttrType::kInteger, -3.0, -3),
        Ok(AttrType::kInteger, 0.0, 0),
        Ok(AttrType::kInteger, 9007199254740992.0, int64_t{9007199254740992}),
        Ok(AttrType::kInteger, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()),
        Bad(AttrType::kInteger, 4.5, "expected integer, got a number 4.5"),
        Bad(AttrType::kInteger, "4", "expected integer, got a string \"4\""),
        Bad(AttrType::kInteger, 18014398509481984.0, "expected integer"),
        Bad(AttrType::kInteger, std::numeric_limits<double>::infinity(), "expected integer"),
        Bad(AttrType::kInteger, true, "expected integer, got a boolean"),
        // float
        Ok(AttrType::kFloat, 1.5, 1.5),
        Ok(AttrType::kFloat, 2, 2),
        Ok(AttrType::kFloat, -0.25, -0.25),
        Bad(AttrType::kFloat, "1.5", "expected float, got a string"),
        Bad(AttrType::kFloat, std::numeric_limits<double>::infinity(), "expected float"),
        Bad(AttrType::kFloat, std::numeric_limits<double>::quiet_NaN(), "expected float"),
        Bad(AttrType::kFloat, false, "expected float, got a boolean"),
        // boolean
        Ok(AttrType::kBoolean, true, true),
        Ok(AttrType::kBoolean, false, false),
        Bad(AttrType::kBoolean, 1, "expected boolean, got a number 1"),
        Bad(AttrType::kBoolean, "true", "expected boolean, got a string"),
        // datetime: UTC, second precision, "Z"
        Ok(AttrType::kDatetime, "2026-01-31T12:00:00Z", "2026-01-31T12:00:00Z"),
        Ok(AttrType::kDatetime, "2026-01-31T13:30:00+01:30", "2026-01-31T12:00:00Z"),
        Ok(AttrType::kDatetime, "2026-01-31T07:00:00-05:00", "2026-01-31T12:00:00Z"),
        Ok(AttrType::kDatetime, "2026-01-31T12:00:00.987654Z", "2026-01-31T12:00:00Z"),
        Ok(AttrType::kDatetime, "2026-01-01T00:30:00.5+01:00", "2025-12-31T23:30:00Z"),
        Ok(AttrType::kDatetime, "1960-06-15T08:00:00Z", "1960-06-15T08:00:00Z"),
        // Before 1970 the fraction is dropped too (the second does not move).
        Ok(AttrType::kDatetime, "1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59Z"),
        Bad(AttrType::kDatetime, "2026-01-31", "not an RFC 3339 time"),
        Bad(AttrType::kDatetime, "yesterday", "not an RFC 3339 time"),
        Bad(AttrType::kDatetime, "2026-13-01T00:00:00Z", "not an RFC 3339 time"),
        Bad(AttrType::kDatetime, 1700000000, "expected datetime, got a number"),
        // ip_address
        Ok(AttrType::kIpAddress, "10.0.0.1", "10.0.0.1"),
        Ok(AttrType::kIpAddress, "2001:DB8:0:0::1", "2001:db8::1"),
        Ok(AttrType::kIpAddress, "::ffff:192.0.2.1", "192.0.2.1"),
        Bad(AttrType::kIpAddress, "999.1.1.1", "not an IP address: \"999.1.1.1\""),
        Bad(AttrType::kIpAddress, 167772161, "expected ip_address, got a number"),
        // mac_address
        Ok(AttrType::kMacAddress, "001B.21AA.BBCC", "00:1b:21:aa:bb:cc"),
        Ok(AttrType::kMacAddress, "00-1B-21-AA-BB-CC", "00:1b:21:aa:bb:cc"),
        Bad(AttrType::kMacAddress, "00:1b:21", "not a MAC address: \"00:1b:21\""),
        Bad(AttrType::kMacAddress, Json::array(), "expected mac_address, got a list"),
        // string_list
        Ok(AttrType::kStringList, Json::array({"a", "b"}), Json::array({"a", "b"})),
        Ok(AttrType::kStringList, Json::array(), Json::array()),
        Bad(AttrType::kStringList, "a", "expected string_list, got a string"),
        Bad(AttrType::kStringList, Json::array({"a", 1}), "string"),
        Bad(AttrType::kStringList, Json::array({"a", nullptr}), "string"),
        Bad(AttrType::kStringList, Json::array({Json::array({"a"})}), "string"),
        Bad(AttrType::kStringList, Json::array({std::string(kMaxStringValue + 1, 'x')}), "longer than 65536"),
        // lists of addresses: each item canonical
        Ok(AttrType::kMacAddressList, Json::array({"001B.21AA.BBCC", "00-1b-21-aa-bb-cd"}),
           Json::array({"00:1b:21:aa:bb:cc", "00:1b:21:aa:bb:cd"})),
        Bad(AttrType::kMacAddressList, Json::array({"00:1b:21:aa:bb:cc", "nope"}), "not a MAC address"),
        Bad(AttrType::kMacAddressList, "00:1b:21:aa:bb:cc", "expected mac_address_list, got a string"),
        Ok(AttrType::kIpAddressList, Json::array({"2001:DB8::0:1", "::ffff:10.0.0.1"}),
           Json::array({"2001:db8::1", "10.0.0.1"})),
        Bad(AttrType::kIpAddressList, Json::array({"10.0.0.1", "10.0.0.300"}), "not an IP address"),
        // json: anything
        Ok(AttrType::kJson, Json::object({{"a", Json::array({1, "x", nullptr})}}),
           Json::object({{"a", Json::array({1, "x", nullptr})}})),
        Ok(AttrType::kJson, "text", "text"),
        Ok(AttrType::kJson, 3.25, 3.25)),
    [](const ::testing::TestParamInfo<ValueCase>& info) {
      return std::string(AttrTypeName(info.param.type)) + "_" + std::to_string(info.index);
    });

TEST(NormalizeAttributeValueTest, ListItemLimit) {
  AttributeDef def = Attr("tags", AttrType::kStringList, 0);
  Json at_limit = Json::array();
  for (size_t i = 0; i < kMaxListItems; ++i) at_limit.push_back("t" + std::to_string(i));
  auto ok = NormalizeAttributeValue(def, at_limit);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), kMaxListItems);

  Json over = at_limit;
  over.push_back("one more");
  auto bad = NormalizeAttributeValue(def, over);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(bad.status().message()), "more than 4096 items");
}

TEST(NormalizeAttributeValueTest, WholeDoubleBecomesJsonInteger) {
  auto got = NormalizeAttributeValue(Attr("n", AttrType::kInteger, 0), Json(4.0));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->is_number_integer());
  EXPECT_EQ(got->dump(), "4");
}

// --- ValidateCi -------------------------------------------------------------

Ci ValidServer() {
  Ci ci;
  ci.class_name = "server";
  ci.name = "web01";
  ci.attributes = {{"cpu_count", 4}};
  return ci;
}

TEST_F(CatalogTest, ValidCiIsAcceptedAndStatusDefaulted) {
  Ci ci = ValidServer();
  ASSERT_TRUE(catalog_.ValidateCi(ci).ok());
  EXPECT_EQ(ci.status, "in_use");
  EXPECT_EQ(ci.attributes, Json({{"cpu_count", 4}}));
}

TEST_F(CatalogTest, ValidateCiKeepsGivenStatusAndCriticality) {
  Ci ci = ValidServer();
  ci.status = "planned";
  ci.criticality = "high";
  ci.owner = "ops";
  ASSERT_TRUE(catalog_.ValidateCi(ci).ok());
  EXPECT_EQ(ci.status, "planned");
  EXPECT_EQ(ci.criticality, "high");
  EXPECT_EQ(ci.owner, "ops");
}

TEST_F(CatalogTest, ValidateCiNormalisesAttributesInPlace) {
  Ci ci = ValidServer();
  ci.name = "  web01 \t";
  ci.attributes = {
      {"cpu_count", 8.0},
      {"memory_gb", 15.5},
      {"virtual", false},
      {"installed_at", "2026-01-31T13:00:00.25+01:00"},
      {"ip_address", "2001:DB8::0001"},
      {"mac_address", "001B.21AA.BBCC"},
      {"tags", Json::array({"prod", "web"})},
      {"extra", {{"rack", "r1"}}},
      {"location", "dc1"},
      {"serial_number", nullptr},
  };
  ASSERT_TRUE(catalog_.ValidateCi(ci).ok());
  EXPECT_EQ(ci.name, "web01");
  Json expected = {
      {"cpu_count", 8},
      {"memory_gb", 15.5},
      {"virtual", false},
      {"installed_at", "2026-01-31T12:00:00Z"},
      {"ip_address", "2001:db8::1"},
      {"mac_address", "00:1b:21:aa:bb:cc"},
      {"tags", Json::array({"prod", "web"})},
      {"extra", {{"rack", "r1"}}},
      {"location", "dc1"},
  };
  EXPECT_EQ(ci.attributes, expected) << ci.attributes.dump();
  EXPECT_FALSE(ci.attributes.contains("serial_number"));
  EXPECT_TRUE(ci.attributes["cpu_count"].is_number_integer());
}

TEST_F(CatalogTest, ValidateCiRejectsClass) {
  Ci ci = ValidServer();
  ci.class_name = "";
  ExpectFieldError(catalog_.ValidateCi(ci), "class_name", "required");

  ci.class_name = "router";
  ExpectFieldError(catalog_.ValidateCi(ci), "class_name", "unknown class \"router\"");

  ci.class_name = "hardware";
  ExpectFieldError(catalog_.ValidateCi(ci), "class_name", "abstract");

  ci.class_name = "ci";
  ExpectFieldError(catalog_.ValidateCi(ci), "class_name", "abstract");
}

TEST_F(CatalogTest, ValidateCiRejectsName) {
  Ci ci = ValidServer();
  ci.name = "";
  ExpectFieldError(catalog_.ValidateCi(ci), "name", "required");

  ci.name = "  \t ";
  ExpectFieldError(catalog_.ValidateCi(ci), "name", "required");

  ci.name = std::string(kMaxNameLength + 1, 'n');
  ExpectFieldError(catalog_.ValidateCi(ci), "name", "longer than 255");

  ci.name = "web\x01";
  ExpectFieldError(catalog_.ValidateCi(ci), "name", "control character");

  ci.name = "web\tserver";
  ExpectFieldError(catalog_.ValidateCi(ci), "name", "control character");

  ci.name = std::string(kMaxNameLength, 'n');
  EXPECT_TRUE(catalog_.ValidateCi(ci).ok());

  // Non-ASCII UTF-8 is not a control character.
  ci.name = "serveur-\xc3\xa9t\xc3\xa9";
  EXPECT_TRUE(catalog_.ValidateCi(ci).ok());
}

TEST_F(CatalogTest, ValidateCiRejectsStatusCriticalityOwner) {
  Ci ci = ValidServer();
  ci.status = "running";
  ExpectFieldError(catalog_.ValidateCi(ci), "status", "unknown status \"running\"");

  ci = ValidServer();
  ci.status = "IN_USE";
  ExpectFieldError(catalog_.ValidateCi(ci), "status");

  ci = ValidServer();
  ci.criticality = "urgent";
  ExpectFieldError(catalog_.ValidateCi(ci), "criticality", "unknown criticality \"urgent\"");

  ci = ValidServer();
  ci.owner = std::string(kMaxNameLength + 1, 'o');
  ExpectFieldError(catalog_.ValidateCi(ci), "owner", "longer than 255");

  ci.owner = std::string(kMaxNameLength, 'o');
  EXPECT_TRUE(catalog_.ValidateCi(ci).ok());
}

TEST_F(CatalogTest, ValidateCiRejectsAttributes) {
  Ci ci = ValidServer();
  ci.attributes = Json::object();
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.cpu_count", "required by class server");

  ci.attributes = {{"cpu_count", nullptr}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.cpu_count", "required");

  ci.attributes = {{"cpu_count", 4.5}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.cpu_count", "expected integer");

  ci.attributes = {{"cpu_count", "4"}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.cpu_count", "expected integer, got a string");

  ci.attributes = {{"cpu_count", 4}, {"colour", "red"}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.colour", "class server has no attribute \"colour\"");

  // An attribute of a sibling class is unknown here.
  ci.attributes = {{"cpu_count", 4}, {"port_count", 48}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.port_count", "no attribute");

  ci.attributes = {{"cpu_count", 4}, {"mac_address", "not-a-mac"}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.mac_address", "not a MAC address");

  ci.attributes = {{"cpu_count", 4}, {"installed_at", "last week"}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.installed_at", "not an RFC 3339 time");

  ci.attributes = Json::array({1, 2});
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes", "must be an object");
}

TEST_F(CatalogTest, SiblingAttributeOfSameNameUsesItsOwnType) {
  Ci ci;
  ci.class_name = "switch";
  ci.name = "sw01";
  ci.attributes = {{"cpu_count", "dual ARM"}, {"port_count", 48.0}};
  ASSERT_TRUE(catalog_.ValidateCi(ci).ok());
  EXPECT_EQ(ci.attributes, Json({{"cpu_count", "dual ARM"}, {"port_count", 48}}));

  ci.attributes = {{"cpu_count", 2}};
  ExpectFieldError(catalog_.ValidateCi(ci), "attributes.cpu_count", "expected string");
}

TEST_F(CatalogTest, ValidateAttributesWithoutRequiredCheck) {
  Json attrs = {{"memory_gb", 32}, {"mac_address", "00-1B-21-AA-BB-CC"}, {"virtual", nullptr}};
  ASSERT_TRUE(catalog_.ValidateAttributes("server", attrs, /*check_required=*/false).ok());
  EXPECT_EQ(attrs, Json({{"memory_gb", 32}, {"mac_address", "00:1b:21:aa:bb:cc"}}));

  Json missing = {{"memory_gb", 32}};
  ExpectFieldError(catalog_.ValidateAttributes("server", missing, /*check_required=*/true), "attributes.cpu_count");
}

TEST(IsValidIdentifierTest, Identifiers) {
  EXPECT_TRUE(IsValidIdentifier("server"));
  EXPECT_TRUE(IsValidIdentifier("cpu_count"));
  EXPECT_TRUE(IsValidIdentifier("a1"));
  EXPECT_TRUE(IsValidIdentifier(std::string(63, 'a')));
  EXPECT_FALSE(IsValidIdentifier(std::string(64, 'a')));
  EXPECT_TRUE(IsValidIdentifier(std::string(64, 'a'), 64));
  EXPECT_FALSE(IsValidIdentifier(""));
  EXPECT_FALSE(IsValidIdentifier("Server"));
  EXPECT_FALSE(IsValidIdentifier("1server"));
  EXPECT_FALSE(IsValidIdentifier("_server"));
  EXPECT_FALSE(IsValidIdentifier("cpu-count"));
  EXPECT_FALSE(IsValidIdentifier("cpu count"));
  EXPECT_FALSE(IsValidIdentifier("cpu.count"));
}

}  // namespace
}  // namespace cmdb
