#include "service/ci_service.h"

#include <climits>
#include <map>
#include <set>
#include <unordered_map>

#include "core/catalog.h"
#include "core/page_token.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/ci_store.h"
#include "db/identity_store.h"
#include "db/relationship_store.h"

namespace cmdb {

namespace {

absl::Status NotFound(const std::string& id) { return absl::NotFoundError(StrCat("no CI with id ", id)); }

// Stamps provenance for a direct write and bumps the version.
void PrepareNewVersion(const Ci& before, Ci& after, const WriteContext& context, Micros now) {
  StampProvenance(ProvenanceFields(before), ProvenanceFields(after), context.source, now, after.provenance);
  after.version = before.version + 1;
}

// Every parent named by `cis` (CIs being created or re-parented) must be a
// live CI, or one of `cis` for a batch that creates both (NOT_FOUND), and no
// CI may become its own ancestor (INVALID_ARGUMENT): a cycle of parents
// could never be deleted or exported. The error names the field
// "<list>[i].ci.parent_id" (i from `positions`, else the index in `cis`),
// or "ci.parent_id" when `list` is empty.
absl::Status CheckParents(db::Tx& tx, const std::vector<Ci>& cis, std::string_view list = "",
                          const std::vector<size_t>& positions = {}) {
  auto field = [&](size_t i) {
    return list.empty() ? std::string("ci.parent_id")
                        : StrCat(list, "[", positions.empty() ? i : positions[i], "].ci.parent_id");
  };
  std::unordered_map<std::string, std::string> parent_of;  // the request's CIs, as they will be
  for (const Ci& ci : cis) parent_of[ci.id] = ci.parent_id;
  std::vector<std::string> wanted;
  for (const Ci& ci : cis) {
    if (!ci.parent_id.empty() && !parent_of.contains(ci.parent_id)) wanted.push_back(ci.parent_id);
  }
  // The stored parents above the named ones (absent: no such CI).
  const std::unordered_map<std::string, std::string> stored = db::ParentChains(tx, wanted);
  for (size_t i = 0; i < cis.size(); ++i) {
    const std::string& parent = cis[i].parent_id;
    if (parent.empty() || parent_of.contains(parent) || stored.contains(parent)) continue;
    return absl::NotFoundError(StrCat(field(i), ": no CI with id ", parent));
  }
  const size_t limit = parent_of.size() + stored.size() + 1;
  for (size_t i = 0; i < cis.size(); ++i) {
    std::string at = cis[i].parent_id;
    for (size_t steps = 0; !at.empty() && steps < limit; ++steps) {
      if (at == cis[i].id) {
        return FieldError(field(i), StrCat("CI ", cis[i].id, " would become its own ancestor (a cycle of parents)"));
      }
      if (auto own = parent_of.find(at); own != parent_of.end()) {
        at = own->second;
      } else if (auto kept = stored.find(at); kept != stored.end()) {
        at = kept->second;
      } else {
        break;
      }
    }
  }
  return absl::OkStatus();
}

// Locks the live CI `id` and checks `etag` (if any) against it.
absl::StatusOr<Ci> LockOne(db::Tx& tx, const std::string& id, const std::string& etag) {
  std::vector<Ci> locked = db::LockCis(tx, {id});
  if (locked.empty()) return NotFound(id);
  CMDB_RETURN_IF_ERROR(CheckEtag(etag, locked.front().version, StrCat("CI ", id)));
  return std::move(locked.front());
}

// Writes `after` as the next version of the locked `before`, unless the
// content is the same; returns the CI as it now stands.
Ci WriteNextVersion(db::Tx& tx, const WriteContext& context, const Ci& before, Ci after,
                    std::string_view operation) {
  if (SameContent(before, after)) return before;
  PrepareNewVersion(before, after, context, tx.now());
  std::vector<Ci> rows{std::move(after)};
  const std::vector<Ci> prior{before};
  db::UpdateCis(tx, rows, operation, &prior);
  return std::move(rows.front());
}

}  // namespace

absl::StatusOr<Ci> CiService::Get(const std::string& id, std::optional<Micros> as_of) {
  CMDB_RETURN_IF_ERROR(CheckId(id, "id"));
  const std::string key = CanonicalUuid(id);
  std::optional<Ci> ci;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) {
    ci = as_of ? db::GetCiAsOf(tx, key, *as_of) : db::GetCi(tx, key);
    return absl::OkStatus();
  }));
  if (!ci) {
    if (as_of) return absl::NotFoundError(StrCat("CI ", key, " did not exist at ", FormatRfc3339(*as_of)));
    return NotFound(key);
  }
  return *std::move(ci);
}

