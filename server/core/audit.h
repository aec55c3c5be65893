// Configuration audit rules: a rule kind is code (what it checks, which
// parameters it takes), a rule is data (db table audit_rule): a name, a
// category, a kind, the class it applies to (subclasses included) and an
// AIP-160 filter narrowing it, a severity and the kind's parameters.
//
//   kind                   params                                  fails a CI in scope when
//   required_attribute     attribute                               the attribute is missing or empty
//   pattern                attribute, regex (PostgreSQL)           its value does not match
//   allowed_values         attribute, values [..]                  its value is not one of them
//   required_relationship  type, direction, target_class?          it has no such relationship
//   max_relationships      type, direction, max                    it has more than max of them
//   unique_attribute       attribute                               another CI in scope has its value
//   no_orphan              -                                       no relationship, parent or dependent
//   not_stale              -                                       its sources stopped reporting it
//   no_duplicates          -                                       it is an open duplicate candidate
//   certificate_expiry     attribute (not_after), days (30)        the time is less than days away
//   verified_within        days (30)                               no source saw it for that long
//   source_drift           attribute?, source?                     a source last reported another value
//                                                                  for a field it may not write (ci_drift)
//
// direction is "outgoing" (the CI is the relationship's source; default)
// or "incoming". Retired CIs are never in scope.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/catalog.h"
#include "core/model.h"

