// SQL for relationships: the live `relationship` table and its
// `relationship_version` history, mirroring ci_store.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "core/queries.h"
#include "db/database.h"

namespace cmdb::db {

// The live relationship with its endpoints' names and classes, or nullopt.
std::optional<Relationship> GetRelationship(Tx& tx, const std::string& id);
// The relationship as it was at time `t`.
std::optional<Relationship> GetRelationshipAsOf(Tx& tx, const std::string& id, Micros t);
// Locks and returns a live relationship.
std::optional<Relationship> LockRelationship(Tx& tx, const std::string& id);
// Live relationships touching any of `ci_ids` (either end), locked.
std::vector<Relationship> LockRelationshipsOf(Tx& tx, const std::vector<std::string>& ci_ids);

struct RelationshipKey {
  std::string source_id, type, target_id;
};
// For each key, the id of the live relationship with that key ("" if none).
std::vector<std::string> FindRelationships(Tx& tx, const std::vector<RelationshipKey>& keys);

// Inserts new relationships (ids set by the caller) with their first version.
void InsertRelationships(Tx& tx, std::vector<Relationship>& rels);
// Writes new versions (version already incremented) of live relationships.
void UpdateRelationships(Tx& tx, std::vector<Relationship>& rels, std::string_view operation = kOpUpdate);
// Removes live relationships, recording a final zero-length "delete" version.
void DeleteRelationships(Tx& tx, const std::vector<std::string>& ids);

// INVALID_ARGUMENT "page_token: ..." for a token from another query.
absl::StatusOr<RelationshipPage> ListRelationships(Tx& tx, const RelationshipListQuery& query);

}  // namespace cmdb::db
