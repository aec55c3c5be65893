// Unit tests for core/identification.h: identifier kinds, normalised
// identifying values, the keys of a CI under its class's rules, source keys,
// rule-set checks, Catalog::IdentificationRules, and DecideMatch (which CI
// a finding is, from who holds its keys).
#include "core/identification.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cmdb {
namespace {

using Strings = std::vector<std::string>;

constexpr char kSep = '\x1f';  // between the values of a multi-field set

AttributeDef Attr(std::string name, AttrType type, int position) {
  AttributeDef a;
  a.name = std::move(name);
  a.type = type;
  a.position = position;
  return a;
}

ClassDef Class(std::string name, std::string parent, std::vector<AttributeDef> attributes) {
  ClassDef c;
  c.name = std::move(name);
  c.parent = std::move(parent);
  c.attributes = std::move(attributes);
  return c;
}

IdentifierSetDef Set(Strings fields, bool within_parent = false) {
  IdentifierSetDef s;
  s.fields = std::move(fields);
  s.within_parent = within_parent;
  return s;
}

// ci > hardware > server, switch; ci > interface, application, document.
// Rules: hardware (inherited by server), switch (its own), interface (one
// within-parent set), application; ci and document have none.
Catalog MakeCatalog() {
  std::vector<ClassDef> classes;
  classes.push_back(Class("ci", "", {Attr("location", AttrType::kString, 0)}));
  classes.push_back(Class("hardware", "ci",
                          {
                              Attr("serial_number", AttrType::kString, 0),
                              Attr("management_ip", AttrType::kIpAddress, 1),
                              Attr("fqdn", AttrType::kString, 2),
                              Attr("mac_addresses", AttrType::kMacAddressList, 3),
                              Attr("ip_addresses", AttrType::kIpAddressList, 4),
                              Attr("asset_tag", AttrType::kInteger, 5),
                              Attr("virtual", AttrType::kBoolean, 6),
                              Attr("weight_kg", AttrType::kFloat, 7),
                              Attr("extra", AttrType::kJson, 8),
                              Attr("tags", AttrType::kStringList, 9),
                              Attr("purchased_at", AttrType::kDatetime, 10),
                              Attr("hostname", AttrType::kString, 11),
                          }));
  classes.push_back(Class("server", "hardware", {Attr("cpu_count", AttrType::kInteger, 0)}));
  classes.push_back(Class("switch", "hardware", {Attr("port_count", AttrType::kInteger, 0)}));
  classes.push_back(Class("interface", "ci",
                          {Attr("if_name", AttrType::kString, 0), Attr("mac_address", AttrType::kMacAddress, 1)}));
  classes.push_back(Class("application", "ci", {Attr("url", AttrType::kString, 0)}));
  classes.push_back(Class("document", "ci", {Attr("title", AttrType::kString, 0)}));

  std::map<std::string, std::vector<IdentifierSetDef>> identification = {
      {"hardware",
       {Set({"serial_number"}), Set({"management_ip", "name"}), Set({"mac_addresses"}), Set({"fqdn"})}},
      {"switch", {Set({"serial_number"})}},
      {"interface", {Set({"if_name"}, /*within_parent=*/true), Set({"mac_address"})}},
      {"application", {Set({"url"})}},
  };
  return Catalog(7, std::move(classes), {}, std::move(identification), {});
}

Ci MakeCi(std::string cls, std::string name, Json attributes) {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-0000000000aa";
  ci.class_name = std::move(cls);
  ci.name = std::move(name);
  ci.status = "in_use";
  ci.attributes = std::move(attributes);
  return ci;
}

// "kind=value#set_index", in the order returned.
Strings Describe(const std::vector<IdentifierKey>& keys) {
  Strings out;
  for (const auto& k : keys) out.push_back(k.kind + "=" + k.value + "#" + std::to_string(k.set_index));
  return out;
}

Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

class IdentificationTest : public testing::Test {
 protected:
  Catalog catalog_ = MakeCatalog();
  const AttributeDef* Def(std::string_view cls, std::string_view attr) {
    const AttributeDef* def = catalog_.FindAttribute(cls, attr);
    EXPECT_NE(def, nullptr) << cls << "." << attr;
    return def;
  }
};

// --- IdentifierKind ---------------------------------------------------------

TEST(IdentifierKindTest, FieldsJoinedWithPlusAndParentPrefix) {
  struct Case {
    IdentifierSetDef set;
    std::string kind;
  };
  const std::vector<Case> cases = {
      {Set({"serial_number"}), "serial_number"},
      {Set({"management_ip", "name"}), "management_ip+name"},
      {Set({"a", "b", "c", "d"}), "a+b+c+d"},
      {Set({"if_name"}, true), "parent:if_name"},
      {Set({"if_name", "mac_address"}, true), "parent:if_name+mac_address"},
  };
  for (const auto& c : cases) EXPECT_EQ(IdentifierKind(c.set), c.kind);
}

// --- NormalizeIdentifierValue -----------------------------------------------

TEST_F(IdentificationTest, NormalizeIdentifierValueByTypeAndField) {
  struct Case {
    const char* cls;
    const char* field;  // attribute, or "name" (no definition)
    Json value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      // MACs, scalar or list element: canonical lower-case colon form.
      {"interface", "mac_address", "00:1B:21:AA:BB:CC", "00:1b:21:aa:bb:cc"},
      {"interface", "mac_address", "001b.21aa.bbcc", "00:1b:21:aa:bb:cc"},
      {"interface", "mac_address", "00-1b-21-aa-bb-cc", "00:1b:21:aa:bb:cc"},
      {"interface", "mac_address", " 001B21AABBCC ", "00:1b:21:aa:bb:cc"},
      {"hardware", "mac_addresses", "001B.21AA.BBCC", "00:1b:21:aa:bb:cc"},
      // IPs, scalar or list element: canonical text; IPv4-mapped IPv6 as IPv4.
      {"hardware", "management_ip", " 10.0.0.1 ", "10.0.0.1"},
      {"hardware", "management_ip", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"hardware", "management_ip", "::ffff:10.0.0.1", "10.0.0.1"},
      {"hardware", "ip_addresses", "2001:0db8::0001", "2001:db8::1"},
      // Host names and URLs: lower case, no trailing dots or slashes.
      {"hardware", "fqdn", "Web01.Example.COM.", "web01.example.com"},
      {"hardware", "fqdn", " web01.example.com.. ", "web01.example.com"},
      {"hardware", "hostname", "WEB01", "web01"},
      {"application", "url", "HTTPS://Shop.Example.com/", "https://shop.example.com"},
      {"application", "url", "https://shop.example.com/Cart//", "https://shop.example.com/cart"},
      // Numbers and booleans: as JSON.
      {"hardware", "asset_tag", 42, "42"},
      {"hardware", "asset_tag", -7, "-7"},
      {"hardware", "virtual", true, "true"},
      {"hardware", "virtual", false, "false"},
      // Other text: trimmed, inner blanks folded, upper-cased.
      {"hardware", "serial_number", "  foc  1234x ", "FOC 1234X"},
      {"hardware", "serial_number", "abc\t\tdef", "ABC DEF"},
      {"hardware", "serial_number", "FOC1234X", "FOC1234X"},
      {"hardware", "tags", " rack a ", "RACK A"},
  };
  for (const auto& c : cases) {
    const AttributeDef* def = Def(c.cls, c.field);
    EXPECT_EQ(NormalizeIdentifierValue(def, c.field, c.value), c.expected) << c.cls << "." << c.field << " "
                                                                            << c.value.dump();
  }
}

// The result has neither trailing dots nor trailing slashes, whichever order
// they come in.
TEST_F(IdentificationTest, NormalizeIdentifierValueHostLikeStripsDotsAndSlashesInAnyOrder) {
  struct Case {
    const char* cls;
    const char* field;
    const char* value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"hardware", "fqdn", "web01.example.com/.", "web01.example.com"},
      {"application", "url", "https://Shop.Example.com./", "https://shop.example.com"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NormalizeIdentifierValue(Def(c.cls, c.field), c.field, c.value), c.expected) << c.field << " "
                                                                                         << c.value;
  }
  // So the same service written with and without the root dot has one key.
  Ci a = MakeCi("application", "shop", {{"url", "https://shop.example.com/"}});
  Ci b = MakeCi("application", "shop", {{"url", "https://shop.example.com./"}});
  EXPECT_EQ(Describe(IdentifierKeys(catalog_, a)), Describe(IdentifierKeys(catalog_, b)));
}

