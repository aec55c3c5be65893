// Private to ImpactService's files (impact_live.cc, impact_service.cc,
// impact_admin.cc): the live graph with the tables that name its dense ids,
// the state of the database a query must see, and the feed subscription
// that keeps the graph in step.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/catalog.h"
#include "core/feed.h"
#include "core/impact_checks.h"
#include "core/impact_graph.h"
#include "core/impact_model.h"
#include "core/model.h"
#include "core/time.h"
#include "service/impact_service.h"

namespace cmdb {

inline constexpr Micros kImpactDay = 86400LL * 1000000;
// Failed changes on a root within this window raise its risk.
inline constexpr Micros kFailedChangeWindow = 90 * kImpactDay;
// Root-cause evidence: changes and incidents within this window by default.
inline constexpr Micros kRecentChangeWindow = 7 * kImpactDay;

inline uint8_t CriticalityByte(std::string_view c) { return static_cast<uint8_t>(std::max(0, CriticalityRank(c))); }

// Names <-> dense ids for relationship types and classes. Grows only.
struct IdTable {
  absl::flat_hash_map<std::string, int32_t> ids;
  std::vector<std::string> names;
  int32_t Get(std::string_view name) {
    auto [it, added] = ids.try_emplace(std::string(name), static_cast<int32_t>(names.size()));
    if (added) names.emplace_back(name);
    return it->second;
  }
  int32_t Find(std::string_view name) const {
    auto it = ids.find(std::string(name));
    return it == ids.end() ? -1 : it->second;
  }
};

// A graph with the tables that name its ids.
struct NamedGraph {
  impact::Graph graph;
  IdTable types;
  IdTable classes;
  std::vector<impact::Direction> directions;  // by TypeId

  void Node(std::string_view id, std::string_view cls, std::string_view criticality, std::string_view name) {
    impact::Uuid uuid;
    if (!impact::ParseUuid(id, &uuid)) return;
    graph.UpsertNode(uuid, classes.Get(cls), CriticalityByte(criticality), name);
  }
  void Rel(std::string_view id, std::string_view type, std::string_view source, std::string_view target) {
    impact::Uuid rid, s, t;
    if (!impact::ParseUuid(id, &rid) || !impact::ParseUuid(source, &s) || !impact::ParseUuid(target, &t)) return;
    const impact::TypeId tid = types.Get(type);
    if (tid >= static_cast<impact::TypeId>(directions.size())) {
      directions.resize(tid + 1, impact::Direction::kNone);
      graph.SetDirections(directions);  // a new type: its direction arrives with the rules
    }
    graph.UpsertRelationship(rid, s, t, tid);
  }
  // Directions from the rules; rebuilds the arrays when they change.
  void ApplyDirections(const PropagationRuleSet& rules) {
    std::vector<impact::Direction> d(types.names.size(), impact::Direction::kNone);
    for (const auto& t : rules.types) {
      const impact::TypeId id = types.Get(t.relationship_type);
      if (id >= static_cast<impact::TypeId>(d.size())) d.resize(id + 1, impact::Direction::kNone);
      d[id] = ParseDirection(t.direction, "direction").value_or(impact::Direction::kNone);
    }
    if (d != directions) {
      directions = std::move(d);
      graph.SetDirections(directions);
    }
  }
};

// The catalog of the newest generation seen, so that a query needs no
// round trip of its own for it.
class CatalogCache {
 public:
  std::shared_ptr<const Catalog> Get(int64_t generation) {
    std::lock_guard lock(mu_);
    return catalog_ && catalog_->generation() == generation ? catalog_ : nullptr;
  }
  void Put(std::shared_ptr<const Catalog> catalog) {
    std::lock_guard lock(mu_);
    if (!catalog_ || catalog->generation() >= catalog_->generation()) catalog_ = std::move(catalog);
  }
  std::shared_ptr<const Catalog> Newest() {
    std::lock_guard lock(mu_);
    return catalog_;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<const Catalog> catalog_;
};

// What a read of the database's state said, and when: the feed's head, the
// generations of the rules and the catalog, and the failed change records
// of the window by CI.
struct Snapshot {
  int64_t head = 0;
  int64_t rules_generation = 0;
  int64_t catalog_generation = 0;
  absl::flat_hash_map<impact::Uuid, std::vector<std::pair<int64_t, Micros>>, impact::UuidHash> failed;
  Micros read_at = 0;
  uint64_t epoch = 0;  // ImpactService::Live::epoch before the read
};

// The live graph: guarded by `graph_mu` (queries share it, the applier takes
// it alone); `apply_mu` lets one thread at a time read the feed.
class ImpactService::Live {
 public:
  std::shared_mutex graph_mu;
  NamedGraph g;
  PropagationRuleSet rules;
  int64_t rules_generation = -1;
  int64_t catalog_generation = -1;
  FeedPosition applied;
  double load_millis = 0;
  Micros loaded_at = 0;

  CatalogCache catalogs;
  std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;
  std::atomic<uint64_t> epoch{0};  // bumped after this server changes rules or records

  std::timed_mutex apply_mu;
  uint64_t subscription = 0;
  std::thread applier;
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool wake = false;
  bool stopping = false;
  std::atomic<bool> started{false};
};

// What every query needs to see: the feed's head, the rules' generation,
// the catalog and the failed changes on the roots.
struct ImpactService::Freshness {
  int64_t head = 0;
  int64_t rules_generation = 0;
  int failed_changes = 0;
  std::shared_ptr<const Catalog> catalog;
};

}  // namespace cmdb
