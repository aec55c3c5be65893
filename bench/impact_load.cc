// Impact analysis at scale. A synthetic estate shaped like a data centre's
// (business services -> applications and databases -> VMs -> hypervisors
// in clusters -> racks with a top-of-rack switch pair and a UPS; storage
// arrays, load balancers, an aggregation and a core network; shared
// platform services every application domain leans on) is loaded through
// BatchWrite in batches. Then AnalyzeImpact over gRPC (include_paths off)
// from random single roots and from multi-root sets, against a recursive
// SQL traversal on the same PostgreSQL in the same run: WITH RECURSIVE over
// `relationship`, each hop in the direction relationship_type.impact says,
// UNION (not UNION ALL) so that every CI is visited once and cycles end,
// returning the count of CIs reached.
//
// Two passes over the same roots in each round:
// - shipped rules: the effects as shipped (connected_to and uses only
//   degrade) and redundancy rules on clusters (1 member of n), dual-homed
//   hypervisors, dual-uplinked switches and multi-instance applications.
//   Ours only; its counts can never exceed plain reachability (checked).
// - every effect 'down' (SetRelationshipPropagation on each type that only
//   degrades): the affected set is then exactly what reachability gives, so
//   each count is checked against the SQL count, and both sides are timed,
//   taking turns to go first.
// - the gRPC floor: an empty health check in the same alternation with the
//   SQL query, so the floor column says what any gRPC answer costs here.
// Also: the load rate through the API, the graph's load time at start and
// its memory per edge (GetGraphStats, and the process's RSS growth), and the
// blast-radius distribution. PostgreSQL runs with fsync off. Exits 2 when
// any count differs from the SQL count.
//
//   bench_impact_load [--cis 200000] [--relationships 1000000] [--roots 1000] [--multi 200]
//                     [--max-depth 0] [--max-results 0] [--rounds 1] [--seed 1]
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <unordered_set>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "bench_common.h"
#include "impact_estate.h"
#include "core/strings.h"

