#include "db/ci_store.h"

#include <algorithm>

#include "core/strings.h"
#include "core/identification.h"
#include "core/page_token.h"
#include "core/status.h"
#include "core/uuid.h"
#include "db/ci_filter.h"
#include "db/rows.h"
#include "db/sql_util.h"
#include "db/sql.h"

namespace cmdb::db {
namespace {

// The JSON rows handed to jsonb_to_recordset by the write statements.
#define CMDB_CI_RECORD                                                                               \
  "jsonb_to_recordset($1::jsonb) AS x(id uuid, class_name text, name text, status text, owner text, " \
  "criticality text, attributes jsonb, provenance jsonb, version int, parent_id uuid, merged_into uuid)"

const Statement kGetCi{"ci_get", "SELECT " CMDB_CI_COLUMNS " FROM ci c WHERE c.id = $1::uuid"};
const Statement kGetCiAsOf{
    "ci_get_as_of",
    "SELECT " CMDB_CI_VERSION_COLUMNS " FROM ci_version v "
    "WHERE v.ci_id = $1::uuid AND v.valid_from <= $2::timestamptz AND $2::timestamptz < v.valid_to"};
const Statement kLockCis{
    "ci_lock",
    "SELECT " CMDB_CI_COLUMNS " FROM ci c WHERE c.id = ANY($1::uuid[]) ORDER BY c.id FOR UPDATE"};
const Statement kExistingIds{"ci_existing_ids", "SELECT id::text FROM ci WHERE id = ANY($1::uuid[])"};
// Each CI of $1 and every ancestor above it, with its parent (bounded, in
// case stored data already holds a cycle).
const Statement kParentChains{"ci_parent_chains", R"(
WITH RECURSIVE up(id, parent_id, depth) AS (
  SELECT id, parent_id, 1 FROM ci WHERE id = ANY($1::uuid[])
  UNION
  SELECT c.id, c.parent_id, up.depth + 1 FROM ci c JOIN up ON c.id = up.parent_id WHERE up.depth < 256)
SELECT DISTINCT id::text, coalesce(parent_id::text, '') FROM up)"};
const Statement kUsedIds{"ci_used_ids",
                         "SELECT DISTINCT ci_id::text FROM ci_version WHERE ci_id = ANY($1::uuid[])"};
const Statement kGetVersion{
    "ci_get_version",
    "SELECT " CMDB_CI_VERSION_COLUMNS " FROM ci_version v WHERE v.ci_id = $1::uuid AND v.version = $2"};

const Statement kInsertCis{
    "ci_insert",
    "WITH r AS (SELECT * FROM " CMDB_CI_RECORD "), "
    "ins AS (INSERT INTO ci (id, class_name, name, status, owner, criticality, attributes, provenance, version, "
    "                        created_at, updated_at, changeset_id, parent_id) "
    "        SELECT id, class_name, name, status, owner, criticality, attributes, provenance, 1, now(), now(), $2, "
    "               parent_id FROM r) "
    "INSERT INTO ci_version (ci_id, version, valid_from, operation, class_name, name, status, owner, criticality, "
    "                        attributes, provenance, created_at, changeset_id, parent_id) "
    "SELECT id, 1, now(), $3, class_name, name, status, owner, criticality, attributes, provenance, now(), $2, "
    "       parent_id FROM r"};

const Statement kUpdateCis{
    "ci_update",
    "WITH r AS (SELECT * FROM " CMDB_CI_RECORD "), "
    "upd AS (UPDATE ci SET class_name = r.class_name, name = r.name, status = r.status, owner = r.owner, "
    "               criticality = r.criticality, attributes = r.attributes, provenance = r.provenance, "
    "               version = r.version, updated_at = now(), changeset_id = $2, parent_id = r.parent_id, "
    "               merged_into = r.merged_into "
    "        FROM r WHERE ci.id = r.id RETURNING ci.id, ci.created_at), "
    "closed AS (UPDATE ci_version v SET valid_to = now() FROM r "
    "           WHERE v.ci_id = r.id AND v.valid_to = 'infinity') "
    "INSERT INTO ci_version (ci_id, version, valid_from, operation, class_name, name, status, owner, criticality, "
    "                        attributes, provenance, created_at, changeset_id, parent_id, merged_into) "
    "SELECT r.id, r.version, now(), $3, r.class_name, r.name, r.status, r.owner, r.criticality, r.attributes, "
    "       r.provenance, u.created_at, $2, r.parent_id, r.merged_into "
    "FROM r JOIN upd u ON u.id = r.id"};

const Statement kHardDelete{
    "ci_hard_delete",
    "WITH del AS (DELETE FROM ci WHERE id = $1::uuid RETURNING *), "
    "closed AS (UPDATE ci_version SET valid_to = now() WHERE ci_id = $1::uuid AND valid_to = 'infinity') "
    "INSERT INTO ci_version (ci_id, version, valid_from, valid_to, operation, class_name, name, status, owner, "
    "                        criticality, attributes, provenance, created_at, changeset_id, parent_id, merged_into) "
    "SELECT id, version + 1, now(), now(), 'delete', class_name, name, status, owner, criticality, attributes, "
    "       provenance, created_at, $2, parent_id, merged_into FROM del"};

const Statement kHistory{
    "ci_history",
    "SELECT " CMDB_CI_VERSION_COLUMNS ", v.operation, cs.id, coalesce(cs.seq, 0), cs.actor, cs.source, cs.comment, "
    "       cs.external_ref, epoch_us(cs.created_at), epoch_us(v.valid_to) "
    "FROM ci_version v JOIN changeset cs ON cs.id = v.changeset_id "
    "WHERE v.ci_id = $1::uuid AND v.version < $2 ORDER BY v.version DESC LIMIT $3"};

// Identifier rows of newly written CIs: their rule keys (source keys are
// written by reconciliation and left alone here).
const Statement kInsertIdentifiers{
    "ci_identifier_insert",
    "INSERT INTO ci_identifier (kind, value, ci_id) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[]) ON CONFLICT DO NOTHING"};
// Brings the rule keys of updated CIs in step: removes the ones that no
// longer apply, adds the new ones; unchanged keys are not touched.
const Statement kSyncIdentifiers{
    "ci_identifier_sync",
    "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[]) AS k(kind, value, ci_id)), "
    "gone AS (DELETE FROM ci_identifier i WHERE i.ci_id = ANY($4::uuid[]) AND i.kind NOT LIKE 'source:%' "
    "         AND NOT EXISTS (SELECT 1 FROM k WHERE k.kind = i.kind AND k.value = i.value AND k.ci_id = i.ci_id)) "
    "INSERT INTO ci_identifier (kind, value, ci_id) SELECT kind, value, ci_id FROM k ON CONFLICT DO NOTHING"};

struct KeyArrays {
  std::vector<std::string> kinds, values, ids;
};

KeyArrays RuleKeys(const Catalog& catalog, const std::vector<Ci>& cis) {
  KeyArrays out;
  for (const Ci& ci : cis) {
    if (!ci.merged_into.empty()) continue;  // a merged CI no longer identifies anything
    for (auto& key : IdentifierKeys(catalog, ci)) {
      out.kinds.push_back(std::move(key.kind));
      out.values.push_back(std::move(key.value));
      out.ids.push_back(ci.id);
    }
  }
  return out;
}

std::shared_ptr<const Catalog> CatalogOf(Tx& tx) {
  auto catalog = tx.catalog();
  if (!catalog.ok()) throw std::runtime_error(std::string(ToStd(catalog.status().message())));
  return *catalog;
}

const Statement kCisOfClasses{
    "ci_of_classes",
    "SELECT " CMDB_CI_COLUMNS " FROM ci c WHERE c.class_name = ANY($1::text[]) AND c.id > $2::uuid "
    "ORDER BY c.id LIMIT $3"};

std::string RecordJson(const std::vector<Ci>& cis) {
  Json rows = Json::array();
  for (const Ci& ci : cis) {
    rows.push_back({{"id", ci.id},
                    {"class_name", ci.class_name},
                    {"name", ci.name},
                    {"status", ci.status},
                    {"owner", ci.owner},
                    {"criticality", ci.criticality},
                    {"attributes", ci.attributes},
                    {"provenance", ci.provenance},
                    {"version", ci.version},
                    {"parent_id", ci.parent_id.empty() ? Json() : Json(ci.parent_id)},
                    {"merged_into", ci.merged_into.empty() ? Json() : Json(ci.merged_into)}});
  }
  return rows.dump();
}

}  // namespace

std::optional<Ci> GetCi(Tx& tx, const std::string& id) {
  auto r = Exec(tx, kGetCi, id);
  if (r.empty()) return std::nullopt;
  return CiFromRow(r[0]);
}

std::optional<Ci> GetCiAsOf(Tx& tx, const std::string& id, Micros t) {
  auto r = Exec(tx, kGetCiAsOf, id, ToSqlTimestamp(t));
  if (r.empty()) return std::nullopt;
  return CiFromRow(r[0]);
}

std::vector<Ci> LockCis(Tx& tx, std::vector<std::string> ids) {
  std::vector<Ci> out;
  if (ids.empty()) return out;
  for (const auto& r : Exec(tx, kLockCis, ArrayLiteral(ids))) out.push_back(CiFromRow(r));
  return out;
}

std::vector<std::string> ExistingCiIds(Tx& tx, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  if (ids.empty()) return out;
  for (const auto& r : Exec(tx, kExistingIds, ArrayLiteral(ids))) out.push_back(r[0].as<std::string>());
  return out;
}

std::unordered_map<std::string, std::string> ParentChains(Tx& tx, const std::vector<std::string>& ids) {
  std::unordered_map<std::string, std::string> out;
  if (ids.empty()) return out;
  for (const auto& r : Exec(tx, kParentChains, ArrayLiteral(ids)))
    out.emplace(r[0].as<std::string>(), r[1].as<std::string>());
  return out;
}

std::vector<std::string> UsedCiIds(Tx& tx, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  if (ids.empty()) return out;
  for (const auto& r : Exec(tx, kUsedIds, ArrayLiteral(ids))) out.push_back(r[0].as<std::string>());
  return out;
}

void InsertCis(Tx& tx, std::vector<Ci>& cis, std::string_view operation) {
  if (cis.empty()) return;
  for (Ci& ci : cis) {
    ci.version = 1;
    ci.created_at = ci.updated_at = tx.now();
  }
  Exec(tx, kInsertCis, RecordJson(cis), tx.ChangesetId(), std::string(operation));
  KeyArrays keys = RuleKeys(*CatalogOf(tx), cis);
  if (!keys.ids.empty()) {
    Exec(tx, kInsertIdentifiers, ArrayLiteral(keys.kinds), ArrayLiteral(keys.values), ArrayLiteral(keys.ids));
  }
}

void UpdateCis(Tx& tx, std::vector<Ci>& cis, std::string_view operation, const std::vector<Ci>* before) {
  if (cis.empty()) return;
  for (Ci& ci : cis) ci.updated_at = tx.now();
  Exec(tx, kUpdateCis, RecordJson(cis), tx.ChangesetId(), std::string(operation));
  auto catalog = CatalogOf(tx);
  if (before == nullptr || before->size() != cis.size()) return SyncIdentifiers(tx, *catalog, cis);
  std::vector<Ci> changed;
  for (size_t i = 0; i < cis.size(); ++i) {
    const bool was = (*before)[i].merged_into.empty(), is = cis[i].merged_into.empty();
    if (was != is || IdentifierKeys(*catalog, (*before)[i]) != IdentifierKeys(*catalog, cis[i])) {
      changed.push_back(cis[i]);
    }
  }
  SyncIdentifiers(tx, *catalog, changed);
}

void SyncIdentifiers(Tx& tx, const Catalog& catalog, const std::vector<Ci>& cis) {
  if (cis.empty()) return;
  KeyArrays keys = RuleKeys(catalog, cis);
  std::vector<std::string> ids;
  for (const Ci& ci : cis) ids.push_back(ci.id);
  Exec(tx, kSyncIdentifiers, ArrayLiteral(keys.kinds), ArrayLiteral(keys.values), ArrayLiteral(keys.ids),
          ArrayLiteral(ids));
}

std::vector<Ci> CisOfClasses(Tx& tx, const std::vector<std::string>& classes, const std::string& after_id, int limit) {
  std::vector<Ci> out;
  for (const auto& r : Exec(tx, kCisOfClasses, ArrayLiteral(classes), after_id, limit)) out.push_back(CiFromRow(r));
  return out;
}

void HardDeleteCi(Tx& tx, const Ci& ci) { Exec(tx, kHardDelete, ci.id, tx.ChangesetId()); }

std::optional<Ci> GetCiVersion(Tx& tx, const std::string& id, int64_t version) {
  auto r = Exec(tx, kGetVersion, id, version);
  if (r.empty()) return std::nullopt;
  return CiFromRow(r[0]);
}

std::vector<CiVersion> CiHistory(Tx& tx, const std::string& id, int64_t before_version, int limit) {
  // One extra (older) row, to tell what the oldest version on the page changed.
  auto rows = Exec(tx, kHistory, id, before_version > 0 ? before_version : INT32_MAX, limit + 1);
  std::vector<CiVersion> out;
  for (const auto& r : rows) {
    CiVersion v;
    v.ci = CiFromRow(r);
    v.valid_from = v.ci.updated_at;
    v.operation = r[kCiColumnCount].as<std::string>();
    v.changeset.id = r[kCiColumnCount + 1].as<int64_t>();
    v.changeset.seq = r[kCiColumnCount + 2].as<int64_t>();
    v.changeset.actor = r[kCiColumnCount + 3].as<std::string>();
    v.changeset.source = r[kCiColumnCount + 4].as<std::string>();
    v.changeset.comment = r[kCiColumnCount + 5].as<std::string>();
    v.changeset.external_ref = r[kCiColumnCount + 6].as<std::string>();
    v.changeset.time = r[kCiColumnCount + 7].as<int64_t>();
    if (!r[kCiColumnCount + 8].is_null()) v.valid_to = r[kCiColumnCount + 8].as<int64_t>();
    out.push_back(std::move(v));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (i + 1 < out.size()) {
      out[i].changed_fields = ChangedFields(out[i + 1].ci, out[i].ci);
    } else if (out[i].ci.version == 1) {
      out[i].changed_fields = ChangedFields(Ci{}, out[i].ci);
    }
  }
  if (static_cast<int>(out.size()) > limit) out.pop_back();
  return out;
}

absl::StatusOr<CiListPage> ListCis(Tx& tx, const Catalog& catalog, const CiListQuery& query) {
  const bool as_of = query.as_of.has_value();
  const CiSqlColumns columns = as_of ? CiSqlColumns::Version() : CiSqlColumns::Live();
  SqlParams params;
  CMDB_ASSIGN_OR_RETURN(std::string where, CompileCiFilter(query.filter, catalog, columns, params));
  CMDB_ASSIGN_OR_RETURN(CiOrder order, ParseCiOrder(query.order_by, catalog, columns));

  const std::string fingerprint =
      RequestFingerprint({query.filter, order.canonical, as_of ? std::to_string(*query.as_of) : ""});
  std::string keyset = "TRUE";
  if (!query.page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json token, DecodePageToken(query.page_token));
    if (TokenString(token, "f") != fingerprint || !token.contains("k") || !token["k"].is_string() ||
        !token.contains("i") || !token["i"].is_string() || !IsUuid(token["i"].get<std::string>())) {
      return FieldError("page_token", "does not belong to this filter, order_by and as_of");
    }
    keyset = StrCat("(", order.expression, ", ", columns.id, ") ", order.descending ? "<" : ">", " (",
                          order.ParamCast(params.Add(token["k"].get<std::string>())), ", ",
                          params.Add(token["i"].get<std::string>()), "::uuid)");
  }
  std::string period = "TRUE";
  if (as_of) {
    const std::string t = params.Add(ToSqlTimestamp(*query.as_of));
    period = StrCat("v.valid_from <= ", t, "::timestamptz AND ", t, "::timestamptz < v.valid_to");
  }
  const char* dir = order.descending ? " DESC" : " ASC";
  const std::string sql = StrCat(
      "SELECT ", as_of ? CMDB_CI_VERSION_COLUMNS : CMDB_CI_COLUMNS, ", (", order.key_text, ")::text FROM ",
      as_of ? "ci_version v" : "ci c", " WHERE ", period, " AND ", where, " AND ", keyset, " ORDER BY ",
      order.expression, dir, ", ", columns.id, dir, " LIMIT ", query.page_size + 1);
  pqxx::result rows = Sql(tx).exec_params(sql, pqxx::prepare::make_dynamic_params(params.values()));
  CiListPage page;
  for (const auto& r : rows) {
    if (static_cast<int>(page.cis.size()) == query.page_size) {
      const auto& last = rows[page.cis.size() - 1];
      Json token = {{"f", fingerprint}, {"k", last[kCiColumnCount].as<std::string>()}, {"i", page.cis.back().id}};
      page.next_page_token = EncodePageToken(token);
      break;
    }
    page.cis.push_back(query.json_as_text ? CiTextFromRow(r) : CiFromRow(r));
  }
  return page;
}

}  // namespace cmdb::db
