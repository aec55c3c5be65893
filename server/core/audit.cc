#include "core/audit.h"

#include <array>
#include <utility>

#include "core/status.h"
#include "core/strings.h"

namespace cmdb {
namespace {

constexpr std::array<std::pair<AuditKind, std::string_view>, 12> kKinds = {{
    {AuditKind::kRequiredAttribute, "required_attribute"},
    {AuditKind::kPattern, "pattern"},
    {AuditKind::kAllowedValues, "allowed_values"},
    {AuditKind::kRequiredRelationship, "required_relationship"},
    {AuditKind::kMaxRelationships, "max_relationships"},
    {AuditKind::kUniqueAttribute, "unique_attribute"},
    {AuditKind::kNoOrphan, "no_orphan"},
    {AuditKind::kNotStale, "not_stale"},
    {AuditKind::kNoDuplicates, "no_duplicates"},
    {AuditKind::kCertificateExpiry, "certificate_expiry"},
    {AuditKind::kVerifiedWithin, "verified_within"},
    {AuditKind::kSourceDrift, "source_drift"},
}};

constexpr std::array<std::string_view, 4> kSeverities = {"low", "medium", "high", "critical"};

bool IsRuleName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '.' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

// Checks the rule's params against the parameters its kind takes.
class Params {
 public:
  Params(const Catalog& catalog, AuditRule& rule) : catalog_(catalog), rule_(rule) {}

  absl::Status OnlyThese(std::initializer_list<std::string_view> names) {
    for (const auto& [key, value] : rule_.params.items()) {
      bool known = false;
      for (auto n : names) known = known || key == n;
      if (!known) {
        return FieldError(StrCat("rule.params.", key),
                          StrCat("kind ", rule_.kind, " takes ",
                                 names.size() == 0 ? "no parameters" : StrCat("only ", JoinNames(names))));
      }
    }
    return absl::OkStatus();
  }

  // An attribute of the rule's class; `fallback` when absent and not "".
  absl::StatusOr<const AttributeDef*> Attribute(std::string_view fallback = "") {
    Json& v = rule_.params["attribute"];
    if (v.is_null() && !fallback.empty()) v = std::string(fallback);
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      return FieldError("rule.params.attribute", "required: an attribute name");
    }
    const AttributeDef* def = catalog_.FindAttribute(rule_.class_name, v.get_ref<const std::string&>());
    if (def == nullptr) {
      return FieldError("rule.params.attribute",
                        StrCat("class ", rule_.class_name, " has no attribute \"", v.get<std::string>(), "\""));
    }
    return def;
  }

  absl::Status RelationshipType() {
    const Json& v = rule_.params["type"];
    if (!v.is_string() || catalog_.FindRelationshipType(v.get<std::string>()) == nullptr) {
      return FieldError("rule.params.type", StrCat("not a relationship type: ", v.dump()));
    }
    Json& direction = rule_.params["direction"];
    if (direction.is_null()) direction = "outgoing";
    if (direction != "outgoing" && direction != "incoming") {
      return FieldError("rule.params.direction", "outgoing or incoming");
    }
    return absl::OkStatus();
  }

  // A whole number of at least `min`; `fallback` when absent (unless < 0).
  absl::Status Number(const char* name, int64_t min, int64_t fallback = -1) {
    Json& v = rule_.params[name];
    if (v.is_null() && fallback >= 0) v = fallback;
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > 100000) {
      return FieldError(StrCat("rule.params.", name), StrCat("a whole number from ", min, " to 100000"));
    }
    return absl::OkStatus();
  }

 private:
  static std::string JoinNames(std::initializer_list<std::string_view> names) {
    std::string out;
    for (auto n : names) StrAppend(&out, out.empty() ? "" : ", ", n);
    return out;
  }

  const Catalog& catalog_;
  AuditRule& rule_;
};

}  // namespace

