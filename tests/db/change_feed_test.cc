// The change feed: every committed change, in commit order, resumable from
// any cursor without a miss or a repeat — also while writers are busy.
#include <atomic>
#include <set>
#include <thread>

#include "db/feed_store.h"
#include "service/change_feed.h"
#include "service_fixture.h"

namespace cmdb::testing {
namespace {

using Key = std::tuple<std::string, std::string, int64_t>;  // kind, id, version

class ChangeFeedTest : public ServiceTest {
 protected:
  // Reads the whole feed after `from`, in pages of `page`.
  std::vector<FeedEvent> ReadAll(FeedPosition from, int page) {
    std::vector<FeedEvent> all;
    ChangeFeed feed(db(), url());
    while (true) {
      auto batch = feed.Read(from, page);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok() || batch->events.empty()) break;
      all.insert(all.end(), batch->events.begin(), batch->events.end());
      from = batch->next;
    }
    return all;
  }

  static Key KeyOf(const FeedEvent& e) {
    return e.ci ? Key{"ci", e.ci->id, e.ci->version} : Key{"rel", e.relationship->id, e.relationship->version};
  }

  std::set<Key> AllVersions() {
    std::set<Key> keys;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) {
                      for (const auto& r : db::Sql(tx).exec("SELECT ci_id::text, version FROM ci_version")) {
                        keys.emplace("ci", r[0].as<std::string>(), r[1].as<int64_t>());
                      }
                      for (const auto& r : db::Sql(tx).exec("SELECT rel_id::text, version FROM relationship_version")) {
                        keys.emplace("rel", r[0].as<std::string>(), r[1].as<int64_t>());
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return keys;
  }
};

TEST_F(ChangeFeedTest, DeliversEveryChangeInCommitOrderWithItsChangeset) {
  Ci a = Create("server", "a");
  Ci b = Create("switch", "b");
  Relationship rel;
  rel.source_id = a.id;
  rel.type = "connected_to";
  rel.target_id = b.id;
  ASSERT_TRUE(rels_->Create(Ctx("bob"), rel).ok());
  ASSERT_TRUE(cis_->Delete(Ctx("carol", "decommissioned"), a.id, "", true).ok());

  auto events = ReadAll({}, 100);
  ASSERT_EQ(events.size(), 5u);  // 2 creates, 1 relationship, then the CI's delete and its relationship's
  EXPECT_EQ(events[0].ci->name, "a");
  EXPECT_EQ(events[0].operation, "create");
  EXPECT_EQ(events[1].ci->name, "b");
  EXPECT_EQ(events[2].relationship->type, "connected_to");
  EXPECT_EQ(events[2].relationship->source_name, "a");  // endpoint names as of the change
  EXPECT_EQ(events[2].relationship->target_class, "switch");
  EXPECT_EQ(events[2].changeset.actor, "bob");
  // The hard delete: the CI's deletion and its relationship's, one changeset.
  EXPECT_EQ(events[3].changeset.id, events[4].changeset.id);
  EXPECT_EQ(events[3].operation, "delete");
  ASSERT_TRUE(events[3].ci.has_value());
  EXPECT_EQ(events[3].ci->id, a.id);
  EXPECT_EQ(events[4].operation, "delete");
  ASSERT_TRUE(events[4].relationship.has_value());
  EXPECT_EQ(events[3].changeset.comment, "decommissioned");
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LE(events[i - 1].changeset.seq, events[i].changeset.seq);
}

TEST_F(ChangeFeedTest, ResumingFromAnyCursorNeitherSkipsNorRepeats) {
  BatchRequest batch;
  for (int i = 0; i < 30; ++i) batch.creates.push_back({"", MakeCi("server", "s" + std::to_string(i)), "", ""});
  ASSERT_TRUE(cis_->Batch(Ctx(), batch).ok());  // one changeset of 30 changes
  for (int i = 0; i < 5; ++i) Create("switch", "sw" + std::to_string(i));

  auto all = ReadAll({}, 7);  // pages end in the middle of the big changeset
  ASSERT_EQ(all.size(), 35u);
  for (size_t cut = 0; cut < all.size(); ++cut) {
    auto from = FeedPosition::FromCursor(all[cut].position.ToCursor());
    ASSERT_TRUE(from.ok()) << from.status();
    auto rest = ReadAll(*from, 4);
    ASSERT_EQ(rest.size(), all.size() - cut - 1) << "cut " << cut;
    for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(KeyOf(rest[i]), KeyOf(all[cut + 1 + i]));
  }
}

TEST_F(ChangeFeedTest, ReaderRacingConcurrentWritersMissesNothing) {
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        if (i % 5 == 0) {
          BatchRequest batch;
          for (int k = 0; k < 3; ++k) {
            batch.creates.push_back({"", MakeCi("server", "b" + std::to_string(w) + "-" + std::to_string(i) + "-" + std::to_string(k)), "", ""});
          }
          EXPECT_TRUE(cis_->Batch(Ctx(), batch).ok());
        } else {
          Create("workstation", "w" + std::to_string(w) + "-" + std::to_string(i));
        }
      }
    });
  }
  // Follow the feed while the writers run, as a watcher would.
  std::vector<Key> seen;
  FeedPosition pos;
  ChangeFeed feed(db(), url());
  std::thread reader([&] {
    while (true) {
      const bool last_round = done.load();
      auto batch = feed.Read(pos, 10);
      ASSERT_TRUE(batch.ok()) << batch.status();
      for (const auto& e : batch->events) seen.push_back(KeyOf(e));
      pos = batch->next;
      if (batch->events.empty() && last_round) break;
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  std::set<Key> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a change was delivered twice";
  EXPECT_EQ(unique, AllVersions()) << "a change was missed";
  EXPECT_EQ(seen.size(), 4u * (20 + 5 * 3));
}

// Readers following one feed from the same place, as watchers do: each gets
// every change once and in order, while writers run; and when they read the
// same backlog, they share the database reads instead of each making its own.
TEST_F(ChangeFeedTest, ManyReadersShareReadsAndEachGetsEveryChangeOnce) {
  constexpr int kReaders = 16;
  auto follow = [&](ChangeFeed& feed, std::atomic<bool>& done, std::vector<Key>* seen) {
    FeedPosition pos;
    while (true) {
      const bool last_round = done.load();
      auto batch = feed.Read(pos, 50);
      ASSERT_TRUE(batch.ok()) << batch.status();
      for (const auto& e : batch->events) seen->push_back(KeyOf(e));
      pos = batch->next;
      if (batch->events.empty() && last_round) break;
    }
  };
  // While writers run.
  {
    ChangeFeed feed(db(), url());
    std::atomic<bool> done{false};
    std::vector<std::vector<Key>> seen(kReaders);
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) readers.emplace_back([&, r] { follow(feed, done, &seen[r]); });
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 20; ++i) {
          BatchRequest batch;
          for (int k = 0; k < 1 + i % 7; ++k) {
            batch.creates.push_back(
                {"", MakeCi("server", "m" + std::to_string(w) + "-" + std::to_string(i) + "-" + std::to_string(k)), "",
                 ""});
          }
          EXPECT_TRUE(cis_->Batch(Ctx(), batch).ok());
        }
      });
    }
    for (auto& t : writers) t.join();
    done = true;
    for (auto& t : readers) t.join();
    const std::set<Key> all = AllVersions();
    for (int r = 0; r < kReaders; ++r) {
      EXPECT_EQ(std::set<Key>(seen[r].begin(), seen[r].end()).size(), seen[r].size()) << "reader " << r;
      EXPECT_EQ(std::set<Key>(seen[r].begin(), seen[r].end()), all) << "reader " << r;
      EXPECT_EQ(seen[r], seen[0]) << "reader " << r << " saw another order";
    }
  }
  // The same backlog read by every reader: shared, and not.
  int64_t reads[2] = {0, 0};
  for (bool share : {true, false}) {
    ChangeFeed feed(db(), url(), share);
    std::atomic<bool> done{true};
    std::vector<std::vector<Key>> seen(kReaders);
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) readers.emplace_back([&, r] { follow(feed, done, &seen[r]); });
    for (auto& t : readers) t.join();
    for (int r = 0; r < kReaders; ++r) EXPECT_EQ(seen[r].size(), AllVersions().size());
    reads[share ? 0 : 1] = feed.database_reads();
  }
  // Unshared: every reader reads every page itself (and once more to find
  // the end). Shared: the first reader fetches, the others take its pages.
  EXPECT_GE(reads[1], kReaders * 5);  // 231 changes in pages of 50
  EXPECT_LT(reads[0] * 4, reads[1]) << "shared " << reads[0] << " reads, unshared " << reads[1];
}

