#include "db/stream_store.h"

#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

const Statement kStage{"stream_stage",
                       "INSERT INTO reconcile_stage (stage_id, seq, chunk, item_refs, relations) "
                       "VALUES ($1::uuid, $2, $3, $4::text[], $5)"};
const Statement kStagedSizes{"stream_staged_sizes",
                             "SELECT cardinality(item_refs), relations FROM reconcile_stage "
                             "WHERE stage_id = $1::uuid ORDER BY seq"};
const Statement kReadStaged{"stream_read_staged",
                            "SELECT chunk FROM reconcile_stage WHERE stage_id = $1::uuid AND seq = $2"};
const Statement kDropStage{"stream_drop_stage", "DELETE FROM reconcile_stage WHERE stage_id = $1::uuid"};
const Statement kDropStagesOlderThan{
    "stream_drop_stages_older_than",
    "WITH gone AS (DELETE FROM reconcile_stage WHERE stage_id IN "
    "  (SELECT stage_id FROM reconcile_stage GROUP BY stage_id "
    "   HAVING max(staged_at) <= now() - $1::bigint * interval '1 microsecond') "
    "  RETURNING 1) SELECT count(*) FROM gone"};

// The working tables exist only inside the stream's transaction, so the
// statements on them are not prepared (a prepared statement needs its
// tables when it is prepared, on every pooled connection).
constexpr char kCreateTables[] =
    "CREATE TEMPORARY TABLE stream_item ("
    "  position bigint PRIMARY KEY, ref text UNIQUE, ci_id uuid, done boolean NOT NULL DEFAULT false"
    ") ON COMMIT DROP; "
    "CREATE INDEX ON stream_item (ci_id); "
    "CREATE TEMPORARY TABLE stream_relationship (id uuid PRIMARY KEY) ON COMMIT DROP; "
    "CREATE TEMPORARY TABLE stream_exclusive ("
    "  index bigint PRIMARY KEY, end_id uuid NOT NULL, type text NOT NULL, at_from boolean NOT NULL"
    ") ON COMMIT DROP";
// Rows go in in stream order, so of two items with one ref the earlier
// keeps it and the later is the one reported.
constexpr char kAddStagedRefs[] =
    "WITH c AS (SELECT seq, item_refs, "
    "                  sum(cardinality(item_refs)) OVER (ORDER BY seq) - cardinality(item_refs) AS first "
    "           FROM reconcile_stage WHERE stage_id = $1::uuid), "
    "r AS (SELECT c.first + o.n - 1 AS position, o.ref FROM c, unnest(c.item_refs) WITH ORDINALITY AS o(ref, n) "
    "      WHERE o.ref <> ''), "
    "added AS (INSERT INTO pg_temp.stream_item (position, ref) SELECT position, ref FROM r ORDER BY position "
    "          ON CONFLICT (ref) DO NOTHING RETURNING position) "
    "SELECT position, ref FROM r WHERE position NOT IN (SELECT position FROM added) ORDER BY position LIMIT 1";
constexpr char kFindRefs[] =
    "SELECT ref, position, done, coalesce(ci_id::text, '') FROM pg_temp.stream_item WHERE ref = ANY($1::text[])";
constexpr char kMarkItems[] =
    "INSERT INTO pg_temp.stream_item AS s (position, ref, ci_id, done) "
    "  SELECT p, nullif(r, ''), nullif(c, '')::uuid, true FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(p, r, c) "
    "  WHERE r <> '' OR c <> '' "
    "ON CONFLICT (position) DO UPDATE SET ci_id = EXCLUDED.ci_id, done = true";
constexpr char kHolding[] =
    "SELECT ci_id::text, coalesce(ref, '') FROM pg_temp.stream_item WHERE ci_id = ANY($1::uuid[])";
constexpr char kAddRelationships[] =
    "INSERT INTO pg_temp.stream_relationship SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING";
constexpr char kRelationshipsAmong[] =
    "SELECT id::text FROM pg_temp.stream_relationship WHERE id = ANY($1::uuid[])";
constexpr char kAddExclusives[] =
    "INSERT INTO pg_temp.stream_exclusive SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::boolean[])";
constexpr char kNextExclusives[] =
    "SELECT index, end_id::text, type, at_from FROM pg_temp.stream_exclusive WHERE index > $1 ORDER BY index LIMIT $2";

std::string Int64Array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

}  // namespace

