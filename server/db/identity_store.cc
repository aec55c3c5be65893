#include "db/identity_store.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/strings.h"
#include "core/time.h"
#include "db/rows.h"
#include "db/sql_util.h"
#include "db/stream_store.h"
#include "db/sql.h"

namespace cmdb::db {
namespace {

// The two-key form of advisory locks: its own key space, apart from the
// single-key locks taken elsewhere.
constexpr int kStripeLockSpace = 727;

const Statement kLockStripes{
    "identity_lock_stripes",
    "SELECT count(pg_advisory_xact_lock(727, s)) "
    "FROM (SELECT s FROM unnest($1::int[]) AS s ORDER BY s OFFSET 0) AS sorted"};
const Statement kFindIdentifiers{
    "identity_find",
    "SELECT i.kind, i.value, i.ci_id::text FROM unnest($1::text[], $2::text[]) AS k(kind, value) "
    "JOIN ci_identifier i ON i.kind = k.kind AND i.value = k.value"};
const Statement kAddSourceKeys{
    "identity_add_source_keys",
    "INSERT INTO ci_identifier (kind, value, ci_id) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[]) ON CONFLICT DO NOTHING"};
const Statement kCompareCis{
    "identity_compare_cis",
    "SELECT c.id::text, c.class_name, c.name, c.status, c.owner, c.criticality, coalesce(c.parent_id::text, ''), "
    "       c.version, c.attributes @> p.present AND CASE WHEN p.absent IS NULL THEN true "
    "         ELSE NOT c.attributes ?| ARRAY(SELECT jsonb_array_elements_text(p.absent)) END "
    "FROM jsonb_to_recordset($1::jsonb) AS p(id uuid, present jsonb, absent jsonb) JOIN ci c ON c.id = p.id"};
const Statement kCiClasses{"identity_ci_classes",
                           "SELECT id::text, class_name FROM ci WHERE id = ANY($1::uuid[]) AND merged_into IS NULL"};

#define CMDB_SOURCE_COLUMNS                                                                       \
  "s.name, s.stale_after_runs, (extract(epoch FROM s.stale_after) * 1000000)::bigint, s.runs, " \
  "epoch_us(s.last_run_at)"
const Statement kEnsureSource{"identity_ensure_source",
                              "INSERT INTO source (name) VALUES ($1) ON CONFLICT DO NOTHING"};
const Statement kGetSource{"identity_get_source", "SELECT " CMDB_SOURCE_COLUMNS " FROM source s WHERE s.name = $1"};
const Statement kListSources{
    "identity_list_sources",
    "SELECT " CMDB_SOURCE_COLUMNS ", "
    "(SELECT count(*) FROM ci_source cs WHERE cs.source = s.name), "
    "(SELECT count(*) FROM ci_source cs WHERE cs.source = s.name AND cs.stale) "
    "FROM source s ORDER BY s.name"};
const Statement kSetPolicy{
    "identity_set_policy",
    "INSERT INTO source (name, stale_after_runs, stale_after) "
    "VALUES ($1, $2, $3::bigint * interval '1 microsecond') "
    "ON CONFLICT (name) DO UPDATE SET stale_after_runs = EXCLUDED.stale_after_runs, "
    "stale_after = EXCLUDED.stale_after"};

const Statement kReadSightings{
    "identity_read_sightings",
    "SELECT ci_id::text, missed_runs > 0 OR stale "
    "       OR last_seen < $4::timestamptz - $3::bigint * interval '1 microsecond' "
    "FROM ci_source WHERE source = $1 AND ci_id = ANY($2::uuid[])"};
const Statement kInsertSightings{
    "identity_insert_sightings",
    "INSERT INTO ci_source (ci_id, source, first_seen, last_seen) "
    "SELECT id, $1, $3::timestamptz, $3::timestamptz FROM unnest($2::uuid[]) AS id ON CONFLICT DO NOTHING"};
const Statement kRefreshSightings{
    "identity_refresh_sightings",
    "UPDATE ci_source SET last_seen = $3::timestamptz, missed_runs = 0, stale = false "
    "WHERE source = $1 AND ci_id = ANY($2::uuid[])"};
const Statement kRecordDrift{
    "identity_record_drift",
    "WITH fresh AS (SELECT x.ci_id::uuid AS ci_id, x.field, x.reported, x.at::timestamptz AS at "
    "               FROM jsonb_to_recordset($3::jsonb) AS x(ci_id text, field text, reported jsonb, at text)), "
    "gone AS (DELETE FROM ci_drift d WHERE d.source = $1 AND d.ci_id = ANY($2::uuid[]) "
    "         AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.ci_id = d.ci_id AND f.field = d.field)) "
    "INSERT INTO ci_drift (ci_id, source, field, reported, reported_at) "
    "SELECT ci_id, $1, field, reported, at FROM fresh "
    "ON CONFLICT (ci_id, source, field) DO UPDATE SET reported = EXCLUDED.reported, reported_at = EXCLUDED.reported_at"};
const Statement kClearStale{
    "identity_clear_stale",
    "UPDATE ci SET stale = false, stale_since = NULL WHERE id = ANY($1::uuid[]) AND stale "
    "AND NOT EXISTS (SELECT 1 FROM ci_source s WHERE s.ci_id = ci.id AND s.stale)"};
// Ends a complete run whose sightings are what SEEN selects.
#define CMDB_END_RUN_SQL(SEEN)                                                                 \
  "WITH seen(id) AS (" SEEN "), "                                                              \
  "missed AS (UPDATE ci_source cs SET missed_runs = cs.missed_runs + 1, "                      \
  "             stale = (s.stale_after_runs > 0 AND cs.missed_runs + 1 >= s.stale_after_runs) " \
  "                  OR (s.stale_after IS NOT NULL AND $3::timestamptz - cs.last_seen >= s.stale_after) " \
  "           FROM source s "                                                                  \
  "           WHERE s.name = $1 AND cs.source = $1 AND NOT cs.stale "                          \
  "             AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.id = cs.ci_id) "                 \
  "           RETURNING cs.ci_id, cs.stale), "                                                 \
  "marked AS (UPDATE ci SET stale = true, stale_since = $3::timestamptz FROM missed m "        \
  "           WHERE ci.id = m.ci_id AND m.stale AND NOT ci.stale RETURNING ci.id), "           \
  "counted AS (UPDATE source SET runs = runs + 1, last_run_at = $3::timestamptz WHERE name = $1) " \
  "SELECT count(*) FROM marked"
const Statement kEndRun{"identity_end_run", CMDB_END_RUN_SQL("SELECT unnest($2::uuid[])")};
// A stream's sightings are the CIs of its working table (db/stream_store.h)
// and $2's; the table exists only inside the stream's transaction, so the
// statement is not prepared.
const char kEndStreamRun[] = CMDB_END_RUN_SQL(
    "SELECT ci_id FROM pg_temp.stream_item WHERE ci_id IS NOT NULL UNION ALL SELECT unnest($2::uuid[])");
#undef CMDB_END_RUN_SQL
const Statement kNoteRun{"identity_note_run", "UPDATE source SET last_run_at = $2::timestamptz WHERE name = $1"};
const Statement kSweepStale{
    "identity_sweep_stale",
    "WITH aged AS (UPDATE ci_source cs SET stale = true FROM source s "
    "              WHERE s.stale_after IS NOT NULL AND cs.source = s.name AND NOT cs.stale "
    "                AND cs.last_seen <= $1::timestamptz - s.stale_after RETURNING cs.ci_id), "
    "marked AS (UPDATE ci SET stale = true, stale_since = $1::timestamptz FROM (SELECT DISTINCT ci_id FROM aged) a "
    "           WHERE ci.id = a.ci_id AND NOT ci.stale RETURNING ci.id) "
    "SELECT count(*) FROM marked"};

const Statement kRecordDuplicate{
    "identity_record_duplicate",
    "INSERT INTO duplicate_candidate (kind, value, ci_ids, detected_by) VALUES ($1, $2, $3::uuid[], $4) "
    "ON CONFLICT (kind, value) DO UPDATE SET "
    "ci_ids = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(duplicate_candidate.ci_ids || EXCLUDED.ci_ids) x), "
    "detected_at = now(), detected_by = EXCLUDED.detected_by"};
const Statement kScanDuplicates{
    "identity_scan_duplicates",
    "WITH shared AS (SELECT kind, value, array_agg(ci_id ORDER BY ci_id) AS ids FROM ci_identifier "
    "                GROUP BY kind, value HAVING count(*) > 1), "
    "up AS (INSERT INTO duplicate_candidate (kind, value, ci_ids, detected_by) "
    "       SELECT kind, value, ids, 'scan' FROM shared "
    "       ON CONFLICT (kind, value) DO UPDATE SET ci_ids = EXCLUDED.ci_ids, detected_at = now(), "
    "       detected_by = 'scan' RETURNING 1) "
    "SELECT count(*) FROM up"};
// A candidate counts while two or more live, unmerged CIs still hold the identifier.
const Statement kListDuplicates{
    "identity_list_duplicates",
    "SELECT d.kind, d.value, array_agg(c.id::text ORDER BY c.id), array_agg(c.name ORDER BY c.id), "
    "       epoch_us(d.detected_at), d.detected_by "
    "FROM duplicate_candidate d "
    "JOIN ci c ON c.id = ANY(d.ci_ids) AND c.merged_into IS NULL "
    "JOIN ci_identifier i ON i.ci_id = c.id AND i.kind = d.kind AND i.value = d.value "
    "WHERE (d.kind, d.value) > ($1, $2) "
    "GROUP BY d.kind, d.value, d.detected_at, d.detected_by HAVING count(*) > 1 "
    "ORDER BY d.kind, d.value LIMIT $3"};

const Statement kMoveSourceKeys{
    "identity_move_source_keys",
    "WITH moved AS (DELETE FROM ci_identifier WHERE ci_id = $2::uuid AND kind LIKE 'source:%' "
    "               RETURNING kind, value) "
    "INSERT INTO ci_identifier (kind, value, ci_id) SELECT kind, value, $1::uuid FROM moved "
    "ON CONFLICT DO NOTHING"};
const Statement kMoveSightings{
    "identity_move_sightings",
    "WITH moved AS (DELETE FROM ci_source WHERE ci_id = $2::uuid RETURNING *) "
    "INSERT INTO ci_source (ci_id, source, first_seen, last_seen, missed_runs, stale) "
    "SELECT $1::uuid, source, first_seen, last_seen, missed_runs, stale FROM moved "
    "ON CONFLICT (ci_id, source) DO UPDATE SET "
    "first_seen = least(ci_source.first_seen, EXCLUDED.first_seen), "
    "last_seen = greatest(ci_source.last_seen, EXCLUDED.last_seen), "
    "missed_runs = least(ci_source.missed_runs, EXCLUDED.missed_runs), "
    "stale = ci_source.stale AND EXCLUDED.stale"};
const Statement kForgetDuplicate{
    "identity_forget_duplicate",
    "WITH trimmed AS (UPDATE duplicate_candidate SET ci_ids = array_remove(ci_ids, $1::uuid) "
    "                 WHERE $1::uuid = ANY(ci_ids) RETURNING kind, value, ci_ids) "
    "DELETE FROM duplicate_candidate d USING trimmed t "
    "WHERE d.kind = t.kind AND d.value = t.value AND cardinality(t.ci_ids) < 2"};
const Statement kLockDependents{
    "identity_lock_dependents",
    "SELECT " CMDB_CI_COLUMNS " FROM ci c WHERE c.parent_id = $1::uuid ORDER BY c.id FOR UPDATE"};

SourcePolicy PolicyFromRow(const pqxx::row& r) {
  SourcePolicy p;
  p.name = r[0].as<std::string>();
  p.stale_after_runs = r[1].as<int>();
  if (!r[2].is_null()) p.stale_after = r[2].as<int64_t>();
  p.runs = r[3].as<int64_t>();
  if (!r[4].is_null()) p.last_run_at = r[4].as<int64_t>();
  return p;
}

}  // namespace

void LockIdentifierStripes(Tx& tx, std::vector<uint32_t> stripes) {
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  if (stripes.empty()) return;
  std::vector<std::string> text;
  text.reserve(stripes.size());
  for (uint32_t s : stripes) text.push_back(std::to_string(s));
  static_assert(kStripeLockSpace == 727, "kLockStripes names the lock space literally");
  Exec(tx, kLockStripes, ArrayLiteral(text));
}

std::vector<IdentifierMatch> FindIdentifiers(Tx& tx, const std::vector<IdentifierKey>& keys) {
  std::vector<IdentifierMatch> out;
  if (keys.empty()) return out;
  // In index order, so the probes walk the index instead of jumping about.
  std::set<std::pair<std::string_view, std::string_view>> sorted;
  for (const auto& k : keys) sorted.emplace(k.kind, k.value);
  std::vector<std::string> kinds, values;
  for (const auto& [kind, value] : sorted) {
    kinds.emplace_back(kind);
    values.emplace_back(value);
  }
  for (const auto& r : Exec(tx, kFindIdentifiers, ArrayLiteral(kinds), ArrayLiteral(values))) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
  }
  return out;
}

