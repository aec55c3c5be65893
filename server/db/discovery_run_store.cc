// Discovery storage: runs, the job queue with fenced leases, the
// per-target run log, and what staleness after a run reads.
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "db/discovery_rows.h"
#include "db/discovery_store.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

nlohmann::json EndpointsToJson(const std::vector<HttpEndpointReport>& endpoints) {
  nlohmann::json out = nlohmann::json::array();
  for (const HttpEndpointReport& e : endpoints) {
    out.push_back({{"url", e.url},
                   {"status", e.status},
                   {"server", e.server},
                   {"title", e.title},
                   {"product", e.product},
                   {"version", e.version},
                   {"fingerprint", e.fingerprint},
                   {"certificate_sha256", e.certificate_sha256},
                   {"certificate_verified", e.certificate_verified},
                   {"application_id", e.application_id},
                   {"certificate_id", e.certificate_id},
                   {"errors", e.errors},
                   {"seconds", e.seconds}});
  }
  return out;
}

std::vector<HttpEndpointReport> EndpointsFromJson(const std::string& text) {
  std::vector<HttpEndpointReport> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    HttpEndpointReport r;
    r.url = e.value("url", "");
    r.status = e.value("status", 0);
    r.server = e.value("server", "");
    r.title = e.value("title", "");
    r.product = e.value("product", "");
    r.version = e.value("version", "");
    r.fingerprint = e.value("fingerprint", "");
    r.certificate_sha256 = e.value("certificate_sha256", "");
    r.certificate_verified = e.value("certificate_verified", false);
    r.application_id = e.value("application_id", "");
    r.certificate_id = e.value("certificate_id", "");
    r.errors = e.value("errors", std::vector<std::string>{});
    r.seconds = e.value("seconds", 0.0);
    out.push_back(std::move(r));
  }
  return out;
}

// --- Runs

// Progress is computed from the log and the jobs, so it cannot drift.
#define CMDB_RUN_COLUMNS                                                                                    \
  "r.id::text, coalesce(r.schedule, ''), r.state, r.targets, r.exclusions, r.credentials, r.limits::text, " \
  "r.requested_by, r.error, r.targets_total, r.jobs_total, r.marked_stale, epoch_us(r.created_at), "        \
  "epoch_us(r.started_at), epoch_us(r.ended_at), "                                                          \
  "(SELECT count(*) FROM discovery_target_log l WHERE l.run_id = r.id), "                                   \
  "(SELECT count(*) FROM discovery_target_log l WHERE l.run_id = r.id AND l.outcome IN (1, 2, 4)), "        \
  "(SELECT count(DISTINCT l.device_id) FROM discovery_target_log l WHERE l.run_id = r.id), "                \
  "(SELECT count(*) FROM discovery_target_log l WHERE l.run_id = r.id AND l.outcome IN (2, 4, 5)), "        \
  "(SELECT count(*) FROM discovery_job j WHERE j.run_id = r.id AND j.state IN (3, 4, 5)), "                 \
  "r.protocols, r.http_ports"

const Statement kInsertRun{
    "run_insert",
    "INSERT INTO discovery_run (id, schedule, state, targets, exclusions, credentials, limits, requested_by, "
    "  targets_total, jobs_total, protocols, http_ports) "
    "VALUES ($1::uuid, nullif($2, ''), 1, $3::text[], $4::text[], $5::text[], $6::jsonb, $7, $8, $9, $10::text[], "
    "  $11::integer[]) "
    "ON CONFLICT DO NOTHING RETURNING id"};
const Statement kInsertJobs{
    "run_insert_jobs",
    "INSERT INTO discovery_job (id, run_id, seq, targets, state, protocol) "
    "SELECT gen_random_uuid(), $1::uuid, j.seq, ARRAY(SELECT jsonb_array_elements_text(j.job->'targets')), 1, "
    "  j.job->>'protocol' "
    "FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS j(job, seq)"};