namespace cmdb::bench {
namespace {

// ---------------------------------------------------------------------------
// Loading through the API

template <typename Request, typename Response, typename Call>
double Timed(Call call, const Request& req, Response* resp, const char* what) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  const auto t0 = Clock::now();
  grpc::Status st = call(&ctx, req, resp);
  const double s = Seconds(Clock::now() - t0);
  if (!st.ok()) throw std::runtime_error(StrCat(what, ": ", st.error_message()));
  return s;
}

struct Loaded {
  std::vector<std::string> ids;  // by estate index
  double ci_seconds = 0, rel_seconds = 0;
};

// CIs in batches of `ci_batch`, then relationships in batches of
// `rel_batch`, each batch one BatchWrite (one changeset). Times count the
// calls only, not building the requests.
Loaded Load(const InProcessServer& server, const DataCentre& dc, int ci_batch, int rel_batch) {
  auto stub = server.NewStub();
  {
    v1::CreateRelationshipTypeRequest req;
    req.mutable_type()->set_name("powered_by");
    req.mutable_type()->set_inverse_name("powers");
    req.mutable_type()->set_description("The source draws power from the target (a UPS or PDU)");
    req.mutable_type()->set_impact(v1::IMPACT_DIRECTION_TARGET_TO_SOURCE);
    v1::RelationshipType out;
    Timed([&](auto* c, const auto& r, auto* o) { return stub->CreateRelationshipType(c, r, o); }, req, &out,
          "CreateRelationshipType");
  }
  Loaded loaded;
  loaded.ids.resize(dc.cis.size());
  for (size_t i = 0; i < dc.cis.size(); i += static_cast<size_t>(ci_batch)) {
    v1::BatchWriteRequest req;
    req.mutable_change()->set_comment("impact benchmark estate");
    const size_t end = std::min(dc.cis.size(), i + static_cast<size_t>(ci_batch));
    for (size_t k = i; k < end; ++k) {
      auto* c = req.add_creates();
      c->set_ref(std::to_string(k));
      c->mutable_ci()->set_class_name(dc.cis[k].class_name);
      c->mutable_ci()->set_name(dc.cis[k].name);
      c->mutable_ci()->set_criticality(dc.cis[k].criticality);
      api::StructFromJson(dc.cis[k].attributes, c->mutable_ci()->mutable_attributes());
    }
    v1::BatchWriteResponse resp;
    loaded.ci_seconds += Timed([&](auto* c, const auto& r, auto* o) { return stub->BatchWrite(c, r, o); }, req,
                               &resp, "BatchWrite (CIs)");
    for (const auto& created : resp.created()) loaded.ids[std::stoul(created.ref())] = created.id();
  }
  for (size_t i = 0; i < dc.links.size(); i += static_cast<size_t>(rel_batch)) {
    v1::BatchWriteRequest req;
    req.mutable_change()->set_comment("impact benchmark estate");
    const size_t end = std::min(dc.links.size(), i + static_cast<size_t>(rel_batch));
    for (size_t k = i; k < end; ++k) {
      auto* r = req.add_relationships();
      r->set_source_id(loaded.ids[dc.links[k].from]);
      r->set_type(kTypeNames[dc.links[k].type]);
      r->set_target_id(loaded.ids[dc.links[k].to]);
    }
    v1::BatchWriteResponse resp;
    loaded.rel_seconds += Timed([&](auto* c, const auto& r, auto* o) { return stub->BatchWrite(c, r, o); }, req,
                                &resp, "BatchWrite (relationships)");
  }
  return loaded;
}

// ---------------------------------------------------------------------------
// Rules

void SetClassRedundancy(v1::ImpactService::Stub& stub, const std::string& class_name, int min_up,
                        const std::vector<std::string>& types) {
  v1::SetClassRedundancyRequest req;
  req.set_class_name(class_name);
  req.mutable_rule()->set_min_up(min_up);
  for (const auto& t : types) req.mutable_rule()->add_relationship_types(t);
  v1::ClassRedundancy out;
  Timed([&](auto* c, const auto& r, auto* o) { return stub.SetClassRedundancy(c, r, o); }, req, &out,
        "SetClassRedundancy");
}

std::vector<v1::RelationshipPropagation> TypeRules(v1::ImpactService::Stub& stub) {
  v1::PropagationRules rules;
  Timed([&](auto* c, const auto& r, auto* o) { return stub.GetPropagationRules(c, r, o); },
        v1::GetPropagationRulesRequest(), &rules, "GetPropagationRules");
  return {rules.relationship_types().begin(), rules.relationship_types().end()};
}

// Sets the effect of each type whose shipped effect (in `shipped`) is not
// down: to down with all_down, else back to the shipped one. Directions stay.
void SetEffects(v1::ImpactService::Stub& stub, const std::vector<v1::RelationshipPropagation>& shipped,
                bool all_down) {
  for (const auto& rule : shipped) {
    if (rule.effect() != v1::IMPACT_EFFECT_DEGRADED) continue;
    v1::SetRelationshipPropagationRequest req;
    *req.mutable_propagation() = rule;
    if (all_down) req.mutable_propagation()->set_effect(v1::IMPACT_EFFECT_DOWN);
    v1::RelationshipPropagation out;
    Timed([&](auto* c, const auto& r, auto* o) { return stub.SetRelationshipPropagation(c, r, o); }, req, &out,
          "SetRelationshipPropagation");
  }
}

v1::GraphStats GraphStats(v1::ImpactService::Stub& stub) {
  v1::GraphStats stats;
  Timed([&](auto* c, const auto& r, auto* o) { return stub.GetGraphStats(c, r, o); }, v1::GetGraphStatsRequest(),
        &stats, "GetGraphStats");
  return stats;
}

// ---------------------------------------------------------------------------
// The two sides

struct Query {
  std::vector<std::string> roots;
};

struct OursAnswer {
  double ms = 0;
  int count = 0, down = 0, degraded = 0;
};

OursAnswer AnalyzeOurs(v1::ImpactService::Stub& stub, const Query& q, int max_depth, int max_results) {
  v1::AnalyzeImpactRequest req;
  for (const auto& id : q.roots) req.add_ci_ids(id);
  req.set_scenario(v1::IMPACT_SCENARIO_OUTAGE);
  req.set_max_depth(max_depth);
  req.set_include_paths(false);
  req.set_max_results(max_results);
  v1::AnalyzeImpactResponse resp;
  OursAnswer a;
  a.ms = 1000 * Timed([&](auto* c, const auto& r, auto* o) { return stub.AnalyzeImpact(c, r, o); }, req, &resp,
                      "AnalyzeImpact");
  a.count = resp.affected_count();
  for (const auto& t : resp.totals()) {
    a.down += t.down();
    a.degraded += t.degraded();
  }
  return a;
}

// The gRPC floor (bench_common.h: HealthCheck), timed in the same
// alternation with the SQL query as AnalyzeImpact.
double FloorCall(grpc::Channel& channel) {
  const auto t0 = Clock::now();
  if (!HealthCheck(channel).ok()) throw std::runtime_error("health check failed");
  return 1000 * Seconds(Clock::now() - t0);
}

// Every CI reachable from the roots, each hop in the direction of its
// type's impact; UNION keeps one row per CI, so each is expanded once and
// cycles end. With a depth limit a row is (CI, depth) instead: a CI is
// expanded once per depth it is reached at.
constexpr char kReachSql[] = R"(
WITH RECURSIVE reach(id) AS (
  SELECT unnest($1::uuid[])
  UNION
  SELECT n.id FROM reach r CROSS JOIN LATERAL (
    SELECT rel.source_id AS id FROM relationship rel JOIN relationship_type t ON t.name = rel.type
     WHERE rel.target_id = r.id AND t.impact IN ('target_to_source', 'both')
    UNION ALL
    SELECT rel.target_id FROM relationship rel JOIN relationship_type t ON t.name = rel.type
     WHERE rel.source_id = r.id AND t.impact IN ('source_to_target', 'both')
  ) n
)
SELECT count(*) FROM reach)";

