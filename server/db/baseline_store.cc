#include "db/baseline_store.h"

#include <algorithm>
#include <set>

#include "core/status.h"
#include "core/strings.h"
#include "core/time.h"
#include "db/ci_filter.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

const Statement kInsert{"baseline_insert",
                        "INSERT INTO baseline (name, description, filter, as_of, cis, relationships, created_by) "
                        "VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7) ON CONFLICT (name) DO NOTHING"};
#define CMDB_BASELINE_COLUMNS \
  "name, description, filter, epoch_us(as_of), cis, relationships, epoch_us(created_at), created_by"
const Statement kGet{"baseline_get", "SELECT " CMDB_BASELINE_COLUMNS " FROM baseline WHERE name = $1"};
const Statement kList{"baseline_list", "SELECT " CMDB_BASELINE_COLUMNS " FROM baseline ORDER BY name"};
const Statement kDelete{"baseline_delete", "DELETE FROM baseline WHERE name = $1"};
const Statement kNow{"baseline_now", "SELECT epoch_us(clock_timestamp())"};
const Statement kChangesets{"baseline_changesets",
                            "SELECT id, coalesce(seq, 0), actor, source, comment, external_ref, epoch_us(created_at) "
                            "FROM changeset WHERE id = ANY($1::bigint[]) ORDER BY id"};

Baseline BaselineFromRow(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int64_t>(),
          r[4].as<int64_t>(),     r[5].as<int64_t>(),     r[6].as<int64_t>(),     r[7].as<std::string>()};
}

ChangesetInfo ChangesetFromRow(const pqxx::row& r) {
  return {r[0].as<int64_t>(),     r[1].as<int64_t>(),     r[2].as<std::string>(), r[3].as<std::string>(),
          r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<int64_t>()};
}

// A version's fields as one flat JSON object ("name", ..., "attributes.x"),
// so that two versions diff key by key.
#define CMDB_CI_DOC                                                                                            \
  "jsonb_build_object('name', v.name, 'class', v.class_name, 'status', v.status, 'owner', v.owner, "           \
  "'criticality', v.criticality, 'parent_id', v.parent_id) || coalesce((SELECT jsonb_object_agg('attributes.' " \
  "|| e.key, e.value) FROM jsonb_each(v.attributes) e), '{}'::jsonb)"
#define CMDB_REL_DOC                                                                                          \
  "jsonb_build_object('type', r.type, 'source_id', r.source_id, 'target_id', r.target_id) || "                \
  "coalesce((SELECT jsonb_object_agg('attributes.' || e.key, e.value) FROM jsonb_each(r.attributes) e), "     \
  "'{}'::jsonb)"

// The diff of two sides x and y (columns id, version, doc), as a column.
#define CMDB_FIELDS_DIFF                                                                                     \
  "CASE WHEN x.id IS NOT NULL AND y.id IS NOT NULL THEN (SELECT coalesce(jsonb_agg(jsonb_build_object("      \
  "'field', k, 'before', x.doc -> k, 'after', y.doc -> k) ORDER BY k), '[]'::jsonb) FROM (SELECT "           \
  "jsonb_object_keys(x.doc) UNION SELECT jsonb_object_keys(y.doc)) keys(k) WHERE (x.doc -> k) IS DISTINCT " \
  "FROM (y.doc -> k)) ELSE '[]'::jsonb END"
#define CMDB_CHANGE_KIND "CASE WHEN x.id IS NULL THEN 'added' WHEN y.id IS NULL THEN 'removed' ELSE 'changed' END"

struct Sides {
  std::string ctes;    // "WITH x AS (...), y AS (...), rx AS (...), ry AS (...)"
  std::string lo, hi;  // the period between the two times, as placeholders (AddPeriod)
};

// Every placeholder must appear in the statement, so the period's are added
// only where it is used.
void AddPeriod(Sides& sides, const BaselineScope& from, const BaselineScope& to, SqlParams& sql) {
  sides.lo = sql.Add(ToSqlTimestamp(std::min(from.at, to.at))) + "::timestamptz";
  sides.hi = sql.Add(ToSqlTimestamp(std::max(from.at, to.at))) + "::timestamptz";
}

