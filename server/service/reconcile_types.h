// The payload of a Reconcile call and its answer: items (findings with a
// ref, a parent and a source key), relations between them or existing CIs,
// and the per-item and per-relation outcomes. Plain values, shared by the
// payload pipeline (service/reconciler.h), ReconcileService and the api
// layer's conversions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "core/reconciliation.h"

namespace cmdb {

// One finding. Exactly one of parent_ref and parent_id, or neither.
struct ReconcileItemInput {
  std::string ref;  // names the item within the payload ("" for none)
  Finding finding;
  std::string parent_ref;  // a ref in this payload, or
  std::string parent_id;   // an existing CI
  std::string source_key;          // the source's own key for the thing
  std::optional<Micros> observed;  // when the source saw it (default, and at most: now)
  // Only creates: a matched CI is left as it is (a second-hand report, such
  // as a neighbour from an LLDP table, must not overwrite the thing's own).
  bool create_only = false;
  // Set when the item could not be read (the reason, naming its field):
  // it is rejected and the rest of the payload goes on.
  std::string invalid;
};

// A relation; each end is a ref in the payload or an existing CI's id.
struct ReconcileRelationInput {
  std::string from_ref, from_id;
  std::string type;
  std::string to_ref, to_id;
  Json attributes = Json::object();
  // The end at which this is the only relationship of its type this source
  // reports: the others of the type there, whose type this source set, are
  // removed when it is written.
  enum class Exclusive { kNo, kAtFrom, kAtTo };
  Exclusive exclusive_at = Exclusive::kNo;
  std::string invalid;  // as for an item
};

struct ReconcileInput {
  std::string source;
  std::vector<ReconcileItemInput> items;
  std::vector<ReconcileRelationInput> relations;
  bool dry_run = false;       // answer as if written, write nothing
  bool complete_run = false;  // the source reported everything it sees
};

enum class ReconcileAction { kCreated, kUpdated, kUnchanged, kConflict, kRejected };
// "created", "updated", "unchanged", "conflict" or "rejected".
std::string_view ReconcileActionName(ReconcileAction action);

// What became of one item, in payload order.
struct ItemOutcome {
  int index = 0;  // its position in the payload
  std::string ref;
  ReconcileAction action = ReconcileAction::kRejected;
  std::string ci_id;                    // created, updated, unchanged ("" in a dry run's creates)
  std::vector<FieldChange> diff;        // what was (or would be) written
  std::vector<SkippedField> skipped;    // reported fields the rules kept from writing
  std::string reason;                   // why: "matched by serial_number", "name: required", ...
  std::vector<std::string> candidates;  // a conflict's CIs
  std::string matched_by;               // the identifier kind that matched
};

// What became of one relation; `index` is its position in the payload.
struct RelationOutcome {
  int index = 0;
  ReconcileAction action = ReconcileAction::kRejected;
  std::string relationship_id;
  std::string reason;
  int removed = 0;  // relationships an exclusive relation replaced
};

struct ReconcileOutput {
  // In payload order: every item's and relation's, or for a stream at most
  // its result limit of each (service/reconciler.h says which).
  std::vector<ItemOutcome> items;
  std::vector<RelationOutcome> relations;
  int64_t items_omitted = 0;      // outcomes not listed in items
  int64_t relations_omitted = 0;  // ... in relations
  bool dry_run = false;
  std::optional<ChangesetInfo> changeset;
  int64_t marked_stale = 0;  // CIs a complete run marked stale
  // How many items ended with each action, listed or not.
  std::array<int64_t, 5> item_totals{};
  int64_t Count(ReconcileAction action) const { return item_totals[static_cast<size_t>(action)]; }
};

// A streamed payload as its caller reads it, one chunk at a time: the
// chunk's bytes (opaque to the service, staged as they are), its items'
// refs and how many relations it holds; and how to turn staged bytes back
// into items and relations.
class PayloadStream {
 public:
  struct Chunk {
    std::string bytes;
    int64_t entries = 0;  // items + relations
    // One per item, in order: its ref, "" for none (or for a ref the
    // database cannot hold, a NUL in it: that item is rejected on decoding).
    std::vector<std::string> item_refs;
    int64_t relations = 0;
  };
  virtual ~PayloadStream() = default;
  // The next chunk; nullopt at the end of the stream.
  virtual absl::StatusOr<std::optional<Chunk>> Next() = 0;
  // Appends the items and relations of `bytes` to `into`, naming fields
  // from item index `item_offset` (INVALID_ARGUMENT for a chunk that
  // cannot be read as a whole).
  virtual absl::Status Decode(std::string_view bytes, size_t item_offset, ReconcileInput& into) const = 0;
};

}  // namespace cmdb
