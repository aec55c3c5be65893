// A bounded soak of a real cmdbd process (the built binary, auth off, on a
// durable throwaway PostgreSQL): for a fixed time, readers (GetCI, ListCIs),
// writers (UpdateCI, CreateCI), watchers following WatchChanges and
// reconcilers (Reconcile payloads that mostly agree with the records) run at
// once from their own connections. Reports per RPC the calls, p50 and p99
// latency and the errors by code; cmdbd's resident memory and the
// database's connections, sampled over the run, with the memory's trend
// over the second half (steady means no growth). No baseline: this is a
// reliability measurement (docs/RELIABILITY.md), not a comparison.
//
//   build/bin/bench_soak --minutes 5
#include <signal.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "bench_common.h"
#include "cmdbd_child.h"
#include "cmdb/v1/reconcile.grpc.pb.h"
#include "core/strings.h"

namespace cmdb::bench {
namespace {

// Latencies and outcomes per RPC, merged from every client thread.
class Record {
 public:
  void Add(const std::string& rpc, double ms, grpc::StatusCode code) {
    std::lock_guard lock(mu_);
    auto& r = rpcs_[rpc];
    r.ms.push_back(ms);
    ++r.codes[code];
  }
  void Print() {
    std::lock_guard lock(mu_);
    std::printf("%-16s %9s %9s %9s  %s\n", "rpc", "calls", "p50 ms", "p99 ms", "outcomes by code");
    for (auto& [name, r] : rpcs_) {
      std::string codes;
      for (const auto& [code, n] : r.codes) codes += StrCat(code == grpc::StatusCode::OK ? "OK" : std::to_string(code),
                                                            "=", n, " ");
      const size_t calls = r.ms.size();
      std::printf("%-16s %9zu %9.2f %9.2f  %s\n", name.c_str(), calls, Percentile(r.ms, 50), Percentile(r.ms, 99),
                  codes.c_str());
    }
  }

