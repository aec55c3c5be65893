// Impact analysis against a real PostgreSQL: propagation through every
// shipped relationship type, effects, redundancy, depth and filters, as-of,
// read-after-write, root cause, change records, and agreement with a plain
// recursive SQL traversal on random graphs.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/clock.h"
#include "service/change_feed.h"
#include "service/impact_service.h"
#include "service_fixture.h"
#include "support/builders.h"
#include "support/fake_clock.h"

namespace cmdb::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

class ImpactServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    feed_ = std::make_unique<ChangeFeed>(db(), url());
    feed_->Start();
  }
  void TearDown() override {
    if (impact_) impact_->Stop();
    impact_.reset();
    feed_->Stop();
    feed_.reset();
    ServiceTest::TearDown();
  }

  ImpactService& Impact() {
    if (!impact_) {
      impact_ = std::make_unique<ImpactService>(db(), *feed_, SystemClock::Instance());
      absl::Status st = impact_->Start();
      EXPECT_TRUE(st.ok()) << st;
    }
    return *impact_;
  }

  std::string Ci(const std::string& cls, const std::string& name, const std::string& criticality = "") {
    cmdb::Ci ci = MakeCi(cls, name);
    ci.criticality = criticality;
    auto out = cis_->Create(Ctx(), ci, "");
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->id : "";
  }

  std::string Rel(const std::string& source, const std::string& type, const std::string& target) {
    Relationship r;
    r.type = type;
    r.source_id = source;
    r.target_id = target;
    auto out = rels_->Create(Ctx(), r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->id : "";
  }

  ImpactAnswer Analyze(ImpactRequest request) {
    auto answer = Impact().Analyze(request);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? *answer : ImpactAnswer{};
  }
  ImpactAnswer Analyze(std::vector<std::string> roots, std::string scenario = "outage") {
    ImpactRequest r;
    r.ci_ids = std::move(roots);
    r.scenario = std::move(scenario);
    return Analyze(r);
  }

  // id -> state of every affected CI.
  static std::map<std::string, std::string> States(const ImpactAnswer& a) {
    std::map<std::string, std::string> out;
    for (const auto& x : a.affected) out[x.id] = x.state;
    return out;
  }

  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<ImpactService> impact_;
};

TEST_F(ImpactServiceTest, EveryShippedTypePropagatesInItsDirectionAndNotAgainstIt) {
  auto types = rels_->ListTypes();
  ASSERT_TRUE(types.ok());
  ASSERT_GE(types->size(), 10u);
  int checked = 0;
  for (const RelationshipTypeDef& t : *types) {
    const std::string a = Ci("server", "a-" + t.name);
    const std::string b = Ci("server", "b-" + t.name);
    Rel(a, t.name, b);
    const auto from_target = States(Analyze({b}));
    const auto from_source = States(Analyze({a}));
    const bool t2s = t.impact == "target_to_source" || t.impact == "both";
    const bool s2t = t.impact == "source_to_target" || t.impact == "both";
    EXPECT_EQ(from_target.count(a), t2s ? 1u : 0u) << t.name << " (" << t.impact << ")";
    EXPECT_EQ(from_source.count(b), s2t ? 1u : 0u) << t.name << " (" << t.impact << ")";
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(types->size()));
}

TEST_F(ImpactServiceTest, DownAndDegradedEffects) {
  const std::string vm = Ci("virtual_machine", "vm1");
  const std::string db = Ci("database", "db1");
  const std::string app = Ci("application", "app1");
  const std::string report = Ci("application", "report");
  Rel(app, "runs_on", vm);     // effect down
  Rel(app, "uses", db);        // effect degraded
  Rel(report, "depends_on", app);
  auto vm_down = States(Analyze({vm}));
  EXPECT_EQ(vm_down[app], "down");
  EXPECT_EQ(vm_down[report], "down");
  auto db_down = States(Analyze({db}));
  EXPECT_EQ(db_down[app], "degraded");
  EXPECT_EQ(db_down[report], "degraded");  // degraded passes a down-effect edge as degraded
  auto vm_degraded = States(Analyze({vm}, "degraded"));
  EXPECT_EQ(vm_degraded[vm], "degraded");
  EXPECT_EQ(vm_degraded[app], "degraded");
}

