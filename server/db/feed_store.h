// Reads the change feed: every CI and relationship version, grouped by
// changeset, in commit order (changeset.seq), and within a changeset by
// (entity kind, entity id, version). A FeedPosition names a point in that
// order; reading "after" a position never skips or repeats a change because
// seq is assigned in commit order (see schema/0001_core.sql).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "db/database.h"

namespace cmdb::db {

struct FeedPosition {
  enum Kind { kCi = 0, kRelationship = 1, kEnd = 2 };
  int64_t seq = 0;
  int kind = kEnd;           // kEnd: all of changeset `seq` has been read
  std::string entity_id;     // kCi / kRelationship: the last entity read
  int64_t version = 0;

  // "<seq>" at a changeset's end, else "<seq>.<kind>.<id>.<version>".
  std::string ToCursor() const;
  // INVALID_ARGUMENT "since_cursor: ..." for text that is not a cursor.
  static absl::StatusOr<FeedPosition> FromCursor(std::string_view cursor);
};

struct FeedEvent {
  FeedPosition position;  // the position just after this event
  ChangesetInfo changeset;
  std::string operation;
  std::optional<Ci> ci;
  std::optional<Relationship> relationship;
};

struct FeedBatch {
  std::vector<FeedEvent> events;
  FeedPosition next;  // where reading continues: after the last event, or at the feed's end
};

// Up to `limit` events after `after`, in feed order.
FeedBatch ReadFeed(Tx& tx, const FeedPosition& after, int limit);

// The seq of the newest committed changeset (0 when there is none).
int64_t LatestFeedSeq(Tx& tx);

}  // namespace cmdb::db