void StageChunk(Tx& tx, const std::string& stage_id, int seq, const std::string& bytes,
                const std::vector<std::string>& item_refs, int64_t relations) {
  Exec(tx, kStage, stage_id, seq, pqxx::binarystring(bytes), ArrayLiteral(item_refs), relations);
}

std::optional<std::string> ReadStagedChunk(Tx& tx, const std::string& stage_id, int seq) {
  pqxx::result r = Exec(tx, kReadStaged, stage_id, seq);
  if (r.empty()) return std::nullopt;
  return pqxx::binarystring(r[0][0]).str();
}

void DropStage(Tx& tx, const std::string& stage_id) { Exec(tx, kDropStage, stage_id); }

int64_t DropStagesOlderThan(Tx& tx, Micros age) {
  return Exec(tx, kDropStagesOlderThan, age)[0][0].as<int64_t>();
}

void CreateStreamTables(Tx& tx) { Sql(tx).exec(kCreateTables); }

std::vector<StagedChunkSize> StagedChunkSizes(Tx& tx, const std::string& stage_id) {
  std::vector<StagedChunkSize> out;
  for (const auto& r : Exec(tx, kStagedSizes, stage_id)) {
    out.push_back({r[0].is_null() ? 0 : r[0].as<int64_t>(), r[1].as<int64_t>()});
  }
  return out;
}

std::optional<std::pair<int64_t, std::string>> AddStagedRefs(Tx& tx, const std::string& stage_id) {
  pqxx::result r = Sql(tx).exec_params(kAddStagedRefs, stage_id);
  if (r.empty()) return std::nullopt;
  return std::make_pair(r[0][0].as<int64_t>(), r[0][1].as<std::string>());
}

std::unordered_map<std::string, StreamRef> FindStreamRefs(Tx& tx, const std::vector<std::string>& refs) {
  std::unordered_map<std::string, StreamRef> out;
  if (refs.empty()) return out;
  for (const auto& row : Sql(tx).exec_params(kFindRefs, ArrayLiteral(refs))) {
    out.emplace(row[0].as<std::string>(),
                StreamRef{row[1].as<int64_t>(), row[2].as<bool>(), row[3].as<std::string>()});
  }
  return out;
}

void MarkStreamItems(Tx& tx, const std::vector<int64_t>& positions, const std::vector<std::string>& refs,
                     const std::vector<std::string>& ci_ids) {
  if (positions.empty()) return;
  Sql(tx).exec_params(kMarkItems, Int64Array(positions), ArrayLiteral(refs), ArrayLiteral(ci_ids));
}

std::unordered_map<std::string, std::string> StreamItemsHolding(Tx& tx, const std::vector<std::string>& ci_ids) {
  std::unordered_map<std::string, std::string> out;
  if (ci_ids.empty()) return out;
  for (const auto& row : Sql(tx).exec_params(kHolding, ArrayLiteral(ci_ids))) {
    out.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
}

void AddStreamRelationships(Tx& tx, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  Sql(tx).exec_params(kAddRelationships, ArrayLiteral(ids));
}

std::unordered_set<std::string> StreamRelationshipsAmong(Tx& tx, const std::vector<std::string>& ids) {
  std::unordered_set<std::string> out;
  if (ids.empty()) return out;
  for (const auto& row : Sql(tx).exec_params(kRelationshipsAmong, ArrayLiteral(ids))) {
    out.insert(row[0].as<std::string>());
  }
  return out;
}

void AddStreamExclusives(Tx& tx, const std::vector<ExclusiveEnd>& ends) {
  if (ends.empty()) return;
  std::vector<int64_t> index;
  std::vector<std::string> end_ids, types, at_from;
  for (const auto& e : ends) {
    index.push_back(e.index);
    end_ids.push_back(e.end_id);
    types.push_back(e.type);
    at_from.push_back(e.at_from ? "t" : "f");
  }
  Sql(tx).exec_params(kAddExclusives, Int64Array(index), ArrayLiteral(end_ids), ArrayLiteral(types),
                      ArrayLiteral(at_from));
}

std::vector<ExclusiveEnd> NextStreamExclusives(Tx& tx, int64_t after, int limit) {
  std::vector<ExclusiveEnd> out;
  for (const auto& row : Sql(tx).exec_params(kNextExclusives, after, limit)) {
    out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<bool>()});
  }
  return out;
}

}  // namespace cmdb::db
