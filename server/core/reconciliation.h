// Reconciliation: applying a source's finding to a CI field by field, under
// the catalog's reconciliation rules. Pure functions: no database.
//
// For each field the finding reports (an absent field is left alone):
//   - a value equal to the current one changes nothing;
//   - a source may always overwrite (but not clear) a value that has no
//     recorded source;
//   - otherwise the rule for the field ranks the sources (listed ones in
//     order, unlisted ones below all listed, all equal without a rule): a
//     higher-ranked source's value is kept; between equal ranks the newer
//     observation wins;
//   - a null clears the field, but only when this source set it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/model.h"

namespace cmdb {

// What a source reports about one thing. Empty strings and missing
// attribute keys mean "not reported"; a null attribute means "clear it".
struct Finding {
  std::string class_name;
  std::string name;
  std::string status;
  std::string owner;
  std::string criticality;
  Json attributes = Json::object();
};

struct FieldChange {
  std::string field;
  std::optional<Json> old_value;  // nullopt: it had none
  std::optional<Json> new_value;  // nullopt: cleared
};

struct SkippedField {
  std::string field;
  std::string reason;
  // What the source reported (nullopt: that it is absent) and what the
  // record keeps (nullopt: none): they differ, or the field would not have
  // been considered. Not set for parent_id.
  std::optional<Json> reported, recorded;
};

struct FieldDecision {
  bool write = false;
  std::string reason;  // why not, when !write
};

// The verdict for one field: `current` is its provenance entry
// ({"source", "set_at"}) or nullptr.
FieldDecision DecideField(const ReconciliationRuleDef* rule, const Json* current, std::string_view source,
                          Micros observed, bool clearing);

struct FindingResult {
  Ci after;  // `current` with the allowed changes and their provenance
  std::vector<FieldChange> diff;
  std::vector<SkippedField> skipped;
};

// Applies `finding` (attributes already normalised) from `source`, observed
// at `observed`, to `current`. The class is the caller's business.
FindingResult ApplyFinding(const Catalog& catalog, const Ci& current, const Finding& finding, std::string_view source,
                           Micros observed);

// True for a usable source name: [a-z0-9][a-z0-9_.-]*, at most 63
// characters, and not the reserved "manual".
bool IsValidSourceName(std::string_view name);

}  // namespace cmdb
