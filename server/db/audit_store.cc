#include "db/audit_store.h"

#include "core/status.h"
#include "core/strings.h"
#include "db/ci_filter.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

#define CMDB_AUDIT_RULE_COLUMNS \
  "name, category, kind, class_name, filter, severity, params::text, description, enabled, epoch_us(updated_at), updated_by"

const Statement kPutRule{
    "audit_put_rule",
    "INSERT INTO audit_rule (name, category, kind, class_name, filter, severity, params, description, enabled, "
    "updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, now(), $10) "
    "ON CONFLICT (name) DO UPDATE SET category = EXCLUDED.category, kind = EXCLUDED.kind, "
    "class_name = EXCLUDED.class_name, filter = EXCLUDED.filter, severity = EXCLUDED.severity, "
    "params = EXCLUDED.params, description = EXCLUDED.description, enabled = EXCLUDED.enabled, "
    "updated_at = now(), updated_by = EXCLUDED.updated_by"};
const Statement kGetRule{"audit_get_rule", "SELECT " CMDB_AUDIT_RULE_COLUMNS " FROM audit_rule WHERE name = $1"};
const Statement kListRules{"audit_list_rules", "SELECT " CMDB_AUDIT_RULE_COLUMNS
                                               " FROM audit_rule WHERE $1 = '' OR category = $1 ORDER BY name"};
const Statement kDeleteRule{"audit_delete_rule", "DELETE FROM audit_rule WHERE name = $1"};
const Statement kCheckRegex{"audit_check_regex", "SELECT '' ~ $1"};
const Statement kInsertRun{
    "audit_insert_run",
    "INSERT INTO audit_run (category, actor, started_at, finished_at) VALUES ($1, $2, $3, $3) RETURNING id"};
const Statement kFinishRun{"audit_finish_run", "UPDATE audit_run SET finished_at = $2 WHERE id = $1"};
const Statement kInsertResult{
    "audit_insert_result",
    "INSERT INTO audit_result (run_id, rule_name, category, kind, severity, checked, failed, acknowledged) "
    "VALUES ($1, $2, $3, $4, $5, 0, 0, 0)"};
const Statement kSetResult{
    "audit_set_result",
    "UPDATE audit_result SET checked = $3, failed = $4, acknowledged = $5 WHERE run_id = $1 AND rule_name = $2"};
const Statement kGetRun{
    "audit_get_run",
    "SELECT id, category, actor, epoch_us(started_at), epoch_us(finished_at) FROM audit_run "
    "WHERE id = CASE WHEN $1 = 0 THEN (SELECT max(id) FROM audit_run) ELSE $1 END"};
const Statement kListRuns{"audit_list_runs",
                          "SELECT id, category, actor, epoch_us(started_at), epoch_us(finished_at) FROM audit_run "
                          "ORDER BY id DESC LIMIT $1"};
const Statement kResults{"audit_results",
                         "SELECT rule_name, category, kind, severity, checked, failed, acknowledged FROM audit_result "
                         "WHERE run_id = $1 ORDER BY rule_name"};
const Statement kFailures{
    "audit_failures",
    "SELECT f.rule_name, f.ci_id::text, coalesce(c.name, ''), coalesce(c.class_name, ''), f.reason, f.acknowledged, "
    "coalesce(c.criticality, '') FROM (SELECT f.*, row_number() OVER (PARTITION BY f.rule_name ORDER BY f.acknowledged, f.ci_id) AS n "
    "      FROM audit_failure f WHERE f.run_id = $1) f "
    "LEFT JOIN ci c ON c.id = f.ci_id WHERE f.n <= $2 ORDER BY f.rule_name, f.acknowledged, c.name, f.ci_id"};
const Statement kPutAck{
    "audit_put_ack",
    "INSERT INTO audit_acknowledgement (rule_name, ci_id, actor, reason, expires_at) "
    "VALUES ($1, $2::uuid, $3, $4, $5::timestamptz) ON CONFLICT (rule_name, ci_id) DO UPDATE SET "
    "actor = EXCLUDED.actor, reason = EXCLUDED.reason, expires_at = EXCLUDED.expires_at, created_at = now()"};
const Statement kDeleteAck{"audit_delete_ack",
                           "DELETE FROM audit_acknowledgement WHERE rule_name = $1 AND ci_id = $2::uuid"};
