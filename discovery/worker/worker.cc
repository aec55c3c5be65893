// The worker loop and one job's run.
#include "worker/worker.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ctime>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "findings/findings.h"
#include "findings/http_findings.h"
#include "findings/payload_util.h"
#include "mib/decoders.h"
#include "snmp/engine.h"
#include "util/status_names.h"

namespace cmdb::discovery {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> Log() {
  static auto logger = [] {
    auto l = spdlog::get("worker");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

std::string Describe(const grpc::Status& s) {
  return proto_util::CodeName(s.error_code()) + ": " + s.error_message();
}

bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::ABORTED || s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// Sleeps up to `ms`, waking early when `stop` turns true.
void Nap(int ms, const std::atomic<bool>& stop) {
  const auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

SnmpCredential ToSnmp(const v1::JobCredential& c) {
  SnmpCredential out;
  out.id = c.name();
  switch (c.kind()) {
    case v1::CREDENTIAL_KIND_SNMP_V1: out.version = SnmpCredential::Version::kV1; break;
    case v1::CREDENTIAL_KIND_SNMP_V3: out.version = SnmpCredential::Version::kV3; break;
    default: out.version = SnmpCredential::Version::kV2c; break;
  }
  out.community = c.community();
  out.user = c.user();
  switch (c.auth_protocol()) {
    case v1::SNMP_AUTH_PROTOCOL_MD5: out.auth = SnmpCredential::Auth::kMd5; break;
    case v1::SNMP_AUTH_PROTOCOL_SHA1: out.auth = SnmpCredential::Auth::kSha1; break;
    case v1::SNMP_AUTH_PROTOCOL_SHA224: out.auth = SnmpCredential::Auth::kSha224; break;
    case v1::SNMP_AUTH_PROTOCOL_SHA256: out.auth = SnmpCredential::Auth::kSha256; break;
    case v1::SNMP_AUTH_PROTOCOL_SHA384: out.auth = SnmpCredential::Auth::kSha384; break;
    case v1::SNMP_AUTH_PROTOCOL_SHA512: out.auth = SnmpCredential::Auth::kSha512; break;
    default: out.auth = SnmpCredential::Auth::kNone; break;
  }
  out.auth_key = c.auth_key();
  switch (c.priv_protocol()) {
    case v1::SNMP_PRIV_PROTOCOL_DES: out.priv = SnmpCredential::Priv::kDes; break;
    case v1::SNMP_PRIV_PROTOCOL_AES128: out.priv = SnmpCredential::Priv::kAes128; break;
    case v1::SNMP_PRIV_PROTOCOL_AES192: out.priv = SnmpCredential::Priv::kAes192; break;
    case v1::SNMP_PRIV_PROTOCOL_AES256: out.priv = SnmpCredential::Priv::kAes256; break;
    default: out.priv = SnmpCredential::Priv::kNone; break;
  }
  out.priv_key = c.priv_key();
  return out;
}

// A credential that did not answer before another did is worth a line in
// the log, but the device was still collected in full.
bool IsCredentialNote(const std::string& error) {
  return error.starts_with("no answer with credential") || error.starts_with("authentication failed for credential") ||
         error.starts_with("unknown user name for credential");
}

v1::TargetOutcome OutcomeOf(const TargetResult& r) {
  const bool collected_all = std::all_of(r.errors.begin(), r.errors.end(), IsCredentialNote);
  switch (r.status.code()) {
    case absl::StatusCode::kOk: return collected_all ? v1::TARGET_OUTCOME_DISCOVERED : v1::TARGET_OUTCOME_PARTIAL;
    case absl::StatusCode::kDeadlineExceeded: return v1::TARGET_OUTCOME_NO_RESPONSE;
    case absl::StatusCode::kPermissionDenied: return v1::TARGET_OUTCOME_AUTH_FAILED;
    case absl::StatusCode::kCancelled: return v1::TARGET_OUTCOME_CANCELLED;
    default: return r.walk.empty() ? v1::TARGET_OUTCOME_ERROR : v1::TARGET_OUTCOME_PARTIAL;
  }
}

// What identifies a device within one job, to write a device reachable on
// several of its addresses once: its serial, else its base MAC.
std::string DeviceKey(const mib::Inventory& inv) {
  if (inv.chassis && inv.chassis->serial) return "serial:" + *inv.chassis->serial;
  if (inv.base_mac) return "mac:" + *inv.base_mac;
  return "";
}

}  // namespace

// One job: the SNMP sweep on this thread, a heartbeat thread, and a writer
// thread that maps, reconciles and reports each finished target.
class Worker::JobRunner {
 public:
  JobRunner(Worker& w, const v1::Job& job, int heartbeat_seconds, const std::atomic<bool>& stop)
      : w_(w), job_(job), heartbeat_seconds_(std::max(1, heartbeat_seconds)), stop_(stop) {}

  void Run() {
    if (job_.protocol() == "http") return RunHttp();
    std::vector<SnmpCredential> credentials;
    for (const auto& c : job_.credentials()) credentials.push_back(ToSnmp(c));
    std::vector<std::string> targets(job_.targets().begin(), job_.targets().end());
    SnmpOptions options;
    const auto& limits = job_.limits();
    if (limits.has_timeout()) {
      options.timeout_ms = static_cast<int>(limits.timeout().seconds() * 1000 + limits.timeout().nanos() / 1000000);
    }
    // Defaults as net-snmp's tools use them, a little more patient: a slow
    // agent under load is common, and a dead address costs this in parallel.
    if (options.timeout_ms <= 0) options.timeout_ms = 2000;
    options.retries = limits.retries() > 0 ? limits.retries() : 2;
    options.probe_retries = limits.has_probe_retries() ? limits.probe_retries() : -1;
    if (limits.targets_in_flight() > 0) options.max_in_flight = limits.targets_in_flight();
    options.packets_per_second = std::max(0, limits.packets_per_second());
    WalkPlan plan;
    plan.scalars = mib::RequiredScalars();
    plan.subtrees = mib::RequiredSubtrees();
    const Probes& probes = w_.classifier_.probes();
    plan.scalars.insert(plan.scalars.end(), probes.values.begin(), probes.values.end());
    plan.subtrees.insert(plan.subtrees.end(), probes.subtrees.begin(), probes.subtrees.end());

    SnmpEngine engine;
    const int64_t snmp_us = Sweep([&] {
      engine.Run(
          targets, credentials, plan, options,
          [this](TargetResult r) {
            std::lock_guard lock(mu_);
            queue_.push_back(std::move(r));
            wake_.notify_one();
          },
          [this] { return stop_ || cancelled_ || lost_; });
    });
    w_.stats_.snmp_micros += snmp_us;
    w_.stats_.pdus += engine.stats().pdus_sent;
    Complete(targets.size(), snmp_us);
  }

 private:
  // An HTTP job: the probe on this thread, then each address's endpoints
  // written and reported by the writer thread.
  void RunHttp() {
    std::vector<http::HttpCredential> credentials;
    for (const auto& c : job_.credentials()) {
      if (c.kind() != v1::CREDENTIAL_KIND_HTTP_BASIC && c.kind() != v1::CREDENTIAL_KIND_HTTP_BEARER) continue;
      http::HttpCredential h;
      h.name = c.name();
      h.kind = c.kind() == v1::CREDENTIAL_KIND_HTTP_BASIC ? http::HttpCredential::Kind::kBasic
                                                          : http::HttpCredential::Kind::kBearer;
      h.user = c.user();
      h.password = c.password();
      h.token = c.token();
      h.allow_unverified_tls = c.allow_unverified_tls();
      credentials.push_back(std::move(h));
    }
    std::vector<std::string> targets(job_.targets().begin(), job_.targets().end());
    http::ProbeOptions options;
    if (job_.http_ports_size() > 0) options.ports.assign(job_.http_ports().begin(), job_.http_ports().end());
    const auto& limits = job_.limits();
    if (limits.has_timeout()) {
      const int ms = static_cast<int>(limits.timeout().seconds() * 1000 + limits.timeout().nanos() / 1000000);
      if (ms > 0) options.http.connect_timeout_ms = ms;
    }
    if (limits.targets_in_flight() > 0) options.http.max_in_flight = limits.targets_in_flight();
    options.http.extra_ca_file = w_.options_.http_ca_file;

    const int64_t probe_us = Sweep([&] {
      http::ProbeAddresses(
          targets, credentials, w_.fingerprints_, options,
          [this](http::AddressResult r) {
            std::lock_guard lock(mu_);
            http_queue_.push_back(std::move(r));
            wake_.notify_one();
          },
          [this] { return stop_ || cancelled_ || lost_; });
    });
    Complete(targets.size(), probe_us);
  }

  // Runs `sweep` on this thread with the heartbeat and writer threads
  // alongside; returns when the writer has handled every result and the
  // heartbeats have stopped. Returns the sweep's duration in microseconds.
  template <typename Fn>
  int64_t Sweep(Fn&& sweep) {
    std::thread heartbeat([this] { Heartbeats(); });
    std::thread writer([this] { Write(); });
    const auto start = Clock::now();
    sweep();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    {
      std::lock_guard lock(mu_);
      sweep_done_ = true;
      wake_.notify_all();
    }
    writer.join();
    {
      std::lock_guard lock(mu_);
      job_done_ = true;
      wake_.notify_all();
    }
    heartbeat.join();
    return micros;
  }

  void Complete(size_t targets, int64_t sweep_us) {
    if (lost_) {
      Log()->warn("job {}: lease lost; its results are left to the worker that took it over", job_.id());
      return;
    }
    v1::CompleteJobRequest req;
    req.set_job_id(job_.id());
    req.set_lease_token(job_.lease_token());
    req.set_release(unfinished_ > 0 && !cancelled_);
    v1::CompleteJobResponse resp;
    grpc::Status s = Call([&](grpc::ClientContext* ctx) { return w_.discovery_->CompleteJob(ctx, req, &resp); });
    if (!s.ok()) Log()->warn("job {}: complete failed: {}", job_.id(), Describe(s));
    Log()->info("job {} of run {} ({}): {} targets in {:.1f} s, {} {}{}", job_.id(), job_.run_id(),
                job_.protocol().empty() ? "snmp" : job_.protocol(), targets, sweep_us / 1e6, devices_,
                job_.protocol() == "http" ? "endpoints" : "devices", req.release() ? StrRelease() : "");
  }

  std::string StrRelease() const { return ", " + std::to_string(unfinished_) + " handed back"; }

  // Retries a call on transient errors with backoff, while the lease lasts.
  template <typename Fn>
  grpc::Status Call(Fn&& fn, int timeout_seconds = 30) {
    int backoff_ms = 200;
    for (int attempt = 0;; ++attempt) {
      auto ctx = w_.Context(timeout_seconds);
      grpc::Status s = fn(ctx.get());
      if (s.ok() || !Retryable(s) || attempt >= 6 || lost_) return s;
      Log()->warn("server call failed ({}); retrying in {} ms", Describe(s), backoff_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 5000);
    }
  }

  void Heartbeats() {
    std::unique_lock lock(mu_);
    while (!job_done_) {
      wake_.wait_for(lock, std::chrono::seconds(heartbeat_seconds_), [this] { return job_done_; });
      if (job_done_) break;
      lock.unlock();
      v1::HeartbeatRequest req;
      req.set_job_id(job_.id());
      req.set_lease_token(job_.lease_token());
      v1::HeartbeatResponse resp;
      grpc::Status s = Call([&](grpc::ClientContext* ctx) { return w_.discovery_->Heartbeat(ctx, req, &resp); }, 10);
      if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        lost_ = true;
      } else if (s.ok() && resp.cancelled()) {
        cancelled_ = true;
      } else if (!s.ok()) {
        Log()->warn("job {}: heartbeat failed: {}", job_.id(), Describe(s));
      }
      lock.lock();
    }
  }

  void Write() {
    auto last_report = Clock::now();
    while (true) {
      std::optional<TargetResult> next;
      std::optional<http::AddressResult> next_http;
      {
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, std::chrono::milliseconds(500),
                       [this] { return !queue_.empty() || !http_queue_.empty() || sweep_done_; });
        if (!queue_.empty()) {
          next = std::move(queue_.front());
          queue_.pop_front();
        } else if (!http_queue_.empty()) {
          next_http = std::move(http_queue_.front());
          http_queue_.pop_front();
        } else if (sweep_done_) {
          break;
        }
      }
      if (next) Handle(std::move(*next));
      if (next_http) HandleHttp(std::move(*next_http));
      if (pending_.results_size() >= w_.options_.report_every ||
          (pending_.results_size() > 0 && Clock::now() - last_report > std::chrono::seconds(1))) {
        Flush();
        last_report = Clock::now();
      }
    }
    Flush();
  }

