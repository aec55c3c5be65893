// Unit tests for the CI's parent_id (core/model.h, core/patch.h): change
// detection, content comparison, update masks, reserved names, provenance.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/patch.h"

namespace cmdb {
namespace {

using Strings = std::vector<std::string>;

constexpr char kParent[] = "0190f0c4-0000-7000-8000-000000000001";
constexpr char kOtherParent[] = "0190f0c4-0000-7000-8000-000000000002";

Ci Interface() {
  Ci ci;
  ci.id = "0190f0c4-0000-7000-8000-0000000000aa";
  ci.class_name = "interface";
  ci.name = "Gi0/1";
  ci.status = "in_use";
  ci.parent_id = kParent;
  ci.attributes = {{"if_name", "Gi0/1"}};
  ci.version = 2;
  return ci;
}

TEST(CiParentTest, ChangedFieldsReportsParentId) {
  Ci after = Interface();
  after.parent_id = kOtherParent;
  EXPECT_EQ(ChangedFields(Interface(), after), (Strings{"parent_id"}));
  after.parent_id.clear();
  EXPECT_EQ(ChangedFields(Interface(), after), (Strings{"parent_id"}));
  after = Interface();
  after.name = "Gi0/2";
  after.parent_id = kOtherParent;
  after.attributes["if_name"] = "Gi0/2";
  EXPECT_EQ(ChangedFields(Interface(), after), (Strings{"name", "parent_id", "attributes.if_name"}));
  EXPECT_TRUE(ChangedFields(Interface(), Interface()).empty());
}

TEST(CiParentTest, SameContentComparesParentId) {
  EXPECT_TRUE(SameContent(Interface(), Interface()));
  Ci other = Interface();
  other.parent_id = kOtherParent;
  EXPECT_FALSE(SameContent(Interface(), other));
  other.parent_id.clear();
  EXPECT_FALSE(SameContent(Interface(), other));
}

TEST(CiParentTest, MaskPathParentIdSetsAndClears) {
  CiPatch patch;
  patch.paths = {"parent_id"};
  patch.values.parent_id = kOtherParent;
  patch.values.name = "ignored";
  auto out = ApplyCiPatch(Interface(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->parent_id, kOtherParent);
  EXPECT_EQ(out->name, "Gi0/1");

  patch.values.parent_id.clear();
  out = ApplyCiPatch(Interface(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->parent_id, "");
}

TEST(CiParentTest, EmptyMaskSetsOnlyANonEmptyParentId) {
  CiPatch patch;
  patch.values.parent_id = kOtherParent;
  auto out = ApplyCiPatch(Interface(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->parent_id, kOtherParent);

  patch.values.parent_id.clear();
  out = ApplyCiPatch(Interface(), patch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->parent_id, kParent);
}

TEST(CiParentTest, UnknownPathMessageListsParentId) {
  CiPatch patch;
  patch.paths = {"parent"};
  auto out = ApplyCiPatch(Interface(), patch);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_TRUE(message.starts_with("update_mask: ")) << message;
  EXPECT_NE(message.find("\"parent\""), std::string::npos) << message;
  EXPECT_NE(message.find("parent_id"), std::string::npos) << message;
}

TEST(CiParentTest, ParentIdIsAReservedName) {
  EXPECT_TRUE(IsReservedFieldName("parent_id"));
  EXPECT_FALSE(IsReservedFieldName("parent"));
  EXPECT_FALSE(IsReservedFieldName("parent_ids"));
}

TEST(CiParentTest, ProvenanceKeptForParentId) {
  auto fields = ProvenanceFields(Interface());
  ASSERT_TRUE(fields.contains("parent_id"));
  EXPECT_EQ(fields["parent_id"], Json(kParent));

  Ci orphan = Interface();
  orphan.parent_id.clear();
  EXPECT_FALSE(ProvenanceFields(orphan).contains("parent_id"));

  Ci moved = Interface();
  moved.parent_id = kOtherParent;
  Json provenance = {{"parent_id", {{"source", "manual"}, {"set_at", 1}}}};
  StampProvenance(ProvenanceFields(Interface()), ProvenanceFields(moved), "snmp", 50, provenance);
  EXPECT_EQ(provenance, Json({{"parent_id", {{"source", "snmp"}, {"set_at", 50}}}})) << provenance.dump();

  StampProvenance(ProvenanceFields(moved), ProvenanceFields(orphan), "snmp", 60, provenance);
  EXPECT_FALSE(provenance.contains("parent_id")) << provenance.dump();
}

}  // namespace
}  // namespace cmdb
