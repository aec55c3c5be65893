// Unit tests for core/impact_graph.h and core/impact.h: edge directions and
// effects, redundancy rules, depth, type and class limits, distances and
// paths, the overlay and compaction, reachability as a cross-check, and
// root-cause ranking.
#include "core/impact.h"
#include "core/impact_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cmdb::impact {
namespace {

// Relationship types of the tests and their impact directions.
enum : TypeId {
  kDependsOn = 0,  // source depends on target: target -> source
  kRuns = 1,       // source runs target: source -> target
  kPeer = 2,       // both ways
  kRef = 3,        // no impact
  kMemberOf = 4,   // source is a member of target: source -> target
  kFeeds = 5,      // source feeds target: source -> target
};

std::vector<Direction> Directions() {
  return {Direction::kTargetToSource, Direction::kSourceToTarget, Direction::kBoth,
          Direction::kNone,           Direction::kSourceToTarget, Direction::kSourceToTarget};
}

// A UUID whose byte order follows `n`.
Uuid IdOf(uint32_t n) {
  Uuid u{};
  u[12] = static_cast<uint8_t>(n >> 24);
  u[13] = static_cast<uint8_t>(n >> 16);
  u[14] = static_cast<uint8_t>(n >> 8);
  u[15] = static_cast<uint8_t>(n);
  return u;
}

// A graph built by name.
class Net {
 public:
  Net() { g.SetDirections(Directions()); }

  NodeId Add(const std::string& name, ClassId cls = 0) {
    Uuid id = IdOf(++nodes_);
    uuids_[name] = id;
    return g.UpsertNode(id, cls, 0, name);
  }
  // Adds each name not yet known.
  void Need(const std::string& name) {
    if (!uuids_.contains(name)) Add(name);
  }
  Uuid Link(const std::string& source, const std::string& target, TypeId type) {
    Need(source);
    Need(target);
    Uuid id = IdOf(1'000'000 + ++rels_);
    EXPECT_TRUE(g.UpsertRelationship(id, uuids_.at(source), uuids_.at(target), type));
    return id;
  }
  const Uuid& uuid(const std::string& name) const { return uuids_.at(name); }
  NodeId operator[](const std::string& name) const { return g.Find(uuids_.at(name)); }
  const std::string& name(NodeId n) const { return g.node(n).name; }

  ImpactQuery Query(const std::vector<std::string>& roots, State state = State::kDown) const {
    ImpactQuery q;
    for (const std::string& r : roots) q.roots.push_back((*this)[r]);
    q.root_state = state;
    return q;
  }
  // name -> state of every affected CI.
  std::map<std::string, State> States(const ImpactResult& r) const {
    std::map<std::string, State> out;
    for (const Affected& a : r.affected) out[name(a.node)] = a.state;
    return out;
  }
  std::map<std::string, State> Run(const ImpactQuery& q, const Rules& rules = {}) const {
    return States(Analyze(g, rules, q));
  }
  const Affected* Find(const ImpactResult& r, const std::string& n) const {
    for (const Affected& a : r.affected) {
      if (a.node == (*this)[n]) return &a;
    }
    return nullptr;
  }
  std::vector<std::string> Names(const std::vector<NodeId>& ids) const {
    std::vector<std::string> out;
    for (NodeId n : ids) out.push_back(name(n));
    return out;
  }
  // The names along PathTo(r, ..., i).
  std::vector<std::string> Path(const ImpactResult& r, int i) const {
    std::vector<std::string> out;
    for (int at : PathTo(r, IndexByNode(r), i)) out.push_back(name(r.affected[at].node));
    return out;
  }

  Graph g;

