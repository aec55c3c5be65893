// SQL of audit health scores and of the configuration status report: the
// aggregates (CIs by class and status, changes by class and operation,
// relationships by type), health per class after a run, trends over runs,
// risk by rule and changes made without a change ticket. Each function runs
// inside the caller's transaction (db/database.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/audit.h"
#include "db/database.h"

namespace cmdb::db {

// Computes and stores the health scores of `run_id` from its per-class
// counts (core/audit.h HealthScore says what each score counts).
void StoreAuditHealth(Tx& tx, int64_t run_id);
// The stored scores: the whole CMDB first (class ""), then by class.
std::vector<HealthScore> AuditHealth(Tx& tx, int64_t run_id);

// The totals of the last `limit` runs up to `run_id`, oldest first.
std::vector<AuditTrendPoint> AuditTrend(Tx& tx, int64_t run_id, int limit);
// Per failing rule of the run: unacknowledged failures and the sum of the
// failing CIs' criticality weights; score left for the caller.
std::vector<RuleRisk> AuditRiskByRule(Tx& tx, int64_t run_id);
// The unacknowledged failures of the run's rules of `kind`, by CI name.
std::vector<AuditFailure> AuditFailuresOfKind(Tx& tx, int64_t run_id, const std::string& kind, int limit);

std::vector<ClassStatusCount> CiStatusCounts(Tx& tx);
// Changes since `since`, from history.
std::vector<ClassOperationCount> ChangeCounts(Tx& tx, Micros since);
std::vector<TypeCount> RelationshipTypeCounts(Tx& tx);

// Changesets since `since` that wrote CIs or relationships and carry no
// change ticket, newest first, at most `limit`; `total` gets how many there
// are in all.
std::vector<UnauthorisedChange> UnauthorisedChanges(Tx& tx, Micros since, int limit, int64_t* total);

}  // namespace cmdb::db