const Statement kListAcks{
    "audit_list_acks",
    "SELECT rule_name, ci_id::text, actor, reason, epoch_us(created_at), epoch_us(expires_at) "
    "FROM audit_acknowledgement WHERE $1 = '' OR rule_name = $1 ORDER BY rule_name, ci_id"};

#define CMDB_AUDIT_SCHEDULE_COLUMNS \
  "name, category, interval_s, enabled, epoch_us(next_run_at), coalesce(last_run_id, 0), epoch_us(updated_at), updated_by"
const Statement kPutSchedule{
    "audit_put_schedule",
    "INSERT INTO audit_schedule (name, category, interval_s, enabled, next_run_at, updated_at, updated_by) "
    "VALUES ($1, $2, $3, $4, $5::timestamptz, now(), $6) ON CONFLICT (name) DO UPDATE SET "
    "category = EXCLUDED.category, interval_s = EXCLUDED.interval_s, enabled = EXCLUDED.enabled, "
    "next_run_at = EXCLUDED.next_run_at, updated_at = now(), updated_by = EXCLUDED.updated_by "
    "RETURNING " CMDB_AUDIT_SCHEDULE_COLUMNS};
const Statement kListSchedules{"audit_list_schedules",
                               "SELECT " CMDB_AUDIT_SCHEDULE_COLUMNS " FROM audit_schedule ORDER BY name"};
const Statement kDeleteSchedule{"audit_delete_schedule", "DELETE FROM audit_schedule WHERE name = $1"};
const Statement kClaimSchedule{
    "audit_claim_schedule",
    "UPDATE audit_schedule s SET next_run_at = $1::timestamptz + s.interval_s * interval '1 second' "
    "WHERE s.name = (SELECT name FROM audit_schedule WHERE enabled AND next_run_at <= $1::timestamptz "
    "                ORDER BY next_run_at, name LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING " CMDB_AUDIT_SCHEDULE_COLUMNS};
const Statement kSetScheduleRun{"audit_set_schedule_run",
                                "UPDATE audit_schedule SET last_run_id = $2 WHERE name = $1"};
const Statement kPruneRuns{
    "audit_prune_runs",
    "DELETE FROM audit_run WHERE finished_at < $1::timestamptz AND id < (SELECT max(id) FROM audit_run)"};

AuditSchedule ScheduleFromRow(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>(), r[3].as<bool>(),
          r[4].as<int64_t>(),     r[5].as<int64_t>(),     r[6].as<int64_t>(), r[7].as<std::string>()};
}

AuditRule RuleFromRow(const pqxx::row& r) {
  AuditRule rule;
  rule.name = r[0].as<std::string>();
  rule.category = r[1].as<std::string>();
  rule.kind = r[2].as<std::string>();
  rule.class_name = r[3].as<std::string>();
  rule.filter = r[4].as<std::string>();
  rule.severity = r[5].as<std::string>();
  rule.params = Json::parse(r[6].as<std::string>());
  rule.description = r[7].as<std::string>();
  rule.enabled = r[8].as<bool>();
  rule.updated_at = r[9].as<int64_t>();
  rule.updated_by = r[10].as<std::string>();
  return rule;
}

AuditRun RunFromRow(const pqxx::row& r) {
  return {r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int64_t>(),
          r[4].as<int64_t>()};
}

// What fails a CI of `scope` (alias s) under `rule`, and why, as SQL; extra
// CTEs the test needs go to `ctes` (", name AS (...)").
struct KindSql {
  std::string fails, reason, ctes;
};

// Whether the kind's test reads the scope's attributes: the scope is
// materialised, and copying every CI's attributes costs when nothing reads
// them.
bool ReadsAttributes(AuditKind kind) {
  switch (kind) {
    case AuditKind::kRequiredAttribute:
    case AuditKind::kPattern:
    case AuditKind::kAllowedValues:
    case AuditKind::kUniqueAttribute:
    case AuditKind::kCertificateExpiry:
      return true;
    default:
      return false;
  }
}

