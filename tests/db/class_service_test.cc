// ClassService: the catalog changes at run time, without code changes, and
// refuses changes that would make existing CIs invalid.
#include "service_fixture.h"
#include "support/builders.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ClassServiceTest : public ServiceTest {
 protected:
  absl::StatusOr<ClassInfo> NewClass(std::string name, std::string parent, std::vector<AttributeDef> attrs) {
    ClassDef c;
    c.name = std::move(name);
    c.parent = std::move(parent);
    c.attributes = std::move(attrs);
    return classes_->Create(Ctx(), c);
  }
};

TEST_F(ClassServiceTest, DefaultCatalogIsATreeWithInheritedAttributes) {
  auto all = classes_->List("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->front().def.name, "ci");
  auto server = classes_->Get("server");
  ASSERT_TRUE(server.ok());
  std::vector<std::string> names;
  for (const auto& a : server->effective) names.push_back(a.name + "@" + a.defined_in);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"description@ci", "serial_number@hardware", "cpu_count@computer"}));
  auto network = classes_->List("network_device");
  ASSERT_TRUE(network.ok());
  EXPECT_EQ(network->size(), 6u);  // network_device and its five subclasses
  EXPECT_EQ(classes_->Get("spaceship").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClassServiceTest, NewClassWithAttributesIsUsableAtOnce) {
  auto pdu = NewClass("pdu", "hardware", {Required(Attr("outlet_count", AttrType::kInteger)), Attr("feed", AttrType::kString)});
  ASSERT_TRUE(pdu.ok()) << pdu.status();
  EXPECT_EQ(pdu->effective.back().name, "feed");
  Ci ok = Create("pdu", "pdu-r1", {{"outlet_count", 24}, {"serial_number", "P1"}});
  EXPECT_EQ(ok.attributes["outlet_count"], 24);
  auto missing = cis_->Create(Ctx(), MakeCi("pdu", "pdu-r2"), "");
  EXPECT_THAT(std::string(missing.status().message()), StartsWith("ci.attributes.outlet_count:"));
  // Filters know the new attribute too.
  CiListQuery q;
  q.filter = "attributes.outlet_count > 10";
  EXPECT_EQ(cis_->List(q)->cis.size(), 1u);
}

TEST_F(ClassServiceTest, BadClassDefinitionsNameTheField) {
  EXPECT_EQ(NewClass("server", "ci", {}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(NewClass("Bad", "ci", {}).status().message()), StartsWith("class_def.name:"));
  EXPECT_THAT(std::string(NewClass("x", "nope", {}).status().message()), StartsWith("class_def.parent:"));
  EXPECT_THAT(std::string(NewClass("x", "server", {Attr("serial_number", AttrType::kString)}).status().message()),
              AllOf(StartsWith("class_def.attributes[0].name:"), HasSubstr("inherited from class hardware")));
  EXPECT_THAT(std::string(NewClass("x", "ci", {Attr("a", AttrType::kString), Attr("a", AttrType::kInteger)})
                              .status()
                              .message()),
              StartsWith("class_def.attributes[1].name:"));
  EXPECT_THAT(std::string(NewClass("x", "ci", {Attr("status", AttrType::kString)}).status().message()),
              HasSubstr("CI field name"));
  EXPECT_EQ(classes_->Get("x").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClassServiceTest, ChangesThatWouldBreakExistingCisAreRefused) {
  ASSERT_TRUE(NewClass("rack", "location", {Attr("units", AttrType::kInteger)}).ok());
  Create("rack", "r1", {{"units", 42}});
  Create("rack", "r2");
  ClassDef change;
  change.name = "rack";
  // Make "units" required while r2 lacks it.
  change.attributes = {Required(Attr("units", AttrType::kInteger))};
  auto required = classes_->Update(Ctx(), change, {"attributes"});
  EXPECT_EQ(required.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(required.status().message()), HasSubstr("1 CIs have no value"));
  // Change its type.
  change.attributes = {Attr("units", AttrType::kString)};
  EXPECT_EQ(classes_->Update(Ctx(), change, {"attributes"}).status().code(), absl::StatusCode::kFailedPrecondition);
  // Remove it while r1 holds a value.
  change.attributes = {};
  EXPECT_EQ(classes_->Update(Ctx(), change, {"attributes"}).status().code(), absl::StatusCode::kFailedPrecondition);
  // Delete the class while it has CIs; delete a shipped class.
  EXPECT_EQ(classes_->Delete(Ctx(), "rack").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(classes_->Delete(Ctx(), "server").code(), absl::StatusCode::kFailedPrecondition);
  // Adding an optional, indexed attribute is fine and creates its index.
  change.attributes = {Attr("units", AttrType::kInteger), Indexed(Attr("row", AttrType::kString))};
  change.description = "A rack";
  auto added = classes_->Update(Ctx(), change, {"attributes", "description"});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->def.description, "A rack");
  EXPECT_EQ(Count("SELECT count(*) FROM pg_indexes WHERE indexname = 'ci_attr_row_idx'"), 1);
  EXPECT_EQ(Create("rack", "r3", {{"row", "B"}}).attributes["row"], "B");
}

TEST_F(ClassServiceTest, EmptyClassCanBeDeleted) {
  ASSERT_TRUE(NewClass("kiosk", "computer", {}).ok());
  EXPECT_EQ(classes_->Delete(Ctx(), "computer").code(), absl::StatusCode::kFailedPrecondition);  // has subclasses
  EXPECT_TRUE(classes_->Delete(Ctx(), "kiosk").ok());
  EXPECT_EQ(classes_->Get("kiosk").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClassServiceTest, AbstractClassesCannotHoldCis) {
  ClassDef c;
  c.name = "facility";
  c.parent = "ci";
  c.abstract = true;
  ASSERT_TRUE(classes_->Create(Ctx(), c).ok());
  EXPECT_THAT(std::string(cis_->Create(Ctx(), MakeCi("facility", "x"), "").status().message()),
              HasSubstr("abstract"));
  ASSERT_TRUE(NewClass("plain", "ci", {}).ok());
  Create("plain", "p1");
  c.name = "plain";
  EXPECT_EQ(classes_->Update(Ctx(), c, {"abstract"}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cmdb::testing