 private:
  uint32_t nodes_ = 0;
  uint32_t rels_ = 0;
  std::map<std::string, Uuid> uuids_;
};

using States = std::map<std::string, State>;
constexpr State kDown = State::kDown;
constexpr State kDegraded = State::kDegraded;

Rules WithEffects(std::vector<Effect> effects) {
  Rules r;
  r.effect_by_type = std::move(effects);
  return r;
}

// --- UUIDs ------------------------------------------------------------------

TEST(ImpactUuid, ParsesAnyCaseAndFormatsLowerCase) {
  Uuid u;
  ASSERT_TRUE(ParseUuid("0189ABCD-ef01-7234-8567-89abcdef0123", &u));
  EXPECT_EQ(u[0], 0x01);
  EXPECT_EQ(u[1], 0x89);
  EXPECT_EQ(u[15], 0x23);
  EXPECT_EQ(FormatUuid(u), "0189abcd-ef01-7234-8567-89abcdef0123");
  EXPECT_FALSE(ParseUuid("0189abcd-ef01-7234-8567-89abcdef012", &u));
  EXPECT_FALSE(ParseUuid("0189abcd-ef01-7234-8567-89abcdef012g", &u));
  EXPECT_FALSE(ParseUuid("0189abcdaef01-7234-8567-89abcdef0123", &u));
  EXPECT_EQ(UuidHash{}(IdOf(7)), UuidHash{}(IdOf(7)));
}

// --- Directions ---------------------------------------------------------------

TEST(ImpactDirection, TargetToSourceRunsFromTarget) {
  Net n;
  n.Link("app", "db", kDependsOn);
  EXPECT_EQ(n.Run(n.Query({"db"})), (States{{"db", kDown}, {"app", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"app"})), (States{{"app", kDown}}));
}

TEST(ImpactDirection, SourceToTargetRunsFromSource) {
  Net n;
  n.Link("host", "vm", kRuns);
  EXPECT_EQ(n.Run(n.Query({"host"})), (States{{"host", kDown}, {"vm", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"vm"})), (States{{"vm", kDown}}));
}

TEST(ImpactDirection, BothRunsEitherWay) {
  Net n;
  n.Link("a", "b", kPeer);
  EXPECT_EQ(n.Run(n.Query({"a"})), (States{{"a", kDown}, {"b", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"b"})), (States{{"a", kDown}, {"b", kDown}}));
}

TEST(ImpactDirection, NoneCarriesNothing) {
  Net n;
  n.Link("a", "b", kRef);
  EXPECT_EQ(n.Run(n.Query({"a"})), (States{{"a", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"b"})), (States{{"b", kDown}}));
  EXPECT_EQ(n.g.live_relationship_count(), 1);
}

// --- Effects -----------------------------------------------------------------

TEST(ImpactEffect, DownPassesStateUnchanged) {
  Net n;
  n.Link("a", "b", kFeeds);
  n.Link("b", "c", kFeeds);
  EXPECT_EQ(n.Run(n.Query({"a"}, kDegraded)), (States{{"a", kDegraded}, {"b", kDegraded}, {"c", kDegraded}}));
}

TEST(ImpactEffect, DegradedEdgeTurnsDownIntoDegraded) {
  Net n;
  n.Link("a", "b", kPeer);
  n.Link("b", "c", kFeeds);
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  EXPECT_EQ(n.Run(n.Query({"a"}), rules), (States{{"a", kDown}, {"b", kDegraded}, {"c", kDegraded}}));
}

TEST(ImpactEffect, DegradedInputPassesNothingOverDegradedEdge) {
  Net n;
  n.Link("a", "b", kPeer);
  n.Link("x", "a", kFeeds);
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  EXPECT_EQ(n.Run(n.Query({"a"}, kDegraded), rules), (States{{"a", kDegraded}}));
  // Degraded by a down peer, b passes nothing to its own peer c.
  n.Link("b", "c", kPeer);
  EXPECT_EQ(n.Run(n.Query({"a"}), rules), (States{{"a", kDown}, {"b", kDegraded}}));
  // But x down passes down into a, and a's loss degrades b.
  EXPECT_EQ(n.Run(n.Query({"x"}), rules), (States{{"x", kDown}, {"a", kDown}, {"b", kDegraded}}));
}

TEST(ImpactEffect, DegradedInputPassesDownEdgeAsDegraded) {
  Net n;
  n.Link("a", "b", kPeer);
  n.Link("b", "c", kFeeds);  // kFeeds keeps the default effect, kDown
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  EXPECT_EQ(n.Run(n.Query({"a"}), rules), (States{{"a", kDown}, {"b", kDegraded}, {"c", kDegraded}}));
  EXPECT_EQ(n.Run(n.Query({"b"}, kDegraded), rules), (States{{"b", kDegraded}, {"c", kDegraded}}));
}

TEST(ImpactEffect, WorstInputWins) {
  Net n;
  n.Link("a", "c", kPeer);   // degraded effect
  n.Link("b", "c", kFeeds);  // down effect
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  EXPECT_EQ(n.Run(n.Query({"a"}), rules)["c"], kDegraded);
  EXPECT_EQ(n.Run(n.Query({"a", "b"}), rules)["c"], kDown);
}

// --- Redundancy ----------------------------------------------------------------

// A cluster of `members` members (m1..mN, kMemberOf) and an app on top.
Net Cluster(int members) {
  Net n;
  n.Add("cluster", 1);
  for (int i = 1; i <= members; ++i) n.Link(absl::StrCat("m", i), "cluster", kMemberOf);
  n.Link("app", "cluster", kDependsOn);
  return n;
}

Rules ClassRule(const Redundancy* rule, ClassId cls = 1) {
  Rules r;
  r.class_rule.resize(static_cast<size_t>(cls) + 1, nullptr);
  r.class_rule[cls] = rule;
  return r;
}

TEST(ImpactRedundancy, KOfNLosingOneDegradesLosingTooManyDowns) {
  Net n = Cluster(3);
  Redundancy two{.min_up = 2};
  Rules rules = ClassRule(&two);

  ImpactResult one = Analyze(n.g, rules, n.Query({"m1"}));
  EXPECT_EQ(n.States(one), (States{{"m1", kDown}, {"cluster", kDegraded}, {"app", kDegraded}}));
  const Affected* c = n.Find(one, "cluster");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->redundancy_total, 3);
  EXPECT_EQ(c->redundancy_lost, 1);
  EXPECT_EQ(c->redundancy_needed, 2);
  EXPECT_EQ(n.Find(one, "app")->redundancy_total, -1);

  EXPECT_EQ(n.Run(n.Query({"m1", "m2"}), rules), (States{{"m1", kDown}, {"m2", kDown}, {"cluster", kDown}, {"app", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"m1", "m2", "m3"}), rules)["cluster"], kDown);
}

TEST(ImpactRedundancy, TwoRootsInOneGroupAndDegradedMembers) {
  Net n = Cluster(4);
  Redundancy two{.min_up = 2};
  Rules rules = ClassRule(&two);
  ImpactResult r = Analyze(n.g, rules, n.Query({"m1", "m3"}));
  EXPECT_EQ(n.Find(r, "cluster")->state, kDegraded);
  EXPECT_EQ(n.Find(r, "cluster")->redundancy_lost, 2);
  // Degraded members lose nothing but weaken the group.
  ImpactResult d = Analyze(n.g, rules, n.Query({"m1", "m2", "m3"}, kDegraded));
  EXPECT_EQ(n.Find(d, "cluster")->state, kDegraded);
  EXPECT_EQ(n.Find(d, "cluster")->redundancy_lost, 0);
}

TEST(ImpactRedundancy, MemberReachingTwiceCountsOnce) {
  Net n = Cluster(2);
  n.Link("m1", "cluster", kMemberOf);  // a second relationship, same member
  Redundancy one{.min_up = 1};
  Rules rules = ClassRule(&one);
  ImpactResult r = Analyze(n.g, rules, n.Query({"m1"}));
  const Affected* c = n.Find(r, "cluster");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->state, kDegraded);
  EXPECT_EQ(c->redundancy_total, 2);
  EXPECT_EQ(c->redundancy_lost, 1);
}

TEST(ImpactRedundancy, PercentRule) {
  Net n = Cluster(4);
  Redundancy half{.min_up_percent = 50};
  Rules rules = ClassRule(&half);
  ImpactResult two = Analyze(n.g, rules, n.Query({"m1", "m2"}));
  EXPECT_EQ(n.Find(two, "cluster")->state, kDegraded);
  EXPECT_EQ(n.Find(two, "cluster")->redundancy_needed, 2);
  EXPECT_EQ(n.Run(n.Query({"m1", "m2", "m3"}), rules)["cluster"], kDown);

  Redundancy most{.min_up_percent = 60};  // ceil(4 * 0.6) = 3
  Rules strict = ClassRule(&most);
  ImpactResult s = Analyze(n.g, strict, n.Query({"m1", "m2"}));
  EXPECT_EQ(n.Find(s, "cluster")->redundancy_needed, 3);
  EXPECT_EQ(n.Find(s, "cluster")->state, kDown);
}