// The relationships of the given type at s, in the rule's direction
// (either end for a symmetric type), as a FROM ... WHERE fragment.
std::string RelationshipsOfScope(const Catalog& catalog, const Json& params, SqlParams& sql) {
  const std::string type = params["type"].get<std::string>();
  const RelationshipTypeDef* def = catalog.FindRelationshipType(type);
  const bool symmetric = def != nullptr && def->inverse_name == def->name;
  const bool outgoing = params["direction"] == "outgoing";
  std::string target_class;
  if (params.contains("target_class") && params["target_class"].is_string()) {
    target_class = StrCat(" AND o.class_name = ANY(",
                          sql.Add(ArrayLiteral(catalog.Subtree(params["target_class"].get<std::string>()))),
                          "::text[])");
  }
  const std::string t = sql.Add(type) + "::text";
  const std::string near = outgoing ? "r.source_id" : "r.target_id";
  const std::string far = outgoing ? "r.target_id" : "r.source_id";
  if (symmetric) {
    return StrCat("relationship r JOIN ci o ON o.id = CASE WHEN r.source_id = s.id THEN r.target_id ELSE r.source_id END",
                  " WHERE r.type = ", t, " AND (r.source_id = s.id OR r.target_id = s.id)", target_class);
  }
  return StrCat("relationship r JOIN ci o ON o.id = ", far, " WHERE r.type = ", t, " AND ", near, " = s.id",
                target_class);
}

KindSql SqlOfKind(AuditKind kind, const Catalog& catalog, const Json& params, const std::string& now,
                  SqlParams& sql) {
  // Typed, so that format() and the operators know what the parameter is.
  auto text = [&](std::string value) { return sql.Add(std::move(value)) + "::text"; };
  auto attribute = [&] { return text(params["attribute"].get<std::string>()); };
  switch (kind) {
    case AuditKind::kRequiredAttribute: {
      const std::string a = attribute();
      return {StrCat("coalesce(s.attributes -> ", a, " IN ('null', '\"\"', '[]', '{}'), true)"),
              StrCat("'attributes.' || ", a, " || ' is missing'")};
    }
    case AuditKind::kPattern: {
      const std::string a = attribute();
      const std::string re = text(params["regex"].get<std::string>());
      return {StrCat("s.attributes ? ", a, " AND NOT ((s.attributes ->> ", a, ") ~ ", re, ")"),
              StrCat("format('attributes.%s: %s does not match %s', ", a, ", s.attributes -> ", a, ", ", re, ")")};
    }
    case AuditKind::kAllowedValues: {
      const std::string a = attribute();
      const std::string values = sql.Add(params["values"].dump()) + "::jsonb";
      return {StrCat("s.attributes ? ", a, " AND NOT (", values, " @> jsonb_build_array(s.attributes -> ", a,
                     "))"),
              StrCat("format('attributes.%s: %s is not one of %s', ", a, ", s.attributes -> ", a, ", ", values, ")")};
    }
    case AuditKind::kRequiredRelationship: {
      const std::string of = RelationshipsOfScope(catalog, params, sql);
      std::string what = StrCat("no ", params["direction"] == "incoming" ? "incoming " : "",
                                params["type"].get<std::string>(), " relationship");
      if (params.contains("target_class") && params["target_class"].is_string()) {
        StrAppend(&what, params["direction"] == "incoming" ? " from a " : " to a ",
                  params["target_class"].get<std::string>());
      }
      return {StrCat("NOT EXISTS (SELECT 1 FROM ", of, ")"), text(what)};
    }
    case AuditKind::kMaxRelationships: {
      const std::string of = RelationshipsOfScope(catalog, params, sql);
      const std::string max = sql.Add(std::to_string(params["max"].get<int64_t>())) + "::bigint";
      const std::string count = StrCat("(SELECT count(*) FROM ", of, ")");
      return {StrCat(count, " > ", max),
              StrCat("format('%s %s relationships (at most %s)', ", count, ", ", text(params["type"].get<std::string>()),
                     ", ", max, ")")};
    }
    case AuditKind::kUniqueAttribute: {
      const std::string a = attribute();
      return {StrCat("s.attributes -> ", a, " IN (SELECT v FROM shared)"),
              StrCat("format('attributes.%s: %s is shared with %s other CIs', ", a, ", s.attributes -> ", a,
                     ", (SELECT n - 1 FROM shared WHERE v = s.attributes -> ", a, "))"),
              StrCat(", shared AS (SELECT attributes -> ", a, " AS v, count(*) AS n FROM scope WHERE attributes ? ", a,
                     " AND attributes -> ", a, " NOT IN ('null', '\"\"') GROUP BY 1 HAVING count(*) > 1)")};
    }
    case AuditKind::kNoOrphan:
      return {"s.parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM relationship r WHERE r.source_id = s.id) "
              "AND NOT EXISTS (SELECT 1 FROM relationship r WHERE r.target_id = s.id) "
              "AND NOT EXISTS (SELECT 1 FROM ci d WHERE d.parent_id = s.id)",
              "'no relationships, parent or dependents'"};
    case AuditKind::kNotStale:
      return {"s.stale", "'stale since ' || coalesce(to_char(s.stale_since AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'an unknown time')"};
    case AuditKind::kNoDuplicates:
      return {"EXISTS (SELECT 1 FROM duplicate_candidate d WHERE s.id = ANY(d.ci_ids))",
              "(SELECT 'an open duplicate candidate: ' || string_agg(format('%s %s', d.kind, d.value), ', ' "
              "ORDER BY d.kind, d.value) FROM duplicate_candidate d WHERE s.id = ANY(d.ci_ids))"};
    case AuditKind::kCertificateExpiry: {
      const std::string a = attribute();
      const std::string days = sql.Add(std::to_string(params["days"].get<int64_t>()));
      const std::string at = StrCat("(s.attributes ->> ", a, ")::timestamptz");
      return {StrCat("s.attributes ? ", a, " AND ", at, " < ", now, "::timestamptz + ", days,
                     "::int * interval '1 day'"),
              StrCat("CASE WHEN ", at, " <= ", now, "::timestamptz THEN 'expired ' ELSE 'expires ' END || (s.attributes ->> ",
                     a, ")")};
    }
    case AuditKind::kVerifiedWithin: {
      const std::string days = sql.Add(std::to_string(params["days"].get<int64_t>()));
      const std::string seen = "(SELECT max(cs.last_seen) FROM ci_source cs WHERE cs.ci_id = s.id)";
      return {StrCat("coalesce(", seen, " < ", now, "::timestamptz - ", days, "::int * interval '1 day', true)"),
              StrCat("coalesce('last seen by a source ' || to_char(", seen,
                     " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never seen by a source')")};
    }
    case AuditKind::kSourceDrift: {
      // The record's value of d.field, as JSON, set against the report.
      std::string only;
      if (params.contains("attribute")) StrAppend(&only, " AND d.field = 'attributes.' || ", attribute());
      if (params.contains("source")) StrAppend(&only, " AND d.source = ", text(params["source"].get<std::string>()));
      const std::string drifted =
          StrCat("FROM ci_drift d JOIN ci r ON r.id = d.ci_id, LATERAL (SELECT ", RecordedValueSql("r", "d.field"),
                 " AS v) rec WHERE d.ci_id = s.id", only, " AND rec.v IS DISTINCT FROM d.reported");
      return {StrCat("EXISTS (SELECT 1 ", drifted, ")"),
              StrCat("(SELECT string_agg(format('%s: recorded %s, %s reported %s at %s', d.field, "
                     "coalesce(rec.v::text, 'nothing'), d.source, coalesce(d.reported::text, 'nothing'), "
                     "to_char(d.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')), '; ' "
                     "ORDER BY d.field, d.source) ",
                     drifted, ")")};
    }
  }
  return {"false", "''"};
}

}  // namespace

