// DiscoveryService's worker protocol: lease a job (fenced by a lease
// token), heartbeat, report targets, complete; a run ends when its last job
// does. Every time comes from the injected clock.
#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/discovery.h"
#include "core/normalize.h"
#include "core/request_checks.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/discovery_store.h"
#include "service/discovery_internal.h"
#include "service/discovery_service.h"

namespace cmdb {

using discovery_internal::kMicrosPerSecond;
using discovery_internal::Log;

// --- Workers ---------------------------------------------------------------------

absl::StatusOr<std::optional<JobLease>> DiscoveryService::LeaseJob(const std::string& worker) {
  if (worker.size() > 200) return FieldError("worker", "longer than 200 characters");
  if (secrets_ == nullptr) {
    return absl::FailedPreconditionError("no secret key is configured (--secret-key-file): jobs cannot carry credentials");
  }
  WriteContext context{.actor = worker.empty() ? "worker" : worker, .source = options_.source};
  std::optional<JobLease> out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    out.reset();
    auto leased = db::LeaseJob(tx, worker, clock_.Now(), options_.lease_seconds * kMicrosPerSecond,
                               options_.max_job_attempts);
    if (!leased) return absl::OkStatus();
    JobLease lease;
    lease.id = leased->id;
    lease.run_id = leased->run_id;
    lease.lease_token = leased->lease_token;
    lease.targets = leased->targets;
    lease.lease_expires_at = leased->lease_expires_at;
    lease.protocol = leased->protocol;
    lease.http_ports = leased->http_ports;
    if (lease.protocol == kProtocolHttp) lease.known_hosts = db::DevicesAt(tx, lease.targets);
    lease.limits = leased->limits;
    auto sealed = db::GetSealedCredentials(tx, leased->credentials);
    for (const std::string& name : leased->credentials) {
      auto it = std::find_if(sealed.begin(), sealed.end(),
                             [&](const db::SealedCredential& c) { return c.credential.name == name; });
      if (it == sealed.end()) continue;  // deleted since the run was queued
      auto opened = secrets_->Open(it->sealed, name);
      if (!opened.ok()) {
        Log()->error("credential {} does not open with the configured secret key; left out of job {}", name, lease.id);
        continue;
      }
      const Json secret = Json::parse(*opened, nullptr, false);
      JobCredential jc;
      jc.credential = it->credential;
      if (secret.is_object()) {
        jc.secret.community = secret.value("community", "");
        jc.secret.auth_key = secret.value("auth_key", "");
        jc.secret.priv_key = secret.value("priv_key", "");
        jc.secret.password = secret.value("password", "");
        jc.secret.token = secret.value("token", "");
      }
      lease.credentials.push_back(std::move(jc));
    }
    out = std::move(lease);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (out) {
    Log()->info("job {} of run {} leased by {}: {} targets", out->id, out->run_id, worker, out->targets.size());
  }
  return out;
}

absl::StatusOr<HeartbeatResult> DiscoveryService::Heartbeat(const std::string& job_id, int64_t lease_token) {
  CMDB_RETURN_IF_ERROR(CheckId(job_id, "job_id"));
  WriteContext context{.actor = "worker", .source = options_.source};
  HeartbeatResult out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    out = HeartbeatResult{};
    switch (db::RenewLease(tx, job_id, lease_token, clock_.Now(), options_.lease_seconds * kMicrosPerSecond,
                           &out.lease_expires_at)) {
      case db::LeaseCheck::kHeld:
        return absl::OkStatus();
      case db::LeaseCheck::kCancelled:
        out.cancelled = true;
        return absl::OkStatus();
      case db::LeaseCheck::kLost:
        break;
    }
    return absl::FailedPreconditionError(StrCat("lease of job ", job_id, " was lost: another worker holds it or it ended"));
  });
  if (!written.ok()) return written.status();
  return out;
}

