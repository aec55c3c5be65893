// The payload pipeline of Reconcile: turns one payload of findings into
// CIs, relationships and sightings, inside a transaction it is given.
//
//   1. check: each item on its own — class, name, status, attributes
//      normalised against the class, parent, source key; a bad item is
//      REJECTED with the field named and the rest of the payload goes on.
//      Items with a parent_ref are put in levels, parents first (a cycle is
//      REJECTED).
//   2. lock: the identifier stripes of every item's keys (and source keys)
//      are locked in ascending order (db::LockIdentifierStripes), so
//      reconciles of overlapping payloads run one after the other and never
//      both create the same CI, and never deadlock on each other.
//   3. identify, level by level: the stored identifiers equal to the items'
//      keys are looked up set by set (a set only for items no earlier set
//      identified), and DecideMatch (core/identification.h) decides each
//      item: one CI is a match, several a CONFLICT (recorded as a duplicate
//      candidate, nothing written), none a create; an item with no
//      identifier at all is REJECTED, and two items that are the same CI
//      make the second a CONFLICT.
//   4. compare: matched CIs are compared with the findings in the database
//      (db::CompareCis, `attributes @> reported`), so an item that agrees
//      with its CI is UNCHANGED, writes nothing and its CI is never sent.
//   5. apply: the CIs that may change are read with their row lock, once
//      (db::LockCis), and the finding applied field by field under the
//      reconciliation rules (core/reconciliation.h): what is evaluated is
//      what will be overwritten, no other writer can change it meanwhile.
//   6. write: creates, updates and source keys in set-based statements,
//      then relations (created, or their reported attributes applied), and
//      the duplicate candidates that ambiguous matches found.
//   7. sightings: what the source reported and was identified is recorded
//      as seen at `seen_at`; a complete run also counts a missed run for
//      everything else the source had reported and marks stale what is past
//      the source's limits.
//
// A stream (StreamReconcile) goes through the same steps slice by slice,
// so that the server holds one slice at a time, whatever the stream's
// size. Its chunks are staged in the database first (db/stream_store.h);
// in the one transaction, the refs of every chunk are recorded (a ref used
// twice fails the payload), every identifier stripe is locked, the items
// are reconciled in stream order in slices of kSliceItems, then the
// relations in slices, then the relationships exclusive relations replace.
// What a slice must know of the others (which CI a ref became, which CI an
// earlier item took, what the stream reported) is in the transaction's
// working tables. An item whose parent comes later in the stream waits
// until its parent is reconciled; parents that never are (a cycle) reject
// their dependents. The answer counts every item and relation and lists
// at most `result_limit` results of each (rejections and conflicts
// first, then the rest in stream order).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/time.h"
#include "db/database.h"
#include "service/reconcile_types.h"

namespace cmdb {

// Items (or relations) reconciled together in one slice of a stream.
inline constexpr size_t kSliceItems = 2000;

// Runs `input` in `tx` under `catalog`. `input` must already have passed
// ReconcileService's payload checks (source name, size, unique refs).
// `seen_at` (a Clock's now) stamps sightings and measures staleness; CI
// and relationship versions carry the transaction's time (tx.now()).
// Returns one outcome per item and per relation, in payload order: item
// problems are outcomes, not errors. Database errors are thrown by the
// stores and handled by the transaction runner (db::Database), which
// retries or maps them to a status; `tx` must therefore be a fresh attempt.
ReconcileOutput ReconcilePayload(db::Tx& tx, const Catalog& catalog, const ReconcileInput& input, Micros seen_at);

// A stream's chunks, staged in the database under `stage_id` (chunks 0 to
// count - 1), and how to read one back: `decode` appends the chunk's items
// and relations to `into`, naming fields from item index `item_offset`.
struct StagedPayload {
  std::string stage_id;
  int count = 0;
  std::function<absl::Status(std::string_view bytes, size_t item_offset, ReconcileInput& into)> decode;
};

// Runs the stream `staged` in `tx`: `header` gives its source, dry_run and
// complete_run (its items and relations are ignored). INVALID_ARGUMENT when
// a ref is used twice or a chunk cannot be decoded; item problems are
// outcomes, as for ReconcilePayload.
absl::StatusOr<ReconcileOutput> ReconcileStaged(db::Tx& tx, const Catalog& catalog, const ReconcileInput& header,
                                                const StagedPayload& staged, Micros seen_at, size_t result_limit);

}  // namespace cmdb
