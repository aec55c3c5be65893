// Conversions between cmdb.v1 messages and the domain types. Input
// conversions check enums and shapes and return INVALID_ARGUMENT naming the
// field; they never touch the database.
#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cmdb/v1/cmdb_service.pb.h"
#include "cmdb/v1/resources.pb.h"
#include "core/feed.h"
#include "core/model.h"

namespace cmdb::api {

// Attributes (google.protobuf.Struct) <-> JSON, by the rules of
// util/struct_json.h (cmdb_proto_util).
//
// Attributes of a request: INVALID_ARGUMENT naming the value under `field`
// (e.g. "ci.attributes.rack[2]: number is not finite (NaN)") for what the
// rules reject.
absl::StatusOr<Json> AttributesFromProto(const google::protobuf::Struct& s, std::string_view field);
// The same without a status, for callers that cannot return one yet: a
// top-level key whose value the rules reject reads as null (a key that is
// not valid UTF-8 is dropped). Prefer AttributesFromProto for requests.
Json JsonFromStruct(const google::protobuf::Struct& s);
// Stored JSON for a response. Stored values passed the rules on the way in,
// so they always convert; were one not to, its top-level key would hold
// null (or be dropped when the key is not valid UTF-8), and a non-object
// gives an empty Struct.
void StructFromJson(const Json& json, google::protobuf::Struct* out);
// One stored value for a response; NULL_VALUE where the rules reject it.
void ValueFromJson(const Json& json, google::protobuf::Value* out);

void SetTimestamp(Micros t, google::protobuf::Timestamp* out);
// nullopt when unset. INVALID_ARGUMENT naming `field` when out of range.
absl::StatusOr<std::optional<Micros>> OptionalTime(bool has, const google::protobuf::Timestamp& t,
                                                   std::string_view field);

std::string StatusText(v1::LifecycleStatus status);  // "" for unspecified
v1::LifecycleStatus StatusEnum(std::string_view status);
std::string CriticalityText(v1::Criticality c);
v1::Criticality CriticalityEnum(std::string_view c);
v1::ChangeOperation OperationEnum(std::string_view op);

// A CI from a request. INVALID_ARGUMENT for out-of-range enums.
absl::StatusOr<Ci> CiFromProto(const v1::ConfigurationItem& in, std::string_view field);
void CiToProto(const Ci& ci, v1::ConfigurationItem* out);
void RelationshipToProto(const Relationship& rel, v1::Relationship* out);
void ChangesetToProto(const ChangesetInfo& cs, v1::Changeset* out);
void CiVersionToProto(const CiVersion& v, v1::CiVersion* out);
void FeedEventToProto(const FeedEvent& e, v1::ChangeEvent* out);

absl::StatusOr<AttributeDef> AttributeFromProto(const v1::AttributeDefinition& in, std::string_view field);
void AttributeToProto(const AttributeDef& a, v1::AttributeDefinition* out);
absl::StatusOr<ClassDef> ClassFromProto(const v1::CiClass& in);
void ClassToProto(const ClassDef& c, v1::CiClass* out);
absl::StatusOr<RelationshipTypeDef> RelationshipTypeFromProto(const v1::RelationshipType& in);
void RelationshipTypeToProto(const RelationshipTypeDef& t, v1::RelationshipType* out);

// actor from the principal, comment and external_ref from the request
// (INVALID_ARGUMENT when too long).
absl::StatusOr<WriteContext> WriteContextFrom(const std::string& actor, const v1::ChangeContext& change);

}  // namespace cmdb::api
