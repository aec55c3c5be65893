// Reads the change feed: every CI and relationship version, grouped by
// changeset, in commit order (changeset.seq), and within a changeset by
// (entity kind, entity id, version). A FeedPosition names a point in that
// order; reading "after" a position never skips or repeats a change because
// seq is assigned in commit order (see schema/0001_core.sql).
#pragma once

#include "core/feed.h"
#include "core/model.h"
#include "db/database.h"

namespace cmdb::db {

// Up to `limit` events after `after`, in feed order.
FeedBatch ReadFeed(Tx& tx, const FeedPosition& after, int limit);

// The seq of the newest committed changeset (0 when there is none).
int64_t LatestFeedSeq(Tx& tx);

}  // namespace cmdb::db
