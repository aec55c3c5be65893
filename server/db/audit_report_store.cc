#include "db/audit_report_store.h"

#include <map>

#include "core/time.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

const Statement kStoreHealth{
    "audit_store_health",
    "INSERT INTO audit_health (run_id, class_name, cis, completeness, correctness, compliance) "
    "WITH per AS (SELECT rc.class_name, r.kind, rc.checked, rc.failed FROM audit_result_class rc "
    "             JOIN audit_result r ON r.run_id = rc.run_id AND r.rule_name = rc.rule_name WHERE rc.run_id = $1), "
    "scores AS (SELECT coalesce(class_name, '') AS class_name, "
    "  100.0 * (1 - (sum(failed) FILTER (WHERE kind = ANY($2::text[])))::float8 "
    "               / nullif(sum(checked) FILTER (WHERE kind = ANY($2::text[])), 0)) AS completeness, "
    "  100.0 * (1 - (sum(failed) FILTER (WHERE kind = ANY($3::text[])))::float8 "
    "               / nullif(sum(checked) FILTER (WHERE kind = ANY($3::text[])), 0)) AS correctness, "
    "  100.0 * (1 - sum(failed)::float8 / nullif(sum(checked), 0)) AS compliance "
    "  FROM per GROUP BY GROUPING SETS ((class_name), ())), "
    "cis AS (SELECT class_name, count(*) AS n FROM ci WHERE status <> 'retired' GROUP BY class_name) "
    "SELECT $1, s.class_name, CASE WHEN s.class_name = '' THEN (SELECT coalesce(sum(n), 0) FROM cis) "
    "  ELSE coalesce((SELECT n FROM cis WHERE cis.class_name = s.class_name), 0) END, "
    "  s.completeness, s.correctness, s.compliance FROM scores s"};
const Statement kHealth{"audit_health",
                        "SELECT class_name, cis, completeness, correctness, compliance FROM audit_health "
                        "WHERE run_id = $1 ORDER BY class_name"};
const Statement kTrend{
    "audit_trend",
    "SELECT a.id, epoch_us(a.finished_at), coalesce(sum(r.checked), 0)::bigint, coalesce(sum(r.failed), 0)::bigint, "
    "       coalesce(sum(r.acknowledged), 0)::bigint "
    "FROM (SELECT id, finished_at FROM audit_run WHERE id <= $1 "
    "        AND category = (SELECT category FROM audit_run WHERE id = $1) ORDER BY id DESC LIMIT $2) a "
    "LEFT JOIN audit_result r ON r.run_id = a.id GROUP BY a.id, a.finished_at ORDER BY a.id"};
const Statement kRiskByRule{
    "audit_risk_by_rule",
    "SELECT f.rule_name, r.severity, coalesce(c.criticality, ''), count(*) "
    "FROM audit_failure f JOIN audit_result r ON r.run_id = f.run_id AND r.rule_name = f.rule_name "
    "LEFT JOIN ci c ON c.id = f.ci_id WHERE f.run_id = $1 AND NOT f.acknowledged GROUP BY 1, 2, 3 ORDER BY 1, 3"};
const Statement kFailuresOfKind{
    "audit_failures_of_kind",
    "SELECT f.rule_name, f.ci_id::text, coalesce(c.name, ''), coalesce(c.class_name, ''), f.reason, f.acknowledged, "
    "       coalesce(c.criticality, '') "
    "FROM audit_failure f JOIN audit_result r ON r.run_id = f.run_id AND r.rule_name = f.rule_name "
    "LEFT JOIN ci c ON c.id = f.ci_id WHERE f.run_id = $1 AND r.kind = $2 AND NOT f.acknowledged "
    "ORDER BY c.name, f.ci_id LIMIT $3"};
const Statement kStatusCounts{"report_status_counts",
                              "SELECT class_name, status, count(*) FROM ci GROUP BY 1, 2 ORDER BY 1, 2"};
const Statement kChangeCounts{"report_change_counts",
                              "SELECT class_name, operation, count(*) FROM ci_version WHERE valid_from >= $1 "
                              "GROUP BY 1, 2 ORDER BY 1, 2"};
