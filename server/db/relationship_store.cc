#include "db/relationship_store.h"

#include "core/strings.h"
#include "core/page_token.h"
#include "core/status.h"
#include "core/uuid.h"
#include "db/ci_filter.h"
#include "db/rows.h"
#include "db/sql_util.h"
#include "db/sql.h"

namespace cmdb::db {
namespace {

#define CMDB_REL_LIVE_FROM " FROM relationship r JOIN ci s ON s.id = r.source_id JOIN ci t ON t.id = r.target_id"
// $T is replaced by the as-of time placeholder.
#define CMDB_REL_VERSION_FROM(T)                                                                             \
  " FROM relationship_version r "                                                                            \
  "LEFT JOIN ci_version s ON s.ci_id = r.source_id AND s.valid_from <= " T " AND " T " < s.valid_to "        \
  "LEFT JOIN ci_version t ON t.ci_id = r.target_id AND t.valid_from <= " T " AND " T " < t.valid_to "        \
  "WHERE r.valid_from <= " T " AND " T " < r.valid_to"

#define CMDB_REL_RECORD                                                                                      \
  "jsonb_to_recordset($1::jsonb) AS x(id uuid, type text, source_id uuid, target_id uuid, attributes jsonb, " \
  "provenance jsonb, version int)"

const Statement kGet{"rel_get", "SELECT " CMDB_REL_COLUMNS CMDB_REL_LIVE_FROM " WHERE r.id = $1::uuid"};
const Statement kGetAsOf{"rel_get_as_of", "SELECT " CMDB_REL_VERSION_COLUMNS CMDB_REL_VERSION_FROM("$2::timestamptz")
                                              " AND r.rel_id = $1::uuid"};
const Statement kLock{"rel_lock",
                      "SELECT " CMDB_REL_COLUMNS CMDB_REL_LIVE_FROM " WHERE r.id = $1::uuid FOR UPDATE OF r"};
const Statement kLockOf{"rel_lock_of",
                        "SELECT " CMDB_REL_COLUMNS CMDB_REL_LIVE_FROM
                        " WHERE r.source_id = ANY($1::uuid[]) OR r.target_id = ANY($1::uuid[]) "
                        "ORDER BY r.id FOR UPDATE OF r"};
const Statement kFind{
    "rel_find",
    "SELECT coalesce(r.id::text, '') FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY "
    "AS k(source_id, type, target_id, n) "
    "LEFT JOIN relationship r ON r.source_id = k.source_id AND r.type = k.type AND r.target_id = k.target_id "
    "ORDER BY k.n"};

const Statement kInsert{
    "rel_insert",
    "WITH r AS (SELECT * FROM " CMDB_REL_RECORD "), "
    "ins AS (INSERT INTO relationship (id, type, source_id, target_id, attributes, provenance, version, "
    "                                  created_at, updated_at, changeset_id) "
    "        SELECT id, type, source_id, target_id, attributes, provenance, 1, now(), now(), $2 FROM r) "
    "INSERT INTO relationship_version (rel_id, version, valid_from, operation, type, source_id, target_id, "
    "                                  attributes, provenance, created_at, changeset_id) "
    "SELECT id, 1, now(), 'create', type, source_id, target_id, attributes, provenance, now(), $2 FROM r"};

const Statement kUpdate{
    "rel_update",
    "WITH r AS (SELECT * FROM " CMDB_REL_RECORD "), "
    "upd AS (UPDATE relationship SET attributes = r.attributes, provenance = r.provenance, version = r.version, "
    "               source_id = r.source_id, target_id = r.target_id, updated_at = now(), changeset_id = $2 "
    "        FROM r WHERE relationship.id = r.id RETURNING relationship.id, relationship.created_at), "
    "closed AS (UPDATE relationship_version v SET valid_to = now() FROM r "
    "           WHERE v.rel_id = r.id AND v.valid_to = 'infinity') "
    "INSERT INTO relationship_version (rel_id, version, valid_from, operation, type, source_id, target_id, "
    "                                  attributes, provenance, created_at, changeset_id) "
    "SELECT r.id, r.version, now(), $3, r.type, r.source_id, r.target_id, r.attributes, r.provenance, "
    "       u.created_at, $2 FROM r JOIN upd u ON u.id = r.id"};

const Statement kDelete{
    "rel_delete",
    "WITH del AS (DELETE FROM relationship WHERE id = ANY($1::uuid[]) RETURNING *), "
    "closed AS (UPDATE relationship_version SET valid_to = now() "
    "           WHERE rel_id = ANY($1::uuid[]) AND valid_to = 'infinity') "
    "INSERT INTO relationship_version (rel_id, version, valid_from, valid_to, operation, type, source_id, "
    "                                  target_id, attributes, provenance, created_at, changeset_id) "
    "SELECT id, version + 1, now(), now(), 'delete', type, source_id, target_id, attributes, provenance, "
    "       created_at, $2 FROM del"};

std::string RecordJson(const std::vector<Relationship>& rels) {
  Json rows = Json::array();
  for (const auto& r : rels) {
    rows.push_back({{"id", r.id},
                    {"type", r.type},
                    {"source_id", r.source_id},
                    {"target_id", r.target_id},
                    {"attributes", r.attributes},
                    {"provenance", r.provenance},
                    {"version", r.version}});
  }
  return rows.dump();
}

}  // namespace

std::optional<Relationship> GetRelationship(Tx& tx, const std::string& id) {
  auto r = Exec(tx, kGet, id);
  if (r.empty()) return std::nullopt;
  return RelationshipFromRow(r[0]);
}

std::optional<Relationship> GetRelationshipAsOf(Tx& tx, const std::string& id, Micros t) {
  auto r = Exec(tx, kGetAsOf, id, ToSqlTimestamp(t));
  if (r.empty()) return std::nullopt;
  return RelationshipFromRow(r[0]);
}

std::optional<Relationship> LockRelationship(Tx& tx, const std::string& id) {
  auto r = Exec(tx, kLock, id);
  if (r.empty()) return std::nullopt;
  return RelationshipFromRow(r[0]);
}

std::vector<Relationship> LockRelationshipsOf(Tx& tx, const std::vector<std::string>& ci_ids) {
  std::vector<Relationship> out;
  if (ci_ids.empty()) return out;
  for (const auto& r : Exec(tx, kLockOf, ArrayLiteral(ci_ids))) out.push_back(RelationshipFromRow(r));
  return out;
}

std::vector<std::string> FindRelationships(Tx& tx, const std::vector<RelationshipKey>& keys) {
  std::vector<std::string> out;
  if (keys.empty()) return out;
  std::vector<std::string> sources, types, targets;
  for (const auto& k : keys) {
    sources.push_back(k.source_id);
    types.push_back(k.type);
    targets.push_back(k.target_id);
  }
  for (const auto& r : Exec(tx, kFind, ArrayLiteral(sources), ArrayLiteral(types), ArrayLiteral(targets))) {
    out.push_back(r[0].as<std::string>());
  }
  return out;
}

void InsertRelationships(Tx& tx, std::vector<Relationship>& rels) {
  if (rels.empty()) return;
  for (auto& r : rels) {
    r.version = 1;
    r.created_at = r.updated_at = tx.now();
  }
  Exec(tx, kInsert, RecordJson(rels), tx.ChangesetId());
}

void UpdateRelationships(Tx& tx, std::vector<Relationship>& rels, std::string_view operation) {
  if (rels.empty()) return;
  for (auto& r : rels) r.updated_at = tx.now();
  Exec(tx, kUpdate, RecordJson(rels), tx.ChangesetId(), std::string(operation));
}

void DeleteRelationships(Tx& tx, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  Exec(tx, kDelete, ArrayLiteral(ids), tx.ChangesetId());
}

absl::StatusOr<RelationshipPage> ListRelationships(Tx& tx, const RelationshipListQuery& q) {
  SqlParams params;
  const bool as_of = q.as_of.has_value();
  std::string sql;
  const std::string id_col = as_of ? "r.rel_id" : "r.id";
  if (as_of) {
    const std::string t = params.Add(ToSqlTimestamp(*q.as_of)) + "::timestamptz";
    sql = StrCat("SELECT ", CMDB_REL_VERSION_COLUMNS, " FROM relationship_version r ",
                       "LEFT JOIN ci_version s ON s.ci_id = r.source_id AND s.valid_from <= ", t, " AND ", t,
                       " < s.valid_to LEFT JOIN ci_version t ON t.ci_id = r.target_id AND t.valid_from <= ", t,
                       " AND ", t, " < t.valid_to WHERE r.valid_from <= ", t, " AND ", t, " < r.valid_to");
  } else {
    sql = StrCat("SELECT ", CMDB_REL_COLUMNS, CMDB_REL_LIVE_FROM, " WHERE TRUE");
  }
  if (!q.ci_id.empty()) {
    const std::string p = params.Add(q.ci_id) + "::uuid";
    switch (q.direction) {
      case RelDirection::kOutgoing: StrAppend(&sql, " AND r.source_id = ", p); break;
      case RelDirection::kIncoming: StrAppend(&sql, " AND r.target_id = ", p); break;
      case RelDirection::kBoth: StrAppend(&sql, " AND (r.source_id = ", p, " OR r.target_id = ", p, ")"); break;
    }
  }
  if (!q.type.empty()) StrAppend(&sql, " AND r.type = ", params.Add(q.type));

  const std::string fingerprint = RequestFingerprint(
      {q.ci_id, std::to_string(static_cast<int>(q.direction)), q.type, as_of ? std::to_string(*q.as_of) : ""});
  if (!q.page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json token, DecodePageToken(q.page_token));
    if (TokenString(token, "f") != fingerprint || !token.contains("i") || !token["i"].is_string() ||
        !IsUuid(token["i"].get<std::string>())) {
      return FieldError("page_token", "does not belong to this query");
    }
    StrAppend(&sql, " AND ", id_col, " > ", params.Add(token["i"].get<std::string>()), "::uuid");
  }
  StrAppend(&sql, " ORDER BY ", id_col, " LIMIT ", q.page_size + 1);
  pqxx::result rows = Sql(tx).exec_params(sql, pqxx::prepare::make_dynamic_params(params.values()));
  RelationshipPage page;
  for (const auto& r : rows) {
    if (static_cast<int>(page.relationships.size()) == q.page_size) {
      page.next_page_token = EncodePageToken({{"f", fingerprint}, {"i", page.relationships.back().id}});
      break;
    }
    page.relationships.push_back(RelationshipFromRow(r));
  }
  return page;
}

}  // namespace cmdb::db
