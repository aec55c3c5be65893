// Attribute values from text: `--attr K=V` flags and CSV cells typed by the
// class's attribute schema, free-form relationship attributes, and
// `NAME:TYPE[:required][:indexed]` attribute definitions.
//
// Every function throws an INVALID_ARGUMENT cmdbctl::Error naming the
// attribute when the text does not fit.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <map>
#include <string>
#include <utility>

#include "cmdb/v1/resources.pb.h"

namespace cmdbctl {

// Attribute name -> type.
using AttributeTypes = std::map<std::string, cmdb::v1::AttributeType>;

// The types of a class's effective attributes (inherited + own).
AttributeTypes TypesOf(const cmdb::v1::CiClass& cls);

// "K=V" split at the first '='; V may be empty. Throws when there is no '='
// or K is empty.
std::pair<std::string, std::string> SplitAssignment(const std::string& text);

// `text` as a value of attribute `name`:
//   integer -> whole number; float -> number; boolean -> true/false;
//   string_list, mac_address_list, ip_address_list -> a JSON array when
//     it starts with '[', else the comma-separated items (spaces around
//     items trimmed);
//   json -> the parsed JSON, or the text as a string when it is not JSON;
//   string, datetime, ip_address, mac_address and names not in `types`
//     -> the text as a string (the server checks the format).
// Empty text gives null (which removes the attribute on update).
google::protobuf::Value TypedValue(const AttributeTypes& types, const std::string& name, const std::string& text);

// A free-form value (relationship attributes): the parsed JSON when `text`
// is JSON, else `text` as a string; empty text gives null.
google::protobuf::Value FreeFormValue(const std::string& text);

// "NAME:TYPE[:required][:indexed]" as a definition, e.g.
// "rack_unit:integer:indexed".
cmdb::v1::AttributeDefinition ParseAttributeSpec(const std::string& spec);

}  // namespace cmdbctl