TEST(NormalizeIdentifierValueTest, CiNameTakesTheTextPath) {
  EXPECT_EQ(NormalizeIdentifierValue(nullptr, "name", "  web01  rack 7 "), "WEB01 RACK 7");
  EXPECT_EQ(NormalizeIdentifierValue(nullptr, "name", "Web01.Example.com"), "WEB01.EXAMPLE.COM");
  EXPECT_EQ(NormalizeIdentifierValue(nullptr, "name", "WEB01"),
            NormalizeIdentifierValue(nullptr, "name", " web01 "));
}

// --- IdentifierKeys ---------------------------------------------------------

TEST_F(IdentificationTest, KeysOfEveryCompleteSetInheritedFromTheParentClass) {
  Ci ci = MakeCi("server", "web01",
                 {{"serial_number", "FOC1234X"},
                  {"management_ip", "10.0.0.1"},
                  {"mac_addresses", Json::array({"00:1b:21:aa:bb:cc", "00:1b:21:aa:bb:cd"})},
                  {"fqdn", "web01.example.com"},
                  {"cpu_count", 8}});
  auto keys = IdentifierKeys(catalog_, ci);
  EXPECT_EQ(Sorted(Describe(keys)), Sorted(Strings{
                                        "serial_number=FOC1234X#0",
                                        std::string("management_ip+name=10.0.0.1") + kSep + "WEB01#1",
                                        "mac_addresses=00:1b:21:aa:bb:cc#2",
                                        "mac_addresses=00:1b:21:aa:bb:cd#2",
                                        "fqdn=web01.example.com#3",
                                    }));
  for (const auto& k : keys) EXPECT_LT(k.stripe, kIdentifierStripes) << k.kind;
}

