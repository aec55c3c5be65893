// Unit tests for core/reconciliation.h: the per-field verdict (DecideField),
// applying a finding to a CI (ApplyFinding), source names, and
// Catalog::FindReconciliationRule.
#include "core/reconciliation.h"
#include "support/builders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cmdb {
namespace {

using testing::Attr;
using testing::Class;

using Strings = std::vector<std::string>;

// Observation times: whole seconds after a fixed instant.
constexpr Micros kT0 = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr Micros T(int seconds) { return kT0 + int64_t{seconds} * 1'000'000; }

Json Prov(std::string_view source, Micros set_at) { return {{"source", source}, {"set_at", set_at}}; }

ReconciliationRuleDef Rule(std::string cls, std::string field, Strings sources) {
  return {std::move(cls), std::move(field), std::move(sources)};
}

// ci > hardware > server. Rules (on hardware, so inherited by server):
//   attributes.serial_number: snmp > http > csv-import
//   owner:                    manual > snmp > http
//   attributes.model:         snmp
// Every other field (name, status, criticality, cpu_count, location, ...)
// has no rule.
Catalog MakeCatalog() {
  std::vector<ClassDef> classes;
  classes.push_back(Class("ci", "", {Attr("location", AttrType::kString, 0)}));
  classes.push_back(Class("hardware", "ci",
                          {Attr("serial_number", AttrType::kString, 0), Attr("model", AttrType::kString, 1)}));
  classes.push_back(Class("server", "hardware",
                          {Attr("cpu_count", AttrType::kInteger, 0), Attr("tags", AttrType::kStringList, 1)}));
  std::vector<ReconciliationRuleDef> rules = {
      Rule("hardware", "attributes.serial_number", {"snmp", "http", "csv-import"}),
      Rule("hardware", "owner", {"manual", "snmp", "http"}),
      Rule("hardware", "attributes.model", {"snmp"}),
  };
  return Catalog(3, std::move(classes), {}, {}, std::move(rules));
}

Ci EmptyServer() {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000001";
  ci.class_name = "server";
  ci.name = "web01";
  ci.status = "in_use";
  ci.version = 4;
  ci.provenance = {{"name", Prov("manual", T(0))}, {"status", Prov("manual", T(0))}};
  return ci;
}

Finding AttrFinding(const std::string& key, Json value) {
  Finding f;
  f.class_name = "server";
  f.attributes[key] = std::move(value);
  return f;
}

const FieldChange* FindChange(const FindingResult& r, std::string_view field) {
  for (const auto& c : r.diff) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

const SkippedField* FindSkip(const FindingResult& r, std::string_view field) {
  for (const auto& s : r.skipped) {
    if (s.field == field) return &s;
  }
  return nullptr;
}

Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

Strings DiffFields(const FindingResult& r) {
  Strings out;
  for (const auto& c : r.diff) out.push_back(c.field);
  return out;
}

Strings SkippedFields(const FindingResult& r) {
  Strings out;
  for (const auto& s : r.skipped) out.push_back(s.field);
  return out;
}

// --- DecideField ------------------------------------------------------------

TEST(DecideFieldTest, Table) {
  const ReconciliationRuleDef ranked = Rule("hardware", "attributes.serial_number", {"snmp", "http", "csv-import"});
  const ReconciliationRuleDef manual_first = Rule("hardware", "owner", {"manual", "snmp"});
  struct Case {
    const char* what;
    const ReconciliationRuleDef* rule;
    std::optional<Json> current;  // provenance entry
    const char* source;
    Micros observed;
    bool clearing;
    bool write;
    std::string reason;  // exact when the contract spells it; empty: only checked non-empty
  };
  const std::vector<Case> cases = {
      {"no provenance, no rule", nullptr, std::nullopt, "snmp", T(0), false, true, ""},
      {"no provenance, lowest ranked", &ranked, std::nullopt, "csv-import", T(0), false, true, ""},
      {"no provenance, unlisted", &ranked, std::nullopt, "ansible", T(0), false, true, ""},
      {"same source, newer", &ranked, Prov("http", T(10)), "http", T(20), false, true, ""},
      {"same source, same time", &ranked, Prov("http", T(10)), "http", T(10), false, true, ""},
      {"same source, older", &ranked, Prov("http", T(10)), "http", T(5), false, false, ""},
      {"same source, no rule, older", nullptr, Prov("http", T(10)), "http", T(5), false, false, ""},
      {"higher-ranked owner, newer observation", &ranked, Prov("snmp", T(10)), "http", T(99), false, false,
       "set by snmp, which outranks http"},
      {"owner two ranks up", &ranked, Prov("snmp", T(10)), "csv-import", T(99), false, false,
       "set by snmp, which outranks csv-import"},
      {"lower-ranked owner, older observation", &ranked, Prov("csv-import", T(10)), "snmp", T(1), false, true, ""},
      {"unlisted owner, listed source, older observation", &ranked, Prov("ansible", T(10)), "csv-import", T(1),
       false, true, ""},
      {"listed owner, unlisted source, newer observation", &ranked, Prov("csv-import", T(10)), "ansible", T(99),
       false, false, "set by csv-import, which outranks ansible"},
      {"both unlisted, newer", &ranked, Prov("ansible", T(10)), "puppet", T(11), false, true, ""},
      {"both unlisted, older", &ranked, Prov("ansible", T(10)), "puppet", T(9), false, false, ""},
      {"no rule, other source newer", nullptr, Prov("snmp", T(10)), "http", T(11), false, true, ""},
      {"no rule, other source older", nullptr, Prov("snmp", T(10)), "http", T(9), false, false, ""},
      {"no rule, manual value, newer discovery", nullptr, Prov("manual", T(10)), "snmp", T(11), false, true, ""},
      {"manual first, discovery newer", &manual_first, Prov("manual", T(10)), "snmp", T(9999), false, false,
       "set by manual, which outranks snmp"},
      {"clear by owner", &ranked, Prov("http", T(10)), "http", T(20), true, true, ""},
      {"clear by owner, older observation", &ranked, Prov("http", T(10)), "http", T(5), true, false, ""},
      {"clear by higher-ranked other source", &ranked, Prov("csv-import", T(10)), "snmp", T(20), true, false, ""},
      {"clear by other source, no rule", nullptr, Prov("snmp", T(10)), "http", T(20), true, false, ""},
      {"clear without provenance", &ranked, std::nullopt, "snmp", T(20), true, false, ""},
  };
  for (const auto& c : cases) {
    const Json* current = c.current ? &*c.current : nullptr;
    FieldDecision d = DecideField(c.rule, current, c.source, c.observed, c.clearing);
    EXPECT_EQ(d.write, c.write) << c.what;
    if (c.write) {
      EXPECT_EQ(d.reason, "") << c.what;
    } else if (!c.reason.empty()) {
      EXPECT_EQ(d.reason, c.reason) << c.what;
    } else {
      EXPECT_FALSE(d.reason.empty()) << c.what;
    }
  }
}

TEST(DecideFieldTest, ReasonsNameTheSourcesInvolved) {
  const ReconciliationRuleDef ranked = Rule("hardware", "attributes.serial_number", {"snmp", "http"});
  // Older than one's own earlier report.
  const Json http = Prov("http", T(10));
  FieldDecision d = DecideField(&ranked, &http, "http", T(5), false);
  ASSERT_FALSE(d.write);
  EXPECT_NE(d.reason.find("http"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find(FormatRfc3339(T(10))), std::string::npos) << d.reason;
  // Older than another equal-ranked source's value.
  const Json vmware = Prov("vmware", T(10));
  d = DecideField(nullptr, &vmware, "snmp", T(5), false);
  ASSERT_FALSE(d.write);
  EXPECT_NE(d.reason.find("vmware"), std::string::npos) << d.reason;
  // Clearing another source's value.
  const Json csv = Prov("csv-import", T(10));
  d = DecideField(&ranked, &csv, "snmp", T(20), true);
  ASSERT_FALSE(d.write);
  EXPECT_NE(d.reason.find("csv-import"), std::string::npos) << d.reason;
}

// --- ApplyFinding -----------------------------------------------------------

class ApplyFindingTest : public ::testing::Test {
 protected:
  Catalog catalog_ = MakeCatalog();
};

TEST_F(ApplyFindingTest, LowerToHigherRankedSourcesEachOverwrite) {
  // csv-import, then http, then snmp; observations get older on purpose: rank
  // beats age.
  Ci ci = EmptyServer();
  struct Step {
    const char* source;
    Micros observed;
    const char* value;
  };
  std::optional<Json> previous;
  for (const Step& s : {Step{"csv-import", T(300), "CSV-1"}, Step{"http", T(200), "HTTP-1"},
                        Step{"snmp", T(100), "SNMP-1"}}) {
    FindingResult r = ApplyFinding(catalog_, ci, AttrFinding("serial_number", s.value), s.source, s.observed);
    EXPECT_TRUE(r.skipped.empty()) << s.source << ": " << r.skipped[0].reason;
    ASSERT_EQ(DiffFields(r), (Strings{"attributes.serial_number"})) << s.source;
    EXPECT_EQ(r.diff[0].old_value, previous) << s.source;
    EXPECT_EQ(r.diff[0].new_value, Json(s.value)) << s.source;
    EXPECT_EQ(r.after.attributes["serial_number"], s.value);
    EXPECT_EQ(r.after.provenance["attributes.serial_number"], Prov(s.source, s.observed)) << s.source;
    previous = Json(s.value);
    ci = r.after;
  }
}

TEST_F(ApplyFindingTest, HigherToLowerRankedSourcesAreEachSkipped) {
  Ci ci = EmptyServer();
  FindingResult first = ApplyFinding(catalog_, ci, AttrFinding("serial_number", "SNMP-1"), "snmp", T(100));
  ASSERT_EQ(DiffFields(first), (Strings{"attributes.serial_number"}));
  ci = first.after;

  // Newer observations, from lower-ranked sources.
  for (auto [source, observed] : {std::pair{"http", T(200)}, std::pair{"csv-import", T(300)}}) {
    FindingResult r = ApplyFinding(catalog_, ci, AttrFinding("serial_number", "OTHER"), source, observed);
    EXPECT_TRUE(r.diff.empty()) << source;
    ASSERT_EQ(SkippedFields(r), (Strings{"attributes.serial_number"})) << source;
    EXPECT_EQ(r.skipped[0].reason, std::string("set by snmp, which outranks ") + source);
    EXPECT_EQ(r.after.attributes, ci.attributes) << source;
    EXPECT_EQ(r.after.provenance, ci.provenance) << source;
    EXPECT_EQ(r.after.provenance["attributes.serial_number"], Prov("snmp", T(100)));
    ci = r.after;
  }
  EXPECT_EQ(ci.attributes["serial_number"], "SNMP-1");
}

TEST_F(ApplyFindingTest, ManualValueUnderManualFirstRuleIsNeverOverwrittenByDiscovery) {
  Ci ci = EmptyServer();
  ci.owner = "dba";
  ci.provenance["owner"] = Prov("manual", T(0));
  for (const char* source : {"snmp", "http", "csv-import", "ansible"}) {
    Finding f;
    f.owner = "netops";
    FindingResult r = ApplyFinding(catalog_, ci, f, source, T(1000));
    EXPECT_TRUE(r.diff.empty()) << source;
    ASSERT_EQ(SkippedFields(r), (Strings{"owner"})) << source;
    EXPECT_EQ(r.skipped[0].reason, std::string("set by manual, which outranks ") + source);
    EXPECT_EQ(r.after.owner, "dba") << source;
    EXPECT_EQ(r.after.provenance["owner"], Prov("manual", T(0))) << source;
  }
}

TEST_F(ApplyFindingTest, ListedSourceOutranksUnlistedOne) {
  // attributes.model: only snmp listed.
  Ci ci = EmptyServer();
  ci.attributes["model"] = "R640";
  ci.provenance["attributes.model"] = Prov("ansible", T(100));
  FindingResult r = ApplyFinding(catalog_, ci, AttrFinding("model", "PowerEdge R640"), "snmp", T(50));
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(DiffFields(r), (Strings{"attributes.model"}));
  EXPECT_EQ(r.diff[0].old_value, Json("R640"));
  EXPECT_EQ(r.after.provenance["attributes.model"], Prov("snmp", T(50)));

  // Now the unlisted one, newer, is refused.
  FindingResult back = ApplyFinding(catalog_, r.after, AttrFinding("model", "R640"), "ansible", T(500));
  EXPECT_TRUE(back.diff.empty());
  ASSERT_EQ(SkippedFields(back), (Strings{"attributes.model"}));
  EXPECT_EQ(back.skipped[0].reason, "set by snmp, which outranks ansible");
  EXPECT_EQ(back.after.attributes["model"], "PowerEdge R640");
}

TEST_F(ApplyFindingTest, FieldWithoutRuleNewestObservationWins) {
  Ci ci = EmptyServer();
  FindingResult r1 = ApplyFinding(catalog_, ci, AttrFinding("cpu_count", 4), "snmp", T(100));
  ASSERT_EQ(DiffFields(r1), (Strings{"attributes.cpu_count"}));

  // Another source, newer: written.
  FindingResult r2 = ApplyFinding(catalog_, r1.after, AttrFinding("cpu_count", 8), "http", T(200));
  EXPECT_TRUE(r2.skipped.empty());
  ASSERT_EQ(DiffFields(r2), (Strings{"attributes.cpu_count"}));
  EXPECT_EQ(r2.diff[0].old_value, Json(4));
  EXPECT_EQ(r2.diff[0].new_value, Json(8));
  EXPECT_EQ(r2.after.provenance["attributes.cpu_count"], Prov("http", T(200)));

  // Another source, older than the current value: skipped.
  FindingResult r3 = ApplyFinding(catalog_, r2.after, AttrFinding("cpu_count", 16), "snmp", T(150));
  EXPECT_TRUE(r3.diff.empty());
  ASSERT_EQ(SkippedFields(r3), (Strings{"attributes.cpu_count"}));
  EXPECT_NE(r3.skipped[0].reason.find("http"), std::string::npos) << r3.skipped[0].reason;
  EXPECT_EQ(r3.after.attributes["cpu_count"], 8);
  EXPECT_EQ(r3.after.provenance["attributes.cpu_count"], Prov("http", T(200)));

  // The same source, older than its own report: skipped too.
  FindingResult r4 = ApplyFinding(catalog_, r2.after, AttrFinding("cpu_count", 16), "http", T(199));
  EXPECT_TRUE(r4.diff.empty());
  EXPECT_EQ(SkippedFields(r4), (Strings{"attributes.cpu_count"}));
}

TEST_F(ApplyFindingTest, ClearingByAnotherSourceIsRefusedByTheOwnerWorks) {
  Ci ci = EmptyServer();
  ci.attributes["location"] = "dc1";
  ci.provenance["attributes.location"] = Prov("http", T(100));

  // No rule on location; snmp is newer, but may not clear http's value.
  FindingResult refused = ApplyFinding(catalog_, ci, AttrFinding("location", nullptr), "snmp", T(200));
  EXPECT_TRUE(refused.diff.empty());
  ASSERT_EQ(SkippedFields(refused), (Strings{"attributes.location"}));
  EXPECT_NE(refused.skipped[0].reason.find("http"), std::string::npos) << refused.skipped[0].reason;
  EXPECT_EQ(refused.after.attributes, ci.attributes);
  EXPECT_EQ(refused.after.provenance, ci.provenance);

  FindingResult cleared = ApplyFinding(catalog_, ci, AttrFinding("location", nullptr), "http", T(200));
  EXPECT_TRUE(cleared.skipped.empty());
  ASSERT_EQ(DiffFields(cleared), (Strings{"attributes.location"}));
  EXPECT_EQ(cleared.diff[0].old_value, Json("dc1"));
  EXPECT_EQ(cleared.diff[0].new_value, std::nullopt);
  EXPECT_FALSE(cleared.after.attributes.contains("location"));
  EXPECT_FALSE(cleared.after.provenance.contains("attributes.location"));
  // The rest of the provenance is kept.
  EXPECT_EQ(cleared.after.provenance["name"], Prov("manual", T(0)));
}

TEST_F(ApplyFindingTest, ClearingByAHigherRankedSourceIsRefusedToo) {
  Ci ci = EmptyServer();
  ci.attributes["serial_number"] = "CSV-1";
  ci.provenance["attributes.serial_number"] = Prov("csv-import", T(100));
  FindingResult r = ApplyFinding(catalog_, ci, AttrFinding("serial_number", nullptr), "snmp", T(200));
  EXPECT_TRUE(r.diff.empty());
  ASSERT_EQ(SkippedFields(r), (Strings{"attributes.serial_number"}));
  EXPECT_EQ(r.after.attributes["serial_number"], "CSV-1");
}

TEST_F(ApplyFindingTest, ClearingAnAbsentAttributeDoesNothing) {
  FindingResult r = ApplyFinding(catalog_, EmptyServer(), AttrFinding("location", nullptr), "snmp", T(1));
  EXPECT_TRUE(r.diff.empty());
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_FALSE(r.after.attributes.contains("location"));
  EXPECT_EQ(r.after.provenance, EmptyServer().provenance);
}

TEST_F(ApplyFindingTest, AbsentFieldsAreLeftAlone) {
  Ci ci = EmptyServer();
  ci.owner = "dba";
  ci.criticality = "high";
  ci.attributes = {{"location", "dc1"}, {"serial_number", "S1"}};
  ci.provenance["attributes.location"] = Prov("http", T(5));

  // An empty finding changes nothing.
  FindingResult none = ApplyFinding(catalog_, ci, Finding{}, "snmp", T(100));
  EXPECT_TRUE(none.diff.empty());
  EXPECT_TRUE(none.skipped.empty());
  EXPECT_TRUE(SameContent(none.after, ci));
  EXPECT_EQ(none.after.provenance, ci.provenance);
  EXPECT_EQ(none.after.id, ci.id);
  EXPECT_EQ(none.after.version, ci.version);

  // One attribute reported: only that one changes.
  FindingResult one = ApplyFinding(catalog_, ci, AttrFinding("cpu_count", 8), "snmp", T(100));
  EXPECT_EQ(DiffFields(one), (Strings{"attributes.cpu_count"}));
  EXPECT_EQ(one.diff[0].old_value, std::nullopt);
  EXPECT_EQ(one.after.name, "web01");
  EXPECT_EQ(one.after.status, "in_use");
  EXPECT_EQ(one.after.owner, "dba");
  EXPECT_EQ(one.after.criticality, "high");
  EXPECT_EQ(one.after.attributes, Json({{"location", "dc1"}, {"serial_number", "S1"}, {"cpu_count", 8}}));
  Json expected = ci.provenance;
  expected["attributes.cpu_count"] = Prov("snmp", T(100));
  EXPECT_EQ(one.after.provenance, expected) << one.after.provenance.dump();
}

TEST_F(ApplyFindingTest, EqualValuesChangeNothing) {
  Ci ci = EmptyServer();
  ci.owner = "dba";
  ci.provenance["owner"] = Prov("manual", T(0));
  ci.attributes = {{"serial_number", "S1"}, {"tags", Json::array({"a", "b"})}};
  ci.provenance["attributes.serial_number"] = Prov("snmp", T(50));

  // Same values, even from a lower-ranked source: neither diff nor skip, and
  // provenance not restamped.
  Finding f;
  f.name = "web01";
  f.status = "in_use";
  f.owner = "dba";
  f.attributes = {{"serial_number", "S1"}, {"tags", Json::array({"a", "b"})}};
  FindingResult r = ApplyFinding(catalog_, ci, f, "csv-import", T(100));
  EXPECT_TRUE(r.diff.empty()) << DiffFields(r).size();
  EXPECT_TRUE(r.skipped.empty()) << SkippedFields(r).size();
  EXPECT_TRUE(SameContent(r.after, ci));
  EXPECT_EQ(r.after.provenance, ci.provenance) << r.after.provenance.dump();
}

TEST_F(ApplyFindingTest, ScalarFieldsAreDiffedAndStamped) {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000002";
  ci.class_name = "server";
  Finding f;
  f.class_name = "server";
  f.name = "db01";
  f.status = "installed";
  f.owner = "dba";
  f.criticality = "critical";
  FindingResult r = ApplyFinding(catalog_, ci, f, "vmware", T(7));
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.diff.size(), 4u);
  for (auto [field, value] : std::map<std::string, std::string>{
           {"name", "db01"}, {"status", "installed"}, {"owner", "dba"}, {"criticality", "critical"}}) {
    const FieldChange* c = FindChange(r, field);
    ASSERT_NE(c, nullptr) << field;
    EXPECT_EQ(c->old_value, std::nullopt) << field;
    EXPECT_EQ(c->new_value, Json(value)) << field;
    EXPECT_EQ(r.after.provenance[field], Prov("vmware", T(7))) << field;
  }
  EXPECT_EQ(r.after.name, "db01");
  EXPECT_EQ(r.after.status, "installed");
  EXPECT_EQ(r.after.owner, "dba");
  EXPECT_EQ(r.after.criticality, "critical");

  // A change of an existing scalar carries the old value.
  Finding g;
  g.status = "maintenance";
  FindingResult r2 = ApplyFinding(catalog_, r.after, g, "vmware", T(8));
  ASSERT_EQ(DiffFields(r2), (Strings{"status"}));
  EXPECT_EQ(r2.diff[0].old_value, Json("installed"));
  EXPECT_EQ(r2.diff[0].new_value, Json("maintenance"));
  EXPECT_EQ(r2.after.provenance["status"], Prov("vmware", T(8)));
}

TEST_F(ApplyFindingTest, MixedFindingWritesSomeFieldsAndSkipsOthers) {
  Ci ci = EmptyServer();
  ci.owner = "dba";
  ci.provenance["owner"] = Prov("manual", T(0));
  ci.attributes = {{"serial_number", "S1"}, {"location", "dc1"}};
  ci.provenance["attributes.serial_number"] = Prov("snmp", T(10));
  ci.provenance["attributes.location"] = Prov("snmp", T(10));

  Finding f;
  f.owner = "web-team";                  // manual outranks http: skipped
  f.criticality = "low";                 // no value, no rule: written
  f.attributes = {{"serial_number", "S2"},  // snmp outranks http: skipped
                  {"location", nullptr},    // cleared by another source: skipped
                  {"cpu_count", 2},         // new: written
                  {"tags", Json::array({"x"})}};
  FindingResult r = ApplyFinding(catalog_, ci, f, "http", T(20));

  EXPECT_EQ(Sorted(DiffFields(r)), (Strings{"attributes.cpu_count", "attributes.tags", "criticality"}));
  EXPECT_EQ(Sorted(SkippedFields(r)), (Strings{"attributes.location", "attributes.serial_number", "owner"}));
  ASSERT_NE(FindSkip(r, "owner"), nullptr);
  EXPECT_EQ(FindSkip(r, "owner")->reason, "set by manual, which outranks http");
  ASSERT_NE(FindSkip(r, "attributes.serial_number"), nullptr);
  EXPECT_EQ(FindSkip(r, "attributes.serial_number")->reason, "set by snmp, which outranks http");
  const FieldChange* tags = FindChange(r, "attributes.tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->new_value, Json::array({"x"}));

  EXPECT_EQ(r.after.owner, "dba");
  EXPECT_EQ(r.after.criticality, "low");
  EXPECT_EQ(r.after.attributes,
            Json({{"serial_number", "S1"}, {"location", "dc1"}, {"cpu_count", 2}, {"tags", Json::array({"x"})}}));
  Json expected = ci.provenance;
  expected["criticality"] = Prov("http", T(20));
  expected["attributes.cpu_count"] = Prov("http", T(20));
  expected["attributes.tags"] = Prov("http", T(20));
  EXPECT_EQ(r.after.provenance, expected) << r.after.provenance.dump();
}

TEST_F(ApplyFindingTest, ValueWithoutProvenanceMayBeOverwrittenByAnySource) {
  Ci ci = EmptyServer();
  ci.attributes["serial_number"] = "LEGACY";  // no provenance entry
  FindingResult r = ApplyFinding(catalog_, ci, AttrFinding("serial_number", "CSV-9"), "csv-import", T(1));
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(DiffFields(r), (Strings{"attributes.serial_number"}));
  EXPECT_EQ(r.diff[0].old_value, Json("LEGACY"));
  EXPECT_EQ(r.after.provenance["attributes.serial_number"], Prov("csv-import", T(1)));
}

// --- IsValidSourceName ------------------------------------------------------

TEST(IsValidSourceNameTest, Table) {
  for (const std::string& name : {std::string("snmp"), std::string("csv-import"), std::string("vmware.vcenter"),
                                  std::string("a"), std::string("0day"), std::string("my_tool-2.1"),
                                  std::string("manual2"), std::string(63, 'x')}) {
    EXPECT_TRUE(IsValidSourceName(name)) << name;
  }
  for (const std::string& name :
       {std::string(""), std::string("manual"), std::string("Manual"), std::string("SNMP"), std::string("-x"),
        std::string("_x"), std::string(".x"), std::string("a b"), std::string("snmp/1"), std::string(" snmp"),
        std::string("caf\xc3\xa9"), std::string(64, 'x')}) {
    EXPECT_FALSE(IsValidSourceName(name)) << name;
  }
}

// --- Catalog::FindReconciliationRule ----------------------------------------

// ci > hardware > server, switch; ci > application.
//   ci:       *                  (r0)
//   hardware: attributes.serial_number (r1), *  (r2)
//   server:   *  (r3), owner (r4)
//   switch:   (none)
Catalog MakeRuleCatalog() {
  std::vector<ClassDef> classes = {
      Class("ci", "", {}),          Class("hardware", "ci", {}), Class("server", "hardware", {}),
      Class("switch", "hardware", {}), Class("application", "ci", {}), Class("document", "", {}),
  };
  std::vector<ReconciliationRuleDef> rules = {
      Rule("ci", "*", {"r0"}),
      Rule("hardware", "attributes.serial_number", {"r1"}),
      Rule("hardware", "*", {"r2"}),
      Rule("server", "*", {"r3"}),
      Rule("server", "owner", {"r4"}),
  };
  return Catalog(1, std::move(classes), {}, {}, std::move(rules));
}

TEST(FindReconciliationRuleTest, ExactFieldUpTheTreeThenStarUpTheTree) {
  const Catalog catalog = MakeRuleCatalog();
  struct Case {
    const char* cls;
    const char* field;
    const char* rule;  // its only source; nullptr: none
  };
  const std::vector<Case> cases = {
      {"server", "owner", "r4"},                     // exact on the class
      {"server", "attributes.serial_number", "r1"},  // exact on an ancestor beats the class's own "*"
      {"server", "name", "r3"},                      // "*" on the class
      {"switch", "attributes.serial_number", "r1"},
      {"switch", "owner", "r2"},  // server's rules are a sibling's
      {"hardware", "status", "r2"},
      {"hardware", "attributes.serial_number", "r1"},
      {"application", "attributes.serial_number", "r0"},
      {"ci", "owner", "r0"},
      {"document", "owner", nullptr},  // another root, no rules
      {"router", "owner", nullptr},    // unknown class
  };
  for (const auto& c : cases) {
    const ReconciliationRuleDef* rule = catalog.FindReconciliationRule(c.cls, c.field);
    if (c.rule == nullptr) {
      EXPECT_EQ(rule, nullptr) << c.cls << " " << c.field;
      continue;
    }
    ASSERT_NE(rule, nullptr) << c.cls << " " << c.field;
    EXPECT_EQ(rule->sources, (Strings{c.rule})) << c.cls << " " << c.field;
  }
}

TEST(FindReconciliationRuleTest, NoneWithoutRules) {
  const Catalog catalog = MakeCatalog();  // rules on hardware only, no "*"
  EXPECT_EQ(catalog.FindReconciliationRule("server", "name"), nullptr);
  EXPECT_EQ(catalog.FindReconciliationRule("ci", "owner"), nullptr);
  const ReconciliationRuleDef* owner = catalog.FindReconciliationRule("server", "owner");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->class_name, "hardware");
  EXPECT_EQ(owner->sources, (Strings{"manual", "snmp", "http"}));
  EXPECT_EQ(catalog.reconciliation_rules().size(), 3u);
}

}  // namespace
}  // namespace cmdb