void PutAuditRule(Tx& tx, const AuditRule& rule) {
  Exec(tx, kPutRule, rule.name, rule.category, rule.kind, rule.class_name, rule.filter, rule.severity,
       rule.params.dump(), rule.description, rule.enabled, tx.context().actor);
}

std::optional<AuditRule> GetAuditRule(Tx& tx, const std::string& name) {
  pqxx::result r = Exec(tx, kGetRule, name);
  if (r.empty()) return std::nullopt;
  return RuleFromRow(r[0]);
}

std::vector<AuditRule> ListAuditRules(Tx& tx, const std::string& category) {
  std::vector<AuditRule> out;
  for (const auto& r : Exec(tx, kListRules, category)) out.push_back(RuleFromRow(r));
  return out;
}

bool DeleteAuditRule(Tx& tx, const std::string& name) { return Exec(tx, kDeleteRule, name).affected_rows() > 0; }

absl::Status CheckRegex(Tx& tx, const std::string& regex) {
  // In a savepoint, so that a bad pattern does not end a write transaction.
  auto* txn = dynamic_cast<pqxx::dbtransaction*>(&Sql(tx));
  try {
    if (txn == nullptr) {
      Exec(tx, kCheckRegex, regex);
    } else {
      pqxx::subtransaction check(*txn, "audit_regex");
      check.exec_prepared(kCheckRegex.name(), regex);
      check.commit();
    }
  } catch (const pqxx::data_exception&) {
    return FieldError("rule.params.regex", "not a valid regular expression");
  }
  return absl::OkStatus();
}

