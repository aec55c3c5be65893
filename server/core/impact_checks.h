// Checks of impact-analysis requests shared by the queries and the
// administration of rules and records: pure functions that answer
// INVALID_ARGUMENT naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/impact_graph.h"
#include "core/impact_model.h"

namespace cmdb {

// "target_to_source", "source_to_target", "both" or "none".
absl::StatusOr<impact::Direction> ParseDirection(std::string_view word, std::string_view field);

// The ids as UUIDs; "<field>[i]: ..." for the first that is not one.
absl::Status ParseUuids(const std::vector<std::string>& ids, std::string_view field,
                        std::vector<impact::Uuid>* out);

// "<field>[i]: no relationship type ..." for the first type the catalog lacks.
absl::Status CheckRelationshipTypes(const Catalog& catalog, const std::vector<std::string>& types,
                                    std::string_view field);

// A redundancy rule: min_up >= 0, min_up_percent 0-100, not both, known
// types. An all-zero rule (a request to clear) passes.
absl::Status CheckRedundancyRule(const RedundancyRuleInfo& rule, const Catalog& catalog, std::string_view field);

// change, incident or problem.
absl::Status CheckRecordKind(std::string_view kind, std::string_view field);
// kind, a key of 1-128 characters without control characters, and a system
// of [a-z0-9_.-] (empty allowed: any system).
absl::Status CheckRecordRef(const RecordRef& ref, std::string_view field);

// True when `text` holds a control character (below 0x20, or DEL).
bool HasControlCharacter(std::string_view text);

}  // namespace cmdb
