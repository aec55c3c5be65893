#include "bench_common.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>

#include "api/impact_api.h"
#include "core/clock.h"
#include "core/strings.h"
#include "db/migrator.h"
#include "service/impact_service.h"

namespace cmdb::bench {

BenchCluster::BenchCluster(bool fast) {
  StopOnSignal();
  char tmpl[] = "/tmp/cmdb-bench-XXXXXX";
  dir_ = mkdtemp(tmpl);
  db::EmbeddedPostgres::Options options;
  options.data_dir = dir_;
  options.database = "postgres";
  options.durable = !fast;
  options.settings = {"shared_buffers = '1GB'", "max_wal_size = '4GB'", "checkpoint_timeout = '30min'",
                      "max_connections = 300"};
  auto pg = db::EmbeddedPostgres::Start(options);
  if (!pg.ok()) throw std::runtime_error(std::string(ToStd(pg.status().message())));
  pg_ = std::move(*pg);
}

void BenchCluster::StopOnSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started later
  std::thread([this, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "signal %d: stopping the benchmark's PostgreSQL\n", sig);
    Shutdown();
    std::_Exit(128 + sig);
  }).detach();
}

BenchCluster::~BenchCluster() { Shutdown(); }

void BenchCluster::Shutdown() {
  if (stopped_.exchange(true)) return;
  if (pg_) (void)pg_->Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string BenchCluster::NewDatabase(const std::string& name) {
  auto st = pg_->CreateDatabase(name);
  if (!st.ok()) throw std::runtime_error(std::string(ToStd(st.message())));
  const std::string url = pg_->Url(name);
  auto migrated = db::Migrate(url);
  if (!migrated.ok()) throw std::runtime_error(std::string(ToStd(migrated.status().message())));
  return url;
}

std::string BenchCluster::CopyDatabase(const std::string& from, const std::string& name) {
  auto st = pg_->CreateDatabase(name, from);
  if (!st.ok()) throw std::runtime_error(std::string(ToStd(st.message())));
  return pg_->Url(name);
}

InProcessServer::InProcessServer(const std::string& url, int pool_size, int max_threads, bool impact, bool watch,
                                 bool share_feed_reads) {
  db::Database::Options options;
  options.url = url;
  options.pool_size = pool_size;
  auto db = db::Database::Connect(options);
  if (!db.ok()) throw std::runtime_error(std::string(ToStd(db.status().message())));
  db_ = std::move(*db);
  limits_.max_message_bytes = 256 << 20;
  limits_.max_batch_items = 1000000;
  cis_ = std::make_unique<CiService>(*db_, limits_);
  rels_ = std::make_unique<RelationshipService>(*db_, limits_);
  classes_ = std::make_unique<ClassService>(*db_);
  reconcile_ = std::make_unique<ReconcileService>(*db_, limits_);
  feed_ = std::make_unique<ChangeFeed>(*db_, url, share_feed_reads);
  if (watch && !impact) feed_->Start();
  std::vector<grpc::Service*> services;
  if (impact) {
    feed_->Start();
    impact_ = std::make_unique<ImpactService>(*db_, *feed_, SystemClock::Instance());
    const auto start = Clock::now();
    if (absl::Status st = impact_->Start(); !st.ok()) throw std::runtime_error(std::string(ToStd(st.message())));
    impact_start_seconds_ = Seconds(Clock::now() - start);
    impact_api_ = std::make_unique<api::ImpactApi>(*impact_, auth_);
    services.push_back(impact_api_.get());
  }
  pool_ = std::make_unique<WorkerPool>(2);  // as in cmdbd
  api_ = std::make_unique<api::CmdbApi>(api::ApiDeps{*cis_, *rels_, *classes_, *feed_, *pool_, auth_, limits_});
  reconcile_api_ = std::make_unique<api::ReconcileApi>(*reconcile_, auth_);
  services.insert(services.begin(), {api_.get(), reconcile_api_.get()});
  api::ServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  server_options.max_threads = max_threads;
  auto server = api::GrpcServer::Start(server_options, services, limits_);
  if (!server.ok()) throw std::runtime_error(std::string(ToStd(server.status().message())));
  server_ = std::move(*server);
}

InProcessServer::~InProcessServer() {
  server_->Shutdown(std::chrono::seconds(5));
  server_->Wait();
  if (impact_) impact_->Stop();
}

std::string InProcessServer::target() const { return StrCat("127.0.0.1:", server_->port()); }

grpc::ChannelArguments InProcessServer::channel_args() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(256 << 20);
  // A channel of its own per stub, so concurrent clients do not share one connection.
  args.SetInt("cmdb.bench.channel", rand());
  return args;
}