absl::Status CheckFilter(const Catalog& catalog, const std::string& filter) {
  SqlParams sql;
  auto where = CompileCiFilter(filter, catalog, CiSqlColumns::Live(), sql);
  if (!where.ok()) return absl::InvalidArgumentError(StrCat("rule.", ToStd(where.status().message())));
  return absl::OkStatus();
}

void RelaxRunDurability(Tx& tx) { Sql(tx).exec0("SET LOCAL synchronous_commit = off"); }

int64_t InsertAuditRun(Tx& tx, const std::string& category, const std::string& actor, Micros now) {
  return Exec(tx, kInsertRun, category, actor, ToSqlTimestamp(now))[0][0].as<int64_t>();
}

void FinishAuditRun(Tx& tx, int64_t run_id, Micros now) { Exec(tx, kFinishRun, run_id, ToSqlTimestamp(now)); }

absl::StatusOr<AuditRuleResult> RunAuditRule(Tx& tx, const Catalog& catalog, int64_t run_id, const AuditRule& rule,
                                             Micros now) {
  const std::optional<AuditKind> kind = AuditKindFromName(rule.kind);
  if (!kind) return FieldError("rule.kind", StrCat("unknown kind \"", rule.kind, "\""));
  SqlParams sql;
  const std::string classes = sql.Add(ArrayLiteral(catalog.Subtree(rule.class_name)));
  auto where = CompileCiFilter(rule.filter, catalog, CiSqlColumns::Live(), sql);
  if (!where.ok()) {
    return absl::InvalidArgumentError(StrCat("rule ", rule.name, ": ", ToStd(where.status().message())));
  }
  const std::string at = sql.Add(ToSqlTimestamp(now));
  const KindSql test = SqlOfKind(*kind, catalog, rule.params, at, sql);
  const std::string run = sql.Add(std::to_string(run_id));
  const std::string name = sql.Add(rule.name) + "::text";
  // Counts go by class too (audit_result_class), for health scores.
  const std::string statement = StrCat(
      "WITH scope AS MATERIALIZED (SELECT c.id, c.class_name, ", ReadsAttributes(*kind) ? "c.attributes" : "NULL::jsonb",
      " AS attributes, c.stale, c.stale_since, c.parent_id FROM ci c WHERE c.class_name = ANY(", classes,
      "::text[]) AND c.status <> 'retired' AND (", *where, "))",
      test.ctes, ", acks AS (SELECT a.ci_id FROM audit_acknowledgement a WHERE a.rule_name = ", name,
      " AND (a.expires_at IS NULL OR a.expires_at > ", at, "::timestamptz)), ",
      "failing AS (SELECT s.id, s.class_name, ", test.reason, " AS reason, s.id IN (SELECT ci_id FROM acks) "
      "AS acknowledged FROM scope s WHERE ", test.fails, "), ",
      "stored AS (INSERT INTO audit_failure (run_id, rule_name, ci_id, reason, acknowledged) SELECT ", run,
      "::bigint, ", name, ", f.id, f.reason, f.acknowledged FROM failing f), ",
      "checked AS (SELECT class_name, count(*) AS n FROM scope GROUP BY class_name), ",
      "failed AS (SELECT class_name, count(*) FILTER (WHERE NOT acknowledged) AS n, "
      "count(*) FILTER (WHERE acknowledged) AS a FROM failing GROUP BY class_name), ",
      "by_class AS (INSERT INTO audit_result_class (run_id, rule_name, class_name, checked, failed, acknowledged) "
      "SELECT ", run, "::bigint, ", name, ", c.class_name, c.n, coalesce(f.n, 0), coalesce(f.a, 0) "
      "FROM checked c LEFT JOIN failed f USING (class_name) RETURNING checked, failed, acknowledged) "
      "SELECT coalesce(sum(checked), 0)::bigint, coalesce(sum(failed), 0)::bigint, "
      "coalesce(sum(acknowledged), 0)::bigint FROM by_class");
  Exec(tx, kInsertResult, run_id, rule.name, rule.category, rule.kind, rule.severity);
  pqxx::result r = Sql(tx).exec_params(statement, pqxx::prepare::make_dynamic_params(sql.values()));
  AuditRuleResult result{rule.name,           rule.category,        rule.kind,          rule.severity,
                         r[0][0].as<int64_t>(), r[0][1].as<int64_t>(), r[0][2].as<int64_t>()};
  Exec(tx, kSetResult, run_id, rule.name, result.checked, result.failed, result.acknowledged);
  return result;
}

