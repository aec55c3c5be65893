// Configuration audit against a real PostgreSQL: on a prepared estate,
// every rule kind (the shipped rule set and rules made for the test) fails
// exactly the CIs it should, with its reason; scope by class and filter;
// retired CIs are out of scope; acknowledgements; bad rules are refused
// with the field named; runs are kept.
#include <map>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "audit_fixture.h"
#include "support/builders.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr Micros kDay = 24 * FakeClock::kHour;

class AuditServiceTest : public AuditTest {
 protected:
  void Link(const Ci& from, const std::string& type, const Ci& to) {
    Relationship rel;
    rel.source_id = from.id;
    rel.type = type;
    rel.target_id = to.id;
    ASSERT_TRUE(rels_->Create(Ctx(), rel).ok());
  }

  // The estate every test audits.
  void Prepare() {
    loc1_ = Create("location", "dc1");
    loc2_ = Create("location", "dc2");
    s1_ = Create("server", "s1", {{"serial_number", "A1"}, {"manufacturer", "Dell Inc."}, {"hostname", "srv-1"}});
    s2_ = Create("server", "s2", {{"serial_number", "A1"}, {"hostname", "web2"}});  // shares s1's serial
    s3_ = Create("server", "s3", {{"serial_number", "B2"}, {"manufacturer", "Acme"}, {"hostname", "srv-3"}});
    retired_ = Create("server", "s4");  // no serial, but retired: out of scope
    ExecSql(StrCat("UPDATE ci SET status = 'retired' WHERE id = '", retired_.id, "'"));
    app1_ = Create("application", "app1");
    app2_ = Create("application", "app2");
    Link(s1_, "located_in", loc1_);
    Link(s3_, "located_in", loc1_);
    Link(s3_, "located_in", loc2_);
    Link(app1_, "runs_on", s1_);
    const Micros now = clock_.Now();
    soon_ = Create("certificate", "soon", {{"not_after", FormatRfc3339(now + 10 * kDay)}});
    Create("certificate", "later", {{"not_after", FormatRfc3339(now + 100 * kDay)}});
    expired_ = Create("certificate", "expired", {{"not_after", FormatRfc3339(now - kDay)}});
    ExecSql(StrCat("UPDATE ci SET stale = true, stale_since = '2025-12-01T00:00:00Z' WHERE id = '", s3_.id, "'"));
    ExecSql(StrCat("INSERT INTO duplicate_candidate (kind, value, ci_ids, detected_by) VALUES ('serial_number', 'a1', "
               "'{", s1_.id, ",", s2_.id, "}', 'test')"));
    ExecSql("INSERT INTO source (name) VALUES ('snmp') ON CONFLICT DO NOTHING");
    ExecSql(StrCat("INSERT INTO ci_source (ci_id, source, first_seen, last_seen) VALUES ('", s1_.id, "', 'snmp', '",
               ToSqlTimestamp(now - 40 * kDay), "', '", ToSqlTimestamp(now - kDay), "'), ('", s2_.id, "', 'snmp', '",
               ToSqlTimestamp(now - 40 * kDay), "', '", ToSqlTimestamp(now - 35 * kDay), "')"));
    ExecSql(StrCat("INSERT INTO ci_drift (ci_id, source, field, reported, reported_at) VALUES ('", s1_.id,
               "', 'snmp', 'attributes.serial_number', '\"Z9\"', '", ToSqlTimestamp(now), "'), ('", s3_.id,
               "', 'snmp', 'attributes.serial_number', '\"B2\"', '", ToSqlTimestamp(now), "')"));
  }

  // rule -> the names of the CIs failing it, from a report.
  static std::map<std::string, std::set<std::string>> Failing(const AuditReport& report) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& r : report.results) out[r.rule];
    for (const auto& f : report.failures) {
      if (!f.acknowledged) out[f.rule].insert(f.ci_name);
    }
    return out;
  }

  static const AuditRuleResult& Result(const AuditReport& report, const std::string& rule) {
    for (const auto& r : report.results) {
      if (r.rule == rule) return r;
    }
    ADD_FAILURE() << "no result for " << rule;
    static AuditRuleResult none;
    return none;
  }

  static std::string Reason(const AuditReport& report, const std::string& rule, const std::string& ci) {
    for (const auto& f : report.failures) {
      if (f.rule == rule && f.ci_name == ci) return f.reason;
    }
    return "";
  }

  AuditRule Rule(std::string name, std::string kind, std::string cls, Json params, std::string filter = "") {
    AuditRule r;
    r.name = std::move(name);
    r.category = "test";
    r.kind = std::move(kind);
    r.class_name = std::move(cls);
    r.params = std::move(params);
    r.filter = std::move(filter);
    return r;
  }

  Ci loc1_, loc2_, s1_, s2_, s3_, retired_, app1_, app2_, soon_, expired_;
};

