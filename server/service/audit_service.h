// Configuration audit use cases (ITIL verification and audit): audit rules
// as data (core/audit.h has the kinds), runs that check the rules over the
// whole CMDB in set-based SQL (db/audit_store.h) and keep per rule what was
// checked and what failed and why, and acknowledgements that accept a
// finding as a risk (it stays listed, and no longer fails).
//
// Errors: INVALID_ARGUMENT names the field ("rule.params.attribute: ...");
// NOT_FOUND for an unknown rule, run or CI; UNAVAILABLE when the database
// is gone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/audit.h"
#include "core/clock.h"
#include "core/model.h"
#include "db/database.h"

namespace cmdb {

// A run with its results and (some of) its failures.
struct AuditReport {
  AuditRun run;
  std::vector<AuditRuleResult> results;  // by rule name
  std::vector<AuditFailure> failures;    // by rule, then unacknowledged first, then CI name
  std::vector<HealthScore> health;       // the whole CMDB first, then by class
};

// The configuration status report (ITIL status accounting) of a run:
// current state and recent changes, relationships, compliance (the run's
// results, health and trend) and risk.
struct StatusReport {
  Micros generated_at = 0;
  std::optional<AuditReport> audit;  // none when no audit has run
  std::vector<AuditTrendPoint> trend;  // oldest first
  std::vector<ClassStatusCount> ci_states;
  int64_t cis = 0, relationships = 0;
  int recent_days = 30;
  std::vector<ClassOperationCount> recent_changes;
  std::vector<TypeCount> relationship_types;
  std::vector<RuleRisk> risk_by_rule;
  double risk_score = 0;
  std::string risk_formula;
  std::vector<AuditFailure> expiring_certificates;
  std::vector<UnauthorisedChange> unauthorised_changes;  // newest first
  int64_t unauthorised_total = 0;
};

struct StatusReportQuery {
  int64_t run_id = 0;        // 0: the latest run
  int recent_days = 30;      // the period of "recent" changes
  int failures_per_rule = 100;
  int trend_runs = 20;
  int max_changes = 100;     // unauthorised changes listed
};

struct BaselineCompareQuery {
  std::string name;
  std::string to_name;            // another baseline, or
  std::optional<Micros> to_time;  // a time (now when neither is given)
  int limit = 1000;               // CIs and relationships listed, each
};

class AuditService {
 public:
  // `clock` must outlive the service; audits measure ages and expiry on it.
  AuditService(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Creates or replaces a rule, checked against the catalog (kind,
  // parameters, filter, regex). Returns it as stored.
  absl::StatusOr<AuditRule> PutRule(const WriteContext& context, AuditRule rule);
  absl::StatusOr<AuditRule> GetRule(const std::string& name);
  // Every rule, or a category's.
  absl::StatusOr<std::vector<AuditRule>> ListRules(const std::string& category);
  absl::Status DeleteRule(const WriteContext& context, const std::string& name);

  // Checks every enabled rule (or a category's) in one transaction and
  // stores the run. The report lists at most `failures_per_rule` failures
  // of each rule (every one is stored). INVALID_ARGUMENT when a category
  // has no enabled rule or a rule's filter no longer compiles.
  absl::StatusOr<AuditReport> Run(const WriteContext& context, const std::string& category, int failures_per_rule);
  // A stored run (the latest for 0).
  absl::StatusOr<AuditReport> GetRun(int64_t run_id, int failures_per_rule);
  absl::StatusOr<std::vector<AuditRun>> ListRuns(int limit);

  // Accepts the failure of `ci_id` under `rule` as a risk (who: the
  // context's actor; why: `reason`), until `expires_at` if given.
  absl::StatusOr<AuditAcknowledgement> Acknowledge(const WriteContext& context, AuditAcknowledgement ack);
  absl::Status Withdraw(const WriteContext& context, const std::string& rule, const std::string& ci_id);
  absl::StatusOr<std::vector<AuditAcknowledgement>> ListAcknowledgements(const std::string& rule);

  // Audit schedules: each runs every interval (the first run an interval
  // from now), as actor "schedule:<name>".
  absl::StatusOr<AuditSchedule> PutSchedule(const WriteContext& context, AuditSchedule schedule);
  absl::StatusOr<std::vector<AuditSchedule>> ListSchedules();
  absl::Status DeleteSchedule(const WriteContext& context, const std::string& name);
  // Runs the schedules due now, then deletes the runs that finished more
  // than `retention_days` ago (never the latest). The leader cmdbd calls it
  // every minute. Returns how many audits ran.
  absl::StatusOr<int> Tick(int retention_days);

  // The status report of a run (the latest by default), with the CMDB's
  // state as of now (service/audit_report.cc).
  absl::StatusOr<StatusReport> Status(const StatusReportQuery& query);

  // The discovery audit of the latest complete run of `schedule` (of any
  // schedule when empty), or of run `run_id`: at most `limit` findings of
  // each kind (core/audit.h DiscoveryAudit). NOT_FOUND when there is no
  // such run.
  absl::StatusOr<DiscoveryAudit> AuditDiscovery(const std::string& schedule, const std::string& run_id, int limit);

  // Baselines (service/audit_baselines.cc). Create records the scope and
  // time (now when as_of is 0) and counts what is in it; ALREADY_EXISTS
  // when the name is taken, INVALID_ARGUMENT for a bad name or filter or a
  // time in the future.
  absl::StatusOr<Baseline> CreateBaseline(const WriteContext& context, Baseline baseline);
  absl::StatusOr<Baseline> GetBaseline(const std::string& name);
  absl::StatusOr<std::vector<Baseline>> ListBaselines();
  absl::Status DeleteBaseline(const WriteContext& context, const std::string& name);
  // The baseline against another, a time, or now (with the baseline's
  // filter).
  absl::StatusOr<BaselineComparison> CompareBaseline(const BaselineCompareQuery& query);

 private:
  absl::StatusOr<AuditReport> Report(db::Tx& tx, int64_t run_id, int failures_per_rule);

  db::Database& db_;
  const Clock& clock_;
};

}  // namespace cmdb
