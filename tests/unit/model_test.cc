// Unit tests for core/model.h: etags, statuses, criticality, attribute type
// names, ChangedFields and SameContent.
#include "core/model.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace cmdb {
namespace {

using Strings = std::vector<std::string>;

TEST(EtagTest, RoundTrip) {
  for (int64_t version : {int64_t{1}, int64_t{2}, int64_t{1000}, std::numeric_limits<int64_t>::max()}) {
    const std::string etag = EtagFor(version);
    EXPECT_FALSE(etag.empty());
    EXPECT_EQ(VersionFromEtag(etag), version) << etag;
  }
  EXPECT_NE(EtagFor(1), EtagFor(2));
}

TEST(EtagTest, QuotedEtagIsAccepted) {
  EXPECT_EQ(VersionFromEtag("\"7\""), 7);
  EXPECT_EQ(VersionFromEtag("\"" + EtagFor(12) + "\""), 12);
}

TEST(EtagTest, ForeignEtagsAreRejected) {
  for (const char* etag : {"", "\"\"", "0", "-1", "abc", "7x", "x7", " 7", "7 ", "\"7", "7\"", "1.5",
                           "99999999999999999999", "W/\"7\""}) {
    EXPECT_EQ(VersionFromEtag(etag), std::nullopt) << "\"" << etag << "\"";
  }
}

TEST(StatusTest, ValidStatuses) {
  for (std::string_view s : {kStatusPlanned, kStatusInstalled, kStatusInUse, kStatusMaintenance, kStatusRetired}) {
    EXPECT_TRUE(IsValidStatus(s)) << s;
  }
  EXPECT_EQ(kStatusInUse, "in_use");
  for (const char* s : {"", "IN_USE", "in use", "active", "deleted", "Planned"}) {
    EXPECT_FALSE(IsValidStatus(s)) << s;
  }
}

TEST(CriticalityTest, RankAndValidity) {
  EXPECT_EQ(CriticalityRank(""), 0);
  EXPECT_EQ(CriticalityRank("low"), 1);
  EXPECT_EQ(CriticalityRank("medium"), 2);
  EXPECT_EQ(CriticalityRank("high"), 3);
  EXPECT_EQ(CriticalityRank("critical"), 4);
  EXPECT_EQ(CriticalityRank("High"), -1);
  EXPECT_EQ(CriticalityRank("urgent"), -1);
  EXPECT_EQ(CriticalityRank(" low"), -1);
  EXPECT_TRUE(IsValidCriticality(""));
  EXPECT_TRUE(IsValidCriticality("critical"));
  EXPECT_FALSE(IsValidCriticality("urgent"));
  EXPECT_FALSE(IsValidCriticality("LOW"));
}

TEST(AttrTypeTest, NamesRoundTrip) {
  const std::vector<std::pair<AttrType, std::string>> all = {
      {AttrType::kString, "string"},           {AttrType::kInteger, "integer"},
      {AttrType::kFloat, "float"},             {AttrType::kBoolean, "boolean"},
      {AttrType::kDatetime, "datetime"},       {AttrType::kIpAddress, "ip_address"},
      {AttrType::kMacAddress, "mac_address"},  {AttrType::kStringList, "string_list"},
      {AttrType::kJson, "json"},               {AttrType::kMacAddressList, "mac_address_list"},
      {AttrType::kIpAddressList, "ip_address_list"},
  };
  for (const auto& [type, name] : all) {
    EXPECT_EQ(AttrTypeName(type), name);
    EXPECT_EQ(AttrTypeFromName(name), type) << name;
  }
  for (const char* name : {"", "String", "int", "list", "ip", "mac"}) {
    EXPECT_EQ(AttrTypeFromName(name), std::nullopt) << name;
  }
}

TEST(AttrTypeTest, ListElementType) {
  EXPECT_EQ(ListElementType(AttrType::kStringList), AttrType::kString);
  EXPECT_EQ(ListElementType(AttrType::kMacAddressList), AttrType::kMacAddress);
  EXPECT_EQ(ListElementType(AttrType::kIpAddressList), AttrType::kIpAddress);
  for (AttrType scalar : {AttrType::kString, AttrType::kInteger, AttrType::kFloat, AttrType::kBoolean,
                          AttrType::kDatetime, AttrType::kIpAddress, AttrType::kMacAddress, AttrType::kJson}) {
    EXPECT_EQ(ListElementType(scalar), std::nullopt) << AttrTypeName(scalar);
  }
}

Ci Sample() {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000001";
  ci.class_name = "server";
  ci.name = "web01";
  ci.status = "in_use";
  ci.owner = "ops";
  ci.criticality = "high";
  ci.attributes = {{"cpu_count", 4}, {"location", "dc1"}, {"tags", Json::array({"a", "b"})}};
  ci.version = 1;
  return ci;
}

TEST(ChangedFieldsTest, IdenticalCisHaveNoChanges) {
  EXPECT_TRUE(ChangedFields(Sample(), Sample()).empty());
  EXPECT_TRUE(ChangedFields(Ci{}, Ci{}).empty());
}

TEST(ChangedFieldsTest, EveryScalarField) {
  Ci after = Sample();
  after.class_name = "vm";
  after.name = "web02";
  after.status = "retired";
  after.owner = "";
  after.criticality = "low";
  EXPECT_EQ(ChangedFields(Sample(), after), (Strings{"class_name", "name", "status", "owner", "criticality"}));
}

TEST(ChangedFieldsTest, AttributesAddedRemovedChangedInNameOrder) {
  Ci after = Sample();
  after.attributes.erase("location");                 // removed
  after.attributes["cpu_count"] = 8;                  // changed
  after.attributes["rack"] = "r1";                    // added
  after.attributes["tags"] = Json::array({"b", "a"});  // order matters in a list
  after.attributes["a_first"] = nullptr;              // added (as null)
  EXPECT_EQ(ChangedFields(Sample(), after),
            (Strings{"attributes.a_first", "attributes.cpu_count", "attributes.location", "attributes.rack",
                     "attributes.tags"}));
}

TEST(ChangedFieldsTest, IgnoresVersionTimesAndProvenance) {
  Ci after = Sample();
  after.version = 9;
  after.created_at = 1;
  after.updated_at = 2;
  after.provenance = {{"name", {{"source", "snmp"}}}};
  after.stale = true;
  EXPECT_TRUE(ChangedFields(Sample(), after).empty());
}

TEST(SameContentTest, ComparesContentOnly) {
  Ci other = Sample();
  other.version = 7;
  other.created_at = 100;
  other.updated_at = 200;
  other.provenance = {{"name", {{"source", "snmp"}, {"set_at", 1}}}};
  EXPECT_TRUE(SameContent(Sample(), other));

  auto differs = [](auto mutate) {
    Ci ci = Sample();
    mutate(ci);
    return !SameContent(Sample(), ci);
  };
  EXPECT_TRUE(differs([](Ci& c) { c.class_name = "vm"; }));
  EXPECT_TRUE(differs([](Ci& c) { c.name = "web02"; }));
  EXPECT_TRUE(differs([](Ci& c) { c.status = "planned"; }));
  EXPECT_TRUE(differs([](Ci& c) { c.owner = "dba"; }));
  EXPECT_TRUE(differs([](Ci& c) { c.criticality = ""; }));
  EXPECT_TRUE(differs([](Ci& c) { c.attributes["cpu_count"] = 5; }));
  EXPECT_TRUE(differs([](Ci& c) { c.attributes.erase("tags"); }));
}

}  // namespace
}  // namespace cmdb
