// ReconcileService: the payload checks and the transaction around the
// pipeline (service/reconciler.h), the dry run's answer, and the staleness
// sweep. Merge is in service/merge.cc, the administration in
// service/reconcile_admin.cc.
#include "service/reconcile_service.h"

#include <set>
#include <unordered_map>

#include "core/reconciliation.h"
#include "core/status.h"
#include "core/strings.h"
#include "db/identity_store.h"
#include "service/reconciler.h"

namespace cmdb {

absl::StatusOr<ReconcileOutput> ReconcileService::Reconcile(const WriteContext& context, const ReconcileInput& input,
                                                            bool streamed,
                                                            std::chrono::system_clock::time_point deadline,
                                                            const PayloadGate::Permit* admitted) {
  if (!IsValidSourceName(input.source)) {
    return FieldError("source", StrCat("\"", input.source,
                                       "\" is not a source name ([a-z0-9][a-z0-9_.-]*, not \"manual\")"));
  }
  const size_t items = input.items.size() + input.relations.size();
  if (items == 0) return absl::InvalidArgumentError("items: nothing to reconcile");
  const int limit = streamed ? limits_.max_stream_items : limits_.max_batch_items;
  if (items > static_cast<size_t>(limit)) {
    return absl::InvalidArgumentError(StrCat("items: ", items, " items and relations; the limit is ", limit,
                                             streamed ? "" : " (use StreamReconcile or split the payload)"));
  }
  std::set<std::string> refs;
  for (size_t i = 0; i < input.items.size(); ++i) {
    const std::string& ref = input.items[i].ref;
    if (!ref.empty() && !refs.insert(ref).second) {
      return FieldError(StrCat("items[", i, "].ref"), StrCat("\"", ref, "\" is used twice"));
    }
  }
  PayloadGate::Permit permit;
  if (items > static_cast<size_t>(limits_.large_payload_items) && (admitted == nullptr || !admitted->held())) {
    CMDB_ASSIGN_OR_RETURN(permit, gate_.Enter(deadline));
  }
  WriteContext ctx = context;
  ctx.source = input.source;
  ReconcileOutput output;
  auto body = [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    output = ReconcilePayload(tx, *catalog, input, clock_.Now());
    return absl::OkStatus();
  };
  auto written = input.dry_run ? db_.DryRun(ctx, body) : db_.Write(ctx, body);
  if (!written.ok()) return written.status();
  output.dry_run = input.dry_run;
  output.changeset = written->changeset;
  if (input.dry_run) {
    // Nothing was created: the ids handed out above do not exist. A diff
    // that names one (a new parent) names the item instead.
    std::unordered_map<std::string, std::string> provisional;
    for (auto& item : output.items) {
      if (item.action != ReconcileAction::kCreated) continue;
      provisional.emplace(item.ci_id, StrCat("(new item ", item.ref, ")"));
      item.ci_id.clear();
    }
    for (auto& item : output.items) {
      for (auto& change : item.diff) {
        if (change.new_value && change.new_value->is_string()) {
          auto it = provisional.find(change.new_value->get<std::string>());
          if (it != provisional.end()) *change.new_value = it->second;
        }
      }
    }
    for (auto& rel : output.relations) {
      if (rel.action == ReconcileAction::kCreated) rel.relationship_id.clear();
    }
  }
  return output;
}

absl::StatusOr<int64_t> ReconcileService::SweepStale() {
  int64_t marked = 0;
  WriteContext context;
  context.actor = "cmdbd";
  auto written = db_.Write(context, [&](db::Tx& tx) {
    marked = db::SweepStaleByTime(tx, clock_.Now());
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return marked;
}

}  // namespace cmdb