// The CIs (x, y) and relationships (rx, ry) of both sides as CTEs.
absl::StatusOr<Sides> BuildSides(const Catalog& catalog, const BaselineScope& from, const BaselineScope& to,
                                 SqlParams& sql) {
  Sides sides;
  std::string ctes = "WITH ";
  const char* names[2][2] = {{"x", "rx"}, {"y", "ry"}};
  const BaselineScope* scopes[2] = {&from, &to};
  for (int i = 0; i < 2; ++i) {
    auto where = CompileCiFilter(scopes[i]->filter, catalog, CiSqlColumns::Version(), sql);
    if (!where.ok()) return where.status();
    const std::string t = sql.Add(ToSqlTimestamp(scopes[i]->at)) + "::timestamptz";
    StrAppend(&ctes, i == 0 ? "" : ", ", names[i][0],
              " AS MATERIALIZED (SELECT v.ci_id AS id, v.version, v.name, v.class_name, " CMDB_CI_DOC
              " AS doc FROM ci_version v WHERE v.valid_from <= ",
              t, " AND ", t, " < v.valid_to AND (", *where, ")), ", names[i][1],
              " AS MATERIALIZED (SELECT r.rel_id AS id, r.version, r.type, r.source_id, r.target_id, " CMDB_REL_DOC
              " AS doc FROM relationship_version r WHERE r.valid_from <= ",
              t, " AND ", t, " < r.valid_to AND (r.source_id IN (SELECT id FROM ", names[i][0],
              ") OR r.target_id IN (SELECT id FROM ", names[i][0], ")))");
  }
  sides.ctes = std::move(ctes);
  return sides;
}

