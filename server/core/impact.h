// Impact propagation and root-cause ranking over an impact graph
// (core/impact_graph.h). Pure functions: the caller resolves ids, rules and
// classes to dense indexes and turns the results back into CIs.
//
// States: ok < degraded < down. The roots get the scenario's state; every
// other CI's state is a function of its inputs' states (the CIs with an
// impact edge into it), evaluated from the roots to a fixed point with a
// worklist (states only rise, so cycles end):
// - over an edge whose type's effect is kDown, an input's state passes
//   unchanged (down -> down, degraded -> degraded);
// - over an edge whose effect is kDegraded, an input that is down makes the
//   dependant degraded, and an input that is only degraded passes nothing
//   (a peer's loss weakens you; a peer's weakness does not);
// - a CI with a redundancy rule counts the distinct inputs that reach it
//   over the rule's types (all its impact inputs when the rule names none),
//   whether affected or not: n of them, `lost` of them down. With
//   n - lost < needed (min_up, or ceil(n * min_up_percent / 100)) it is down;
//   with some lost or degraded but enough up, degraded. Its other inputs
//   count as above, and its state is the worst of the two.
// Only CIs within max_depth hops of a root (over followed types, not
// passing through a stop class) are considered at all.
//
// Precisely:
// - The region is the set of CIs reached from the roots by a breadth-first
//   walk over impact edges of followed types, at most max_depth hops (no
//   limit with 0), that enters a stop-class CI but does not leave it (a
//   root always propagates). Impact travels only over followed edges
//   between CIs of the region, and never out of a stop-class CI that is
//   not a root; such a CI can still be affected itself.
// - Roots keep the scenario's state whatever their inputs.
// - A CI's rule is its own (Rules::node_rule) if it has one, else its
//   class's. An input of a rule's types counts toward n whatever the query
//   follows or reaches (it is a member either way); it counts as lost when
//   it is down and its state travels to the CI (the edge is followed, the
//   input is in the region and propagates). The edge's effect does not
//   apply to members: the rule alone turns their states into the CI's. An
//   input joined by edges of several types is a member when any of them
//   is of the rule's types, and then also a plain input over the others.
//   needed is min_up when > 0, else ceil(n * min_up_percent / 100). While
//   no member is lost or degraded the rule contributes nothing (so a rule
//   needing more members than exist does not take a CI down on its own).
// - distance and via come from a breadth-first walk from the roots over
//   the edges that carried impact: followed edges from a root or a
//   non-stop-class CI u to an affected non-root CI v where u's final state
//   passes something over the edge (over a member edge: u is affected; over
//   another edge: its effect leaves something). Among the shortest
//   predecessors, via is the one with the smallest node id, and via_rel the
//   smallest relationship slot from it, so the answer does not depend on
//   the order edges are stored in.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/impact_graph.h"

