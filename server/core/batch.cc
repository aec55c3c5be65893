// Batch resolution.
#include "core/batch.h"

#include <unordered_map>

#include "core/request_checks.h"
#include "core/catalog.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"

namespace cmdb {

absl::StatusOr<ResolvedBatch> ResolveBatch(const BatchRequest& request, size_t max_items) {
  const size_t items = request.creates.size() + request.updates.size() + request.relationships.size();
  if (items == 0) return absl::InvalidArgumentError("batch: nothing to write");
  if (items > max_items) {
    return absl::InvalidArgumentError(StrCat("batch: ", items, " items; the limit is ", max_items, " (split the batch)"));
  }
  ResolvedBatch out;
  std::vector<std::string>& create_ids = out.create_ids;
  std::set<std::string>& requested_ids = out.requested_ids;
  std::vector<std::string>& create_parents = out.create_parents;
  std::vector<Relationship>& rels = out.relationships;
  create_ids.resize(request.creates.size());
  std::unordered_map<std::string, size_t> ref_index;
  for (size_t i = 0; i < request.creates.size(); ++i) {
    const BatchCreate& c = request.creates[i];
    const std::string field = StrCat("creates[", i, "]");
    if (!c.ref.empty() && !ref_index.emplace(c.ref, i).second) {
      return FieldError(field + ".ref", StrCat("\"", c.ref, "\" is used twice"));
    }
    if (!c.requested_id.empty()) {
      CMDB_RETURN_IF_ERROR(CheckId(c.requested_id, field + ".ci_id"));
      create_ids[i] = CanonicalUuid(c.requested_id);
      if (!requested_ids.insert(create_ids[i]).second) {
        return FieldError(field + ".ci_id", StrCat(create_ids[i], " is used twice"));
      }
    } else {
      create_ids[i] = NewUuid();
    }
  }
  // Parents named by ref, as ids.
  create_parents.resize(request.creates.size());
  for (size_t i = 0; i < request.creates.size(); ++i) {
    const BatchCreate& c = request.creates[i];
    if (c.parent_ref.empty()) continue;
    const std::string field = StrCat("creates[", i, "].parent_ref");
    if (!c.ci.parent_id.empty()) return FieldError(field, "give parent_ref or ci.parent_id, not both");
    auto it = ref_index.find(c.parent_ref);
    if (it == ref_index.end()) return FieldError(field, StrCat("no create has ref \"", c.parent_ref, "\""));
    if (it->second == i) return FieldError(field, "a CI cannot be its own parent");
    create_parents[i] = create_ids[it->second];
  }
  for (size_t i = 0; i < request.updates.size(); ++i) {
    CMDB_RETURN_IF_ERROR(CheckId(request.updates[i].id, StrCat("updates[", i, "].ci.id")));
    out.update_ids.push_back(CanonicalUuid(request.updates[i].id));
  }
  // Relationship endpoints as ids.
  rels.resize(request.relationships.size());
  for (size_t i = 0; i < request.relationships.size(); ++i) {
    const BatchRelationship& r = request.relationships[i];
    const std::string field = StrCat("relationships[", i, "]");
    auto resolve = [&](const std::string& id, const std::string& ref, const char* which,
                       std::string& out) -> absl::Status {
      if (!ref.empty()) {
        auto it = ref_index.find(ref);
        if (it == ref_index.end()) return FieldError(StrCat(field, ".", which, "_ref"), StrCat("no create has ref \"", ref, "\""));
        out = create_ids[it->second];
        return absl::OkStatus();
      }
      CMDB_RETURN_IF_ERROR(CheckId(id, StrCat(field, ".", which, "_id")));
      out = CanonicalUuid(id);
      return absl::OkStatus();
    };
    CMDB_RETURN_IF_ERROR(resolve(r.source_id, r.source_ref, "source", rels[i].source_id));
    CMDB_RETURN_IF_ERROR(resolve(r.target_id, r.target_ref, "target", rels[i].target_id));
    if (rels[i].source_id == rels[i].target_id) return FieldError(field, "a CI cannot relate to itself");
    CMDB_RETURN_IF_ERROR(CheckFreeAttributes(r.attributes, field + ".attributes"));
    rels[i].type = r.type;
    rels[i].attributes = r.attributes;
    rels[i].id = NewUuid();
  }

  return out;
}

}  // namespace cmdb
