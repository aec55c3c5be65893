#include "service/relationship_service.h"

#include "core/catalog.h"
#include "core/patch.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/catalog_store.h"
#include "db/ci_store.h"
#include "db/relationship_store.h"
#include "service/ci_service.h"

namespace cmdb {
namespace {

absl::Status NotFound(const std::string& id) {
  return absl::NotFoundError(StrCat("no relationship with id ", id));
}

std::map<std::string, Json> RelFields(const Relationship& rel) {
  std::map<std::string, Json> out{{"type", rel.type}};
  for (const auto& [k, v] : rel.attributes.items()) out.emplace("attributes." + k, v);
  return out;
}

}  // namespace

absl::StatusOr<Relationship> RelationshipService::Get(const std::string& raw_id, std::optional<Micros> as_of) {
  CMDB_RETURN_IF_ERROR(CheckId(raw_id, "id"));
  const std::string id = CanonicalUuid(raw_id);
  std::optional<Relationship> rel;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) {
    rel = as_of ? db::GetRelationshipAsOf(tx, id, *as_of) : db::GetRelationship(tx, id);
    return absl::OkStatus();
  }));
  if (!rel) return NotFound(id);
  return *rel;
}

absl::StatusOr<RelationshipPage> RelationshipService::List(RelationshipListQuery query) {
  if (query.page_size < 0) return FieldError("page_size", "must not be negative");
  query.page_size = EffectivePageSize(limits_, query.page_size);
  if (!query.ci_id.empty()) {
    CMDB_RETURN_IF_ERROR(CheckId(query.ci_id, "ci_id"));
    query.ci_id = CanonicalUuid(query.ci_id);
  }
  absl::StatusOr<RelationshipPage> page;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) {
    page = db::ListRelationships(tx, query);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<Relationship> RelationshipService::Create(const WriteContext& context, Relationship rel) {
  CMDB_RETURN_IF_ERROR(CheckId(rel.source_id, "relationship.source_id"));
  CMDB_RETURN_IF_ERROR(CheckId(rel.target_id, "relationship.target_id"));
  rel.source_id = CanonicalUuid(rel.source_id);
  rel.target_id = CanonicalUuid(rel.target_id);
  if (rel.source_id == rel.target_id) return FieldError("relationship.target_id", "a CI cannot relate to itself");
  if (rel.type.empty()) return FieldError("relationship.type", "required");
  CMDB_RETURN_IF_ERROR(CheckFreeAttributes(rel.attributes, "relationship.attributes"));
  rel.id = NewUuid();
  Relationship result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindRelationshipType(rel.type) == nullptr) {
      return FieldError("relationship.type", StrCat("unknown relationship type \"", rel.type, "\""));
    }
    auto found = db::ExistingCiIds(tx, {rel.source_id, rel.target_id});
    for (const auto& [end, field] :
         {std::pair{&rel.source_id, "relationship.source_id"}, std::pair{&rel.target_id, "relationship.target_id"}}) {
      if (std::find(found.begin(), found.end(), *end) == found.end()) {
        return absl::NotFoundError(StrCat(field, ": no CI with id ", *end));
      }
    }
    auto existing = db::FindRelationships(tx, {{rel.source_id, rel.type, rel.target_id}});
    if (!existing.front().empty()) {
      return absl::AlreadyExistsError(StrCat("relationship ", existing.front(), " already links these CIs"));
    }
    result = rel;
    result.provenance = Json::object();
    StampProvenance({}, RelFields(result), context.source, tx.now(), result.provenance);
    std::vector<Relationship> rows{result};
    db::InsertRelationships(tx, rows);
    // Re-read for the endpoint names.
    result = *db::GetRelationship(tx, rel.id);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<Relationship> RelationshipService::Update(const WriteContext& context, const RelationshipPatch& patch) {
  CMDB_RETURN_IF_ERROR(CheckId(patch.id, "relationship.id"));
  const std::string id = CanonicalUuid(patch.id);
  CMDB_RETURN_IF_ERROR(CheckFreeAttributes(patch.attributes, "relationship.attributes"));
  Relationship result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    auto current = db::LockRelationship(tx, id);
    if (!current) return NotFound(id);
    CMDB_RETURN_IF_ERROR(CheckEtag(patch.etag, current->version, StrCat("relationship ", id)));
    Relationship updated = *current;
    if (patch.paths.empty()) {
      for (const auto& [k, v] : patch.attributes.items()) {
        if (v.is_null()) {
          updated.attributes.erase(k);
        } else {
          updated.attributes[k] = v;
        }
      }
    }
    for (const auto& path : patch.paths) {
      if (path == "attributes") {
        updated.attributes = Json::object();
        for (const auto& [k, v] : patch.attributes.items()) {
          if (!v.is_null()) updated.attributes[k] = v;
        }
      } else if (path.starts_with("attributes.") && path.size() > strlen("attributes.")) {
        const std::string key = path.substr(strlen("attributes."));
        auto it = patch.attributes.find(key);
        if (it == patch.attributes.end() || it->is_null()) {
          updated.attributes.erase(key);
        } else {
          updated.attributes[key] = *it;
        }
      } else {
        return FieldError("update_mask", StrCat("unknown path \"", path, "\" (attributes, attributes.<name>)"));
      }
    }
    if (updated.attributes == current->attributes) {
      result = *current;
      return absl::OkStatus();
    }
    StampProvenance(RelFields(*current), RelFields(updated), context.source, tx.now(), updated.provenance);
    updated.version = current->version + 1;
    std::vector<Relationship> rows{updated};
    db::UpdateRelationships(tx, rows);
    result = rows.front();
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<Relationship> RelationshipService::Delete(const WriteContext& context, const std::string& raw_id,
                                                         const std::string& etag) {
  CMDB_RETURN_IF_ERROR(CheckId(raw_id, "id"));
  const std::string id = CanonicalUuid(raw_id);
  Relationship result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    auto current = db::LockRelationship(tx, id);
    if (!current) return NotFound(id);
    CMDB_RETURN_IF_ERROR(CheckEtag(etag, current->version, StrCat("relationship ", id)));
    db::DeleteRelationships(tx, {id});
    result = *current;
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<std::vector<RelationshipTypeDef>> RelationshipService::ListTypes() {
  std::vector<RelationshipTypeDef> types;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    types = catalog->relationship_types();
    return absl::OkStatus();
  }));
  return types;
}

absl::StatusOr<RelationshipTypeDef> RelationshipService::CreateType(const WriteContext& context,
                                                                    RelationshipTypeDef type) {
  if (!IsValidIdentifier(type.name)) return FieldError("type.name", "must match [a-z][a-z0-9_]*, at most 63 characters");
  if (type.inverse_name.empty()) return FieldError("type.inverse_name", "required");
  if (!IsValidIdentifier(type.inverse_name)) {
    return FieldError("type.inverse_name", "must match [a-z][a-z0-9_]*, at most 63 characters");
  }
  if (type.impact.empty()) type.impact = "target_to_source";
  if (type.impact != "target_to_source" && type.impact != "source_to_target" && type.impact != "both" &&
      type.impact != "none") {
    return FieldError("type.impact", StrCat("unknown impact direction \"", type.impact, "\""));
  }
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindRelationshipType(type.name) != nullptr) {
      return absl::AlreadyExistsError(StrCat("relationship type ", type.name, " already exists"));
    }
    db::InsertRelationshipType(tx, type);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  type.system = false;
  return type;
}

}  // namespace cmdb
