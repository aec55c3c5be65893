// cmdb.v1 messages as the stable JSON shapes cmdbctl prints with -o json
// (and the import/export format builds on). Keys keep the documented order;
// attribute and provenance keys are sorted; enums are lowercase words;
// timestamps are RFC 3339 UTC; integral numbers print without ".0".
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cmdb/v1/cmdb_service.pb.h"
#include "cmdb/v1/reconcile.pb.h"
#include "cmdb/v1/resources.pb.h"

namespace cmdbctl {

using Json = nlohmann::ordered_json;

// RFC 3339 UTC text, e.g. "2026-11-21T12:00:00.123456Z".
std::string TimeText(const google::protobuf::Timestamp& t);
// TimeText of a timestamp that may be unset: "" or JSON null when it is.
std::string TimeOrEmpty(bool has, const google::protobuf::Timestamp& t);
Json TimeOrNull(bool has, const google::protobuf::Timestamp& t);

// A repeated string field as one text ("a,b") or as a JSON array.
std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& items, const std::string& separator = ",");
Json Strings(const google::protobuf::RepeatedPtrField<std::string>& items);
// Parses RFC 3339 text; throws an INVALID_ARGUMENT Error naming `what`
// (when not empty).
google::protobuf::Timestamp ParseTime(const std::string& text, const std::string& what);

// A duration in the largest unit that holds it whole: "90s", "30m", "12h",
// "7d" ("" for zero; fractions of a second as "1.5s").
std::string DurationText(const google::protobuf::Duration& d);
// Parses "0" or a whole number followed by s, m, h or d (as DurationText
// prints them); throws an INVALID_ARGUMENT Error naming `what`.
google::protobuf::Duration ParseDuration(const std::string& text, const std::string& what);

// Struct/Value <-> JSON by the rules every program of the project shares
// (util/struct_json.h): keys sorted, whole numbers within +-2^53 as JSON
// integers, a Value with no kind as null. What those rules refuse (a
// non-finite number, invalid UTF-8, more than 32 levels) throws an
// INVALID_ARGUMENT Error naming the value under `what`.
Json ValueToJson(const google::protobuf::Value& value, const std::string& what = "value");
Json StructToJson(const google::protobuf::Struct& s, const std::string& what = "attributes");
void JsonToValue(const Json& json, google::protobuf::Value* out, const std::string& what = "value");
// `json` must be an object (else an INVALID_ARGUMENT Error naming `what`).
void JsonToStruct(const Json& json, google::protobuf::Struct* out, const std::string& what);

Json CiJson(const cmdb::v1::ConfigurationItem& ci);
Json RelationshipJson(const cmdb::v1::Relationship& rel);
Json ChangesetJson(const cmdb::v1::Changeset& cs);
Json CiVersionJson(const cmdb::v1::CiVersion& version);
Json AttributeJson(const cmdb::v1::AttributeDefinition& attr);
Json ClassJson(const cmdb::v1::CiClass& cls);
Json RelationshipTypeJson(const cmdb::v1::RelationshipType& type);
// Reconciliation (cmdb/v1/reconcile.proto). An item result is {"ref",
// "action", "ci_id", "diff": {field: {"old", "new"}}, "reason", "skipped":
// {field: reason}, "candidates", "matched_by"}; a missing old or new value
// is null.
Json ItemResultJson(const cmdb::v1::ItemResult& item);
Json RelationResultJson(const cmdb::v1::RelationResult& rel);
// {"dry_run", "changeset_id", "created", "updated", "unchanged",
//  "conflicts", "rejected", "marked_stale"}.
Json ReconcileSummaryJson(const cmdb::v1::ReconcileResponse& response);
// {"class", "sets": [{"fields", "within_parent"}], "inherited_from"}.
Json IdentificationRulesJson(const cmdb::v1::IdentificationRules& rules);
// {"class", "field", "sources"}.
Json ReconciliationRuleJson(const cmdb::v1::ReconciliationRule& rule);
// {"name", "stale_after_runs", "stale_after" (as DurationText),
//  "stale_after_seconds", "ci_count", "stale_count", "runs", "last_run_time"
//  (null before the first complete run)}.
Json SourceJson(const cmdb::v1::Source& source);
// {"identifier", "value", "ci_ids", "names", "detected_time", "detected_by"}.
Json DuplicateCandidateJson(const cmdb::v1::DuplicateCandidate& candidate);
// {"survivor": CI, "duplicate": CI, "relationships_moved", "relationships_dropped"}.
Json MergeResponseJson(const cmdb::v1::MergeResponse& response);
// {"cursor", "caught_up": true} for a caught-up event, else
// {"cursor", "caught_up": false, "operation", "changeset", "ci"|"relationship"}.
Json ChangeEventJson(const cmdb::v1::ChangeEvent& event);

// A JSON value as a table cell or CSV field: strings as they are, anything
// else as compact JSON.
std::string CellText(const Json& value);

// Prints `json` to stdout, indented, with a final newline.
void PrintJson(const Json& json);

}  // namespace cmdbctl
