// Update masks (AIP-134) applied to CIs, and per-field provenance.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"

namespace cmdb {

struct CiPatch {
  std::string id;
  std::string etag;                // optional: must match the current version
  std::vector<std::string> paths;  // the update mask; empty: merge (see ApplyCiPatch)
  Ci values;                       // new values; a null attribute means "remove"
};

// The CI after applying `patch` to `current` (content only: validation and
// versioning are the caller's). Paths: class_name, name, status, owner,
// criticality, parent_id, attributes (replace all), attributes.<name> (set,
// or remove when the value is null or absent). Empty mask: each non-empty scalar is
// set and each given attribute merged. INVALID_ARGUMENT "update_mask: ..."
// for an unknown path.
absl::StatusOr<Ci> ApplyCiPatch(const Ci& current, const CiPatch& patch);

// Names that attributes may not take, because they are CI fields.
bool IsReservedFieldName(std::string_view name);

// A flat view of the fields provenance is kept for: "name", "status",
// "owner", "criticality", "class_name", "parent_id" and "attributes.<name>"
// (empty values are absent).
std::map<std::string, Json> ProvenanceFields(const Ci& ci);

// Updates `provenance` (field path -> {"source", "set_at"}) for the fields
// that differ between `before` and `after`: changed fields are stamped with
// `source` and `now`, fields that disappeared lose their entry.
void StampProvenance(const std::map<std::string, Json>& before, const std::map<std::string, Json>& after,
                     std::string_view source, Micros now, Json& provenance);

}  // namespace cmdb
