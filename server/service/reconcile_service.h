// ReconcileService: the entry point through which every writer that is not
// a person turns findings into CIs, and the use cases around it. Built from
// a db::Database, the limits and a Clock; knows nothing of gRPC.
//
//   Reconcile   one payload, in one transaction (service/reconciler.h has
//               the pipeline): items checked and normalised (a bad item is
//               REJECTED with the field named, the rest goes on); the
//               identifier stripes of all items locked in ascending order,
//               so overlapping payloads serialise instead of both creating;
//               items identified level by level, parents first — a source
//               key, then the class's identifier sets in order; one match
//               updates, several are a CONFLICT and a duplicate candidate,
//               none creates (core/identification.h, DecideMatch); items that
//               agree with their CI are recognised in the database and write
//               nothing; the CIs that may change are read with their row
//               lock, once, and the finding applied field by field under the
//               reconciliation rules (core/reconciliation.h); then creates,
//               updates, identifiers, relations, sightings and, for a
//               complete run, missed runs and staleness. A dry run does all
//               of that and rolls back: the same answer, nothing written
//               (created items get no id).
//   Merge       folds a duplicate CI into its survivor (service/merge.cc).
//   SweepStale  marks stale what sources have not reported within their
//               window, as of the clock's now.
//   admin()     identification and reconciliation rules, source policies and
//               duplicate candidates (service/reconcile_admin.h).
//
// Sightings and staleness take the time from the Clock; CI and relationship
// versions carry the transaction's time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/model.h"
#include "db/database.h"
#include "service/limits.h"
#include "service/payload_gate.h"
#include "service/reconcile_admin.h"
#include "service/reconcile_types.h"

namespace cmdb {

// What a merge did.
struct MergeOutcome {
  Ci survivor;
  Ci duplicate;
  int relationships_moved = 0;
  int relationships_dropped = 0;
};

class ReconcileService {
 public:
  // With the system clock.
  ReconcileService(db::Database& db, const Limits& limits)
      : ReconcileService(db, limits, SystemClock::Instance()) {}
  // `clock` must outlive the service.
  ReconcileService(db::Database& db, const Limits& limits, const Clock& clock)
      : db_(db), limits_(limits), clock_(clock), gate_(limits.max_large_reconciles), admin_(db, limits) {}

  // The outcome of every item and relation, and the changeset (none when
  // nothing changed, or for a dry run). INVALID_ARGUMENT for a bad payload
  // as a whole (source name, no items, too many items, repeated refs);
  // item-level problems are REJECTED outcomes. Up to
  // Limits::max_batch_items. Database errors as db::Database maps them
  // (ABORTED, UNAVAILABLE, ...). A payload over Limits::large_payload_items
  // waits for a slot of the large-payload gate until `deadline`
  // (RESOURCE_EXHAUSTED after it).
  absl::StatusOr<ReconcileOutput> Reconcile(
      const WriteContext& context, const ReconcileInput& input,
      std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max());

  // A stream of chunks forming one payload whose source, dry_run and
  // complete_run are `header`'s, in one transaction, holding one slice in
  // memory at a time (service/reconciler.h): each chunk is staged in the
  // database as it is read, then the stream is reconciled from there. The
  // answer counts everything and lists at most Limits::max_stream_results
  // item and relation outcomes. Up to Limits::max_stream_items; past
  // Limits::large_payload_items the stream waits for a slot of the
  // large-payload gate until `deadline`. Errors as Reconcile, and `stream`'s.
  absl::StatusOr<ReconcileOutput> ReconcileStream(
      const WriteContext& context, const ReconcileInput& header, PayloadStream& stream,
      std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max());

  PayloadGate& gate() { return gate_; }

  // Merges `duplicate_id` into `survivor_id`: the survivor takes the
  // attributes, owner and criticality it lacks, the duplicate's
  // relationships (dropping loops and ones it already has), dependents,
  // source keys and sightings; the duplicate is retired and points to the
  // survivor. Returns both as they now are. INVALID_ARGUMENT for a bad id
  // or a CI merged into itself; NOT_FOUND when either is missing;
  // FAILED_PRECONDITION when either is already merged or the classes are
  // unrelated.
  absl::StatusOr<MergeOutcome> Merge(const WriteContext& context, const std::string& survivor_id,
                                     const std::string& duplicate_id);

  // Marks stale the CIs their sources have not reported within stale_after
  // of the clock's now. cmdbd calls it every minute. Returns how many
  // became stale.
  absl::StatusOr<int64_t> SweepStale();

  // Rules, sources and duplicate candidates.
  ReconcileAdmin& admin() { return admin_; }

 private:
  // Runs `pipeline` in a write transaction as `header`'s source (rolled
  // back for a dry run) and completes its answer.
  absl::StatusOr<ReconcileOutput> Transact(
      const WriteContext& context, const ReconcileInput& header,
      const std::function<absl::StatusOr<ReconcileOutput>(db::Tx&, const Catalog&)>& pipeline);
  // A dry run created nothing: the ids it handed out are removed from the
  // answer (a diff naming a new parent names the item instead).
  static void ForgetProvisionalIds(ReconcileOutput& output);

  db::Database& db_;
  const Limits& limits_;
  const Clock& clock_;
  PayloadGate gate_;
  ReconcileAdmin admin_;
};

}  // namespace cmdb