TEST(ImpactRedundancy, RuleOverItsTypesOtherInputsPlain) {
  Net n = Cluster(3);
  n.Link("cluster", "storage", kDependsOn);  // storage -> cluster, not a member
  Redundancy two{.min_up = 2, .types = {kMemberOf}};
  Rules rules = ClassRule(&two);
  ImpactResult s = Analyze(n.g, rules, n.Query({"storage"}));
  EXPECT_EQ(n.Find(s, "cluster")->state, kDown);
  EXPECT_EQ(n.Find(s, "cluster")->redundancy_total, 3);
  EXPECT_EQ(n.Find(s, "cluster")->redundancy_lost, 0);
  EXPECT_EQ(n.Run(n.Query({"m1"}), rules)["cluster"], kDegraded);

  // A rule naming no types counts storage as a fourth member.
  Redundancy any{.min_up = 2};
  Rules all = ClassRule(&any);
  ImpactResult a = Analyze(n.g, all, n.Query({"storage"}));
  EXPECT_EQ(n.Find(a, "cluster")->state, kDegraded);
  EXPECT_EQ(n.Find(a, "cluster")->redundancy_total, 4);
}

TEST(ImpactRedundancy, NodeRuleWinsOverClassRule) {
  Net n = Cluster(3);
  Redundancy lenient{.min_up = 1};
  Redundancy strict{.min_up = 3};
  Rules rules = ClassRule(&lenient);
  EXPECT_EQ(n.Run(n.Query({"m1"}), rules)["cluster"], kDegraded);
  rules.node_rule[n["cluster"]] = strict;
  EXPECT_EQ(n.Run(n.Query({"m1"}), rules)["cluster"], kDown);
  // No rule at all: a member's loss is the cluster's.
  EXPECT_EQ(n.Run(n.Query({"m1"}))["cluster"], kDown);
}

TEST(ImpactRedundancy, MembersOutsideTheRegionCountButAreNotLost) {
  Net n = Cluster(3);
  n.Link("m2", "far", kDependsOn);  // far -> m2
  Redundancy two{.min_up = 2};
  Rules rules = ClassRule(&two);
  ImpactQuery q = n.Query({"m1", "far"});
  q.max_depth = 1;  // m2 is in the region (down), cluster too
  EXPECT_EQ(n.Run(q, rules)["cluster"], kDown);
  q.roots = {n["m1"]};
  ImpactResult r = Analyze(n.g, rules, q);
  EXPECT_EQ(n.Find(r, "cluster")->redundancy_total, 3);
  EXPECT_EQ(n.Find(r, "cluster")->state, kDegraded);
}

// --- Graph shape and limits ----------------------------------------------------

TEST(ImpactLimits, CyclesTerminate) {
  Net n;
  n.Link("a", "b", kFeeds);
  n.Link("b", "c", kFeeds);
  n.Link("c", "a", kFeeds);
  n.Link("c", "d", kPeer);
  n.Link("d", "d", kFeeds);
  EXPECT_EQ(n.Run(n.Query({"a"})), (States{{"a", kDown}, {"b", kDown}, {"c", kDown}, {"d", kDown}}));
  // A cycle through a redundant group and a degraded edge rises, then stops.
  n.Link("e", "b", kFeeds);  // b needs one of a and e
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  Redundancy one{.min_up = 1};
  rules.node_rule[n["b"]] = one;
  EXPECT_EQ(n.Run(n.Query({"a"}), rules), (States{{"a", kDown}, {"b", kDegraded}, {"c", kDegraded}}));
}

TEST(ImpactLimits, DepthLimit) {
  Net n;
  for (int i = 0; i < 5; ++i) n.Link(absl::StrCat("n", i), absl::StrCat("n", i + 1), kFeeds);
  ImpactQuery q = n.Query({"n0"});
  q.max_depth = 2;
  EXPECT_EQ(n.Run(q), (States{{"n0", kDown}, {"n1", kDown}, {"n2", kDown}}));
  q.max_depth = 0;
  EXPECT_EQ(n.Run(q).size(), 6u);
}

TEST(ImpactLimits, DepthCountsHopsOfTheRegionNotOfImpact) {
  // b is in the region at hop 1 over a degraded-effect edge that carries
  // nothing from a degraded root, so c is in it at hop 2; impact reaches c
  // the long way, at distance 3.
  Net n;
  n.Link("a", "b", kPeer);
  n.Link("b", "c", kFeeds);
  n.Link("a", "x", kFeeds);
  n.Link("x", "y", kFeeds);
  n.Link("y", "c", kFeeds);
  n.Link("c", "d", kFeeds);
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  ImpactQuery q = n.Query({"a"}, kDegraded);
  q.max_depth = 2;
  ImpactResult r = Analyze(n.g, rules, q);
  EXPECT_EQ(n.States(r), (States{{"a", kDegraded}, {"x", kDegraded}, {"y", kDegraded}, {"c", kDegraded}}));
  EXPECT_EQ(n.Find(r, "c")->distance, 3);
  EXPECT_EQ(n.name(n.Find(r, "c")->via), "y");
  q.max_depth = 1;
  EXPECT_EQ(n.Run(q, rules), (States{{"a", kDegraded}, {"x", kDegraded}}));
}

TEST(ImpactLimits, TypeFilter) {
  Net n;
  n.Link("host", "vm", kRuns);
  n.Link("host", "other", kFeeds);
  ImpactQuery q = n.Query({"host"});
  q.follow_type = {false, true};  // kRuns only; beyond the end: not followed
  EXPECT_EQ(n.Run(q), (States{{"host", kDown}, {"vm", kDown}}));
  EXPECT_EQ(Reachable(n.g, q.roots, 0, q.follow_type).size(), 2u);
}