std::unique_ptr<v1::CmdbService::Stub> InProcessServer::NewStub() const {
  return v1::CmdbService::NewStub(
      grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), channel_args()));
}

std::unique_ptr<v1::ImpactService::Stub> InProcessServer::NewImpactStub() const {
  return v1::ImpactService::NewStub(
      grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), channel_args()));
}

Estate MakeEstate(int cis, int links, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  auto hex = [&](int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < digits; ++i) s.push_back(kHex[rng() % 16]);
    return s;
  };
  auto mac = [&] {
    std::string h = hex(12), out;
    for (int i = 0; i < 12; i += 2) out += (i ? ":" : "") + h.substr(i, 2);
    return out;
  };
  Estate estate;
  std::vector<int> servers, switches, apps, interfaces;
  for (int i = 0; i < cis; ++i) {
    Estate::Item item;
    const int kind = i % 10;  // 4 servers, 1 switch, 3 applications, 2 interfaces in every 10
    if (kind < 4) {
      item.class_name = "server";
      item.name = StrCat(hex(4), "-srv", i);  // a random prefix interleaves classes in name order
      item.attributes = {{"serial_number", StrCat("SN", hex(10))},
                         {"manufacturer", "Dell Inc."},
                         {"model", "PowerEdge R650"},
                         {"hostname", item.name},
                         {"fqdn", StrCat(item.name, ".dc", i % 7, ".example.net")},
                         {"management_ip", StrCat("10.", (i >> 16) & 255, ".", (i >> 8) & 255, ".", i & 255)},
                         {"os_name", i % 3 == 0 ? "Windows Server" : "Debian"},
                         {"os_version", i % 3 == 0 ? "2022" : "12"},
                         {"cpu_count", 2 << pick(6)},
                         {"memory_mb", 4096 << pick(6)},
                         {"mac_addresses", {mac(), mac()}}};
      servers.push_back(i);
    } else if (kind == 4) {
      item.class_name = "switch";
      item.name = StrCat(hex(4), "-sw", i);
      item.attributes = {{"serial_number", StrCat("FOC", hex(8))},
                         {"manufacturer", "Cisco"},
                         {"model", "C9300-48P"},
                         {"management_ip", StrCat("10.200.", (i >> 8) & 255, ".", i & 255)},
                         {"port_count", 52},
                         {"mac_addresses", {mac()}}};
      switches.push_back(i);
    } else if (kind < 8) {
      item.class_name = "application";
      item.name = StrCat(hex(4), "-app", i);
      item.attributes = {{"version", StrCat(pick(10), ".", pick(20), ".", pick(100))},
                         {"url", StrCat("https://app", i, ".example.com/")},
                         {"vendor", "In-house"}};
      apps.push_back(i);
    } else {
      item.class_name = "interface";
      item.name = StrCat(hex(4), "-eth", i);
      item.attributes = {{"if_name", StrCat("Gi1/0/", i % 48)},
                         {"if_index", i % 48 + 1},
                         {"mac_address", mac()},
                         {"speed_mbps", 1000},
                         {"oper_status", "up"}};
      interfaces.push_back(i);
    }
    estate.cis.push_back(std::move(item));
  }
  std::set<std::tuple<int, int, std::string>> seen;
  auto add = [&](int from, int to, const char* type) {
    if (from == to || static_cast<int>(estate.links.size()) >= links) return;
    if (seen.emplace(from, to, type).second) estate.links.push_back({from, to, type});
  };
  // Structured links first, then random dependencies until the count is met.
  for (int a : apps) add(a, servers[pick(servers.size())], "runs_on");
  for (int s : servers) add(s, switches[pick(switches.size())], "connected_to");
  for (int f : interfaces) add(switches[pick(switches.size())], f, "contains");
  while (static_cast<int>(estate.links.size()) < links) {
    const int r = pick(3);
    if (r == 0) add(apps[pick(apps.size())], apps[pick(apps.size())], "depends_on");
    if (r == 1) add(apps[pick(apps.size())], servers[pick(servers.size())], "uses");
    if (r == 2) add(servers[pick(servers.size())], servers[pick(servers.size())], "depends_on");
  }
  return estate;
}

grpc::Status HealthCheck(grpc::ChannelInterface& channel) {
  static const grpc::internal::RpcMethod kCheck("/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  return grpc::internal::BlockingUnaryCall(&channel, kCheck, &ctx, request, &response);
}

double Percentile(std::vector<double>& sample, double p) {
  if (sample.empty()) return 0;
  std::sort(sample.begin(), sample.end());
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sample.size()));
  return sample[std::min(rank, sample.size() - 1)];
}

double Median(std::vector<double> sample) { return Percentile(sample, 50); }

}  // namespace cmdb::bench