const Statement kGetRun{"run_get", "SELECT " CMDB_RUN_COLUMNS " FROM discovery_run r WHERE r.id = $1::uuid"};
const Statement kListRuns{
    "run_list",
    "SELECT " CMDB_RUN_COLUMNS " FROM discovery_run r "
    "WHERE ($1 = '' OR r.schedule = $1) "
    "  AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2::timestamptz, $3::uuid)) "
    "ORDER BY r.created_at DESC, r.id DESC LIMIT $4"};
const Statement kCancelRun{
    "run_cancel",
    "WITH r AS (UPDATE discovery_run SET state = 5, ended_at = $2::timestamptz "
    "           WHERE id = $1::uuid AND state IN (1, 2) RETURNING id), "
    "j AS (UPDATE discovery_job SET state = 5 WHERE run_id IN (SELECT id FROM r) AND state IN (1, 2)) "
    "SELECT count(*) FROM r"};
const Statement kPruneRuns{
    "run_prune",
    "WITH d AS (DELETE FROM discovery_run WHERE ended_at < $1::timestamptz RETURNING id) SELECT count(*) FROM d"};
const Statement kFailAbandoned{
    "job_fail_abandoned",
    "UPDATE discovery_job SET state = 4 WHERE state = 2 AND lease_expires_at < $1::timestamptz "
    "  AND attempts >= $2 RETURNING run_id::text"};
const Statement kLeaseJob{
    "job_lease",
    "WITH j AS (SELECT j.id FROM discovery_job j JOIN discovery_run r ON r.id = j.run_id "
    "           WHERE (j.state = 1 OR (j.state = 2 AND j.lease_expires_at < $2::timestamptz AND j.attempts < $4)) "
    "             AND r.state IN (1, 2) "
    "             AND (j.protocol = 'snmp' OR NOT EXISTS (SELECT 1 FROM discovery_job p WHERE p.run_id = j.run_id "
    "                                                      AND p.protocol = 'snmp' AND p.state IN (1, 2))) "
    "           ORDER BY r.created_at, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED), "
    "leased AS (UPDATE discovery_job SET state = 2, lease_token = nextval('discovery_lease_token_seq'), "
    "             worker = $1, lease_expires_at = $2::timestamptz + $3 * interval '1 microsecond', "
    "             attempts = attempts + 1 "
    "           FROM j WHERE discovery_job.id = j.id "
    "           RETURNING discovery_job.id, discovery_job.run_id, discovery_job.lease_token, "
    "             discovery_job.targets, discovery_job.lease_expires_at, discovery_job.protocol), "
    "started AS (UPDATE discovery_run SET state = 2, started_at = coalesce(started_at, $2::timestamptz) "
    "            WHERE id IN (SELECT run_id FROM leased) AND state = 1) "
    "SELECT l.id::text, l.run_id::text, l.lease_token, "
    "  ARRAY(SELECT t FROM unnest(l.targets) WITH ORDINALITY AS u(t, n) "
    "        WHERE NOT EXISTS (SELECT 1 FROM discovery_target_log g "
    "                          WHERE g.run_id = l.run_id AND g.address = u.t::inet "
    "                            AND g.protocol = l.protocol) ORDER BY u.n), "
    "  r.credentials, r.limits::text, epoch_us(l.lease_expires_at), l.protocol, r.http_ports "
    "FROM leased l JOIN discovery_run r ON r.id = l.run_id"};
const Statement kRenewLease{
    "job_renew",
    "UPDATE discovery_job j SET lease_expires_at = $3::timestamptz + $4 * interval '1 microsecond' "
    "FROM discovery_run r WHERE j.id = $1::uuid AND j.lease_token = $2 AND j.state = 2 "
    "  AND r.id = j.run_id AND r.state IN (1, 2) "
    "RETURNING epoch_us(j.lease_expires_at)"};
const Statement kLeaseState{
    "job_lease_state",
    "SELECT j.state, j.lease_token = $2, r.state, r.id::text, j.protocol FROM discovery_job j "
    "JOIN discovery_run r ON r.id = j.run_id WHERE j.id = $1::uuid FOR UPDATE OF j"};