  void Handle(TargetResult r) {
    ++w_.stats_.targets;
    w_.stats_.varbinds += r.varbinds;
    v1::TargetOutcome outcome = OutcomeOf(r);
    if (outcome == v1::TARGET_OUTCOME_CANCELLED || lost_) {
      ++unfinished_;  // not reported: it goes back to the queue
      return;
    }
    v1::TargetResult* out = pending_.add_results();
    out->set_address(r.address);
    out->set_credential(r.credential_id);
    out->set_snmp_version(r.version_used == 1 ? "1" : r.version_used == 2 ? "2c" : r.version_used == 3 ? "3" : "");
    out->set_varbinds(r.varbinds);
    out->set_requests(r.pdus_sent);
    out->set_seconds(r.seconds);
    for (const auto& e : r.errors) out->add_errors(e);
    if (!r.status.ok() && r.status.code() != absl::StatusCode::kDeadlineExceeded) {
      out->add_errors(std::string(r.status.message()));
    }
    if (r.walk.empty() || !r.responded) {
      out->set_outcome(outcome);
      return;
    }
    const mib::Inventory inventory = mib::DecodeInventory(r.walk);
    const Classification cls = w_.classifier_.Classify(FactsFromWalk(r.walk, w_.classifier_.probes()));
    if (inventory.system.object_id) out->set_sys_object_id(inventory.system.object_id->ToString());
    if (inventory.system.name) out->set_sys_name(*inventory.system.name);
    out->set_class_name(cls.class_name.empty() ? kFallbackClass : cls.class_name);
    const std::string key = DeviceKey(inventory);
    if (!key.empty()) {
      auto seen = devices_by_key_.find(key);
      if (seen != devices_by_key_.end()) {
        // The same device on another of its addresses: written once.
        out->set_outcome(outcome == v1::TARGET_OUTCOME_DISCOVERED ? v1::TARGET_OUTCOME_PARTIAL : outcome);
        out->set_device_id(seen->second.first);
        out->add_errors("the same device as " + seen->second.second + ": written once, from that address");
        return;
      }
    }
    // The uptime was read when the target first answered, about when its
    // sweep began.
    DeviceContext ctx{r.address, static_cast<int64_t>(std::time(nullptr) - r.seconds)};
    v1::ReconcileRequest req = BuildFindings(inventory, cls, ctx);
    req.mutable_change()->set_comment("discovery run " + job_.run_id());
    v1::ReconcileResponse resp;
    const auto start = Clock::now();
    grpc::Status s = Call([&](grpc::ClientContext* c) { return w_.reconcile_->Reconcile(c, req, &resp); }, 120);
    w_.stats_.reconcile_micros +=
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    if (!s.ok()) {
      out->set_outcome(v1::TARGET_OUTCOME_ERROR);
      out->add_errors("writing the device failed: " + Describe(s));
      return;
    }
    bool device_ok = false;
    for (const auto& item : resp.items()) {
      const bool written = item.action() == v1::RECONCILE_ACTION_CREATED ||
                           item.action() == v1::RECONCILE_ACTION_UPDATED ||
                           item.action() == v1::RECONCILE_ACTION_UNCHANGED;
      if (item.ref() == "device") {
        device_ok = written;
        if (written) out->set_device_id(item.ci_id());
        if (!written) out->add_errors("device not written: " + item.reason());
      } else if (!written) {
        if (out->errors_size() < 20) out->add_errors(item.ref() + " not written: " + item.reason());
      }
      if (written && !item.ci_id().empty() && item.ref().rfind("nbr:", 0) != 0) out->add_reported_ids(item.ci_id());
    }
    if (!device_ok) {
      out->set_outcome(v1::TARGET_OUTCOME_ERROR);
      return;
    }
    ++devices_;
    ++w_.stats_.devices;
    if (!key.empty()) devices_by_key_[key] = {out->device_id(), r.address};
    // Items the server refused leave the device incompletely written: its
    // other dependents must not count as gone.
    bool all_written = true;
    for (const auto& item : resp.items()) {
      if (item.ref().rfind("nbr:", 0) == 0) continue;
      all_written = all_written && (item.action() == v1::RECONCILE_ACTION_CREATED ||
                                    item.action() == v1::RECONCILE_ACTION_UPDATED ||
                                    item.action() == v1::RECONCILE_ACTION_UNCHANGED);
    }
    out->set_outcome(outcome == v1::TARGET_OUTCOME_DISCOVERED && !all_written ? v1::TARGET_OUTCOME_PARTIAL : outcome);
  }

