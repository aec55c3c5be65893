// Faults against a real cmdbd process: its database lost under load and
// back, its embedded PostgreSQL killed, cmdbd itself killed in the middle of
// a 50,000-CI BatchWrite and of a 50,000-item reconcile stream. Every call answers within its deadline
// (UNAVAILABLE while the database is away), health follows the database,
// cmdbd recovers without a restart, every acknowledged write is there
// afterwards, a changeset is whole or absent, and the change feed resumes
// from a cursor with no gap and no repeat.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/reconcile.grpc.pb.h"
#include "db/embedded_postgres.h"
#include "db/process.h"
#include "support/cli_harness.h"
#include "support/raw_call.h"
#include "support/writers.h"

namespace cmdb::testing {
namespace {

using Clock = std::chrono::steady_clock;

TEST(FaultsTest, DatabaseLostUnderLoadAndBack) {
  CmdbdProcess cmdbd("cmdb-faults-db");
  // The database: a cluster of the test's own, which it stops and starts.
  db::EmbeddedPostgres::Options pg_options;
  pg_options.data_dir = cmdbd.dir() + "/pg";
  pg_options.database = "cmdb";
  auto pg = db::EmbeddedPostgres::Start(pg_options);
  ASSERT_TRUE(pg.ok()) << pg.status();
  const std::string token = cmdbd.Token("editor", "writer");
  ASSERT_FALSE(cmdbd.Start({"--db-url", (*pg)->url()}).empty()) << cmdbd.Log();
  auto channel = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());
  auto stub = v1::CmdbService::NewStub(channel);
  ASSERT_EQ(HealthStatus(*channel), 1);

  Writers writers(channel, token, 4);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto before_outage = writers.codes()[grpc::StatusCode::OK];
  // PostgreSQL goes away at once (no shutdown checkpoint, connections cut).
  auto stopped = db::RunProcess(
      {"/usr/lib/postgresql/15/bin/pg_ctl", "-D", pg_options.data_dir + "/pgdata", "-m", "immediate", "-w", "stop"},
      db::ProcessOptions{db::RunningAsRoot() ? "postgres" : ""});
  ASSERT_TRUE(stopped.ok() && stopped->exit_code == 0);
  const double to_not_serving = WaitForHealth(*channel, 2, std::chrono::seconds(10));
  EXPECT_GE(to_not_serving, 0) << "health stayed SERVING with the database stopped";
  EXPECT_LT(to_not_serving, 3.0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto during = writers.codes();
  // Back again, on the same data directory.
  (*pg)->Detach();  // its destructor would stop the cluster the test restarts
  pg->reset();
  auto again = db::EmbeddedPostgres::Start(pg_options);
  ASSERT_TRUE(again.ok()) << again.status();
  const double to_serving = WaitForHealth(*channel, 1, std::chrono::seconds(30));
  EXPECT_GE(to_serving, 0) << "health did not return to SERVING";
  std::this_thread::sleep_for(std::chrono::seconds(2));
  writers.Stop();

  const auto codes = writers.codes();
  EXPECT_GT(before_outage, 0);
  EXPECT_GT(during.count(grpc::StatusCode::UNAVAILABLE) ? during.at(grpc::StatusCode::UNAVAILABLE) : 0, 0)
      << "no call saw the database missing";
  EXPECT_GT(codes.at(grpc::StatusCode::OK), before_outage) << "no write succeeded after the database came back";
  for (const auto& [code, n] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE ||
                code == grpc::StatusCode::DEADLINE_EXCEEDED)
        << n << " calls answered " << code;
  }
  EXPECT_LT(writers.slowest(), 4.5) << "a call hung past its deadline";
  const auto acknowledged = writers.acknowledged();
  EXPECT_EQ(CountPresent(*stub, token, acknowledged), static_cast<int>(acknowledged.size()));
  std::cout << "acknowledged writes: " << acknowledged.size() << ", by code:";
  for (const auto& [code, n] : codes) std::cout << " " << code << "=" << n;
  std::cout << "; NOT_SERVING after " << to_not_serving << " s, SERVING " << to_serving << " s after the restart\n";
  EXPECT_TRUE(cmdbd.Stop()) << "cmdbd did not exit cleanly";
  (*again)->Stop().IgnoreError();
  cmdbd.RemoveDir();
}

TEST(FaultsTest, EmbeddedPostgresKilledIsStartedAgain) {
  CmdbdProcess cmdbd("cmdb-faults-embedded");
  const std::string token = cmdbd.Token("editor", "writer");
  ASSERT_FALSE(cmdbd.Start().empty()) << cmdbd.Log();
  auto channel = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());
  auto stub = v1::CmdbService::NewStub(channel);
  ASSERT_EQ(HealthStatus(*channel), 1);

