// ReconcileService::Merge: folds a duplicate CI into its survivor in one
// transaction, in a fixed number of set-based statements whatever the
// number of relationships and dependents.
#include <set>
#include <tuple>

#include "core/patch.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/ci_store.h"
#include "db/identity_store.h"
#include "db/relationship_store.h"
#include "service/ci_service.h"
#include "service/reconcile_service.h"

namespace cmdb {

absl::StatusOr<MergeOutcome> ReconcileService::Merge(const WriteContext& context, const std::string& survivor_id,
                                                     const std::string& duplicate_id) {
  CMDB_RETURN_IF_ERROR(CheckId(survivor_id, "survivor_id"));
  CMDB_RETURN_IF_ERROR(CheckId(duplicate_id, "duplicate_id"));
  const std::string keep = CanonicalUuid(survivor_id), drop = CanonicalUuid(duplicate_id);
  if (keep == drop) return FieldError("duplicate_id", "a CI cannot be merged into itself");
  MergeOutcome outcome;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    outcome = MergeOutcome{};
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    std::vector<Ci> locked = db::LockCis(tx, {keep, drop});
    const Ci* survivor = nullptr;
    const Ci* duplicate = nullptr;
    for (const Ci& ci : locked) (ci.id == keep ? survivor : duplicate) = &ci;
    if (survivor == nullptr) return absl::NotFoundError(StrCat("no CI with id ", keep));
    if (duplicate == nullptr) return absl::NotFoundError(StrCat("no CI with id ", drop));
    if (!duplicate->merged_into.empty()) {
      return absl::FailedPreconditionError(StrCat("CI ", drop, " was already merged into ", duplicate->merged_into));
    }
    if (!survivor->merged_into.empty()) {
      return absl::FailedPreconditionError(StrCat("CI ", keep, " was itself merged into ", survivor->merged_into));
    }
    if (!catalog->IsA(survivor->class_name, duplicate->class_name) &&
        !catalog->IsA(duplicate->class_name, survivor->class_name)) {
      return absl::FailedPreconditionError(StrCat("cannot merge a ", duplicate->class_name, " into a ",
                                                  survivor->class_name, ": the classes are unrelated"));
    }
    // The survivor takes what it lacks from the duplicate.
    Ci kept = *survivor;
    for (const auto& [key, value] : duplicate->attributes.items()) {
      if (kept.attributes.contains(key) || catalog->FindAttribute(kept.class_name, key) == nullptr) continue;
      kept.attributes[key] = value;
      const std::string field = "attributes." + key;
      if (duplicate->provenance.contains(field)) kept.provenance[field] = duplicate->provenance[field];
    }
    for (auto [field, mine, theirs] : {std::tuple{"owner", &kept.owner, &duplicate->owner},
                                       std::tuple{"criticality", &kept.criticality, &duplicate->criticality}}) {
      if (mine->empty() && !theirs->empty()) {
        *mine = *theirs;
        if (duplicate->provenance.contains(field)) kept.provenance[field] = duplicate->provenance[field];
      }
    }
    if (!SameContent(kept, *survivor)) {
      kept.version = survivor->version + 1;
      std::vector<Ci> rows{kept};
      db::UpdateCis(tx, rows, kOpMerge);
      kept = rows.front();
    }
    // Relationships follow the survivor; ones that would become a loop, or
    // that it already has (or an earlier one of the duplicate's gives it),
    // are dropped. The survivor's existing ones are looked up in one query.
    std::vector<Relationship> rels = db::LockRelationshipsOf(tx, {drop});
    std::vector<db::RelationshipKey> keys;
    for (Relationship& rel : rels) {
      if (rel.source_id == drop) rel.source_id = keep;
      if (rel.target_id == drop) rel.target_id = keep;
      if (rel.source_id != rel.target_id) keys.push_back({rel.source_id, rel.type, rel.target_id});
    }
    const std::vector<std::string> existing = db::FindRelationships(tx, keys);
    std::vector<Relationship> moved;
    std::vector<std::string> dropped;
    std::set<std::tuple<std::string, std::string, std::string>> claimed;
    size_t k = 0;
    for (Relationship& rel : rels) {
      const bool loop = rel.source_id == rel.target_id;
      const bool twin = !loop && (!existing[k++].empty() ||
                                  !claimed.emplace(rel.source_id, rel.type, rel.target_id).second);
      if (loop || twin) {
        dropped.push_back(rel.id);
      } else {
        rel.version += 1;
        moved.push_back(std::move(rel));
      }
    }
    db::DeleteRelationships(tx, dropped);
    db::UpdateRelationships(tx, moved, kOpMerge);
    // Dependents follow too.
    std::vector<Ci> dependents = db::LockDependents(tx, drop);
    for (Ci& d : dependents) {
      d.parent_id = keep;
      d.version += 1;
    }
    db::UpdateCis(tx, dependents, kOpMerge);
    db::MoveIdentityToSurvivor(tx, keep, drop);
    Ci retired = *duplicate;
    retired.status = std::string(kStatusRetired);
    retired.merged_into = keep;
    retired.version += 1;
    StampProvenance(ProvenanceFields(*duplicate), ProvenanceFields(retired), context.source, tx.now(),
                    retired.provenance);
    std::vector<Ci> rows{retired};
    db::UpdateCis(tx, rows, kOpMerge);
    outcome.survivor = *db::GetCi(tx, keep);
    outcome.duplicate = *db::GetCi(tx, drop);
    outcome.relationships_moved = static_cast<int>(moved.size());
    outcome.relationships_dropped = static_cast<int>(dropped.size());
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return outcome;
}

}  // namespace cmdb