absl::StatusOr<bool> DiscoveryService::ReportTargets(const std::string& job_id, int64_t lease_token,
                                                     const std::string& worker, std::vector<TargetReport> reports) {
  CMDB_RETURN_IF_ERROR(CheckId(job_id, "job_id"));
  if (reports.size() > 10'000) return FieldError("results", "at most 10000 per call");
  for (size_t i = 0; i < reports.size(); ++i) {
    TargetReport& t = reports[i];
    const std::string field = StrCat("results[", i, "]");
    auto address = NormalizeIp(t.address);
    if (!address) return FieldError(field + ".address", StrCat("not an IP address: \"", t.address, "\""));
    t.address = *address;
    if (static_cast<int>(t.outcome) < 1 || static_cast<int>(t.outcome) > 6) return FieldError(field + ".outcome", "required");
    if (!t.device_id.empty()) CMDB_RETURN_IF_ERROR(CheckId(t.device_id, field + ".device_id"));
    for (size_t k = 0; k < t.reported_ids.size(); ++k) {
      CMDB_RETURN_IF_ERROR(CheckId(t.reported_ids[k], StrCat(field, ".reported_ids[", k, "]")));
      t.reported_ids[k] = CanonicalUuid(t.reported_ids[k]);
    }
    if (t.errors.size() > 100) t.errors.resize(100);
    for (auto& e : t.errors) {
      if (e.size() > 1000) e.resize(1000);
    }
    for (std::string* s : {&t.credential, &t.snmp_version, &t.sys_object_id, &t.sys_name, &t.class_name}) {
      if (s->size() > 1000) s->resize(1000);
    }
    for (size_t k = 0; k < t.endpoints.size(); ++k) {
      HttpEndpointReport& e = t.endpoints[k];
      const std::string ef = StrCat(field, ".endpoints[", k, "]");
      if (!e.application_id.empty()) CMDB_RETURN_IF_ERROR(CheckId(e.application_id, ef + ".application_id"));
      if (!e.certificate_id.empty()) CMDB_RETURN_IF_ERROR(CheckId(e.certificate_id, ef + ".certificate_id"));
      for (std::string* s :
           {&e.url, &e.server, &e.title, &e.product, &e.version, &e.fingerprint, &e.certificate_sha256}) {
        if (s->size() > 1000) s->resize(1000);
      }
      if (e.errors.size() > 20) e.errors.resize(20);
      for (auto& err : e.errors) {
        if (err.size() > 1000) err.resize(1000);
      }
    }
  }
  WriteContext context{.actor = worker.empty() ? "worker" : worker, .source = options_.source};
  bool cancelled = false;
  int64_t marked = 0;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    cancelled = false;
    marked = 0;
    const db::Lease lease = db::CheckLease(tx, job_id, lease_token);
    switch (lease.check) {
      case db::LeaseCheck::kHeld:
        break;
      case db::LeaseCheck::kCancelled:
        cancelled = true;
        return absl::OkStatus();  // the run is over: its log stays as it was
      case db::LeaseCheck::kLost:
        return absl::FailedPreconditionError(
            StrCat("lease of job ", job_id, " was lost: another worker holds it or it ended; results not recorded"));
    }
    const std::string& run_id = lease.run_id;
    std::vector<std::string> addresses;
    addresses.reserve(reports.size());
    for (const TargetReport& t : reports) addresses.push_back(t.address);
    if (auto foreign = db::FirstForeignTarget(tx, job_id, addresses)) {
      return FieldError(StrCat("results[", *foreign, "].address"),
                        StrCat("\"", addresses[*foreign], "\" is not a target of job ", job_id));
    }
    // A target reported again (a retried call) counts its device's missed
    // dependents once per run.
    std::vector<std::string> again = db::AlreadyDiscovered(tx, run_id, job_id, addresses);
    const std::set<std::string> counted(again.begin(), again.end());
    db::RecordTargets(tx, run_id, job_id, worker, reports, clock_.Now());
    const bool http = lease.protocol == kProtocolHttp;
    const std::string& source = http ? options_.http_source : options_.source;
    // A fully collected device: its dependents this source reported before
    // and not now count a missed run. A fully probed address: the
    // endpoints this source reported there before and not now. Read for
    // all of them at once, keyed by device (SNMP) or address (HTTP).
    std::map<std::string, std::set<std::string>> reported;  // device or address -> the CIs reported now
    for (const TargetReport& t : reports) {
      if (t.outcome != TargetOutcome::kDiscovered || counted.contains(t.address)) continue;
      if (!http && t.device_id.empty()) continue;
      // A device answering at two addresses of the job: what either reported.
      reported[http ? t.address : t.device_id].insert(t.reported_ids.begin(), t.reported_ids.end());
    }
    std::vector<std::string> keys;
    for (const auto& [key, ids] : reported) keys.push_back(key);
    std::set<std::string> missed;
    for (auto& [key, id] :
         http ? db::SourcedEndpointsAt(tx, keys, source) : db::SourcedDescendants(tx, keys, source)) {
      if (!reported.at(key).contains(id)) missed.insert(std::move(id));
    }
    marked += db::CountMissed(tx, source, {missed.begin(), missed.end()}, clock_.Now(), /*count_run=*/false);
    db::AddMarkedStale(tx, run_id, marked);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return cancelled;
}

absl::Status DiscoveryService::EndRunIfDone(db::Tx& tx, const std::string& run_id) {
  auto state = db::FinishRunIfDone(tx, run_id, clock_.Now());
  if (!state) return absl::OkStatus();
  int64_t marked = 0;
  if (*state == RunState::kSucceeded && db::RunHasProtocol(tx, run_id, kProtocolSnmp)) {
    // Devices whose address was scanned (without an answer, or fully) and
    // that this run did not report count a missed run of the source.
    marked = db::CountMissed(tx, options_.source, db::DevicesMissedByRun(tx, run_id, options_.source), clock_.Now(),
                             /*count_run=*/true);
    db::AddMarkedStale(tx, run_id, marked);
  }
  Log()->info("run {} ended: {}{}", run_id, *state == RunState::kSucceeded ? "succeeded" : "failed",
              marked > 0 ? StrCat(", ", marked, " CIs marked stale") : "");
  return absl::OkStatus();
}

absl::Status DiscoveryService::CompleteJob(const std::string& job_id, int64_t lease_token, bool release) {
  CMDB_RETURN_IF_ERROR(CheckId(job_id, "job_id"));
  WriteContext context{.actor = "worker", .source = options_.source};
  return db_.Write(context, [&](db::Tx& tx) -> absl::Status {
              const db::Lease lease = db::CheckLease(tx, job_id, lease_token);
              switch (lease.check) {
                case db::LeaseCheck::kHeld:
                  db::EndJob(tx, job_id, release);
                  return release ? absl::OkStatus() : EndRunIfDone(tx, lease.run_id);
                case db::LeaseCheck::kCancelled:
                  return absl::OkStatus();
                case db::LeaseCheck::kLost:
                  break;
              }
              return absl::FailedPreconditionError(
                  StrCat("lease of job ", job_id, " was lost: another worker holds it or it ended"));
            })
      .status();
}

}  // namespace cmdb