absl::StatusOr<CiListPage> CiService::List(CiListQuery query) {
  if (query.page_size < 0) return FieldError("page_size", "must not be negative");
  query.page_size = EffectivePageSize(limits_, query.page_size);
  absl::StatusOr<CiListPage> page;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    page = db::ListCis(tx, *catalog, query);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<Ci> CiService::Create(const WriteContext& context, Ci ci, const std::string& requested_id) {
  if (!requested_id.empty()) CMDB_RETURN_IF_ERROR(CheckId(requested_id, "ci_id"));
  const std::string id = requested_id.empty() ? NewUuid() : CanonicalUuid(requested_id);
  Ci result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    result = ci;
    result.id = id;
    CMDB_RETURN_IF_ERROR(Prefixed(catalog->ValidateCi(result), "ci."));
    CMDB_RETURN_IF_ERROR(CheckParents(tx, {result}));
    if (!requested_id.empty() && !db::UsedCiIds(tx, {id}).empty()) {
      return absl::AlreadyExistsError(StrCat("ci_id: a CI with id ", id, " exists or existed"));
    }
    result.provenance = Json::object();
    PrepareNewVersion(Ci{}, result, context, tx.now());
    std::vector<Ci> rows{result};
    db::InsertCis(tx, rows);
    result = rows.front();
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<Ci> CiService::Update(const WriteContext& context, const CiPatch& patch) {
  CMDB_RETURN_IF_ERROR(CheckId(patch.id, "ci.id"));
  const std::string id = CanonicalUuid(patch.id);
  Ci result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    CMDB_ASSIGN_OR_RETURN(Ci current, LockOne(tx, id, patch.etag));
    CMDB_ASSIGN_OR_RETURN(Ci updated, ApplyCiPatch(current, patch));
    CMDB_RETURN_IF_ERROR(Prefixed(catalog->ValidateCi(updated), "ci."));
    if (updated.parent_id != current.parent_id) CMDB_RETURN_IF_ERROR(CheckParents(tx, {updated}));
    result = WriteNextVersion(tx, context, current, std::move(updated), kOpUpdate);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<Ci> CiService::Delete(const WriteContext& context, const std::string& raw_id, const std::string& etag,
                                     bool hard) {
  CMDB_RETURN_IF_ERROR(CheckId(raw_id, "id"));
  const std::string id = CanonicalUuid(raw_id);
  Ci result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Ci current, LockOne(tx, id, etag));
    if (hard) {
      if (auto dependents = db::LockDependents(tx, id); !dependents.empty()) {
        return absl::FailedPreconditionError(StrCat("CI ", id, " has ", dependents.size(), " dependent CIs (e.g. ",
                                                    dependents.front().name, " ", dependents.front().id,
                                                    "); delete or re-parent them first"));
      }
      std::vector<std::string> rel_ids;
      for (const auto& rel : db::LockRelationshipsOf(tx, {id})) rel_ids.push_back(rel.id);
      db::DeleteRelationships(tx, rel_ids);
      db::HardDeleteCi(tx, current);
      result = current;
      return absl::OkStatus();
    }
    Ci retired = current;
    retired.status = std::string(kStatusRetired);
    result = WriteNextVersion(tx, context, current, std::move(retired), kOpRetire);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<CiHistoryPage> CiService::History(const std::string& raw_id, int page_size,
                                                 const std::string& page_token) {
  CMDB_RETURN_IF_ERROR(CheckId(raw_id, "id"));
  if (page_size < 0) return FieldError("page_size", "must not be negative");
  const std::string id = CanonicalUuid(raw_id);
  const int limit = EffectivePageSize(limits_, page_size);
  int64_t before = 0;
  if (!page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json token, DecodePageToken(page_token));
    if (TokenString(token, "id") != id || !token.contains("before") || !token["before"].is_number_integer()) {
      return FieldError("page_token", "does not belong to this CI's history");
    }
    before = token["before"].get<int64_t>();
  }
  CiHistoryPage page;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) {
    page.versions = db::CiHistory(tx, id, before, limit);
    return absl::OkStatus();
  }));
  if (page.versions.empty() && before == 0) return NotFound(id);
  if (static_cast<int>(page.versions.size()) == limit && page.versions.back().ci.version > 1) {
    page.next_page_token = EncodePageToken({{"id", id}, {"before", page.versions.back().ci.version}});
  }
  return page;
}

