// Drift and the discovery audit against a real PostgreSQL: reconciliation
// keeps what a source reported for a field it may not write when that
// differs from the record (and forgets it once the source agrees); the
// source_drift rule fails exactly those CIs; the discovery audit of a
// prepared estate (runs and target logs as workers leave them) lists the
// unregistered devices, the missing CIs and the drift of the latest
// complete run, and nothing else.
#include <map>
#include <set>

#include "core/strings.h"
#include "reconcile_fixture.h"
#include "service/audit_service.h"
#include "support/reconcile_builders.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;

class AuditDiscoveryTest : public ReconcileServiceTest {
 protected:
  void SetUp() override {
    ReconcileServiceTest::SetUp();
    audit_ = std::make_unique<AuditService>(db(), clock_);
  }
  void TearDown() override {
    audit_.reset();
    ReconcileServiceTest::TearDown();
  }

  ReconcileOutput Report(const std::string& serial, const std::string& os) {
    ReconcileInput in;
    in.source = "snmp";
    in.items.push_back(Item("d", "server", "core-1",
                            {{"management_ip", "10.9.0.1"}, {"serial_number", serial}, {"os_version", os}}));
    auto out = reconcile_->Reconcile(Ctx("worker"), in);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : ReconcileOutput{};
  }

  // rule -> reason per CI name, of the no-drift rule only.
  std::map<std::string, std::string> DriftFailures() {
    ExecSql("UPDATE audit_rule SET enabled = (name = 'no-drift')");
    auto run = audit_->Run(Ctx(), "", 100);
    EXPECT_TRUE(run.ok()) << run.status();
    std::map<std::string, std::string> out;
    if (!run.ok()) return out;
    for (const auto& f : run->failures) out[f.ci_name] = f.reason;
    return out;
  }

  std::unique_ptr<AuditService> audit_;
};

TEST_F(AuditDiscoveryTest, DriftIsKeptWhileTheSourceDisagreesAndRuleFailsIt) {
  // A person recorded the serial; for serials a person outranks SNMP.
  auto manual = cis_->Create(Ctx(), MakeCi("server", "core-1", {{"management_ip", "10.9.0.1"},
                                                              {"serial_number", "MAN-1"}}),
                             "");
  ASSERT_TRUE(manual.ok()) << manual.status();
  ReconcileOutput out = Report("SNMP-9", "15.2");
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].ci_id, manual->id) << "identified by management_ip and name";
  auto failures = DriftFailures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_THAT(failures["core-1"], HasSubstr("attributes.serial_number: recorded \"MAN-1\", snmp reported \"SNMP-9\""));
  EXPECT_EQ(failures["core-1"].find("os_version"), std::string::npos) << "SNMP wrote the OS version: no drift";

  // A person corrects the record to what SNMP sees: the rule passes
  // before SNMP even reports again.
  CiPatch fix;
  fix.id = manual->id;
  fix.paths = {"attributes.serial_number"};
  fix.values.attributes = {{"serial_number", "SNMP-9"}};
  ASSERT_TRUE(cis_->Update(Ctx(), fix).ok());
  EXPECT_TRUE(DriftFailures().empty());

  // SNMP disagrees again, then agrees: the drift row goes.
  Report("SNMP-10", "15.2");
  EXPECT_EQ(DriftFailures().size(), 1u);
  Report("SNMP-9", "15.2");
  EXPECT_TRUE(DriftFailures().empty());
  EXPECT_EQ(Count("SELECT count(*) FROM ci_drift"), 0);
}

