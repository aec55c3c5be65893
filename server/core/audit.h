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

// Checks `rule` against `catalog` and fills its kind's defaults into
// params. INVALID_ARGUMENT naming the field ("rule.kind", "rule.params.days",
// ...). The filter and a pattern's regex are checked by the database.
absl::Status ValidateAuditRule(const Catalog& catalog, AuditRule& rule);

}  // namespace cmdb