// The shipped rules on the prepared estate: exactly the CIs each should fail.
TEST_F(AuditServiceTest, TheDefaultRulesFailExactlyTheCisTheyShould) {
  Prepare();
  auto report = audit_->Run(Ctx("auditor"), "", 1000);
  ASSERT_TRUE(report.ok()) << report.status();
  const std::map<std::string, std::set<std::string>> expected = {
      {"hardware-has-serial", {}},  // s4 has none, but is retired
      {"hardware-has-manufacturer", {"s2"}},
      {"server-located", {"s2"}},
      {"application-runs-on", {"app2"}},
      {"one-location", {"s3"}},
      {"unique-serial", {"s1", "s2"}},
      {"not-stale", {"s3"}},
      {"no-open-duplicates", {"s1", "s2"}},
      {"application-not-orphaned", {"app2"}},
      {"certificate-not-expiring", {"soon", "expired"}},
      {"hardware-verified", {"s2", "s3"}},  // s1 seen a day ago; s2 35 days ago; s3 never
      {"no-drift", {"s1"}},                 // SNMP reported another serial; s3's report matches its record
  };
  EXPECT_EQ(Failing(*report), expected);
  EXPECT_EQ(Result(*report, "hardware-has-serial").checked, 3);  // s1, s2, s3
  EXPECT_EQ(Result(*report, "unique-serial").failed, 2);
  EXPECT_EQ(Result(*report, "application-runs-on").checked, 2);
  EXPECT_EQ(Result(*report, "certificate-not-expiring").severity, "critical");
  EXPECT_EQ(Reason(*report, "hardware-has-manufacturer", "s2"), "attributes.manufacturer is missing");
  EXPECT_EQ(Reason(*report, "server-located", "s2"), "no located_in relationship to a location");
  EXPECT_EQ(Reason(*report, "one-location", "s3"), "2 located_in relationships (at most 1)");
  EXPECT_EQ(Reason(*report, "unique-serial", "s1"), "attributes.serial_number: \"A1\" is shared with 1 other CIs");
  EXPECT_EQ(Reason(*report, "not-stale", "s3"), "stale since 2025-12-01T00:00:00Z");
  EXPECT_EQ(Reason(*report, "no-open-duplicates", "s2"), "an open duplicate candidate: serial_number a1");
  EXPECT_EQ(Reason(*report, "certificate-not-expiring", "expired"),
            "expired " + FormatRfc3339(clock_.Now() - kDay));
  EXPECT_EQ(Reason(*report, "certificate-not-expiring", "soon"), "expires " + FormatRfc3339(clock_.Now() + 10 * kDay));
  EXPECT_EQ(Reason(*report, "hardware-verified", "s3"), "never seen by a source");
  EXPECT_THAT(Reason(*report, "hardware-verified", "s2"), HasSubstr("last seen by a source 2025-11-27"));
  EXPECT_EQ(Reason(*report, "no-drift", "s1"),
            "attributes.serial_number: recorded \"A1\", snmp reported \"Z9\" at 2026-01-01T00:00:00Z");
  // The run is kept, and reads back the same.
  auto again = audit_->GetRun(0, 1000);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->run.id, report->run.id);
  EXPECT_EQ(again->run.actor, "auditor");
  EXPECT_EQ(Failing(*again), expected);
}

// The kinds the shipped set does not use, scope by filter, and a category.
TEST_F(AuditServiceTest, PatternsAllowedValuesFiltersAndCategories) {
  Prepare();
  ASSERT_TRUE(audit_->PutRule(Ctx("admin"), Rule("hostname-style", "pattern", "server",
                                                 {{"attribute", "hostname"}, {"regex", "^srv-[0-9]+$"}}))
                  .ok());
  ASSERT_TRUE(audit_->PutRule(Ctx("admin"), Rule("known-vendors", "allowed_values", "hardware",
                                                 {{"attribute", "manufacturer"}, {"values", {"Dell Inc.", "HPE"}}}))
                  .ok());
  ASSERT_TRUE(audit_->PutRule(Ctx("admin"), Rule("s-with-serial-b", "required_attribute", "server",
                                                 {{"attribute", "manufacturer"}}, "attributes.serial_number = \"B2\""))
                  .ok());
  auto report = audit_->Run(Ctx("auditor"), "test", 1000);
  ASSERT_TRUE(report.ok()) << report.status();
  const std::map<std::string, std::set<std::string>> expected = {
      {"hostname-style", {"s2"}}, {"known-vendors", {"s3"}}, {"s-with-serial-b", {}}};
  EXPECT_EQ(Failing(*report), expected);  // only the category's rules ran
  EXPECT_EQ(Reason(*report, "hostname-style", "s2"), "attributes.hostname: \"web2\" does not match ^srv-[0-9]+$");
  EXPECT_EQ(Reason(*report, "known-vendors", "s3"),
            "attributes.manufacturer: \"Acme\" is not one of [\"Dell Inc.\", \"HPE\"]");
  EXPECT_EQ(Result(*report, "s-with-serial-b").checked, 1);  // the filter narrows the scope to s3
  EXPECT_EQ(Result(*report, "known-vendors").checked, 3);
}

