// Change-feed fan-out: W WatchChanges streams follow the feed while one
// client makes N CreateCI calls; the time from the first write until every
// watcher holds every change. Ours (watchers share the feed's reads) against
// the baseline of each watcher reading the database itself, in the same run,
// on the same database, taking turns. Reports the medians of --rounds.
//
//   bench_watch_fanout [--watchers 1,50,200] [--writes 1000] [--rounds 3]
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include "bench_common.h"
#include "core/strings.h"

namespace cmdb::bench {
namespace {

struct Result {
  double seconds = 0;  // first write to the last change at the last watcher
  double drain = 0;    // last write acknowledged to the last change delivered
};

// One WatchChanges stream from now on, counting the changes it receives.
class Watcher {
 public:
  explicit Watcher(const InProcessServer& server) : stub_(server.NewStub()) {
    v1::WatchChangesRequest req;
    req.set_from_now(true);
    req.set_heartbeat_seconds(60);
    reader_ = stub_->WatchChanges(&ctx_, req);
    thread_ = std::thread([this] {
      v1::ChangeEvent event;
      while (reader_->Read(&event)) {
        if (event.caught_up()) {
          caught_up_ = true;
          continue;
        }
        received_.fetch_add(1);
        last_at_ = Clock::now();
      }
    });
  }
  ~Watcher() {
    ctx_.TryCancel();
    thread_.join();
    reader_->Finish().IgnoreError();
  }
  bool caught_up() const { return caught_up_.load(); }
  int received() const { return received_.load(); }
  Clock::time_point last_at() const { return last_at_.load(); }

 private:
  std::unique_ptr<v1::CmdbService::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader_;
  std::thread thread_;
  std::atomic<bool> caught_up_{false};
  std::atomic<int> received_{0};
  std::atomic<Clock::time_point> last_at_{};
};

Result Run(const std::string& url, int watchers, int writes, bool share, int round) {
  InProcessServer server(url, 16, 64, /*impact=*/false, /*watch=*/true, share);
  std::vector<std::unique_ptr<Watcher>> all;
  for (int w = 0; w < watchers; ++w) all.push_back(std::make_unique<Watcher>(server));
  for (auto& w : all) {
    while (!w->caught_up()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto stub = server.NewStub();
  const auto start = Clock::now();
  for (int i = 0; i < writes; ++i) {
    grpc::ClientContext ctx;
    v1::CreateCIRequest req;
    req.mutable_ci()->set_class_name("server");
    req.mutable_ci()->set_name(StrCat("fan-", share ? "s" : "u", round, "-", watchers, "-", i));
    v1::ConfigurationItem out;
    if (grpc::Status st = stub->CreateCI(&ctx, req, &out); !st.ok()) {
      throw std::runtime_error("CreateCI: " + st.error_message());
    }
  }
  const auto written = Clock::now();
  for (auto& w : all) {
    while (w->received() < writes) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Clock::time_point last = written;
  for (auto& w : all) last = std::max(last, w->last_at());
  Result r;
  r.seconds = Seconds(last - start);
  r.drain = Seconds(last - written);
  all.clear();
  return r;
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb::bench;
  CLI::App app{"Change-feed fan-out to many watchers: shared reads against one read per watcher"};
  std::vector<int> watchers = {1, 50, 200};
  int writes = 1000;
  int rounds = 3;
  app.add_option("--watchers", watchers, "Watcher counts to measure")->delimiter(',');
  app.add_option("--writes", writes, "CreateCI calls per run");
  app.add_option("--rounds", rounds, "Runs per cell (medians reported)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::err);  // not a line per cancelled watcher

  BenchCluster cluster(/*fast=*/true);
  const std::string url = cluster.NewDatabase("fanout");
  std::printf("%8s %7s | %12s %12s | %12s %12s | %6s\n", "watchers", "writes", "shared s", "drain s", "per-watcher s",
              "drain s", "ratio");
  for (int w : watchers) {
    std::vector<double> ours, ours_drain, base, base_drain;
    for (int round = 0; round < rounds; ++round) {
      Result a = Run(url, w, writes, /*share=*/true, round);
      Result b = Run(url, w, writes, /*share=*/false, round);
      ours.push_back(a.seconds);
      ours_drain.push_back(a.drain);
      base.push_back(b.seconds);
      base_drain.push_back(b.drain);
    }
    const double o = Percentile(ours, 50), b = Percentile(base, 50);
    std::printf("%8d %7d | %12.2f %12.2f | %12.2f %12.2f | %5.1fx\n", w, writes, o, Percentile(ours_drain, 50), b,
                Percentile(base_drain, 50), b / o);
    std::fflush(stdout);
  }
  return 0;
}
