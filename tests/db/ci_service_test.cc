// CiService against a real PostgreSQL: CRUD, validation, etags and
// concurrency, history, as-of reads, restore and batches.
#include <atomic>
#include <set>
#include <thread>

#include "core/uuid.h"
#include "service_fixture.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class CiServiceTest : public ServiceTest {};

TEST_F(CiServiceTest, CreateThenGetReturnsTheStoredCi) {
  Ci created = Create("server", "web01", {{"serial_number", "SN1"}, {"cpu_count", 8}, {"mac_addresses", {"AA-BB-CC-00-11-22"}}});
  EXPECT_TRUE(IsUuid(created.id));
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.status, "in_use");
  auto got = cis_->Get(created.id, std::nullopt);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name, "web01");
  EXPECT_EQ(got->class_name, "server");
  EXPECT_EQ(got->attributes["serial_number"], "SN1");
  EXPECT_EQ(got->attributes["cpu_count"], 8);
  EXPECT_EQ(got->attributes["mac_addresses"], Json::array({"aa:bb:cc:00:11:22"}));  // normalised
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->created_at, got->updated_at);
  // Provenance records the manual source for every set field.
  EXPECT_EQ(got->provenance["attributes.serial_number"]["source"], "manual");
  EXPECT_EQ(got->provenance["name"]["source"], "manual");
}

TEST_F(CiServiceTest, AttributesAreNormalisedOnWrite) {
  Ci created = Create("interface", "Gi1/0/1", {{"mac_address", "001B.21AA.BBCC"}});
  EXPECT_EQ(created.attributes["mac_address"], "00:1b:21:aa:bb:cc");
  Ci ip = Create("ip_address", "10.0.0.1", {{"address", "::ffff:10.0.0.1"}});
  EXPECT_EQ(ip.attributes["address"], "10.0.0.1");
  Ci cert = Create("certificate", "www", {{"not_after", "2027-01-31T12:00:00.75+01:00"}});
  EXPECT_EQ(cert.attributes["not_after"], "2027-01-31T11:00:00Z");
}

TEST_F(CiServiceTest, ClientChosenIdIsKeptAndCannotBeReused) {
  const std::string id = "0192e1a8-1111-7222-8333-444455556666";
  auto created = cis_->Create(Ctx(), MakeCi("server", "a"), id);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id, id);
  auto again = cis_->Create(Ctx(), MakeCi("server", "b"), id);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  // Ids are never reused, not even after a hard delete (history keeps them).
  ASSERT_TRUE(cis_->Delete(Ctx(), id, "", /*hard=*/true).ok());
  auto reused = cis_->Create(Ctx(), MakeCi("server", "d"), id);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(reused.status().message()), StartsWith("ci_id:"));
  BatchRequest batch;
  batch.creates.push_back({"", MakeCi("server", "e"), "", ""});
  batch.creates.push_back({"", MakeCi("server", "f"), id, ""});
  EXPECT_THAT(std::string(cis_->Batch(Ctx(), batch).status().message()), StartsWith("creates[1].ci_id:"));
  auto bad = cis_->Create(Ctx(), MakeCi("server", "c"), "not-a-uuid");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), StartsWith("ci_id:"));
}

struct BadCiCase {
  const char* label;
  Ci ci;
  const char* field;  // the message must start with this field path
};

TEST_F(CiServiceTest, InvalidInputIsRejectedNamingTheFieldAndWritesNothing) {
  const std::vector<BadCiCase> cases = {
      {"unknown attribute", MakeCi("server", "x", {{"colour", "red"}}), "ci.attributes.colour:"},
      {"wrong type", MakeCi("server", "x", {{"cpu_count", "four"}}), "ci.attributes.cpu_count:"},
      {"fraction for integer", MakeCi("server", "x", {{"cpu_count", 2.5}}), "ci.attributes.cpu_count:"},
      {"bad ip", MakeCi("server", "x", {{"management_ip", "10.0.0.300"}}), "ci.attributes.management_ip:"},
      {"bad mac list", MakeCi("server", "x", {{"mac_addresses", "aa:bb"}}), "ci.attributes.mac_addresses:"},
      {"required missing", MakeCi("ip_address", "x"), "ci.attributes.address:"},
      {"unknown class", MakeCi("spaceship", "x"), "ci.class_name:"},
      {"abstract class", MakeCi("hardware", "x"), "ci.class_name:"},
      {"empty name", MakeCi("server", "  "), "ci.name:"},
  };
  for (const auto& c : cases) {
    auto result = cis_->Create(Ctx(), c.ci, "");
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << c.label;
    EXPECT_THAT(std::string(result.status().message()), StartsWith(c.field)) << c.label;
  }
  Ci bad_status = MakeCi("server", "x");
  bad_status.status = "exploded";
  EXPECT_THAT(std::string(cis_->Create(Ctx(), bad_status, "").status().message()), StartsWith("ci.status:"));
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM changeset"), 0);
}