TEST_F(AuditServiceTest, AnAcknowledgedFindingIsListedButNoLongerFails) {
  Prepare();
  AuditAcknowledgement ack;
  ack.rule = "application-runs-on";
  ack.ci_id = app2_.id;
  ack.reason = "decommissioning in Q1";
  auto saved = audit_->Acknowledge(Ctx("manager"), ack);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->actor, "manager");
  // An acknowledgement that expired counts for nothing.
  ack.rule = "application-not-orphaned";
  ack.expires_at = clock_.Now() + kDay;
  ASSERT_TRUE(audit_->Acknowledge(Ctx("manager"), ack).ok());
  clock_.Advance(2 * kDay);
  auto report = audit_->Run(Ctx("auditor"), "", 1000);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Result(*report, "application-runs-on").failed, 0);
  EXPECT_EQ(Result(*report, "application-runs-on").acknowledged, 1);
  EXPECT_EQ(Result(*report, "application-not-orphaned").failed, 1);
  bool listed = false;
  for (const auto& f : report->failures) listed = listed || (f.rule == "application-runs-on" && f.acknowledged);
  EXPECT_TRUE(listed);
  // Withdrawn, it fails again.
  ASSERT_TRUE(audit_->Withdraw(Ctx("manager"), "application-runs-on", app2_.id).ok());
  EXPECT_EQ(Result(*audit_->Run(Ctx("auditor"), "", 10), "application-runs-on").failed, 1);
  EXPECT_EQ(audit_->Withdraw(Ctx("manager"), "application-runs-on", app2_.id).code(), absl::StatusCode::kNotFound);
}

TEST_F(AuditServiceTest, BadRulesAreRefusedWithTheFieldNamedAndNothingStored) {
  const auto before = audit_->ListRules("");
  ASSERT_TRUE(before.ok());
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "no_such_kind", "server", {})).status(), "rule.kind");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "required_attribute", "nope", {{"attribute", "a"}})).status(),
                   "rule.class_name");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "required_attribute", "server", {{"attribute", "colour"}})).status(),
                   "rule.params.attribute", "no attribute \"colour\"");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "required_attribute", "server", {})).status(),
                   "rule.params.attribute");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "pattern", "server", {{"attribute", "hostname"}, {"regex", "("}}))
                       .status(),
                   "rule.params.regex");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "max_relationships", "server",
                                               {{"type", "located_in"}, {"max", -1}}))
                       .status(),
                   "rule.params.max");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "required_relationship", "server", {{"type", "likes"}})).status(),
                   "rule.params.type");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "not_stale", "server", {{"days", 3}})).status(), "rule.params.days",
                   "takes no parameters");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "certificate_expiry", "certificate", {{"attribute", "issuer"}}))
                       .status(),
                   "rule.params.attribute", "datetime");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("x", "not_stale", "server", {}, "colour = \"red\"")).status(),
                   "rule.filter");
  ExpectFieldError(audit_->PutRule(Ctx(), Rule("Bad Name", "not_stale", "server", {})).status(), "rule.name");
  const auto after = audit_->ListRules("");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
  EXPECT_EQ(audit_->Run(Ctx(), "nothing-here", 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(audit_->GetRun(424242, 10).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AuditServiceTest, RulesAreReplacedDisabledAndDeleted) {
  AuditRule rule = Rule("orphans", "no_orphan", "server", {});
  rule.severity = "high";
  auto saved = audit_->PutRule(Ctx("admin"), rule);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->updated_by, "admin");
  rule.enabled = false;
  ASSERT_TRUE(audit_->PutRule(Ctx("admin"), rule).ok());
  EXPECT_FALSE(audit_->GetRule("orphans")->enabled);
  // A disabled rule does not run: the category has nothing to run.
  EXPECT_EQ(audit_->Run(Ctx(), "test", 10).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(audit_->DeleteRule(Ctx("admin"), "orphans").ok());
  EXPECT_EQ(audit_->GetRule("orphans").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(audit_->DeleteRule(Ctx("admin"), "orphans").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cmdb::testing