TEST_F(IdentificationTest, SetWithAMissingFieldGivesNoKey) {
  // No management_ip: the two-field set is incomplete; a null counts as absent.
  Ci ci = MakeCi("server", "web01", {{"serial_number", "FOC1234X"}, {"management_ip", nullptr}});
  EXPECT_EQ(Describe(IdentifierKeys(catalog_, ci)), (Strings{"serial_number=FOC1234X#0"}));

  // No name: the same set is incomplete.
  ci = MakeCi("server", "", {{"management_ip", "10.0.0.1"}});
  EXPECT_TRUE(IdentifierKeys(catalog_, ci).empty());

  // An empty list gives no key either.
  ci = MakeCi("server", "web01", {{"mac_addresses", Json::array()}});
  EXPECT_TRUE(IdentifierKeys(catalog_, ci).empty());
}

TEST_F(IdentificationTest, ListAttributeGivesOneKeyPerElement) {
  const std::vector<IdentifierSetDef> rules = {Set({"mac_addresses"})};
  Ci ci = MakeCi("server", "web01", {{"mac_addresses", Json::array({"00:1b:21:aa:bb:01", "00:1b:21:aa:bb:02"})}});
  auto keys = IdentifierKeys(catalog_, rules, ci);
  EXPECT_EQ(Sorted(Describe(keys)),
            (Strings{"mac_addresses=00:1b:21:aa:bb:01#0", "mac_addresses=00:1b:21:aa:bb:02#0"}));
}

TEST_F(IdentificationTest, MultiFieldSetWithListsGivesTheProduct) {
  // A list and a scalar: one key per element.
  Ci ci = MakeCi("server", "web01", {{"mac_addresses", Json::array({"00:1b:21:aa:bb:01", "00:1b:21:aa:bb:02"})}});
  auto keys = IdentifierKeys(catalog_, {Set({"mac_addresses", "name"})}, ci);
  EXPECT_EQ(Sorted(Describe(keys)), Sorted(Strings{
                                        std::string("mac_addresses+name=00:1b:21:aa:bb:01") + kSep + "WEB01#0",
                                        std::string("mac_addresses+name=00:1b:21:aa:bb:02") + kSep + "WEB01#0",
                                    }));

  // Two lists: every pair.
  ci.attributes["ip_addresses"] = Json::array({"10.0.0.1", "10.0.0.2"});
  keys = IdentifierKeys(catalog_, {Set({"ip_addresses", "mac_addresses"})}, ci);
  EXPECT_EQ(Sorted(Describe(keys)), Sorted(Strings{
                                        std::string("ip_addresses+mac_addresses=10.0.0.1") + kSep +
                                            "00:1b:21:aa:bb:01#0",
                                        std::string("ip_addresses+mac_addresses=10.0.0.1") + kSep +
                                            "00:1b:21:aa:bb:02#0",
                                        std::string("ip_addresses+mac_addresses=10.0.0.2") + kSep +
                                            "00:1b:21:aa:bb:01#0",
                                        std::string("ip_addresses+mac_addresses=10.0.0.2") + kSep +
                                            "00:1b:21:aa:bb:02#0",
                                    }));
}