constexpr char kReachDepthSql[] = R"(
WITH RECURSIVE reach(id, depth) AS (
  SELECT unnest($1::uuid[]), 0
  UNION
  SELECT n.id, r.depth + 1 FROM reach r CROSS JOIN LATERAL (
    SELECT rel.source_id AS id FROM relationship rel JOIN relationship_type t ON t.name = rel.type
     WHERE rel.target_id = r.id AND t.impact IN ('target_to_source', 'both')
    UNION ALL
    SELECT rel.target_id FROM relationship rel JOIN relationship_type t ON t.name = rel.type
     WHERE rel.source_id = r.id AND t.impact IN ('source_to_target', 'both')
  ) n
  WHERE r.depth < $2
)
SELECT count(DISTINCT id) FROM reach)";

class SqlBaseline {
 public:
  SqlBaseline(const std::string& url, int max_depth) : conn_(url), max_depth_(max_depth) {
    conn_.prepare("reach", max_depth > 0 ? kReachDepthSql : kReachSql);
  }
  // Milliseconds and the count of CIs reached (roots included).
  std::pair<double, int> Run(const Query& q) {
    std::string roots = "{";
    for (size_t i = 0; i < q.roots.size(); ++i) roots += (i ? "," : "") + q.roots[i];
    roots += "}";
    const auto t0 = Clock::now();
    pqxx::nontransaction txn(conn_);
    pqxx::result r = max_depth_ > 0 ? txn.exec_prepared("reach", roots, max_depth_) : txn.exec_prepared("reach", roots);
    const double ms = 1000 * Seconds(Clock::now() - t0);
    return {ms, r[0][0].as<int>()};
  }

 private:
  pqxx::connection conn_;
  int max_depth_;
};