const Statement kTypeCounts{"report_type_counts", "SELECT type, count(*) FROM relationship GROUP BY 1 ORDER BY 1"};
const Statement kUnauthorised{
    "report_unauthorised",
    "WITH cs AS (SELECT cs.id, cs.seq, cs.actor, cs.source, cs.comment, cs.external_ref, cs.created_at, "
    "                   (SELECT count(*) FROM ci_version v WHERE v.changeset_id = cs.id) AS cis, "
    "                   (SELECT count(*) FROM relationship_version v WHERE v.changeset_id = cs.id) AS rels "
    "            FROM changeset cs WHERE cs.created_at >= $1 AND cs.external_ref = '') "
    "SELECT id, coalesce(seq, 0), actor, source, comment, external_ref, epoch_us(created_at), cis, rels, "
    "       count(*) OVER () FROM cs WHERE cis > 0 OR rels > 0 ORDER BY id DESC LIMIT $2"};

std::optional<double> OptionalDouble(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

}  // namespace

void StoreAuditHealth(Tx& tx, int64_t run_id) {
  Exec(tx, kStoreHealth, run_id, ArrayLiteral(CompletenessKinds()), ArrayLiteral(CorrectnessKinds()));
}

std::vector<HealthScore> AuditHealth(Tx& tx, int64_t run_id) {
  std::vector<HealthScore> out;
  for (const auto& r : Exec(tx, kHealth, run_id)) {
    out.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), OptionalDouble(r[2]), OptionalDouble(r[3]),
                   OptionalDouble(r[4])});
  }
  return out;  // "" sorts first: the whole CMDB
}

std::vector<AuditTrendPoint> AuditTrend(Tx& tx, int64_t run_id, int limit) {
  std::vector<AuditTrendPoint> out;
  for (const auto& r : Exec(tx, kTrend, run_id, limit)) {
    out.push_back({r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(), r[3].as<int64_t>(),
                   r[4].as<int64_t>()});
  }
  return out;
}

std::vector<RuleRisk> AuditRiskByRule(Tx& tx, int64_t run_id) {
  std::vector<RuleRisk> out;
  for (const auto& r : Exec(tx, kRiskByRule, run_id)) {
    const std::string rule = r[0].as<std::string>();
    if (out.empty() || out.back().rule != rule) out.push_back({rule, r[1].as<std::string>()});
    const int64_t n = r[3].as<int64_t>();
    out.back().failed += n;
    out.back().criticality_weight += n * CriticalityWeight(r[2].as<std::string>());
  }
  for (RuleRisk& risk : out) {
    risk.score = static_cast<double>(SeverityWeight(risk.severity)) * static_cast<double>(risk.criticality_weight);
  }
  return out;
}

std::vector<AuditFailure> AuditFailuresOfKind(Tx& tx, int64_t run_id, const std::string& kind, int limit) {
  std::vector<AuditFailure> out;
  for (const auto& r : Exec(tx, kFailuresOfKind, run_id, kind, limit)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<bool>(), r[6].as<std::string>()});
  }
  return out;
}

std::vector<ClassStatusCount> CiStatusCounts(Tx& tx) {
  std::vector<ClassStatusCount> out;
  for (const auto& r : Exec(tx, kStatusCounts)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>()});
  }
  return out;
}

std::vector<ClassOperationCount> ChangeCounts(Tx& tx, Micros since) {
  std::vector<ClassOperationCount> out;
  for (const auto& r : Exec(tx, kChangeCounts, ToSqlTimestamp(since))) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>()});
  }
  return out;
}

std::vector<TypeCount> RelationshipTypeCounts(Tx& tx) {
  std::vector<TypeCount> out;
  for (const auto& r : Exec(tx, kTypeCounts)) out.push_back({r[0].as<std::string>(), r[1].as<int64_t>()});
  return out;
}

std::vector<UnauthorisedChange> UnauthorisedChanges(Tx& tx, Micros since, int limit, int64_t* total) {
  std::vector<UnauthorisedChange> out;
  *total = 0;
  for (const auto& r : Exec(tx, kUnauthorised, ToSqlTimestamp(since), limit)) {
    UnauthorisedChange c;
    c.changeset = {r[0].as<int64_t>(),     r[1].as<int64_t>(),     r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<int64_t>()};
    c.cis = r[7].as<int64_t>();
    c.relationships = r[8].as<int64_t>();
    *total = r[9].as<int64_t>();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace cmdb::db
