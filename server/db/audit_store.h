// SQL of configuration audit: the rules (table audit_rule), runs and their
// results, acknowledgements, and the one set-based statement per rule kind
// that finds every failing CI of the whole CMDB and stores it with its
// reason, without sending a CI to cmdbd. Each function runs inside the
// caller's transaction (db/database.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/audit.h"
#include "core/catalog.h"
#include "db/database.h"

namespace cmdb::db {

// Inserts or replaces `rule` (already validated), stamped with the
// transaction's actor and time.
void PutAuditRule(Tx& tx, const AuditRule& rule);
std::optional<AuditRule> GetAuditRule(Tx& tx, const std::string& name);
// Every rule, or a category's, by name.
std::vector<AuditRule> ListAuditRules(Tx& tx, const std::string& category);
bool DeleteAuditRule(Tx& tx, const std::string& name);

// INVALID_ARGUMENT "rule.params.regex: ..." when PostgreSQL cannot compile
// `regex`.
absl::Status CheckRegex(Tx& tx, const std::string& regex);
// INVALID_ARGUMENT "rule.filter: ..." when `filter` does not compile.
absl::Status CheckFilter(const Catalog& catalog, const std::string& filter);

// An audit run is derived data that can be run again: its commit need not
// wait for the WAL to reach disk (SET LOCAL synchronous_commit = off; a
// crash in the next fraction of a second may lose the run, never corrupt
// anything).
void RelaxRunDurability(Tx& tx);

int64_t InsertAuditRun(Tx& tx, const std::string& category, const std::string& actor, Micros now);
void FinishAuditRun(Tx& tx, int64_t run_id, Micros now);

// Checks `rule` over the whole CMDB as of `now` (certificate expiry,
// verification age, acknowledgements' expiry) and stores its failures under
// `run_id`. INVALID_ARGUMENT when the rule's filter no longer compiles
// against `catalog` (a removed attribute).
absl::StatusOr<AuditRuleResult> RunAuditRule(Tx& tx, const Catalog& catalog, int64_t run_id, const AuditRule& rule,
                                             Micros now);

// A run (the latest when `run_id` is 0); nullopt when there is none.
std::optional<AuditRun> GetAuditRun(Tx& tx, int64_t run_id);
std::vector<AuditRuleResult> AuditResults(Tx& tx, int64_t run_id);
// The failures of a run, by rule and CI name; at most `limit` per rule.
std::vector<AuditFailure> AuditFailures(Tx& tx, int64_t run_id, int limit_per_rule);
std::vector<AuditRun> ListAuditRuns(Tx& tx, int limit);

// Records (or renews) an acknowledgement by the transaction's actor.
void PutAcknowledgement(Tx& tx, const AuditAcknowledgement& ack);
bool DeleteAcknowledgement(Tx& tx, const std::string& rule, const std::string& ci_id);
std::vector<AuditAcknowledgement> ListAcknowledgements(Tx& tx, const std::string& rule);

// Audit schedules. Put creates or replaces, its first run due at
// `next_run_at`, and returns it as stored.
AuditSchedule PutAuditSchedule(Tx& tx, const AuditSchedule& schedule);
std::vector<AuditSchedule> ListAuditSchedules(Tx& tx);
bool DeleteAuditSchedule(Tx& tx, const std::string& name);
// Claims one enabled schedule due at `now` (another cmdbd skips it) and
// moves its next run an interval on; nullopt when none is due.
std::optional<AuditSchedule> ClaimDueAuditSchedule(Tx& tx, Micros now);
void SetAuditScheduleRun(Tx& tx, const std::string& name, int64_t run_id);
// Deletes the runs that finished before `before`, except the latest run.
// Returns how many.
int64_t PruneAuditRuns(Tx& tx, Micros before);

}  // namespace cmdb::db