std::optional<AuditRun> GetAuditRun(Tx& tx, int64_t run_id) {
  pqxx::result r = Exec(tx, kGetRun, run_id);
  if (r.empty()) return std::nullopt;
  return RunFromRow(r[0]);
}

std::vector<AuditRuleResult> AuditResults(Tx& tx, int64_t run_id) {
  std::vector<AuditRuleResult> out;
  for (const auto& r : Exec(tx, kResults, run_id)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<int64_t>(), r[5].as<int64_t>(), r[6].as<int64_t>()});
  }
  return out;
}

std::vector<AuditFailure> AuditFailures(Tx& tx, int64_t run_id, int limit_per_rule) {
  std::vector<AuditFailure> out;
  for (const auto& r : Exec(tx, kFailures, run_id, limit_per_rule)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<bool>(), r[6].as<std::string>()});
  }
  return out;
}

std::vector<AuditRun> ListAuditRuns(Tx& tx, int limit) {
  std::vector<AuditRun> out;
  for (const auto& r : Exec(tx, kListRuns, limit)) out.push_back(RunFromRow(r));
  return out;
}

void PutAcknowledgement(Tx& tx, const AuditAcknowledgement& ack) {
  std::optional<std::string> expires;
  if (ack.expires_at) expires = ToSqlTimestamp(*ack.expires_at);
  Exec(tx, kPutAck, ack.rule, ack.ci_id, tx.context().actor, ack.reason, expires);
}

bool DeleteAcknowledgement(Tx& tx, const std::string& rule, const std::string& ci_id) {
  return Exec(tx, kDeleteAck, rule, ci_id).affected_rows() > 0;
}

std::vector<AuditAcknowledgement> ListAcknowledgements(Tx& tx, const std::string& rule) {
  std::vector<AuditAcknowledgement> out;
  for (const auto& r : Exec(tx, kListAcks, rule)) {
    AuditAcknowledgement a;
    a.rule = r[0].as<std::string>();
    a.ci_id = r[1].as<std::string>();
    a.actor = r[2].as<std::string>();
    a.reason = r[3].as<std::string>();
    a.created_at = r[4].as<int64_t>();
    if (!r[5].is_null()) a.expires_at = r[5].as<int64_t>();
    out.push_back(std::move(a));
  }
  return out;
}

AuditSchedule PutAuditSchedule(Tx& tx, const AuditSchedule& schedule) {
  return ScheduleFromRow(Exec(tx, kPutSchedule, schedule.name, schedule.category, schedule.interval_seconds,
                              schedule.enabled, ToSqlTimestamp(schedule.next_run_at), tx.context().actor)[0]);
}

std::vector<AuditSchedule> ListAuditSchedules(Tx& tx) {
  std::vector<AuditSchedule> out;
  for (const auto& r : Exec(tx, kListSchedules)) out.push_back(ScheduleFromRow(r));
  return out;
}

bool DeleteAuditSchedule(Tx& tx, const std::string& name) {
  return Exec(tx, kDeleteSchedule, name).affected_rows() > 0;
}

std::optional<AuditSchedule> ClaimDueAuditSchedule(Tx& tx, Micros now) {
  pqxx::result r = Exec(tx, kClaimSchedule, ToSqlTimestamp(now));
  if (r.empty()) return std::nullopt;
  return ScheduleFromRow(r[0]);
}

void SetAuditScheduleRun(Tx& tx, const std::string& name, int64_t run_id) { Exec(tx, kSetScheduleRun, name, run_id); }

int64_t PruneAuditRuns(Tx& tx, Micros before) {
  return static_cast<int64_t>(Exec(tx, kPruneRuns, ToSqlTimestamp(before)).affected_rows());
}

}  // namespace cmdb::db