  Writers writers(channel, token, 2);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::ifstream pid_file(cmdbd.dir() + "/data/pgdata/postmaster.pid");
  pid_t postmaster = 0;
  ASSERT_TRUE(pid_file >> postmaster);
  ASSERT_EQ(kill(postmaster, SIGKILL), 0);
  const double to_not_serving = WaitForHealth(*channel, 2, std::chrono::seconds(10));
  EXPECT_GE(to_not_serving, 0) << "health stayed SERVING with the postmaster killed";
  const double to_serving = WaitForHealth(*channel, 1, std::chrono::seconds(120));
  ASSERT_GE(to_serving, 0) << "the embedded PostgreSQL was not started again\n" << cmdbd.Log();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto before_stop = writers.codes()[grpc::StatusCode::OK];
  std::this_thread::sleep_for(std::chrono::seconds(1));
  writers.Stop();
  EXPECT_GT(writers.codes()[grpc::StatusCode::OK], before_stop) << "no write succeeded after the restart";
  for (const auto& [code, n] : writers.codes()) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE ||
                code == grpc::StatusCode::DEADLINE_EXCEEDED)
        << n << " calls answered " << code;
  }
  const auto acknowledged = writers.acknowledged();
  EXPECT_EQ(CountPresent(*stub, token, acknowledged), static_cast<int>(acknowledged.size()));
  EXPECT_THAT(cmdbd.Log(), ::testing::HasSubstr("embedded PostgreSQL started again"));
  std::cout << "acknowledged writes: " << acknowledged.size() << "; NOT_SERVING after " << to_not_serving
            << " s, SERVING again " << to_serving << " s later\n";
  EXPECT_TRUE(cmdbd.Stop());
  cmdbd.RemoveDir();
}

// The change feed through WatchChanges after `cursor` until caught up (or
// until the stream ends): each event's entity and version, and the cursor
// after the last one (`cursor` itself if none).
struct FeedRead {
  std::vector<std::string> keys;
  std::string cursor;
  bool caught_up = false;
};

FeedRead WatchUntilCaughtUp(v1::CmdbService::Stub& stub, const std::string& token, const std::string& cursor,
                            grpc::ClientContext* ctx, std::atomic<bool>* stop_at_caught_up) {
  FeedRead out;
  out.cursor = cursor;
  ctx->AddMetadata("authorization", "Bearer " + token);
  v1::WatchChangesRequest req;
  req.set_since_cursor(cursor);
  req.set_heartbeat_seconds(1);
  auto reader = stub.WatchChanges(ctx, req);
  v1::ChangeEvent event;
  while (reader->Read(&event)) {
    if (event.caught_up()) {
      out.caught_up = true;
      if (stop_at_caught_up->load()) break;
      continue;
    }
    out.keys.push_back(event.has_ci()
                           ? "ci/" + event.ci().id() + "/" + std::to_string(event.ci().version())
                           : "rel/" + event.relationship().id() + "/" + std::to_string(event.relationship().version()));
    out.cursor = event.cursor();
  }
  ctx->TryCancel();
  reader->Finish().IgnoreError();
  return out;
}

FeedRead WholeFeedAfter(v1::CmdbService::Stub& stub, const std::string& token, const std::string& cursor) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  std::atomic<bool> stop{true};
  return WatchUntilCaughtUp(stub, token, cursor, &ctx, &stop);
}

// The large write a test kills cmdbd in the middle of: it runs on its own
// thread, sets `sent` once its whole request has left the client (for a
// stream: after WritesDone) and returns the call's status.
using LargeWrite = std::function<grpc::Status(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                                              std::atomic<bool>& sent)>;