TEST(ImpactLimits, StopClassIsAffectedButDoesNotPass) {
  Net n;
  n.Add("service", 7);
  n.Link("db", "service", kFeeds);
  n.Link("service", "portal", kFeeds);
  ImpactQuery q = n.Query({"db"});
  q.stop_class.assign(8, false);
  q.stop_class[7] = true;
  EXPECT_EQ(n.Run(q), (States{{"db", kDown}, {"service", kDown}}));
  // A root of a stop class propagates.
  EXPECT_EQ(n.Run(n.Query({"service"}))["portal"], kDown);
  q.roots = {n["service"]};
  EXPECT_EQ(n.Run(q), (States{{"service", kDown}, {"portal", kDown}}));
}

TEST(ImpactLimits, MultipleRootsAndDuplicatesAndDeadRoots) {
  Net n;
  n.Link("a", "c", kFeeds);
  n.Link("b", "c", kFeeds);
  n.Link("c", "d", kFeeds);
  n.Add("gone");
  ImpactQuery q = n.Query({"b", "a", "b"});
  q.roots.push_back(n["gone"]);
  n.g.RemoveNode(n.uuid("gone"));
  q.roots.push_back(12345);
  ImpactResult r = Analyze(n.g, {}, q);
  ASSERT_EQ(r.affected.size(), 4u);
  EXPECT_EQ(n.name(r.affected[0].node), "b");  // roots in query order
  EXPECT_EQ(n.name(r.affected[1].node), "a");
  EXPECT_EQ(n.name(r.affected[2].node), "c");
  EXPECT_EQ(r.affected[2].distance, 1);
  EXPECT_EQ(n.name(r.affected[2].via), "a");  // the smaller node id of two
  EXPECT_EQ(r.affected[3].distance, 2);
  EXPECT_TRUE(Analyze(n.g, {}, ImpactQuery{}).affected.empty());
}

// --- Distances and paths -------------------------------------------------------

TEST(ImpactPath, ShortestCarryingPathViaAndPathTo) {
  Net n;
  n.Link("root", "near", kPeer);  // degraded effect: carries nothing from a degraded root
  n.Link("near", "target", kFeeds);
  n.Link("root", "p1", kFeeds);
  n.Link("p1", "p2", kFeeds);
  Uuid last = n.Link("p2", "target", kFeeds);
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});

  ImpactResult r = Analyze(n.g, rules, n.Query({"root"}, kDegraded));
  const Affected* t = n.Find(r, "target");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->distance, 3);
  EXPECT_EQ(n.name(t->via), "p2");
  EXPECT_EQ(t->via_type, kFeeds);
  EXPECT_EQ(t->via_rel, n.g.FindRelationship(last));
  auto index = IndexByNode(r);
  const int i = index.at(n["target"]);
  EXPECT_EQ(n.Path(r, i), (std::vector<std::string>{"root", "p1", "p2", "target"}));
  // Positions, each step carrying the relationship it came over.
  const std::vector<int> steps = PathTo(r, index, i);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps.front(), 0);
  EXPECT_EQ(steps.back(), i);
  EXPECT_EQ(r.affected[steps[0]].via_rel, -1);
  for (size_t k = 1; k < steps.size(); ++k) {
    const Affected& step = r.affected[steps[k]];
    EXPECT_EQ(step.via, r.affected[steps[k - 1]].node);
    EXPECT_EQ(n.g.relationship(step.via_rel).type, kFeeds);
  }
  EXPECT_EQ(n.Path(r, 0), (std::vector<std::string>{"root"}));
  EXPECT_TRUE(PathTo(r, index, 99).empty());
  // Order: root, then distance.
  for (size_t k = 2; k < r.affected.size(); ++k) EXPECT_LE(r.affected[k - 1].distance, r.affected[k].distance);

  // Down, the short way carries.
  ImpactResult down = Analyze(n.g, rules, n.Query({"root"}));
  EXPECT_EQ(n.Find(down, "target")->distance, 2);
  EXPECT_EQ(n.name(n.Find(down, "target")->via), "near");
}

TEST(ImpactPath, ShorterPathThatCarriesLateCorrectsDistancesDownstream) {
  // x is degraded at once (root -> x over a degraded-effect edge) and so
  // passes nothing to t over another; t is first reached the long way (4
  // hops) and passes that on to s. Later x goes down by a longer chain,
  // x -> t carries, and t, then s, get shorter distances.
  Net n;
  n.Link("root", "p1", kFeeds);
  n.Link("p1", "p2", kFeeds);
  n.Link("p2", "p3", kFeeds);
  n.Link("p3", "t", kFeeds);
  n.Link("t", "s", kFeeds);
  n.Link("root", "x", kPeer);
  n.Link("x", "t", kPeer);
  std::string prev = "root";
  for (int i = 1; i <= 6; ++i) {
    n.Link(prev, absl::StrCat("q", i), kFeeds);
    prev = absl::StrCat("q", i);
  }
  n.Link(prev, "x", kFeeds);
  Rules rules = WithEffects({Effect::kDown, Effect::kDown, Effect::kDegraded});
  ImpactResult r = Analyze(n.g, rules, n.Query({"root"}));
  ASSERT_NE(n.Find(r, "x"), nullptr);
  EXPECT_EQ(n.Find(r, "x")->state, kDown);
  EXPECT_EQ(n.Find(r, "x")->distance, 1);
  EXPECT_EQ(n.Find(r, "t")->distance, 2);
  EXPECT_EQ(n.name(n.Find(r, "t")->via), "x");
  EXPECT_EQ(n.Find(r, "s")->distance, 3);
  EXPECT_EQ(n.Path(r, IndexByNode(r).at(n["s"])), (std::vector<std::string>{"root", "x", "t", "s"}));
}

// --- Overlay and compaction -----------------------------------------------------

// name -> (state, distance) of every affected CI.
std::map<std::string, std::pair<State, int>> Answer(const Net& n, const ImpactQuery& q, const Rules& rules = {}) {
  std::map<std::string, std::pair<State, int>> out;
  for (const Affected& a : Analyze(n.g, rules, q).affected) out[n.name(a.node)] = {a.state, a.distance};
  return out;
}

