#include "api/convert.h"

#include "core/status.h"
#include "core/strings.h"
#include "util/struct_json.h"

namespace cmdb::api {

absl::StatusOr<Json> AttributesFromProto(const google::protobuf::Struct& s, std::string_view field) {
  return proto_util::StructToJson(s, field);
}

// The fallbacks below convert each top-level entry as a one-entry object,
// so that depth counts as it does for the whole.

Json JsonFromStruct(const google::protobuf::Struct& s) {
  auto json = proto_util::StructToJson(s, "attributes");
  if (json.ok()) return *std::move(json);
  Json out = Json::object();
  for (const auto& [key, value] : s.fields()) {
    if (!proto_util::IsValidUtf8(key)) continue;
    google::protobuf::Struct one;
    (*one.mutable_fields())[key] = value;
    auto converted = proto_util::StructToJson(one, "attributes");
    out[key] = converted.ok() ? std::move((*converted)[key]) : Json(nullptr);
  }
  return out;
}

void StructFromJson(const Json& json, google::protobuf::Struct* out) {
  if (proto_util::JsonToStruct(json, out, "attributes").ok() || !json.is_object()) return;
  for (const auto& [key, value] : json.items()) {
    if (!proto_util::IsValidUtf8(key)) continue;
    google::protobuf::Struct converted;
    if (proto_util::JsonToStruct(Json::object({{key, value}}), &converted, "attributes").ok()) {
      out->MergeFrom(converted);
    } else {
      (*out->mutable_fields())[key].set_null_value(google::protobuf::NULL_VALUE);
    }
  }
}

void ValueFromJson(const Json& json, google::protobuf::Value* out) {
  if (!proto_util::JsonToValue(json, out, "value").ok()) out->set_null_value(google::protobuf::NULL_VALUE);
}

void SetTimestamp(Micros t, google::protobuf::Timestamp* out) {
  out->set_seconds(t >= 0 ? t / 1000000 : (t - 999999) / 1000000);
  out->set_nanos(static_cast<int32_t>((t - out->seconds() * 1000000) * 1000));
}

absl::StatusOr<std::optional<Micros>> OptionalTime(bool has, const google::protobuf::Timestamp& t,
                                                   std::string_view field) {
  if (!has) return std::optional<Micros>();
  // Years 0001 to 9999, as in google.protobuf.Timestamp.
  if (t.seconds() < -62135596800LL || t.seconds() > 253402300799LL || t.nanos() < 0 || t.nanos() > 999999999) {
    return FieldError(field, "timestamp out of range");
  }
  return std::optional<Micros>(t.seconds() * 1000000 + t.nanos() / 1000);
}

std::string StatusText(v1::LifecycleStatus status) {
  switch (status) {
    case v1::LIFECYCLE_STATUS_PLANNED: return "planned";
    case v1::LIFECYCLE_STATUS_INSTALLED: return "installed";
    case v1::LIFECYCLE_STATUS_IN_USE: return "in_use";
    case v1::LIFECYCLE_STATUS_MAINTENANCE: return "maintenance";
    case v1::LIFECYCLE_STATUS_RETIRED: return "retired";
    default: return "";
  }
}

v1::LifecycleStatus StatusEnum(std::string_view status) {
  if (status == "planned") return v1::LIFECYCLE_STATUS_PLANNED;
  if (status == "installed") return v1::LIFECYCLE_STATUS_INSTALLED;
  if (status == "in_use") return v1::LIFECYCLE_STATUS_IN_USE;
  if (status == "maintenance") return v1::LIFECYCLE_STATUS_MAINTENANCE;
  if (status == "retired") return v1::LIFECYCLE_STATUS_RETIRED;
  return v1::LIFECYCLE_STATUS_UNSPECIFIED;
}

std::string CriticalityText(v1::Criticality c) {
  switch (c) {
    case v1::CRITICALITY_LOW: return "low";
    case v1::CRITICALITY_MEDIUM: return "medium";
    case v1::CRITICALITY_HIGH: return "high";
    case v1::CRITICALITY_CRITICAL: return "critical";
    default: return "";
  }
}

v1::Criticality CriticalityEnum(std::string_view c) {
  if (c == "low") return v1::CRITICALITY_LOW;
  if (c == "medium") return v1::CRITICALITY_MEDIUM;
  if (c == "high") return v1::CRITICALITY_HIGH;
  if (c == "critical") return v1::CRITICALITY_CRITICAL;
  return v1::CRITICALITY_UNSPECIFIED;
}

v1::ChangeOperation OperationEnum(std::string_view op) {
  if (op == kOpCreate) return v1::CHANGE_OPERATION_CREATE;
  if (op == kOpUpdate) return v1::CHANGE_OPERATION_UPDATE;
  if (op == kOpRetire) return v1::CHANGE_OPERATION_RETIRE;
  if (op == kOpDelete) return v1::CHANGE_OPERATION_DELETE;
  if (op == kOpRestore) return v1::CHANGE_OPERATION_RESTORE;
  if (op == kOpMerge) return v1::CHANGE_OPERATION_MERGE;
  return v1::CHANGE_OPERATION_UNSPECIFIED;
}

absl::StatusOr<Ci> CiFromProto(const v1::ConfigurationItem& in, std::string_view field) {
  Ci ci;
  ci.id = in.id();
  ci.class_name = in.class_name();
  ci.name = in.name();
  if (!v1::LifecycleStatus_IsValid(in.status())) return FieldError(StrCat(field, ".status"), "unknown value");
  ci.status = StatusText(in.status());
  ci.owner = in.owner();
  if (!v1::Criticality_IsValid(in.criticality())) return FieldError(StrCat(field, ".criticality"), "unknown value");
  ci.criticality = CriticalityText(in.criticality());
  CMDB_ASSIGN_OR_RETURN(ci.attributes, AttributesFromProto(in.attributes(), StrCat(field, ".attributes")));
  ci.parent_id = in.parent_id();
  return ci;
}

namespace {

using ProvenanceMap = google::protobuf::Map<std::string, v1::AttributeProvenance>;

// Stored provenance text ({"<attribute>": {"source": ..., "set_at": micros}})
// straight into the map, as ProvenanceToProto reads the same JSON. Entries
// that are not objects, and members other than those two, are skipped.
class ProvenanceSax {
 public:
  explicit ProvenanceSax(ProvenanceMap* out) : out_(out) {}
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(int64_t n) { return SetAt(n); }
  bool number_unsigned(uint64_t n) { return SetAt(static_cast<int64_t>(n)); }
  bool number_float(double d, const std::string&) { return SetAt(static_cast<int64_t>(d)); }
  bool string(std::string& s) {
    if (depth_ == 2 && key_ == "source") current_->set_source(std::move(s));
    return true;
  }
  bool binary(nlohmann::json::binary_t&) { return false; }
  bool start_object(std::size_t) {
    ++depth_;
    if (depth_ == 2) current_ = &(*out_)[field_];
    return true;
  }
  bool key(std::string& k) {
    if (depth_ == 1) {
      field_ = std::move(k);
    } else if (depth_ == 2) {
      key_ = std::move(k);
    }
    return true;
  }
  bool end_object() {
    if (depth_ == 2) {
      current_ = nullptr;
      key_.clear();
    }
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    ++depth_;
    return depth_ > 1;  // not at the top
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  bool SetAt(int64_t micros) {
    if (depth_ == 2 && key_ == "set_at") SetTimestamp(micros, current_->mutable_set_time());
    return true;
  }

  ProvenanceMap* out_;
  int depth_ = 0;
  std::string field_;
  std::string key_;
  v1::AttributeProvenance* current_ = nullptr;
};

void ProvenanceToProto(const Json& provenance, ProvenanceMap* out) {
  if (!provenance.is_object()) return;
  for (const auto& [field, p] : provenance.items()) {
    if (!p.is_object()) continue;
    v1::AttributeProvenance& dst = (*out)[field];
    dst.set_source(p.value("source", ""));
    if (p.contains("set_at") && p["set_at"].is_number()) SetTimestamp(p["set_at"].get<int64_t>(), dst.mutable_set_time());
  }
}
}  // namespace

void CiToProto(const Ci& ci, v1::ConfigurationItem* out) {
  out->set_id(ci.id);
  out->set_class_name(ci.class_name);
  out->set_name(ci.name);
  out->set_status(StatusEnum(ci.status));
  if (!ci.attributes_text.empty()) {
    // Stored JSON is always convertible; anything else takes the per-key path.
    if (!proto_util::JsonTextToStruct(ci.attributes_text, out->mutable_attributes(), "attributes").ok()) {
      StructFromJson(Json::parse(ci.attributes_text, nullptr, /*allow_exceptions=*/false), out->mutable_attributes());
    }
  } else {
    StructFromJson(ci.attributes, out->mutable_attributes());
  }
  out->set_owner(ci.owner);
  out->set_criticality(CriticalityEnum(ci.criticality));
  out->set_version(ci.version);
  out->set_etag(EtagFor(ci.version));
  SetTimestamp(ci.created_at, out->mutable_create_time());
  SetTimestamp(ci.updated_at, out->mutable_update_time());
  if (!ci.provenance_text.empty()) {
    // Text that is not a JSON object gives no provenance, as ProvenanceToProto.
    ProvenanceSax sax(out->mutable_provenance());
    if (!Json::sax_parse(ci.provenance_text, &sax)) out->mutable_provenance()->clear();
  } else {
    ProvenanceToProto(ci.provenance, out->mutable_provenance());
  }
  out->set_stale(ci.stale);
  out->set_merged_into(ci.merged_into);
  out->set_parent_id(ci.parent_id);
}

void RelationshipToProto(const Relationship& rel, v1::Relationship* out) {
  out->set_id(rel.id);
  out->set_type(rel.type);
  out->set_source_id(rel.source_id);
  out->set_target_id(rel.target_id);
  StructFromJson(rel.attributes, out->mutable_attributes());
  out->set_version(rel.version);
  out->set_etag(EtagFor(rel.version));
  SetTimestamp(rel.created_at, out->mutable_create_time());
  SetTimestamp(rel.updated_at, out->mutable_update_time());
  out->set_source_name(rel.source_name);
  out->set_source_class(rel.source_class);
  out->set_target_name(rel.target_name);
  out->set_target_class(rel.target_class);
  out->set_stale(rel.stale);
  ProvenanceToProto(rel.provenance, out->mutable_provenance());
}

void ChangesetToProto(const ChangesetInfo& cs, v1::Changeset* out) {
  out->set_id(std::to_string(cs.id));
  out->set_actor(cs.actor);
  out->set_source(cs.source);
  out->set_comment(cs.comment);
  out->set_external_ref(cs.external_ref);
  SetTimestamp(cs.time, out->mutable_time());
}

void CiVersionToProto(const CiVersion& v, v1::CiVersion* out) {
  CiToProto(v.ci, out->mutable_ci());
  out->set_operation(OperationEnum(v.operation));
  ChangesetToProto(v.changeset, out->mutable_changeset());
  SetTimestamp(v.valid_from, out->mutable_valid_from());
  if (v.valid_to) SetTimestamp(*v.valid_to, out->mutable_valid_to());
  for (const auto& f : v.changed_fields) out->add_changed_fields(f);
}

void FeedEventToProto(const FeedEvent& e, v1::ChangeEvent* out) {
  out->set_cursor(e.position.ToCursor());
  ChangesetToProto(e.changeset, out->mutable_changeset());
  out->set_operation(OperationEnum(e.operation));
  if (e.ci) CiToProto(*e.ci, out->mutable_ci());
  if (e.relationship) RelationshipToProto(*e.relationship, out->mutable_relationship());
}

namespace {
std::optional<AttrType> TypeFromProto(v1::AttributeType t) {
  switch (t) {
    case v1::ATTRIBUTE_TYPE_STRING: return AttrType::kString;
    case v1::ATTRIBUTE_TYPE_INTEGER: return AttrType::kInteger;
    case v1::ATTRIBUTE_TYPE_FLOAT: return AttrType::kFloat;
    case v1::ATTRIBUTE_TYPE_BOOLEAN: return AttrType::kBoolean;
    case v1::ATTRIBUTE_TYPE_DATETIME: return AttrType::kDatetime;
    case v1::ATTRIBUTE_TYPE_IP_ADDRESS: return AttrType::kIpAddress;
    case v1::ATTRIBUTE_TYPE_MAC_ADDRESS: return AttrType::kMacAddress;
    case v1::ATTRIBUTE_TYPE_STRING_LIST: return AttrType::kStringList;
    case v1::ATTRIBUTE_TYPE_JSON: return AttrType::kJson;
    case v1::ATTRIBUTE_TYPE_MAC_ADDRESS_LIST: return AttrType::kMacAddressList;
    case v1::ATTRIBUTE_TYPE_IP_ADDRESS_LIST: return AttrType::kIpAddressList;
    default: return std::nullopt;
  }
}

v1::AttributeType TypeToProto(AttrType t) {
  switch (t) {
    case AttrType::kString: return v1::ATTRIBUTE_TYPE_STRING;
    case AttrType::kInteger: return v1::ATTRIBUTE_TYPE_INTEGER;
    case AttrType::kFloat: return v1::ATTRIBUTE_TYPE_FLOAT;
    case AttrType::kBoolean: return v1::ATTRIBUTE_TYPE_BOOLEAN;
    case AttrType::kDatetime: return v1::ATTRIBUTE_TYPE_DATETIME;
    case AttrType::kIpAddress: return v1::ATTRIBUTE_TYPE_IP_ADDRESS;
    case AttrType::kMacAddress: return v1::ATTRIBUTE_TYPE_MAC_ADDRESS;
    case AttrType::kStringList: return v1::ATTRIBUTE_TYPE_STRING_LIST;
    case AttrType::kJson: return v1::ATTRIBUTE_TYPE_JSON;
    case AttrType::kMacAddressList: return v1::ATTRIBUTE_TYPE_MAC_ADDRESS_LIST;
    case AttrType::kIpAddressList: return v1::ATTRIBUTE_TYPE_IP_ADDRESS_LIST;
  }
  return v1::ATTRIBUTE_TYPE_UNSPECIFIED;
}
}  // namespace

absl::StatusOr<AttributeDef> AttributeFromProto(const v1::AttributeDefinition& in, std::string_view field) {
  AttributeDef a;
  a.name = in.name();
  auto type = TypeFromProto(in.type());
  if (!type) return FieldError(StrCat(field, ".type"), "required (string, integer, float, boolean, datetime, "
                                                       "ip_address, mac_address, string_list, json, mac_address_list, "
                                                       "ip_address_list)");
  a.type = *type;
  a.required = in.required();
  a.indexed = in.indexed();
  a.description = in.description();
  return a;
}

void AttributeToProto(const AttributeDef& a, v1::AttributeDefinition* out) {
  out->set_name(a.name);
  out->set_type(TypeToProto(a.type));
  out->set_required(a.required);
  out->set_indexed(a.indexed);
  out->set_description(a.description);
  out->set_defined_in(a.defined_in);
}

absl::StatusOr<ClassDef> ClassFromProto(const v1::CiClass& in) {
  ClassDef c;
  c.name = in.name();
  c.parent = in.parent();
  c.description = in.description();
  c.abstract = in.abstract();
  for (int i = 0; i < in.attributes_size(); ++i) {
    CMDB_ASSIGN_OR_RETURN(AttributeDef a, AttributeFromProto(in.attributes(i), StrCat("class_def.attributes[", i, "]")));
    c.attributes.push_back(std::move(a));
  }
  return c;
}

void ClassToProto(const ClassDef& c, v1::CiClass* out) {
  out->set_name(c.name);
  out->set_parent(c.parent);
  out->set_description(c.description);
  out->set_abstract(c.abstract);
  for (const auto& a : c.attributes) AttributeToProto(a, out->add_attributes());
  out->set_system(c.system);
  SetTimestamp(c.created_at, out->mutable_create_time());
  SetTimestamp(c.updated_at, out->mutable_update_time());
}

namespace {
constexpr std::pair<v1::ImpactDirection, std::string_view> kImpacts[] = {
    {v1::IMPACT_DIRECTION_TARGET_TO_SOURCE, "target_to_source"},
    {v1::IMPACT_DIRECTION_SOURCE_TO_TARGET, "source_to_target"},
    {v1::IMPACT_DIRECTION_BOTH, "both"},
    {v1::IMPACT_DIRECTION_NONE, "none"},
};
}  // namespace

absl::StatusOr<RelationshipTypeDef> RelationshipTypeFromProto(const v1::RelationshipType& in) {
  RelationshipTypeDef t;
  t.name = in.name();
  t.inverse_name = in.inverse_name();
  t.description = in.description();
  t.impact = "";
  for (const auto& [e, name] : kImpacts) {
    if (e == in.impact()) t.impact = std::string(name);
  }
  if (t.impact.empty() && in.impact() != v1::IMPACT_DIRECTION_UNSPECIFIED) {
    return FieldError("type.impact", "unknown value");
  }
  return t;
}

void RelationshipTypeToProto(const RelationshipTypeDef& t, v1::RelationshipType* out) {
  out->set_name(t.name);
  out->set_inverse_name(t.inverse_name);
  out->set_description(t.description);
  for (const auto& [e, name] : kImpacts) {
    if (name == t.impact) out->set_impact(e);
  }
  out->set_system(t.system);
}

absl::StatusOr<WriteContext> WriteContextFrom(const std::string& actor, const v1::ChangeContext& change) {
  if (change.comment().size() > 4096) return FieldError("change.comment", "longer than 4096 characters");
  if (change.external_ref().size() > 255) return FieldError("change.external_ref", "longer than 255 characters");
  WriteContext context;
  context.actor = actor;
  context.source = std::string(kManualSource);
  context.comment = change.comment();
  context.external_ref = change.external_ref();
  return context;
}

}  // namespace cmdb::api