// kill -9 of cmdbd while `write` (which creates `count` CIs of `big_class`)
// is being processed, with 2 writers and a watcher following the feed; cmdbd
// is started again on the same data dir (the embedded cluster still
// running). Every acknowledged write is there, the large write is whole or
// absent, and the watcher resuming from its last cursor gets the rest of
// the feed with no gap and no repeat.
void KillMidWriteAndRestart(const std::string& name, const LargeWrite& write, const std::string& big_class,
                            int count) {
  CmdbdProcess cmdbd(name);
  const std::string token = cmdbd.Token("editor", "writer");
  ASSERT_FALSE(cmdbd.Start().empty()) << cmdbd.Log();
  auto channel = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());
  auto stub = v1::CmdbService::NewStub(channel);

  // A watcher following the feed from the first change until cmdbd dies.
  grpc::ClientContext watch_ctx;
  std::atomic<bool> never{false};
  FeedRead before_kill;
  std::thread watcher([&] { before_kill = WatchUntilCaughtUp(*stub, token, "", &watch_ctx, &never); });
  Writers writers(channel, token, 2);
  std::this_thread::sleep_for(std::chrono::seconds(1));

  std::atomic<bool> sent{false}, done{false};
  grpc::Status status;
  std::thread big([&] {
    status = write(channel, token, sent);
    done = true;
  });
  for (int i = 0; i < 600 && !sent.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const bool in_flight = sent.load() && !done.load();
  cmdbd.Kill();
  big.join();
  writers.Stop();
  watcher.join();
  EXPECT_TRUE(in_flight) << "the large write was not in flight at the kill (" << status.error_message() << ")";
  EXPECT_FALSE(status.ok());

  // Started again on the same data dir, the embedded PostgreSQL still running.
  ASSERT_FALSE(cmdbd.Start().empty()) << cmdbd.Log();
  auto channel2 = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());
  auto stub2 = v1::CmdbService::NewStub(channel2);
  const auto acknowledged = writers.acknowledged();
  EXPECT_EQ(CountPresent(*stub2, token, acknowledged), static_cast<int>(acknowledged.size()));

  // Resuming from the watcher's last cursor gives exactly what the whole
  // feed holds after what it saw.
  const FeedRead rest = WholeFeedAfter(*stub2, token, before_kill.cursor);
  const FeedRead whole = WholeFeedAfter(*stub2, token, "");
  ASSERT_TRUE(rest.caught_up && whole.caught_up);
  std::vector<std::string> joined = before_kill.keys;
  joined.insert(joined.end(), rest.keys.begin(), rest.keys.end());
  EXPECT_EQ(joined, whole.keys) << "the resumed feed has a gap or a repeat";
  std::set<std::string> unique(whole.keys.begin(), whole.keys.end());
  EXPECT_EQ(unique.size(), whole.keys.size());

  // The killed write: all of it or none of it.
  v1::ListCIsRequest list;
  list.set_filter("class = \"" + big_class + "\"");
  list.set_page_size(1000);
  int present = 0;
  do {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::ListCIsResponse resp;
    ASSERT_TRUE(stub2->ListCIs(&ctx, list, &resp).ok());
    present += resp.cis_size();
    list.set_page_token(resp.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_TRUE(present == 0 || present == count) << present << " of the large write's " << count << " CIs";
  std::cout << name << ": acknowledged writes: " << acknowledged.size()
            << ", all present; large write in flight at the kill: " << in_flight
            << ", its CIs after the restart: " << present << " of " << count << "; feed events seen before the kill "
            << before_kill.keys.size() << ", after resuming " << rest.keys.size() << "\n";
  EXPECT_TRUE(cmdbd.Stop());
  cmdbd.RemoveDir();
}

TEST(FaultsTest, CmdbdKilledMidBatchLosesNothingAndTheFeedResumes) {
  constexpr int kBatch = 50000;
  KillMidWriteAndRestart(
      "cmdb-faults-kill",
      [](const std::shared_ptr<grpc::Channel>& channel, const std::string& token, std::atomic<bool>& sent) {
        v1::BatchWriteRequest req;
        for (int i = 0; i < kBatch; ++i) {
          auto* create = req.add_creates();
          create->mutable_ci()->set_class_name("workstation");
          create->mutable_ci()->set_name("big-" + std::to_string(i));
        }
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + token);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
        v1::BatchWriteResponse resp;
        sent = true;  // one message: in flight from the start
        return v1::CmdbService::NewStub(channel)->BatchWrite(&ctx, req, &resp);
      },
      "workstation", kBatch);
}