const Statement kAlreadyDiscovered{"log_already_discovered",
                                   "SELECT host(address) FROM discovery_target_log "
                                   "WHERE run_id = $1::uuid AND outcome = 1 AND address = ANY($3::inet[]) "
                                   "  AND protocol = (SELECT protocol FROM discovery_job WHERE id = $2::uuid)"};
const Statement kDevicesAt{
    "disc_devices_at",
    "SELECT DISTINCT ON (c.attributes->>'management_ip') c.attributes->>'management_ip', c.id::text "
    "FROM ci c WHERE c.parent_id IS NULL AND c.status <> 'retired' AND c.attributes ? 'management_ip' "
    "  AND (c.attributes->>'management_ip') = ANY($1::text[]) "
    "ORDER BY c.attributes->>'management_ip', c.stale, c.updated_at DESC"};
const Statement kLockRun{"run_lock", "SELECT 1 FROM discovery_run WHERE id = $1::uuid FOR UPDATE"};
const Statement kForeignTarget{
    "job_foreign_target",
    "SELECT x.n FROM unnest($2::text[]) WITH ORDINALITY AS x(a, n) "
    "WHERE NOT EXISTS (SELECT 1 FROM discovery_job j, unnest(j.targets) AS u(target) "
    "                  WHERE j.id = $1::uuid AND u.target::inet = x.a::inet) "
    "ORDER BY x.n LIMIT 1"};
const Statement kRecordTargets{
    "log_record",
    "INSERT INTO discovery_target_log (run_id, address, job_id, outcome, credential, snmp_version, "
    "  sys_object_id, sys_name, class_name, device_id, errors, varbinds, requests, seconds, worker, reported_at, "
    "  protocol, endpoints) "
    "SELECT $1::uuid, x.address::inet, $2::uuid, x.outcome, x.credential, x.snmp_version, x.sys_object_id, "
    "  x.sys_name, x.class_name, nullif(x.device_id, '')::uuid, "
    "  ARRAY(SELECT jsonb_array_elements_text(x.errors)), x.varbinds, x.requests, x.seconds, $3, "
    "  $4::timestamptz, (SELECT protocol FROM discovery_job WHERE id = $2::uuid), x.endpoints "
    "FROM jsonb_to_recordset($5::jsonb) AS x(address text, outcome smallint, credential text, "
    "  snmp_version text, sys_object_id text, sys_name text, class_name text, device_id text, errors jsonb, "
    "  varbinds integer, requests integer, seconds double precision, endpoints jsonb) "
    "ON CONFLICT (run_id, address, protocol) DO UPDATE SET job_id = EXCLUDED.job_id, outcome = EXCLUDED.outcome, "
    "  credential = EXCLUDED.credential, snmp_version = EXCLUDED.snmp_version, "
    "  sys_object_id = EXCLUDED.sys_object_id, sys_name = EXCLUDED.sys_name, "
    "  class_name = EXCLUDED.class_name, device_id = EXCLUDED.device_id, errors = EXCLUDED.errors, "
    "  varbinds = EXCLUDED.varbinds, requests = EXCLUDED.requests, seconds = EXCLUDED.seconds, "
    "  worker = EXCLUDED.worker, reported_at = EXCLUDED.reported_at, endpoints = EXCLUDED.endpoints"};
const Statement kRunHasProtocol{"run_has_protocol",
                                "SELECT $2 = ANY(protocols) FROM discovery_run WHERE id = $1::uuid"};
const Statement kEndJob{"job_end", "UPDATE discovery_job SET state = 3, lease_expires_at = NULL WHERE id = $1::uuid"};
const Statement kReleaseJob{
    "job_release",
    "UPDATE discovery_job SET state = 1, worker = '', lease_expires_at = NULL WHERE id = $1::uuid"};