std::vector<int64_t> ParseIds(const std::string& list) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    out.push_back(std::stoll(list.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::vector<FieldDiff> ParseFields(const std::string& text) {
  std::vector<FieldDiff> out;
  for (const Json& f : Json::parse(text)) out.push_back({f["field"].get<std::string>(), f["before"], f["after"]});
  return out;
}

pqxx::result Run(Tx& tx, const std::string& statement, const SqlParams& sql) {
  return Sql(tx).exec_params(statement, pqxx::prepare::make_dynamic_params(sql.values()));
}

}  // namespace

absl::StatusOr<std::pair<int64_t, int64_t>> CountBaselineScope(Tx& tx, const Catalog& catalog,
                                                               const BaselineScope& scope) {
  SqlParams sql;
  CMDB_ASSIGN_OR_RETURN(Sides sides, BuildSides(catalog, scope, scope, sql));
  pqxx::result r = Run(tx, StrCat(sides.ctes, " SELECT (SELECT count(*) FROM x), (SELECT count(*) FROM rx)"), sql);
  return std::make_pair(r[0][0].as<int64_t>(), r[0][1].as<int64_t>());
}

Micros DatabaseTime(Tx& tx) { return Exec(tx, kNow)[0][0].as<int64_t>(); }

bool InsertBaseline(Tx& tx, const Baseline& b) {
  return Exec(tx, kInsert, b.name, b.description, b.filter, ToSqlTimestamp(b.as_of), b.cis, b.relationships,
              tx.context().actor)
             .affected_rows() > 0;
}

std::optional<Baseline> GetBaseline(Tx& tx, const std::string& name) {
  pqxx::result r = Exec(tx, kGet, name);
  if (r.empty()) return std::nullopt;
  return BaselineFromRow(r[0]);
}

std::vector<Baseline> ListBaselines(Tx& tx) {
  std::vector<Baseline> out;
  for (const auto& r : Exec(tx, kList)) out.push_back(BaselineFromRow(r));
  return out;
}

bool DeleteBaseline(Tx& tx, const std::string& name) { return Exec(tx, kDelete, name).affected_rows() > 0; }

absl::StatusOr<BaselineComparison> CompareScopes(Tx& tx, const Catalog& catalog, const BaselineScope& from,
                                                 const BaselineScope& to, int limit) {
  BaselineComparison out;
  std::set<int64_t> changesets;
  // CIs, then relationships: the same diff over different sides.
  for (const bool cis : {true, false}) {
    SqlParams sql;
    CMDB_ASSIGN_OR_RETURN(Sides sides, BuildSides(catalog, from, to, sql));
    AddPeriod(sides, from, to, sql);
    const std::string n = sql.Add(std::to_string(limit)) + "::bigint";
    const std::string x = cis ? "x" : "rx";
    const std::string y = cis ? "y" : "ry";
    const std::string versions =
        cis ? "SELECT v.changeset_id FROM ci_version v WHERE v.ci_id = l.id"
            : "SELECT v.changeset_id FROM relationship_version v WHERE v.rel_id = l.id";
    const std::string named =
        cis ? "SELECT d.*, '' AS source_id, '' AS target_id FROM d"
            : "SELECT d.id, d.change, coalesce(s.name, d.source_id::text) || ' ' || d.type || ' ' || "
              "coalesce(t.name, d.target_id::text) AS name, d.type AS class_name, d.fields, d.source_id::text, "
              "d.target_id::text FROM d LEFT JOIN ci s ON s.id = d.source_id LEFT JOIN ci t ON t.id = d.target_id";
    const std::string statement = StrCat(
        sides.ctes, ", d AS (SELECT coalesce(y.id, x.id) AS id, " CMDB_CHANGE_KIND " AS change, ",
        cis ? "coalesce(y.name, x.name) AS name, coalesce(y.class_name, x.class_name) AS class_name, "
            : "coalesce(y.type, x.type) AS type, coalesce(y.source_id, x.source_id) AS source_id, "
              "coalesce(y.target_id, x.target_id) AS target_id, ",
        CMDB_FIELDS_DIFF " AS fields FROM ", x, " x FULL JOIN ", y, " y ON x.id = y.id "
        "WHERE x.id IS NULL OR y.id IS NULL OR x.version <> y.version), ",
        "named AS (", named, "), ",
        "l AS (SELECT named.*, count(*) OVER () AS total FROM named WHERE change <> 'changed' OR fields <> '[]' "
        "ORDER BY name COLLATE \"C\", id LIMIT ", n, ") ",
        "SELECT l.id::text, l.change, l.name, l.class_name, l.fields::text, l.source_id, l.target_id, l.total, "
        "coalesce((SELECT string_agg(c::text, ',' ORDER BY c) FROM (SELECT DISTINCT changeset_id AS c FROM (",
        versions, " AND v.valid_from > ", sides.lo, " AND v.valid_from <= ", sides.hi,
        ") w) u), '') FROM l ORDER BY l.name COLLATE \"C\", l.id");
    auto& list = cis ? out.cis : out.relationships;
    for (const auto& r : Run(tx, statement, sql)) {
      ConfigurationDiff diff;
      diff.id = r[0].as<std::string>();
      diff.change = r[1].as<std::string>();
      diff.name = r[2].as<std::string>();
      diff.class_name = r[3].as<std::string>();
      diff.fields = ParseFields(r[4].as<std::string>());
      diff.source_id = r[5].as<std::string>();
      diff.target_id = r[6].as<std::string>();
      (cis ? out.cis_total : out.relationships_total) = r[7].as<int64_t>();
      diff.changesets = ParseIds(r[8].as<std::string>());
      changesets.insert(diff.changesets.begin(), diff.changesets.end());
      list.push_back(std::move(diff));
    }
  }
  if (!changesets.empty()) {
    std::vector<std::string> ids;
    for (int64_t id : changesets) ids.push_back(std::to_string(id));
    for (const auto& r : Exec(tx, kChangesets, ArrayLiteral(ids))) out.changesets.push_back(ChangesetFromRow(r));
  }
  // Every change of the period to either side's CIs or relationships
  // without a ticket, also those a later change undid.
  SqlParams sql;
  CMDB_ASSIGN_OR_RETURN(Sides sides, BuildSides(catalog, from, to, sql));
  AddPeriod(sides, from, to, sql);
  const std::string n = sql.Add(std::to_string(limit)) + "::bigint";
  const std::string statement = StrCat(
      sides.ctes,
      " SELECT cs.id, coalesce(cs.seq, 0), cs.actor, cs.source, cs.comment, cs.external_ref, epoch_us(cs.created_at) "
      "FROM changeset cs WHERE cs.external_ref = '' AND cs.created_at > ", sides.lo, " AND cs.created_at <= ",
      sides.hi,
      " AND (EXISTS (SELECT 1 FROM ci_version v WHERE v.changeset_id = cs.id AND (v.ci_id IN (SELECT id FROM x) "
      "OR v.ci_id IN (SELECT id FROM y))) OR EXISTS (SELECT 1 FROM relationship_version v WHERE v.changeset_id = "
      "cs.id AND (v.rel_id IN (SELECT id FROM rx) OR v.rel_id IN (SELECT id FROM ry)))) ORDER BY cs.id LIMIT ",
      n);
  for (const auto& r : Run(tx, statement, sql)) out.unauthorised.push_back(ChangesetFromRow(r));
  return out;
}

}  // namespace cmdb::db
