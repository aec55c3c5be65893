// A batch write (BatchWrite): creates, updates and relationships in one
// transaction, where creates may be referred to by a ref (as the parent of
// another create or as a relationship endpoint) before they have ids.
// ResolveBatch is the pure first step: it checks what needs no database and
// turns every ref into the id the create will get.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "core/patch.h"

namespace cmdb {

struct BatchCreate {
  std::string ref;
  Ci ci;
  std::string requested_id;
  std::string parent_ref;  // a ref of another create; sets ci.parent_id to its id
};

struct BatchRelationship {
  std::string source_id, source_ref;  // one of them
  std::string type;
  std::string target_id, target_ref;  // one of them
  Json attributes = Json::object();
};

struct BatchRequest {
  std::vector<BatchCreate> creates;
  std::vector<CiPatch> updates;
  std::vector<BatchRelationship> relationships;
};

struct BatchItem {
  std::string ref;
  std::string id;
  int64_t version = 0;
};

struct BatchResult {
  std::vector<BatchItem> created;
  std::vector<BatchItem> updated;
  std::vector<BatchItem> relationships;
  std::optional<ChangesetInfo> changeset;
};

// A batch with every ref replaced by an id.
struct ResolvedBatch {
  std::vector<std::string> create_ids;      // per create: the requested or a new id
  std::vector<std::string> create_parents;  // per create: the parent named by parent_ref, as an id ("" if none)
  std::set<std::string> requested_ids;      // ids the request chose (must be unused)
  std::vector<std::string> update_ids;      // per update: the canonical id
  std::vector<Relationship> relationships;  // per relationship: endpoints as ids, a new id, type, attributes
};

// Checks the batch's size (at most `max_items`), refs (unique, known, not
// naming the item itself), ids (UUIDs, requested ids unique) and
// relationship endpoints, and resolves refs to ids. INVALID_ARGUMENT names
// the field: "creates[2].parent_ref: ...".
absl::StatusOr<ResolvedBatch> ResolveBatch(const BatchRequest& request, size_t max_items);

}  // namespace cmdb