absl::StatusOr<Ci> CiService::Restore(const WriteContext& context, const std::string& raw_id, int64_t version,
                                      const std::string& etag) {
  CMDB_RETURN_IF_ERROR(CheckId(raw_id, "id"));
  if (version <= 0 || version > INT32_MAX) return FieldError("version", "must be a version number (1 to 2147483647)");
  const std::string id = CanonicalUuid(raw_id);
  Ci result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    CMDB_ASSIGN_OR_RETURN(Ci current, LockOne(tx, id, etag));
    std::optional<Ci> old = db::GetCiVersion(tx, id, version);
    if (!old || old->version >= current.version + 1) {
      return absl::NotFoundError(StrCat("CI ", id, " has no version ", version));
    }
    Ci restored = current;
    restored.class_name = old->class_name;
    restored.name = old->name;
    restored.status = old->status;
    restored.owner = old->owner;
    restored.criticality = old->criticality;
    restored.attributes = old->attributes;
    if (absl::Status st = catalog->ValidateCi(restored); !st.ok()) {
      return absl::FailedPreconditionError(
          StrCat("version ", version, " no longer fits its class: ", st.message()));
    }
    result = WriteNextVersion(tx, context, current, std::move(restored), kOpRestore);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

namespace {

// The CIs a batch creates, validated, with their first version stamped.
absl::StatusOr<std::vector<Ci>> PlanCreates(db::Tx& tx, const Catalog& catalog, const WriteContext& context,
                                            const BatchRequest& request, const ResolvedBatch& resolved) {
  std::vector<Ci> creates;
  creates.reserve(request.creates.size());
  for (size_t i = 0; i < request.creates.size(); ++i) {
    Ci ci = request.creates[i].ci;
    ci.id = resolved.create_ids[i];
    if (!resolved.create_parents[i].empty()) ci.parent_id = resolved.create_parents[i];
    CMDB_RETURN_IF_ERROR(Prefixed(catalog.ValidateCi(ci), StrCat("creates[", i, "].ci.")));
    ci.provenance = Json::object();
    PrepareNewVersion(Ci{}, ci, context, tx.now());
    creates.push_back(std::move(ci));
  }
  CMDB_RETURN_IF_ERROR(CheckParents(tx, creates, "creates"));
  if (!resolved.requested_ids.empty()) {
    auto taken = db::UsedCiIds(tx, {resolved.requested_ids.begin(), resolved.requested_ids.end()});
    if (!taken.empty()) {
      const auto& ids = resolved.create_ids;
      const size_t i = std::find(ids.begin(), ids.end(), taken.front()) - ids.begin();
      return absl::AlreadyExistsError(
          StrCat("creates[", i, "].ci_id: a CI with id ", taken.front(), " exists or existed"));
    }
  }
  return creates;
}

struct UpdatePlan {
  std::vector<Ci> updates, prior;  // new versions to write, and the versions they replace
  std::vector<BatchItem> items;    // per update in request order: id and resulting version
};

// Locks every CI the batch updates once and applies the patches in request
// order (several patches of one CI apply in turn); CIs whose content ends up
// unchanged write nothing.
absl::StatusOr<UpdatePlan> PlanUpdates(db::Tx& tx, const Catalog& catalog, const WriteContext& context,
                                       const BatchRequest& request, const ResolvedBatch& resolved) {
  UpdatePlan plan;
  if (request.updates.empty()) return plan;
  const std::vector<std::string>& update_ids = resolved.update_ids;
  std::map<std::string, Ci> current;
  for (Ci& ci : db::LockCis(tx, update_ids)) current.emplace(ci.id, std::move(ci));
  std::map<std::string, Ci> working = current;
  for (size_t i = 0; i < request.updates.size(); ++i) {
    const std::string& id = update_ids[i];
    auto it = working.find(id);
    if (it == working.end()) return absl::NotFoundError(StrCat("updates[", i, "]: no CI with id ", id));
    CMDB_RETURN_IF_ERROR(CheckEtag(request.updates[i].etag, current.at(id).version, StrCat("CI ", id)));
    CMDB_ASSIGN_OR_RETURN(Ci updated, ApplyCiPatch(it->second, request.updates[i]));
    CMDB_RETURN_IF_ERROR(Prefixed(catalog.ValidateCi(updated), StrCat("updates[", i, "].ci.")));
    it->second = std::move(updated);
  }
  std::vector<Ci> reparented;
  std::vector<size_t> positions;  // of each re-parented CI's first update
  std::unordered_map<std::string, int64_t> new_version;
  for (auto& [id, ci] : working) {
    const Ci& before = current.at(id);
    if (SameContent(before, ci)) continue;
    if (ci.parent_id != before.parent_id) {
      reparented.push_back(ci);
      positions.push_back(
          static_cast<size_t>(std::find(update_ids.begin(), update_ids.end(), id) - update_ids.begin()));
    }
    PrepareNewVersion(before, ci, context, tx.now());
    new_version[id] = ci.version;
    plan.updates.push_back(ci);
    plan.prior.push_back(before);
  }
  CMDB_RETURN_IF_ERROR(CheckParents(tx, reparented, "updates", positions));
  for (const std::string& id : update_ids) {
    auto v = new_version.find(id);
    plan.items.push_back({"", id, v != new_version.end() ? v->second : current.at(id).version});
  }
  return plan;
}

// The batch's relationships, checked: known types, live endpoints (or CIs
// the batch creates), no pair twice, none that exists already.
absl::StatusOr<std::vector<Relationship>> PlanRelationships(db::Tx& tx, const Catalog& catalog,
                                                            const WriteContext& context,
                                                            const ResolvedBatch& resolved) {
  std::vector<Relationship> rels = resolved.relationships;
  if (rels.empty()) return rels;
  std::set<std::string> endpoints;
  for (size_t i = 0; i < rels.size(); ++i) {
    if (catalog.FindRelationshipType(rels[i].type) == nullptr) {
      return FieldError(StrCat("relationships[", i, "].type"), StrCat("unknown relationship type \"", rels[i].type, "\""));
    }
    endpoints.insert(rels[i].source_id);
    endpoints.insert(rels[i].target_id);
  }
  for (const auto& id : resolved.create_ids) endpoints.erase(id);
  std::vector<std::string> wanted(endpoints.begin(), endpoints.end());
  std::vector<std::string> found = db::ExistingCiIds(tx, wanted);
  if (found.size() != wanted.size()) {
    std::set<std::string> have(found.begin(), found.end());
    for (size_t i = 0; i < rels.size(); ++i) {
      for (const auto* end : {&rels[i].source_id, &rels[i].target_id}) {
        if (endpoints.contains(*end) && !have.contains(*end)) {
          return absl::NotFoundError(StrCat("relationships[", i, "]: no CI with id ", *end));
        }
      }
    }
  }
  std::vector<db::RelationshipKey> keys;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (size_t i = 0; i < rels.size(); ++i) {
    if (!seen.emplace(rels[i].source_id, rels[i].type, rels[i].target_id).second) {
      return absl::AlreadyExistsError(StrCat("relationships[", i, "]: the same relationship appears twice"));
    }
    keys.push_back({rels[i].source_id, rels[i].type, rels[i].target_id});
  }
  std::vector<std::string> existing = db::FindRelationships(tx, keys);
  for (size_t i = 0; i < existing.size(); ++i) {
    if (!existing[i].empty()) {
      return absl::AlreadyExistsError(
          StrCat("relationships[", i, "]: relationship ", existing[i], " already links these CIs"));
    }
  }
  for (auto& rel : rels) {
    rel.provenance = Json::object();
    StampProvenance({}, {{"type", rel.type}}, context.source, tx.now(), rel.provenance);
  }
  return rels;
}

}  // namespace

// Three steps: resolve refs (pure, before any database work), plan each part
// against the database (validation, locks, checks; nothing written), then
// write everything in a fixed number of set-based statements.
absl::StatusOr<BatchResult> CiService::Batch(const WriteContext& context, const BatchRequest& request) {
  CMDB_ASSIGN_OR_RETURN(ResolvedBatch resolved, ResolveBatch(request, static_cast<size_t>(limits_.max_batch_items)));
  BatchResult result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    result = BatchResult{};
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    CMDB_ASSIGN_OR_RETURN(std::vector<Ci> creates, PlanCreates(tx, *catalog, context, request, resolved));
    CMDB_ASSIGN_OR_RETURN(UpdatePlan updates, PlanUpdates(tx, *catalog, context, request, resolved));
    CMDB_ASSIGN_OR_RETURN(std::vector<Relationship> rels, PlanRelationships(tx, *catalog, context, resolved));

    db::InsertCis(tx, creates);
    db::UpdateCis(tx, updates.updates, kOpUpdate, &updates.prior);
    db::InsertRelationships(tx, rels);

    for (size_t i = 0; i < creates.size(); ++i) {
      result.created.push_back({request.creates[i].ref, creates[i].id, creates[i].version});
    }
    result.updated = std::move(updates.items);
    for (const auto& rel : rels) result.relationships.push_back({"", rel.id, rel.version});
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  result.changeset = written->changeset;
  return result;
}

}  // namespace cmdb