TEST_F(IdentificationTest, KeysPerSetAreCapped) {
  Json macs = Json::array();
  for (int i = 0; i < 100; ++i) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "00:1b:21:aa:%02x:%02x", i / 256, i % 256);
    macs.push_back(buf);
  }
  Ci ci = MakeCi("server", "web01", {{"mac_addresses", macs}});

  auto keys = IdentifierKeys(catalog_, {Set({"mac_addresses"})}, ci);
  EXPECT_EQ(keys.size(), kMaxKeysPerSet);
  const Strings described = Describe(keys);
  EXPECT_EQ(std::set<std::string>(described.begin(), described.end()).size(), kMaxKeysPerSet);

  // 10 x 10 combinations: still capped.
  ci.attributes["mac_addresses"] = Json(std::vector<Json>(macs.begin(), macs.begin() + 10));
  Json ips = Json::array();
  for (int i = 1; i <= 10; ++i) ips.push_back("10.0.0." + std::to_string(i));
  ci.attributes["ip_addresses"] = ips;
  keys = IdentifierKeys(catalog_, {Set({"ip_addresses", "mac_addresses"})}, ci);
  EXPECT_EQ(keys.size(), kMaxKeysPerSet);

  // The cap is per set: a second set still gets its keys.
  keys = IdentifierKeys(catalog_, {Set({"ip_addresses", "mac_addresses"}), Set({"name"})}, ci);
  ASSERT_EQ(keys.size(), kMaxKeysPerSet + 1);
  EXPECT_EQ(std::count_if(keys.begin(), keys.end(), [](const IdentifierKey& k) { return k.set_index == 1; }), 1);
}

TEST_F(IdentificationTest, DuplicateKeysAreRemoved) {
  // The same MAC in two notations, and the same set listed twice.
  Ci ci = MakeCi("server", "web01",
                 {{"serial_number", "foc1234x"}, {"mac_addresses", Json::array({"00:1b:21:aa:bb:cc", "001B.21AA.BBCC"})}});
  auto keys = IdentifierKeys(catalog_, {Set({"mac_addresses"}), Set({"serial_number"}), Set({"serial_number"})}, ci);
  EXPECT_EQ(Describe(keys), (Strings{"mac_addresses=00:1b:21:aa:bb:cc#0", "serial_number=FOC1234X#1"}));
}

TEST_F(IdentificationTest, SetIndexNamesTheRuleSet) {
  Ci ci = MakeCi("server", "web01", {{"serial_number", "S1"}, {"fqdn", "web01.example.com"}});
  for (const auto& k : IdentifierKeys(catalog_, ci)) {
    if (k.kind == "serial_number") EXPECT_EQ(k.set_index, 0);
    else if (k.kind == "fqdn") EXPECT_EQ(k.set_index, 3);
    else ADD_FAILURE() << "unexpected key " << k.kind;
  }
}

TEST_F(IdentificationTest, WithinParentSetPrefixesTheParentId) {
  Ci ci = MakeCi("interface", "Gi0/1", {{"if_name", " gi0/1 "}});
  ci.parent_id = "0190f0c4-0000-7000-8000-000000000001";
  auto keys = IdentifierKeys(catalog_, ci);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kind, "parent:if_name");
  EXPECT_EQ(keys[0].value, "0190f0c4-0000-7000-8000-000000000001/GI0/1");
  EXPECT_EQ(keys[0].set_index, 0);
}

