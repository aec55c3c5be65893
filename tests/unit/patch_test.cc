// Unit tests for core/patch.h: update masks, reserved names, provenance.
#include "core/patch.h"

#include <gtest/gtest.h>

#include <string>

namespace cmdb {
namespace {

Ci Current() {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-000000000001";
  ci.class_name = "server";
  ci.name = "web01";
  ci.status = "in_use";
  ci.owner = "ops";
  ci.criticality = "high";
  ci.attributes = {{"cpu_count", 4}, {"memory_gb", 16}, {"location", "dc1"}};
  ci.version = 3;
  ci.provenance = {{"name", {{"source", "manual"}, {"set_at", 1}}}};
  return ci;
}

void ExpectFieldError(const absl::StatusOr<Ci>& result, const std::string& field, const std::string& part) {
  ASSERT_FALSE(result.ok()) << "expected an error naming " << field;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(result.status().message());
  EXPECT_TRUE(message.starts_with(field + ": ")) << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(ApplyCiPatchTest, EmptyMaskMergesNonEmptyScalarsAndAttributes) {
  CiPatch patch;
  patch.values.name = "web02";
  patch.values.attributes = {{"cpu_count", 8}, {"memory_gb", nullptr}, {"rack", "r7"}};
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->name, "web02");
  // Empty values leave the current ones.
  EXPECT_EQ(out->class_name, "server");
  EXPECT_EQ(out->status, "in_use");
  EXPECT_EQ(out->owner, "ops");
  EXPECT_EQ(out->criticality, "high");
  // Merged: changed, removed by null, added, untouched.
  EXPECT_EQ(out->attributes, Json({{"cpu_count", 8}, {"location", "dc1"}, {"rack", "r7"}}));
  // Content only: identity and versioning are untouched.
  EXPECT_EQ(out->id, Current().id);
  EXPECT_EQ(out->version, 3);
  EXPECT_EQ(out->provenance, Current().provenance);
}

TEST(ApplyCiPatchTest, EmptyMaskSetsEveryGivenScalar) {
  CiPatch patch;
  patch.values.class_name = "vm";
  patch.values.status = "maintenance";
  patch.values.owner = "dba";
  patch.values.criticality = "low";
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->class_name, "vm");
  EXPECT_EQ(out->name, "web01");
  EXPECT_EQ(out->status, "maintenance");
  EXPECT_EQ(out->owner, "dba");
  EXPECT_EQ(out->criticality, "low");
  EXPECT_EQ(out->attributes, Current().attributes);
}

TEST(ApplyCiPatchTest, EmptyMaskAndEmptyValuesChangeNothing) {
  auto out = ApplyCiPatch(Current(), CiPatch{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(SameContent(*out, Current()));
}

TEST(ApplyCiPatchTest, MaskSetsOnlyListedFields) {
  CiPatch patch;
  patch.paths = {"name"};
  patch.values.name = "web02";
  patch.values.owner = "dba";
  patch.values.attributes = {{"cpu_count", 8}};
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->name, "web02");
  EXPECT_EQ(out->owner, "ops");
  EXPECT_EQ(out->attributes, Current().attributes);
}

TEST(ApplyCiPatchTest, MaskClearsScalarsGivenEmpty) {
  CiPatch patch;
  patch.paths = {"owner", "criticality"};
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->owner, "");
  EXPECT_EQ(out->criticality, "");
  EXPECT_EQ(out->name, "web01");
}

TEST(ApplyCiPatchTest, MaskSetsEveryScalarPath) {
  CiPatch patch;
  patch.paths = {"class_name", "name", "status", "owner", "criticality"};
  patch.values.class_name = "vm";
  patch.values.name = "web02";
  patch.values.status = "retired";
  patch.values.owner = "dba";
  patch.values.criticality = "critical";
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->class_name, "vm");
  EXPECT_EQ(out->name, "web02");
  EXPECT_EQ(out->status, "retired");
  EXPECT_EQ(out->owner, "dba");
  EXPECT_EQ(out->criticality, "critical");
}

TEST(ApplyCiPatchTest, MaskStatusCannotBeCleared) {
  CiPatch patch;
  patch.paths = {"status"};
  ExpectFieldError(ApplyCiPatch(Current(), patch), "status", "cannot be unspecified");
}

TEST(ApplyCiPatchTest, MaskAttributesReplacesAll) {
  CiPatch patch;
  patch.paths = {"attributes"};
  patch.values.attributes = {{"cpu_count", 16}, {"location", nullptr}, {"rack", "r1"}};
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->attributes, Json({{"cpu_count", 16}, {"rack", "r1"}}));

  patch.values.attributes = Json::object();
  out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->attributes, Json::object());
}