TEST(ImpactGraph, OverlayChangesThenCompactGiveTheSameAnswers) {
  Net n;
  n.Link("a", "b", kFeeds);
  Uuid bc = n.Link("b", "c", kFeeds);
  n.Link("c", "d", kFeeds);
  n.g.Compact();
  EXPECT_EQ(n.g.pending_edges(), 0);

  // Replace b -> c by b -> d (array edge ignored, overlay edge used).
  ASSERT_TRUE(n.g.UpsertRelationship(bc, n.uuid("b"), n.uuid("d"), kFeeds));
  EXPECT_EQ(n.g.live_relationship_count(), 3);
  auto q = [&] { return n.Query({"a"}); };
  using A = std::map<std::string, std::pair<State, int>>;
  A replaced{{"a", {kDown, 0}}, {"b", {kDown, 1}}, {"d", {kDown, 2}}};
  EXPECT_EQ(Answer(n, q()), replaced);
  // Replace again before compaction: only the newest edges count.
  ASSERT_TRUE(n.g.UpsertRelationship(bc, n.uuid("c"), n.uuid("b"), kRuns));
  A again{{"a", {kDown, 0}}, {"b", {kDown, 1}}};
  EXPECT_EQ(Answer(n, q()), again);
  ASSERT_TRUE(n.g.UpsertRelationship(bc, n.uuid("b"), n.uuid("c"), kFeeds));
  A back{{"a", {kDown, 0}}, {"b", {kDown, 1}}, {"c", {kDown, 2}}, {"d", {kDown, 3}}};
  EXPECT_EQ(Answer(n, q()), back);
  // The same upsert again changes nothing.
  const RelIndex slot = n.g.FindRelationship(bc);
  ASSERT_TRUE(n.g.UpsertRelationship(bc, n.uuid("b"), n.uuid("c"), kFeeds));
  EXPECT_EQ(n.g.FindRelationship(bc), slot);

  // Add a node and an edge, remove one.
  Uuid ae = n.Link("a", "e", kRuns);
  A added = back;
  added["e"] = {kDown, 1};
  EXPECT_EQ(Answer(n, q()), added);
  n.g.RemoveRelationship(ae);
  EXPECT_EQ(Answer(n, q()), back);
  n.g.RemoveRelationship(ae);  // unknown now: no-op
  EXPECT_EQ(n.g.live_relationship_count(), 3);

  // Remove c: c -> d and b -> c go with it, also a no-impact one.
  n.Link("c", "x", kRef);
  EXPECT_EQ(n.g.live_relationship_count(), 4);
  n.g.RemoveNode(n.uuid("c"));
  EXPECT_EQ(n.g.live_relationship_count(), 1);
  EXPECT_EQ(n.g.live_node_count(), 5);
  EXPECT_EQ(n.g.Find(n.uuid("c")), -1);
  A removed{{"a", {kDown, 0}}, {"b", {kDown, 1}}};
  EXPECT_EQ(Answer(n, q()), removed);
  // Relationships to an unknown node are refused.
  EXPECT_FALSE(n.g.UpsertRelationship(IdOf(42), n.uuid("b"), n.uuid("c"), kFeeds));

  // c comes back in a new slot, without its old relationships.
  const int slots = n.g.node_count();
  const NodeId c2 = n.g.UpsertNode(n.uuid("c"), 0, 0, "c");
  EXPECT_EQ(c2, slots);
  EXPECT_EQ(Answer(n, q()), removed);
  n.Link("b", "c", kFeeds);
  A revived{{"a", {kDown, 0}}, {"b", {kDown, 1}}, {"c", {kDown, 2}}};
  EXPECT_EQ(Answer(n, q()), revived);

  n.g.Compact();
  EXPECT_EQ(n.g.pending_edges(), 0);
  EXPECT_EQ(Answer(n, q()), revived);
  EXPECT_EQ(n.g.live_relationship_count(), 2);
  EXPECT_GT(n.g.MemoryBytes(), 0u);
}

TEST(ImpactGraph, UpsertNodeUpdatesData) {
  Net n;
  const NodeId a = n.Add("a", 1);
  EXPECT_EQ(n.g.UpsertNode(n.uuid("a"), 2, 4, "renamed"), a);
  EXPECT_EQ(n.g.node(a).class_id, 2);
  EXPECT_EQ(n.g.node(a).criticality, 4);
  EXPECT_EQ(n.g.node(a).name, "renamed");
  EXPECT_EQ(n.g.live_node_count(), 1);
}

TEST(ImpactGraph, CompactsOnItsOwnWhenTheOverlayGrows) {
  Graph g;
  g.SetDirections({Direction::kSourceToTarget});
  for (uint32_t i = 0; i < 3000; ++i) g.UpsertNode(IdOf(i), 0, 0, "");
  for (uint32_t i = 0; i + 1 < 3000; ++i) ASSERT_TRUE(g.UpsertRelationship(IdOf(100000 + i), IdOf(i), IdOf(i + 1), 0));
  EXPECT_LT(g.pending_edges(), 4097);
  auto r = Reachable(g, {0}, 0, {});
  EXPECT_EQ(r.size(), 3000u);
  EXPECT_EQ(r.at(2999), 2999);
}

TEST(ImpactGraph, SetDirectionsRebuilds) {
  Net n;
  n.Link("app", "db", kDependsOn);
  n.Link("db", "disk", kRef);
  EXPECT_EQ(n.Run(n.Query({"db"})), (States{{"db", kDown}, {"app", kDown}}));
  std::vector<Direction> d = Directions();
  d[kDependsOn] = Direction::kSourceToTarget;
  d[kRef] = Direction::kBoth;
  n.g.SetDirections(d);
  EXPECT_EQ(n.g.direction(kRef), Direction::kBoth);
  EXPECT_EQ(n.Run(n.Query({"db"})), (States{{"db", kDown}, {"disk", kDown}}));
  EXPECT_EQ(n.Run(n.Query({"app"})), (States{{"app", kDown}, {"db", kDown}, {"disk", kDown}}));
  n.g.SetDirections({});
  EXPECT_EQ(n.g.direction(kDependsOn), Direction::kNone);
  EXPECT_EQ(n.Run(n.Query({"app"})), (States{{"app", kDown}}));
}

// --- Property: reachability and propagation agree --------------------------------

