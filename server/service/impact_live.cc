// ImpactService's live graph: its load at Start, its catch-up with the
// change feed (a thread woken by the feed's notifications, and each query
// up to what it must see), and the read of the database's state that a
// query must include (impact_live.h).
#include <algorithm>
#include <chrono>

#include "absl/container/flat_hash_set.h"
#include "core/status.h"
#include "db/impact_store.h"
#include "service/change_feed.h"
#include "service/impact_live.h"
#include "service/impact_service.h"

namespace cmdb {
namespace {

using impact::NodeId;

constexpr int kFeedBatch = 10000;

bool Done(const FeedPosition& applied, int64_t head) {
  return applied.seq > head || (applied.seq == head && applied.kind == FeedPosition::kEnd);
}

void ApplyEvent(NamedGraph& g, const FeedEvent& e) {
  impact::Uuid id;
  if (e.ci) {
    if (!impact::ParseUuid(e.ci->id, &id)) return;
    if (e.operation == "delete") {
      g.graph.RemoveNode(id);
    } else {
      g.Node(e.ci->id, e.ci->class_name, e.ci->criticality, e.ci->name);
    }
  } else if (e.relationship) {
    const Relationship& r = *e.relationship;
    if (!impact::ParseUuid(r.id, &id)) return;
    if (e.operation == "delete") {
      g.graph.RemoveRelationship(id);
    } else {
      g.Rel(r.id, r.type, r.source_id, r.target_id);
    }
  }
}

}  // namespace

ImpactService::ImpactService(db::Database& db, ChangeFeed& feed, const Clock& clock, ImpactOptions options)
    : db_(db), feed_(feed), clock_(clock), options_(options), live_(std::make_unique<Live>()) {}

ImpactService::~ImpactService() { Stop(); }

absl::Status ImpactService::Start() {
  Live& L = *live_;
  const auto start = std::chrono::steady_clock::now();
  {
    std::unique_lock graph_lock(L.graph_mu);
    int64_t head = 0;
    absl::Status st = db_.Read([&](db::Tx& tx) -> absl::Status {
      // First: the load sees at least this much, and rules read after these
      // generations are at least as new (a change in between reloads them).
      const db::ImpactFreshness fresh = db::ReadImpactFreshness(tx);
      head = fresh.head_seq;
      L.rules_generation = fresh.rules_generation;
      L.catalog_generation = fresh.catalog_generation;
      L.rules = db::LoadPropagationRules(tx);
      L.g.ApplyDirections(L.rules);
      L.g.graph.SetAutoCompact(false);  // one build at the end, not one per overlay fill
      return db::ReadGraph(
          tx, std::nullopt,
          [&](const db::GraphNodeRow& n) { L.g.Node(n.id, n.class_name, n.criticality, n.name); },
          [&](const db::GraphRelRow& r) { L.g.Rel(r.id, r.type, r.source_id, r.target_id); });
    });
    L.g.graph.SetAutoCompact(true);
    if (!st.ok()) return st;
    L.g.graph.Compact();
    L.applied = FeedPosition{.seq = head, .kind = FeedPosition::kEnd};
    L.load_millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    L.loaded_at = clock_.Now();
  }
  L.started = true;
  L.applier = std::thread([this] {
    Live& L = *live_;
    for (;;) {
      {
        std::unique_lock lock(L.wake_mu);
        L.wake_cv.wait(lock, [&] { return L.wake || L.stopping; });
        if (L.stopping) return;
        L.wake = false;
      }
      (void)CatchUp(std::nullopt);
    }
  });
  L.subscription = feed_.Subscribe([this] {
    std::lock_guard lock(live_->wake_mu);
    live_->wake = true;
    live_->wake_cv.notify_one();
  });
  return absl::OkStatus();
}

void ImpactService::Stop() {
  Live& L = *live_;
  if (!L.started.exchange(false)) return;
  feed_.Unsubscribe(L.subscription);
  {
    std::lock_guard lock(L.wake_mu);
    L.stopping = true;
  }
  L.wake_cv.notify_all();
  if (L.applier.joinable()) L.applier.join();
}

void ImpactService::Touched() { live_->epoch.fetch_add(1); }

// A query must include every write this server acknowledged before it
// (read-your-writes) and every write through another server committed
// more than `freshness_ms` before it. The database's state is read at most
// once per `freshness_ms` (and at once after this server changed rules,
// records or the catalog); in between, this server's own commits raise
// the head without a round trip, and the feed's notifications bring other
// servers' writes into the graph as they happen.
absl::StatusOr<ImpactService::Freshness> ImpactService::Fresh(const std::vector<UuidBytes>& roots) {
  Live& L = *live_;
  const Micros now = clock_.Now();
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard lock(L.snapshot_mu);
    snap = L.snapshot;
  }
  std::shared_ptr<const Catalog> catalog;
  if (snap && snap->epoch == L.epoch.load() && now >= snap->read_at &&
      now - snap->read_at < static_cast<Micros>(options_.freshness_ms) * 1000) {
    catalog = L.catalogs.Newest();
    if (catalog && catalog->generation() < std::max(snap->catalog_generation, db_.committed_catalog_generation())) {
      catalog = nullptr;
    }
  }
  if (!catalog) {
    auto fresh = std::make_shared<Snapshot>();
    fresh->epoch = L.epoch.load();
    fresh->read_at = now;
    absl::Status st = db_.Read([&](db::Tx& tx) -> absl::Status {
      db::ImpactFreshness read = db::ReadImpactFreshness(tx, now - kFailedChangeWindow);
      fresh->head = read.head_seq;
      fresh->rules_generation = read.rules_generation;
      fresh->catalog_generation = read.catalog_generation;
      for (const db::FailedChangeLink& f : read.failed_changes) {
        impact::Uuid id;
        if (impact::ParseUuid(f.ci_id, &id)) fresh->failed[id].emplace_back(f.record_id, f.updated_at);
      }
      catalog = L.catalogs.Get(read.catalog_generation);
      if (catalog) return absl::OkStatus();
      absl::StatusOr<std::shared_ptr<const Catalog>> c = tx.catalog();
      if (!c.ok()) return c.status();
      catalog = *c;
      L.catalogs.Put(catalog);
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    {
      std::lock_guard lock(L.snapshot_mu);
      if (!L.snapshot || L.snapshot->read_at <= fresh->read_at) L.snapshot = fresh;
    }
    snap = std::move(fresh);
  }
  Freshness f;
  f.head = std::max(snap->head, db_.committed_seq());
  f.rules_generation = snap->rules_generation;
  f.catalog = std::move(catalog);
  absl::flat_hash_set<int64_t> records;
  for (const impact::Uuid& root : roots) {
    if (auto it = snap->failed.find(root); it != snap->failed.end()) {
      for (const auto& [record, updated_at] : it->second) {
        if (updated_at >= now - kFailedChangeWindow) records.insert(record);
      }
    }
  }
  f.failed_changes = static_cast<int>(records.size());
  return f;
}

// Applies the feed up to `head` (or to its end), after reloading the rules
// when their generation or the catalog's changed.
absl::Status ImpactService::CatchUp(std::optional<int64_t> head, int64_t rules_generation, int64_t catalog_generation) {
  Live& L = *live_;
  std::unique_lock apply_lock(L.apply_mu, std::defer_lock);
  if (!apply_lock.try_lock_for(std::chrono::milliseconds(options_.catch_up_timeout_ms))) {
    return absl::UnavailableError("impact graph: still applying earlier changes; try again");
  }
  if (rules_generation >= 0 &&
      (rules_generation != L.rules_generation || catalog_generation != L.catalog_generation)) {
    PropagationRuleSet rules;
    absl::Status st = db_.Read([&](db::Tx& tx) {
      rules = db::LoadPropagationRules(tx);
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    std::unique_lock graph_lock(L.graph_mu);
    L.rules = std::move(rules);
    L.rules_generation = rules_generation;
    L.catalog_generation = catalog_generation;
    L.g.ApplyDirections(L.rules);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.catch_up_timeout_ms);
  while (!head || !Done(L.applied, *head)) {
    absl::StatusOr<FeedBatch> batch = feed_.Read(L.applied, kFeedBatch);
    if (!batch.ok()) return batch.status();
    if (batch->events.empty()) {
      L.applied = batch->next;
      break;
    }
    {
      std::unique_lock graph_lock(L.graph_mu);
      for (const FeedEvent& e : batch->events) ApplyEvent(L.g, e);
      L.applied = batch->next;
    }
    if (head && std::chrono::steady_clock::now() > deadline) {
      return absl::UnavailableError("impact graph: could not catch up with recent changes in time; try again");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<GraphStatsInfo> ImpactService::Stats() {
  Live& L = *live_;
  if (!L.started) return absl::UnavailableError("impact analysis is not running");
  std::shared_lock lock(L.graph_mu);
  GraphStatsInfo s;
  s.nodes = L.g.graph.live_node_count();
  s.relationships = L.g.graph.live_relationship_count();
  for (NodeId n = 0; n < L.g.graph.node_count(); ++n) {
    L.g.graph.ForEachOut(n, [&](const impact::Edge&) { ++s.edges; });
  }
  s.memory_bytes = static_cast<int64_t>(L.g.graph.MemoryBytes());
  s.load_millis = L.load_millis;
  s.loaded_at = L.loaded_at;
  s.applied_cursor = L.applied.ToCursor();
  return s;
}

}  // namespace cmdb
