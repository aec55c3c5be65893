// Use cases on configuration items: read (now or as of a past time), list,
// create, update with an update mask and etag, retire or hard-delete,
// history, restore, and batch writes. Each call is one transaction; each
// write is one changeset. Errors:
//   INVALID_ARGUMENT   bad input, the field named ("attributes.cpu_count: ...")
//   NOT_FOUND          no such CI (or version)
//   ALREADY_EXISTS     a requested id is taken
//   ABORTED            stale etag, or a conflict that persisted after retries
//   FAILED_PRECONDITION the CI's state does not allow it (e.g. restoring a
//                      version that no longer fits its class)
//   UNAVAILABLE        the database is unreachable
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/batch.h"
#include "core/model.h"
#include "core/patch.h"
#include "core/queries.h"
#include "core/request_checks.h"
#include "db/database.h"
#include "service/limits.h"

namespace cmdb {

struct CiHistoryPage {
  std::vector<CiVersion> versions;  // newest first
  std::string next_page_token;
};

class CiService {
 public:
  CiService(db::Database& db, const Limits& limits) : db_(db), limits_(limits) {}

  absl::StatusOr<Ci> Get(const std::string& id, std::optional<Micros> as_of);
  absl::StatusOr<CiListPage> List(CiListQuery query);
  // Creates a CI; `requested_id` (optional) must be an unused UUID.
  absl::StatusOr<Ci> Create(const WriteContext& context, Ci ci, const std::string& requested_id);
  // Applies the patch; a patch that changes nothing writes nothing.
  absl::StatusOr<Ci> Update(const WriteContext& context, const CiPatch& patch);
  // Retires the CI (status retired), or with `hard` removes it and its
  // relationships (history is kept; refused while dependents name it as
  // their parent). Returns the last version.
  absl::StatusOr<Ci> Delete(const WriteContext& context, const std::string& id, const std::string& etag, bool hard);
  absl::StatusOr<CiHistoryPage> History(const std::string& id, int page_size, const std::string& page_token);
  // Writes a new version whose content equals version `version`.
  absl::StatusOr<Ci> Restore(const WriteContext& context, const std::string& id, int64_t version,
                             const std::string& etag);
  // All or nothing. INVALID_ARGUMENT names the item: "creates[3].name: ...".
  absl::StatusOr<BatchResult> Batch(const WriteContext& context, const BatchRequest& request);

 private:
  db::Database& db_;
  const Limits& limits_;
};

}  // namespace cmdb
