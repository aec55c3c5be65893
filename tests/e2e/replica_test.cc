// Scale-out on PostgreSQL's own streaming replication: a primary and a
// replica made with pg_basebackup, side by side on Unix sockets. With
// --read-db-url, Get and List are served by the replica once it has the
// caller's own writes (read-your-writes) and by the primary when it does
// not or cannot answer; with both hosts in --db-url
// (target_session_attrs=read-write), cmdbd follows a promotion of the
// replica (pg_ctl promote) after the primary dies, and with synchronous
// replication no acknowledged write is lost.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "db/embedded_postgres.h"
#include "db/process.h"
#include "support/cli_harness.h"
#include "support/writers.h"

namespace cmdb::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

// Runs a PostgreSQL tool as the user the embedded clusters run as.
void RunPgTool(const std::vector<std::string>& argv) {
  db::ProcessOptions options;
  if (db::RunningAsRoot()) options.user = "postgres";
  auto result = db::RunProcess(argv, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << argv[0] << ": " << result->output;
}

// The socket directory of an embedded cluster's URL ("host=DIR port=...").
std::string SocketDir(const std::string& url) {
  const size_t from = url.find("host=") + 5;
  return url.substr(from, url.find(' ', from) - from);
}

// A primary and a streaming replica of it, each an embedded cluster in a
// directory of its own under `dir`.
class ReplicatedPair {
 public:
  explicit ReplicatedPair(const std::string& dir) : dir_(dir) {}

  void Start() {
    db::EmbeddedPostgres::Options options;
    options.data_dir = dir_ + "/primary";
    options.database = "cmdb";
    auto primary = db::EmbeddedPostgres::Start(options);
    ASSERT_TRUE(primary.ok()) << primary.status();
    primary_ = std::move(*primary);

    const std::string replica_dir = dir_ + "/replica";
    std::filesystem::create_directories(replica_dir);
    chmod(replica_dir.c_str(), 0700);
    if (db::RunningAsRoot()) {
      const passwd* postgres = getpwnam("postgres");
      ASSERT_NE(postgres, nullptr);
      ASSERT_EQ(chown(replica_dir.c_str(), postgres->pw_uid, postgres->pw_gid), 0);
    }
    RunPgTool({std::string(kPgBin) + "/pg_basebackup", "-D", replica_dir + "/pgdata", "-R", "-X", "stream", "-c",
               "fast", "-d", "host=" + SocketDir(primary_->url()) + " port=5432 user=postgres"});
    options.data_dir = replica_dir;
    auto replica = db::EmbeddedPostgres::Start(options);
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = std::move(*replica);
  }

  // A commit returns once the replica has it on disk.
  void MakeSynchronous() {
    pqxx::connection c(primary_->Url("postgres"));
    pqxx::nontransaction txn(c);
    txn.exec0("ALTER SYSTEM SET synchronous_standby_names = '*'");
    txn.exec("SELECT pg_reload_conf()");
  }

  // Runs `sql` on the replica, as its superuser.
  void OnReplica(const std::string& sql) {
    pqxx::connection c(replica_->Url("postgres"));
    pqxx::nontransaction txn(c);
    txn.exec(sql);
  }

  db::EmbeddedPostgres& primary() { return *primary_; }
  db::EmbeddedPostgres& replica() { return *replica_; }

 private:
  std::string dir_;
  std::unique_ptr<db::EmbeddedPostgres> primary_, replica_;
};

grpc::Status GetCI(v1::CmdbService::Stub& stub, const std::string& token, const std::string& id) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  v1::GetCIRequest req;
  req.set_id(id);
  v1::ConfigurationItem out;
  return stub.GetCI(&ctx, req, &out);
}

// How many CIs named `name` the caller lists; -1 on an error.
int ListNamed(v1::CmdbService::Stub& stub, const std::string& token, const std::string& name) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  v1::ListCIsRequest req;
  req.set_filter("name = \"" + name + "\"");
  v1::ListCIsResponse out;
  if (!stub.ListCIs(&ctx, req, &out).ok()) return -1;
  return out.cis_size();
}

std::string Create(v1::CmdbService::Stub& stub, const std::string& token, const std::string& name) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  v1::CreateCIRequest req;
  req.mutable_ci()->set_class_name("server");
  req.mutable_ci()->set_name(name);
  v1::ConfigurationItem out;
  grpc::Status st = stub.CreateCI(&ctx, req, &out);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return out.id();
}

