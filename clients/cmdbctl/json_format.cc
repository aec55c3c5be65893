// JSON shapes of cmdb.v1 messages (see json_format.h).
#include "json_format.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <vector>

#include "client.h"
#include "enums.h"
#include "util/status_names.h"
#include "util/struct_json.h"

namespace cmdbctl {
namespace {

using google::protobuf::util::TimeUtil;

// Map keys in sorted order, so output does not depend on hash order.
template <typename Map>
std::vector<std::string> SortedKeys(const Map& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The value of `result`, or an Error carrying its status.
template <typename T>
T ValueOrThrow(absl::StatusOr<T> result) {
  if (!result.ok()) {
    throw Error(cmdb::proto_util::CodeName(result.status().code()), std::string(result.status().message()));
  }
  return *std::move(result);
}

void ThrowIfFailed(const absl::Status& status) {
  if (!status.ok()) throw Error(cmdb::proto_util::CodeName(status.code()), std::string(status.message()));
}

Json ProvenanceJson(const google::protobuf::Map<std::string, cmdb::v1::AttributeProvenance>& provenance) {
  Json out = Json::object();
  for (const auto& field : SortedKeys(provenance)) {
    const auto& p = provenance.at(field);
    out[field] = {{"source", p.source()}, {"set_time", TimeText(p.set_time())}};
  }
  return out;
}

Json StringsJson(const google::protobuf::RepeatedPtrField<std::string>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

// Seconds per duration unit, largest first.
constexpr std::pair<char, int64_t> kDurationUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

Json DiffJson(const google::protobuf::RepeatedPtrField<cmdb::v1::FieldChange>& diff) {
  Json out = Json::object();
  for (const auto& change : diff) {
    out[change.field()] = {{"old", ValueToJson(change.old_value(), "diff." + change.field() + ".old")},
                           {"new", ValueToJson(change.new_value(), "diff." + change.field() + ".new")}};
  }
  return out;
}

}  // namespace

std::string DurationText(const google::protobuf::Duration& d) {
  if (d.nanos() != 0) return TimeUtil::ToString(d);
  if (d.seconds() == 0) return "";
  for (const auto& [unit, seconds] : kDurationUnits) {
    if (d.seconds() % seconds == 0) return std::to_string(d.seconds() / seconds) + unit;
  }
  return TimeUtil::ToString(d);  // not reached: every whole number of seconds fits "s"
}

google::protobuf::Duration ParseDuration(const std::string& text, const std::string& what) {
  const auto bad = [&] {
    return InvalidArgument((what.empty() ? "" : what + ": ") + "\"" + text +
                           "\" is not a duration (e.g. 90s, 30m, 12h, 7d; 0 disables)");
  };
  if (text == "0") return TimeUtil::SecondsToDuration(0);
  if (text.size() < 2) throw bad();
  const auto unit = std::find_if(std::begin(kDurationUnits), std::end(kDurationUnits),
                                 [&](const auto& u) { return u.first == text.back(); });
  int64_t count = 0;
  const char* end = text.data() + text.size() - 1;
  const auto [ptr, ec] = std::from_chars(text.data(), end, count);
  if (unit == std::end(kDurationUnits) || ec != std::errc() || ptr != end || count < 0 ||
      count > TimeUtil::kDurationMaxSeconds / unit->second) {
    throw bad();
  }
  return TimeUtil::SecondsToDuration(count * unit->second);
}

std::string TimeText(const google::protobuf::Timestamp& t) { return TimeUtil::ToString(t); }

google::protobuf::Timestamp ParseTime(const std::string& text, const std::string& what) {
  google::protobuf::Timestamp t;
  if (!TimeUtil::FromString(text, &t)) {
    throw InvalidArgument((what.empty() ? "" : what + ": ") + "\"" + text +
                          "\" is not an RFC 3339 time (e.g. 2026-11-21T12:00:00Z)");
  }
  return t;
}

Json ValueToJson(const google::protobuf::Value& value, const std::string& what) {
  return ValueOrThrow(cmdb::proto_util::ValueToJson<Json>(value, what));
}

Json StructToJson(const google::protobuf::Struct& s, const std::string& what) {
  return ValueOrThrow(cmdb::proto_util::StructToJson<Json>(s, what));
}

void JsonToValue(const Json& json, google::protobuf::Value* out, const std::string& what) {
  ThrowIfFailed(cmdb::proto_util::JsonToValue(json, out, what));
}

void JsonToStruct(const Json& json, google::protobuf::Struct* out, const std::string& what) {
  ThrowIfFailed(cmdb::proto_util::JsonToStruct(json, out, what));
}

Json CiJson(const cmdb::v1::ConfigurationItem& ci) {
  return {{"id", ci.id()},
          {"class", ci.class_name()},
          {"name", ci.name()},
          {"status", StatusText(ci.status())},
          {"owner", ci.owner()},
          {"criticality", CriticalityText(ci.criticality())},
          {"attributes", StructToJson(ci.attributes())},
          {"version", ci.version()},
          {"etag", ci.etag()},
          {"create_time", TimeText(ci.create_time())},
          {"update_time", TimeText(ci.update_time())},
          {"provenance", ProvenanceJson(ci.provenance())},
          {"stale", ci.stale()},
          {"merged_into", ci.merged_into()},
          {"parent_id", ci.parent_id()}};
}

Json RelationshipJson(const cmdb::v1::Relationship& rel) {
  return {{"id", rel.id()},
          {"type", rel.type()},
          {"source_id", rel.source_id()},
          {"target_id", rel.target_id()},
          {"source_name", rel.source_name()},
          {"source_class", rel.source_class()},
          {"target_name", rel.target_name()},
          {"target_class", rel.target_class()},
          {"attributes", StructToJson(rel.attributes())},
          {"version", rel.version()},
          {"etag", rel.etag()},
          {"create_time", TimeText(rel.create_time())},
          {"update_time", TimeText(rel.update_time())},
          {"stale", rel.stale()}};
}

Json ChangesetJson(const cmdb::v1::Changeset& cs) {
  return {{"id", cs.id()},
          {"actor", cs.actor()},
          {"source", cs.source()},
          {"comment", cs.comment()},
          {"external_ref", cs.external_ref()},
          {"time", TimeText(cs.time())}};
}

Json CiVersionJson(const cmdb::v1::CiVersion& version) {
  Json changed = Json::array();
  for (const auto& field : version.changed_fields()) changed.push_back(field);
  return {{"version", version.ci().version()},
          {"operation", OperationText(version.operation())},
          {"valid_from", TimeText(version.valid_from())},
          {"valid_to", version.has_valid_to() ? Json(TimeText(version.valid_to())) : Json(nullptr)},
          {"changed_fields", changed},
          {"changeset", ChangesetJson(version.changeset())},
          {"ci", CiJson(version.ci())}};
}

Json AttributeJson(const cmdb::v1::AttributeDefinition& attr) {
  return {{"name", attr.name()},       {"type", AttributeTypeText(attr.type())}, {"required", attr.required()},
          {"indexed", attr.indexed()}, {"description", attr.description()},      {"defined_in", attr.defined_in()}};
}

Json ClassJson(const cmdb::v1::CiClass& cls) {
  Json own = Json::array();
  for (const auto& attr : cls.attributes()) own.push_back(AttributeJson(attr));
  Json effective = Json::array();
  for (const auto& attr : cls.effective_attributes()) effective.push_back(AttributeJson(attr));
  return {{"name", cls.name()},
          {"parent", cls.parent()},
          {"description", cls.description()},
          {"abstract", cls.abstract()},
          {"system", cls.system()},
          {"attributes", own},
          {"effective_attributes", effective}};
}

Json RelationshipTypeJson(const cmdb::v1::RelationshipType& type) {
  return {{"name", type.name()},
          {"inverse_name", type.inverse_name()},
          {"description", type.description()},
          {"impact", ImpactText(type.impact())},
          {"system", type.system()}};
}

Json ItemResultJson(const cmdb::v1::ItemResult& item) {
  Json skipped = Json::object();
  for (const auto& s : item.skipped()) skipped[s.field()] = s.reason();
  return {{"ref", item.ref()},
          {"action", ReconcileActionText(item.action())},
          {"ci_id", item.ci_id()},
          {"diff", DiffJson(item.diff())},
          {"reason", item.reason()},
          {"skipped", skipped},
          {"candidates", StringsJson(item.candidate_ids())},
          {"matched_by", item.matched_by()}};
}

Json RelationResultJson(const cmdb::v1::RelationResult& rel) {
  return {{"index", rel.index()},
          {"action", ReconcileActionText(rel.action())},
          {"relationship_id", rel.relationship_id()},
          {"reason", rel.reason()}};
}

Json ReconcileSummaryJson(const cmdb::v1::ReconcileResponse& r) {
  return {{"dry_run", r.dry_run()},   {"changeset_id", r.changeset_id()}, {"created", r.created()},
          {"updated", r.updated()},   {"unchanged", r.unchanged()},       {"conflicts", r.conflicts()},
          {"rejected", r.rejected()}, {"marked_stale", r.marked_stale()},
          {"items_omitted", r.items_omitted()}, {"relations_omitted", r.relations_omitted()}};
}

Json IdentificationRulesJson(const cmdb::v1::IdentificationRules& rules) {
  Json sets = Json::array();
  for (const auto& set : rules.sets()) {
    sets.push_back({{"fields", StringsJson(set.attributes())}, {"within_parent", set.within_parent()}});
  }
  return {{"class", rules.class_name()}, {"sets", sets}, {"inherited_from", rules.inherited_from()}};
}

Json ReconciliationRuleJson(const cmdb::v1::ReconciliationRule& rule) {
  return {{"class", rule.class_name()}, {"field", rule.field()}, {"sources", StringsJson(rule.sources())}};
}

Json SourceJson(const cmdb::v1::Source& source) {
  return {{"name", source.name()},
          {"stale_after_runs", source.stale_after_runs()},
          {"stale_after", DurationText(source.stale_after())},
          {"stale_after_seconds", source.stale_after().seconds()},
          {"ci_count", source.ci_count()},
          {"stale_count", source.stale_count()},
          {"runs", source.runs()},
          {"last_run_time", source.has_last_run_time() ? Json(TimeText(source.last_run_time())) : Json(nullptr)}};
}

Json DuplicateCandidateJson(const cmdb::v1::DuplicateCandidate& c) {
  return {{"identifier", c.identifier()},
          {"value", c.value()},
          {"ci_ids", StringsJson(c.ci_ids())},
          {"names", StringsJson(c.names())},
          {"detected_time", TimeText(c.detected_time())},
          {"detected_by", c.detected_by()}};
}

Json MergeResponseJson(const cmdb::v1::MergeResponse& response) {
  return {{"survivor", CiJson(response.survivor())},
          {"duplicate", CiJson(response.duplicate())},
          {"relationships_moved", response.relationships_moved()},
          {"relationships_dropped", response.relationships_dropped()}};
}

Json ChangeEventJson(const cmdb::v1::ChangeEvent& event) {
  if (event.caught_up()) return {{"cursor", event.cursor()}, {"caught_up", true}};
  Json out = {{"cursor", event.cursor()},
              {"caught_up", false},
              {"operation", OperationText(event.operation())},
              {"changeset", ChangesetJson(event.changeset())}};
  if (event.has_ci()) out["ci"] = CiJson(event.ci());
  if (event.has_relationship()) out["relationship"] = RelationshipJson(event.relationship());
  return out;
}

std::string CellText(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

void PrintJson(const Json& json) { std::cout << json.dump(2) << "\n"; }

std::string TimeOrEmpty(bool has, const google::protobuf::Timestamp& t) { return has ? TimeText(t) : ""; }

Json TimeOrNull(bool has, const google::protobuf::Timestamp& t) { return has ? Json(TimeText(t)) : Json(nullptr); }

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

Json Strings(const google::protobuf::RepeatedPtrField<std::string>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

}  // namespace cmdbctl
