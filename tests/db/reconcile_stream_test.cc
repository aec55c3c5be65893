// StreamReconcile's service side against a real PostgreSQL: a stream
// larger than a slice, staged in the database and reconciled slice by slice
// in one transaction, must give what one payload would: parents and
// relations across chunks (a parent that comes later too), one CI per thing
// across slices, exclusive relations judged against the whole stream, a
// complete run's sightings from every chunk, and a dry run that writes
// nothing; and it lists at most the result limit, problems first.
#include <string>
#include <vector>

#include "core/strings.h"
#include "core/uuid.h"
#include "reconcile_fixture.h"
#include "service/reconciler.h"
#include "support/builders.h"
#include "support/reconcile_builders.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;

// A stream whose chunks the test holds: each chunk is staged as its number
// and decoded back from it, so the service reads every chunk through the
// database as it would a client's.
class ChunkList : public PayloadStream {
 public:
  explicit ChunkList(std::vector<ReconcileInput> chunks) : chunks_(std::move(chunks)) {}

  absl::StatusOr<std::optional<Chunk>> Next() override {
    if (next_ == chunks_.size()) return std::nullopt;
    const ReconcileInput& c = chunks_[next_];
    Chunk chunk{std::to_string(next_++), static_cast<int64_t>(c.items.size() + c.relations.size())};
    for (const auto& item : c.items) chunk.item_refs.push_back(item.ref);
    chunk.relations = static_cast<int64_t>(c.relations.size());
    return chunk;
  }

  absl::Status Decode(std::string_view bytes, size_t, ReconcileInput& into) const override {
    const ReconcileInput& c = chunks_.at(std::stoul(std::string(bytes)));
    into.items.insert(into.items.end(), c.items.begin(), c.items.end());
    into.relations.insert(into.relations.end(), c.relations.begin(), c.relations.end());
    return absl::OkStatus();
  }

 private:
  std::vector<ReconcileInput> chunks_;
  size_t next_ = 0;
};

class ReconcileStreamTest : public ReconcileServiceTest {
 protected:
  absl::StatusOr<ReconcileOutput> Stream(std::vector<ReconcileInput> chunks, bool dry_run = false,
                                         bool complete = false, const std::string& source = "bulk") {
    ReconcileInput header;
    header.source = source;
    header.dry_run = dry_run;
    header.complete_run = complete;
    ChunkList stream(std::move(chunks));
    return reconcile_->ReconcileStream(Ctx("loader"), header, stream);
  }
};

ReconcileInput Chunk(std::vector<ReconcileItemInput> items, std::vector<ReconcileRelationInput> relations = {}) {
  ReconcileInput in;
  in.items = std::move(items);
  in.relations = std::move(relations);
  return in;
}

ReconcileItemInput Server(int i) {
  return Item(StrCat("srv", i), "server", StrCat("srv", i), {{"serial_number", StrCat("SN", i)}});
}

ReconcileItemInput Interface(int i) {
  ReconcileItemInput nic = Item(StrCat("nic", i), "interface", StrCat("nic", i), {{"if_name", "eth0"}});
  nic.parent_ref = StrCat("srv", i);
  return nic;
}

// 3,000 servers, each with an interface that comes before it in the stream
// (so in an earlier slice and chunk), and a chain of relations in a last
// chunk: more than one slice of each. Run again, everything is unchanged.
TEST_F(ReconcileStreamTest, ParentsAndRelationsAcrossChunksAndSlices) {
  constexpr int kServers = 3000;
  static_assert(kServers > static_cast<int>(kSliceItems));
  auto chunks = [&] {
    std::vector<ReconcileItemInput> nics, servers;
    std::vector<ReconcileRelationInput> chain;
    for (int i = 0; i < kServers; ++i) {
      nics.push_back(Interface(i));
      servers.push_back(Server(i));
      if (i > 0) chain.push_back(Relation(StrCat("srv", i), "depends_on", StrCat("srv", i - 1)));
    }
    std::vector<ReconcileInput> out;
    out.push_back(Chunk(std::move(nics)));
    out.push_back(Chunk(std::move(servers)));
    out.push_back(Chunk({}, std::move(chain)));
    return out;
  };
  auto first = Stream(chunks());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->Count(ReconcileAction::kCreated), 2 * kServers);
  EXPECT_EQ(first->Count(ReconcileAction::kRejected), 0);
  EXPECT_EQ(first->items.size(), 2u * kServers);  // within the default result limit
  EXPECT_EQ(first->items_omitted, 0);
  EXPECT_EQ(first->items[0].index, 0);
  EXPECT_EQ(first->items.back().index, 2 * kServers - 1);
  ASSERT_EQ(first->relations.size(), static_cast<size_t>(kServers - 1));
  for (const auto& r : first->relations) ASSERT_EQ(r.action, ReconcileAction::kCreated) << r.reason;
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE class_name = 'server'"), kServers);
  // Every interface belongs to the server of its number.
  EXPECT_EQ(Count("SELECT count(*) FROM ci n JOIN ci s ON s.id = n.parent_id "
                  "WHERE n.class_name = 'interface' AND substr(n.name, 4) = substr(s.name, 4)"),
            kServers);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship WHERE type = 'depends_on'"), kServers - 1);
  EXPECT_EQ(Count("SELECT count(*) FROM reconcile_stage"), 0);  // the stage is gone

  auto again = Stream(chunks());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->Count(ReconcileAction::kUnchanged), 2 * kServers);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 2 * kServers);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), kServers - 1);
  for (const auto& r : again->relations) ASSERT_EQ(r.action, ReconcileAction::kUnchanged) << r.reason;
}

