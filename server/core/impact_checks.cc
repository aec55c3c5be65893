// Request checks of impact analysis.
#include "core/impact_checks.h"

#include <algorithm>
#include <regex>

#include "core/request_checks.h"
#include "core/status.h"
#include "core/strings.h"

namespace cmdb {

absl::StatusOr<impact::Direction> ParseDirection(std::string_view word, std::string_view field) {
  if (word == "target_to_source") return impact::Direction::kTargetToSource;
  if (word == "source_to_target") return impact::Direction::kSourceToTarget;
  if (word == "both") return impact::Direction::kBoth;
  if (word == "none") return impact::Direction::kNone;
  return FieldError(field, StrCat("\"", word, "\" is not one of target_to_source, source_to_target, both, none"));
}

absl::Status ParseUuids(const std::vector<std::string>& ids, std::string_view field,
                        std::vector<impact::Uuid>* out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    impact::Uuid u;
    if (!impact::ParseUuid(ids[i], &u)) return CheckId(ids[i], StrCat(field, "[", i, "]"));
    out->push_back(u);
  }
  return absl::OkStatus();
}

absl::Status CheckRelationshipTypes(const Catalog& catalog, const std::vector<std::string>& types,
                                    std::string_view field) {
  for (size_t i = 0; i < types.size(); ++i) {
    if (catalog.FindRelationshipType(types[i]) == nullptr) {
      return FieldError(StrCat(field, "[", i, "]"), StrCat("no relationship type \"", types[i], "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRedundancyRule(const RedundancyRuleInfo& rule, const Catalog& catalog, std::string_view field) {
  if (rule.min_up < 0) return FieldError(StrCat(field, ".min_up"), "must not be negative");
  if (rule.min_up_percent < 0 || rule.min_up_percent > 100) {
    return FieldError(StrCat(field, ".min_up_percent"), "must be between 0 and 100");
  }
  if (rule.min_up > 0 && rule.min_up_percent > 0) {
    return FieldError(field, "set min_up or min_up_percent, not both");
  }
  return CheckRelationshipTypes(catalog, rule.relationship_types, StrCat(field, ".relationship_types"));
}

absl::Status CheckRecordKind(std::string_view kind, std::string_view field) {
  if (kind == "change" || kind == "incident" || kind == "problem") return absl::OkStatus();
  return FieldError(field, StrCat("\"", kind, "\" is not one of change, incident, problem"));
}

absl::Status CheckRecordRef(const RecordRef& ref, std::string_view field) {
  if (absl::Status st = CheckRecordKind(ref.kind, StrCat(field, ".kind")); !st.ok()) return st;
  if (ref.key.empty() || ref.key.size() > 128 || HasControlCharacter(ref.key)) {
    return FieldError(StrCat(field, ".key"), "1 to 128 characters, no control characters");
  }
  static const std::regex kSystem("^[a-z0-9][a-z0-9_.-]{0,63}$");
  if (!ref.system.empty() && !std::regex_match(ref.system, kSystem)) {
    return FieldError(StrCat(field, ".system"), "lower-case letters, digits, _ . -, at most 64 characters");
  }
  return absl::OkStatus();
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace cmdb