TEST_F(IdentificationTest, WithinParentSetWithoutParentGivesNoKey) {
  Ci ci = MakeCi("interface", "Gi0/1", {{"if_name", "Gi0/1"}, {"mac_address", "00:1b:21:aa:bb:cc"}});
  ASSERT_TRUE(ci.parent_id.empty());
  EXPECT_EQ(Describe(IdentifierKeys(catalog_, ci)), (Strings{"mac_address=00:1b:21:aa:bb:cc#1"}));
}

TEST_F(IdentificationTest, OtherParentGivesOtherValueButTheSameStripe) {
  Ci a = MakeCi("interface", "Gi0/1", {{"if_name", "Gi0/1"}});
  a.parent_id = "0190f0c4-0000-7000-8000-000000000001";
  Ci b = a;
  b.parent_id = "0190f0c4-0000-7000-8000-000000000002";
  auto ka = IdentifierKeys(catalog_, a);
  auto kb = IdentifierKeys(catalog_, b);
  ASSERT_EQ(ka.size(), 1u);
  ASSERT_EQ(kb.size(), 1u);
  EXPECT_EQ(ka[0].kind, kb[0].kind);
  EXPECT_NE(ka[0].value, kb[0].value);
  EXPECT_FALSE(ka[0] == kb[0]);
  EXPECT_EQ(ka[0].stripe, kb[0].stripe);
  EXPECT_LT(ka[0].stripe, kIdentifierStripes);
}

TEST_F(IdentificationTest, ClassWithoutRulesGivesNoKeys) {
  Ci doc = MakeCi("document", "Runbook", {{"title", "Runbook"}, {"location", "wiki"}});
  EXPECT_TRUE(IdentifierKeys(catalog_, doc).empty());
  Ci root = MakeCi("ci", "thing", {{"location", "dc1"}});
  EXPECT_TRUE(IdentifierKeys(catalog_, root).empty());
  Ci unknown = MakeCi("router", "r1", {{"serial_number", "S1"}});
  EXPECT_TRUE(IdentifierKeys(catalog_, unknown).empty());
  // And with an explicit empty rule list.
  Ci server = MakeCi("server", "web01", {{"serial_number", "S1"}});
  EXPECT_TRUE(IdentifierKeys(catalog_, {}, server).empty());
}

TEST_F(IdentificationTest, OwnRulesReplaceInheritedOnes) {
  // switch has only the serial-number set, not hardware's four.
  Ci sw = MakeCi("switch", "core1",
                 {{"serial_number", "S1"}, {"management_ip", "10.0.0.1"}, {"fqdn", "core1.example.com"}});
  EXPECT_EQ(Describe(IdentifierKeys(catalog_, sw)), (Strings{"serial_number=S1#0"}));
}

TEST_F(IdentificationTest, StoredCiAndFindingInAnotherNotationHaveEqualKeys) {
  Ci stored = MakeCi("server", "web01",
                     {{"serial_number", "FOC 1234X"},
                      {"management_ip", "2001:db8::1"},
                      {"mac_addresses", Json::array({"00:1b:21:aa:bb:cc"})},
                      {"fqdn", "web01.example.com"}});
  Ci finding = MakeCi("server", "  WEB01 ",
                      {{"serial_number", "  foc   1234x "},
                       {"management_ip", "2001:DB8:0:0::1"},
                       {"mac_addresses", Json::array({"001B.21AA.BBCC"})},
                       {"fqdn", "Web01.Example.COM."}});
  finding.id.clear();
  auto ks = IdentifierKeys(catalog_, stored);
  auto kf = IdentifierKeys(catalog_, finding);
  ASSERT_EQ(ks.size(), 4u);
  EXPECT_EQ(Describe(ks), Describe(kf));
  ASSERT_EQ(kf.size(), ks.size());
  for (size_t i = 0; i < ks.size(); ++i) {
    EXPECT_TRUE(ks[i] == kf[i]) << ks[i].kind;
    EXPECT_EQ(ks[i].stripe, kf[i].stripe) << ks[i].kind;
  }
}

TEST_F(IdentificationTest, NumericIdentifierMatchesAsJson) {
  Ci a = MakeCi("server", "web01", {{"asset_tag", 1042}});
  auto keys = IdentifierKeys(catalog_, {Set({"asset_tag"})}, a);
  EXPECT_EQ(Describe(keys), (Strings{"asset_tag=1042#0"}));
}