TEST_F(AuditDiscoveryTest, DiscoveryAuditOfAPreparedEstate) {
  const Ci found = Create("server", "found", {{"management_ip", "10.9.0.1"}, {"serial_number", "F1"}});
  const Ci retired = Create("server", "old", {{"management_ip", "10.9.0.3"}});
  ExecSql(StrCat("UPDATE ci SET status = 'retired' WHERE id = '", retired.id, "'"));
  const Ci silent = Create("server", "silent", {{"management_ip", "10.9.0.4"}});
  const Ci replaced = Create("server", "replaced", {{"management_ip", "10.9.0.5"}});
  const Ci other = Create("server", "other", {{"management_ip", "10.9.0.6"}});
  Create("server", "elsewhere", {{"management_ip", "10.9.9.9"}});  // not scanned
  const Ci port = Create("interface", "eth0", {{"if_name", "eth0"}, {"if_alias", "uplink"}});
  ExecSql(StrCat("UPDATE ci SET parent_id = '", found.id, "' WHERE id = '", port.id, "'"));
  ExecSql("INSERT INTO source (name) VALUES ('snmp') ON CONFLICT DO NOTHING");
  // Drift: the device's serial and its port's alias differ from what SNMP
  // reported; a drift row of a CI the run did not find, and one the record
  // now agrees with, are not listed.
  ExecSql(StrCat("INSERT INTO ci_drift (ci_id, source, field, reported, reported_at) VALUES "
             "('", found.id, "', 'snmp', 'attributes.serial_number', '\"F2\"', now()), "
             "('", port.id, "', 'snmp', 'attributes.if_alias', '\"core uplink\"', now()), "
             "('", silent.id, "', 'snmp', 'attributes.serial_number', '\"S9\"', now()), "
             "('", found.id, "', 'snmp', 'name', '\"found\"', now())"));
  ExecSql("INSERT INTO discovery_schedule (name, targets, credentials) VALUES ('lab', '{10.9.0.0/29}', '{public}')");
  // The audited run, an older complete one and a newer failed one.
  const char* kRun = "00000000-0000-4000-8000-000000000001";
  ExecSql("INSERT INTO discovery_run (id, schedule, state, targets, credentials, requested_by, targets_total, "
      "jobs_total, ended_at) VALUES "
      "('00000000-0000-4000-8000-000000000001', 'lab', 3, '{10.9.0.0/29}', '{public}', 't', 8, 1, now() - interval '1 hour'), "
      "('00000000-0000-4000-8000-000000000002', 'lab', 3, '{10.9.0.0/29}', '{public}', 't', 8, 1, now() - interval '2 days'), "
      "('00000000-0000-4000-8000-000000000003', 'lab', 4, '{10.9.0.0/29}', '{public}', 't', 8, 1, now())");
  const std::string job = "00000000-0000-4000-8000-0000000000aa";
  ExecSql(StrCat("INSERT INTO discovery_target_log (run_id, address, job_id, outcome, sys_name, class_name, device_id) "
             "VALUES ('", kRun, "', '10.9.0.1', '", job, "', 1, 'found', 'server', '", found.id, "'), ('", kRun,
             "', '10.9.0.2', '", job, "', 1, 'rogue', 'network_device', NULL), ('", kRun, "', '10.9.0.3', '", job,
             "', 1, 'old', 'server', '", retired.id, "'), ('", kRun, "', '10.9.0.4', '", job,
             "', 3, '', '', NULL), ('", kRun, "', '10.9.0.5', '", job, "', 1, 'other', 'server', '", other.id,
             "'), ('", kRun, "', '10.9.0.6', '", job, "', 1, 'other', 'server', '", other.id, "'), ('", kRun,
             "', '10.9.0.7', '", job, "', 4, '', '', NULL)"));
  // The older run saw a rogue device the newer one did not.
  ExecSql(StrCat("INSERT INTO discovery_target_log (run_id, address, job_id, outcome, sys_name) VALUES "
             "('00000000-0000-4000-8000-000000000002', '10.9.0.7', '", job, "', 1, 'gone')"));

  auto audit = audit_->AuditDiscovery("lab", "", 100);
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->run_id, kRun);
  EXPECT_EQ(audit->schedule, "lab");
  std::map<std::string, std::string> unregistered;
  for (const auto& u : audit->unregistered) unregistered[u.address] = u.reason;
  EXPECT_EQ(unregistered.size(), 2u);
  EXPECT_THAT(unregistered["10.9.0.2"], HasSubstr("no CI was recorded"));
  EXPECT_THAT(unregistered["10.9.0.3"], HasSubstr("retired"));
  EXPECT_EQ(audit->unregistered_total, 2);

  std::map<std::string, std::string> missing;
  for (const auto& m : audit->missing) missing[m.name] = m.reason;
  EXPECT_EQ(missing.size(), 2u);
  EXPECT_THAT(missing["silent"], HasSubstr("no answer at 10.9.0.4"));
  EXPECT_THAT(missing["replaced"], HasSubstr("answered as another CI, " + other.id));
  EXPECT_EQ(audit->missing_total, 2);

  std::set<std::string> drift;
  for (const auto& d : audit->drift) drift.insert(d.name + " " + d.field + " " + d.recorded.dump() + "->" +
                                                  d.reported.dump() + " " + d.source);
  EXPECT_EQ(drift, (std::set<std::string>{"eth0 attributes.if_alias \"uplink\"->\"core uplink\" snmp",
                                          "found attributes.serial_number \"F1\"->\"F2\" snmp"}));
  EXPECT_EQ(audit->drift_total, 2);

  // A given run; the limit lists fewer but counts all.
  auto older = audit_->AuditDiscovery("", "00000000-0000-4000-8000-000000000002", 1);
  ASSERT_TRUE(older.ok()) << older.status();
  ASSERT_EQ(older->unregistered.size(), 1u);
  EXPECT_EQ(older->unregistered[0].sys_name, "gone");
  auto limited = audit_->AuditDiscovery("lab", "", 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->unregistered.size(), 1u);
  EXPECT_EQ(limited->unregistered_total, 2);

  EXPECT_EQ(audit_->AuditDiscovery("nope", "", 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(audit_->AuditDiscovery("", "not-a-uuid", 10).status().message(), HasSubstr("run_id"));
  EXPECT_EQ(audit_->AuditDiscovery("", "00000000-0000-4000-8000-00000000ffff", 10).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cmdb::testing
