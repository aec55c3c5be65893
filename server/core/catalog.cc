#include "core/catalog.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <functional>

#include "core/strings.h"
#include "core/normalize.h"
#include "core/status.h"
#include "core/uuid.h"

namespace cmdb {

Catalog::Catalog(int64_t generation, std::vector<ClassDef> classes, std::vector<RelationshipTypeDef> types,
                 std::map<std::string, std::vector<IdentifierSetDef>> identification,
                 std::vector<ReconciliationRuleDef> reconciliation)
    : generation_(generation),
      types_(std::move(types)),
      identification_(identification.begin(), identification.end()),
      reconciliation_(std::move(reconciliation)) {
  for (auto& c : classes) {
    for (auto& a : c.attributes) a.defined_in = c.name;
    std::sort(c.attributes.begin(), c.attributes.end(), [](const AttributeDef& a, const AttributeDef& b) {
      return std::tie(a.position, a.name) < std::tie(b.position, b.name);
    });
    std::string name = c.name;
    classes_.emplace(std::move(name), std::move(c));
  }
  for (const auto& [name, c] : classes_) {
    if (!c.parent.empty()) children_[c.parent].push_back(name);
  }
  std::sort(types_.begin(), types_.end(),
            [](const RelationshipTypeDef& a, const RelationshipTypeDef& b) { return a.name < b.name; });
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    auto it = classes_.find(name);
    if (it == classes_.end()) return;
    tree_order_.push_back(&it->second);
    auto kids = children_.find(name);
    if (kids == children_.end()) return;
    for (const auto& kid : kids->second) visit(kid);  // children_ lists are in name order
  };
  for (const auto& [name, c] : classes_) {
    if (c.parent.empty()) visit(name);
  }
}

const ClassDef* Catalog::FindClass(std::string_view name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : &it->second;
}

