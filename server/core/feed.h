// The change feed's value types: a position in the feed (and its cursor
// text), an event, a batch. Every CI and relationship version is an event,
// grouped by changeset in commit order (changeset.seq), and within a
// changeset by (entity kind, entity id, version); reading "after" a position
// never skips or repeats a change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"

namespace cmdb {

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

}  // namespace cmdb