TEST_F(ChangeFeedTest, CursorsAreValidatedAndTheHeadIsTheEnd) {
  EXPECT_EQ(FeedPosition::FromCursor("banana").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FeedPosition::FromCursor("12.0.nope.1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FeedPosition::FromCursor("12.5.0192e1a8-1111-7222-8333-444455556666.1").status().code(),
            absl::StatusCode::kInvalidArgument);
  Create("server", "a");
  ChangeFeed feed(db(), url());
  auto head = feed.Head();
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(feed.Read(*head, 10)->events.empty());
  Create("server", "b");
  auto after = feed.Read(*head, 10);
  ASSERT_EQ(after->events.size(), 1u);
  EXPECT_EQ(after->events[0].ci->name, "b");
}

TEST_F(ChangeFeedTest, ListenerWakesSubscribersOnCommit) {
  ChangeFeed feed(db(), url());
  std::atomic<int> wakes{0};
  feed.Subscribe([&] { ++wakes; });
  feed.Start();
  // LISTEN begins on the feed's own thread at some point after Start: a
  // commit made before it wakes no one, so commit until one does (each
  // waits up to 0.5 s for its wake).
  const int before = wakes.load();
  for (int attempt = 0; attempt < 20 && wakes.load() == before; ++attempt) {
    Create("server", "a" + std::to_string(attempt));
    for (int i = 0; i < 50 && wakes.load() == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(wakes.load(), before);
  feed.Stop();
}

}  // namespace
}  // namespace cmdb::testing