const Statement kFinishRun{
    "run_finish",
    "UPDATE discovery_run r SET "
    "  state = CASE WHEN EXISTS (SELECT 1 FROM discovery_job j WHERE j.run_id = r.id AND j.state = 4) "
    "               THEN 4 ELSE 3 END, "
    "  error = CASE WHEN EXISTS (SELECT 1 FROM discovery_job j WHERE j.run_id = r.id AND j.state = 4) "
    "               THEN 'some targets were not scanned: their job lost its worker too often' ELSE '' END, "
    "  ended_at = $2::timestamptz "
    "WHERE r.id = $1::uuid AND r.state IN (1, 2) "
    "  AND NOT EXISTS (SELECT 1 FROM discovery_job j WHERE j.run_id = r.id AND j.state IN (1, 2)) "
    "RETURNING r.state"};
const Statement kAddMarkedStale{"run_add_stale",
                                "UPDATE discovery_run SET marked_stale = marked_stale + $2 WHERE id = $1::uuid"};
const Statement kListLog{
    "log_list",
    "SELECT host(address), outcome, credential, snmp_version, sys_object_id, sys_name, class_name, "
    "  coalesce(device_id::text, ''), errors, varbinds, requests, seconds, worker, epoch_us(reported_at), "
    "  protocol, endpoints::text "
    "FROM discovery_target_log WHERE run_id = $1::uuid "
    "  AND ($2 = '' OR (address, protocol) > ($2::inet, $5)) "
    "  AND (cardinality($3::int[]) = 0 OR outcome = ANY($3::int[])) "
    "ORDER BY address, protocol LIMIT $4"};

// --- Staleness

const Statement kSourcedDescendants{
    "disc_sourced_descendants",
    "WITH RECURSIVE d(root, id, depth) AS ("
    "  SELECT parent_id, id, 1 FROM ci WHERE parent_id = ANY($1::uuid[]) "
    "  UNION ALL SELECT d.root, c.id, d.depth + 1 FROM ci c JOIN d ON c.parent_id = d.id WHERE d.depth < 8) "
    "SELECT d.root::text, d.id::text FROM d JOIN ci_source cs ON cs.ci_id = d.id AND cs.source = $2 "
    "WHERE NOT cs.stale"};
const Statement kDevicesMissed{"disc_devices_missed",
                               "WITH scanned AS (SELECT address FROM discovery_target_log "
                               "                 WHERE run_id = $1::uuid AND protocol = 'snmp' AND outcome IN (1, 3)), "
                               "seen AS (SELECT device_id FROM discovery_target_log "
                               "         WHERE run_id = $1::uuid AND protocol = 'snmp' AND device_id IS NOT NULL) "
                               "SELECT c.id::text FROM ci c JOIN ci_source cs ON cs.ci_id = c.id AND cs.source = $2 "
                               "WHERE c.parent_id IS NULL AND NOT cs.stale AND c.attributes ? 'management_ip' "
                               "  AND (c.attributes->>'management_ip') IN (SELECT host(address) FROM scanned) "
                               "  AND c.id NOT IN (SELECT device_id FROM seen)"};

const Statement kSourcedEndpoints{
    "disc_sourced_endpoints",
    "SELECT c.attributes->>'address', c.id::text FROM ci c JOIN ci_source cs ON cs.ci_id = c.id AND cs.source = $2 "
    "WHERE NOT cs.stale AND c.attributes ? 'address' AND c.attributes->>'address' = ANY($1::text[]) "
    "  AND c.class_name IN (WITH RECURSIVE k(name) AS (SELECT 'application'::text "
    "                        UNION ALL SELECT cc.name FROM ci_class cc JOIN k ON cc.parent = k.name) "
    "                       SELECT name FROM k)"};

const Statement kCountMissed{
    "disc_count_missed",
    "WITH missed AS (UPDATE ci_source cs SET missed_runs = cs.missed_runs + 1, "
    "                  stale = (s.stale_after_runs > 0 AND cs.missed_runs + 1 >= s.stale_after_runs) "
    "                       OR (s.stale_after IS NOT NULL AND $3::timestamptz - cs.last_seen >= s.stale_after) "
    "                FROM source s "
    "                WHERE s.name = $1 AND cs.source = $1 AND NOT cs.stale AND cs.ci_id = ANY($2::uuid[]) "
    "                RETURNING cs.ci_id, cs.stale), "
    "marked AS (UPDATE ci SET stale = true, stale_since = $3::timestamptz FROM missed m "
    "           WHERE ci.id = m.ci_id AND m.stale AND NOT ci.stale RETURNING ci.id), "
    "counted AS (UPDATE source SET runs = runs + 1, last_run_at = $3::timestamptz WHERE name = $1 AND $4) "
    "SELECT count(*) FROM marked"};