// Polls until `token` reads CI `id`; whether it did within `limit`.
bool WaitUntilVisible(v1::CmdbService::Stub& stub, const std::string& token, const std::string& id,
                      std::chrono::seconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (GetCI(stub, token, id).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(ReplicaTest, ReadsGoToTheReplicaAndEachCallerReadsItsOwnWrites) {
  CmdbdProcess cmdbd("cmdb-replica-reads");
  ReplicatedPair pair(cmdbd.dir());
  ASSERT_NO_FATAL_FAILURE(pair.Start());
  const std::string alice = cmdbd.Token("editor", "alice");
  const std::string bob = cmdbd.Token("viewer", "bob");
  ASSERT_FALSE(cmdbd.Start({"--db-url", pair.primary().url(), "--read-db-url", pair.replica().url()}).empty())
      << cmdbd.Log();
  auto stub = v1::CmdbService::NewStub(grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials()));

  const std::string shared = Create(*stub, alice, "seen-by-all");
  ASSERT_TRUE(WaitUntilVisible(*stub, bob, shared, std::chrono::seconds(30)));

  // The replica stops replaying: what alice writes now is only on the primary.
  pair.OnReplica("SELECT pg_wal_replay_pause()");
  const std::string mine = Create(*stub, alice, "alice-only");
  // Alice reads her own write at once: her reads go to the primary until
  // the replica has it.
  EXPECT_TRUE(GetCI(*stub, alice, mine).ok());
  EXPECT_EQ(ListNamed(*stub, alice, "alice-only"), 1);
  // Bob's reads are served by the paused replica: he does not see it yet,
  // but sees what was replayed.
  EXPECT_EQ(GetCI(*stub, bob, mine).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ListNamed(*stub, bob, "alice-only"), 0);
  EXPECT_EQ(ListNamed(*stub, bob, "seen-by-all"), 1);

  pair.OnReplica("SELECT pg_wal_replay_resume()");
  const auto resumed = Clock::now();
  ASSERT_TRUE(WaitUntilVisible(*stub, bob, mine, std::chrono::seconds(30)));
  std::cout << "bob saw alice's write " << std::chrono::duration<double>(Clock::now() - resumed).count()
            << " s after the replica resumed replaying\n";
  // Once the replica has her write, alice's reads go back to it: pause it
  // again and her next write is read from the primary, the older one from
  // either.
  pair.OnReplica("SELECT pg_wal_replay_pause()");
  const std::string later = Create(*stub, alice, "alice-later");
  EXPECT_TRUE(GetCI(*stub, alice, later).ok());
  EXPECT_EQ(GetCI(*stub, bob, later).error_code(), grpc::StatusCode::NOT_FOUND);
  pair.OnReplica("SELECT pg_wal_replay_resume()");

  // The replica dies: reads go to the primary, nothing fails.
  RunPgTool({std::string(kPgBin) + "/pg_ctl", "-D", pair.replica().data_dir() + "/pgdata", "-m", "immediate",
             "stop"});
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(GetCI(*stub, bob, later).ok()) << "read " << i << " with the replica down";
    ASSERT_EQ(ListNamed(*stub, bob, "alice-only"), 1) << "list " << i << " with the replica down";
  }
  EXPECT_NE(cmdbd.Log().find("read replica unavailable"), std::string::npos) << cmdbd.Log();
  EXPECT_EQ(HealthStatus(*grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials())), 1);
  EXPECT_TRUE(cmdbd.Stop());
  pair.primary().Stop().IgnoreError();
  cmdbd.RemoveDir();
}

TEST(ReplicaTest, PromotedReplicaTakesOverWithoutLosingAnAcknowledgedWrite) {
  CmdbdProcess cmdbd("cmdb-replica-promote");
  ReplicatedPair pair(cmdbd.dir());
  ASSERT_NO_FATAL_FAILURE(pair.Start());
  ASSERT_NO_FATAL_FAILURE(pair.MakeSynchronous());
  const std::string token = cmdbd.Token("editor", "writer");
  // Both hosts: libpq connects to whichever accepts writes.
  const std::string both = "host=" + SocketDir(pair.primary().url()) + "," + SocketDir(pair.replica().url()) +
                           " port=5432,5432 user=postgres dbname=cmdb target_session_attrs=read-write";
  ASSERT_FALSE(cmdbd.Start({"--db-url", both, "--read-db-url", pair.replica().url()}).empty()) << cmdbd.Log();
  auto channel = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());

  Writers writers(channel, token, 2);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const size_t before = writers.acknowledged().size();
  // The primary dies; the replica is promoted.
  RunPgTool({std::string(kPgBin) + "/pg_ctl", "-D", pair.primary().data_dir() + "/pgdata", "-m", "immediate",
             "stop"});
  const auto died = Clock::now();
  RunPgTool({std::string(kPgBin) + "/pg_ctl", "-D", pair.replica().data_dir() + "/pgdata", "-w", "promote"});
  const size_t at_promotion = writers.acknowledged().size();
  double first_write_after = -1;
  while (Clock::now() - died < std::chrono::seconds(60)) {
    if (writers.acknowledged().size() > at_promotion + 10) {
      first_write_after = std::chrono::duration<double>(Clock::now() - died).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  writers.Stop();
  ASSERT_GE(first_write_after, 0) << "no write succeeded after the promotion\n" << cmdbd.Log();

  // Every acknowledged write, before and after the failover, is on the
  // promoted replica.
  auto stub = v1::CmdbService::NewStub(channel);
  const auto acknowledged = writers.acknowledged();
  EXPECT_EQ(CountPresent(*stub, token, acknowledged), static_cast<int>(acknowledged.size()));
  EXPECT_EQ(WaitForHealth(*channel, 1, std::chrono::seconds(10)) >= 0, true);
  std::map<grpc::StatusCode, int> codes = writers.codes();
  for (const auto& [code, n] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE) << n << " writes got " << code;
  }
  std::cout << "failover: " << before << " writes acknowledged before the primary died, " << acknowledged.size()
            << " in all, all present on the promoted replica; writes acknowledged again "
            << first_write_after << " s after the primary died; " << codes[grpc::StatusCode::UNAVAILABLE]
            << " answered UNAVAILABLE meanwhile\n";
  EXPECT_TRUE(cmdbd.Stop());
  pair.replica().Stop().IgnoreError();
  cmdbd.RemoveDir();
}

}  // namespace
}  // namespace cmdb::testing