TEST(ImpactProperty, AllDownNoRulesEqualsReachable) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    Graph g;
    const int types = 4;
    std::vector<Direction> dirs;
    for (int t = 0; t < types; ++t) dirs.push_back(static_cast<Direction>(rng() % 4));
    g.SetDirections(dirs);
    const int nodes = 2 + static_cast<int>(rng() % 60);
    for (int i = 0; i < nodes; ++i) g.UpsertNode(IdOf(static_cast<uint32_t>(i)), 0, 0, "");
    const int rels = static_cast<int>(rng() % (3 * nodes));
    std::vector<Uuid> rel_ids;
    for (int i = 0; i < rels; ++i) {
      Uuid id = IdOf(1'000'000 + static_cast<uint32_t>(i));
      g.UpsertRelationship(id, IdOf(rng() % nodes), IdOf(rng() % nodes), static_cast<TypeId>(rng() % types));
      rel_ids.push_back(id);
      if (rng() % 10 == 0) g.Compact();
    }
    // Some churn in the overlay.
    for (int i = 0; i < rels / 5; ++i) {
      const Uuid& id = rel_ids[rng() % rel_ids.size()];
      if (rng() % 2) {
        g.RemoveRelationship(id);
      } else {
        g.UpsertRelationship(id, IdOf(rng() % nodes), IdOf(rng() % nodes), static_cast<TypeId>(rng() % types));
      }
    }
    if (rng() % 3 == 0) g.RemoveNode(IdOf(rng() % nodes));

    ImpactQuery q;
    const int roots = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < roots; ++i) q.roots.push_back(static_cast<NodeId>(rng() % nodes));
    q.max_depth = static_cast<int>(rng() % 4);
    if (rng() % 2) {
      for (int t = 0; t < types; ++t) q.follow_type.push_back(rng() % 3 != 0);
    }
    q.root_state = rng() % 2 ? State::kDown : State::kDegraded;

    const auto want = Reachable(g, q.roots, q.max_depth, q.follow_type);
    const ImpactResult got = Analyze(g, Rules{}, q);
    ASSERT_EQ(got.affected.size(), want.size()) << "round " << round;
    for (const Affected& a : got.affected) {
      ASSERT_TRUE(want.contains(a.node)) << "round " << round;
      EXPECT_EQ(a.distance, want.at(a.node)) << "round " << round;
      EXPECT_EQ(a.state, q.root_state);
    }
    // The same after compaction.
    g.Compact();
    const ImpactResult after = Analyze(g, Rules{}, q);
    ASSERT_EQ(after.affected.size(), got.affected.size());
    for (size_t i = 0; i < after.affected.size(); ++i) {
      EXPECT_EQ(after.affected[i].node, got.affected[i].node);
      EXPECT_EQ(after.affected[i].distance, got.affected[i].distance);
      EXPECT_EQ(after.affected[i].via, got.affected[i].via);
      EXPECT_EQ(after.affected[i].via_rel, got.affected[i].via_rel);
    }
  }
}

// The header's definition, computed the slow way: the region by a
// level-by-level walk, states by re-evaluating every CI from all its inputs
// until nothing changes, distances by a breadth-first walk over the edges
// that carry in the end, vias by scanning each CI's inputs.
struct Naive {
  std::map<NodeId, State> state;
  std::map<NodeId, int> dist;
  std::map<NodeId, std::pair<NodeId, RelIndex>> via;
};

Naive NaiveAnalyze(const Graph& g, const Rules& rules, const ImpactQuery& q) {
  const int n = g.node_count();
  auto follow = [&](TypeId t) {
    return q.follow_type.empty() || (t < static_cast<TypeId>(q.follow_type.size()) && q.follow_type[t]);
  };
  auto effect = [&](TypeId t) {
    return t < static_cast<TypeId>(rules.effect_by_type.size()) ? rules.effect_by_type[t] : Effect::kDown;
  };
  std::vector<bool> root(n, false);
  for (NodeId r : q.roots) {
    if (r >= 0 && r < n && g.node(r).alive) root[r] = true;
  }
  auto stop = [&](NodeId v) {
    const ClassId c = g.node(v).class_id;
    return !root[v] && c < static_cast<ClassId>(q.stop_class.size()) && q.stop_class[c];
  };
  auto rule_of = [&](NodeId v) -> const Redundancy* {
    if (auto it = rules.node_rule.find(v); it != rules.node_rule.end()) return &it->second;
    const ClassId c = g.node(v).class_id;
    return c < static_cast<ClassId>(rules.class_rule.size()) ? rules.class_rule[c] : nullptr;
  };
  auto covers = [](const Redundancy& r, TypeId t) {
    return r.types.empty() || std::find(r.types.begin(), r.types.end(), t) != r.types.end();
  };
  auto pass = [](State s, Effect e) {
    return e == Effect::kDown ? s : (s == State::kDown ? State::kDegraded : State::kOk);
  };

  std::vector<bool> region(n, q.max_depth == 0);
  if (q.max_depth > 0) {
    std::vector<NodeId> level;
    for (NodeId v = 0; v < n; ++v) {
      if (root[v]) {
        region[v] = true;
        level.push_back(v);
      }
    }
    for (int d = 0; d < q.max_depth; ++d) {
      std::vector<NodeId> next;
      for (NodeId u : level) {
        if (stop(u)) continue;
        g.ForEachOut(u, [&](const Edge& e) {
          if (follow(e.type) && !region[e.node]) {
            region[e.node] = true;
            next.push_back(e.node);
          }
        });
      }
      level = std::move(next);
    }
  }

  std::vector<State> st(n, State::kOk);
  for (NodeId v = 0; v < n; ++v) {
    if (root[v]) st[v] = q.root_state;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (NodeId v = 0; v < n; ++v) {
      if (root[v] || !region[v] || !g.node(v).alive) continue;
      const Redundancy* rule = rule_of(v);
      State plain = State::kOk;
      std::set<NodeId> members;
      std::map<NodeId, State> member_state;
      g.ForEachIn(v, [&](const Edge& e) {
        const NodeId u = e.node;
        const bool carries = follow(e.type) && region[u] && !stop(u);
        if (rule != nullptr && covers(*rule, e.type)) {
          members.insert(u);
          if (carries) member_state[u] = std::max(member_state[u], st[u]);
        } else if (carries) {
          plain = std::max(plain, pass(st[u], effect(e.type)));
        }
      });
      State red = State::kOk;
      if (rule != nullptr) {
        int lost = 0;
        int degraded = 0;
        for (const auto& [u, s] : member_state) {
          lost += s == State::kDown;
          degraded += s == State::kDegraded;
        }
        const int total = static_cast<int>(members.size());
        const int needed = rule->min_up > 0 ? rule->min_up : (total * rule->min_up_percent + 99) / 100;
        if (lost > 0 || degraded > 0) red = total - lost < needed ? State::kDown : State::kDegraded;
      }
      const State now = std::max(plain, red);
      if (now != st[v]) {
        st[v] = now;
        changed = true;
      }
    }
  }

  Naive out;
  auto carried = [&](NodeId u, const Edge& e) {
    const NodeId v = e.node;
    if (!follow(e.type) || stop(u) || root[v] || st[v] == State::kOk || st[u] == State::kOk) return false;
    const Redundancy* rule = rule_of(v);
    if (rule != nullptr && covers(*rule, e.type)) return true;
    return pass(st[u], effect(e.type)) != State::kOk;
  };
  std::vector<int> dist(n, -1);
  std::vector<NodeId> bfs;
  for (NodeId v = 0; v < n; ++v) {
    if (root[v]) {
      dist[v] = 0;
      bfs.push_back(v);
    }
  }
  for (size_t h = 0; h < bfs.size(); ++h) {
    const NodeId u = bfs[h];
    g.ForEachOut(u, [&](const Edge& e) {
      if (carried(u, e) && dist[e.node] < 0) {
        dist[e.node] = dist[u] + 1;
        bfs.push_back(e.node);
      }
    });
  }
  for (NodeId v = 0; v < n; ++v) {
    if (st[v] == State::kOk) continue;
    out.state[v] = st[v];
    out.dist[v] = dist[v];
  }
  for (NodeId u = 0; u < n; ++u) {
    if (st[u] == State::kOk) continue;
    g.ForEachOut(u, [&](const Edge& e) {
      if (!carried(u, e) || dist[u] + 1 != dist[e.node]) return;
      auto it = out.via.find(e.node);
      if (it == out.via.end() || std::make_pair(u, e.rel) < it->second) out.via[e.node] = {u, e.rel};
    });
  }
  return out;
}

