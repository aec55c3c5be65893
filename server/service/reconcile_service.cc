// ReconcileService: the payload checks and the transaction around the
// pipeline (service/reconciler.h), the dry run's answer, and the staleness
// sweep. Merge is in service/merge.cc, the administration in
// service/reconcile_admin.cc.
#include "service/reconcile_service.h"

#include <chrono>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/reconciliation.h"
#include "core/status.h"
#include "absl/cleanup/cleanup.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/identity_store.h"
#include "db/stream_store.h"
#include "service/reconciler.h"

namespace cmdb {
namespace {

// A stream's staged chunks outlive it only when the server stopped while
// reconciling it; the sweep removes them after this long.
constexpr Micros kStageLifetime = 24LL * 3600 * 1000000;

}  // namespace

absl::StatusOr<ReconcileOutput> ReconcileService::Reconcile(const WriteContext& context, const ReconcileInput& input,
                                                            std::chrono::system_clock::time_point deadline) {
  if (!IsValidSourceName(input.source)) {
    return FieldError("source", StrCat("\"", input.source,
                                       "\" is not a source name ([a-z0-9][a-z0-9_.-]*, not \"manual\")"));
  }
  const size_t items = input.items.size() + input.relations.size();
  if (items == 0) return absl::InvalidArgumentError("items: nothing to reconcile");
  if (items > static_cast<size_t>(limits_.max_batch_items)) {
    return absl::InvalidArgumentError(StrCat("items: ", items, " items and relations; the limit is ",
                                             limits_.max_batch_items, " (use StreamReconcile or split the payload)"));
  }
  std::set<std::string> refs;
  for (size_t i = 0; i < input.items.size(); ++i) {
    const std::string& ref = input.items[i].ref;
    if (!ref.empty() && !refs.insert(ref).second) {
      return FieldError(StrCat("items[", i, "].ref"), StrCat("\"", ref, "\" is used twice"));
    }
  }
  PayloadGate::Permit permit;
  if (items > static_cast<size_t>(limits_.large_payload_items)) {
    CMDB_ASSIGN_OR_RETURN(permit, gate_.Enter(deadline));
  }
  return Transact(context, input, [&](db::Tx& tx, const Catalog& catalog) -> absl::StatusOr<ReconcileOutput> {
    return ReconcilePayload(tx, catalog, input, clock_.Now());
  });
}

absl::StatusOr<ReconcileOutput> ReconcileService::ReconcileStream(const WriteContext& context,
                                                                  const ReconcileInput& header, PayloadStream& stream,
                                                                  std::chrono::system_clock::time_point deadline) {
  if (!IsValidSourceName(header.source)) {
    return FieldError("source", StrCat("\"", header.source,
                                       "\" is not a source name ([a-z0-9][a-z0-9_.-]*, not \"manual\")"));
  }
  // The chunks go to the database as they arrive; the stage goes when the
  // stream is done, whatever became of it.
  StagedPayload staged{.stage_id = NewUuid(), .count = 0, .decode = [&](std::string_view bytes, size_t offset,
                                                                        ReconcileInput& into) {
                         return stream.Decode(bytes, offset, into);
                       }};
  WriteContext stage_context;
  stage_context.actor = context.actor;
  auto drop = absl::MakeCleanup([&] {
    auto dropped = db_.Write(stage_context, [&](db::Tx& tx) {
      db::DropStage(tx, staged.stage_id);
      return absl::OkStatus();
    });
    if (!dropped.ok()) spdlog::warn("could not drop staged stream {}: {}", staged.stage_id, ToStd(dropped.status().message()));
  });
  PayloadGate::Permit permit;
  int64_t entries = 0;
  const auto receive_start = std::chrono::steady_clock::now();
  while (true) {
    CMDB_ASSIGN_OR_RETURN(std::optional<PayloadStream::Chunk> chunk, stream.Next());
    if (!chunk) break;
    entries += chunk->entries;
    if (entries > limits_.max_stream_items) {
      return absl::InvalidArgumentError(
          StrCat("items: more than ", limits_.max_stream_items, " items and relations in one stream"));
    }
    if (entries > limits_.large_payload_items && !permit.held()) {
      // Past this size the stream waits its turn (payload_gate.h).
      CMDB_ASSIGN_OR_RETURN(permit, gate_.Enter(deadline));
    }
    CMDB_RETURN_IF_ERROR(db_.Write(stage_context, [&](db::Tx& tx) {
                              db::StageChunk(tx, staged.stage_id, staged.count, chunk->bytes, chunk->item_refs,
                                             chunk->relations);
                              return absl::OkStatus();
                            }).status());
    ++staged.count;
  }
  if (staged.count == 0) return absl::InvalidArgumentError("items: the stream sent no chunk");
  spdlog::debug("stream from {}: {} chunks received and staged in {} ms", header.source, staged.count,
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - receive_start)
                    .count());
  return Transact(context, header, [&](db::Tx& tx, const Catalog& catalog) {
    return ReconcileStaged(tx, catalog, header, staged, clock_.Now(), static_cast<size_t>(limits_.max_stream_results));
  });
}

absl::StatusOr<ReconcileOutput> ReconcileService::Transact(
    const WriteContext& context, const ReconcileInput& header,
    const std::function<absl::StatusOr<ReconcileOutput>(db::Tx&, const Catalog&)>& pipeline) {
  WriteContext ctx = context;
  ctx.source = header.source;
  ReconcileOutput output;
  auto body = [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    CMDB_ASSIGN_OR_RETURN(output, pipeline(tx, *catalog));
    return absl::OkStatus();
  };
  auto written = header.dry_run ? db_.DryRun(ctx, body) : db_.Write(ctx, body);
  if (!written.ok()) return written.status();
  output.dry_run = header.dry_run;
  output.changeset = written->changeset;
  if (header.dry_run) ForgetProvisionalIds(output);
  return output;
}

void ReconcileService::ForgetProvisionalIds(ReconcileOutput& output) {
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

absl::StatusOr<int64_t> ReconcileService::SweepStale() {
  int64_t marked = 0;
  WriteContext context;
  context.actor = "cmdbd";
  auto written = db_.Write(context, [&](db::Tx& tx) {
    marked = db::SweepStaleByTime(tx, clock_.Now());
    // What a server that stopped mid-stream left staged.
    if (int64_t dropped = db::DropStagesOlderThan(tx, kStageLifetime); dropped > 0) {
      spdlog::info("dropped {} staged chunks of streams that did not finish", dropped);
    }
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return marked;
}

}  // namespace cmdb
