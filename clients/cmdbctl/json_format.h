// cmdb.v1 messages as the stable JSON shapes cmdbctl prints with -o json
// (and the import/export format builds on). Keys keep the documented order;
// attribute and provenance keys are sorted; enums are lowercase words;
// timestamps are RFC 3339 UTC; integral numbers print without ".0".
#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cmdb/v1/cmdb_service.pb.h"
#include "cmdb/v1/resources.pb.h"

namespace cmdbctl {

using Json = nlohmann::ordered_json;

// RFC 3339 UTC text, e.g. "2026-11-21T12:00:00.123456Z".
std::string TimeText(const google::protobuf::Timestamp& t);
// Parses RFC 3339 text; throws an INVALID_ARGUMENT Error naming `what`
// (when not empty).
google::protobuf::Timestamp ParseTime(const std::string& text, const std::string& what);

// Struct/Value <-> JSON. Numbers that are whole and fit in int64 become
// JSON integers.
Json ValueToJson(const google::protobuf::Value& value);
Json StructToJson(const google::protobuf::Struct& s);
void JsonToValue(const Json& json, google::protobuf::Value* out);
// `json` must be an object (else an INVALID_ARGUMENT Error naming `what`).
void JsonToStruct(const Json& json, google::protobuf::Struct* out, const std::string& what);

Json CiJson(const cmdb::v1::ConfigurationItem& ci);
Json RelationshipJson(const cmdb::v1::Relationship& rel);
Json ChangesetJson(const cmdb::v1::Changeset& cs);
Json CiVersionJson(const cmdb::v1::CiVersion& version);
Json AttributeJson(const cmdb::v1::AttributeDefinition& attr);
Json ClassJson(const cmdb::v1::CiClass& cls);
Json RelationshipTypeJson(const cmdb::v1::RelationshipType& type);
// {"cursor", "caught_up": true} for a caught-up event, else
// {"cursor", "caught_up": false, "operation", "changeset", "ci"|"relationship"}.
Json ChangeEventJson(const cmdb::v1::ChangeEvent& event);

// A JSON value as a table cell or CSV field: strings as they are, anything
// else as compact JSON.
std::string CellText(const Json& value);

// Prints `json` to stdout, indented, with a final newline.
void PrintJson(const Json& json);

}  // namespace cmdbctl
