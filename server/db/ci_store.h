// SQL for configuration items: the live `ci` table and the `ci_version`
// history written beside it. Write functions take CIs whose content the
// caller has validated; they stamp versions with the transaction's time and
// changeset, and write any number of rows in a fixed number of statements.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/model.h"
#include "core/queries.h"
#include "db/database.h"

namespace cmdb::db {

// The live CI, or nullopt.
std::optional<Ci> GetCi(Tx& tx, const std::string& id);
// The CI as it was at time `t` (nullopt if it did not exist then).
std::optional<Ci> GetCiAsOf(Tx& tx, const std::string& id, Micros t);
// Live CIs by id, locked FOR UPDATE (in id order, so concurrent lockers
// cannot deadlock). Missing ids are absent from the result.
std::vector<Ci> LockCis(Tx& tx, std::vector<std::string> ids);
// Ids among `ids` that exist in `ci`.
std::vector<std::string> ExistingCiIds(Tx& tx, const std::vector<std::string>& ids);
// The stored parent ("" for none) of each CI in `ids` and of every ancestor
// above them, up to 256 levels.
std::unordered_map<std::string, std::string> ParentChains(Tx& tx, const std::vector<std::string>& ids);
// Ids among `ids` that any CI, live or deleted, has had (an id is never reused).
std::vector<std::string> UsedCiIds(Tx& tx, const std::vector<std::string>& ids);

// Inserts new CIs (version 1) and their first history version. Sets
// version, created_at and updated_at on each.
void InsertCis(Tx& tx, std::vector<Ci>& cis, std::string_view operation = kOpCreate);
// Writes new versions of existing (locked) CIs: each must carry its current
// version + 1. Closes the previous history version. Sets updated_at. With
// `before` (the same CIs as they were, in the same order), identifiers are
// rewritten only for CIs whose identifier keys changed.
void UpdateCis(Tx& tx, std::vector<Ci>& cis, std::string_view operation, const std::vector<Ci>* before = nullptr);
// Brings the rule identifiers of `cis` in step with their content under
// `catalog`'s identification rules (UpdateCis does this itself; a change of
// the rules calls it with the new catalog).
void SyncIdentifiers(Tx& tx, const Catalog& catalog, const std::vector<Ci>& cis);
// Live CIs of `classes` with id > `after_id`, by id, at most `limit`.
std::vector<Ci> CisOfClasses(Tx& tx, const std::vector<std::string>& classes, const std::string& after_id, int limit);

// Removes a live CI (its relationships must be gone) and records a final
// zero-length "delete" version, so history shows the deletion.
void HardDeleteCi(Tx& tx, const Ci& ci);

// One page of a CI's versions, newest first, older than `before_version`
// (0: from the newest), each with its changeset and changed fields.
std::vector<CiVersion> CiHistory(Tx& tx, const std::string& id, int64_t before_version, int limit);
// One stored version.
std::optional<Ci> GetCiVersion(Tx& tx, const std::string& id, int64_t version);

// Runs a filtered, ordered, keyset-paginated listing. INVALID_ARGUMENT for a
// bad filter ("filter: ..."), order ("order_by: ...") or token ("page_token: ...").
absl::StatusOr<CiListPage> ListCis(Tx& tx, const Catalog& catalog, const CiListQuery& query);

}  // namespace cmdb::db
