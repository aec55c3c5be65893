// Use cases on relationships and relationship types. Errors as in
// ci_service.h; creating a relationship whose endpoints are missing is
// NOT_FOUND, a duplicate (same source, type and target) ALREADY_EXISTS.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "db/database.h"
#include "core/queries.h"
#include "service/limits.h"

namespace cmdb {

struct RelationshipPatch {
  std::string id;
  std::string etag;
  std::vector<std::string> paths;  // attributes, attributes.<name>; empty: merge
  Json attributes = Json::object();
};

class RelationshipService {
 public:
  RelationshipService(db::Database& db, const Limits& limits) : db_(db), limits_(limits) {}

  absl::StatusOr<Relationship> Get(const std::string& id, std::optional<Micros> as_of);
  absl::StatusOr<RelationshipPage> List(RelationshipListQuery query);
  absl::StatusOr<Relationship> Create(const WriteContext& context, Relationship rel);
  absl::StatusOr<Relationship> Update(const WriteContext& context, const RelationshipPatch& patch);
  absl::StatusOr<Relationship> Delete(const WriteContext& context, const std::string& id, const std::string& etag);

  absl::StatusOr<std::vector<RelationshipTypeDef>> ListTypes();
  // INVALID_ARGUMENT for a bad name or impact, ALREADY_EXISTS for a taken name.
  absl::StatusOr<RelationshipTypeDef> CreateType(const WriteContext& context, RelationshipTypeDef type);

 private:
  db::Database& db_;
  const Limits& limits_;
};

}  // namespace cmdb
