// google.protobuf.Struct, Value and ListValue <-> nlohmann::json: the one
// conversion every program of the project uses (cmdbd for attributes,
// cmdbctl for input and `-o json` output, the discovery workers), so that a
// value reads and prints the same everywhere.
//
// The rules, in both directions unless noted:
//
//  - Key order. A JSON object made from a Struct lists its keys in
//    ascending byte order (which, for UTF-8, is code point order), for
//    nlohmann::json and nlohmann::ordered_json alike: output never depends
//    on the order of protobuf's map.
//  - Numbers, Struct -> JSON. A finite number with no fractional part and
//    |n| <= 2^53 becomes a JSON integer (so 4.0 prints as 4; -0.0 becomes
//    0). Every other finite number stays a JSON float (1e300, 2^60, 0.5).
//  - Numbers, JSON -> Struct. Every JSON number becomes a double, the only
//    number google.protobuf.Value has; integers beyond +-2^53 round to the
//    nearest double.
//  - Non-finite numbers (NaN, +-infinity) have no JSON form and are
//    rejected in both directions.
//  - null <-> NULL_VALUE. A Value with no kind set (an absent optional
//    value) reads as null. Empty lists and objects stay lists and objects.
//  - Depth. At most kMaxDepth nested levels of objects and lists; a Struct
//    or a list is one level, a scalar none. Each object level costs three
//    levels of protobuf message nesting, so 32 levels keep a Struct inside a
//    cmdb.v1 message within protobuf's default parse recursion limit (100):
//    whatever converts can also be sent.
//  - UTF-8. Every string and every key must be valid UTF-8 (no overlong
//    forms, no surrogates, nothing above U+10FFFF). Protobuf would refuse
//    such a message on parse and nlohmann::json would throw on dump, far
//    from the cause; here it is refused with the path.
//  - NUL. No string and no key may hold a NUL character (U+0000), which
//    PostgreSQL cannot store in JSONB or text.
//  - JSON -> Struct needs an object at the top; binary and discarded JSON
//    values have no Value form and are rejected.
//
// Errors: INVALID_ARGUMENT only, with a message that starts with the path
// of the offending value, built from the `path` the caller names:
//   "ci.attributes.rack.slots[2]: number is not finite (NaN)"
// Keys that are not plain identifiers are quoted: attributes["a.b"]. The
// output of a failed conversion is left empty.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cmdb::proto_util {

// Maximum nesting of objects and lists (see the header comment).
inline constexpr int kMaxDepth = 32;

// Struct/Value/ListValue -> JSON. JsonT is nlohmann::json (the default) or
// nlohmann::ordered_json; both get the keys in sorted order. `path` names
// the message in error messages (e.g. "ci.attributes"). INVALID_ARGUMENT for
// a non-finite number, invalid UTF-8 or more than kMaxDepth levels.
template <typename JsonT = nlohmann::json>
absl::StatusOr<JsonT> StructToJson(const google::protobuf::Struct& s, std::string_view path);
template <typename JsonT = nlohmann::json>
absl::StatusOr<JsonT> ValueToJson(const google::protobuf::Value& value, std::string_view path);
template <typename JsonT = nlohmann::json>
absl::StatusOr<JsonT> ListToJson(const google::protobuf::ListValue& list, std::string_view path);

// JSON -> Struct/Value/ListValue, replacing *out. JsonToStruct needs an
// object and JsonToList an array (else INVALID_ARGUMENT naming `path`);
// INVALID_ARGUMENT also for a non-finite number, invalid UTF-8, a binary or
// discarded value, or more than kMaxDepth levels. On error *out is empty.
absl::Status JsonToStruct(const nlohmann::json& json, google::protobuf::Struct* out, std::string_view path);
absl::Status JsonToStruct(const nlohmann::ordered_json& json, google::protobuf::Struct* out, std::string_view path);
absl::Status JsonToValue(const nlohmann::json& json, google::protobuf::Value* out, std::string_view path);
absl::Status JsonToValue(const nlohmann::ordered_json& json, google::protobuf::Value* out, std::string_view path);
absl::Status JsonToList(const nlohmann::json& json, google::protobuf::ListValue* out, std::string_view path);
absl::Status JsonToList(const nlohmann::ordered_json& json, google::protobuf::ListValue* out, std::string_view path);

// JSON text -> Struct, replacing *out, under the same rules, straight from
// the text (no nlohmann::json in between): for reading stored JSON out,
// where a DOM would be built only to be copied. INVALID_ARGUMENT naming
// `path` when the text is not JSON, not an object at the top, repeats a
// key within an object ("<path>: a key appears more than once"; JSON that
// PostgreSQL stores never does), or breaks a rule; on error *out is empty.
absl::Status JsonTextToStruct(std::string_view text, google::protobuf::Struct* out, std::string_view path);

// True when `text` is well-formed UTF-8 (the check the rules above apply).
bool IsValidUtf8(std::string_view text);

extern template absl::StatusOr<nlohmann::json> StructToJson<nlohmann::json>(const google::protobuf::Struct&,
                                                                            std::string_view);
extern template absl::StatusOr<nlohmann::ordered_json> StructToJson<nlohmann::ordered_json>(
    const google::protobuf::Struct&, std::string_view);
extern template absl::StatusOr<nlohmann::json> ValueToJson<nlohmann::json>(const google::protobuf::Value&,
                                                                           std::string_view);
extern template absl::StatusOr<nlohmann::ordered_json> ValueToJson<nlohmann::ordered_json>(
    const google::protobuf::Value&, std::string_view);
extern template absl::StatusOr<nlohmann::json> ListToJson<nlohmann::json>(const google::protobuf::ListValue&,
                                                                          std::string_view);
extern template absl::StatusOr<nlohmann::ordered_json> ListToJson<nlohmann::ordered_json>(
    const google::protobuf::ListValue&, std::string_view);

}  // namespace cmdb::proto_util
