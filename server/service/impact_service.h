// Impact analysis use cases over an in-memory graph (core/impact_graph.h)
// of the current CIs and relationships, loaded at Start and kept in step
// with committed writes through the change feed: a thread applies each
// changeset when the feed notifies it, and every query first brings the
// graph up to what it must see (impact_live.cc): every write this server
// acknowledged before the query (read-your-writes, without a round trip),
// and every write through another server committed more than
// ImpactOptions::freshness_ms before it. Queries with `as_of` load the
// graph of that time from history instead.
//
// Files: impact_live.{h,cc} (the graph, its load and catch-up),
// impact_service.cc (the queries), impact_admin.cc (rules and records).
//
// Rules (relationship type direction and effect, class and CI redundancy)
// and external records live in the database (db/impact_store.h); rule
// changes made through any server bump a generation that each query checks.
//
// Errors: INVALID_ARGUMENT names the field; NOT_FOUND for an unknown CI,
// class, relationship type or record; UNAVAILABLE when the graph cannot
// catch up with the feed in time or the database is gone.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/impact_model.h"
#include "core/uuid.h"
#include "db/database.h"

namespace cmdb {

class ChangeFeed;

struct ImpactOptions {
  int catch_up_timeout_ms = 5000;  // how long a query waits for the graph
  // How long one read of the database's state (the feed's head, rule and
  // catalog generations, failed changes) stands for later queries: writes
  // through another server (several cmdbd on one database) that the feed
  // has not yet brought are seen at most this late. This server's own
  // writes are seen at once.
  int freshness_ms = 1000;
  int max_roots = 10000;
  int max_alarms = 10000;
};

class ImpactService {
 public:
  ImpactService(db::Database& db, ChangeFeed& feed, const Clock& clock, ImpactOptions options = {});
  ~ImpactService();

  // Loads the graph and subscribes to the feed. UNAVAILABLE when the
  // database cannot be read.
  absl::Status Start();
  // Unsubscribes; queries after Stop fail UNAVAILABLE.
  void Stop();

  absl::StatusOr<ImpactAnswer> Analyze(const ImpactRequest& request);
  absl::StatusOr<RootCauseAnswer> SuggestRootCause(const RootCauseRequest& request);
  absl::StatusOr<GraphStatsInfo> Stats();

  absl::StatusOr<PropagationRuleSet> GetRules();
  absl::StatusOr<TypePropagation> SetTypePropagation(const TypePropagation& rule);
  // An empty rule (min_up and min_up_percent 0) clears it.
  absl::StatusOr<ClassRedundancyRule> SetClassRedundancy(const ClassRedundancyRule& rule);
  absl::StatusOr<CiRedundancyRule> SetCiRedundancy(const CiRedundancyRule& rule);

  absl::StatusOr<ExternalRecordInfo> PutRecord(ExternalRecordInfo record);
  absl::StatusOr<ExternalRecordInfo> GetRecord(const RecordRef& ref);
  absl::StatusOr<ExternalRecordPage> ListRecords(const RecordListQuery& query);
  absl::Status DeleteRecord(const RecordRef& ref);

 private:
  // Applies the feed up to changeset `head` (to its end when nullopt),
  // first reloading the rules when `rules_generation` or
  // `catalog_generation` differ from the loaded ones (-1: do not check).
  absl::Status CatchUp(std::optional<int64_t> head, int64_t rules_generation = -1, int64_t catalog_generation = -1);
  // What a query must see (see impact_service.cc), for `roots`' failed changes.
  struct Freshness;
  absl::StatusOr<Freshness> Fresh(const std::vector<UuidBytes>& roots);
  // After this server changed rules or records: the next query reads the
  // database's state again.
  void Touched();

  class Live;  // the graph, its lock, the feed subscription
  db::Database& db_;
  ChangeFeed& feed_;
  const Clock& clock_;
  ImpactOptions options_;
  std::unique_ptr<Live> live_;
};

}  // namespace cmdb
