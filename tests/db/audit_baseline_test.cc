// Baselines, health scores and the status report against a real
// PostgreSQL: a baseline compared after known edits (and a restore) lists
// exactly the added, removed and changed CIs and relationships with their
// field diffs and changesets; changes without a change ticket are listed
// apart, also those a restore undid; health scores on a small estate match
// the numbers worked out by hand; the status report's parts agree with the
// estate.
#include <map>
#include <set>

#include "core/strings.h"
#include "audit_fixture.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;

class AuditBaselineTest : public AuditTest {
 protected:
  static WriteContext Ticket(std::string ticket, std::string actor = "carol") {
    WriteContext c = Ctx(std::move(actor));
    c.external_ref = std::move(ticket);
    return c;
  }

  Ci Update(const WriteContext& ctx, const Ci& ci, std::vector<std::string> paths, Ci values) {
    CiPatch patch;
    patch.id = ci.id;
    patch.paths = std::move(paths);
    patch.values = std::move(values);
    auto updated = cis_->Update(ctx, patch);
    EXPECT_TRUE(updated.ok()) << updated.status();
    return updated.ok() ? *updated : Ci{};
  }

  Relationship Link(const WriteContext& ctx, const Ci& from, const std::string& type, const Ci& to) {
    Relationship rel;
    rel.source_id = from.id;
    rel.type = type;
    rel.target_id = to.id;
    auto created = rels_->Create(ctx, rel);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Relationship{};
  }

  Baseline NewBaseline(const std::string& name, const std::string& filter) {
    Baseline b;
    b.name = name;
    b.filter = filter;
    auto created = audit_->CreateBaseline(Ctx("auditor"), b);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Baseline{};
  }

  static const ConfigurationDiff* Find(const std::vector<ConfigurationDiff>& diffs, const std::string& id) {
    for (const auto& d : diffs) {
      if (d.id == id) return &d;
    }
    return nullptr;
  }

  static std::map<std::string, std::pair<Json, Json>> Fields(const ConfigurationDiff& d) {
    std::map<std::string, std::pair<Json, Json>> out;
    for (const auto& f : d.fields) out[f.field] = {f.before, f.after};
    return out;
  }

  // The tickets (or "" for none) of the changesets with these ids.
  static std::set<std::string> Tickets(const BaselineComparison& c, const std::vector<int64_t>& ids) {
    std::set<std::string> out;
    for (int64_t id : ids) {
      for (const auto& cs : c.changesets) {
        if (cs.id == id) out.insert(cs.external_ref);
      }
    }
    return out;
  }
};