// The same in the middle of a reconcile stream: 50,000 findings in 25
// messages, killed while cmdbd works through them after the last one.
TEST(FaultsTest, CmdbdKilledMidReconcileStreamLosesNothingAndTheFeedResumes) {
  constexpr int kItems = 50000, kPerMessage = 2000;
  KillMidWriteAndRestart(
      "cmdb-faults-kill-stream",
      [](const std::shared_ptr<grpc::Channel>& channel, const std::string& token, std::atomic<bool>& sent) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + token);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
        v1::ReconcileResponse resp;
        auto stub = v1::ReconciliationService::NewStub(channel);
        auto writer = stub->StreamReconcile(&ctx, &resp);
        for (int first = 0; first < kItems; first += kPerMessage) {
          v1::ReconcileRequest chunk;
          if (first == 0) chunk.set_source("inventory");
          for (int i = first; i < first + kPerMessage; ++i) {
            auto* item = chunk.add_items();
            item->set_ref("r" + std::to_string(i));
            item->set_class_name("workstation");
            item->set_name("found-" + std::to_string(i));
            (*item->mutable_attributes()->mutable_fields())["serial_number"].set_string_value("SN" + std::to_string(i));
          }
          if (!writer->Write(chunk)) break;
        }
        writer->WritesDone();
        sent = true;
        return writer->Finish();
      },
      "workstation", kItems);
}