TEST_F(ReconcileStreamTest, ARefUsedTwiceAcrossChunksFailsTheStreamAndWritesNothing) {
  auto out = Stream({Chunk({Server(1), Server(2)}), Chunk({Server(3), Server(2)})});
  ExpectFieldError(out.status(), "items[3].ref", "\"srv2\" is used twice");
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM reconcile_stage"), 0);
}

// Two items of different chunks that are one thing: the second is a
// conflict, as within one payload.
TEST_F(ReconcileStreamTest, OneCiPerThingAcrossChunks) {
  ReconcileItemInput twin = Item("twin", "server", "srv1-again", {{"serial_number", "SN1"}});
  auto out = Stream({Chunk({Server(1)}), Chunk({twin})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->items.size(), 2u);
  EXPECT_EQ(out->items[0].action, ReconcileAction::kCreated);
  EXPECT_EQ(out->items[1].action, ReconcileAction::kConflict);
  EXPECT_THAT(out->items[1].reason, HasSubstr("the same CI as item \"srv1\""));
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 1);
}

// Parents naming each other across chunks are rejected with their
// dependents; the rest of the stream is written.
TEST_F(ReconcileStreamTest, ParentCycleAcrossChunksRejectsOnlyTheCycle) {
  ReconcileItemInput a = Item("a", "interface", "a", {{"if_name", "a"}});
  a.parent_ref = "b";
  ReconcileItemInput b = Item("b", "interface", "b", {{"if_name", "b"}});
  b.parent_ref = "a";
  ReconcileItemInput c = Item("c", "interface", "c", {{"if_name", "c"}});
  c.parent_ref = "a";
  auto out = Stream({Chunk({a, Server(1)}), Chunk({b}), Chunk({c, Interface(1)})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->items.size(), 5u);
  for (int i : {0, 2, 3}) {
    EXPECT_EQ(out->items[i].action, ReconcileAction::kRejected) << out->items[i].ref;
    EXPECT_EQ(out->items[i].reason, "parent_ref: the parents form a cycle");
  }
  EXPECT_EQ(out->items[1].action, ReconcileAction::kCreated);
  EXPECT_EQ(out->items[4].action, ReconcileAction::kCreated);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 2);
}

