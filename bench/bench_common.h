// Shared pieces of the benchmarks: a throwaway PostgreSQL cluster, the
// server in-process on a loopback port (optionally with impact analysis), a
// synthetic estate, and statistics.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "api/auth.h"
#include "api/cmdb_api.h"
#include "api/reconcile_api.h"
#include "api/convert.h"
#include "api/server.h"
#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/impact.grpc.pb.h"
#include "core/model.h"
#include "db/database.h"
#include "db/embedded_postgres.h"
#include "service/change_feed.h"
#include "service/ci_service.h"
#include "service/class_service.h"
#include "service/reconcile_service.h"
#include "service/relationship_service.h"
#include "service/worker_pool.h"

namespace cmdb {
class ImpactService;
namespace api {
class ImpactApi;
}  // namespace api
}  // namespace cmdb

namespace cmdb::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A PostgreSQL cluster in a temp dir for the benchmark's databases. Durable
// (fsync on) unless `fast` is set. Construct it before any other thread
// starts: it takes SIGINT and SIGTERM, and on either stops the cluster,
// removes its directory and exits, so an interrupted run leaves nothing
// behind.
class BenchCluster {
 public:
  explicit BenchCluster(bool fast);
  ~BenchCluster();
  // A new, migrated database; returns its URL.
  std::string NewDatabase(const std::string& name);
  // A copy of database `from` (which must have no connections); returns its URL.
  std::string CopyDatabase(const std::string& from, const std::string& name);

 private:
  void StopOnSignal();
  // Stops the cluster and removes its directory, once.
  void Shutdown();

  std::string dir_;
  std::unique_ptr<db::EmbeddedPostgres> pg_;
  std::atomic<bool> stopped_{false};
};

// The server stack on a database, listening on 127.0.0.1:<free port>, auth off.
// With `impact`, also the change feed's listener and the impact service
// (its graph loaded from the database before the constructor returns) and
// its API; without, ImpactService calls answer UNIMPLEMENTED, and nothing
// follows the feed (so the other benchmarks measure what they always did).
class InProcessServer {
 public:
  // `watch`: the change feed's listener runs, so WatchChanges streams get
  // their changes; `share_feed_reads` false: each watcher reads the
  // database itself (the fan-out benchmark's baseline).
  InProcessServer(const std::string& url, int pool_size, int max_threads, bool impact = false, bool watch = false,
                  bool share_feed_reads = true);
  ~InProcessServer();
  std::unique_ptr<v1::CmdbService::Stub> NewStub() const;
  std::unique_ptr<v1::ImpactService::Stub> NewImpactStub() const;
  std::string target() const;
  grpc::ChannelArguments channel_args() const;
  db::Database& database() { return *db_; }
  // Wall time of ImpactService::Start (the graph's first load); 0 without impact.
  double impact_start_seconds() const { return impact_start_seconds_; }

 private:
  Limits limits_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<CiService> cis_;
  std::unique_ptr<RelationshipService> rels_;
  std::unique_ptr<ClassService> classes_;
  std::unique_ptr<ReconcileService> reconcile_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<ImpactService> impact_;  // after feed_: stopped before it
  std::unique_ptr<WorkerPool> pool_;
  api::Authenticator auth_;
  std::unique_ptr<api::CmdbApi> api_;
  std::unique_ptr<api::ReconcileApi> reconcile_api_;
  std::unique_ptr<api::ImpactApi> impact_api_;
  std::unique_ptr<api::GrpcServer> server_;
  double impact_start_seconds_ = 0;
};

// A synthetic estate: servers, switches, applications and interfaces with
// realistic attributes, and unique typed relationships between them.
struct Estate {
  struct Item {
    std::string class_name;
    std::string name;
    Json attributes;
  };
  struct Link {
    int from, to;
    std::string type;
  };
  std::vector<Item> cis;
  std::vector<Link> links;
};
Estate MakeEstate(int cis, int links, uint32_t seed);

// Percentile (0..100) of a sample, by nearest rank; sorts the sample.
// The gRPC floor: grpc.health.v1.Health/Check with an empty request, as a
// generated blocking stub sends it. What any gRPC answer costs on this
// machine before the server does anything.
grpc::Status HealthCheck(grpc::ChannelInterface& channel);

double Percentile(std::vector<double>& sample, double p);
double Median(std::vector<double> sample);

}  // namespace cmdb::bench