const RelationshipTypeDef* Catalog::FindRelationshipType(std::string_view name) const {
  for (const auto& t : types_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool Catalog::IsA(std::string_view cls, std::string_view ancestor) const {
  for (const ClassDef* c = FindClass(cls); c != nullptr; c = c->parent.empty() ? nullptr : FindClass(c->parent)) {
    if (c->name == ancestor) return true;
  }
  return false;
}

const std::vector<IdentifierSetDef>& Catalog::IdentificationRules(std::string_view cls, std::string* from) const {
  static const std::vector<IdentifierSetDef> kNone;
  for (const ClassDef* c = FindClass(cls); c != nullptr; c = c->parent.empty() ? nullptr : FindClass(c->parent)) {
    auto it = identification_.find(c->name);
    if (it != identification_.end() && !it->second.empty()) {
      if (from != nullptr) *from = c->name;
      return it->second;
    }
  }
  if (from != nullptr) from->clear();
  return kNone;
}

const ReconciliationRuleDef* Catalog::FindReconciliationRule(std::string_view cls, std::string_view field) const {
  for (std::string_view wanted : {field, std::string_view("*")}) {
    for (const ClassDef* c = FindClass(cls); c != nullptr; c = c->parent.empty() ? nullptr : FindClass(c->parent)) {
      for (const auto& rule : reconciliation_) {
        if (rule.class_name == c->name && rule.field == wanted) return &rule;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> Catalog::Subtree(std::string_view root) const {
  std::vector<std::string> out;
  if (FindClass(root) == nullptr) return out;
  out.emplace_back(root);
  for (size_t i = 0; i < out.size(); ++i) {
    auto kids = children_.find(out[i]);
    if (kids != children_.end()) out.insert(out.end(), kids->second.begin(), kids->second.end());
  }
  return out;
}

std::vector<const AttributeDef*> Catalog::EffectiveAttributes(std::string_view cls) const {
  std::vector<const ClassDef*> chain;
  for (const ClassDef* c = FindClass(cls); c != nullptr; c = c->parent.empty() ? nullptr : FindClass(c->parent)) {
    chain.push_back(c);
  }
  std::vector<const AttributeDef*> out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& a : (*it)->attributes) out.push_back(&a);
  }
  return out;
}

const AttributeDef* Catalog::FindAttribute(std::string_view cls, std::string_view attr) const {
  for (const ClassDef* c = FindClass(cls); c != nullptr; c = c->parent.empty() ? nullptr : FindClass(c->parent)) {
    for (const auto& a : c->attributes) {
      if (a.name == attr) return &a;
    }
  }
  return nullptr;
}

std::vector<const AttributeDef*> Catalog::AttributesNamed(std::string_view attr) const {
  std::vector<const AttributeDef*> out;
  for (const auto& [name, c] : classes_) {
    for (const auto& a : c.attributes) {
      if (a.name == attr) out.push_back(&a);
    }
  }
  return out;
}

namespace {

std::string_view JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

absl::Status TypeError(const AttributeDef& def, const Json& value) {
  return absl::InvalidArgumentError(
      StrCat("expected ", AttrTypeName(def.type), ", got ", JsonTypeName(value),
                   value.is_string() || value.is_number() || value.is_boolean() ? StrCat(" ", value.dump()) : ""));
}

// Adds `value`'s approximate JSON size to *size; INVALID_ARGUMENT when a
// string, a list or the whole is over its limit.
absl::Status CheckJson(const Json& value, size_t* size) {
  switch (value.type()) {
    case Json::value_t::string: {
      const size_t n = value.get_ref<const std::string&>().size();
      if (n > kMaxStringValue)
        return absl::InvalidArgumentError(StrCat("text longer than ", kMaxStringValue, " bytes"));
      *size += n + 2;
      break;
    }
    case Json::value_t::array:
    case Json::value_t::object:
      if (value.size() > kMaxListItems) {
        return absl::InvalidArgumentError(StrCat("more than ", kMaxListItems, " entries"));
      }
      for (const auto& [key, item] : value.items()) {
        *size += key.size() + 4;
        CMDB_RETURN_IF_ERROR(CheckJson(item, size));
      }
      break;
    default: *size += 8;
  }
  if (*size > kMaxJsonValue) return absl::InvalidArgumentError(StrCat("larger than ", kMaxJsonValue, " bytes"));
  return absl::OkStatus();
}

absl::Status CheckString(const std::string& s) {
  if (s.size() > kMaxStringValue) {
    return absl::InvalidArgumentError(StrCat("text longer than ", kMaxStringValue, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> NormalizeAttributeValue(const AttributeDef& def, const Json& value) {
  switch (def.type) {
    case AttrType::kString: {
      if (!value.is_string()) return TypeError(def, value);
      CMDB_RETURN_IF_ERROR(CheckString(value.get_ref<const std::string&>()));
      if (def.indexed && value.get_ref<const std::string&>().size() > kMaxIndexedValue) {
        return absl::InvalidArgumentError(
            StrCat("text longer than ", kMaxIndexedValue, " bytes (the attribute is indexed)"));
      }
      return value;
    }
    case AttrType::kInteger: {
      if (value.is_number_integer()) return value;
      if (value.is_number_float()) {
        const double d = value.get<double>();
        // Values arrive as doubles from google.protobuf.Struct: accept whole numbers that fit exactly.
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) <= 9007199254740992.0) {
          return Json(static_cast<int64_t>(d));
        }
      }
      return TypeError(def, value);
    }
    case AttrType::kFloat: {
      if (!value.is_number() || (value.is_number_float() && !std::isfinite(value.get<double>()))) {
        return TypeError(def, value);
      }
      return value;
    }
    case AttrType::kBoolean: {
      if (!value.is_boolean()) return TypeError(def, value);
      return value;
    }
    case AttrType::kDatetime: {
      if (!value.is_string()) return TypeError(def, value);
      auto t = ParseRfc3339(value.get_ref<const std::string&>());
      if (!t.ok()) return t.status();
      // Second precision in one fixed format, so that text order is time order.
      return Json(FormatRfc3339(FloorToSecond(*t)));
    }
    case AttrType::kIpAddress: {
      if (!value.is_string()) return TypeError(def, value);
      auto ip = NormalizeIp(value.get_ref<const std::string&>());
      if (!ip) return absl::InvalidArgumentError(StrCat("not an IP address: ", value.dump()));
      return Json(*ip);
    }
    case AttrType::kMacAddress: {
      if (!value.is_string()) return TypeError(def, value);
      auto mac = NormalizeMac(value.get_ref<const std::string&>());
      if (!mac) return absl::InvalidArgumentError(StrCat("not a MAC address: ", value.dump()));
      return Json(*mac);
    }
    case AttrType::kStringList:
    case AttrType::kMacAddressList:
    case AttrType::kIpAddressList: {
      if (!value.is_array()) return TypeError(def, value);
      if (value.size() > kMaxListItems) {
        return absl::InvalidArgumentError(StrCat("more than ", kMaxListItems, " items"));
      }
      AttributeDef element = def;
      element.type = *ListElementType(def.type);
      Json out = Json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        auto item = NormalizeAttributeValue(element, value[i]);
        if (!item.ok()) return absl::InvalidArgumentError(StrCat("item ", i, ": ", item.status().message()));
        if (std::find(out.begin(), out.end(), *item) == out.end()) out.push_back(std::move(*item));
      }
      return out;
    }
    case AttrType::kJson: {
      size_t size = 0;
      CMDB_RETURN_IF_ERROR(CheckJson(value, &size));
      return value;
    }
  }
  return TypeError(def, value);
}

absl::Status Catalog::ValidateAttributes(std::string_view cls, Json& attributes, bool check_required) const {
  if (!attributes.is_object()) return FieldError("attributes", "must be an object");
  Json out = Json::object();
  for (auto& [key, value] : attributes.items()) {
    if (value.is_null()) continue;
    const AttributeDef* def = FindAttribute(cls, key);
    if (def == nullptr) {
      return FieldError(StrCat("attributes.", key),
                        StrCat("class ", cls, " has no attribute \"", key, "\""));
    }
    auto normalized = NormalizeAttributeValue(*def, value);
    if (!normalized.ok()) return FieldError(StrCat("attributes.", key), normalized.status().message());
    out[key] = std::move(*normalized);
  }
  if (check_required) {
    for (const AttributeDef* def : EffectiveAttributes(cls)) {
      if (def->required && !out.contains(def->name)) {
        return FieldError(StrCat("attributes.", def->name),
                          StrCat("required by class ", def->defined_in));
      }
    }
  }
  attributes = std::move(out);
  return absl::OkStatus();
}

absl::Status Catalog::ValidateCi(Ci& ci) const {
  if (ci.class_name.empty()) return FieldError("class_name", "required");
  const ClassDef* cls = FindClass(ci.class_name);
  if (cls == nullptr) return FieldError("class_name", StrCat("unknown class \"", ci.class_name, "\""));
  if (cls->abstract) {
    return FieldError("class_name", StrCat("class ", ci.class_name, " is abstract; use one of its subclasses"));
  }
  std::string_view name = TrimSpace(ci.name);
  if (name.empty()) return FieldError("name", "required");
  if (name.size() > kMaxNameLength) return FieldError("name", StrCat("longer than ", kMaxNameLength, " bytes"));
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) return FieldError("name", "contains a control character");
  }
  ci.name = std::string(name);
  if (ci.status.empty()) ci.status = std::string(kStatusInUse);
  if (!IsValidStatus(ci.status)) {
    return FieldError("status", StrCat("unknown status \"", ci.status,
                                             "\" (planned, installed, in_use, maintenance, retired)"));
  }
  if (!IsValidCriticality(ci.criticality)) {
    return FieldError("criticality", StrCat("unknown criticality \"", ci.criticality,
                                                  "\" (low, medium, high, critical)"));
  }
  if (ci.owner.size() > kMaxNameLength) return FieldError("owner", StrCat("longer than ", kMaxNameLength, " bytes"));
  if (!ci.parent_id.empty()) {
    if (!IsUuid(ci.parent_id)) return FieldError("parent_id", StrCat("not a UUID: \"", ci.parent_id, "\""));
    ci.parent_id = CanonicalUuid(ci.parent_id);
    if (ci.parent_id == ci.id) return FieldError("parent_id", "a CI cannot be its own parent");
  }
  return ValidateAttributes(ci.class_name, ci.attributes, /*check_required=*/true);
}

absl::Status CheckFreeAttributes(const Json& attributes, std::string_view field) {
  if (!attributes.is_object()) return FieldError(field, "must be an object");
  size_t size = 0;
  for (const auto& [key, value] : attributes.items()) {
    if (absl::Status st = CheckJson(value, &size); !st.ok()) return FieldError(StrCat(field, ".", key), st.message());
  }
  return absl::OkStatus();
}

bool IsValidIdentifier(std::string_view name, size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace cmdb
