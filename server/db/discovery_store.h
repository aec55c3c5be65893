// SQL for discovery: credentials (sealed secrets only), schedules, runs, the
// job queue with fenced leases, and the per-target run log. Callers validate
// input first (service/discovery_service.h); these functions read and write
// rows. Every function runs inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/discovery_model.h"
#include "db/database.h"

namespace cmdb::db {

// --- Credentials -----------------------------------------------------------

// A credential row with its sealed secret (bytes as cmdbd sealed them).
struct SealedCredential {
  Credential credential;
  std::string sealed;
};

// Inserts, or with `replace` overwrites, a credential. False when it exists
// and `replace` is not set (nothing written).
bool PutCredential(Tx& tx, const SealedCredential& credential, bool replace);
std::vector<Credential> ListCredentials(Tx& tx);
// The named credentials with their sealed secrets, in any order; missing
// names are left out.
std::vector<SealedCredential> GetSealedCredentials(Tx& tx, const std::vector<std::string>& names);
// False when there was no such credential.
bool DeleteCredential(Tx& tx, const std::string& name);
// Names of the schedules that use credential `name`.
std::vector<std::string> SchedulesUsingCredential(Tx& tx, const std::string& name);

// --- Schedules ---------------------------------------------------------------

// False when a schedule of that name exists (nothing written).
bool InsertSchedule(Tx& tx, const Schedule& schedule);
std::optional<Schedule> GetSchedule(Tx& tx, const std::string& name, bool lock = false);
std::vector<Schedule> ListSchedules(Tx& tx);
// Writes every field of `schedule` and bumps its version.
void UpdateSchedule(Tx& tx, const Schedule& schedule);
bool DeleteSchedule(Tx& tx, const std::string& name);
// Enabled schedules whose next run is due at `now`, locked (skipping those
// another transaction holds).
std::vector<Schedule> LockDueSchedules(Tx& tx, Micros now);
// Records when a schedule runs next and its last run.
void SetScheduleRun(Tx& tx, const std::string& name, std::optional<Micros> next_run_at, const std::string& last_run_id);

// --- Runs and jobs -------------------------------------------------------------

// A job to insert: a chunk of targets probed with one protocol.
struct NewJob {
  std::string protocol;
  std::vector<std::string> targets;
};
// Inserts a queued run and its jobs. False when the run's schedule already
// has a run queued or running.
bool InsertRun(Tx& tx, const Run& run, const std::vector<NewJob>& jobs);
std::optional<Run> GetRun(Tx& tx, const std::string& id);
// Newest first; after (created_at, id) when `after_id` is set.
std::vector<Run> ListRuns(Tx& tx, const std::string& schedule, std::optional<Micros> after_created,
                          const std::string& after_id, int limit);
// Cancels an active run and its unfinished jobs. False when the run was not
// active.
bool CancelRun(Tx& tx, const std::string& id, Micros now);
// Deletes runs (with jobs and logs) that ended before `cutoff`. Returns how many.
int64_t PruneRuns(Tx& tx, Micros cutoff);

// Jobs whose lease expired after `max_attempts` leases are given up (state
// failed). Returns the ids of the runs they belong to.
std::vector<std::string> FailAbandonedJobs(Tx& tx, Micros now, int max_attempts);

struct LeasedJob {
  std::string id, run_id;
  int64_t lease_token = 0;
  std::vector<std::string> targets;      // those not yet reported
  std::vector<std::string> credentials;  // names, in order
  ScanLimits limits;
  Micros lease_expires_at = 0;
  std::string protocol;
  std::vector<int> http_ports;
};
// Leases the oldest queued job (or one whose lease expired and that has been
// leased fewer than `max_attempts` times: the scheduler gives those up) of an
// active run, with a new lease token; marks its run running. nullopt when none.
// A run's HTTP jobs are leased only when none of its SNMP jobs is queued or
// leased.
std::optional<LeasedJob> LeaseJob(Tx& tx, const std::string& worker, Micros now, Micros lease_micros,
                                  int max_attempts);

enum class LeaseCheck { kHeld, kCancelled, kLost };
// A job's lease as CheckLease found it, with the job's run and protocol
// (empty when there is no such job).
struct Lease {
  LeaseCheck check = LeaseCheck::kLost;
  std::string run_id;
  std::string protocol;
};
// Extends a lease held with `token`. kCancelled when the job's run was
// cancelled; kLost when another worker holds it or it ended.
LeaseCheck RenewLease(Tx& tx, const std::string& job_id, int64_t token, Micros now, Micros lease_micros,
                      Micros* expires_at);
// Checks a lease without extending it, and locks the job until the end of
// the transaction, so the lease cannot be taken over before the caller has
// written what the lease allows.
Lease CheckLease(Tx& tx, const std::string& job_id, int64_t token);

// Upserts log rows for targets of `job_id`, under the job's protocol (a
// target reported twice keeps the last report).
void RecordTargets(Tx& tx, const std::string& run_id, const std::string& job_id, const std::string& worker,
                   const std::vector<TargetReport>& reports, Micros now);

// The index (into `addresses`) of the first address that is not a target
// of `job_id`; nullopt when all are.
std::optional<size_t> FirstForeignTarget(Tx& tx, const std::string& job_id, const std::vector<std::string>& addresses);

// Those of `addresses` (canonical) that the run's log already has as
// discovered by `job_id`'s protocol.
std::vector<std::string> AlreadyDiscovered(Tx& tx, const std::string& run_id, const std::string& job_id,
                                           const std::vector<std::string>& addresses);

// The device CIs (no parent, not retired) recorded at each of `addresses`
// by their management_ip: (address, id) pairs, one per address (the most
// recently updated when several claim it).
std::vector<std::pair<std::string, std::string>> DevicesAt(Tx& tx, const std::vector<std::string>& addresses);

// Whether the run probes with `protocol`.
bool RunHasProtocol(Tx& tx, const std::string& run_id, const std::string& protocol);

// Ends a held job: done, or back to the queue (`release`).
void EndJob(Tx& tx, const std::string& job_id, bool release);

// If no job of the run is queued or leased any more, ends the run (succeeded,
// or failed when a job failed) and returns its final state; nullopt when the
// run goes on or had already ended. Exactly one caller ends a run: it locks
// the run's row first, so of concurrent callers the last sees all their jobs.
std::optional<RunState> FinishRunIfDone(Tx& tx, const std::string& run_id, Micros now);

// Adds to the run's count of CIs it made stale.
void AddMarkedStale(Tx& tx, const std::string& run_id, int64_t count);

// The run log, by address and protocol, after (`after_address`,
// `after_protocol`) ("" from the start); `outcomes` empty: all.
std::vector<TargetReport> ListRunLog(Tx& tx, const std::string& run_id, const std::string& after_address,
                                     const std::string& after_protocol, const std::vector<int>& outcomes, int limit);

// --- Staleness inputs ------------------------------------------------------------

// CIs below each of `device_ids` (its dependents, and theirs) that `source`
// has reported and that are not stale: (device id, CI id) pairs.
std::vector<std::pair<std::string, std::string>> SourcedDescendants(Tx& tx, const std::vector<std::string>& device_ids,
                                                                    const std::string& source);
// Devices (CIs without a parent) that `source` has reported, whose
// management address was scanned over SNMP in `run_id` without an answer or
// fully, and that the run did not report.
std::vector<std::string> DevicesMissedByRun(Tx& tx, const std::string& run_id, const std::string& source);

// Applications that `source` has reported answering at each of `addresses`
// and that are not stale: (address, CI id) pairs.
std::vector<std::pair<std::string, std::string>> SourcedEndpointsAt(Tx& tx, const std::vector<std::string>& addresses,
                                                                    const std::string& source);

// Counts a missed run for `source`'s sightings of `ci_ids` and marks stale
// those past the source's limits (stale_after_runs, stale_after). With
// `count_run`, also counts a run of the source. Returns how many CIs became
// stale.
int64_t CountMissed(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids, Micros now,
                    bool count_run);

}  // namespace cmdb::db