void AddSourceKeys(Tx& tx, const std::vector<IdentifierKey>& keys, const std::vector<std::string>& ci_ids) {
  if (keys.empty()) return;
  std::vector<std::string> kinds, values;
  for (const auto& k : keys) {
    kinds.push_back(k.kind);
    values.push_back(k.value);
  }
  Exec(tx, kAddSourceKeys, ArrayLiteral(kinds), ArrayLiteral(values), ArrayLiteral(ci_ids));
}

std::vector<CiSummary> CompareCis(Tx& tx, const std::vector<AttributeProbe>& probes) {
  std::vector<CiSummary> out;
  if (probes.empty()) return out;
  // In id order: ids grow with creation time, so neighbours share pages.
  std::vector<const AttributeProbe*> ordered;
  for (const auto& p : probes) ordered.push_back(&p);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->ci_id < b->ci_id; });
  Json rows = Json::array();
  for (const AttributeProbe* probe : ordered) {
    const AttributeProbe& p = *probe;
    Json row = {{"id", p.ci_id}, {"present", p.present}};
    if (!p.absent.empty()) row["absent"] = p.absent;  // usually none: the SQL skips the test
    rows.push_back(std::move(row));
  }
  for (const auto& r : Exec(tx, kCompareCis, rows.dump())) {
    CiSummary s;
    s.id = r[0].as<std::string>();
    s.class_name = r[1].as<std::string>();
    s.name = r[2].as<std::string>();
    s.status = r[3].as<std::string>();
    s.owner = r[4].as<std::string>();
    s.criticality = r[5].as<std::string>();
    s.parent_id = r[6].as<std::string>();
    s.version = r[7].as<int64_t>();
    s.attributes_agree = r[8].as<bool>();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> CiClasses(Tx& tx, const std::vector<std::string>& ids) {
  std::vector<std::pair<std::string, std::string>> out;
  if (ids.empty()) return out;
  for (const auto& r : Exec(tx, kCiClasses, ArrayLiteral(ids))) {
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
  }
  return out;
}

SourcePolicy EnsureSource(Tx& tx, const std::string& name) {
  Exec(tx, kEnsureSource, name);
  return PolicyFromRow(Exec(tx, kGetSource, name)[0]);
}

std::vector<SourcePolicy> ListSources(Tx& tx) {
  std::vector<SourcePolicy> out;
  for (const auto& r : Exec(tx, kListSources)) {
    SourcePolicy p = PolicyFromRow(r);
    p.ci_count = r[5].as<int64_t>();
    p.stale_count = r[6].as<int64_t>();
    out.push_back(std::move(p));
  }
  return out;
}

void SetSourcePolicy(Tx& tx, const SourcePolicy& policy) {
  Exec(tx, kSetPolicy, policy.name, policy.stale_after_runs,
          policy.stale_after ? std::optional<int64_t>(*policy.stale_after) : std::nullopt);
}

int64_t RecordSightings(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids, Micros refresh,
                        Micros now) {
  if (ci_ids.empty()) return 0;
  const std::string at = ToSqlTimestamp(now);
  std::unordered_set<std::string> known;
  std::vector<std::string> touch;
  for (const auto& r : Exec(tx, kReadSightings, source, ArrayLiteral(ci_ids), refresh, at)) {
    std::string id = r[0].as<std::string>();
    if (r[1].as<bool>()) touch.push_back(id);
    known.insert(std::move(id));
  }
  std::vector<std::string> fresh;
  for (const auto& id : ci_ids) {
    if (!known.contains(id)) fresh.push_back(id);
  }
  if (!fresh.empty()) Exec(tx, kInsertSightings, source, ArrayLiteral(fresh), at);
  if (!touch.empty()) {
    Exec(tx, kRefreshSightings, source, ArrayLiteral(touch), at);
    Exec(tx, kClearStale, ArrayLiteral(touch));
  }
  return static_cast<int64_t>(fresh.size() + touch.size());
}

void RecordDrift(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids,
                 const std::vector<ReportedDrift>& drift) {
  if (ci_ids.empty()) return;
  Json rows = Json::array();
  for (const ReportedDrift& d : drift) {
    rows.push_back({{"ci_id", d.ci_id},
                    {"field", d.field},
                    {"reported", d.reported.value_or(Json())},
                    {"at", ToSqlTimestamp(d.reported_at)}});
  }
  Exec(tx, kRecordDrift, source, ArrayLiteral(ci_ids), rows.dump());
}

int64_t EndCompleteRun(Tx& tx, const std::string& source, const std::vector<std::string>& seen, Micros now) {
  return Exec(tx, kEndRun, source, ArrayLiteral(seen), ToSqlTimestamp(now))[0][0].as<int64_t>();
}

int64_t EndCompleteStreamRun(Tx& tx, const std::string& source, Micros now) {
  return Sql(tx).exec_params(kEndStreamRun, source, "{}", ToSqlTimestamp(now))[0][0].as<int64_t>();
}

void NoteRun(Tx& tx, const std::string& source, Micros now) { Exec(tx, kNoteRun, source, ToSqlTimestamp(now)); }

int64_t SweepStaleByTime(Tx& tx, Micros now) {
  return Exec(tx, kSweepStale, ToSqlTimestamp(now))[0][0].as<int64_t>();
}

void RecordDuplicate(Tx& tx, const std::string& kind, const std::string& value, std::vector<std::string> ci_ids,
                     const std::string& detected_by) {
  std::sort(ci_ids.begin(), ci_ids.end());
  Exec(tx, kRecordDuplicate, kind, value, ArrayLiteral(ci_ids), detected_by);
}

int64_t ScanDuplicates(Tx& tx) { return Exec(tx, kScanDuplicates)[0][0].as<int64_t>(); }

std::vector<DuplicateRow> ListDuplicates(Tx& tx, const std::string& after_kind, const std::string& after_value,
                                         int limit) {
  std::vector<DuplicateRow> out;
  for (const auto& r : Exec(tx, kListDuplicates, after_kind, after_value, limit)) {
    DuplicateRow d;
    d.kind = r[0].as<std::string>();
    d.value = r[1].as<std::string>();
    d.ci_ids = ParseTextArray(r[2]);
    d.names = ParseTextArray(r[3]);
    d.detected_at = r[4].as<int64_t>();
    d.detected_by = r[5].as<std::string>();
    out.push_back(std::move(d));
  }
  return out;
}

void MoveIdentityToSurvivor(Tx& tx, const std::string& survivor, const std::string& duplicate) {
  Exec(tx, kMoveSourceKeys, survivor, duplicate);
  Exec(tx, kMoveSightings, survivor, duplicate);
  Exec(tx, kForgetDuplicate, duplicate);
}

std::vector<Ci> LockDependents(Tx& tx, const std::string& parent_id) {
  std::vector<Ci> out;
  for (const auto& r : Exec(tx, kLockDependents, parent_id)) out.push_back(CiFromRow(r));
  return out;
}

}  // namespace cmdb::db