TEST(ImpactProperty, MatchesTheDefinitionWithEffectsRulesAndLimits) {
  std::mt19937 rng(77);
  int with_rules = 0;
  for (int round = 0; round < 300; ++round) {
    Graph g;
    const int types = 4;
    std::vector<Direction> dirs;
    for (int t = 0; t < types; ++t) dirs.push_back(static_cast<Direction>(1 + rng() % 3));
    g.SetDirections(dirs);
    const int nodes = 2 + static_cast<int>(rng() % 40);
    for (int i = 0; i < nodes; ++i) g.UpsertNode(IdOf(static_cast<uint32_t>(i)), static_cast<ClassId>(rng() % 3), 0, "");
    const int rels = static_cast<int>(rng() % (3 * nodes));
    for (int i = 0; i < rels; ++i) {
      g.UpsertRelationship(IdOf(1'000'000 + static_cast<uint32_t>(i)), IdOf(rng() % nodes), IdOf(rng() % nodes),
                           static_cast<TypeId>(rng() % types));
      if (rng() % 8 == 0) g.Compact();
    }

    Rules rules;
    for (int t = 0; t < types; ++t) rules.effect_by_type.push_back(rng() % 3 == 0 ? Effect::kDegraded : Effect::kDown);
    Redundancy class_rule;
    if (rng() % 2) {
      class_rule.min_up = 1 + static_cast<int>(rng() % 3);
    } else {
      class_rule.min_up_percent = 1 + static_cast<int>(rng() % 100);
    }
    if (rng() % 2) class_rule.types = {static_cast<TypeId>(rng() % types)};
    rules.class_rule = {nullptr, rng() % 2 ? &class_rule : nullptr, nullptr};
    if (rng() % 3 == 0) rules.node_rule[static_cast<NodeId>(rng() % nodes)] = Redundancy{.min_up = 2};
    with_rules += rules.class_rule[1] != nullptr || !rules.node_rule.empty();

    ImpactQuery q;
    const int roots = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < roots; ++i) q.roots.push_back(static_cast<NodeId>(rng() % nodes));
    q.root_state = rng() % 3 == 0 ? State::kDegraded : State::kDown;
    q.max_depth = static_cast<int>(rng() % 5);
    if (rng() % 2) {
      for (int t = 0; t < types; ++t) q.follow_type.push_back(rng() % 4 != 0);
    }
    if (rng() % 3 == 0) q.stop_class = {false, false, true};

    const Naive want = NaiveAnalyze(g, rules, q);
    const ImpactResult got = Analyze(g, rules, q);
    ASSERT_EQ(got.affected.size(), want.state.size()) << "round " << round;
    for (const Affected& a : got.affected) {
      ASSERT_TRUE(want.state.contains(a.node)) << "round " << round;
      EXPECT_EQ(a.state, want.state.at(a.node)) << "round " << round << " node " << a.node;
      EXPECT_EQ(a.distance, want.dist.at(a.node)) << "round " << round << " node " << a.node;
      if (a.distance > 0) {
        ASSERT_TRUE(want.via.contains(a.node));
        EXPECT_EQ(a.via, want.via.at(a.node).first) << "round " << round << " node " << a.node;
        EXPECT_EQ(a.via_rel, want.via.at(a.node).second) << "round " << round << " node " << a.node;
        EXPECT_EQ(a.via_type, g.relationship(a.via_rel).type);
      }
    }
  }
  EXPECT_GT(with_rules, 100);
}

// --- Root causes -----------------------------------------------------------------

// A core router feeds two rack switches; rack 1's servers alarm, rack 2's
// are quiet; two unrelated CIs alarm too.
class RootCauseTest : public testing::Test {
 protected:
  void SetUp() override {
    n.Link("router", "switch1", kFeeds);
    n.Link("router", "switch2", kFeeds);
    for (int i = 1; i <= 4; ++i) n.Link("switch1", absl::StrCat("s1-", i), kFeeds);
    for (int i = 1; i <= 3; ++i) n.Link("switch2", absl::StrCat("s2-", i), kFeeds);
    n.Link("noise1", "bystander", kFeeds);
    n.Add("noise2");
    n.Link("s1-1", "backup", kRef);
  }
  RootCauseQuery Alarms(const std::vector<std::string>& names) {
    RootCauseQuery q;
    for (const std::string& a : names) q.alarms.push_back(n[a]);
    return q;
  }
  Net n;
};

