// What a large reconcile costs the server in memory: the real cmdbd binary
// (auth off, a durable throwaway PostgreSQL) is sent N discovered servers
// through StreamReconcile in chunks of 5,000, and, as the baseline, the same
// N as one Reconcile payload, which the server holds and reconciles whole
// (as every stream was before streams were staged). Each case gets a fresh
// database and a fresh cmdbd; reported: cmdbd's peak resident memory over
// the call minus its resident memory before it (the kernel's VmHWM, reset
// before the call), per item, and the wall time. Then a stream of M items
// (past what one payload may hold), to show the stream's peak does not grow
// with its size.
//
//   build/bin/bench_stream_memory [--items 50000] [--large 300000] [--runs 3]
#include <signal.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "bench_common.h"
#include "cmdb/v1/reconcile.grpc.pb.h"
#include "cmdbd_child.h"
#include "core/strings.h"

namespace cmdb::bench {
namespace {

constexpr int kChunk = 5000;

void AddServer(v1::ReconcileRequest& req, int i) {
  auto* item = req.add_items();
  item->set_ref(StrCat("s", i));
  item->set_class_name("server");
  item->set_name(StrCat("srv-", i));
  auto& f = *item->mutable_attributes()->mutable_fields();
  f["serial_number"].set_string_value(StrCat("SN", 10000000 + i));
  f["manufacturer"].set_string_value("Dell Inc.");
  f["model"].set_string_value("PowerEdge R650");
  f["os_name"].set_string_value("Debian GNU/Linux");
  f["os_version"].set_string_value("12.7");
  f["cpu_count"].set_number_value(16 + i % 4 * 16);
  f["memory_mb"].set_number_value(65536);
  f["fqdn"].set_string_value(StrCat("srv-", i, ".dc1.example.net"));
}

struct Measure {
  double peak_mib = 0;  // peak resident growth over the call
  double seconds = 0;
  int64_t created = 0;
};

class Cmdbd {
 public:
  explicit Cmdbd(const std::string& url) : target_(StrCat("127.0.0.1:", FreePort())) {
    char dir[] = "/tmp/cmdb-stream-memory-XXXXXX";
    log_ = StrCat(mkdtemp(dir), "/cmdbd.log");
    pid_ = StartCmdbd(CMDBD_PATH, url, target_, 8, log_);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(256 << 20);
    args.SetMaxSendMessageSize(256 << 20);
    stub_ = v1::ReconciliationService::NewStub(
        grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args));
    // Started, and warmed up by a small payload.
    for (int i = 0;; ++i) {
      v1::ReconcileRequest req;
      req.set_source("warmup");
      AddServer(req, 100000000);
      v1::ReconcileResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      if (stub_->Reconcile(&ctx, req, &resp).ok()) break;
      if (i > 600) throw std::runtime_error("cmdbd did not start (see " + log_ + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~Cmdbd() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  // Runs `call` and measures cmdbd around it.
  template <typename Fn>
  Measure Around(Fn&& call) {
    const long before = ProcStatusKib(pid_, "VmRSS:");
    ResetPeak(pid_);
    const auto start = Clock::now();
    Measure m;
    m.created = call(*stub_);
    m.seconds = Seconds(Clock::now() - start);
    m.peak_mib = static_cast<double>(ProcStatusKib(pid_, "VmHWM:") - before) / 1024.0;
    return m;
  }

 private:
  std::string target_, log_;
  pid_t pid_ = -1;
  std::unique_ptr<v1::ReconciliationService::Stub> stub_;
};

int64_t Streamed(v1::ReconciliationService::Stub& stub, int items) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
  v1::ReconcileResponse resp;
  auto writer = stub.StreamReconcile(&ctx, &resp);
  for (int first = 0; first < items; first += kChunk) {
    v1::ReconcileRequest req;
    if (first == 0) req.set_source("bulk");
    for (int i = first; i < std::min(items, first + kChunk); ++i) AddServer(req, i);
    if (!writer->Write(req)) break;
  }
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  if (!st.ok()) throw std::runtime_error("StreamReconcile: " + st.error_message());
  return resp.created();
}

int64_t Whole(v1::ReconciliationService::Stub& stub, int items) {
  v1::ReconcileRequest req;
  req.set_source("bulk");
  for (int i = 0; i < items; ++i) AddServer(req, i);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
  v1::ReconcileResponse resp;
  grpc::Status st = stub.Reconcile(&ctx, req, &resp);
  if (!st.ok()) throw std::runtime_error("Reconcile: " + st.error_message());
  return resp.created();
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  int items = 50000, large = 300000, runs = 3;
  CLI::App app{"cmdbd's memory for a large reconcile: StreamReconcile vs one whole payload"};
  app.add_option("--items", items, "Items in the compared payloads (at most 50,000, one payload's limit)")
      ->capture_default_str();
  app.add_option("--large", large, "Items in the last stream (0: skip it)")->capture_default_str();
  app.add_option("--runs", runs, "Repetitions of the comparison (medians reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);

  BenchCluster cluster(/*fast=*/false);
  std::vector<double> stream_mib, whole_mib, stream_s, whole_s, ratio;
  for (int run = 1; run <= runs; ++run) {
    Measure s, w;
    auto stream = [&] {
      Cmdbd cmdbd(cluster.NewDatabase(StrCat("stream", run)));
      s = cmdbd.Around([&](auto& stub) { return Streamed(stub, items); });
    };
    auto whole = [&] {
      Cmdbd cmdbd(cluster.NewDatabase(StrCat("whole", run)));
      w = cmdbd.Around([&](auto& stub) { return Whole(stub, items); });
    };
    if (run % 2 == 1) {
      stream();
      whole();
    } else {
      whole();
      stream();
    }
    std::printf("run %d: %d items: stream peak +%.1f MiB in %.1f s (%lld created); whole payload peak +%.1f MiB in "
                "%.1f s (%lld created)\n",
                run, items, s.peak_mib, s.seconds, static_cast<long long>(s.created), w.peak_mib, w.seconds,
                static_cast<long long>(w.created));
    std::fflush(stdout);
    stream_mib.push_back(s.peak_mib);
    whole_mib.push_back(w.peak_mib);
    stream_s.push_back(s.seconds);
    whole_s.push_back(w.seconds);
    ratio.push_back(w.peak_mib / std::max(1.0, s.peak_mib));
  }
  std::printf("medians of %d runs, %d items: stream +%.1f MiB (%.2f KiB/item), %.1f s; whole payload +%.1f MiB "
              "(%.2f KiB/item), %.1f s; memory ratio whole/stream %.1fx\n",
              runs, items, Median(stream_mib), Median(stream_mib) * 1024 / items, Median(stream_s),
              Median(whole_mib), Median(whole_mib) * 1024 / items, Median(whole_s), Median(ratio));
  if (large > 0) {
    Cmdbd cmdbd(cluster.NewDatabase("large"));
    Measure l = cmdbd.Around([&](auto& stub) { return Streamed(stub, large); });
    std::printf("stream of %d items: peak +%.1f MiB (%.3f KiB/item), %.1f s (%lld created)\n", large, l.peak_mib,
                l.peak_mib * 1024 / large, l.seconds, static_cast<long long>(l.created));
  }
  return 0;
}
