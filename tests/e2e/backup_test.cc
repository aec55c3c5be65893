// Backup and restore of a real cmdbd's database with `cmdbd backup` and
// `cmdbd restore` (pg_dump / pg_restore), for the embedded PostgreSQL and for
// an external database. A restored copy holds exactly what existed at backup
// time: every CI, every version, every relationship, every changeset with
// its seq, so a change-feed watcher resumes from a cursor it kept with no gap
// and no repeat. A backup taken while cmdbd writes is one snapshot. Restores
// into a database with data, or under a running cmdbd, are refused and
// change nothing.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "db/embedded_postgres.h"
#include "support/cli_harness.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// A client of one cmdbd: every call carries the token and a deadline.
class Client {
 public:
  Client(const std::string& address, std::string token)
      : stub_(v1::CmdbService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        token_(std::move(token)) {}

  v1::CmdbService::Stub& stub() { return *stub_; }
  void Prepare(grpc::ClientContext* ctx, std::chrono::seconds deadline = std::chrono::seconds(30)) const {
    ctx->AddMetadata("authorization", "Bearer " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  }

  std::string CreateCi(const std::string& name) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::CreateCIRequest req;
    req.mutable_ci()->set_class_name("server");
    req.mutable_ci()->set_name(name);
    (*req.mutable_ci()->mutable_attributes()->mutable_fields())["hostname"].set_string_value(name);
    req.mutable_change()->set_comment("create " + name);
    v1::ConfigurationItem out;
    grpc::Status st = stub_->CreateCI(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.id();
  }
  void UpdateCi(const std::string& id, const std::string& owner) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::UpdateCIRequest req;
    req.mutable_ci()->set_id(id);
    req.mutable_ci()->set_owner(owner);
    v1::ConfigurationItem out;
    grpc::Status st = stub_->UpdateCI(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  void DeleteCi(const std::string& id, bool hard) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::DeleteCIRequest req;
    req.set_id(id);
    req.set_hard(hard);
    v1::DeleteCIResponse out;
    grpc::Status st = stub_->DeleteCI(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  std::string CreateRelationship(const std::string& type, const std::string& source, const std::string& target) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::CreateRelationshipRequest req;
    req.mutable_relationship()->set_type(type);
    req.mutable_relationship()->set_source_id(source);
    req.mutable_relationship()->set_target_id(target);
    v1::Relationship out;
    grpc::Status st = stub_->CreateRelationship(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.id();
  }
  void UpdateRelationship(const std::string& id, double weight) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::UpdateRelationshipRequest req;
    req.mutable_relationship()->set_id(id);
    (*req.mutable_relationship()->mutable_attributes()->mutable_fields())["weight"].set_number_value(weight);
    v1::Relationship out;
    grpc::Status st = stub_->UpdateRelationship(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  void DeleteRelationship(const std::string& id) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::DeleteRelationshipRequest req;
    req.set_id(id);
    v1::DeleteRelationshipResponse out;
    grpc::Status st = stub_->DeleteRelationship(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

 private:
  std::unique_ptr<v1::CmdbService::Stub> stub_;
  std::string token_;
};

// The change feed after `cursor` until caught up: each event as text (its
// cursor, changeset, operation and entity) and each event's cursor.
struct Feed {
  std::vector<std::string> events;
  std::vector<std::string> cursors;
  std::vector<int64_t> seqs;  // each event's changeset seq, from its cursor
};

Feed ReadFeed(Client& client, const std::string& cursor) {
  Feed feed;
  grpc::ClientContext ctx;
  client.Prepare(&ctx, std::chrono::seconds(60));
  v1::WatchChangesRequest req;
  req.set_since_cursor(cursor);
  req.set_heartbeat_seconds(1);
  auto reader = client.stub().WatchChanges(&ctx, req);
  v1::ChangeEvent event;
  bool caught_up = false;
  while (reader->Read(&event)) {
    if (event.caught_up()) {
      caught_up = true;
      break;
    }
    feed.events.push_back(event.ShortDebugString());
    feed.cursors.push_back(event.cursor());
    feed.seqs.push_back(std::stoll(event.cursor()));  // "<seq>" or "<seq>.<kind>.<id>.<version>"
  }
  ctx.TryCancel();
  reader->Finish().IgnoreError();
  EXPECT_TRUE(caught_up) << "the feed did not catch up";
  return feed;
}

// Everything the API shows of the database, as text that compares whole.
struct Contents {
  std::vector<std::string> cis;            // ListCIs, every page (retired CIs included)
  std::vector<std::string> history;        // GetCIHistory of every CI ever created, hard-deleted ones too
  std::vector<std::string> as_of;          // GetCI of each of them as of the middle of the feed
  std::vector<std::string> relationships;  // ListRelationships, every page, sorted
  Feed feed;                               // the whole feed: every CI and relationship version, with its changeset
};

Contents ReadContents(Client& client, const std::vector<std::string>& ci_ids) {
  Contents c;
  v1::ListCIsRequest list;
  list.set_page_size(7);  // several pages
  do {
    grpc::ClientContext ctx;
    client.Prepare(&ctx);
    v1::ListCIsResponse resp;
    grpc::Status st = client.stub().ListCIs(&ctx, list, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (!st.ok()) break;
    for (const auto& ci : resp.cis()) c.cis.push_back(ci.ShortDebugString());
    list.set_page_token(resp.next_page_token());
  } while (!list.page_token().empty());

  c.feed = ReadFeed(client, "");
  // A time in the middle of the history: the changeset of the middle event.
  google::protobuf::Timestamp middle;
  if (!c.feed.events.empty()) {
    grpc::ClientContext ctx;
    client.Prepare(&ctx, std::chrono::seconds(60));
    v1::WatchChangesRequest req;
    req.set_since_cursor(c.feed.cursors[c.feed.cursors.size() / 2]);
    auto reader = client.stub().WatchChanges(&ctx, req);
    v1::ChangeEvent event;
    if (reader->Read(&event)) middle = event.changeset().time();
    ctx.TryCancel();
    reader->Finish().IgnoreError();
  }
  for (const auto& id : ci_ids) {
    v1::GetCIHistoryRequest req;
    req.set_id(id);
    req.set_page_size(2);
    do {
      grpc::ClientContext ctx;
      client.Prepare(&ctx);
      v1::GetCIHistoryResponse resp;
      grpc::Status st = client.stub().GetCIHistory(&ctx, req, &resp);
      c.history.push_back(id + " " + std::to_string(st.error_code()));
      if (!st.ok()) break;
      for (const auto& v : resp.versions()) c.history.push_back(v.ShortDebugString());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());

    grpc::ClientContext ctx;
    client.Prepare(&ctx);
    v1::GetCIRequest get;
    get.set_id(id);
    *get.mutable_as_of() = middle;
    v1::ConfigurationItem ci;
    grpc::Status st = client.stub().GetCI(&ctx, get, &ci);
    c.as_of.push_back(std::to_string(st.error_code()) + " " + (st.ok() ? ci.ShortDebugString() : id));
  }
  v1::ListRelationshipsRequest rels;
  rels.set_page_size(2);
  do {
    grpc::ClientContext ctx;
    client.Prepare(&ctx);
    v1::ListRelationshipsResponse resp;
    grpc::Status st = client.stub().ListRelationships(&ctx, rels, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (!st.ok()) break;
    for (const auto& r : resp.relationships()) c.relationships.push_back(r.ShortDebugString());
    rels.set_page_token(resp.next_page_token());
  } while (!rels.page_token().empty());
  std::sort(c.relationships.begin(), c.relationships.end());
  return c;
}

// Lists equal, or the first difference and the sizes (whole lists would
// bury it).
void ExpectSameList(const std::vector<std::string>& got, const std::vector<std::string>& want, const char* what) {
  if (got == want) return;
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  ADD_FAILURE() << what << " differ: " << got.size() << " entries, expected " << want.size() << "; first difference at "
                << i << ":\n  got:      " << (i < got.size() ? got[i] : "(none)")
                << "\n  expected: " << (i < want.size() ? want[i] : "(none)");
}

void ExpectSameContents(const Contents& got, const Contents& want) {
  ExpectSameList(got.cis, want.cis, "current CIs");
  ExpectSameList(got.history, want.history, "CI histories");
  ExpectSameList(got.as_of, want.as_of, "CIs as of the middle of the history");
  ExpectSameList(got.relationships, want.relationships, "relationships");
  ExpectSameList(got.feed.events, want.feed.events, "change feeds (changesets, versions, cursors)");
}

// Like CmdbdProcess::Stop() (SIGTERM, true when cmdbd exited 0), but ends
// through Kill(), which also forgets the address, so that Start() can follow
// on the same dir. waitid(WNOWAIT) waits for the exit without reaping, so
// the SIGKILL that Kill() sends reaches only a zombie.
bool StopForRestart(CmdbdProcess& cmdbd) {
  if (cmdbd.pid() <= 0) return true;
  kill(cmdbd.pid(), SIGTERM);
  siginfo_t info{};
  const bool exited = waitid(P_PID, static_cast<id_t>(cmdbd.pid()), &info, WEXITED | WNOWAIT) == 0;
  cmdbd.Kill();
  return exited && info.si_code == CLD_EXITED && info.si_status == 0;
}

// cmdbd <args...>, its stderr kept in `dir`.
Output Cmdbd(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv = {CMDBD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, dir + "/cmdbd-verb.err");
}

// The number after "feed position " in a backup's or restore's report.
int64_t FeedPosition(const std::string& out) {
  const size_t at = out.find("feed position ");
  if (at == std::string::npos) return -1;
  return std::stoll(out.substr(at + 14));
}

// A history with every kind of change: creates, updates (several versions),
// relationships created, updated and deleted, a CI retired and one removed.
// Returns the ids of every CI created.
std::vector<std::string> WriteHistory(Client& client, const std::string& prefix) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(client.CreateCi(prefix + "-" + std::to_string(i)));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 12; i += 2) client.UpdateCi(ids[i], "team-" + std::to_string(round));
  }
  std::vector<std::string> rels;
  for (int i = 1; i < 8; ++i) rels.push_back(client.CreateRelationship("depends_on", ids[0], ids[i]));
  rels.push_back(client.CreateRelationship("connected_to", ids[8], ids[9]));
  client.UpdateRelationship(rels[0], 1);
  client.UpdateRelationship(rels[0], 2);
  client.DeleteRelationship(rels[1]);
  client.DeleteCi(ids[10], /*hard=*/false);
  client.DeleteCi(ids[9], /*hard=*/true);  // its relationship goes with it; its history stays
  return ids;
}

// Exact comparisons, mode 0600, the report's figures.
void ExpectBackupFile(const std::string& file, const Output& backup, int64_t latest_seq) {
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_GT(st.st_size, 0);
  EXPECT_EQ(FeedPosition(backup.out), latest_seq) << backup.out;
  EXPECT_THAT(backup.err, HasSubstr("does not hold the key that seals discovery credentials"));
}

TEST(BackupTest, EmbeddedRoundTripKeepsEveryVersionAndTheFeedResumes) {
  const auto started = Clock::now();
  CmdbdProcess source("cmdb-backup-src");
  const std::string token = source.Token("admin", "tester");
  ASSERT_FALSE(source.Start().empty()) << source.Log();
  std::vector<std::string> ids;
  Contents at_backup;
  {
    Client client(source.address(), token);
    ids = WriteHistory(client, "node");
    at_backup = ReadContents(client, ids);
  }
  ASSERT_GT(at_backup.feed.events.size(), 40u);
  // The cursor a watcher kept: in the middle of the history.
  const size_t middle = at_backup.feed.cursors.size() / 2;
  const std::string kept_cursor = at_backup.feed.cursors[middle];
  const std::vector<std::string> after_kept(at_backup.feed.events.begin() + static_cast<long>(middle) + 1,
                                            at_backup.feed.events.end());
  ASSERT_TRUE(StopForRestart(source));

  // cmdbd stopped: the backup starts the embedded PostgreSQL and stops it again.
  const std::string file = source.dir() + "/cmdb.dump";
  const Output backup = Cmdbd({"backup", file, "--data-dir", source.dir() + "/data"}, source.dir());
  ExpectBackupFile(file, backup, at_backup.feed.seqs.back());
  EXPECT_TRUE(std::filesystem::exists(source.dir() + "/data/pgdata/PG_VERSION"));
  EXPECT_FALSE(std::filesystem::exists(source.dir() + "/data/pgdata/postmaster.pid")) << "cluster left running";

  // Changes after the backup are not in it.
  ASSERT_FALSE(source.Start().empty()) << source.Log();
  {
    Client client(source.address(), token);
    client.CreateCi("after-backup");
    client.UpdateCi(ids[1], "later");
  }
  ASSERT_TRUE(StopForRestart(source));

  // Into a new data dir: the restore creates the cluster.
  CmdbdProcess copy("cmdb-backup-dst");
  const std::string copy_token = copy.Token("admin", "tester");
  const std::string copy_data = copy.dir() + "/data";
  const Output restore = Cmdbd({"restore", file, "--data-dir", copy_data}, copy.dir());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(FeedPosition(restore.out), at_backup.feed.seqs.back()) << restore.out;
  ASSERT_FALSE(copy.Start().empty()) << copy.Log();
  {
    Client client(copy.address(), copy_token);
    ExpectSameContents(ReadContents(client, ids), at_backup);
    // The watcher resumes from its cursor: exactly the rest up to the backup.
    ExpectSameList(ReadFeed(client, kept_cursor).events, after_kept, "feeds resumed from the kept cursor");

    // Under the running cmdbd: refused, nothing changed.
    const Output busy = Cmdbd({"restore", file, "--data-dir", copy_data, "--force"}, copy.dir());
    EXPECT_NE(busy.exit_code, 0);
    EXPECT_THAT(busy.err, HasSubstr("connected to the database"));
    EXPECT_EQ(std::count(busy.err.begin(), busy.err.end(), '\n'), 1) << busy.err;

    // A backup while cmdbd runs uses its cluster and leaves it running.
    const Output live = Cmdbd({"backup", copy.dir() + "/live.dump", "--data-dir", copy_data}, copy.dir());
    ExpectBackupFile(copy.dir() + "/live.dump", live, at_backup.feed.seqs.back());

    // The feed goes on after the restored history.
    const std::string fresh = client.CreateCi("after-restore");
    const Feed next = ReadFeed(client, at_backup.feed.cursors.back());
    ASSERT_EQ(next.events.size(), 1u);
    EXPECT_THAT(next.events[0], HasSubstr(fresh));
    EXPECT_GT(next.seqs[0], at_backup.feed.seqs.back());
  }
  ASSERT_TRUE(StopForRestart(copy));

  // Into a database with CMDB data: refused with the count, nothing changed.
  const Output full = Cmdbd({"restore", file, "--data-dir", copy_data}, copy.dir());
  EXPECT_NE(full.exit_code, 0);
  const std::string expected_count = std::to_string(at_backup.cis.size() + 1) + " CIs";
  EXPECT_THAT(full.err, HasSubstr(expected_count));
  EXPECT_THAT(full.err, HasSubstr("--force"));
  ASSERT_FALSE(copy.Start().empty()) << copy.Log();
  {
    Client client(copy.address(), copy_token);
    EXPECT_EQ(ReadContents(client, ids).cis.size(), at_backup.cis.size() + 1) << "the refused restore changed data";
  }
  ASSERT_TRUE(StopForRestart(copy));

  // --force replaces it: back to the backup exactly.
  const Output forced = Cmdbd({"restore", file, "--data-dir", copy_data, "--force"}, copy.dir());
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  ASSERT_FALSE(copy.Start().empty()) << copy.Log();
  {
    Client client(copy.address(), copy_token);
    ExpectSameContents(ReadContents(client, ids), at_backup);
  }
  ASSERT_TRUE(copy.Stop());
  std::cout << at_backup.feed.events.size() << " feed events, " << at_backup.cis.size() << " CIs, "
            << at_backup.history.size() << " history lines; backup " << std::filesystem::file_size(file)
            << " bytes; test took " << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";
  source.RemoveDir();
  copy.RemoveDir();
}

// A backup taken while writers commit is one snapshot: the restored copy
// holds exactly the changesets up to the seq the backup reported, whole.
TEST(BackupTest, BackupUnderWritesIsOneSnapshot) {
  CmdbdProcess source("cmdb-backup-live");
  const std::string token = source.Token("admin", "tester");
  ASSERT_FALSE(source.Start().empty()) << source.Log();
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    Client client(source.address(), token);
    for (int i = 0; !stop.load(); ++i) {
      client.CreateCi("live-" + std::to_string(i));
      ++written;
    }
  });
  while (written.load() < 30) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string file = source.dir() + "/live.dump";
  const Output backup = Cmdbd({"backup", file, "--data-dir", source.dir() + "/data"}, source.dir());
  const int at_backup_end = written.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  const int64_t position = FeedPosition(backup.out);
  Feed whole;
  {
    Client client(source.address(), token);
    whole = ReadFeed(client, "");
  }
  ASSERT_TRUE(source.Stop());
  std::vector<std::string> expected;
  for (size_t i = 0; i < whole.events.size(); ++i) {
    if (whole.seqs[i] <= position) expected.push_back(whole.events[i]);
  }
  EXPECT_GE(expected.size(), 30u);
  EXPECT_LT(expected.size(), whole.events.size()) << "no write committed after the backup: the test proves little";

  CmdbdProcess copy("cmdb-backup-live-dst");
  const std::string copy_token = copy.Token("admin", "tester");
  const Output restore = Cmdbd({"restore", file, "--data-dir", copy.dir() + "/data"}, copy.dir());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  ASSERT_FALSE(copy.Start().empty()) << copy.Log();
  {
    Client client(copy.address(), copy_token);
    ExpectSameList(ReadFeed(client, "").events, expected, "feeds up to the backup");
  }
  ASSERT_TRUE(copy.Stop());
  std::cout << "writes during the test " << written.load() << " (" << at_backup_end
            << " acknowledged when the backup ended); backup at seq " << position << " holds " << expected.size()
            << " of " << whole.events.size() << " events\n";
  source.RemoveDir();
  copy.RemoveDir();
}

// An external database (--db-url, --db-url-file with a password in the URL):
// backup, restore into another database of the server, refusals.
TEST(BackupTest, ExternalDatabaseRoundTrip) {
  CmdbdProcess source("cmdb-backup-ext");
  db::EmbeddedPostgres::Options pg_options;
  pg_options.data_dir = source.dir() + "/pg";
  pg_options.database = "cmdb";
  pg_options.durable = false;
  auto pg = db::EmbeddedPostgres::Start(pg_options);
  ASSERT_TRUE(pg.ok()) << pg.status();
  const std::string url = (*pg)->url();
  const std::string token = source.Token("admin", "tester");
  ASSERT_FALSE(source.Start({"--db-url", url}).empty()) << source.Log();
  std::vector<std::string> ids;
  Contents at_backup;
  {
    Client client(source.address(), token);
    ids = WriteHistory(client, "ext");
    at_backup = ReadContents(client, ids);
  }
  ASSERT_TRUE(StopForRestart(source));

  // The server trusts the socket, so the password is not checked; it goes
  // the way a real one would (the environment of pg_dump / pg_restore).
  const std::string url_file = source.dir() + "/db-url";
  {
    std::ofstream out(url_file);
    out << url << " password=not-checked\n";
  }
  const std::string file = source.dir() + "/ext.dump";
  const Output backup = Cmdbd({"backup", file, "--db-url-file", url_file}, source.dir());
  ExpectBackupFile(file, backup, at_backup.feed.seqs.back());
  EXPECT_THAT(backup.err, HasSubstr("--secret-key-file"));

  // Into the database it came from: it has data, refused.
  const Output full = Cmdbd({"restore", file, "--db-url", url}, source.dir());
  EXPECT_NE(full.exit_code, 0);
  EXPECT_THAT(full.err, HasSubstr(std::to_string(at_backup.cis.size()) + " CIs"));

  ASSERT_TRUE((*pg)->CreateDatabase("cmdb_restored").ok());
  const std::string restored_url = (*pg)->Url("cmdb_restored");
  const Output restore = Cmdbd({"restore", file, "--db-url", restored_url}, source.dir());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  ASSERT_FALSE(source.Start({"--db-url", restored_url}).empty()) << source.Log();
  {
    Client client(source.address(), token);
    ExpectSameContents(ReadContents(client, ids), at_backup);
    const Output busy = Cmdbd({"restore", file, "--db-url", restored_url, "--force"}, source.dir());
    EXPECT_NE(busy.exit_code, 0);
    EXPECT_THAT(busy.err, HasSubstr("connected to the database"));
  }
  ASSERT_TRUE(source.Stop());
  (*pg)->Stop().IgnoreError();
  source.RemoveDir();
}

}  // namespace
}  // namespace cmdb::testing