TEST(ApplyCiPatchTest, MaskSingleAttributeSetsOrRemoves) {
  CiPatch patch;
  patch.paths = {"attributes.cpu_count", "attributes.memory_gb", "attributes.location", "attributes.rack"};
  // cpu_count set, memory_gb absent (removed), location null (removed), rack added;
  // owner is not in the mask and stays.
  patch.values.attributes = {{"cpu_count", 8}, {"location", nullptr}, {"rack", "r9"}, {"ignored", 1}};
  patch.values.owner = "dba";
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->attributes, Json({{"cpu_count", 8}, {"rack", "r9"}}));
  EXPECT_EQ(out->owner, "ops");
}

TEST(ApplyCiPatchTest, MaskAttributeRemovalOfAbsentAttributeIsHarmless) {
  CiPatch patch;
  patch.paths = {"attributes.colour"};
  auto out = ApplyCiPatch(Current(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->attributes, Current().attributes);
}

TEST(ApplyCiPatchTest, UnknownMaskPathIsRejected) {
  for (const char* path : {"bogus", "attributes.", "Name", "id", "version", "etag", "attribute.cpu_count"}) {
    CiPatch patch;
    patch.paths = {"name", path};
    patch.values.name = "web02";
    ExpectFieldError(ApplyCiPatch(Current(), patch), "update_mask", "unknown path \"" + std::string(path) + "\"");
  }
}

TEST(IsReservedFieldNameTest, CiFieldsAreReserved) {
  for (const char* name : {"id", "name", "class", "class_name", "status", "owner", "criticality", "version", "etag",
                           "create_time", "update_time", "stale", "merged_into", "provenance", "attributes",
                           "class_exact"}) {
    EXPECT_TRUE(IsReservedFieldName(name)) << name;
  }
  for (const char* name : {"cpu_count", "location", "", "Name", "names", "ids"}) {
    EXPECT_FALSE(IsReservedFieldName(name)) << name;
  }
}

TEST(ProvenanceFieldsTest, FlatViewWithoutEmptyValues) {
  Ci ci = Current();
  ci.owner = "";
  auto fields = ProvenanceFields(ci);
  std::map<std::string, Json> expected = {
      {"class_name", "server"},         {"name", "web01"},          {"status", "in_use"},
      {"criticality", "high"},          {"attributes.cpu_count", 4}, {"attributes.memory_gb", 16},
      {"attributes.location", "dc1"},
  };
  EXPECT_EQ(fields, expected);
}

TEST(StampProvenanceTest, StampsChangedFieldsAndDropsRemovedOnes) {
  Ci before = Current();
  Ci after = Current();
  after.name = "web02";                  // changed
  after.attributes["cpu_count"] = 8;     // changed
  after.attributes.erase("memory_gb");   // removed
  after.attributes["rack"] = "r1";       // added
  after.owner = "";                      // removed
  Json provenance = {
      {"name", {{"source", "manual"}, {"set_at", 1}}},
      {"status", {{"source", "manual"}, {"set_at", 1}}},
      {"owner", {{"source", "manual"}, {"set_at", 1}}},
      {"attributes.cpu_count", {{"source", "snmp"}, {"set_at", 2}}},
      {"attributes.memory_gb", {{"source", "snmp"}, {"set_at", 2}}},
      {"attributes.location", {{"source", "manual"}, {"set_at", 3}}},
  };
  StampProvenance(ProvenanceFields(before), ProvenanceFields(after), "vmware", 1000, provenance);
  Json expected = {
      {"name", {{"source", "vmware"}, {"set_at", 1000}}},
      {"status", {{"source", "manual"}, {"set_at", 1}}},
      {"attributes.cpu_count", {{"source", "vmware"}, {"set_at", 1000}}},
      {"attributes.location", {{"source", "manual"}, {"set_at", 3}}},
      {"attributes.rack", {{"source", "vmware"}, {"set_at", 1000}}},
  };
  EXPECT_EQ(provenance, expected) << provenance.dump();
}

TEST(StampProvenanceTest, NewCiStampsEveryField) {
  Ci ci = Current();
  ci.criticality = "";
  Json provenance;  // null: becomes an object
  StampProvenance({}, ProvenanceFields(ci), "manual", 42, provenance);
  ASSERT_TRUE(provenance.is_object());
  Json stamp = {{"source", "manual"}, {"set_at", 42}};
  Json expected = {
      {"class_name", stamp},           {"name", stamp},
      {"status", stamp},               {"owner", stamp},
      {"attributes.cpu_count", stamp}, {"attributes.memory_gb", stamp},
      {"attributes.location", stamp},
  };
  EXPECT_EQ(provenance, expected) << provenance.dump();
}

TEST(StampProvenanceTest, NoChangeLeavesProvenanceAlone) {
  const auto fields = ProvenanceFields(Current());
  Json provenance = {{"name", {{"source", "manual"}, {"set_at", 1}}}};
  const Json before = provenance;
  StampProvenance(fields, fields, "snmp", 99, provenance);
  EXPECT_EQ(provenance, before);
}

}  // namespace
}  // namespace cmdb
