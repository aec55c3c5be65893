// RelationshipService: typed, directed relationships with their own
// attributes and history, and relationship types as data.
#include "core/uuid.h"
#include "service_fixture.h"

namespace cmdb::testing {
namespace {

using ::testing::StartsWith;

class RelationshipServiceTest : public ServiceTest {
 protected:
  absl::StatusOr<Relationship> Link(const Ci& from, const std::string& type, const Ci& to, Json attrs = Json::object()) {
    Relationship rel;
    rel.source_id = from.id;
    rel.type = type;
    rel.target_id = to.id;
    rel.attributes = std::move(attrs);
    return rels_->Create(Ctx(), rel);
  }
};

TEST_F(RelationshipServiceTest, CreateGetAndListInBothDirections) {
  Ci app = Create("application", "shop");
  Ci srv = Create("server", "web01");
  Ci sw = Create("switch", "sw1");
  auto runs = Link(app, "runs_on", srv);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(runs->source_name, "shop");
  EXPECT_EQ(runs->target_class, "server");
  EXPECT_EQ(runs->version, 1);
  ASSERT_TRUE(Link(srv, "connected_to", sw, {{"local_port", "eth0"}}).ok());

  auto got = rels_->Get(runs->id, std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->type, "runs_on");

  RelationshipListQuery q;
  q.ci_id = srv.id;
  EXPECT_EQ(rels_->List(q)->relationships.size(), 2u);
  q.direction = RelDirection::kOutgoing;
  auto out = rels_->List(q);
  ASSERT_EQ(out->relationships.size(), 1u);
  EXPECT_EQ(out->relationships[0].type, "connected_to");
  EXPECT_EQ(out->relationships[0].attributes["local_port"], "eth0");
  q.direction = RelDirection::kIncoming;
  EXPECT_EQ(rels_->List(q)->relationships[0].source_id, app.id);
  q.direction = RelDirection::kBoth;
  q.type = "runs_on";
  EXPECT_EQ(rels_->List(q)->relationships.size(), 1u);
}

TEST_F(RelationshipServiceTest, InvalidRelationshipsAreRefusedWithTheRightCode) {
  Ci a = Create("server", "a");
  Ci b = Create("server", "b");
  ASSERT_TRUE(Link(a, "depends_on", b).ok());
  EXPECT_EQ(Link(a, "depends_on", b).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(Link(b, "depends_on", a).ok());  // the other direction is another relationship
  auto self = Link(a, "depends_on", a);
  EXPECT_THAT(std::string(self.status().message()), StartsWith("relationship.target_id:"));
  auto type = Link(a, "likes", b);
  EXPECT_THAT(std::string(type.status().message()), StartsWith("relationship.type:"));
  Ci ghost;
  ghost.id = NewUuid();
  EXPECT_EQ(Link(a, "depends_on", ghost).status().code(), absl::StatusCode::kNotFound);
  ghost.id = "nope";
  EXPECT_THAT(std::string(Link(a, "depends_on", ghost).status().message()), StartsWith("relationship.target_id:"));
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 2);
}

TEST_F(RelationshipServiceTest, UpdateDeleteAndAsOfReadsOfTheGraph) {
  Ci a = Create("server", "a");
  Ci b = Create("switch", "b");
  auto rel = Link(a, "connected_to", b, {{"speed", 1000}});
  ASSERT_TRUE(rel.ok());
  RelationshipPatch patch;
  patch.id = rel->id;
  patch.etag = EtagFor(1);
  patch.attributes = {{"speed", 10000}};
  auto updated = rels_->Update(Ctx(), patch);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(rels_->Update(Ctx(), patch).status().code(), absl::StatusCode::kAborted);  // stale etag

  auto deleted = rels_->Delete(Ctx(), rel->id, "");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(rels_->Get(rel->id, std::nullopt).status().code(), absl::StatusCode::kNotFound);
  // The graph as it was: before the update, after it, after the delete.
  EXPECT_EQ(rels_->Get(rel->id, rel->created_at)->attributes["speed"], 1000);
  EXPECT_EQ(rels_->Get(rel->id, updated->updated_at)->attributes["speed"], 10000);
  RelationshipListQuery q;
  q.ci_id = a.id;
  q.as_of = updated->updated_at;
  auto then = rels_->List(q);
  ASSERT_TRUE(then.ok()) << then.status();
  ASSERT_EQ(then->relationships.size(), 1u);
  EXPECT_EQ(then->relationships[0].target_name, "b");
  q.as_of.reset();
  EXPECT_TRUE(rels_->List(q)->relationships.empty());
}

TEST_F(RelationshipServiceTest, ListPaginatesWithoutGapsOrRepeats) {
  Ci hub = Create("switch", "hub");
  for (int i = 0; i < 23; ++i) ASSERT_TRUE(Link(Create("server", "s" + std::to_string(i)), "connected_to", hub).ok());
  RelationshipListQuery q;
  q.ci_id = hub.id;
  q.page_size = 4;
  std::set<std::string> seen;
  int pages = 0;
  do {
    auto page = rels_->List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->relationships) EXPECT_TRUE(seen.insert(r.id).second);
    q.page_token = page->next_page_token;
    ++pages;
  } while (!q.page_token.empty());
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(pages, 6);
}

TEST_F(RelationshipServiceTest, RelationshipTypesAreDataAndExtendable) {
  auto types = rels_->ListTypes();
  ASSERT_TRUE(types.ok());
  EXPECT_GE(types->size(), 8u);
  RelationshipTypeDef backs;
  backs.name = "backs_up";
  backs.inverse_name = "backed_up_by";
  backs.impact = "none";
  ASSERT_TRUE(rels_->CreateType(Ctx(), backs).ok());
  EXPECT_EQ(rels_->CreateType(Ctx(), backs).status().code(), absl::StatusCode::kAlreadyExists);
  backs.name = "Bad Name";
  EXPECT_THAT(std::string(rels_->CreateType(Ctx(), backs).status().message()), StartsWith("type.name:"));
  // The new type is usable at once.
  EXPECT_TRUE(Link(Create("server", "backup"), "backs_up", Create("database", "db")).ok());
}

}  // namespace
}  // namespace cmdb::testing
