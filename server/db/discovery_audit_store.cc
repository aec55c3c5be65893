#include "db/discovery_audit_store.h"

#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

constexpr int kSucceeded = 3;  // discovery_run.state

const Statement kFindRun{
    "daudit_find_run",
    "SELECT id::text, coalesce(schedule, ''), epoch_us(ended_at), targets_total FROM discovery_run "
    "WHERE CASE WHEN $2 <> '' THEN id = nullif($2, '')::uuid "
    "           ELSE state = $3 AND ($1 = '' OR schedule = $1) END "
    "ORDER BY ended_at DESC NULLS LAST, id LIMIT 1"};

const Statement kUnregistered{
    "daudit_unregistered",
    "SELECT host(l.address), l.sys_name, l.class_name, l.sys_object_id, coalesce(l.device_id::text, ''), "
    "  CASE WHEN l.device_id IS NULL THEN 'answered, but no CI was recorded for it' "
    "       WHEN c.id IS NULL THEN 'its CI was deleted' "
    "       WHEN c.merged_into IS NOT NULL THEN 'its CI was merged into ' || c.merged_into::text "
    "       ELSE 'its CI is retired' END, "
    "  epoch_us(l.reported_at), count(*) OVER () "
    "FROM discovery_target_log l LEFT JOIN ci c ON c.id = l.device_id "
    "WHERE l.run_id = $1::uuid AND l.protocol = 'snmp' AND l.outcome IN (1, 2) "
    "  AND (l.device_id IS NULL OR c.id IS NULL OR c.status = 'retired' OR c.merged_into IS NOT NULL) "
    "ORDER BY l.address LIMIT $2"};

const Statement kMissing{
    "daudit_missing",
    "WITH scanned AS (SELECT host(address) AS address, outcome, device_id FROM discovery_target_log "
    "                 WHERE run_id = $1::uuid AND protocol = 'snmp' AND outcome IN (1, 2, 3)) "
    "SELECT c.id::text, c.name, c.class_name, sc.address, "
    "  CASE WHEN sc.outcome = 3 THEN 'no answer at ' || sc.address "
    "       WHEN sc.device_id IS NULL THEN sc.address || ' answered, but as no recorded CI' "
    "       ELSE sc.address || ' answered as another CI, ' || sc.device_id::text END, "
    "  coalesce((SELECT epoch_us(max(cs.last_seen)) FROM ci_source cs WHERE cs.ci_id = c.id), 0), "
    "  count(*) OVER () "
    "FROM ci c JOIN scanned sc ON sc.address = c.attributes->>'management_ip' "
    "WHERE c.parent_id IS NULL AND c.status <> 'retired' AND c.merged_into IS NULL "
    "  AND c.attributes ? 'management_ip' AND (sc.device_id IS NULL OR sc.device_id <> c.id) "
    "ORDER BY c.name COLLATE \"C\", c.id LIMIT $2"};

const Statement kDrift{
    "daudit_drift",
    "WITH found AS (SELECT DISTINCT device_id AS id FROM discovery_target_log "
    "               WHERE run_id = $1::uuid AND device_id IS NOT NULL), "
    "cis AS (SELECT c.* FROM ci c WHERE c.id IN (SELECT id FROM found) OR c.parent_id IN (SELECT id FROM found)) "
    "SELECT c.id::text, c.name, c.class_name, d.field, coalesce(rec.v::text, 'null'), "
    "  coalesce(d.reported::text, 'null'), d.source, epoch_us(d.reported_at), count(*) OVER () "
    "FROM cis c JOIN ci_drift d ON d.ci_id = c.id, "
    "  LATERAL (SELECT " + RecordedValueSql("c", "d.field") + " AS v) rec "
    "WHERE c.status <> 'retired' AND rec.v IS DISTINCT FROM d.reported "
    "ORDER BY c.name COLLATE \"C\", c.id, d.field, d.source LIMIT $2"};

}  // namespace

std::optional<DiscoveryAudit> FindAuditedRun(Tx& tx, const std::string& schedule, const std::string& run_id) {
  pqxx::result r = Exec(tx, kFindRun, schedule, run_id, kSucceeded);
  if (r.empty()) return std::nullopt;
  DiscoveryAudit audit;
  audit.run_id = r[0][0].as<std::string>();
  audit.schedule = r[0][1].as<std::string>();
  audit.run_ended_at = r[0][2].is_null() ? 0 : r[0][2].as<int64_t>();
  audit.targets = r[0][3].as<int64_t>();
  return audit;
}

void AuditDiscoveryRun(Tx& tx, DiscoveryAudit& audit, int limit) {
  for (const auto& r : Exec(tx, kUnregistered, audit.run_id, limit)) {
    audit.unregistered.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                                  r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                                  r[6].as<int64_t>()});
    audit.unregistered_total = r[7].as<int64_t>();
  }
  for (const auto& r : Exec(tx, kMissing, audit.run_id, limit)) {
    audit.missing.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                             r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int64_t>()});
    audit.missing_total = r[6].as<int64_t>();
  }
  for (const auto& r : Exec(tx, kDrift, audit.run_id, limit)) {
    DriftFinding d;
    d.ci_id = r[0].as<std::string>();
    d.name = r[1].as<std::string>();
    d.class_name = r[2].as<std::string>();
    d.field = r[3].as<std::string>();
    d.recorded = Json::parse(r[4].as<std::string>());
    d.reported = Json::parse(r[5].as<std::string>());
    d.source = r[6].as<std::string>();
    d.reported_at = r[7].as<int64_t>();
    audit.drift_total = r[8].as<int64_t>();
    audit.drift.push_back(std::move(d));
  }
}

}  // namespace cmdb::db