TEST_F(ImpactServiceTest, ClusterNeedsOneOfItsMembers) {
  const std::string h1 = Ci("hypervisor", "hv1");
  const std::string h2 = Ci("hypervisor", "hv2");
  const std::string cluster = Ci("cluster", "esx-cluster");
  const std::string vm = Ci("virtual_machine", "vm");
  Rel(h1, "member_of", cluster);
  Rel(h2, "member_of", cluster);
  Rel(vm, "hosted_on", cluster);
  auto one = Analyze({h1});
  auto one_states = States(one);
  EXPECT_EQ(one_states[cluster], "degraded");
  EXPECT_EQ(one_states[vm], "degraded");
  for (const auto& a : one.affected) {
    if (a.id == cluster) {
      EXPECT_EQ(a.redundancy, "needs 1 of 2, 1 left");
    }
  }
  EXPECT_EQ(one.risk.terms.at("R"), 1);  // the cluster has no spare left
  auto both = States(Analyze({h1, h2}));  // two roots in the same group
  EXPECT_EQ(both[cluster], "down");
  EXPECT_EQ(both[vm], "down");
}

TEST_F(ImpactServiceTest, CiRuleNeedsTwoOfThreeAndPercentRules) {
  const std::string svc = Ci("application", "web-pool");
  std::vector<std::string> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(Ci("server", "web" + std::to_string(i)));
    Rel(svc, "depends_on", nodes.back());
  }
  CiRedundancyRule rule{svc, {.min_up = 2}};
  ASSERT_TRUE(Impact().SetCiRedundancy(rule).ok());
  EXPECT_EQ(States(Analyze({nodes[0]}))[svc], "degraded");
  EXPECT_EQ(States(Analyze({nodes[0], nodes[1]}))[svc], "down");
  rule.rule = {.min_up_percent = 30};  // ceil(0.9) = 1 needed
  ASSERT_TRUE(Impact().SetCiRedundancy(rule).ok());
  EXPECT_EQ(States(Analyze({nodes[0], nodes[1]}))[svc], "degraded");
  EXPECT_EQ(States(Analyze(nodes))[svc], "down");
  rule.rule = {};  // cleared: every input is needed
  ASSERT_TRUE(Impact().SetCiRedundancy(rule).ok());
  EXPECT_EQ(States(Analyze({nodes[2]}))[svc], "down");
}

TEST_F(ImpactServiceTest, BusinessServiceIsDegradedWhileOneOfItsApplicationsWorks) {
  const std::string svc = Ci("business_service", "payments", "critical");
  const std::string a1 = Ci("application", "pay-1");
  const std::string a2 = Ci("application", "pay-2");
  Rel(svc, "depends_on", a1);
  Rel(svc, "depends_on", a2);
  auto one = Analyze({a1});
  ASSERT_EQ(one.services.size(), 1u);
  EXPECT_EQ(one.services[0].id, svc);
  EXPECT_EQ(one.services[0].state, "degraded");
  auto both = Analyze({a1, a2});
  ASSERT_EQ(both.services.size(), 1u);
  EXPECT_EQ(both.services[0].state, "down");
  EXPECT_GT(both.risk.score, one.risk.score);
  EXPECT_NE(both.risk.formula.find("log10"), std::string::npos);
}

TEST_F(ImpactServiceTest, CyclesDepthFiltersAndStopClasses) {
  // a <- b <- c <- d <- e (each depends_on the previous), and a cycle e -> b.
  std::vector<std::string> chain;
  for (const char* n : {"a", "b", "c", "d", "e"}) chain.push_back(Ci("application", n));
  for (size_t i = 1; i < chain.size(); ++i) Rel(chain[i], "depends_on", chain[i - 1]);
  Rel(chain[1], "depends_on", chain[4]);
  auto all = Analyze({chain[0]});
  EXPECT_EQ(all.affected_count, 5);
  std::map<std::string, int> distance;
  for (const auto& x : all.affected) distance[x.id] = x.distance;
  EXPECT_EQ(distance[chain[4]], 4);

  ImpactRequest depth;
  depth.ci_ids = {chain[0]};
  depth.max_depth = 2;
  depth.include_paths = true;
  auto limited = Analyze(depth);
  EXPECT_EQ(limited.affected_count, 3);
  const auto& last = limited.affected.back();
  EXPECT_EQ(last.id, chain[2]);
  ASSERT_EQ(last.path.size(), 3u);
  EXPECT_EQ(last.path[0].ci_id, chain[0]);
  EXPECT_EQ(last.path[1].ci_id, chain[1]);
  EXPECT_EQ(last.path[2].relationship_type, "depends_on");

  ImpactRequest filtered;
  filtered.ci_ids = {chain[0]};
  filtered.relationship_types = {"runs_on"};
  EXPECT_EQ(Analyze(filtered).affected_count, 1);  // only the root

  const std::string vm = Ci("virtual_machine", "vm");
  const std::string host = Ci("hypervisor", "host");
  const std::string app = Ci("application", "on-vm");
  Rel(vm, "hosted_on", host);
  Rel(app, "runs_on", vm);
  ImpactRequest stop;
  stop.ci_ids = {host};
  stop.stop_classes = {"virtual_machine"};
  auto stopped = States(Analyze(stop));
  EXPECT_EQ(stopped.count(vm), 1u);
  EXPECT_EQ(stopped.count(app), 0u);
}