namespace cmdb {

enum class AuditKind {
  kRequiredAttribute,
  kPattern,
  kAllowedValues,
  kRequiredRelationship,
  kMaxRelationships,
  kUniqueAttribute,
  kNoOrphan,
  kNotStale,
  kNoDuplicates,
  kCertificateExpiry,
  kVerifiedWithin,
  kSourceDrift,
};

std::optional<AuditKind> AuditKindFromName(std::string_view name);
std::string_view AuditKindName(AuditKind kind);
// Every kind's name, in the order above.
std::vector<std::string> AuditKindNames();

// low, medium, high, critical.
bool IsValidSeverity(std::string_view severity);
// 1 (low) to 4 (critical); 0 for an unknown one.
int SeverityWeight(std::string_view severity);

struct AuditRule {
  std::string name;      // [a-z0-9][a-z0-9_.-]*
  std::string category;  // likewise; e.g. completeness, relationships, correctness, compliance
  std::string kind;
  std::string class_name;
  std::string filter;  // AIP-160, as for ListCIs ("" for all)
  std::string severity = "medium";
  Json params = Json::object();
  std::string description;
  bool enabled = true;
  Micros updated_at = 0;   // output only
  std::string updated_by;  // output only
};

// What one rule found in one run.
struct AuditRuleResult {
  std::string rule, category, kind, severity;
  int64_t checked = 0;       // CIs in the rule's scope
  int64_t failed = 0;        // ... failing it, not acknowledged
  int64_t acknowledged = 0;  // ... failing it, acknowledged
};

// One CI failing one rule.
struct AuditFailure {
  std::string rule;
  std::string ci_id, ci_name, ci_class;
  std::string reason;
  bool acknowledged = false;
  std::string ci_criticality;
};

struct AuditRun {
  int64_t id = 0;
  std::string category;  // "" for all
  std::string actor;
  Micros started_at = 0, finished_at = 0;
};

// A finding accepted as a risk: it is listed, but no longer fails.
struct AuditAcknowledgement {
  std::string rule, ci_id, actor, reason;
  Micros created_at = 0;
  std::optional<Micros> expires_at;  // none: until withdrawn
};

// Health of the CMDB (or of one class) after a run: the percentage of
// passing checks (CI x rule) of the rules of each kind group.
//   completeness  required_attribute
//   correctness   not_stale, no_orphan, no_duplicates, unique_attribute, verified_within,
//                 source_drift
//   compliance    every rule
// Acknowledged findings pass. nullopt when no rule of the group applied.
struct HealthScore {
  std::string class_name;  // "" for the whole CMDB
  int64_t cis = 0;         // CIs of the class that are not retired
  std::optional<double> completeness, correctness, compliance;
};

// The kind names of each health group, for SQL.
std::vector<std::string> CompletenessKinds();
std::vector<std::string> CorrectnessKinds();

// 1 (none or low) to 4 (critical): how much a CI's criticality weighs in
// the risk score.
int CriticalityWeight(std::string_view criticality);

// A risk score of a run: sum over failing rules of severity weight x the
// sum of the criticality weights of its unacknowledged failing CIs, plus
// kUnauthorisedChangeWeight per change made without a ticket.
inline constexpr double kUnauthorisedChangeWeight = 2.0;
std::string_view RiskFormula();

struct RuleRisk {
  std::string rule, severity;
  int64_t failed = 0;
  int64_t criticality_weight = 0;  // sum over the failing CIs
  double score = 0;                // SeverityWeight(severity) x criticality_weight
};

// Status accounting: how many CIs of a class are in a status, how many
// changes of an operation a class had, how many relationships of a type.
struct ClassStatusCount {
  std::string class_name, status;
  int64_t count = 0;
};
struct ClassOperationCount {
  std::string class_name, operation;
  int64_t count = 0;
};
struct TypeCount {
  std::string type;
  int64_t count = 0;
};

// One run's totals, for trends.
struct AuditTrendPoint {
  int64_t run_id = 0;
  Micros time = 0;
  int64_t checked = 0, failed = 0, acknowledged = 0;
};

// A changeset that wrote CIs or relationships without a change ticket.
struct UnauthorisedChange {
  ChangesetInfo changeset;
  int64_t cis = 0, relationships = 0;  // versions it wrote
};

// The discovery audit: the records against the latest complete discovery
// run of a scope (a schedule, or every schedule).
struct UnregisteredDevice {  // found, not in the CMDB as found
  std::string address, sys_name, class_name, sys_object_id;
  std::string ci_id;  // the CI it was recorded as, if any
  std::string reason;
  Micros found_at = 0;
};
struct MissingCi {  // in the scanned range, not seen
  std::string ci_id, name, class_name, address, reason;
  Micros last_seen = 0;  // by any source; 0: never
};
struct DriftFinding {  // the record differs from what a source last reported
  std::string ci_id, name, class_name, field, source;
  Json recorded, reported;  // null: none
  Micros reported_at = 0;
};
struct DiscoveryAudit {
  std::string run_id, schedule;
  Micros run_ended_at = 0;
  int64_t targets = 0;
  std::vector<UnregisteredDevice> unregistered;
  std::vector<MissingCi> missing;
  std::vector<DriftFinding> drift;
  int64_t unregistered_total = 0, missing_total = 0, drift_total = 0;  // before the limit
};

// An audit that runs by itself every `interval_seconds`.
struct AuditSchedule {
  std::string name;      // [a-z0-9][a-z0-9_.-]*, up to 63
  std::string category;  // "" for every enabled rule
  int64_t interval_seconds = 86400;  // 300 s to 366 days
  bool enabled = true;
  Micros next_run_at = 0;  // output only (set from now and the interval)
  int64_t last_run_id = 0;  // output only
  Micros updated_at = 0;
  std::string updated_by;
};

// A named configuration at a point in time, over the CIs that matched a
// filter then; read back from history.
struct Baseline {
  std::string name;  // [a-z0-9][a-z0-9_.-]*, up to 63
  std::string description;
  std::string filter;  // AIP-160, as for ListCIs
  Micros as_of = 0;
  int64_t cis = 0, relationships = 0;  // in scope at as_of
  Micros created_at = 0;
  std::string created_by;
};

// One field that differs between two versions: "name", "status", "owner",
// "criticality", "class", "parent_id" or "attributes.<name>"; null for a
// value that is absent on one side.
struct FieldDiff {
  std::string field;
  Json before, after;
};

// A CI or relationship that was added to, removed from, or changed in the
// scope between two points in time, with the changesets of the period
// that wrote it.
struct ConfigurationDiff {
  std::string change;  // added, removed, changed
  std::string id, name, class_name;  // a relationship: name is "source type target", class_name its type
  std::string source_id, target_id;  // relationships only
  std::vector<FieldDiff> fields;     // changed only
  std::vector<int64_t> changesets;
};

struct BaselineComparison {
  Baseline from;
  std::string to_name;  // "" when compared with a time
  Micros to_time = 0;
  std::vector<ConfigurationDiff> cis, relationships;  // by name
  int64_t cis_total = 0, relationships_total = 0;     // before the limit
  // Changesets of the period that wrote a listed CI or relationship; those
  // without a change ticket (external_ref) are unauthorised.
  std::vector<ChangesetInfo> changesets;
  std::vector<ChangesetInfo> unauthorised;
};

// Checks `rule` against `catalog` and fills its kind's defaults into
// params. INVALID_ARGUMENT naming the field ("rule.kind", "rule.params.days",
// ...). The filter and a pattern's regex are checked by the database.
absl::Status ValidateAuditRule(const Catalog& catalog, AuditRule& rule);

// INVALID_ARGUMENT naming `field` unless `name` is a rule, category or
// baseline name.
absl::Status CheckAuditName(std::string_view name, std::string_view field);

}  // namespace cmdb
