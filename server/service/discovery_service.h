// Use cases of discovery: credentials whose secrets are write-only, schedules,
// runs split into jobs, the worker protocol (lease, heartbeat, report,
// complete) with fenced leases, the scheduler's periodic tick, and the
// staleness a run's results imply. Workers write CIs only through
// reconciliation (as source "snmp" or "http"); this service keeps the runs' state and
// log. Errors:
//   INVALID_ARGUMENT    bad input, the field named ("schedule.targets[2]: ...")
//   NOT_FOUND           no such schedule, credential, run or job
//   ALREADY_EXISTS      a schedule or credential of that name exists
//   ABORTED             stale etag
//   FAILED_PRECONDITION a lease that was lost; a credential still in use; a
//                       run that is not active; no secret key configured
//   UNAVAILABLE         the database is unreachable
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/discovery_model.h"
#include "db/database.h"
#include "service/secret_box.h"

namespace cmdb {

struct DiscoveryOptions {
  size_t max_targets_per_run = 65536;
  size_t job_size = 128;           // targets per job (a worker sweeps a job's targets at once)
  int64_t lease_seconds = 60;      // workers heartbeat every third of it
  int max_job_attempts = 5;        // leases of one job before it is given up
  int64_t retention_days = 30;     // ended runs older than this are pruned
  std::string source = "snmp";     // the reconciliation source SNMP jobs write as
  std::string http_source = "http";  // and HTTP jobs
};

struct RunPage {
  std::vector<Run> runs;
  std::string next_page_token;
};

struct RunLogPage {
  std::vector<TargetReport> entries;
  std::string next_page_token;
};

struct HeartbeatResult {
  bool cancelled = false;
  Micros lease_expires_at = 0;
};

class DiscoveryService {
 public:
  // `secrets` may be null: credentials then cannot be created or leased
  // (FAILED_PRECONDITION naming the missing configuration).
  DiscoveryService(db::Database& db, const Clock& clock, const SecretBox* secrets, DiscoveryOptions options);

  // --- Credentials
  absl::StatusOr<Credential> CreateCredential(const Credential& credential, const CredentialSecret& secret,
                                              bool replace);
  absl::StatusOr<std::vector<Credential>> ListCredentials();
  absl::Status DeleteCredential(const std::string& name);

  // --- Schedules
  absl::StatusOr<Schedule> CreateSchedule(Schedule schedule);
  absl::StatusOr<Schedule> GetSchedule(const std::string& name);
  absl::StatusOr<std::vector<Schedule>> ListSchedules();
  // `mask` names the fields to change (as in cmdb.v1.UpdateScheduleRequest);
  // empty: all. `etag` (optional) must match the stored version.
  absl::StatusOr<Schedule> UpdateSchedule(const Schedule& schedule, const std::vector<std::string>& mask,
                                          const std::string& etag);
  absl::Status DeleteSchedule(const std::string& name);

  // --- Runs
  // Runs `schedule` now, or (schedule empty) an ad-hoc run of `adhoc`'s
  // targets, exclusions, credentials and limits. FAILED_PRECONDITION when
  // the schedule already has a run queued or running.
  absl::StatusOr<Run> StartRun(const std::string& schedule, const Run& adhoc, const std::string& actor);
  absl::StatusOr<Run> GetRun(const std::string& id);
  absl::StatusOr<RunPage> ListRuns(const std::string& schedule, int page_size, const std::string& page_token);
  absl::StatusOr<Run> CancelRun(const std::string& id);
  absl::StatusOr<RunLogPage> ListRunLog(const std::string& run_id, const std::vector<int>& outcomes, int page_size,
                                        const std::string& page_token);

  // --- Workers
  // nullopt when there is no work.
  absl::StatusOr<std::optional<JobLease>> LeaseJob(const std::string& worker);
  absl::StatusOr<HeartbeatResult> Heartbeat(const std::string& job_id, int64_t lease_token);
  // Records target results; returns whether the run was cancelled. Results of
  // a lease that was lost are refused (FAILED_PRECONDITION) and not recorded;
  // so are results for an address that is not one of the job's targets
  // (INVALID_ARGUMENT naming results[i].address).
  absl::StatusOr<bool> ReportTargets(const std::string& job_id, int64_t lease_token, const std::string& worker,
                                     std::vector<TargetReport> reports);
  absl::Status CompleteJob(const std::string& job_id, int64_t lease_token, bool release);

  // The scheduler: starts the runs of due schedules, gives up jobs whose
  // workers vanished too often (ending their runs), prunes old runs.
  absl::Status Tick();

  const DiscoveryOptions& options() const { return options_; }

 private:
  absl::StatusOr<Run> CreateRun(db::Tx& tx, Run run);
  absl::Status EndRunIfDone(db::Tx& tx, const std::string& run_id);

  db::Database& db_;
  const Clock& clock_;
  const SecretBox* secrets_;
  DiscoveryOptions options_;
};

}  // namespace cmdb