TEST_F(RootCauseTest, SwitchTakingDownARackRanksFirst) {
  RootCauseQuery q = Alarms({"s1-1", "noise1", "s1-2", "s1-3", "s1-4", "noise2", "s1-2"});
  auto c = RankRootCauses(n.g, Rules{}, q);
  ASSERT_GE(c.size(), 4u);
  EXPECT_EQ(n.name(c[0].node), "switch1");
  EXPECT_EQ(n.Names(c[0].explained), (std::vector<std::string>{"s1-1", "s1-2", "s1-3", "s1-4"}));
  EXPECT_EQ(n.Names(c[0].unexplained), (std::vector<std::string>{"noise1", "noise2"}));
  EXPECT_EQ(c[0].silent_affected, 0);
  EXPECT_EQ(c[0].distance_sum, 4);
  // The router explains as much but would also take down rack 2.
  EXPECT_EQ(n.name(c[1].node), "router");
  EXPECT_EQ(c[1].explained.size(), 4u);
  EXPECT_EQ(c[1].silent_affected, 5);
  EXPECT_EQ(c[1].distance_sum, 8);
  // Then single alarms: the ones that reach nothing silent, by UUID.
  std::set<std::string> rest;
  for (size_t i = 2; i < c.size(); ++i) {
    EXPECT_EQ(c[i].explained.size(), 1u);
    rest.insert(n.name(c[i].node));
  }
  EXPECT_FALSE(rest.contains("bystander"));
}

TEST_F(RootCauseTest, TiesBreakByUuidAndEvidenceBreaksThem) {
  RootCauseQuery q = Alarms({"noise2", "s2-3"});
  auto c = RankRootCauses(n.g, Rules{}, q);
  // noise2 explains itself only; s2-3 has switch2 and router above it, which
  // reach silent CIs. The two alarms tie on everything but the UUID.
  ASSERT_GE(c.size(), 2u);
  const bool s23_first = n.uuid("s2-3") < n.uuid("noise2");
  EXPECT_EQ(n.name(c[0].node), s23_first ? "s2-3" : "noise2");
  EXPECT_EQ(n.name(c[1].node), s23_first ? "noise2" : "s2-3");
  EXPECT_EQ(c[0].silent_affected, 0);
  EXPECT_EQ(c[1].silent_affected, 0);

  // Evidence on the later one moves it ahead; on switch2 it moves it ahead of both.
  q.evidence[c[1].node] = 1;
  const NodeId later = c[1].node;
  auto e = RankRootCauses(n.g, Rules{}, q);
  EXPECT_EQ(e[0].node, later);
  EXPECT_EQ(e[0].evidence, 1);
  q.evidence[n["switch2"]] = 2;
  EXPECT_EQ(n.name(RankRootCauses(n.g, Rules{}, q)[0].node), "switch2");

  // Deterministic: the same answer every time.
  auto again = RankRootCauses(n.g, Rules{}, q);
  auto once = RankRootCauses(n.g, Rules{}, q);
  ASSERT_EQ(again.size(), once.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].node, once[i].node);
}

TEST_F(RootCauseTest, LimitsDepthTypesAndCount) {
  RootCauseQuery q = Alarms({"s1-1", "s1-2"});
  q.max_candidates = 1;
  auto one = RankRootCauses(n.g, Rules{}, q);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(n.name(one[0].node), "switch1");

  q.max_candidates = 10;
  auto all = RankRootCauses(n.g, Rules{}, q);
  EXPECT_EQ(all.size(), 4u);  // switch1, router, s1-1, s1-2

  q.max_depth = 1;  // the router is two hops away
  auto near = RankRootCauses(n.g, Rules{}, q);
  EXPECT_EQ(near.size(), 3u);
  for (const Candidate& c : near) EXPECT_NE(n.name(c.node), "router");

  q.max_depth = 0;
  q.follow_type = {true};  // kFeeds not followed: each alarm alone
  auto none = RankRootCauses(n.g, Rules{}, q);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0].explained.size(), 1u);

  q.max_candidates = 0;
  EXPECT_TRUE(RankRootCauses(n.g, Rules{}, q).empty());
  EXPECT_TRUE(RankRootCauses(n.g, Rules{}, RootCauseQuery{}).empty());
}

}  // namespace
}  // namespace cmdb::impact

namespace cmdb::impact {
namespace {

// Root cause follows the effects as Analyze does: over a degraded-effect
// peer link, a down CI makes its peer degraded and a degraded one passes
// nothing on, so a peer's peer explains nothing behind it.
TEST(RootCauseEffectsTest, DegradedLinksCarryOnlyADownCi) {
  Net n;
  n.Link("app", "s1", kDependsOn);  // s1 down -> app down; s1 degraded -> app degraded
  n.Link("s1", "sw", kPeer);
  n.Link("sw", "s2", kPeer);
  Rules rules;
  rules.effect_by_type.assign(6, Effect::kDown);
  rules.effect_by_type[kPeer] = Effect::kDegraded;
  // What Analyze says about each single failure.
  EXPECT_TRUE(n.Run(n.Query({"sw"}), rules).contains("app"));
  EXPECT_FALSE(n.Run(n.Query({"s2"}), rules).contains("app"));

  RootCauseQuery q;
  q.alarms = {n["app"]};
  std::set<std::string> candidates;
  for (const Candidate& c : RankRootCauses(n.g, rules, q)) candidates.insert(n.name(c.node));
  EXPECT_EQ(candidates, (std::set<std::string>{"app", "s1", "sw"}));
  // Plain reachability would also blame s2.
  std::set<std::string> reachable;
  for (const Candidate& c : RankRootCauses(n.g, Rules{}, q)) reachable.insert(n.name(c.node));
  EXPECT_TRUE(reachable.contains("s2"));
}

}  // namespace
}  // namespace cmdb::impact