  // One address's endpoints: written (applications, certificates, the
  // host) and reported with what each endpoint answered.
  void HandleHttp(http::AddressResult r) {
    ++w_.stats_.targets;
    if (lost_) return;
    if (r.cancelled || cancelled_) {
      ++unfinished_;  // not reported: it goes back to the queue
      return;
    }
    v1::TargetResult* out = pending_.add_results();
    out->set_address(r.address);
    out->set_requests(r.requests);
    out->set_seconds(r.seconds);
    bool errors = false;
    for (const auto& e : r.endpoints) {
      v1::HttpEndpoint* ep = out->add_endpoints();
      ep->set_url(e.url);
      ep->set_status(e.status);
      ep->set_server(ValidUtf8(e.server));
      ep->set_title(ValidUtf8(e.title));
      ep->set_product(e.product);
      ep->set_version(ValidUtf8(e.version));
      ep->set_fingerprint(e.fingerprint);
      ep->set_seconds(e.seconds);
      if (e.certificate) {
        ep->set_certificate_sha256(e.certificate->fingerprint_sha256);
        ep->set_certificate_verified(e.certificate->chain_verified && e.certificate->hostname_matches);
      }
      for (const auto& err : e.errors) ep->add_errors(ValidUtf8(err));
      errors = errors || !e.errors.empty();
    }
    if (r.endpoints.empty()) {
      out->set_outcome(v1::TARGET_OUTCOME_NO_RESPONSE);
      return;
    }
    HttpContext ctx;
    auto known = job_.known_hosts().find(r.address);
    if (known != job_.known_hosts().end()) ctx.known_host_id = known->second;
    v1::ReconcileRequest req = BuildHttpFindings(r, ctx);
    if (req.items_size() == 0) {  // something listens, but nothing answered HTTP
      out->set_outcome(errors ? v1::TARGET_OUTCOME_PARTIAL : v1::TARGET_OUTCOME_NO_RESPONSE);
      return;
    }
    req.mutable_change()->set_comment("discovery run " + job_.run_id());
    v1::ReconcileResponse resp;
    const auto start = Clock::now();
    grpc::Status s = Call([&](grpc::ClientContext* c) { return w_.reconcile_->Reconcile(c, req, &resp); }, 120);
    w_.stats_.reconcile_micros += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    if (!s.ok()) {
      out->set_outcome(v1::TARGET_OUTCOME_ERROR);
      out->add_errors("writing the endpoints failed: " + Describe(s));
      return;
    }
    bool all_written = true;
    for (const auto& item : resp.items()) {
      const bool written = item.action() == v1::RECONCILE_ACTION_CREATED ||
                           item.action() == v1::RECONCILE_ACTION_UPDATED ||
                           item.action() == v1::RECONCILE_ACTION_UNCHANGED;
      all_written = all_written && written;
      if (!written && out->errors_size() < 20) out->add_errors(item.ref() + " not written: " + item.reason());
      if (!written || item.ci_id().empty()) continue;
      out->add_reported_ids(item.ci_id());
      if (item.ref() == "host") {
        out->set_device_id(item.ci_id());
      } else if (item.ref().rfind("app:", 0) == 0) {
        // "app:<port>" (http_findings.h); the reported endpoints are in
        // the probe's order.
        const std::string port = item.ref().substr(4);
        for (size_t i = 0; i < r.endpoints.size(); ++i) {
          if (std::to_string(r.endpoints[i].port) == port) {
            out->mutable_endpoints(static_cast<int>(i))->set_application_id(item.ci_id());
          }
        }
        ++devices_;
      } else if (item.ref().rfind("cert:", 0) == 0) {
        const std::string fingerprint = item.ref().substr(5);
        for (auto& ep : *out->mutable_endpoints()) {
          if (ep.certificate_sha256() == fingerprint) ep.set_certificate_id(item.ci_id());
        }
      }
    }
    if (out->device_id().empty()) {
      auto known_id = job_.known_hosts().find(r.address);
      if (known_id != job_.known_hosts().end()) out->set_device_id(known_id->second);
    }
    for (const auto& rel : resp.relations()) {
      if (rel.action() == v1::RECONCILE_ACTION_REJECTED && out->errors_size() < 20) {
        out->add_errors("relation " + std::to_string(rel.index()) + " not written: " + rel.reason());
        all_written = false;
      }
    }
    out->set_outcome(all_written && !errors ? v1::TARGET_OUTCOME_DISCOVERED : v1::TARGET_OUTCOME_PARTIAL);
  }

