#include "db/feed_store.h"

#include "core/strings.h"
#include "core/status.h"
#include "core/uuid.h"
#include "db/rows.h"
#include "db/sql.h"

namespace cmdb::db {
namespace {

constexpr char kMinUuid[] = "00000000-0000-0000-0000-000000000000";

#define CMDB_CHANGESET_COLUMNS "id, seq, actor, source, comment, external_ref, epoch_us(created_at)"

const Statement kNextChangeset{
    "feed_next_changeset",
    "SELECT " CMDB_CHANGESET_COLUMNS " FROM changeset WHERE seq > $1 ORDER BY seq LIMIT 1"};
const Statement kChangesetBySeq{"feed_changeset_by_seq",
                                "SELECT " CMDB_CHANGESET_COLUMNS " FROM changeset WHERE seq = $1"};
const Statement kLatestSeq{"feed_latest_seq", "SELECT coalesce(max(seq), 0) FROM changeset"};
const Statement kCiChanges{
    "feed_ci_changes",
    "SELECT " CMDB_CI_VERSION_COLUMNS ", v.operation "
    "FROM ci_version v WHERE v.changeset_id = $1 AND (v.ci_id, v.version) > ($2::uuid, $3) "
    "ORDER BY v.ci_id, v.version LIMIT $4"};
// Endpoint names as they were when the relationship changed.
const Statement kRelChanges{
    "feed_rel_changes",
    "SELECT " CMDB_REL_VERSION_COLUMNS ", r.operation "
    "FROM relationship_version r "
    "LEFT JOIN ci_version s ON s.ci_id = r.source_id AND s.valid_from <= r.valid_from AND r.valid_from < s.valid_to "
    "LEFT JOIN ci_version t ON t.ci_id = r.target_id AND t.valid_from <= r.valid_from AND r.valid_from < t.valid_to "
    "WHERE r.changeset_id = $1 AND (r.rel_id, r.version) > ($2::uuid, $3) "
    "ORDER BY r.rel_id, r.version LIMIT $4"};

ChangesetInfo ChangesetFromRow(const pqxx::row& r) {
  ChangesetInfo cs;
  cs.id = r[0].as<int64_t>();
  cs.seq = r[1].as<int64_t>();
  cs.actor = r[2].as<std::string>();
  cs.source = r[3].as<std::string>();
  cs.comment = r[4].as<std::string>();
  cs.external_ref = r[5].as<std::string>();
  cs.time = r[6].as<int64_t>();
  return cs;
}

}  // namespace

FeedBatch ReadFeed(Tx& tx, const FeedPosition& after, int limit) {
  FeedBatch batch;
  std::vector<FeedEvent>& events = batch.events;
  FeedPosition pos = after;
  std::optional<ChangesetInfo> cs;
  while (static_cast<int>(events.size()) < limit) {
    if (pos.kind == FeedPosition::kEnd) {
      auto r = Exec(tx, kNextChangeset, pos.seq);
      if (r.empty()) break;
      cs = ChangesetFromRow(r[0]);
      pos = FeedPosition{cs->seq, FeedPosition::kCi, kMinUuid, 0};
    } else if (!cs) {
      auto r = Exec(tx, kChangesetBySeq, pos.seq);
      if (r.empty()) {  // not a changeset we know: continue after it
        pos = FeedPosition{pos.seq, FeedPosition::kEnd, "", 0};
        continue;
      }
      cs = ChangesetFromRow(r[0]);
    }
    const int want = limit - static_cast<int>(events.size());
    const std::string from_id = pos.entity_id.empty() ? kMinUuid : pos.entity_id;
    if (pos.kind == FeedPosition::kCi) {
      auto rows = Exec(tx, kCiChanges, cs->id, from_id, pos.version, want);
      for (const auto& r : rows) {
        FeedEvent e;
        Ci ci = CiFromRow(r);
        e.operation = r[kCiColumnCount].as<std::string>();
        e.position = FeedPosition{cs->seq, FeedPosition::kCi, ci.id, ci.version};
        e.changeset = *cs;
        e.ci = std::move(ci);
        events.push_back(std::move(e));
      }
      pos = static_cast<int>(rows.size()) < want ? FeedPosition{cs->seq, FeedPosition::kRelationship, kMinUuid, 0}
                                                 : events.back().position;
    } else {
      auto rows = Exec(tx, kRelChanges, cs->id, from_id, pos.version, want);
      for (const auto& r : rows) {
        FeedEvent e;
        Relationship rel = RelationshipFromRow(r);
        e.operation = r[kRelColumnCount].as<std::string>();
        e.position = FeedPosition{cs->seq, FeedPosition::kRelationship, rel.id, rel.version};
        e.changeset = *cs;
        e.relationship = std::move(rel);
        events.push_back(std::move(e));
      }
      if (static_cast<int>(rows.size()) < want) {
        pos = FeedPosition{cs->seq, FeedPosition::kEnd, "", 0};
        cs.reset();
      } else {
        pos = events.back().position;
      }
    }
  }
  batch.next = pos;
  return batch;
}

int64_t LatestFeedSeq(Tx& tx) { return Exec(tx, kLatestSeq)[0][0].as<int64_t>(); }

}  // namespace cmdb::db