std::optional<AuditKind> AuditKindFromName(std::string_view name) {
  for (const auto& [kind, n] : kKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::string_view AuditKindName(AuditKind kind) {
  for (const auto& [k, n] : kKinds) {
    if (k == kind) return n;
  }
  return "";
}

std::vector<std::string> AuditKindNames() {
  std::vector<std::string> out;
  for (const auto& [k, n] : kKinds) out.emplace_back(n);
  return out;
}

bool IsValidSeverity(std::string_view severity) { return SeverityWeight(severity) > 0; }

int SeverityWeight(std::string_view severity) {
  for (size_t i = 0; i < kSeverities.size(); ++i) {
    if (kSeverities[i] == severity) return static_cast<int>(i) + 1;
  }
  return 0;
}

int CriticalityWeight(std::string_view criticality) {
  if (criticality == "medium") return 2;
  if (criticality == "high") return 3;
  if (criticality == "critical") return 4;
  return 1;
}

std::vector<std::string> CompletenessKinds() { return {std::string(AuditKindName(AuditKind::kRequiredAttribute))}; }

std::vector<std::string> CorrectnessKinds() {
  std::vector<std::string> out;
  for (AuditKind k : {AuditKind::kNotStale, AuditKind::kNoOrphan, AuditKind::kNoDuplicates, AuditKind::kUniqueAttribute,
                      AuditKind::kVerifiedWithin, AuditKind::kSourceDrift}) {
    out.emplace_back(AuditKindName(k));
  }
  return out;
}

std::string_view RiskFormula() {
  return "risk = sum over failing rules of severity weight (low 1, medium 2, high 3, critical 4) x sum over its "
         "unacknowledged failing CIs of criticality weight (none or low 1, medium 2, high 3, critical 4), "
         "+ 2 per change without a change ticket in the report's period";
}

absl::Status CheckAuditName(std::string_view name, std::string_view field) {
  if (!IsRuleName(name)) return FieldError(field, "lower-case letters, digits, _ . - (up to 63)");
  return absl::OkStatus();
}

absl::Status ValidateAuditRule(const Catalog& catalog, AuditRule& rule) {
  if (!IsRuleName(rule.name)) return FieldError("rule.name", "lower-case letters, digits, _ . - (up to 63)");
  if (!IsRuleName(rule.category)) return FieldError("rule.category", "lower-case letters, digits, _ . - (up to 63)");
  if (!IsValidSeverity(rule.severity)) return FieldError("rule.severity", "low, medium, high or critical");
  const ClassDef* cls = catalog.FindClass(rule.class_name);
  if (cls == nullptr) return FieldError("rule.class_name", StrCat("unknown class \"", rule.class_name, "\""));
  if (rule.description.size() > 1000) return FieldError("rule.description", "at most 1000 characters");
  if (rule.filter.size() > 4096) return FieldError("rule.filter", "at most 4096 characters");
  if (rule.params.is_null()) rule.params = Json::object();
  if (!rule.params.is_object()) return FieldError("rule.params", "an object");
  const std::optional<AuditKind> kind = AuditKindFromName(rule.kind);
  if (!kind) return FieldError("rule.kind", StrCat("one of ", Join(AuditKindNames(), ", ")));
  Params p(catalog, rule);
  switch (*kind) {
    case AuditKind::kRequiredAttribute:
    case AuditKind::kUniqueAttribute:
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"attribute"}));
      return p.Attribute().status();
    case AuditKind::kPattern: {
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"attribute", "regex"}));
      CMDB_RETURN_IF_ERROR(p.Attribute().status());
      const Json& regex = rule.params["regex"];
      if (!regex.is_string() || regex.get_ref<const std::string&>().empty() || regex.get<std::string>().size() > 1000) {
        return FieldError("rule.params.regex", "required: a regular expression of up to 1000 characters");
      }
      return absl::OkStatus();
    }
    case AuditKind::kAllowedValues: {
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"attribute", "values"}));
      CMDB_ASSIGN_OR_RETURN(const AttributeDef* def, p.Attribute());
      Json& values = rule.params["values"];
      if (!values.is_array() || values.empty() || values.size() > 1000) {
        return FieldError("rule.params.values", "required: a list of 1 to 1000 values");
      }
      for (size_t i = 0; i < values.size(); ++i) {  // as the attribute stores them
        auto v = NormalizeAttributeValue(*def, values[i]);
        if (!v.ok()) return FieldError(StrCat("rule.params.values[", i, "]"), v.status().message());
        values[i] = *std::move(v);
      }
      return absl::OkStatus();
    }
    case AuditKind::kRequiredRelationship: {
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"type", "direction", "target_class"}));
      CMDB_RETURN_IF_ERROR(p.RelationshipType());
      const Json& target = rule.params.contains("target_class") ? rule.params["target_class"] : Json();
      if (!target.is_null() && (!target.is_string() || catalog.FindClass(target.get<std::string>()) == nullptr)) {
        return FieldError("rule.params.target_class", StrCat("unknown class ", target.dump()));
      }
      return absl::OkStatus();
    }
    case AuditKind::kMaxRelationships:
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"type", "direction", "max"}));
      CMDB_RETURN_IF_ERROR(p.RelationshipType());
      return p.Number("max", 0);
    case AuditKind::kNoOrphan:
    case AuditKind::kNotStale:
    case AuditKind::kNoDuplicates:
      return p.OnlyThese({});
    case AuditKind::kCertificateExpiry: {
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"attribute", "days"}));
      CMDB_ASSIGN_OR_RETURN(const AttributeDef* def, p.Attribute("not_after"));
      if (def->type != AttrType::kDatetime) return FieldError("rule.params.attribute", "must be a datetime attribute");
      return p.Number("days", 0, 30);
    }
    case AuditKind::kVerifiedWithin:
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"days"}));
      return p.Number("days", 1, 30);
    case AuditKind::kSourceDrift: {
      CMDB_RETURN_IF_ERROR(p.OnlyThese({"attribute", "source"}));
      if (rule.params.contains("attribute")) CMDB_RETURN_IF_ERROR(p.Attribute().status());
      if (rule.params.contains("source")) {
        const Json& source = rule.params["source"];
        if (!source.is_string() || source.get_ref<const std::string&>().empty()) {
          return FieldError("rule.params.source", "a source name");
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace cmdb
