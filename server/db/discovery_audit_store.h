// SQL of the discovery audit: a complete discovery run's target log
// (discovery_target_log) set against the records, and what sources last
// reported that the records do not hold (ci_drift). Each function runs
// inside the caller's transaction (db/database.h).
#pragma once

#include <optional>
#include <string>

#include "core/audit.h"
#include "db/database.h"

namespace cmdb::db {

// The latest run that succeeded, of `schedule` (of any when empty), or
// the run `run_id` when given whatever its schedule; nullopt when there is
// none. Fills the audit's run fields.
std::optional<DiscoveryAudit> FindAuditedRun(Tx& tx, const std::string& schedule, const std::string& run_id);

// Fills the findings of `audit` (its run_id set), at most `limit` of each
// kind, counting them all:
//   unregistered  SNMP targets that answered as a device with no live CI
//                 (not recorded, deleted, retired or merged);
//   missing       live top-level CIs whose management_ip was scanned and
//                 did not answer, or answered as another device;
//   drift         fields of the devices found (and their dependents) whose
//                 record differs from what a source last reported.
void AuditDiscoveryRun(Tx& tx, DiscoveryAudit& audit, int limit);

}  // namespace cmdb::db