// ---------------------------------------------------------------------------
// Statistics and reporting

struct Measured {
  double ours_ms = 0;   // every effect down
  double sql_ms = 0;
  int ours_count = 0;
  int reach = 0;        // the SQL count
  double shipped_ms = 0;  // shipped rules
  double floor_ms = 0;    // an empty gRPC call in the same place
  int shipped_count = 0, shipped_down = 0, shipped_degraded = 0;
};

double Rss() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

struct Bucket {
  const char* label;
  int lo, hi;
};
constexpr Bucket kBuckets[] = {{"1", 1, 1},           {"2-10", 2, 10},          {"11-100", 11, 100},
                               {"101-1,000", 101, 1000}, {"1,001-10,000", 1001, 10000}, {"> 10,000", 10001, INT32_MAX}};

struct Summary {
  double ours_p50 = 0, ours_p99 = 0, ours_p99_small = 0, sql_p50 = 0, sql_p99 = 0, sql_p99_small = 0;
  double shipped_p50 = 0, shipped_p99 = 0, shipped_p99_small = 0;
  double floor_p50 = 0;
  double ratio() const { return sql_p50 / ours_p50; }
};

Summary Summarise(const std::vector<Measured>& ms) {
  std::vector<double> ours, sql, shipped, ours_small, sql_small, shipped_small, floor;
  for (const auto& m : ms) {
    floor.push_back(m.floor_ms);
    ours.push_back(m.ours_ms);
    sql.push_back(m.sql_ms);
    shipped.push_back(m.shipped_ms);
    if (m.reach <= 10000) {
      ours_small.push_back(m.ours_ms);
      sql_small.push_back(m.sql_ms);
      shipped_small.push_back(m.shipped_ms);
    }
  }
  Summary s;
  s.ours_p50 = Percentile(ours, 50);
  s.ours_p99 = Percentile(ours, 99);
  s.ours_p99_small = Percentile(ours_small, 99);
  s.sql_p50 = Percentile(sql, 50);
  s.sql_p99 = Percentile(sql, 99);
  s.sql_p99_small = Percentile(sql_small, 99);
  s.shipped_p50 = Percentile(shipped, 50);
  s.shipped_p99 = Percentile(shipped, 99);
  s.shipped_p99_small = Percentile(shipped_small, 99);
  s.floor_p50 = Percentile(floor, 50);
  return s;
}

void PrintSummaryRow(const char* label, const std::vector<Measured>& ms, const Summary& s) {
  size_t small = 0;
  for (const auto& m : ms) small += m.reach <= 10000;
  std::printf("| %-12s | %5zu | %5zu | %8.2f | %8.2f | %8.2f | %8.2f | %8.2f | %8.2f | %6.1fx | %10.2f |\n", label,
              ms.size(), small, s.ours_p50, s.ours_p99, s.ours_p99_small, s.sql_p50, s.sql_p99, s.sql_p99_small,
              s.ratio(), s.floor_p50);
}