Run RunFromRow(const pqxx::row& r) {
  Run run;
  run.id = r[0].as<std::string>();
  run.schedule = r[1].as<std::string>();
  run.state = static_cast<RunState>(r[2].as<int>());
  run.targets = ParseTextArray(r[3]);
  run.exclusions = ParseTextArray(r[4]);
  run.credentials = ParseTextArray(r[5]);
  run.limits = LimitsFromJson(r[6].as<std::string>());
  run.requested_by = r[7].as<std::string>();
  run.error = r[8].as<std::string>();
  run.progress.targets_total = r[9].as<int>();
  run.progress.jobs_total = r[10].as<int>();
  run.marked_stale = r[11].as<int>();
  run.created_at = r[12].as<int64_t>();
  run.started_at = OptionalMicros(r[13]);
  run.ended_at = OptionalMicros(r[14]);
  run.progress.targets_done = r[15].as<int>();
  run.progress.responders = r[16].as<int>();
  run.progress.devices = r[17].as<int>();
  run.progress.errors = r[18].as<int>();
  run.progress.jobs_done = r[19].as<int>();
  run.protocols = ParseTextArray(r[20]);
  run.http_ports = ParseIntArray(r[21]);
  return run;
}

}  // namespace

// --- Runs and jobs

bool InsertRun(Tx& tx, const Run& run, const std::vector<NewJob>& jobs) {
  auto r = Exec(tx, kInsertRun, run.id, run.schedule, ArrayLiteral(run.targets), ArrayLiteral(run.exclusions),
                ArrayLiteral(run.credentials), LimitsToJson(run.limits), run.requested_by, run.progress.targets_total,
                static_cast<int>(jobs.size()), ArrayLiteral(run.protocols), IntArrayLiteral(run.http_ports));
  if (r.empty()) return false;
  if (!jobs.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const NewJob& j : jobs) rows.push_back({{"protocol", j.protocol}, {"targets", j.targets}});
    Exec(tx, kInsertJobs, run.id, rows.dump());
  }
  return true;
}

std::optional<Run> GetRun(Tx& tx, const std::string& id) {
  auto r = Exec(tx, kGetRun, id);
  if (r.empty()) return std::nullopt;
  return RunFromRow(r[0]);
}

std::vector<Run> ListRuns(Tx& tx, const std::string& schedule, std::optional<Micros> after_created,
                          const std::string& after_id, int limit) {
  std::optional<std::string> id;
  if (after_created) id = after_id;
  std::vector<Run> out;
  for (const auto& r : Exec(tx, kListRuns, schedule, OptionalTimestamp(after_created), id, limit)) {
    out.push_back(RunFromRow(r));
  }
  return out;
}

bool CancelRun(Tx& tx, const std::string& id, Micros now) {
  return Exec(tx, kCancelRun, id, ToSqlTimestamp(now))[0][0].as<int64_t>() > 0;
}

int64_t PruneRuns(Tx& tx, Micros cutoff) { return Exec(tx, kPruneRuns, ToSqlTimestamp(cutoff))[0][0].as<int64_t>(); }

std::vector<std::string> FailAbandonedJobs(Tx& tx, Micros now, int max_attempts) {
  std::vector<std::string> out;
  for (const auto& r : Exec(tx, kFailAbandoned, ToSqlTimestamp(now), max_attempts)) out.push_back(r[0].as<std::string>());
  return out;
}

