// Private to service/: the pieces of the payload pipeline that the stream
// pipeline (stream_reconciler.cc) runs slice by slice. See
// service/reconciler.h for both.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/catalog.h"
#include "core/queries.h"
#include "core/time.h"
#include "db/database.h"
#include "db/stream_store.h"
#include "service/reconcile_types.h"

namespace cmdb {

// Where a stream's time went, phase by phase over its slices (logged at
// debug level when the stream is done).
class PhaseTimes {
 public:
  void Add(std::string_view phase, std::chrono::steady_clock::duration d);
  std::string ToString() const;  // " phase=123ms ..." in first-seen order

 private:
  std::vector<std::pair<std::string, std::chrono::steady_clock::duration>> phases_;
};

// What a slice of a stream knows of the rest of it.
struct StreamSlice {
  PhaseTimes* times = nullptr;  // where the slice adds its phases' times
  std::vector<int> positions;  // of the slice's items, or relations, in the stream
  // The refs the slice names that are not its own items'.
  std::unordered_map<std::string, db::StreamRef> refs;
};

// Steps 1 to 7 for a slice of a stream's items (the stream holds every
// stripe lock): the outcomes of the items reconciled. The positions of
// those that wait for a parent later in the stream are added to `waiting`.
// The slice's items are recorded in the stream's working tables.
std::vector<ItemOutcome> ReconcileItemSlice(db::Tx& tx, const Catalog& catalog, const ReconcileInput& slice,
                                            Micros seen_at, const StreamSlice& stream, const SourcePolicy& policy,
                                            std::vector<int>& waiting);

// Relations of a slice of a stream: their outcomes. The relationships they
// report and their exclusive ends go to the stream's working tables.
std::vector<RelationOutcome> ReconcileRelationSlice(db::Tx& tx, const Catalog& catalog, const ReconcileInput& slice,
                                                    Micros seen_at, const StreamSlice& stream);

// Exclusive relations: at each end in `exclusive`, the other relationships
// of the type whose type `source` set are removed (a renewed certificate
// now secures the endpoint; the old one no longer does), except those the
// payload reports: `kept`, or for a stream (kept null) those in its working
// table. Returns how many each relation (by index) replaced.
std::map<int, int> RemoveReplaced(db::Tx& tx, const Catalog& catalog, const std::string& source,
                                  const std::vector<db::ExclusiveEnd>& exclusive,
                                  const std::unordered_set<std::string>* kept);

}  // namespace cmdb