namespace cmdb::impact {

enum class State : uint8_t { kOk = 0, kDegraded = 1, kDown = 2 };
enum class Effect : uint8_t { kDown = 0, kDegraded = 1 };

struct Redundancy {
  int min_up = 0;                // one of min_up / min_up_percent is > 0
  int min_up_percent = 0;
  std::vector<TypeId> types;     // empty: every impact input
};

// Everything that decides states besides the graph.
struct Rules {
  std::vector<Effect> effect_by_type;              // missing: kDown
  std::vector<const Redundancy*> class_rule;       // by ClassId, already resolved
                                                   // through the class tree; null: none
  absl::flat_hash_map<NodeId, Redundancy> node_rule;  // a CI's own rule wins
};

struct ImpactQuery {
  std::vector<NodeId> roots;        // live nodes; duplicates ignored
  State root_state = State::kDown;  // kDown (outage, change) or kDegraded
  int max_depth = 0;                // 0: no limit
  std::vector<bool> follow_type;    // by TypeId; empty: follow every type; beyond the end: not followed
  std::vector<bool> stop_class;     // by ClassId; empty or beyond the end: none. Roots always propagate.
};

struct Affected {
  NodeId node = -1;
  State state = State::kOk;
  int distance = 0;        // hops from the nearest root over edges that carried impact
  NodeId via = -1;         // the previous CI on one shortest such path (-1 for a root)
  RelIndex via_rel = -1;
  TypeId via_type = -1;
  // Set when a redundancy rule applies to the CI (never on a root): inputs
  // counted, lost (down), and needed.
  int redundancy_total = -1;
  int redundancy_lost = 0;
  int redundancy_needed = 0;
};

struct ImpactResult {
  // Roots first (in query order), then by distance, then by node id.
  std::vector<Affected> affected;
};

// Every CI whose state ends above ok. Unknown or dead roots are the caller's
// to reject; here they are ignored.
//
// Cost: about one look at each out-edge of each CI of the region and one
// more per rise of an affected CI's state (at most two), plus the in-edges
// of each CI with a rule, once. No allocation per CI: Analyze, Reachable
// and RankRootCauses share per-thread scratch arrays sized to the graph
// (some 80 bytes per node slot, kept for the thread's life). Callers on
// several threads may run them at once over the same const graph.
ImpactResult Analyze(const Graph& graph, const Rules& rules, const ImpactQuery& query);

// The path from a root to affected[i], following via: positions in
// result.affected, the root's first and i last (so each step's via_rel and
// via_type are at hand). `index` maps a node to its position in
// result.affected (built by the caller or by IndexByNode). Empty when i is
// out of range.
absl::flat_hash_map<NodeId, int> IndexByNode(const ImpactResult& result);
std::vector<int> PathTo(const ImpactResult& result, const absl::flat_hash_map<NodeId, int>& index, int i);

// Plain reachability (no states): the nodes within max_depth hops of the
// roots over followed types (as in ImpactQuery), with their hop distance;
// roots at 0. Dead or unknown roots are ignored. The answer a recursive SQL
// traversal gives; used to cross-check Analyze.
absl::flat_hash_map<NodeId, int> Reachable(const Graph& graph, const std::vector<NodeId>& roots, int max_depth,
                                           const std::vector<bool>& follow_type);

struct RootCauseQuery {
  std::vector<NodeId> alarms;    // duplicates ignored
  int max_depth = 0;             // 0: no limit
  std::vector<bool> follow_type; // empty: every type
  int max_candidates = 10;
  // Evidence on candidates (open incidents, recent failed changes): a higher
  // score wins a tie on `explains`.
  absl::flat_hash_map<NodeId, int> evidence;
};

struct Candidate {
  NodeId node = -1;
  std::vector<NodeId> explained;    // alarms it reaches (itself when an alarm), in alarm order
  std::vector<NodeId> unexplained;  // the other alarms, in alarm order
  int silent_affected = 0;          // reachable CIs that are not alarms
  int distance_sum = 0;             // over the explained alarms
  int evidence = 0;
};

// Candidates: every CI whose single failure would affect at least one alarm
// (the alarms included), along the edges that carry it under the types'
// effects as Analyze does (a degraded-effect edge carries only a CI that is
// down); redundancy rules are not applied here. Ordered by explains (more first), evidence (more
// first), silent_affected (fewer first), distance_sum (smaller first), then
// UUID byte order: deterministic. At most max_candidates (none when it is
// 0 or less). Dead or unknown alarms are ignored.
//
// Reachability is over impact edges of followed types within max_depth
// hops. silent_affected counts the CIs reachable from the candidate (not
// the candidate itself) that are not alarms. It is computed only for a
// shortlist, the first 4 * max_candidates candidates by (explains,
// evidence, distance_sum, UUID), and each count stops at
// 1,000,000 / shortlist size visits (it is then a lower bound): a
// candidate outside the shortlist is not returned.
std::vector<Candidate> RankRootCauses(const Graph& graph, const Rules& rules, const RootCauseQuery& query);

}  // namespace cmdb::impact