std::optional<LeasedJob> LeaseJob(Tx& tx, const std::string& worker, Micros now, Micros lease_micros,
                                  int max_attempts) {
  auto r = Exec(tx, kLeaseJob, worker, ToSqlTimestamp(now), lease_micros, max_attempts);
  if (r.empty()) return std::nullopt;
  LeasedJob job;
  job.id = r[0][0].as<std::string>();
  job.run_id = r[0][1].as<std::string>();
  job.lease_token = r[0][2].as<int64_t>();
  job.targets = ParseTextArray(r[0][3]);
  job.credentials = ParseTextArray(r[0][4]);
  job.limits = LimitsFromJson(r[0][5].as<std::string>());
  job.lease_expires_at = r[0][6].as<int64_t>();
  job.protocol = r[0][7].as<std::string>();
  job.http_ports = ParseIntArray(r[0][8]);
  return job;
}

Lease CheckLease(Tx& tx, const std::string& job_id, int64_t token) {
  Lease lease;
  auto r = Exec(tx, kLeaseState, job_id, token);
  if (r.empty()) return lease;
  lease.run_id = r[0][3].as<std::string>();
  lease.protocol = r[0][4].as<std::string>();
  const int job_state = r[0][0].as<int>();
  const bool token_matches = r[0][1].as<bool>();
  const int run_state = r[0][2].as<int>();
  if (!token_matches) return lease;
  if (run_state == static_cast<int>(RunState::kCancelled) || job_state == 5) {
    lease.check = LeaseCheck::kCancelled;
  } else if (job_state == 2) {
    lease.check = LeaseCheck::kHeld;
  }
  return lease;
}

LeaseCheck RenewLease(Tx& tx, const std::string& job_id, int64_t token, Micros now, Micros lease_micros,
                      Micros* expires_at) {
  auto r = Exec(tx, kRenewLease, job_id, token, ToSqlTimestamp(now), lease_micros);
  if (!r.empty()) {
    if (expires_at) *expires_at = r[0][0].as<int64_t>();
    return LeaseCheck::kHeld;
  }
  const LeaseCheck check = CheckLease(tx, job_id, token).check;
  return check == LeaseCheck::kHeld ? LeaseCheck::kLost : check;
}