// max_results keeps the nearest CIs in the answer's order (roots, then by
// distance and name) and still names every root and counts every CI.
TEST_F(ImpactServiceTest, MaxResultsKeepsTheNearestInOrderAndEveryRoot) {
  const std::string r1 = Ci("hypervisor", "r-b");
  const std::string r2 = Ci("hypervisor", "r-a");
  std::vector<std::string> near, far;
  for (const char* n : {"n-c", "n-a", "n-d", "n-b"}) {
    near.push_back(Ci("virtual_machine", n));
    Rel(near.back(), "hosted_on", near.size() % 2 ? r1 : r2);
  }
  for (const char* n : {"f-b", "f-a"}) {
    far.push_back(Ci("application", n));
    Rel(far.back(), "runs_on", near[0]);
  }
  ImpactRequest all;
  all.ci_ids = {r1, r2};
  const ImpactAnswer whole = Analyze(all);
  ASSERT_EQ(whole.affected_count, 8);
  std::vector<std::string> names;
  for (const auto& a : whole.affected) names.push_back(a.name);
  EXPECT_THAT(names, ElementsAre("r-a", "r-b", "n-a", "n-b", "n-c", "n-d", "f-a", "f-b"));
  EXPECT_FALSE(whole.truncated);

  for (int k : {1, 2, 3, 5, 7, 8, 9}) {
    ImpactRequest some = all;
    some.max_results = k;
    const ImpactAnswer part = Analyze(some);
    EXPECT_EQ(part.affected_count, 8);
    EXPECT_EQ(part.truncated, k < 8) << k;
    EXPECT_THAT(part.root_ids, ElementsAre(r2, r1)) << k;  // both roots, by name, whatever k
    std::vector<std::string> got;
    for (const auto& a : part.affected) got.push_back(a.name);
    EXPECT_EQ(got, std::vector<std::string>(names.begin(), names.begin() + std::min(k, 8))) << k;
  }
}