void PrintRadii(const std::vector<Measured>& singles, const std::vector<Measured>& sets) {
  std::printf("\nBlast radius (CIs reached, roots included) and latency by radius, every effect down:\n\n");
  std::printf("| radius       | roots | sets | ours p50 ms | ours p99 ms | SQL p50 ms | SQL p99 ms | p50 ratio | floor p50 ms |\n");
  std::printf("|--------------|-------|------|-------------|-------------|------------|------------|-----------|--------------|\n");
  for (const Bucket& b : kBuckets) {
    std::vector<double> ours, sql, floor;
    int roots = 0, sets_n = 0;
    for (const auto* list : {&singles, &sets}) {
      for (const auto& m : *list) {
        if (m.reach < b.lo || m.reach > b.hi) continue;
        ours.push_back(m.ours_ms);
        sql.push_back(m.sql_ms);
        floor.push_back(m.floor_ms);
        (list == &singles ? roots : sets_n)++;
      }
    }
    if (ours.empty()) {
      std::printf("| %-12s | %5d | %4d |             |             |            |            |           |              |\n", b.label,
                  roots, sets_n);
      continue;
    }
    const double o50 = Percentile(ours, 50), s50 = Percentile(sql, 50);
    std::printf("| %-12s | %5d | %4d | %11.2f | %11.2f | %10.2f | %10.2f | %8.1fx | %12.2f |\n", b.label, roots, sets_n,
                o50, Percentile(ours, 99), s50, Percentile(sql, 99), s50 / o50, Percentile(floor, 50));
  }
  for (const auto* list : {&singles, &sets}) {
    std::vector<double> r;
    for (const auto& m : *list) r.push_back(m.reach);
    if (r.empty()) continue;
    std::printf("%s radius: p50 %.0f, p90 %.0f, p99 %.0f, max %.0f\n", list == &singles ? "single-root" : "multi-root ",
                Percentile(r, 50), Percentile(r, 90), Percentile(r, 99), Percentile(r, 100));
  }
}

void PrintShipped(const std::vector<Measured>& singles, const std::vector<Measured>& sets) {
  std::printf("\nShipped rules (connected_to and uses degrade; redundancy on clusters, hypervisors, switches,\n"
              "applications, business services): ours only.\n\n");
  std::printf("| queries      | ours p50 ms | ours p99 ms | p99 radius <= 10k | affected p50 | p90 | max | down | degraded | above reach |\n");
  std::printf("|--------------|-------------|-------------|-------------------|--------------|-----|-----|------|----------|-------------|\n");
  for (const auto* list : {&singles, &sets}) {
    if (list->empty()) continue;
    const Summary s = Summarise(*list);
    std::vector<double> counts;
    int64_t down = 0, degraded = 0;
    int above = 0;
    for (const auto& m : *list) {
      counts.push_back(m.shipped_count);
      down += m.shipped_down;
      degraded += m.shipped_degraded;
      above += m.shipped_count > m.reach;
    }
    std::printf("| %-12s | %11.2f | %11.2f | %17.2f | %12.0f | %3.0f | %3.0f | %4.0f%% | %7.0f%% | %11d |\n",
                list == &singles ? "single roots" : "root sets", s.shipped_p50, s.shipped_p99, s.shipped_p99_small,
                Percentile(counts, 50), Percentile(counts, 90), Percentile(counts, 100),
                100.0 * static_cast<double>(down) / static_cast<double>(std::max<int64_t>(1, down + degraded)),
                100.0 * static_cast<double>(degraded) / static_cast<double>(std::max<int64_t>(1, down + degraded)),
                above);
  }
  std::printf("(down, degraded: shares of every affected CI, roots included, over all the queries; above reach:\n"
              " answers larger than plain reachability, which would be a bug)\n");
}