TEST_F(CiServiceTest, UpdateWithMaskChangesOnlyTheNamedFields) {
  Ci ci = Create("server", "web01", {{"serial_number", "SN1"}, {"cpu_count", 4}});
  CiPatch patch;
  patch.id = ci.id;
  patch.paths = {"attributes.cpu_count", "owner"};
  patch.values.owner = "ops";
  patch.values.name = "ignored: not in the mask";
  patch.values.attributes = {{"cpu_count", 16}};
  auto updated = cis_->Update(Ctx("bob"), patch);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->name, "web01");
  EXPECT_EQ(updated->owner, "ops");
  EXPECT_EQ(updated->attributes["cpu_count"], 16);
  EXPECT_EQ(updated->attributes["serial_number"], "SN1");
  // Removing an attribute: in the mask, absent (or null) in the values.
  patch.paths = {"attributes.serial_number"};
  patch.values.attributes = Json::object();
  updated = cis_->Update(Ctx("bob"), patch);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->attributes.contains("serial_number"));
  EXPECT_FALSE(updated->provenance.contains("attributes.serial_number"));
  EXPECT_EQ(updated->version, 3);
}

TEST_F(CiServiceTest, UpdateThatChangesNothingWritesNoVersion) {
  Ci ci = Create("server", "web01", {{"cpu_count", 4}});
  CiPatch patch;
  patch.id = ci.id;
  patch.values.attributes = {{"cpu_count", 4}};
  auto same = cis_->Update(Ctx(), patch);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM changeset"), 1);
}

TEST_F(CiServiceTest, InvalidUpdateIsRejectedAndTheCiIsUnchanged) {
  Ci ci = Create("server", "web01", {{"cpu_count", 4}});
  CiPatch patch;
  patch.id = ci.id;
  patch.values.attributes = {{"cpu_count", "many"}};
  auto result = cis_->Update(Ctx(), patch);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("ci.attributes.cpu_count:"));
  patch.paths = {"colour"};
  EXPECT_THAT(std::string(cis_->Update(Ctx(), patch).status().message()), StartsWith("update_mask:"));
  auto got = cis_->Get(ci.id, std::nullopt);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->attributes["cpu_count"], 4);
}