TEST_F(ReconcileStreamTest, UnknownRefsAreRejectedWithTheFieldNamed) {
  ReconcileItemInput orphan = Interface(9);  // parent srv9 is nowhere
  auto out = Stream({Chunk({Server(1), orphan}), Chunk({}, {Relation("srv1", "depends_on", "nowhere")})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->items[1].reason, "parent_ref: no item has ref \"srv9\"");
  ASSERT_EQ(out->relations.size(), 1u);
  EXPECT_EQ(out->relations[0].reason, "to_ref: no item has ref \"nowhere\"");
}

// An exclusive relation in one chunk keeps the relationship of its type
// that a later chunk reports, and removes only what the stream no longer
// reports.
TEST_F(ReconcileStreamTest, ExclusiveRelationsAreJudgedAgainstTheWholeStream) {
  auto before = Stream({Chunk({Server(1), Server(2), Server(3), Server(4)},
                              {Relation("srv1", "depends_on", "srv3"), Relation("srv1", "depends_on", "srv4")})});
  ASSERT_TRUE(before.ok()) << before.status();
  ReconcileRelationInput to_two = Relation("srv1", "depends_on", "srv2");
  to_two.exclusive_at = ReconcileRelationInput::Exclusive::kAtFrom;
  ReconcileRelationInput to_four = Relation("srv1", "depends_on", "srv4");
  to_four.exclusive_at = ReconcileRelationInput::Exclusive::kAtFrom;
  auto out = Stream({Chunk({Server(1), Server(2), Server(3), Server(4)}, {to_two}), Chunk({}, {to_four})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->relations.size(), 2u);
  EXPECT_EQ(out->relations[0].action, ReconcileAction::kCreated);
  EXPECT_EQ(out->relations[0].removed, 1);  // srv1 -> srv3
  EXPECT_EQ(out->relations[1].action, ReconcileAction::kUnchanged);
  EXPECT_EQ(out->relations[1].removed, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship r JOIN ci t ON t.id = r.target_id WHERE t.name = 'srv3'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship r JOIN ci t ON t.id = r.target_id WHERE t.name = 'srv4'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship"), 2);
}

// A complete run's sightings come from every chunk: only what no chunk
// reported counts a missed run.
TEST_F(ReconcileStreamTest, CompleteRunCountsSightingsOfEveryChunk) {
  SourcePolicy policy;
  policy.name = "bulk";
  policy.stale_after_runs = 1;
  ASSERT_TRUE(admin_->SetSourcePolicy(Ctx("admin"), policy).ok());
  ASSERT_TRUE(Stream({Chunk({Server(1), Server(2), Server(3)})}, false, true).ok());
  auto out = Stream({Chunk({Server(1)}), Chunk({Server(2)})}, false, true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->marked_stale, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE stale"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE stale AND name = 'srv3'"), 1);
}

TEST_F(ReconcileStreamTest, DryRunAnswersAndWritesNothing) {
  auto out = Stream({Chunk({Interface(1)}), Chunk({Server(1)}, {Relation("nic1", "depends_on", "srv1")})}, true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->dry_run);
  EXPECT_EQ(out->Count(ReconcileAction::kCreated), 2);
  EXPECT_TRUE(out->items[0].ci_id.empty());  // no id for what was not created
  EXPECT_FALSE(out->changeset.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM changeset"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM reconcile_stage"), 0);
}

// Past the result limit the answer lists problems first, then the rest in
// stream order; the counts cover everything.
TEST_F(ReconcileStreamTest, TheAnswerListsAtMostTheLimitProblemsFirst) {
  limits_.max_stream_results = 100;
  std::vector<ReconcileItemInput> items;
  for (int i = 0; i < 1000; ++i) {
    items.push_back(i % 200 == 199 ? Item(StrCat("bad", i), "server", "", {}) : Server(i));
  }
  auto out = Stream({Chunk(items)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->Count(ReconcileAction::kCreated), 995);
  EXPECT_EQ(out->Count(ReconcileAction::kRejected), 5);
  ASSERT_EQ(out->items.size(), 100u);
  EXPECT_EQ(out->items_omitted, 900);
  int rejected = 0;
  for (size_t i = 0; i < out->items.size(); ++i) {
    if (out->items[i].action == ReconcileAction::kRejected) {
      ++rejected;
      EXPECT_EQ(out->items[i].reason, "name: required");
    }
    if (i > 0) {
      EXPECT_LT(out->items[i - 1].index, out->items[i].index);
    }
  }
  EXPECT_EQ(rejected, 5);
  EXPECT_EQ(out->items[94].index, 94);  // the first 95 created ones, then the rejections
  EXPECT_EQ(out->items[95].index, 199);
  EXPECT_EQ(out->items.back().index, 999);
}

TEST_F(ReconcileStreamTest, StagesOfAStoppedServerAreSweptAfterADay) {
  ASSERT_TRUE(db().Write(Ctx(), [](db::Tx& tx) {
                    db::Sql(tx).exec("INSERT INTO reconcile_stage (stage_id, seq, chunk, staged_at) VALUES "
                                     "(gen_random_uuid(), 0, 'x', now() - interval '25 hours'), "
                                     "('00000000-0000-4000-8000-000000000001', 0, 'y', now())");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(reconcile_->SweepStale().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM reconcile_stage"), 1);
}

TEST_F(ReconcileStreamTest, AnEmptyStreamIsRefused) {
  ExpectFieldError(Stream({}).status(), "items", "no chunk");
  ExpectFieldError(Stream({Chunk({})}).status(), "items", "nothing to reconcile");
  ReconcileInput header;
  header.source = "manual";
  ChunkList stream({Chunk({Server(1)})});
  ExpectFieldError(reconcile_->ReconcileStream(Ctx("loader"), header, stream).status(), "source");
}

}  // namespace
}  // namespace cmdb::testing