void PrintGraphStats(const char* when, const v1::GraphStats& g) {
  std::printf("graph %s: %lld nodes, %lld relationships, %lld impact edges, %.1f MB, %.1f bytes/edge, "
              "last full load %.0f ms\n",
              when, static_cast<long long>(g.nodes()), static_cast<long long>(g.relationships()),
              static_cast<long long>(g.edges()), static_cast<double>(g.memory_bytes()) / 1e6, g.bytes_per_edge(),
              g.load_millis());
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  int cis = 200000, relationships = 1000000, roots_n = 1000, multi_n = 200, max_depth = 0, max_results = 0;
  int rounds = 1, ci_batch = 5000, rel_batch = 10000;
  uint32_t seed = 1;
  CLI::App app{"AnalyzeImpact over gRPC vs a recursive SQL traversal, on an estate loaded through BatchWrite"};
  app.add_option("--cis", cis, "CIs in the estate")->capture_default_str();
  app.add_option("--relationships", relationships, "Relationships (at least the structure's own)")->capture_default_str();
  app.add_option("--roots", roots_n, "Random single roots per round")->capture_default_str();
  app.add_option("--multi", multi_n, "Multi-root sets (2-10 roots) per round")->capture_default_str();
  app.add_option("--max-depth", max_depth, "Depth limit on both sides (0: none)")->capture_default_str();
  app.add_option("--max-results", max_results, "AnalyzeImpact max_results (0: every affected CI)")->capture_default_str();
  app.add_option("--rounds", rounds, "Rounds of measurement on the loaded estate, new roots each")->capture_default_str();
  app.add_option("--ci-batch", ci_batch, "CIs per BatchWrite")->capture_default_str();
  app.add_option("--batch", rel_batch, "Relationships per BatchWrite")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the estate and the roots")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(getenv("CMDB_BENCH_DEBUG") ? spdlog::level::debug : spdlog::level::warn);

  BenchCluster cluster(/*fast=*/true);
  const std::string url = cluster.NewDatabase("impact");

  const auto gen_start = bench::Clock::now();
  const DataCentre dc = MakeDataCentre(cis, relationships, seed);
  std::printf("estate: %zu CIs, %zu relationships (%zu structural) generated in %.1f s\n", dc.cis.size(),
              dc.links.size(), dc.structural_links, Seconds(bench::Clock::now() - gen_start));
  {
    std::map<std::string, int> by_class;
    for (const auto& c : dc.cis) by_class[c.class_name]++;
    std::printf("  CIs:");
    for (const auto& [k, v] : by_class) std::printf(" %s %d;", k.c_str(), v);
    std::map<std::string, int> by_type;
    for (const auto& l : dc.links) by_type[kTypeNames[l.type]]++;
    std::printf("\n  relationships:");
    for (const auto& [k, v] : by_type) std::printf(" %s %d;", k.c_str(), v);
    std::printf("\n");
  }

  // Load with the impact service following the feed, as it would in production.
  std::vector<std::string> ids;
  {
    InProcessServer server(url, 8, 16, /*impact=*/true);
    const auto load_start = bench::Clock::now();
    Loaded loaded = Load(server, dc, ci_batch, rel_batch);
    const double wall = Seconds(bench::Clock::now() - load_start);
    ids = std::move(loaded.ids);
    std::printf("load through BatchWrite: %zu CIs in %.1f s (%.0f CIs/s, batches of %d), %zu relationships in %.1f s "
                "(%.0f/s, batches of %d); %.1f s wall\n",
                dc.cis.size(), loaded.ci_seconds, static_cast<double>(dc.cis.size()) / loaded.ci_seconds, ci_batch,
                dc.links.size(), loaded.rel_seconds, static_cast<double>(dc.links.size()) / loaded.rel_seconds,
                rel_batch, wall);
    auto impact = server.NewImpactStub();
    // The first query waits until the graph has applied every change of the load.
    const auto catch_up = bench::Clock::now();
    (void)AnalyzeOurs(*impact, Query{{ids[0]}}, 0, 1);
    std::printf("first AnalyzeImpact after the load (the graph catching up with the feed): %.0f ms\n",
                1000 * Seconds(bench::Clock::now() - catch_up));
    // Dual-homed hypervisors, dual-uplinked switches, applications on several
    // instances; clusters (1 of n members) and business services ship with theirs.
    SetClassRedundancy(*impact, "hypervisor", 1, {"connected_to"});
    SetClassRedundancy(*impact, "switch", 1, {"depends_on"});
    SetClassRedundancy(*impact, "application", 1, {"runs_on"});
    PrintGraphStats("after the load (kept in step through the feed)", GraphStats(*impact));
    pqxx::connection conn(url);
    pqxx::nontransaction(conn).exec0("VACUUM ANALYZE");
  }
  malloc_trim(0);

  // A fresh server: its graph is loaded from the database at start.
  const double rss0 = Rss();
  InProcessServer server(url, 8, 16, /*impact=*/true);
  const double rss1 = Rss();
  auto impact = server.NewImpactStub();
  const std::shared_ptr<grpc::Channel> floor_channel =
      grpc::CreateCustomChannel(server.target(), grpc::InsecureChannelCredentials(), server.channel_args());
  const v1::GraphStats stats = GraphStats(*impact);
  PrintGraphStats("at start", stats);
  std::printf("graph load at start: ImpactService::Start %.2f s; process RSS grew %.1f MB (%.1f bytes per impact edge)\n",
              server.impact_start_seconds(), (rss1 - rss0) / 1e6,
              (rss1 - rss0) / static_cast<double>(std::max<int64_t>(1, stats.edges())));

  const std::vector<v1::RelationshipPropagation> shipped = TypeRules(*impact);
  SqlBaseline sql(url, max_depth);
  std::mt19937 rng(seed * 7919 + 17);
  std::vector<Summary> single_summaries, multi_summaries;
  int64_t mismatches_total = 0;
  for (int round = 1; round <= rounds; ++round) {
    // The queries: distinct random CIs; sets of 2-10 CIs, half of them at
    // random, half from one rack (its switches and hypervisors: the case
    // redundancy rules are for).
    std::vector<Query> singles, sets;
    {
      std::vector<int> order(ids.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      std::shuffle(order.begin(), order.end(), rng);
      for (int i = 0; i < roots_n && i < static_cast<int>(order.size()); ++i) {
        singles.push_back({{ids[order[i]]}});
      }
      for (int i = 0; i < multi_n; ++i) {
        const int k = 2 + static_cast<int>(rng() % 9);
        std::vector<int> pool;
        if (i % 2 == 0) {
          for (int j = 0; j < k; ++j) pool.push_back(static_cast<int>(rng() % ids.size()));
        } else {
          const Rack& rack = dc.racks[rng() % dc.racks.size()];
          std::vector<int> members = {rack.tor[0], rack.tor[1]};
          members.insert(members.end(), rack.hosts.begin(), rack.hosts.end());
          std::shuffle(members.begin(), members.end(), rng);
          pool.assign(members.begin(), members.begin() + std::min<size_t>(static_cast<size_t>(k), members.size()));
        }
        Query q;
        for (int x : pool) q.roots.push_back(ids[x]);
        sets.push_back(std::move(q));
      }
    }
    std::vector<Query> all = singles;
    all.insert(all.end(), sets.begin(), sets.end());
    std::vector<Measured> m(all.size());

    // Warm both sides (caches, connections, the planner) on other roots;
    // ours again after each rule change, which the graph picks up on the
    // next query.
    auto warm = [&](int n, bool with_sql) {
      for (int i = 0; i < n; ++i) {
        Query q{{ids[rng() % ids.size()]}};
        (void)AnalyzeOurs(*impact, q, max_depth, max_results);
        if (with_sql) (void)sql.Run(q);
      }
    };
    if (round == 1) warm(50, true);

    // Pass 1: shipped rules.
    const auto t1 = bench::Clock::now();
    for (size_t i = 0; i < all.size(); ++i) {
      const OursAnswer a = AnalyzeOurs(*impact, all[i], max_depth, max_results);
      m[i].shipped_ms = a.ms;
      m[i].shipped_count = a.count;
      m[i].shipped_down = a.down;
      m[i].shipped_degraded = a.degraded;
    }
    const double pass1 = Seconds(bench::Clock::now() - t1);

    // Pass 2: every effect down, both sides, taking turns to go first.
    SetEffects(*impact, shipped, /*all_down=*/true);
    warm(5, false);
    const auto t2 = bench::Clock::now();
    for (size_t i = 0; i < all.size(); ++i) {
      OursAnswer a;
      std::pair<double, int> s;
      if (i % 2 == 0) {
        a = AnalyzeOurs(*impact, all[i], max_depth, max_results);
        s = sql.Run(all[i]);
      } else {
        s = sql.Run(all[i]);
        a = AnalyzeOurs(*impact, all[i], max_depth, max_results);
      }
      m[i].ours_ms = a.ms;
      m[i].ours_count = a.count;
      m[i].sql_ms = s.first;
      m[i].reach = s.second;
    }
    const double pass2 = Seconds(bench::Clock::now() - t2);

    // Pass 3: the gRPC floor in the same alternation with the SQL query.
    for (size_t i = 0; i < all.size(); ++i) {
      if (i % 2 == 0) {
        m[i].floor_ms = FloorCall(*floor_channel);
        (void)sql.Run(all[i]);
      } else {
        (void)sql.Run(all[i]);
        m[i].floor_ms = FloorCall(*floor_channel);
      }
    }
    SetEffects(*impact, shipped, /*all_down=*/false);
    warm(5, false);

    const std::vector<Measured> ms_single(m.begin(), m.begin() + static_cast<long>(singles.size()));
    const std::vector<Measured> ms_sets(m.begin() + static_cast<long>(singles.size()), m.end());
    std::printf("\n## Round %d: %zu single roots, %zu root sets; max_depth %d, max_results %d "
                "(pass 1 %.1f s, pass 2 %.1f s)\n\n",
                round, singles.size(), sets.size(), max_depth, max_results, pass1, pass2);
    std::printf("Every effect down (answers must equal reachability):\n\n");
    std::printf("| queries      |     n | <=10k | ours p50 | ours p99 | p99 <=10k | SQL p50  | SQL p99  | p99 <=10k | p50 ratio | floor p50 |\n");
    std::printf("|--------------|-------|-------|----------|----------|----------|----------|----------|----------|-----------|------------|\n");
    const Summary ss = Summarise(ms_single), sm = Summarise(ms_sets);
    PrintSummaryRow("single roots", ms_single, ss);
    if (!ms_sets.empty()) PrintSummaryRow("root sets", ms_sets, sm);
    single_summaries.push_back(ss);
    multi_summaries.push_back(sm);
    int mismatches = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      if (m[i].ours_count == m[i].reach) continue;
      if (++mismatches <= 10) {
        std::printf("MISMATCH: roots %s%s: ours %d, SQL %d\n", all[i].roots[0].c_str(),
                    all[i].roots.size() > 1 ? StrCat(" (+", all[i].roots.size() - 1, ")").c_str() : "",
                    m[i].ours_count, m[i].reach);
      }
    }
    mismatches_total += mismatches;
    std::printf("counts: %d of %zu answers differ from the SQL count\n", mismatches, all.size());
    PrintRadii(ms_single, ms_sets);
    PrintShipped(ms_single, ms_sets);
    std::fflush(stdout);
  }
  if (rounds > 1) {
    // The middle value, or the mean of the middle two.
    auto med = [](const std::vector<Summary>& v, double Summary::*f) {
      std::vector<double> x;
      for (const auto& s : v) x.push_back(s.*f);
      std::sort(x.begin(), x.end());
      const size_t n = x.size();
      return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    };
    std::printf("\nMedians over %d rounds (ms):\n\n", rounds);
    std::printf("| queries      | ours p50 | ours p99 | p99 <=10k | SQL p50  | SQL p99  | shipped p50 | shipped p99 |\n");
    std::printf("|--------------|----------|----------|----------|----------|----------|-------------|-------------|\n");
    for (const auto* v : {&single_summaries, &multi_summaries}) {
      std::printf("| %-12s | %8.2f | %8.2f | %8.2f | %8.2f | %8.2f | %11.2f | %11.2f |\n",
                  v == &single_summaries ? "single roots" : "root sets", med(*v, &Summary::ours_p50),
                  med(*v, &Summary::ours_p99), med(*v, &Summary::ours_p99_small), med(*v, &Summary::sql_p50),
                  med(*v, &Summary::sql_p99), med(*v, &Summary::shipped_p50), med(*v, &Summary::shipped_p99));
    }
  }
  std::printf("\nmismatches over all rounds: %lld\n", static_cast<long long>(mismatches_total));
  return mismatches_total == 0 ? 0 : 2;
}