TEST_F(CiServiceTest, StaleEtagIsAbortedAndWritesNothing) {
  Ci ci = Create("server", "web01");
  CiPatch patch;
  patch.id = ci.id;
  patch.etag = EtagFor(ci.version);
  patch.values.owner = "first";
  ASSERT_TRUE(cis_->Update(Ctx(), patch).ok());
  patch.values.owner = "second";  // still carries the version-1 etag
  auto stale = cis_->Update(Ctx(), patch);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(cis_->Get(ci.id, std::nullopt)->owner, "first");
  patch.etag = "garbage";
  EXPECT_EQ(cis_->Update(Ctx(), patch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CiServiceTest, TwoConcurrentWritersWithTheSameEtagExactlyOneWins) {
  for (int round = 0; round < 5; ++round) {
    Ci ci = Create("server", "contended");
    std::atomic<int> ok{0}, aborted{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        CiPatch patch;
        patch.id = ci.id;
        patch.etag = EtagFor(1);
        patch.values.owner = "writer" + std::to_string(w);
        auto r = cis_->Update(Ctx(), patch);
        if (r.ok()) ++ok;
        if (r.status().code() == absl::StatusCode::kAborted) ++aborted;
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(aborted.load(), 1);
    auto final = cis_->Get(ci.id, std::nullopt);
    EXPECT_EQ(final->version, 2);
  }
}

TEST_F(CiServiceTest, ConcurrentMergesOfDifferentAttributesLoseNoUpdate) {
  Ci ci = Create("server", "busy");
  const std::vector<std::string> keys = {"asset_tag", "serial_number", "hostname", "fqdn", "os_name", "os_version",
                                         "model", "manufacturer"};
  std::vector<std::thread> writers;
  for (const auto& key : keys) {
    writers.emplace_back([&, key] {
      CiPatch patch;
      patch.id = ci.id;
      patch.values.attributes = {{key, "value-of-" + key}};
      auto r = cis_->Update(Ctx(), patch);
      EXPECT_TRUE(r.ok()) << r.status();
    });
  }
  for (auto& t : writers) t.join();
  auto final = cis_->Get(ci.id, std::nullopt);
  ASSERT_TRUE(final.ok());
  EXPECT_EQ(final->version, 1 + static_cast<int64_t>(keys.size()));
  for (const auto& key : keys) EXPECT_EQ(final->attributes[key], "value-of-" + key);
  // History periods are contiguous and in order.
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version a JOIN ci_version b ON a.ci_id = b.ci_id AND "
                  "b.version = a.version + 1 WHERE a.valid_to <> b.valid_from"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version WHERE valid_to = 'infinity'"), 1);
}

TEST_F(CiServiceTest, AsOfReadsReturnTheVersionValidAtThatTime) {
  Ci v1 = Create("server", "web01", {{"cpu_count", 2}});
  CiPatch patch;
  patch.id = v1.id;
  patch.values.attributes = {{"cpu_count", 4}};
  Ci v2 = *cis_->Update(Ctx(), patch);
  patch.values.attributes = {{"cpu_count", 8}};
  Ci v3 = *cis_->Update(Ctx(), patch);
  ASSERT_LT(v1.updated_at, v2.updated_at);
  ASSERT_LT(v2.updated_at, v3.updated_at);

  EXPECT_EQ(cis_->Get(v1.id, v1.updated_at)->version, 1);
  EXPECT_EQ(cis_->Get(v1.id, v2.updated_at - 1)->attributes["cpu_count"], 2);
  EXPECT_EQ(cis_->Get(v1.id, v2.updated_at)->attributes["cpu_count"], 4);
  EXPECT_EQ(cis_->Get(v1.id, v3.updated_at + 1000000)->version, 3);
  EXPECT_EQ(cis_->Get(v1.id, v1.updated_at - 1).status().code(), absl::StatusCode::kNotFound);

  // A listing as of a time sees the CIs and versions of that time.
  Create("server", "web02");
  CiListQuery q;
  q.filter = "class = server";
  q.as_of = v2.updated_at;
  auto page = cis_->List(q);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->cis.size(), 1u);
  EXPECT_EQ(page->cis[0].attributes["cpu_count"], 4);
  q.filter = "attributes.cpu_count >= 4";
  q.as_of = v1.updated_at;
  EXPECT_TRUE(cis_->List(q)->cis.empty());
}

TEST_F(CiServiceTest, HistoryListsEveryVersionNewestFirstWithChangesets) {
  Ci ci = *cis_->Create(Ctx("alice", "initial load"), MakeCi("server", "web01", {{"cpu_count", 2}}), "");
  CiPatch patch;
  patch.id = ci.id;
  patch.values.attributes = {{"cpu_count", 4}};
  WriteContext change = Ctx("bob", "more CPUs");
  change.external_ref = "CHG0042";
  ASSERT_TRUE(cis_->Update(change, patch).ok());
  ASSERT_TRUE(cis_->Delete(Ctx("carol"), ci.id, "", false).ok());

  auto history = cis_->History(ci.id, 0, "");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->versions.size(), 3u);
  const auto& newest = history->versions[0];
  EXPECT_EQ(newest.operation, "retire");
  EXPECT_EQ(newest.ci.status, "retired");
  EXPECT_EQ(newest.changeset.actor, "carol");
  EXPECT_FALSE(newest.valid_to.has_value());
  EXPECT_EQ(newest.changed_fields, std::vector<std::string>{"status"});
  const auto& middle = history->versions[1];
  EXPECT_EQ(middle.changeset.actor, "bob");
  EXPECT_EQ(middle.changeset.comment, "more CPUs");
  EXPECT_EQ(middle.changeset.external_ref, "CHG0042");
  EXPECT_EQ(middle.changed_fields, std::vector<std::string>{"attributes.cpu_count"});
  EXPECT_EQ(*middle.valid_to, newest.valid_from);
  EXPECT_EQ(history->versions[2].operation, "create");
  EXPECT_EQ(history->versions[2].changeset.comment, "initial load");

  // Paging: one version per page, no gaps or repeats.
  std::vector<int64_t> seen;
  std::string token;
  do {
    auto page = cis_->History(ci.id, 1, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& v : page->versions) seen.push_back(v.ci.version);
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(cis_->History(NewUuid(), 0, "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CiServiceTest, RestoreWritesANewVersionEqualToTheOldOne) {
  Ci v1 = Create("server", "web01", {{"cpu_count", 2}, {"os_name", "Debian"}});
  CiPatch patch;
  patch.id = v1.id;
  patch.paths = {"attributes"};
  patch.values.attributes = {{"cpu_count", 64}};
  patch.values.owner = "x";
  ASSERT_TRUE(cis_->Update(Ctx(), patch).ok());
  auto restored = cis_->Restore(Ctx(), v1.id, 1, "");
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->version, 3);
  EXPECT_TRUE(SameContent(*restored, v1));
  EXPECT_EQ(cis_->History(v1.id, 1, "")->versions[0].operation, "restore");
  EXPECT_EQ(cis_->Restore(Ctx(), v1.id, 99, "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cis_->Restore(Ctx(), v1.id, 1, "1").status().code(), absl::StatusCode::kAborted);
}

TEST_F(CiServiceTest, SoftDeleteRetiresAndHardDeleteRemovesButKeepsHistory) {
  Ci a = Create("server", "a");
  Ci b = Create("switch", "b");
  Relationship rel;
  rel.type = "connected_to";
  rel.source_id = a.id;
  rel.target_id = b.id;
  ASSERT_TRUE(rels_->Create(Ctx(), rel).ok());

  auto retired = cis_->Delete(Ctx(), a.id, "", false);
  ASSERT_TRUE(retired.ok());
  EXPECT_EQ(retired->status, "retired");
  EXPECT_EQ(cis_->Get(a.id, std::nullopt)->status, "retired");
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 1);  // kept with a retired CI

  auto removed = cis_->Delete(Ctx(), a.id, "", true);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(cis_->Get(a.id, std::nullopt).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 0);
  // The past is still readable.
  EXPECT_EQ(cis_->Get(a.id, retired->updated_at)->status, "retired");
  auto history = cis_->History(a.id, 0, "");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->versions[0].operation, "delete");
  EXPECT_EQ(cis_->Delete(Ctx(), a.id, "", true).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CiServiceTest, BatchCreatesCisAndRelationshipsByReferenceInOneChangeset) {
  BatchRequest batch;
  batch.creates.push_back({"app", MakeCi("application", "shop"), "", ""});
  batch.creates.push_back({"srv", MakeCi("server", "web01", {{"serial_number", "S1"}}), "", ""});
  batch.creates.push_back({"sw", MakeCi("switch", "sw1"), "", ""});
  batch.relationships.push_back({"", "app", "runs_on", "", "srv", Json::object()});
  batch.relationships.push_back({"", "srv", "connected_to", "", "sw", {{"port", "Gi1/0/1"}}});
  auto result = cis_->Batch(Ctx(), batch);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->created.size(), 3u);
  EXPECT_EQ(result->created[1].ref, "srv");
  EXPECT_EQ(result->relationships.size(), 2u);
  EXPECT_EQ(Count("SELECT count(DISTINCT changeset_id) FROM ci_version"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 2);

  // Updates in a batch, by id, with the same validation.
  BatchRequest updates;
  CiPatch p;
  p.id = result->created[1].id;
  p.values.attributes = {{"cpu_count", 32}};
  updates.updates.push_back(p);
  auto updated = cis_->Batch(Ctx(), updates);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->updated[0].version, 2);
}

TEST_F(CiServiceTest, BatchIsAllOrNothing) {
  Ci existing = Create("server", "existing");
  BatchRequest batch;
  batch.creates.push_back({"a", MakeCi("server", "a"), "", ""});
  batch.creates.push_back({"b", MakeCi("server", "b", {{"cpu_count", "lots"}}), "", ""});
  auto bad_item = cis_->Batch(Ctx(), batch);
  EXPECT_EQ(bad_item.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_item.status().message()), StartsWith("creates[1].ci.attributes.cpu_count:"));

  batch.creates[1] = {"b", MakeCi("server", "b"), "", ""};
  batch.relationships.push_back({"", "a", "runs_on", "", "nope", Json::object()});
  EXPECT_THAT(std::string(cis_->Batch(Ctx(), batch).status().message()),
              StartsWith("relationships[0].target_ref:"));
  batch.relationships[0] = {"", "a", "runs_on", NewUuid(), "", Json::object()};
  EXPECT_EQ(cis_->Batch(Ctx(), batch).status().code(), absl::StatusCode::kNotFound);
  batch.relationships[0] = {"", "a", "no_such_type", existing.id, "", Json::object()};
  EXPECT_EQ(cis_->Batch(Ctx(), batch).status().code(), absl::StatusCode::kInvalidArgument);
  batch.relationships[0] = {"", "a", "runs_on", existing.id, "", Json::object()};
  batch.relationships.push_back({"", "a", "runs_on", existing.id, "", Json::object()});
  EXPECT_EQ(cis_->Batch(Ctx(), batch).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 0);
}

TEST_F(CiServiceTest, ParentsMustExistAndTheErrorNamesTheItem) {
  BatchRequest batch;
  Ci dev = MakeCi("switch", "sw");
  const std::string dev_id = "0192e1a8-1111-7222-8333-000000000001";
  Ci port = MakeCi("interface", "Gi1/0/1", {{"if_name", "Gi1/0/1"}});
  port.parent_id = dev_id;  // created in the same batch: fine
  batch.creates.push_back({"dev", dev, dev_id, ""});
  batch.creates.push_back({"port", port, "", ""});
  ASSERT_TRUE(cis_->Batch(Ctx(), batch).ok());
  Ci orphan = port;
  orphan.parent_id = NewUuid();
  BatchRequest bad;
  bad.creates.push_back({"ok", MakeCi("server", "fine"), "", ""});
  bad.creates.push_back({"orphan", orphan, "", ""});
  auto result = cis_->Batch(Ctx(), bad);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("creates[1].ci.parent_id:"));
  EXPECT_THAT(std::string(cis_->Create(Ctx(), orphan, "").status().message()), StartsWith("ci.parent_id:"));
}

TEST_F(CiServiceTest, ParentRefNamesAnotherCreateOfTheBatchInAnyOrder) {
  BatchRequest batch;
  Ci port = MakeCi("interface", "Gi1/0/2", {{"if_name", "Gi1/0/2"}});
  batch.creates.push_back({"port", port, "", "dev"});  // before its parent
  batch.creates.push_back({"dev", MakeCi("switch", "sw2"), "", ""});
  auto result = cis_->Batch(Ctx(), batch);
  ASSERT_TRUE(result.ok()) << result.status();
  auto stored = cis_->Get(result->created[0].id, std::nullopt);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->parent_id, result->created[1].id);

  const int64_t before = Count("SELECT count(*) FROM ci");
  BatchRequest unknown;
  unknown.creates.push_back({"p", port, "", "nowhere"});
  auto refused = cis_->Batch(Ctx(), unknown);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), StartsWith("creates[0].parent_ref:"));
  BatchRequest both;
  Ci with_id = port;
  with_id.parent_id = result->created[1].id;
  both.creates.push_back({"dev", MakeCi("switch", "sw3"), "", ""});
  both.creates.push_back({"p", with_id, "", "dev"});
  refused = cis_->Batch(Ctx(), both);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("not both"));
  BatchRequest self;
  self.creates.push_back({"p", port, "", "p"});
  EXPECT_EQ(cis_->Batch(Ctx(), self).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), before);
}

TEST_F(CiServiceTest, BatchLargerThanTheLimitIsRefused) {
  limits_.max_batch_items = 3;
  BatchRequest batch;
  for (int i = 0; i < 4; ++i) batch.creates.push_back({"", MakeCi("server", "s" + std::to_string(i)), "", ""});
  auto result = cis_->Batch(Ctx(), batch);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("limit is 3"));
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
}

}  // namespace
}  // namespace cmdb::testing
