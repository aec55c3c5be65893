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

 private:
  absl::StatusOr<AuditReport> Report(db::Tx& tx, int64_t run_id, int failures_per_rule);

  db::Database& db_;
  const Clock& clock_;
};

}  // namespace cmdb