void RecordTargets(Tx& tx, const std::string& run_id, const std::string& job_id, const std::string& worker,
                   const std::vector<TargetReport>& reports, Micros now) {
  if (reports.empty()) return;
  nlohmann::json rows = nlohmann::json::array();
  for (const TargetReport& t : reports) {
    rows.push_back({{"address", t.address},
                    {"outcome", static_cast<int>(t.outcome)},
                    {"credential", t.credential},
                    {"snmp_version", t.snmp_version},
                    {"sys_object_id", t.sys_object_id},
                    {"sys_name", t.sys_name},
                    {"class_name", t.class_name},
                    {"device_id", t.device_id},
                    {"errors", t.errors},
                    {"varbinds", t.varbinds},
                    {"requests", t.requests},
                    {"seconds", t.seconds},
                    {"endpoints", EndpointsToJson(t.endpoints)}});
  }
  Exec(tx, kRecordTargets, run_id, job_id, worker, ToSqlTimestamp(now),
       rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<size_t> FirstForeignTarget(Tx& tx, const std::string& job_id, const std::vector<std::string>& addresses) {
  if (addresses.empty()) return std::nullopt;
  auto r = Exec(tx, kForeignTarget, job_id, ArrayLiteral(addresses));
  if (r.empty()) return std::nullopt;
  return static_cast<size_t>(r[0][0].as<int64_t>() - 1);
}

std::vector<std::string> AlreadyDiscovered(Tx& tx, const std::string& run_id, const std::string& job_id,
                                           const std::vector<std::string>& addresses) {
  std::vector<std::string> out;
  if (addresses.empty()) return out;
  for (const auto& r : Exec(tx, kAlreadyDiscovered, run_id, job_id, ArrayLiteral(addresses))) {
    out.push_back(r[0].as<std::string>());
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> DevicesAt(Tx& tx, const std::vector<std::string>& addresses) {
  std::vector<std::pair<std::string, std::string>> out;
  if (addresses.empty()) return out;
  for (const auto& r : Exec(tx, kDevicesAt, ArrayLiteral(addresses))) {
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
  }
  return out;
}

bool RunHasProtocol(Tx& tx, const std::string& run_id, const std::string& protocol) {
  auto r = Exec(tx, kRunHasProtocol, run_id, protocol);
  return !r.empty() && r[0][0].as<bool>();
}

void EndJob(Tx& tx, const std::string& job_id, bool release) { Exec(tx, release ? kReleaseJob : kEndJob, job_id); }

std::optional<RunState> FinishRunIfDone(Tx& tx, const std::string& run_id, Micros now) {
  // The run's row lock serialises the transactions that end its last jobs:
  // the statement below, run after the lock is granted, sees every job the
  // others ended. Without it two of them could each still see the other's
  // job as leased, and the run would never end.
  Exec(tx, kLockRun, run_id);
  auto r = Exec(tx, kFinishRun, run_id, ToSqlTimestamp(now));
  if (r.empty()) return std::nullopt;
  return static_cast<RunState>(r[0][0].as<int>());
}

void AddMarkedStale(Tx& tx, const std::string& run_id, int64_t count) {
  if (count > 0) Exec(tx, kAddMarkedStale, run_id, count);
}

std::vector<TargetReport> ListRunLog(Tx& tx, const std::string& run_id, const std::string& after_address,
                                     const std::string& after_protocol, const std::vector<int>& outcomes, int limit) {
  std::vector<std::string> outcome_text;
  for (int o : outcomes) outcome_text.push_back(std::to_string(o));
  std::vector<TargetReport> out;
  for (const auto& r : Exec(tx, kListLog, run_id, after_address, ArrayLiteral(outcome_text), limit, after_protocol)) {
    TargetReport t;
    t.address = r[0].as<std::string>();
    t.outcome = static_cast<TargetOutcome>(r[1].as<int>());
    t.credential = r[2].as<std::string>();
    t.snmp_version = r[3].as<std::string>();
    t.sys_object_id = r[4].as<std::string>();
    t.sys_name = r[5].as<std::string>();
    t.class_name = r[6].as<std::string>();
    t.device_id = r[7].as<std::string>();
    t.errors = ParseTextArray(r[8]);
    t.varbinds = r[9].as<int>();
    t.requests = r[10].as<int>();
    t.seconds = r[11].as<double>();
    t.worker = r[12].as<std::string>();
    t.reported_at = r[13].as<int64_t>();
    t.protocol = r[14].as<std::string>();
    t.endpoints = EndpointsFromJson(r[15].as<std::string>());
    out.push_back(std::move(t));
  }
  return out;
}

// --- Staleness inputs

namespace {

// The (key, CI id) rows of a statement over an array of keys and a source.
std::vector<std::pair<std::string, std::string>> IdsByKey(Tx& tx, const Statement& statement,
                                                          const std::vector<std::string>& keys,
                                                          const std::string& source) {
  std::vector<std::pair<std::string, std::string>> out;
  if (keys.empty()) return out;
  for (const auto& r : Exec(tx, statement, ArrayLiteral(keys), source)) {
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SourcedDescendants(Tx& tx, const std::vector<std::string>& device_ids,
                                                                    const std::string& source) {
  return IdsByKey(tx, kSourcedDescendants, device_ids, source);
}

std::vector<std::string> DevicesMissedByRun(Tx& tx, const std::string& run_id, const std::string& source) {
  std::vector<std::string> out;
  for (const auto& r : Exec(tx, kDevicesMissed, run_id, source)) out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<std::pair<std::string, std::string>> SourcedEndpointsAt(Tx& tx, const std::vector<std::string>& addresses,
                                                                    const std::string& source) {
  return IdsByKey(tx, kSourcedEndpoints, addresses, source);
}

int64_t CountMissed(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids, Micros now,
                    bool count_run) {
  if (ci_ids.empty() && !count_run) return 0;
  return Exec(tx, kCountMissed, source, ArrayLiteral(ci_ids), ToSqlTimestamp(now), count_run)[0][0].as<int64_t>();
}

}  // namespace cmdb::db
