#include "core/patch.h"

#include <array>

#include "core/status.h"
#include "core/strings.h"

namespace cmdb {

namespace {
constexpr std::array<std::string_view, 17> kReserved = {
    "id",          "name",       "class",      "class_name",  "status",      "owner",
    "criticality", "version",    "etag",       "create_time", "update_time", "stale",
    "merged_into", "provenance", "attributes", "class_exact", "parent_id"};
}  // namespace

bool IsReservedFieldName(std::string_view name) {
  for (auto r : kReserved) {
    if (r == name) return true;
  }
  return false;
}

absl::StatusOr<Ci> ApplyCiPatch(const Ci& current, const CiPatch& patch) {
  Ci out = current;
  const Ci& v = patch.values;
  if (patch.paths.empty()) {
    if (!v.class_name.empty()) out.class_name = v.class_name;
    if (!v.name.empty()) out.name = v.name;
    if (!v.status.empty()) out.status = v.status;
    if (!v.owner.empty()) out.owner = v.owner;
    if (!v.criticality.empty()) out.criticality = v.criticality;
    if (!v.parent_id.empty()) out.parent_id = v.parent_id;
    if (v.attributes.is_object()) {
      for (const auto& [key, value] : v.attributes.items()) {
        if (value.is_null()) {
          out.attributes.erase(key);
        } else {
          out.attributes[key] = value;
        }
      }
    }
    return out;
  }
  for (const std::string& path : patch.paths) {
    if (path == "class_name") {
      out.class_name = v.class_name;
    } else if (path == "name") {
      out.name = v.name;
    } else if (path == "status") {
      if (v.status.empty()) return FieldError("status", "cannot be unspecified");
      out.status = v.status;
    } else if (path == "owner") {
      out.owner = v.owner;
    } else if (path == "criticality") {
      out.criticality = v.criticality;
    } else if (path == "parent_id") {
      out.parent_id = v.parent_id;
    } else if (path == "attributes") {
      out.attributes = Json::object();
      if (v.attributes.is_object()) {
        for (const auto& [key, value] : v.attributes.items()) {
          if (!value.is_null()) out.attributes[key] = value;
        }
      }
    } else if (path.starts_with("attributes.") && path.size() > strlen("attributes.")) {
      const std::string key = path.substr(strlen("attributes."));
      auto it = v.attributes.is_object() ? v.attributes.find(key) : v.attributes.end();
      if (it == v.attributes.end() || it->is_null()) {
        out.attributes.erase(key);
      } else {
        out.attributes[key] = *it;
      }
    } else {
      return FieldError("update_mask", StrCat("unknown path \"", path,
                                              "\" (class_name, name, status, owner, criticality, parent_id, "
                                              "attributes, attributes.<name>)"));
    }
  }
  return out;
}

std::map<std::string, Json> ProvenanceFields(const Ci& ci) {
  std::map<std::string, Json> out;
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out.emplace(key, value);
  };
  put("class_name", ci.class_name);
  put("name", ci.name);
  put("status", ci.status);
  put("owner", ci.owner);
  put("criticality", ci.criticality);
  put("parent_id", ci.parent_id);
  if (ci.attributes.is_object()) {
    for (const auto& [key, value] : ci.attributes.items()) out.emplace("attributes." + key, value);
  }
  return out;
}

void StampProvenance(const std::map<std::string, Json>& before, const std::map<std::string, Json>& after,
                     std::string_view source, Micros now, Json& provenance) {
  if (!provenance.is_object()) provenance = Json::object();
  for (const auto& [field, value] : after) {
    auto it = before.find(field);
    if (it == before.end() || it->second != value) {
      provenance[field] = {{"source", source}, {"set_at", now}};
    }
  }
  for (const auto& [field, value] : before) {
    if (!after.contains(field)) provenance.erase(field);
  }
}

}  // namespace cmdb