TEST_F(AuditBaselineTest, CompareListsKnownEditsWithTheirChangesets) {
  const Ci dc = Create("location", "dc1");
  const Ci a = Create("server", "a", {{"hostname", "a"}});
  const Ci b = Create("server", "b", {{"hostname", "b"}});
  const Ci c = Create("server", "c");
  const Ci e = Create("server", "e", {{"hostname", "e"}});
  const Ci app = Create("application", "app");  // out of the baseline's scope
  const Relationship a_in = Link(Ctx(), a, "located_in", dc);
  const Baseline before = NewBaseline("before", "class = \"server\"");
  EXPECT_EQ(before.cis, 4);
  EXPECT_EQ(before.relationships, 1);
  EXPECT_EQ(before.created_by, "auditor");

  Ci owner;
  owner.owner = "ops";
  Update(Ticket("CHG-1"), a, {"owner"}, owner);  // authorised
  Ci host;
  host.attributes = {{"hostname", "b2"}};
  Update(Ctx("mallory"), b, {"attributes.hostname"}, host);  // no ticket
  ASSERT_TRUE(cis_->Delete(Ctx("mallory"), c.id, "", /*hard=*/false).ok());  // retire, no ticket
  Ci renamed;
  renamed.name = "e-renamed";
  Update(Ctx("mallory"), e, {"name"}, renamed);
  ASSERT_TRUE(cis_->Restore(Ticket("CHG-3"), e.id, 1, "").ok());  // back as it was
  WriteContext create_ctx = Ticket("CHG-2");
  auto d = cis_->Create(create_ctx, MakeCi("server", "d"), "");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(rels_->Delete(Ctx("mallory"), a_in.id, "").ok());
  const Relationship b_in = Link(Ticket("CHG-2"), b, "located_in", dc);
  Update(Ctx("mallory"), app, {"owner"}, owner);  // outside the scope: not listed

  auto compared = audit_->CompareBaseline({.name = "before"});
  ASSERT_TRUE(compared.ok()) << compared.status();
  const BaselineComparison& cmp = *compared;
  EXPECT_EQ(cmp.from.name, "before");
  EXPECT_EQ(cmp.cis_total, 4);  // a, b, c changed; d added; e unchanged after the restore
  ASSERT_EQ(cmp.cis.size(), 4u);
  const ConfigurationDiff* da = Find(cmp.cis, a.id);
  ASSERT_NE(da, nullptr);
  EXPECT_EQ(da->change, "changed");
  EXPECT_EQ(Fields(*da), (std::map<std::string, std::pair<Json, Json>>{{"owner", {Json(""), Json("ops")}}}));
  EXPECT_EQ(Tickets(cmp, da->changesets), std::set<std::string>{"CHG-1"});
  const ConfigurationDiff* db = Find(cmp.cis, b.id);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Fields(*db),
            (std::map<std::string, std::pair<Json, Json>>{{"attributes.hostname", {Json("b"), Json("b2")}}}));
  EXPECT_EQ(Tickets(cmp, db->changesets), std::set<std::string>{""});
  const ConfigurationDiff* dc_ = Find(cmp.cis, c.id);
  ASSERT_NE(dc_, nullptr);
  EXPECT_EQ(dc_->change, "changed");
  EXPECT_EQ(Fields(*dc_).at("status").second, Json("retired"));
  const ConfigurationDiff* dd = Find(cmp.cis, d->id);
  ASSERT_NE(dd, nullptr);
  EXPECT_EQ(dd->change, "added");
  EXPECT_EQ(dd->name, "d");
  EXPECT_EQ(Tickets(cmp, dd->changesets), std::set<std::string>{"CHG-2"});
  EXPECT_EQ(Find(cmp.cis, e.id), nullptr) << "restored to its baseline content";
  EXPECT_EQ(Find(cmp.cis, app.id), nullptr) << "outside the filter";

  ASSERT_EQ(cmp.relationships.size(), 2u);
  const ConfigurationDiff* ra = Find(cmp.relationships, a_in.id);
  ASSERT_NE(ra, nullptr);
  EXPECT_EQ(ra->change, "removed");
  EXPECT_EQ(ra->name, "a located_in dc1");
  const ConfigurationDiff* rb = Find(cmp.relationships, b_in.id);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(rb->change, "added");
  EXPECT_EQ(rb->source_id, b.id);

  // Unauthorised: every change of the period to the scope without a ticket,
  // the undone rename included; not the application's.
  std::map<std::string, int> unauthorised;  // actor -> changesets
  for (const auto& cs : cmp.unauthorised) {
    EXPECT_EQ(cs.external_ref, "");
    unauthorised[cs.actor]++;
  }
  EXPECT_EQ(unauthorised, (std::map<std::string, int>{{"mallory", 4}}));  // b, c, e's rename, a's relationship
}

TEST_F(AuditBaselineTest, ComparesTwoBaselinesAndAPastTime) {
  const Ci a = Create("server", "a");
  const Baseline first = NewBaseline("first", "");
  Ci crit;
  crit.criticality = "high";
  Update(Ctx(), a, {"criticality"}, crit);
  const Ci b = Create("server", "b");
  const Baseline second = NewBaseline("second", "");
  Create("server", "after-second");

  auto two = audit_->CompareBaseline({.name = "first", .to_name = "second"});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->to_name, "second");
  EXPECT_EQ(two->to_time, second.as_of);
  std::set<std::string> names;
  for (const auto& d : two->cis) names.insert(d.change + " " + d.name);
  EXPECT_EQ(names, (std::set<std::string>{"changed a", "added b"}));

  // Backwards: from the second baseline to the first one's time.
  auto back = audit_->CompareBaseline({.name = "second", .to_time = first.as_of});
  ASSERT_TRUE(back.ok()) << back.status();
  names.clear();
  for (const auto& d : back->cis) names.insert(d.change + " " + d.name);
  EXPECT_EQ(names, (std::set<std::string>{"changed a", "removed b"}));

  auto listed = audit_->ListBaselines();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "first");
  EXPECT_EQ((*listed)[1].cis, 2);
}

