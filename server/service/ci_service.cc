#include "service/ci_service.h"

#include <map>
#include <set>
#include <unordered_map>

#include "core/catalog.h"
#include "core/page_token.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/identity_store.h"
#include "db/relationship_store.h"

namespace cmdb {

absl::Status CheckId(const std::string& id, std::string_view field) {
  if (id.empty()) return FieldError(field, "required");
  if (!IsUuid(id)) return FieldError(field, StrCat("not a UUID: \"", id, "\""));
  return absl::OkStatus();
}

absl::Status CheckEtag(const std::string& etag, int64_t current_version, std::string_view what) {
  if (etag.empty()) return absl::OkStatus();
  auto version = VersionFromEtag(etag);
  if (!version) return FieldError("etag", StrCat("malformed: \"", etag, "\""));
  if (*version != current_version) {
    return absl::AbortedError(StrCat("etag mismatch: ", what, " changed since it was read (now at version ",
                                     current_version, "); read it again and retry"));
  }
  return absl::OkStatus();
}

absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  if (status.ok() || status.code() != absl::StatusCode::kInvalidArgument) return status;
  return absl::InvalidArgumentError(StrCat(prefix, status.message()));
}

namespace {

absl::Status NotFound(const std::string& id) { return absl::NotFoundError(StrCat("no CI with id ", id)); }

// Stamps provenance for a direct write and bumps the version.
void PrepareNewVersion(const Ci& before, Ci& after, const WriteContext& context, Micros now) {
  StampProvenance(ProvenanceFields(before), ProvenanceFields(after), context.source, now, after.provenance);
  after.version = before.version + 1;
}

// Every parent named by `cis` must be a live CI (or one of `cis`, for a
// batch that creates both). NOT_FOUND names the field: "<list>[i].ci.parent_id",
// or "ci.parent_id" when `list` is empty.
absl::Status CheckParents(db::Tx& tx, const std::vector<Ci>& cis, std::string_view list = "") {
  std::set<std::string> own;
  for (const Ci& ci : cis) own.insert(ci.id);
  std::vector<std::string> wanted;
  for (const Ci& ci : cis) {
    if (!ci.parent_id.empty() && !own.contains(ci.parent_id)) wanted.push_back(ci.parent_id);
  }
  if (wanted.empty()) return absl::OkStatus();
  const std::vector<std::string> found = db::ExistingCiIds(tx, wanted);
  for (size_t i = 0; i < cis.size(); ++i) {
    const std::string& parent = cis[i].parent_id;
    if (parent.empty() || own.contains(parent) || std::find(found.begin(), found.end(), parent) != found.end()) continue;
    const std::string field = list.empty() ? "ci.parent_id" : StrCat(list, "[", i, "].ci.parent_id");
    return absl::NotFoundError(StrCat(field, ": no CI with id ", parent));
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
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    ci = as_of ? db::GetCiAsOf(tx, key, *as_of) : db::GetCi(tx, key);
    return absl::OkStatus();
  }));
  if (!ci) {
    if (as_of) return absl::NotFoundError(StrCat("CI ", key, " did not exist at ", FormatRfc3339(*as_of)));
    return NotFound(key);
  }
  return *ci;
}

absl::StatusOr<db::CiListPage> CiService::List(db::CiListQuery query) {
  if (query.page_size < 0) return FieldError("page_size", "must not be negative");
  query.page_size = EffectivePageSize(limits_, query.page_size);
  absl::StatusOr<db::CiListPage> page;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
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
    if (token.value("id", "") != id || !token.contains("before") || !token["before"].is_number_integer()) {
      return FieldError("page_token", "does not belong to this CI's history");
    }
    before = token["before"].get<int64_t>();
  }
  CiHistoryPage page;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
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
  if (version <= 0) return FieldError("version", "must be a positive version number");
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