// Polls `process`'s log for `text` for up to `limit`; whether it came.
bool WaitForLog(const CmdbdProcess& process, const std::string& text, std::chrono::seconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (process.Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Two cmdbd on one database: both serve, and one at a time runs the
// once-only work (discovery scheduler, staleness sweep); when it stops, the
// other takes over by itself.
TEST(FaultsTest, TwoCmdbdOnOneDatabaseHaveOneLeaderAndItPassesOn) {
  CmdbdProcess a("cmdb-faults-lead-a"), b("cmdb-faults-lead-b");
  db::EmbeddedPostgres::Options pg_options;
  pg_options.data_dir = a.dir() + "/pg";
  pg_options.database = "cmdb";
  auto pg = db::EmbeddedPostgres::Start(pg_options);
  ASSERT_TRUE(pg.ok()) << pg.status();
  const std::string token_a = a.Token("editor", "writer-a");
  const std::string token_b = b.Token("viewer", "reader-b");
  ASSERT_FALSE(a.Start({"--db-url", (*pg)->url()}).empty()) << a.Log();
  ASSERT_FALSE(b.Start({"--db-url", (*pg)->url()}).empty()) << b.Log();
  const std::string kLeader = "leader: this cmdbd runs";
  ASSERT_TRUE(WaitForLog(a, kLeader, std::chrono::seconds(10)) || WaitForLog(b, kLeader, std::chrono::seconds(1)));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // several checks on both sides
  const bool a_leads = a.Log().find(kLeader) != std::string::npos;
  const bool b_leads = b.Log().find(kLeader) != std::string::npos;
  EXPECT_NE(a_leads, b_leads) << "exactly one cmdbd must lead";

  // Both serve the same data: a write through one is read through the other.
  auto stub_a = v1::CmdbService::NewStub(grpc::CreateChannel(a.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext create_ctx;
  create_ctx.AddMetadata("authorization", "Bearer " + token_a);
  v1::CreateCIRequest create;
  create.mutable_ci()->set_class_name("server");
  create.mutable_ci()->set_name("shared");
  v1::ConfigurationItem created;
  ASSERT_TRUE(stub_a->CreateCI(&create_ctx, create, &created).ok());
  auto stub_b = v1::CmdbService::NewStub(grpc::CreateChannel(b.address(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(CountPresent(*stub_b, token_b, {created.id()}), 1);

  // The leader stops: the other takes over.
  CmdbdProcess& leader = a_leads ? a : b;
  CmdbdProcess& other = a_leads ? b : a;
  const auto stopped_at = Clock::now();
  EXPECT_TRUE(leader.Stop());
  EXPECT_TRUE(WaitForLog(other, kLeader, std::chrono::seconds(15))) << other.Log();
  std::cout << "leader handed over " << std::chrono::duration<double>(Clock::now() - stopped_at).count()
            << " s after the old leader was stopped\n";
  EXPECT_TRUE(other.Stop());
  (*pg)->Stop().IgnoreError();
  a.RemoveDir();
  b.RemoveDir();
}

// What 48 refused 15 MiB calls may add to cmdbd's peak resident memory
// with --max-memory-mb 64 (without a quota they added about 530 MiB).
constexpr long kMaxGrowthKib = 256 << 10;

// A line of /proc/PID/status in KiB ("VmHWM", "VmRSS"); -1 if absent.
long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Many large requests without a token at once: each is refused, and what
// cmdbd holds for them is bounded by the message limit and the memory quota.
// Afterwards a caller with a token is served, large request and all.
TEST(FaultsTest, LargeUnauthenticatedRequestsAreRefusedWithBoundedMemory) {
  CmdbdProcess cmdbd("cmdb-faults-memory");
  const std::string token = cmdbd.Token("editor", "someone");
  ASSERT_FALSE(cmdbd.Start({"--max-memory-mb", "64"}).empty()) << cmdbd.Log();
  auto channel = grpc::CreateChannel(cmdbd.address(), grpc::InsecureChannelCredentials());
  ASSERT_EQ(HealthStatus(*channel), 1);
  const long rss_before = StatusKib(cmdbd.pid(), "VmRSS");

  v1::CreateCIRequest req;
  req.mutable_ci()->set_class_name("server");
  req.mutable_ci()->set_name("big");
  (*req.mutable_ci()->mutable_attributes()->mutable_fields())["note"].set_string_value(std::string(15 << 20, 'x'));
  std::string bytes;
  ASSERT_TRUE(req.SerializeToString(&bytes));
  constexpr int kClients = 16, kRounds = 3;
  std::mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // A connection of its own per client, as an attacker would use.
      grpc::ChannelArguments args;
      args.SetInt("cmdb.test.client", c);
      auto own = grpc::CreateCustomChannel(cmdbd.address(), grpc::InsecureChannelCredentials(), args);
      for (int r = 0; r < kRounds; ++r) {
        grpc::Status st = CallRaw(*own, "/cmdb.v1.CmdbService/CreateCI", "", bytes);
        std::lock_guard lock(mu);
        ++codes[st.error_code()];
      }
    });
  }
  for (auto& t : clients) t.join();
  const long peak = StatusKib(cmdbd.pid(), "VmHWM");
  ASSERT_EQ(HealthStatus(*channel), 1) << "cmdbd stopped serving";
  // Refused for want of a token, or by the quota before it was read
  // (RESOURCE_EXHAUSTED, or UNAVAILABLE when gRPC closed the connection).
  for (const auto& [code, n] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                code == grpc::StatusCode::UNAVAILABLE)
        << n << " calls answered " << code;
  }
  EXPECT_GT(codes[grpc::StatusCode::UNAUTHENTICATED], 0);
  // A caller with a token: a 12 MiB request is read and answered.
  (*req.mutable_ci()->mutable_attributes()->mutable_fields())["note"].set_string_value(std::string(12 << 20, 'x'));
  ASSERT_TRUE(req.SerializeToString(&bytes));
  grpc::Status with_token = CallRaw(*channel, "/cmdb.v1.CmdbService/CreateCI", token, bytes);
  EXPECT_EQ(with_token.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << with_token.error_message();
  EXPECT_THAT(with_token.error_message(), ::testing::StartsWith("ci.attributes.note"));
  std::cout << kClients * kRounds << " unauthenticated 15 MiB calls from " << kClients
            << " connections: cmdbd resident " << rss_before / 1024 << " MiB before, peak " << peak / 1024
            << " MiB; codes:";
  for (const auto& [code, n] : codes) std::cout << " " << code << "=" << n;
  std::cout << "\n";
  EXPECT_LT(peak - rss_before, kMaxGrowthKib) << "cmdbd grew by " << (peak - rss_before) / 1024 << " MiB";
  EXPECT_TRUE(cmdbd.Stop());
  cmdbd.RemoveDir();
}

}  // namespace
}  // namespace cmdb::testing
