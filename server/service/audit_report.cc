// AuditService: the configuration status report (see audit_service.h).
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/audit_report_store.h"
#include "db/audit_store.h"
#include "db/baseline_store.h"
#include "db/discovery_audit_store.h"
#include "service/audit_service.h"

namespace cmdb {

absl::StatusOr<StatusReport> AuditService::Status(const StatusReportQuery& query) {
  if (query.run_id < 0) return FieldError("run_id", "must not be negative");
  if (query.recent_days < 1 || query.recent_days > 3660) return FieldError("recent_days", "from 1 to 3660");
  if (query.failures_per_rule < 0 || query.failures_per_rule > 10000) {
    return FieldError("failures_per_rule", "from 0 to 10000");
  }
  if (query.trend_runs < 1 || query.trend_runs > 1000) return FieldError("trend_runs", "from 1 to 1000");
  if (query.max_changes < 1 || query.max_changes > 10000) return FieldError("max_changes", "from 1 to 10000");
  StatusReport report;
  report.generated_at = clock_.Now();
  report.recent_days = query.recent_days;
  report.risk_formula = std::string(RiskFormula());
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) -> absl::Status {
    // Periods are measured on the database's clock, as history is.
    const Micros since = db::DatabaseTime(tx) - int64_t{query.recent_days} * 86400 * 1000000;
    auto audit = Report(tx, query.run_id, query.failures_per_rule);
    if (audit.ok()) {
      report.audit = *std::move(audit);
    } else if (query.run_id != 0 || !absl::IsNotFound(audit.status())) {
      return audit.status();  // a named run that does not exist; no run at all is a report without compliance
    }
    report.ci_states = db::CiStatusCounts(tx);
    for (const auto& c : report.ci_states) report.cis += c.count;
    report.relationship_types = db::RelationshipTypeCounts(tx);
    for (const auto& t : report.relationship_types) report.relationships += t.count;
    report.recent_changes = db::ChangeCounts(tx, since);
    report.unauthorised_changes = db::UnauthorisedChanges(tx, since, query.max_changes, &report.unauthorised_total);
    if (report.audit) {
      const int64_t run = report.audit->run.id;
      report.trend = db::AuditTrend(tx, run, query.trend_runs);
      report.risk_by_rule = db::AuditRiskByRule(tx, run);
      report.expiring_certificates =
          db::AuditFailuresOfKind(tx, run, std::string(AuditKindName(AuditKind::kCertificateExpiry)), 1000);
    }
    return absl::OkStatus();
  }));
  report.risk_score = kUnauthorisedChangeWeight * static_cast<double>(report.unauthorised_total);
  for (const RuleRisk& r : report.risk_by_rule) report.risk_score += r.score;
  return report;
}

absl::StatusOr<DiscoveryAudit> AuditService::AuditDiscovery(const std::string& schedule, const std::string& run_id,
                                                            int limit) {
  if (!run_id.empty() && !IsUuid(run_id)) return FieldError("run_id", StrCat("not a UUID: \"", run_id, "\""));
  if (!run_id.empty() && !schedule.empty()) return FieldError("run_id", "give schedule or run_id, not both");
  if (!schedule.empty()) CMDB_RETURN_IF_ERROR(CheckAuditName(schedule, "schedule"));
  if (limit < 1 || limit > 100000) return FieldError("limit", "from 1 to 100000");
  std::optional<DiscoveryAudit> audit;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) -> absl::Status {
    audit = db::FindAuditedRun(tx, schedule, run_id.empty() ? run_id : CanonicalUuid(run_id));
    if (audit) db::AuditDiscoveryRun(tx, *audit, limit);
    return absl::OkStatus();
  }));
  if (!audit) {
    if (!run_id.empty()) return absl::NotFoundError(StrCat("no discovery run ", run_id));
    return absl::NotFoundError(schedule.empty() ? std::string("no discovery run has completed yet")
                                                : StrCat("no run of schedule \"", schedule, "\" has completed yet"));
  }
  return *audit;
}

}  // namespace cmdb
