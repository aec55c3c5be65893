#include "core/reconciliation.h"

#include <algorithm>

#include "core/strings.h"

namespace cmdb {
namespace {

// Lower is stronger. Unlisted sources rank below every listed one; without a
// rule every source ranks the same.
size_t Rank(const ReconciliationRuleDef* rule, std::string_view source) {
  if (rule == nullptr) return 0;
  auto it = std::find(rule->sources.begin(), rule->sources.end(), source);
  return static_cast<size_t>(it - rule->sources.begin());
}

}  // namespace

FieldDecision DecideField(const ReconciliationRuleDef* rule, const Json* current, std::string_view source,
                          Micros observed, bool clearing) {
  // An entry that is not an object counts as no provenance at all.
  if (current != nullptr && !current->is_object()) current = nullptr;
  const std::string owner = current != nullptr ? current->value("source", "") : "";
  if (clearing && owner != source) {
    return {false, owner.empty() ? StrCat("only the source that set it may clear it")
                                 : StrCat("only ", owner, ", which set it, may clear it")};
  }
  if (owner.empty() || owner == source) {
    const Micros set_at = current != nullptr ? current->value("set_at", int64_t{0}) : 0;
    if (owner == source && observed < set_at) {
      return {false, StrCat("older than the value ", source, " reported at ", FormatRfc3339(set_at))};
    }
    return {true, ""};
  }
  const size_t mine = Rank(rule, source), theirs = Rank(rule, owner);
  if (theirs < mine) return {false, StrCat("set by ", owner, ", which outranks ", source)};
  if (theirs == mine) {
    const Micros set_at = current->value("set_at", int64_t{0});
    if (observed < set_at) {
      return {false, StrCat("older than the value ", owner, " set at ", FormatRfc3339(set_at))};
    }
  }
  return {true, ""};
}

FindingResult ApplyFinding(const Catalog& catalog, const Ci& current, const Finding& finding, std::string_view source,
                           Micros observed) {
  FindingResult result;
  result.after = current;
  Ci& after = result.after;
  if (!after.provenance.is_object()) after.provenance = Json::object();
  const Json stamp = {{"source", source}, {"set_at", observed}};

  // One field: `now` is the current value (nullptr when none), `next` the
  // reported one (nullptr: clear). Returns true when it may be written.
  auto consider = [&](const std::string& field, const Json* now, const Json* next) {
    if (now == nullptr && next == nullptr) return false;
    if (now != nullptr && next != nullptr && *now == *next) return false;
    const Json* prov = after.provenance.contains(field) ? &after.provenance[field] : nullptr;
    FieldDecision d = DecideField(catalog.FindReconciliationRule(after.class_name, field), prov, source, observed,
                                  next == nullptr);
    if (!d.write) {
      SkippedField skipped{field, d.reason};
      if (next != nullptr) skipped.reported = *next;
      if (now != nullptr) skipped.recorded = *now;
      result.skipped.push_back(std::move(skipped));
      return false;
    }
    FieldChange change;
    change.field = field;
    if (now != nullptr) change.old_value = *now;
    if (next != nullptr) change.new_value = *next;
    result.diff.push_back(std::move(change));
    if (next == nullptr) {
      after.provenance.erase(field);
    } else {
      after.provenance[field] = stamp;
    }
    return true;
  };

  auto scalar = [&](const char* field, const std::string& reported, std::string& target) {
    if (reported.empty()) return;
    const Json next = reported;
    const Json now = target;
    if (consider(field, target.empty() ? nullptr : &now, &next)) target = reported;
  };
  scalar("name", finding.name, after.name);
  scalar("status", finding.status, after.status);
  scalar("owner", finding.owner, after.owner);
  scalar("criticality", finding.criticality, after.criticality);

  if (finding.attributes.is_object()) {
    for (const auto& [key, value] : finding.attributes.items()) {
      auto it = after.attributes.find(key);
      const Json* now = it != after.attributes.end() ? &*it : nullptr;
      const Json* next = value.is_null() ? nullptr : &value;
      const Json now_copy = now != nullptr ? *now : Json();
      if (consider("attributes." + key, now != nullptr ? &now_copy : nullptr, next)) {
        if (next == nullptr) {
          after.attributes.erase(key);
        } else {
          after.attributes[key] = value;
        }
      }
    }
  }
  return result;
}

bool IsValidSourceName(std::string_view name) {
  if (name.empty() || name.size() > 63 || name == kManualSource) return false;
  auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok_first(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return ok_first(c) || c == '_' || c == '.' || c == '-'; });
}

}  // namespace cmdb