// --- SourceKey --------------------------------------------------------------

TEST(SourceKeyTest, KindNamesTheSourceValueIsTrimmed) {
  IdentifierKey k = SourceKey("snmp", "  sysObjectID.42 ");
  EXPECT_EQ(k.kind, "source:snmp");
  EXPECT_EQ(k.value, "sysObjectID.42");  // case kept: a source's key is its own
  EXPECT_EQ(k.set_index, -1);
  EXPECT_LT(k.stripe, kIdentifierStripes);

  IdentifierKey same = SourceKey("snmp", "sysObjectID.42");
  EXPECT_TRUE(k == same);
  EXPECT_EQ(k.stripe, same.stripe);
  EXPECT_FALSE(k == SourceKey("http", "sysObjectID.42"));
  EXPECT_FALSE(k == SourceKey("snmp", "sysObjectID.43"));
}

// --- CheckIdentifierSet -----------------------------------------------------

TEST_F(IdentificationTest, CheckIdentifierSetAcceptsNameAndOwnOrInheritedAttributes) {
  const std::vector<std::pair<std::string, IdentifierSetDef>> ok = {
      {"server", Set({"name"})},
      {"server", Set({"serial_number"})},                       // inherited from hardware
      {"server", Set({"location"})},                            // inherited from ci
      {"server", Set({"cpu_count"})},                           // own, integer
      {"server", Set({"management_ip", "name"})},               // ip_address
      {"server", Set({"mac_addresses"})},                       // mac_address_list
      {"server", Set({"ip_addresses", "tags"})},                // ip_address_list, string_list
      {"server", Set({"virtual", "asset_tag", "fqdn", "name"})},  // four fields
      {"server", Set({"purchased_at"})},                        // datetime
      {"interface", Set({"if_name"}, true)},
  };
  for (const auto& [cls, set] : ok) {
    absl::Status status = CheckIdentifierSet(catalog_, cls, set, "identification.sets[0].fields");
    EXPECT_TRUE(status.ok()) << cls << " " << IdentifierKind(set) << ": " << status;
  }
}

TEST_F(IdentificationTest, CheckIdentifierSetErrorsNameTheFieldPath) {
  struct Case {
    std::string cls;
    IdentifierSetDef set;
    std::string part;  // in the message
  };
  const std::vector<Case> cases = {
      {"server", Set({}), "one to four fields"},
      {"server", Set({"name", "serial_number", "fqdn", "asset_tag", "location"}), "one to four fields"},
      {"server", Set({"name", "colour"}), "\"colour\""},
      {"hardware", Set({"cpu_count"}), "\"cpu_count\""},    // a subclass's attribute
      {"switch", Set({"cpu_count"}), "\"cpu_count\""},      // a sibling's attribute
      {"server", Set({"extra"}), "json"},
      {"server", Set({"serial_number", "weight_kg"}), "float"},
      {"server", Set({"Name"}), "\"Name\""},
      {"router", Set({"serial_number"}), "\"serial_number\""},  // unknown class
  };
  const std::string path = "identification.server[2].fields";
  for (const auto& c : cases) {
    absl::Status status = CheckIdentifierSet(catalog_, c.cls, c.set, path);
    ASSERT_FALSE(status.ok()) << c.cls << " " << IdentifierKind(c.set);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    const std::string message(status.message());
    EXPECT_TRUE(message.starts_with(path)) << message;
    EXPECT_NE(message.find(c.part), std::string::npos) << message;
  }
}

TEST_F(IdentificationTest, CheckIdentifierSetNamesTheOffendingFieldOfTheSet) {
  absl::Status status = CheckIdentifierSet(catalog_, "server", Set({"name", "serial_number", "extra"}), "sets[0]");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_TRUE(message.starts_with("sets[0][2]: ")) << message;
  EXPECT_NE(message.find("extra"), std::string::npos) << message;
}

// --- Catalog::IdentificationRules -------------------------------------------