TEST_F(AuditBaselineTest, BadInputNamesTheField) {
  Baseline b;
  b.name = "Bad Name";
  EXPECT_THAT(audit_->CreateBaseline(Ctx(), b).status().message(), HasSubstr("baseline.name"));
  b.name = "ok";
  b.filter = "attributes.nope = 1 AND";
  auto bad = audit_->CreateBaseline(Ctx(), b);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("baseline.filter"));
  b.filter = "";
  b.as_of = FakeClock::kDefaultStart * 2;  // far in the future
  EXPECT_THAT(audit_->CreateBaseline(Ctx(), b).status().message(), HasSubstr("baseline.as_of"));
  b.as_of = 0;
  ASSERT_TRUE(audit_->CreateBaseline(Ctx(), b).ok());
  EXPECT_EQ(audit_->CreateBaseline(Ctx(), b).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(audit_->CompareBaseline({.name = "missing"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(audit_->CompareBaseline({.name = "ok", .to_name = "missing"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(audit_->CompareBaseline({.name = "ok", .limit = 0}).status().message(), HasSubstr("limit"));
  EXPECT_TRUE(audit_->DeleteBaseline(Ctx(), "ok").ok());
  EXPECT_EQ(audit_->GetBaseline("ok").status().code(), absl::StatusCode::kNotFound);
}

// Worked by hand. Servers s1 (serial, manufacturer), s2 (serial only), s3
// (neither, stale); applications a1, a2 (a2 orphaned).
//   hardware-has-serial (required_attribute, hardware): 3 checked, s3 fails
//   hardware-has-manufacturer (required_attribute):     3 checked, s2 s3 fail
//   not-stale (ci):                                     5 checked, s3 fails
//   application-not-orphaned (no_orphan, application):  2 checked, a2 fails
//   application-runs-on (required_relationship):        2 checked, a2 fails
// server:      completeness 1 - 3/6 = 50%, correctness 1 - 1/3 = 66.67%, compliance 1 - 4/9 = 55.56%
// application: completeness none, correctness (not-stale 2 + orphan 2) 1 - 1/4 = 75%, compliance 1 - 2/6 = 66.67%
// overall:     completeness 50%, correctness 1 - 2/7 = 71.43%, compliance 1 - 6/15 = 60%
TEST_F(AuditBaselineTest, HealthScoresByHand) {
  ExecSql("UPDATE audit_rule SET enabled = name IN ('hardware-has-serial', 'hardware-has-manufacturer', "
          "'not-stale', 'application-not-orphaned', 'application-runs-on')");
  const Ci s1 = Create("server", "s1", {{"serial_number", "A"}, {"manufacturer", "Dell"}});
  Create("server", "s2", {{"serial_number", "B"}});
  const Ci s3 = Create("server", "s3");
  const Ci a1 = Create("application", "a1");
  Create("application", "a2");
  Link(Ctx(), a1, "runs_on", s1);
  ExecSql(StrCat("UPDATE ci SET stale = true WHERE id = '", s3.id, "'"));
  auto run = audit_->Run(Ctx(), "", 100);
  ASSERT_TRUE(run.ok()) << run.status();
  std::map<std::string, HealthScore> by_class;
  for (const auto& h : run->health) by_class[h.class_name] = h;
  ASSERT_EQ(by_class.size(), 3u);
  auto near = [](std::optional<double> v, double want) { return v.has_value() && std::abs(*v - want) < 0.01; };
  EXPECT_TRUE(near(by_class["server"].completeness, 50.0));
  EXPECT_TRUE(near(by_class["server"].correctness, 100.0 * 2 / 3));
  EXPECT_TRUE(near(by_class["server"].compliance, 100.0 * 5 / 9));
  EXPECT_EQ(by_class["server"].cis, 3);
  EXPECT_FALSE(by_class["application"].completeness.has_value());
  EXPECT_TRUE(near(by_class["application"].correctness, 75.0));
  EXPECT_TRUE(near(by_class["application"].compliance, 100.0 * 4 / 6));
  EXPECT_TRUE(near(by_class[""].completeness, 50.0));
  EXPECT_TRUE(near(by_class[""].correctness, 100.0 * 5 / 7));
  EXPECT_TRUE(near(by_class[""].compliance, 60.0));
  EXPECT_EQ(by_class[""].cis, 5);
  EXPECT_EQ(run->health.front().class_name, "") << "the whole CMDB first";

  // Acknowledging s3's stale finding makes it pass.
  AuditAcknowledgement ack;
  ack.rule = "not-stale";
  ack.ci_id = s3.id;
  ack.reason = "decommissioning";
  ASSERT_TRUE(audit_->Acknowledge(Ctx(), ack).ok());
  auto again = audit_->Run(Ctx(), "", 100);
  ASSERT_TRUE(again.ok());
  bool server = false;
  for (const auto& h : again->health) {
    if (h.class_name != "server") continue;
    server = true;
    EXPECT_TRUE(near(h.correctness, 100.0));
  }
  EXPECT_TRUE(server);
}

TEST_F(AuditBaselineTest, StatusReportAgreesWithTheEstate) {
  // Without any run the report still has the state.
  const Ci s1 = Create("server", "s1", {{"serial_number", "A"}, {"manufacturer", "Dell"}});
  Create("server", "s2");
  const Ci app = Create("application", "app");
  Link(Ticket("CHG-9"), app, "runs_on", s1);
  auto empty = audit_->Status({});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_FALSE(empty->audit.has_value());
  EXPECT_EQ(empty->cis, 3);
  EXPECT_EQ(empty->relationships, 1);

  ExecSql(StrCat("UPDATE ci SET criticality = 'critical' WHERE id = '", s1.id, "'"));
  ASSERT_TRUE(audit_->Run(Ctx(), "", 100).ok());
  auto run = audit_->Run(Ctx(), "", 100);
  ASSERT_TRUE(run.ok());
  auto report = audit_->Status({});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->audit.has_value());
  EXPECT_EQ(report->audit->run.id, run->run.id);
  std::map<std::string, int64_t> states;
  for (const auto& s : report->ci_states) states[s.class_name + "/" + s.status] = s.count;
  EXPECT_EQ(states, (std::map<std::string, int64_t>{{"application/in_use", 1}, {"server/in_use", 2}}));
  std::map<std::string, int64_t> created;
  for (const auto& c : report->recent_changes) {
    if (c.operation == "create") created[c.class_name] = c.count;
  }
  EXPECT_EQ(created, (std::map<std::string, int64_t>{{"application", 1}, {"server", 2}}));
  ASSERT_EQ(report->trend.size(), 2u);
  EXPECT_LT(report->trend[0].run_id, report->trend[1].run_id);
  // Three CIs created by alice without a ticket; the relationship had one.
  EXPECT_EQ(report->unauthorised_total, 3);
  // Risk: each failing rule's severity weight x the criticality weights of
  // its failing CIs, plus 2 per unauthorised change.
  double expected = 2.0 * 3;
  for (const auto& r : report->risk_by_rule) {
    EXPECT_GT(r.failed, 0);
    expected += r.score;
  }
  EXPECT_DOUBLE_EQ(report->risk_score, expected);
  int64_t located_weight = -1;
  for (const auto& r : report->risk_by_rule) {
    if (r.rule == "server-located") located_weight = r.criticality_weight;
  }
  EXPECT_EQ(located_weight, 5) << "s1 is critical (weight 4) and fails server-located; s2 fails it too (1)";
  EXPECT_THAT(report->risk_formula, HasSubstr("severity weight"));
  EXPECT_EQ(audit_->Status({.run_id = 999}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(audit_->Status({.recent_days = 0}).status().message(), HasSubstr("recent_days"));
}

TEST_F(AuditBaselineTest, ScheduledAuditsRunWhenDueAndOldRunsArePruned) {
  AuditSchedule hourly;
  hourly.name = "hourly";
  hourly.interval_seconds = 3600;
  auto put = audit_->PutSchedule(Ctx("boss"), hourly);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->next_run_at, clock_.Now() + FakeClock::kHour);
  EXPECT_EQ(put->updated_by, "boss");
  auto ran = audit_->Tick(30);
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_EQ(*ran, 0) << "nothing due yet (the shipped daily schedule is a day away)";

  clock_.Advance(FakeClock::kHour);
  ran = audit_->Tick(30);
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_EQ(*ran, 1);
  EXPECT_EQ(*audit_->Tick(30), 0) << "not due again until an hour on";
  auto runs = audit_->ListRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].actor, "schedule:hourly");
  const int64_t first = (*runs)[0].id;
  auto schedules = audit_->ListSchedules();
  ASSERT_TRUE(schedules.ok());
  int found = 0;
  for (const auto& s : *schedules) {
    if (s.name != "hourly") continue;
    ++found;
    EXPECT_EQ(s.last_run_id, first);
    EXPECT_EQ(s.next_run_at, clock_.Now() + FakeClock::kHour);
  }
  EXPECT_EQ(found, 1);

  // Three days on: one more run, and the first (older than a day) goes.
  clock_.Advance(72 * FakeClock::kHour);
  EXPECT_EQ(*audit_->Tick(1), 1);
  runs = audit_->ListRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_GT((*runs)[0].id, first);
  EXPECT_EQ(audit_->GetRun(first, 10).status().code(), absl::StatusCode::kNotFound);
  // The latest run is kept however old.
  clock_.Advance(100 * 24 * FakeClock::kHour);
  ASSERT_TRUE(audit_->DeleteSchedule(Ctx(), "hourly").ok());
  EXPECT_EQ(*audit_->Tick(1), 0);
  EXPECT_EQ(audit_->ListRuns(10)->size(), 1u) << "the latest run stays, however old";

  hourly.interval_seconds = 60;
  EXPECT_THAT(audit_->PutSchedule(Ctx(), hourly).status().message(), HasSubstr("schedule.interval"));
  hourly.interval_seconds = 3600;
  hourly.category = "no-such-category";
  EXPECT_THAT(audit_->PutSchedule(Ctx(), hourly).status().message(), HasSubstr("schedule.category"));
  EXPECT_EQ(audit_->DeleteSchedule(Ctx(), "hourly").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cmdb::testing