 private:
  struct Rpc {
    std::vector<double> ms;
    std::map<grpc::StatusCode, int64_t> codes;
  };
  std::mutex mu_;
  std::map<std::string, Rpc> rpcs_;
};

template <typename Fn>
void Timed(Record& record, const std::string& rpc, Fn&& call) {
  const auto start = Clock::now();
  grpc::Status st = call();
  record.Add(rpc, Seconds(Clock::now() - start) * 1000, st.error_code());
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

// A channel of its own per client, as separate client processes would have.
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& target, int n) {
  grpc::ChannelArguments args;
  args.SetInt("cmdb.soak.client", n);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

// The least-squares slope of y over x.
double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  if (n < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  double minutes = 5;
  int readers = 8, writers = 4, watchers = 16, reconcilers = 2, seed_cis = 2000, pool = 16, sample_seconds = 10;
  CLI::App app{"Soak: mixed load on a real cmdbd for a fixed time; latency, errors, memory, connections"};
  app.add_option("--minutes", minutes, "How long the load runs")->capture_default_str();
  app.add_option("--readers", readers, "GetCI/ListCIs clients")->capture_default_str();
  app.add_option("--writers", writers, "UpdateCI/CreateCI clients")->capture_default_str();
  app.add_option("--watchers", watchers, "WatchChanges streams")->capture_default_str();
  app.add_option("--reconcilers", reconcilers, "Reconcile clients (200-item payloads)")->capture_default_str();
  app.add_option("--seed-cis", seed_cis, "CIs created before the load")->capture_default_str();
  app.add_option("--db-pool-size", pool, "cmdbd's --db-pool-size")->capture_default_str();
  app.add_option("--sample-seconds", sample_seconds, "Memory and connection sampling interval")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);

  BenchCluster cluster(/*fast=*/false);
  const std::string url = cluster.NewDatabase("soak");
  const std::string target = StrCat("127.0.0.1:", FreePort());
  char log_template[] = "/tmp/cmdb-soak-XXXXXX";
  const std::string log = StrCat(mkdtemp(log_template), "/cmdbd.log");
  const pid_t cmdbd = StartCmdbd(CMDBD_PATH, url, target, pool, log);
  auto admin = v1::CmdbService::NewStub(OwnChannel(target, -1));
  for (int i = 0;; ++i) {
    v1::ListCIsRequest req;
    v1::ListCIsResponse resp;
    if (admin->ListCIs(Ctx().get(), req, &resp).ok()) break;
    if (i > 600) {
      std::fprintf(stderr, "cmdbd did not start (see %s)\n", log.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The estate the load works on.
  std::vector<std::string> ids;
  for (int first = 0; first < seed_cis; first += 1000) {
    v1::BatchWriteRequest req;
    for (int i = first; i < std::min(seed_cis, first + 1000); ++i) {
      auto* ci = req.add_creates()->mutable_ci();
      ci->set_class_name("server");
      ci->set_name(StrCat("soak-", i));
      (*ci->mutable_attributes()->mutable_fields())["serial_number"].set_string_value(StrCat("SOAK", i));
    }
    v1::BatchWriteResponse resp;
    grpc::Status st = admin->BatchWrite(Ctx().get(), req, &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "seeding: %s\n", st.error_message().c_str());
      return 1;
    }
    for (const auto& r : resp.created()) ids.push_back(r.id());
  }
  const long rss_start = ProcStatusKib(cmdbd, "VmRSS:");
  std::printf("cmdbd pid %d on %s; %zu CIs seeded; resident %ld MiB; load for %.1f min: %d readers, %d writers, "
              "%d watchers, %d reconcilers\n",
              cmdbd, target.c_str(), ids.size(), rss_start / 1024, minutes, readers, writers, watchers, reconcilers);
  std::fflush(stdout);

  Record record;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> events{0};
  std::vector<std::thread> threads;
  int n = 0;
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r, channel = OwnChannel(target, n++)] {
      auto stub = v1::CmdbService::NewStub(channel);
      std::mt19937 rng(r);
      while (!stop) {
        if (rng() % 10 < 7) {
          v1::GetCIRequest req;
          req.set_id(ids[rng() % ids.size()]);
          v1::ConfigurationItem out;
          Timed(record, "GetCI", [&] { return stub->GetCI(Ctx().get(), req, &out); });
        } else {
          v1::ListCIsRequest req;
          req.set_filter(StrCat("name >= \"soak-", rng() % 1000, "\""));
          req.set_page_size(100);
          v1::ListCIsResponse out;
          Timed(record, "ListCIs", [&] { return stub->ListCIs(Ctx().get(), req, &out); });
        }
      }
    });
  }
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w, channel = OwnChannel(target, n++)] {
      auto stub = v1::CmdbService::NewStub(channel);
      std::mt19937 rng(100 + w);
      for (int i = 0; !stop; ++i) {
        if (rng() % 10 < 8) {
          v1::UpdateCIRequest req;
          req.mutable_ci()->set_id(ids[rng() % ids.size()]);
          (*req.mutable_ci()->mutable_attributes()->mutable_fields())["description"].set_string_value(
              StrCat("writer ", w, " pass ", i));
          req.mutable_update_mask()->add_paths("attributes.description");
          v1::ConfigurationItem out;
          Timed(record, "UpdateCI", [&] { return stub->UpdateCI(Ctx().get(), req, &out); });
        } else {
          v1::CreateCIRequest req;
          req.mutable_ci()->set_class_name("workstation");
          req.mutable_ci()->set_name(StrCat("new-", w, "-", i));
          v1::ConfigurationItem out;
          Timed(record, "CreateCI", [&] { return stub->CreateCI(Ctx().get(), req, &out); });
        }
      }
    });
  }
  std::mutex watch_mu;
  std::vector<grpc::ClientContext*> watch_contexts;
  for (int w = 0; w < watchers; ++w) {
    threads.emplace_back([&, channel = OwnChannel(target, n++)] {
      auto stub = v1::CmdbService::NewStub(channel);
      std::string cursor;
      while (!stop) {
        grpc::ClientContext ctx;
        {
          std::lock_guard lock(watch_mu);
          if (stop) break;
          watch_contexts.push_back(&ctx);
        }
        v1::WatchChangesRequest req;
        req.set_since_cursor(cursor);
        req.set_heartbeat_seconds(5);
        auto reader = stub->WatchChanges(&ctx, req);
        v1::ChangeEvent event;
        while (reader->Read(&event)) {
          if (!event.cursor().empty()) cursor = event.cursor();
          if (!event.caught_up() && (event.has_ci() || event.has_relationship())) ++events;
        }
        grpc::Status st = reader->Finish();
        {
          std::lock_guard lock(watch_mu);
          std::erase(watch_contexts, &ctx);
        }
        if (!stop) record.Add("WatchChanges", 0, st.error_code());  // a stream that ended early
      }
    });
  }
  for (int c = 0; c < reconcilers; ++c) {
    threads.emplace_back([&, c, channel = OwnChannel(target, n++)] {
      auto stub = v1::ReconciliationService::NewStub(channel);
      std::mt19937 rng(200 + c);
      for (int pass = 0; !stop; ++pass) {
        v1::ReconcileRequest req;
        req.set_source("soak");
        const int first = static_cast<int>(rng() % static_cast<unsigned>(std::max(1, seed_cis - 200)));
        for (int i = first; i < first + 200 && i < seed_cis; ++i) {
          auto* item = req.add_items();
          item->set_class_name("server");
          item->set_name(StrCat("soak-", i));
          auto& fields = *item->mutable_attributes()->mutable_fields();
          fields["serial_number"].set_string_value(StrCat("SOAK", i));
          // One item in ten reports something new.
          fields["os_version"].set_string_value(StrCat("15.", rng() % 10 == 0 ? pass : 0));
        }
        v1::ReconcileResponse out;
        Timed(record, "Reconcile", [&] { return stub->Reconcile(Ctx().get(), req, &out); });
      }
    });
  }

  // Samples until the time is up.
  std::vector<double> at, rss_mib, connections;
  pqxx::connection pg(url);
  const auto start = std::chrono::steady_clock::now();
  const auto end =
      start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(minutes * 60));
  std::printf("%8s %12s %12s %12s\n", "second", "cmdbd MiB", "db conns", "feed events");
  while (true) {
    const double t = Seconds(std::chrono::steady_clock::now() - start);
    pqxx::nontransaction txn(pg);
    const double conns =
        txn.exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")[0].as<double>() - 1;
    at.push_back(t);
    rss_mib.push_back(ProcStatusKib(cmdbd, "VmRSS:") / 1024.0);
    connections.push_back(conns);
    std::printf("%8.0f %12.1f %12.0f %12lld\n", t, rss_mib.back(), conns, static_cast<long long>(events.load()));
    std::fflush(stdout);
    if (std::chrono::steady_clock::now() >= end) break;
    std::this_thread::sleep_until(std::min(end, std::chrono::steady_clock::now() + std::chrono::seconds(sample_seconds)));
  }
  stop = true;
  {
    std::lock_guard lock(watch_mu);
    for (auto* ctx : watch_contexts) ctx->TryCancel();
  }
  for (auto& t : threads) t.join();

  record.Print();
  const size_t half = at.size() / 2;
  const std::vector<double> late_at(at.begin() + static_cast<long>(half), at.end());
  const std::vector<double> late_rss(rss_mib.begin() + static_cast<long>(half), rss_mib.end());
  const double slope = Slope(late_at, late_rss) * 60;
  double peak = 0, conn_max = 0;
  for (double r : rss_mib) peak = std::max(peak, r);
  for (double c : connections) conn_max = std::max(conn_max, c);
  std::printf("cmdbd resident: %.1f MiB after seeding, %.1f MiB at the end, peak %.1f MiB; trend over the second "
              "half %+.2f MiB/min\n",
              rss_start / 1024.0, rss_mib.back(), peak, slope);
  std::printf("database connections: at most %.0f (pool %d, plus the feed listener, health probe and leader lock)\n",
              conn_max, pool);
  std::printf("feed events received by %d watchers: %lld\n", watchers, static_cast<long long>(events.load()));
  kill(cmdbd, SIGTERM);
  int status = 0;
  waitpid(cmdbd, &status, 0);
  std::printf("cmdbd exited %s %d\n", WIFEXITED(status) ? "with" : "by signal",
              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return 0;
}