TEST_F(IdentificationTest, IdentificationRulesOwnOrNearestAncestors) {
  std::string from = "stale";
  const auto& server = catalog_.IdentificationRules("server", &from);
  EXPECT_EQ(from, "hardware");
  ASSERT_EQ(server.size(), 4u);
  EXPECT_EQ(IdentifierKind(server[0]), "serial_number");
  EXPECT_EQ(IdentifierKind(server[1]), "management_ip+name");
  EXPECT_EQ(IdentifierKind(server[2]), "mac_addresses");
  EXPECT_EQ(IdentifierKind(server[3]), "fqdn");

  EXPECT_EQ(catalog_.IdentificationRules("hardware", &from).size(), 4u);
  EXPECT_EQ(from, "hardware");

  const auto& sw = catalog_.IdentificationRules("switch", &from);
  EXPECT_EQ(from, "switch");
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(IdentifierKind(sw[0]), "serial_number");

  const auto& itf = catalog_.IdentificationRules("interface", &from);
  EXPECT_EQ(from, "interface");
  ASSERT_EQ(itf.size(), 2u);
  EXPECT_TRUE(itf[0].within_parent);
  EXPECT_FALSE(itf[1].within_parent);

  // Without `from`.
  EXPECT_EQ(catalog_.IdentificationRules("application").size(), 1u);
}

TEST_F(IdentificationTest, IdentificationRulesEmptyWhenNoneOnTheWayToTheRoot) {
  for (const char* cls : {"document", "ci", "router", ""}) {
    std::string from = "stale";
    EXPECT_TRUE(catalog_.IdentificationRules(cls, &from).empty()) << cls;
    EXPECT_EQ(from, "") << cls;
  }
}

// --- DecideMatch -------------------------------------------------------------

constexpr char kA[] = "0190f0c4-0000-7000-8000-00000000000a";
constexpr char kB[] = "0190f0c4-0000-7000-8000-00000000000b";
constexpr char kC[] = "0190f0c4-0000-7000-8000-00000000000c";

// A server with a serial, a management IP and two MACs, and optionally a
// source key: keys in the order the reconciler passes them.
class DecideMatchTest : public IdentificationTest {
 protected:
  void SetUp() override {
    keys_ = IdentifierKeys(catalog_, MakeCi("server", "web01",
                                            {{"serial_number", "SN-1"},
                                             {"management_ip", "10.0.0.1"},
                                             {"mac_addresses", {"02:00:00:00:00:01", "02:00:00:00:00:02"}}}));
    keys_.insert(keys_.begin(), SourceKey("snmp", "ifIndex-7"));
    holders_.assign(keys_.size(), {});
  }
  // The holders of the (first) key of `kind`.
  KeyHolders& Of(std::string_view kind, size_t nth = 0) {
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (keys_[k].kind == kind && nth-- == 0) return holders_[k];
    }
    ADD_FAILURE() << "no key " << kind;
    return holders_.front();
  }
  MatchDecision Decide() { return DecideMatch(keys_, holders_); }

  std::vector<IdentifierKey> keys_;
  std::vector<KeyHolders> holders_;
};

TEST_F(DecideMatchTest, TheKeysAreASourceKeyThenTheSetsInOrder) {
  EXPECT_EQ(Describe(keys_), (Strings{"source:snmp=ifIndex-7#-1", "serial_number=SN-1#0",
                                      std::string("management_ip+name=10.0.0.1") + kSep + "WEB01#1",
                                      "mac_addresses=02:00:00:00:00:01#2", "mac_addresses=02:00:00:00:00:02#2"}));
}

TEST_F(DecideMatchTest, NothingHeldCreates) {
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kCreate);
  EXPECT_EQ(d.ci_id, "");
  EXPECT_EQ(d.matched_by, "");
  EXPECT_TRUE(d.candidates.empty());
  EXPECT_TRUE(d.duplicates.empty());
}

TEST(DecideMatchNoKeysTest, NoKeysCreates) { EXPECT_EQ(DecideMatch({}, {}).kind, MatchDecision::kCreate); }

TEST_F(DecideMatchTest, OneStoredCiMatches) {
  Of("serial_number").stored = {kA};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kA);
  EXPECT_EQ(d.matched_by, "serial_number");
  EXPECT_TRUE(d.duplicates.empty());
}

TEST_F(DecideMatchTest, TheSourceKeyDecidesBeforeAnyIdentifierSet) {
  Of("source:snmp").stored = {kB};
  Of("serial_number").stored = {kA};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kB);
  EXPECT_EQ(d.matched_by, "source:snmp");
}