absl::StatusOr<BatchResult> CiService::Batch(const WriteContext& context, const BatchRequest& request) {
  const size_t items = request.creates.size() + request.updates.size() + request.relationships.size();
  if (items == 0) return absl::InvalidArgumentError("batch: nothing to write");
  if (items > static_cast<size_t>(limits_.max_batch_items)) {
    return absl::InvalidArgumentError(
        StrCat("batch: ", items, " items; the limit is ", limits_.max_batch_items, " (split the batch)"));
  }
  // Checks that need no database.
  std::unordered_map<std::string, size_t> ref_index;
  std::vector<std::string> create_ids(request.creates.size());
  std::set<std::string> requested_ids;
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
  std::vector<std::string> create_parents(request.creates.size());
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
  }
  // Relationship endpoints as ids.
  std::vector<Relationship> rels(request.relationships.size());
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
    if (!r.attributes.is_object()) return FieldError(field + ".attributes", "must be an object");
    rels[i].type = r.type;
    rels[i].attributes = r.attributes;
    rels[i].id = NewUuid();
  }

  BatchResult result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    result = BatchResult{};
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    const Micros now = tx.now();

    std::vector<Ci> creates;
    creates.reserve(request.creates.size());
    for (size_t i = 0; i < request.creates.size(); ++i) {
      Ci ci = request.creates[i].ci;
      ci.id = create_ids[i];
      if (!create_parents[i].empty()) ci.parent_id = create_parents[i];
      CMDB_RETURN_IF_ERROR(Prefixed(catalog->ValidateCi(ci), StrCat("creates[", i, "].ci.")));
      ci.provenance = Json::object();
      PrepareNewVersion(Ci{}, ci, context, now);
      creates.push_back(std::move(ci));
    }
    CMDB_RETURN_IF_ERROR(CheckParents(tx, creates, "creates"));
    if (!requested_ids.empty()) {
      auto taken = db::UsedCiIds(tx, {requested_ids.begin(), requested_ids.end()});
      if (!taken.empty()) {
        const size_t i = std::find(create_ids.begin(), create_ids.end(), taken.front()) - create_ids.begin();
        return absl::AlreadyExistsError(
            StrCat("creates[", i, "].ci_id: a CI with id ", taken.front(), " exists or existed"));
      }
    }

    // Updates: lock every target once, apply patches in request order.
    std::vector<std::string> update_ids;
    for (const auto& p : request.updates) update_ids.push_back(CanonicalUuid(p.id));
    std::map<std::string, Ci> current;
    for (Ci& ci : db::LockCis(tx, update_ids)) current.emplace(ci.id, std::move(ci));
    std::map<std::string, Ci> working = current;
    std::vector<std::string> touched;
    for (size_t i = 0; i < request.updates.size(); ++i) {
      const std::string& id = update_ids[i];
      auto it = working.find(id);
      if (it == working.end()) return absl::NotFoundError(StrCat("updates[", i, "]: no CI with id ", id));
      CMDB_RETURN_IF_ERROR(CheckEtag(request.updates[i].etag, current.at(id).version, StrCat("CI ", id)));
      CMDB_ASSIGN_OR_RETURN(Ci updated, ApplyCiPatch(it->second, request.updates[i]));
      CMDB_RETURN_IF_ERROR(Prefixed(catalog->ValidateCi(updated), StrCat("updates[", i, "].ci.")));
      it->second = std::move(updated);
      touched.push_back(id);
    }
    std::vector<Ci> updates, prior;
    for (auto& [id, ci] : working) {
      const Ci& before = current.at(id);
      if (SameContent(before, ci)) continue;
      if (ci.parent_id != before.parent_id) CMDB_RETURN_IF_ERROR(CheckParents(tx, {ci}));
      PrepareNewVersion(before, ci, context, now);
      updates.push_back(ci);
      prior.push_back(before);
    }

    // Relationships: types, endpoints and duplicates.
    if (!rels.empty()) {
      std::set<std::string> endpoints;
      for (size_t i = 0; i < rels.size(); ++i) {
        if (catalog->FindRelationshipType(rels[i].type) == nullptr) {
          return FieldError(StrCat("relationships[", i, "].type"), StrCat("unknown relationship type \"", rels[i].type, "\""));
        }
        endpoints.insert(rels[i].source_id);
        endpoints.insert(rels[i].target_id);
      }
      for (const auto& id : create_ids) endpoints.erase(id);
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
        StampProvenance({}, {{"type", rel.type}}, context.source, now, rel.provenance);
      }
    }

    db::InsertCis(tx, creates);
    db::UpdateCis(tx, updates, kOpUpdate, &prior);
    std::vector<Relationship> rel_rows = rels;
    db::InsertRelationships(tx, rel_rows);

    for (size_t i = 0; i < creates.size(); ++i) {
      result.created.push_back({request.creates[i].ref, creates[i].id, creates[i].version});
    }
    for (const std::string& id : touched) {
      const Ci* latest = &current.at(id);
      for (const Ci& u : updates) {
        if (u.id == id) latest = &u;
      }
      result.updated.push_back({"", id, latest->version});
    }
    for (const auto& rel : rel_rows) result.relationships.push_back({"", rel.id, rel.version});
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  result.changeset = written->changeset;
  return result;
}

}  // namespace cmdb