TEST_F(ImpactServiceTest, ReadsItsOwnWritesAndFollowsDeletes) {
  Impact();  // loaded before the writes below
  const std::string host = Ci("hypervisor", "h");
  const std::string vm = Ci("virtual_machine", "v");
  const std::string rel = Rel(vm, "hosted_on", host);
  EXPECT_EQ(States(Analyze({host})).count(vm), 1u);  // no wait: the query catches up itself
  auto st = rels_->Delete(Ctx(), rel, "");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(States(Analyze({host})).count(vm), 0u);
  ASSERT_TRUE(cis_->Delete(Ctx(), vm, "", /*hard=*/true).ok());
  ImpactRequest gone;
  gone.ci_ids = {vm};
  EXPECT_EQ(Impact().Analyze(gone).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImpactServiceTest, AsOfAnswersWithTheGraphOfThatTime) {
  const std::string host = Ci("hypervisor", "h");
  const std::string old_vm = Ci("virtual_machine", "old");
  const std::string rel = Rel(old_vm, "hosted_on", host);
  Micros then = 0;
  ASSERT_TRUE(db().Read([&](db::Tx& tx) {
                    then = db::Sql(tx).exec1("SELECT epoch_us(now())")[0].as<int64_t>();
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(rels_->Delete(Ctx(), rel, "").ok());
  const std::string new_vm = Ci("virtual_machine", "new");
  Rel(new_vm, "hosted_on", host);
  auto now = States(Analyze({host}));
  EXPECT_EQ(now.count(new_vm), 1u);
  EXPECT_EQ(now.count(old_vm), 0u);
  ImpactRequest past;
  past.ci_ids = {host};
  past.as_of = then;
  auto before = Analyze(past);
  EXPECT_EQ(before.as_of, then);
  auto states = States(before);
  EXPECT_EQ(states.count(old_vm), 1u);
  EXPECT_EQ(states.count(new_vm), 0u);
}

TEST_F(ImpactServiceTest, RootCauseFindsTheSwitchBehindARackDespiteNoise) {
  const std::string core = Ci("switch", "core");
  const std::string tor = Ci("switch", "tor-r12");
  Rel(tor, "depends_on", core);
  std::vector<std::string> rack;
  for (int i = 0; i < 8; ++i) {
    rack.push_back(Ci("server", "r12-srv" + std::to_string(i)));
    Rel(rack.back(), "depends_on", tor);
  }
  const std::string other_tor = Ci("switch", "tor-r13");
  Rel(other_tor, "depends_on", core);
  for (int i = 0; i < 4; ++i) Rel(Ci("server", "r13-srv" + std::to_string(i)), "depends_on", other_tor);
  const std::string noise1 = Ci("printer", "lobby-printer");
  const std::string noise2 = Ci("ups", "ups-3");
  RootCauseRequest request;
  request.ci_ids = rack;
  request.ci_ids.push_back(noise1);
  request.ci_ids.push_back(noise2);
  auto answer = Impact().SuggestRootCause(request);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_FALSE(answer->candidates.empty());
  const auto& best = answer->candidates[0];
  EXPECT_EQ(best.id, tor);
  EXPECT_EQ(best.explains, 8);
  EXPECT_THAT(best.unexplained_ids, UnorderedElementsAreArray({noise1, noise2}));
  ASSERT_GE(answer->candidates.size(), 2u);
  EXPECT_EQ(answer->candidates[1].id, core);  // explains as many, but takes down another rack too
  EXPECT_GT(answer->candidates[1].silent_affected, best.silent_affected);

  // An open incident on the printer makes it an alarm when asked to.
  ExternalRecordInfo incident;
  incident.system = "itsm";
  incident.kind = "incident";
  incident.key = "INC0001";
  incident.state = "New";
  incident.ci_ids = {noise1};
  ASSERT_TRUE(Impact().PutRecord(incident).ok());
  RootCauseRequest with_incidents;
  with_incidents.ci_ids = rack;
  with_incidents.include_open_incidents = true;
  auto second = Impact().SuggestRootCause(with_incidents);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->alarm_ids.size(), rack.size() + 1);
  EXPECT_EQ(second->candidates[0].id, tor);
}

TEST_F(ImpactServiceTest, ChangeRecordsAnalyseTheirCisAndFailedChangesRaiseTheRisk) {
  const std::string db1 = Ci("database", "orders-db", "high");
  const std::string app = Ci("application", "orders", "high");
  Rel(app, "depends_on", db1);
  ExternalRecordInfo change;
  change.system = "itsm";
  change.kind = "change";
  change.key = "CHG0042";
  change.title = "Upgrade orders-db";
  change.url = "https://itsm.example.com/change/CHG0042";
  change.state = "scheduled";
  change.ci_ids = {db1};
  auto put = Impact().PutRecord(change);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_THAT(put->ci_ids, ElementsAre(db1));

  ImpactRequest by_change;
  by_change.change = RecordRef{"", "change", "CHG0042"};
  by_change.scenario = "change";
  auto answer = Analyze(by_change);
  EXPECT_THAT(answer.root_ids, ElementsAre(db1));
  EXPECT_EQ(States(answer)[app], "down");
  const int before = answer.risk.score;

  ExternalRecordInfo failed = change;
  failed.key = "CHG0041";
  failed.state = "Failed";
  ASSERT_TRUE(Impact().PutRecord(failed).ok());
  auto after = Analyze(by_change);
  EXPECT_EQ(after.risk.terms.at("F"), 2);  // one failed change, counted twice for a change
  EXPECT_GT(after.risk.score, before);

  RecordListQuery list;
  list.ci_id = db1;
  list.state = "open";
  auto open = Impact().ListRecords(list);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->records.size(), 1u);
  EXPECT_EQ(open->records[0].key, "CHG0042");

  ExternalRecordInfo elsewhere = change;
  elsewhere.system = "jira";
  ASSERT_TRUE(Impact().PutRecord(elsewhere).ok());
  ExpectFieldError(Impact().Analyze(by_change).status(), "ref.system", "several systems");
  ASSERT_TRUE(Impact().DeleteRecord({"jira", "change", "CHG0042"}).ok());
  EXPECT_EQ(Impact().GetRecord({"jira", "change", "CHG0042"}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImpactServiceTest, BadInputIsRefusedWithTheFieldNamed) {
  const std::string a = Ci("server", "a");
  ImpactRequest r;
  r.ci_ids = {a};
  r.scenario = "meltdown";
  ExpectFieldError(Impact().Analyze(r).status(), "scenario", "meltdown");
  r.scenario = "outage";
  r.ci_ids = {a, "not-a-uuid"};
  ExpectFieldError(Impact().Analyze(r).status(), "ci_ids[1]", "not a UUID");
  r.ci_ids = {};
  ExpectFieldError(Impact().Analyze(r).status(), "ci_ids");
  r.ci_ids = {a};
  r.relationship_types = {"runs_on", "powers"};
  ExpectFieldError(Impact().Analyze(r).status(), "relationship_types[1]", "powers");
  r.relationship_types = {};
  r.stop_classes = {"spaceship"};
  ExpectFieldError(Impact().Analyze(r).status(), "stop_classes[0]", "spaceship");
  r.stop_classes = {};
  r.max_depth = -1;
  ExpectFieldError(Impact().Analyze(r).status(), "max_depth");
  r.max_depth = 0;
  r.ci_ids = {"00000000-0000-4000-8000-000000000001"};
  EXPECT_EQ(Impact().Analyze(r).status().code(), absl::StatusCode::kNotFound);

  ExternalRecordInfo rec;
  rec.system = "itsm";
  rec.kind = "ticket";
  rec.key = "X1";
  ExpectFieldError(Impact().PutRecord(rec).status(), "record.kind", "ticket");
  rec.kind = "incident";
  rec.url = "javascript:alert(1)";
  ExpectFieldError(Impact().PutRecord(rec).status(), "record.url");
  rec.url = "";
  rec.ci_ids = {a, "00000000-0000-4000-8000-000000000002"};
  auto missing = Impact().PutRecord(rec);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(missing.status().message()).find("record.ci_ids[1]"), std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM external_record"), 0);  // nothing written

  ExpectFieldError(Impact().SetCiRedundancy({a, {.min_up = 1, .min_up_percent = 50}}).status(), "rule");
  ExpectFieldError(Impact().SetTypePropagation({"runs_on", "sideways", "down"}).status(), "propagation.direction");
  EXPECT_EQ(Impact().SetTypePropagation({"powers", "both", "down"}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImpactServiceTest, ChangingATypesPropagationTakesEffectAtOnce) {
  const std::string a = Ci("server", "a");
  const std::string b = Ci("server", "b");
  Rel(a, "located_in", b);  // shipped: no impact
  EXPECT_EQ(States(Analyze({b})).count(a), 0u);
  ASSERT_TRUE(Impact().SetTypePropagation({"located_in", "target_to_source", "degraded"}).ok());
  EXPECT_EQ(States(Analyze({b}))[a], "degraded");
  auto rules = Impact().GetRules();
  ASSERT_TRUE(rules.ok());
  bool found = false;
  for (const auto& t : rules->types) {
    if (t.relationship_type == "located_in") {
      found = true;
      EXPECT_EQ(t.direction, "target_to_source");
      EXPECT_EQ(t.effect, "degraded");
    }
  }
  EXPECT_TRUE(found);
}

// Several servers on one database: the state of the database (rules,
// records, the feed's head) is read once per `freshness_ms`, not per query.
// A rule changed through another server is therefore certainly seen once
// that window has passed (and not before: queries in the window make no
// round trip of their own); this server's own changes are seen at once.
TEST_F(ImpactServiceTest, ChangesThroughAnotherServerAreSeenWithinTheFreshnessWindow) {
  FakeClock clock(SystemClock::Instance().Now());
  ImpactOptions options;
  options.freshness_ms = 60 * 1000;
  ImpactService impact(db(), *feed_, clock, options);
  ASSERT_TRUE(impact.Start().ok());
  const std::string a = Ci("server", "a");
  const std::string b = Ci("server", "b");
  Rel(a, "located_in", b);  // shipped: no impact
  ImpactRequest request;
  request.ci_ids = {b};
  auto state_of_a = [&] {
    absl::StatusOr<ImpactAnswer> answer = impact.Analyze(request);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? States(*answer)[a] : std::string("error");
  };
  EXPECT_EQ(state_of_a(), "");  // this server's writes (a, b, the link) seen without waiting

  std::unique_ptr<db::Database> other_db = Connect();
  ImpactService other(*other_db, *feed_, clock);  // another server's admin calls; never started
  ASSERT_TRUE(other.SetTypePropagation({"located_in", "target_to_source", "degraded"}).ok());
  clock.Advance(30 * FakeClock::kSecond);
  EXPECT_EQ(state_of_a(), "");  // within the window: the state read 30 s ago stands
  clock.Advance(31 * FakeClock::kSecond);
  EXPECT_EQ(state_of_a(), "degraded");

  ASSERT_TRUE(impact.SetTypePropagation({"located_in", "target_to_source", "down"}).ok());
  EXPECT_EQ(state_of_a(), "down");  // this server's own rule change: at once
  impact.Stop();
}

// On random graphs over types whose effect is down and classes without
// redundancy, the affected set and distances equal what a recursive SQL
// traversal by relationship_type.impact finds.
TEST_F(ImpactServiceTest, AgreesWithARecursiveSqlTraversalOnRandomGraphs) {
  for (const char* t : {"connected_to", "uses"}) {
    auto rules = Impact().GetRules();
    ASSERT_TRUE(rules.ok());
    for (const auto& r : rules->types) {
      if (r.relationship_type == t) {
        ASSERT_TRUE(Impact().SetTypePropagation({t, r.direction, "down"}).ok());
      }
    }
  }
  const std::vector<std::string> types = {"depends_on", "runs_on", "contains", "connected_to", "uses",
                                          "member_of", "located_in", "secures"};
  std::mt19937 rng(20261201);
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) ids.push_back(Ci("server", "n" + std::to_string(i)));
  std::set<std::tuple<std::string, std::string, std::string>> made;
  for (int i = 0; i < 300; ++i) {
    const std::string& s = ids[rng() % ids.size()];
    const std::string& t = ids[rng() % ids.size()];
    const std::string& type = types[rng() % types.size()];
    if (s == t) continue;
    const auto key = type == "connected_to" ? std::make_tuple(std::min(s, t), type, std::max(s, t))
                                            : std::make_tuple(s, type, t);
    if (!made.insert(key).second) continue;
    Rel(s, type, t);
  }
  const char* kSql =
      "WITH RECURSIVE edge(src, dst) AS ("
      "  SELECT r.target_id, r.source_id FROM relationship r JOIN relationship_type t ON t.name = r.type "
      "   WHERE t.impact IN ('target_to_source', 'both') "
      "  UNION ALL "
      "  SELECT r.source_id, r.target_id FROM relationship r JOIN relationship_type t ON t.name = r.type "
      "   WHERE t.impact IN ('source_to_target', 'both')), "
      "walk(id, depth) AS (SELECT $1::uuid, 0 UNION "
      "  SELECT e.dst, w.depth + 1 FROM walk w JOIN edge e ON e.src = w.id WHERE w.depth < $2) "
      "SELECT id::text, min(depth) FROM walk GROUP BY id";
  int compared = 0;
  for (int round = 0; round < 25; ++round) {
    const std::string root = ids[rng() % ids.size()];
    const int depth = round % 3 == 0 ? 3 : 40;
    std::map<std::string, int> expected;
    ASSERT_TRUE(db().Read([&](db::Tx& tx) {
                      for (const auto& r : db::Sql(tx).exec_params(kSql, root, depth)) {
                        expected[r[0].as<std::string>()] = r[1].as<int>();
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    ImpactRequest request;
    request.ci_ids = {root};
    request.max_depth = depth == 40 ? 0 : depth;
    std::map<std::string, int> got;
    for (const auto& a : Analyze(request).affected) got[a.id] = a.distance;
    EXPECT_EQ(got, expected) << "root " << root << " depth " << depth;
    compared += static_cast<int>(expected.size());
  }
  EXPECT_GT(compared, 100);  // the graphs were not trivially empty
}

}  // namespace
}  // namespace cmdb::testing
