// The discovery worker: leases jobs from cmdbd, sweeps their targets with the
// SNMP engine (decode, classify, map each answering device) or with the HTTP
// probe (endpoints, certificates, Redfish; fingerprint rules), writes what it
// found through ReconciliationService as source "snmp" or "http", and
// reports every target to the run log. It keeps no state of its
// own between jobs: any number of workers, on one host or many, share the
// runs. A lost lease stops the job at once (its late results are refused by
// the server); a stop hands the unfinished targets back.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "classify/classifier.h"
#include "http/probe.h"
#include "cmdb/v1/discovery.grpc.pb.h"
#include "cmdb/v1/reconcile.grpc.pb.h"

namespace cmdb::discovery {

struct WorkerOptions {
  std::string server = "127.0.0.1:50051";
  std::string token;         // a discovery-role token
  std::string ca_cert;       // PEM file: TLS with this root; empty: plaintext
  bool tls = false;          // TLS with the system roots
  std::string name;          // for the run log; default host:pid
  bool once = false;         // exit when no job is waiting (tests, benchmarks)
  int idle_poll_ms = 2000;   // wait between leases when there is no work
  int report_every = 50;     // targets per ReportTargets call (also sent each second)
  std::string http_ca_file;  // HTTP: CAs trusted besides the system store (an internal PKI)
};

// Counters of one worker process, for logs and benchmarks.
struct WorkerStats {
  std::atomic<int64_t> jobs{0}, targets{0}, devices{0}, pdus{0}, varbinds{0};
  std::atomic<int64_t> snmp_micros{0};      // time spent in the SNMP engine
  std::atomic<int64_t> reconcile_micros{0}; // time spent in Reconcile calls
};

class Worker {
 public:
  Worker(WorkerOptions options, Classifier classifier, http::Fingerprints fingerprints);
  ~Worker();

  // Leases and runs jobs until `stop` turns true (or, with once, until no
  // job is waiting). Returns 0, or 1 when the server refused us for good
  // (UNAUTHENTICATED / PERMISSION_DENIED).
  int Run(const std::atomic<bool>& stop);

  const WorkerStats& stats() const { return stats_; }

 private:
  class JobRunner;
  std::unique_ptr<grpc::ClientContext> Context(int timeout_seconds) const;

  WorkerOptions options_;
  Classifier classifier_;
  http::Fingerprints fingerprints_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DiscoveryService::Stub> discovery_;
  std::unique_ptr<v1::ReconciliationService::Stub> reconcile_;
  WorkerStats stats_;
};

}  // namespace cmdb::discovery