  void Flush() {
    if (pending_.results_size() == 0 || lost_) return;
    pending_.set_job_id(job_.id());
    pending_.set_lease_token(job_.lease_token());
    v1::ReportTargetsResponse resp;
    grpc::Status s = Call([&](grpc::ClientContext* ctx) { return w_.discovery_->ReportTargets(ctx, pending_, &resp); });
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      lost_ = true;
    } else if (!s.ok()) {
      Log()->warn("job {}: report failed: {}", job_.id(), Describe(s));
      unfinished_ += pending_.results_size();
    } else if (resp.cancelled()) {
      cancelled_ = true;
    }
    pending_.Clear();
  }

  Worker& w_;
  const v1::Job& job_;
  const int heartbeat_seconds_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> cancelled_{false}, lost_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<TargetResult> queue_;
  std::deque<http::AddressResult> http_queue_;
  bool sweep_done_ = false, job_done_ = false;
  // Writer thread only:
  v1::ReportTargetsRequest pending_;
  std::map<std::string, std::pair<std::string, std::string>> devices_by_key_;  // key -> (ci id, address)
  int devices_ = 0;
  int unfinished_ = 0;
};

Worker::Worker(WorkerOptions options, Classifier classifier, http::Fingerprints fingerprints)
    : options_(std::move(options)), classifier_(std::move(classifier)), fingerprints_(std::move(fingerprints)) {
  if (options_.name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    options_.name = std::string(host) + ":" + std::to_string(getpid());
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!options_.ca_cert.empty() || options_.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options_.ca_cert.empty()) {
      std::ifstream in(options_.ca_cert);
      std::stringstream pem;
      pem << in.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  channel_ = grpc::CreateCustomChannel(options_.server, creds, args);
  discovery_ = v1::DiscoveryService::NewStub(channel_);
  reconcile_ = v1::ReconciliationService::NewStub(channel_);
}

Worker::~Worker() = default;

std::unique_ptr<grpc::ClientContext> Worker::Context(int timeout_seconds) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  if (!options_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + options_.token);
  return ctx;
}

int Worker::Run(const std::atomic<bool>& stop) {
  int backoff_ms = 500;
  Log()->info("worker {} serving {}", options_.name, options_.server);
  while (!stop) {
    v1::LeaseJobRequest req;
    req.set_worker(options_.name);
    v1::LeaseJobResponse resp;
    grpc::Status s = discovery_->LeaseJob(Context(15).get(), req, &resp);
    if (!s.ok()) {
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED || s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        Log()->critical("the server refused this worker: {}", Describe(s));
        return 1;
      }
      Log()->warn("cannot lease a job ({}); retrying in {} ms", Describe(s), backoff_ms);
      Nap(backoff_ms, stop);
      backoff_ms = std::min(backoff_ms * 2, 30000);
      continue;
    }
    backoff_ms = 500;
    if (!resp.has_job()) {
      if (options_.once) return 0;
      Nap(options_.idle_poll_ms, stop);
      continue;
    }
    ++stats_.jobs;
    JobRunner runner(*this, resp.job(), static_cast<int>(resp.heartbeat_interval().seconds()), stop);
    runner.Run();
  }
  return 0;
}

}  // namespace cmdb::discovery