TEST_F(DecideMatchTest, TheFirstSetThatMatchesDecidesAndLaterSetsAreNotConsulted) {
  Of("management_ip+name").stored = {kA};
  Of("mac_addresses", 0).stored = {kB};  // a later set would conflict
  Of("mac_addresses", 1).stored = {kC};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kA);
  EXPECT_EQ(d.matched_by, "management_ip+name");
}

TEST_F(DecideMatchTest, ASetThatMatchesNothingGivesWayToTheNext) {
  Of("mac_addresses", 1).stored = {kC};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kC);
  EXPECT_EQ(d.matched_by, "mac_addresses");
}

TEST_F(DecideMatchTest, SeveralCisHoldingOneKeyAreAConflictAndADuplicateCandidate) {
  Of("serial_number").stored = {kB, kA};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kConflict);
  EXPECT_EQ(d.ci_id, "");
  EXPECT_EQ(d.matched_by, "serial_number");
  EXPECT_EQ(d.reason, "ambiguous: serial_number matches 2 CIs");
  EXPECT_EQ(d.candidates, (Strings{kA, kB}));  // sorted
  ASSERT_EQ(d.duplicates.size(), 1u);
  EXPECT_EQ(d.duplicates[0].kind, "serial_number");
  EXPECT_EQ(d.duplicates[0].value, "SN-1");
  EXPECT_EQ(d.duplicates[0].ci_ids, (Strings{kB, kA}));
}

TEST_F(DecideMatchTest, KeysOfOneSetMatchingDifferentCisConflictWithoutADuplicateCandidate) {
  Of("mac_addresses", 0).stored = {kA};
  Of("mac_addresses", 1).stored = {kB};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kConflict);
  EXPECT_EQ(d.reason, "ambiguous: mac_addresses matches 2 CIs");
  EXPECT_EQ(d.candidates, (Strings{kA, kB}));
  EXPECT_TRUE(d.duplicates.empty());  // no identifier is shared by two CIs
}

TEST_F(DecideMatchTest, KeysOfOneSetMatchingTheSameCiAreOneMatch) {
  Of("mac_addresses", 0).stored = {kA};
  Of("mac_addresses", 1).stored = {kA};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kA);
}

TEST_F(DecideMatchTest, AKeyClaimedByAnEarlierItemMatchesThatItemsCi) {
  Of("serial_number").claimed = kC;  // e.g. a CI an earlier item creates
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kMatch);
  EXPECT_EQ(d.ci_id, kC);
  EXPECT_EQ(d.matched_by, "serial_number");
}

TEST_F(DecideMatchTest, AClaimAndAStoredHolderThatDifferConflict) {
  Of("serial_number").stored = {kA};
  Of("serial_number").claimed = kC;
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kConflict);
  EXPECT_EQ(d.candidates, (Strings{kA, kC}));
  EXPECT_TRUE(d.duplicates.empty());
  Of("serial_number").claimed = kA;  // the same CI
  EXPECT_EQ(Decide().kind, MatchDecision::kMatch);
}

TEST_F(DecideMatchTest, AConflictInTheDecidingSetRecordsEveryKeySharedThere) {
  Of("mac_addresses", 0).stored = {kA, kB};
  Of("mac_addresses", 1).stored = {kB, kC};
  MatchDecision d = Decide();
  EXPECT_EQ(d.kind, MatchDecision::kConflict);
  EXPECT_EQ(d.reason, "ambiguous: mac_addresses matches 3 CIs");
  EXPECT_EQ(d.candidates, (Strings{kA, kB, kC}));
  ASSERT_EQ(d.duplicates.size(), 2u);
  EXPECT_EQ(d.duplicates[0].value, "02:00:00:00:00:01");
  EXPECT_EQ(d.duplicates[1].value, "02:00:00:00:00:02");
}

TEST_F(DecideMatchTest, KeysInAnyOrderAreTriedByAscendingSet) {
  Of("source:snmp").stored = {kB};
  Of("serial_number").stored = {kA};
  std::reverse(keys_.begin(), keys_.end());
  std::reverse(holders_.begin(), holders_.end());
  MatchDecision d = Decide();
  EXPECT_EQ(d.ci_id, kB);
  EXPECT_EQ(d.matched_by, "source:snmp");
}

}  // namespace
}  // namespace cmdb
