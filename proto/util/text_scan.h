// A scan of a whole request for text PostgreSQL cannot store: a NUL
// character in any string field, map key or google.protobuf.Struct string
// (text columns and JSONB refuse it, and a C string would silently end at
// it). The server runs it on every request before any handler sees it.
#pragma once

#include <google/protobuf/message.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace cmdb::proto_util {

// The path of the first string holding a NUL ("ci.name",
// "creates[2].ci.attributes.model", "change.comment"), or nullopt. Top-level
// fields named in `skip` are not scanned (a caller that judges them item by
// item). Struct fields read as "attributes.model", lists as "tags[1]".
std::optional<std::string> FindNulText(const google::protobuf::Message& message,
                                       std::initializer_list<std::string_view> skip = {});

}  // namespace cmdb::proto_util
