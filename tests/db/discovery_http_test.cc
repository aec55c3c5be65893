// HTTP discovery in DiscoveryService and reconciliation, against a real
// PostgreSQL: HTTP credentials (sealed, checked by kind), the protocols and
// ports of schedules and runs, one job per protocol with a run's HTTP jobs
// leased after its SNMP jobs, the devices already recorded at an address
// handed to HTTP jobs, one log entry per address and protocol with its
// endpoints, the staleness of endpoints, and exclusive relations (a renewed
// certificate takes over `secures`).
#include <set>

#include "core/strings.h"
#include "core/uuid.h"
#include "discovery_fixture.h"
#include "service/reconcile_service.h"
#include "support/reconcile_builders.h"

namespace cmdb::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPassword[] = "bmc-password-never-shown";
constexpr char kToken[] = "bearer-token-never-shown";

class DiscoveryHttpTest : public DiscoveryTest {
 protected:
  void SetUp() override {
    DiscoveryTest::SetUp();
    reconcile_ = std::make_unique<ReconcileService>(db(), limits_, clock_);
  }
  void TearDown() override {
    reconcile_.reset();
    DiscoveryTest::TearDown();
  }

  absl::StatusOr<Credential> CreateHttp(const std::string& name, CredentialKind kind, const std::string& user,
                                        CredentialSecret secret, bool allow_unverified = false) {
    Credential c;
    c.name = name;
    c.kind = kind;
    c.user = user;
    c.allow_unverified_tls = allow_unverified;
    return svc_->CreateCredential(c, secret, false);
  }

  DiscoveryRun StartHttp(std::vector<std::string> targets, std::vector<std::string> protocols,
                         std::vector<int> ports = {}, std::vector<std::string> credentials = {}) {
    DiscoveryRun run = AdHoc(std::move(targets), std::move(credentials));
    run.protocols = std::move(protocols);
    run.http_ports = std::move(ports);
    return Start(run);
  }

  // Reconciles `in` and returns the outcome; fails the test on an error.
  ReconcileOutput Reconcile(const ReconcileInput& in) {
    auto out = reconcile_->Reconcile(Ctx("worker"), in);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : ReconcileOutput{};
  }

  std::unique_ptr<ReconcileService> reconcile_;
};

// --- Credentials -------------------------------------------------------------------

TEST_F(DiscoveryHttpTest, HttpCredentialsAreSealedAndCheckedByKind) {
  CredentialSecret basic;
  basic.password = kPassword;
  auto created = CreateHttp("bmc", CredentialKind::kHttpBasic, "admin", basic, /*allow_unverified=*/true);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->has_secret);
  EXPECT_TRUE(created->allow_unverified_tls);
  CredentialSecret bearer;
  bearer.token = kToken;
  ASSERT_TRUE(CreateHttp("api", CredentialKind::kHttpBearer, "", bearer).ok());

  auto list = svc_->ListCredentials();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "api");
  EXPECT_EQ((*list)[0].kind, CredentialKind::kHttpBearer);
  EXPECT_FALSE((*list)[0].allow_unverified_tls);
  EXPECT_EQ((*list)[1].kind, CredentialKind::kHttpBasic);
  EXPECT_EQ((*list)[1].user, "admin");
  for (const char* plain : {kPassword, kToken}) {
    EXPECT_EQ(Count(StrCat("SELECT count(*) FROM credential WHERE position(convert_to('", plain,
                           "', 'UTF8') in secret) > 0")),
              0)
        << plain;
  }

  // Wrong fields for the kind: refused with the field named.
  auto no_password = CreateHttp("x1", CredentialKind::kHttpBasic, "admin", {});
  EXPECT_EQ(no_password.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_password.status().message()), HasSubstr("credential.password"));
  auto no_user = CreateHttp("x2", CredentialKind::kHttpBasic, "", basic);
  EXPECT_THAT(std::string(no_user.status().message()), HasSubstr("credential.user"));
  auto colon = CreateHttp("x3", CredentialKind::kHttpBasic, "a:b", basic);
  EXPECT_THAT(std::string(colon.status().message()), HasSubstr("credential.user"));
  auto no_token = CreateHttp("x4", CredentialKind::kHttpBearer, "", {});
  EXPECT_THAT(std::string(no_token.status().message()), HasSubstr("credential.token"));
  CredentialSecret snmp_too = basic;
  snmp_too.community = "public";
  auto mixed = CreateHttp("x5", CredentialKind::kHttpBasic, "admin", snmp_too);
  EXPECT_THAT(std::string(mixed.status().message()), HasSubstr("credential.community"));
  CredentialSecret newline;
  newline.password = "line\nbreak";
  auto control = CreateHttp("x6", CredentialKind::kHttpBasic, "admin", newline);
  EXPECT_THAT(std::string(control.status().message()), HasSubstr("credential.password"));
  EXPECT_EQ(Count("SELECT count(*) FROM credential"), 2);
}

TEST_F(DiscoveryHttpTest, LeasedHttpJobCarriesTheSecretsAndPorts) {
  CredentialSecret basic;
  basic.password = kPassword;
  ASSERT_TRUE(CreateHttp("bmc", CredentialKind::kHttpBasic, "admin", basic, true).ok());
  DiscoveryRun run = StartHttp({"127.0.6.1"}, {"http"}, {8443, 443}, {"bmc"});
  EXPECT_THAT(run.protocols, ElementsAre("http"));
  EXPECT_THAT(run.http_ports, ElementsAre(443, 8443));  // canonical order
  JobLease lease = Lease();
  EXPECT_EQ(lease.protocol, "http");
  EXPECT_THAT(lease.http_ports, ElementsAre(443, 8443));
  ASSERT_EQ(lease.credentials.size(), 1u);
  EXPECT_EQ(lease.credentials[0].credential.user, "admin");
  EXPECT_EQ(lease.credentials[0].secret.password, kPassword);
  EXPECT_TRUE(lease.credentials[0].credential.allow_unverified_tls);
}

// --- Protocols ------------------------------------------------------------------------

TEST_F(DiscoveryHttpTest, ProtocolsAndPortsAreCheckedWithTheFieldNamed) {
  CreateCredential();
  struct Case {
    std::vector<std::string> protocols;
    std::vector<int> ports;
    const char* field;
  };
  const Case cases[] = {
      {{"ftp"}, {}, "protocols[0]"},        {{"http", "http"}, {}, "protocols[1]"}, {{"http"}, {0}, "http_ports[0]"},
      {{"http"}, {70000}, "http_ports[0]"}, {{"http"}, {443, 443}, "http_ports"},   {{"snmp"}, {443}, "http_ports"},
  };
  for (const Case& c : cases) {
    DiscoveryRun run = AdHoc({"127.0.6.1"});
    run.protocols = c.protocols;
    run.http_ports = c.ports;
    auto started = svc_->StartRun("", run, "alice");
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(started.status().message()), HasSubstr(c.field));
  }
  // SNMP needs a credential; HTTP alone does not.
  auto no_credential = svc_->StartRun("", AdHoc({"127.0.6.1"}, {}), "alice");
  EXPECT_THAT(std::string(no_credential.status().message()), HasSubstr("credentials"));
  DiscoveryRun http_only = StartHttp({"127.0.6.1"}, {"http"});
  EXPECT_EQ(http_only.progress.targets_total, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_run"), 1);

  // Schedules keep theirs; an update can change them alone.
  Schedule s = MakeSchedule("web", {"127.0.6.0/30"}, {});
  s.protocols = {"http", "snmp"};
  auto bad = svc_->CreateSchedule(s);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("schedule.credentials"));
  s.protocols = {"http"};
  s.http_ports = {8080};
  auto created = svc_->CreateSchedule(s);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(created->protocols, ElementsAre("http"));
  EXPECT_THAT(created->http_ports, ElementsAre(8080));
  Schedule patch;
  patch.name = "web";
  patch.http_ports = {80, 8443};
  auto updated = svc_->UpdateSchedule(patch, {"http_ports"}, "");
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_THAT(updated->protocols, ElementsAre("http"));
  EXPECT_THAT(updated->http_ports, ElementsAre(80, 8443));
  auto from_schedule = svc_->StartRun("web", {}, "alice");
  ASSERT_TRUE(from_schedule.ok()) << from_schedule.status();
  EXPECT_THAT(from_schedule->protocols, ElementsAre("http"));
  EXPECT_THAT(from_schedule->http_ports, ElementsAre(80, 8443));
}

TEST_F(DiscoveryHttpTest, HttpJobsOfARunWaitForItsSnmpJobsAndKnowTheDevicesFound) {
  CreateCredential();
  DiscoveryRun run = StartHttp({"127.0.6.1", "127.0.6.2"}, {"http", "snmp"}, {}, {"public-ro"});
  EXPECT_THAT(run.protocols, ElementsAre("snmp", "http"));
  EXPECT_EQ(run.progress.targets_total, 4);
  EXPECT_EQ(run.progress.jobs_total, 2);

  JobLease snmp = Lease();
  EXPECT_EQ(snmp.protocol, "snmp");
  EXPECT_TRUE(NothingToLease()) << "an HTTP job was leased while the run's SNMP job was still leased";
  // SNMP finds a device at .1 (written as the worker would).
  ReconcileInput in;
  in.source = "snmp";
  in.items = {Item("device", "switch", "sw1", {{"serial_number", "SW-9"}, {"management_ip", "127.0.6.1"}})};
  ReconcileOutput written = Reconcile(in);
  ASSERT_EQ(written.items.size(), 1u);
  const std::string device = written.items[0].ci_id;
  TargetReport found = Report("127.0.6.1", TargetOutcome::kDiscovered);
  found.device_id = device;
  ASSERT_TRUE(
      svc_->ReportTargets(snmp.id, snmp.lease_token, "w1", {found, Report("127.0.6.2", TargetOutcome::kNoResponse)})
          .ok());
  ASSERT_TRUE(svc_->CompleteJob(snmp.id, snmp.lease_token, false).ok());

  JobLease http = Lease();
  EXPECT_EQ(http.protocol, "http");
  EXPECT_THAT(http.targets, ElementsAre("127.0.6.1", "127.0.6.2"));
  ASSERT_EQ(http.known_hosts.size(), 1u);
  EXPECT_EQ(http.known_hosts[0].first, "127.0.6.1");
  EXPECT_EQ(http.known_hosts[0].second, device);

  // Each protocol logs each address once.
  TargetReport endpoint = Report("127.0.6.1", TargetOutcome::kDiscovered);
  HttpEndpointReport e;
  e.url = "https://127.0.6.1:443/";
  e.status = 200;
  e.title = "Switch login";
  e.certificate_sha256 = std::string(64, 'a');
  e.errors = {"http://127.0.6.1:8080/: no answer within 1000 ms"};
  endpoint.endpoints = {e};
  ASSERT_TRUE(
      svc_->ReportTargets(http.id, http.lease_token, "w1", {endpoint, Report("127.0.6.2", TargetOutcome::kNoResponse)})
          .ok());
  ASSERT_TRUE(svc_->CompleteJob(http.id, http.lease_token, false).ok());
  DiscoveryRun done = Get(run.id);
  EXPECT_EQ(done.state, RunState::kSucceeded);
  EXPECT_EQ(done.progress.targets_done, 4);
  EXPECT_EQ(done.progress.responders, 2);

  std::vector<std::string> seen;
  std::string token;
  do {  // one entry per page: paging walks (address, protocol)
    auto page = svc_->ListRunLog(run.id, {}, 1, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const TargetReport& t : page->entries) {
      seen.push_back(t.address + " " + t.protocol);
      if (t.protocol == "http" && t.address == "127.0.6.1") {
        ASSERT_EQ(t.endpoints.size(), 1u);
        EXPECT_EQ(t.endpoints[0].url, "https://127.0.6.1:443/");
        EXPECT_EQ(t.endpoints[0].status, 200);
        EXPECT_EQ(t.endpoints[0].title, "Switch login");
        EXPECT_THAT(t.endpoints[0].errors, ElementsAre(HasSubstr("no answer")));
      }
    }
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_THAT(seen, ElementsAre("127.0.6.1 http", "127.0.6.1 snmp", "127.0.6.2 http", "127.0.6.2 snmp"));
}

TEST_F(DiscoveryHttpTest, EndpointMissingFromAFullyProbedAddressBecomesStale) {
  SourcePolicy policy;
  policy.name = "http";
  policy.stale_after_runs = 1;
  ASSERT_TRUE(reconcile_->admin().SetSourcePolicy(Ctx("admin"), policy).ok());
  ReconcileInput in;
  in.source = "http";
  in.items = {
      Item("a", "application", "web 127.0.6.1:80", {{"url", "http://127.0.6.1:80/"}, {"address", "127.0.6.1"}}),
      Item("b", "application", "web 127.0.6.1:443", {{"url", "https://127.0.6.1:443/"}, {"address", "127.0.6.1"}})};
  ReconcileOutput written = Reconcile(in);
  ASSERT_EQ(written.items.size(), 2u);
  const std::string kept = written.items[0].ci_id, gone = written.items[1].ci_id;

  auto scan = [&](TargetOutcome outcome) {
    DiscoveryRun run = StartHttp({"127.0.6.1"}, {"http"});
    JobLease lease = Lease();
    TargetReport t = Report("127.0.6.1", outcome);
    t.reported_ids = {kept};
    ASSERT_TRUE(svc_->ReportTargets(lease.id, lease.lease_token, "w1", {t}).ok());
    ASSERT_TRUE(svc_->CompleteJob(lease.id, lease.lease_token, false).ok());
    EXPECT_EQ(Get(run.id).state, RunState::kSucceeded);
  };
  auto stale = [&](const std::string& id) { return cis_->Get(id, std::nullopt)->stale; };
  scan(TargetOutcome::kPartial);  // an endpoint failed: nothing is judged gone
  EXPECT_FALSE(stale(gone));
  scan(TargetOutcome::kDiscovered);
  EXPECT_TRUE(stale(gone));
  EXPECT_FALSE(stale(kept));
}

// --- Identification ----------------------------------------------------------------------

TEST_F(DiscoveryHttpTest, ServersSharingACloneSystemUuidStayTwoCis) {
  // As the HTTP mapping reports a Redfish system: its serial number, or else
  // its system UUID as the source's own key.
  auto server = [&](const std::string& serial, const std::string& uuid) {
    ReconcileInput in;
    in.source = "http";
    Json attributes = {{"system_uuid", uuid}};
    if (!serial.empty()) attributes["serial_number"] = serial;
    in.items = {Item("host", "server", serial.empty() ? uuid : serial, attributes)};
    if (serial.empty()) in.items[0].source_key = "system-uuid:" + uuid;
    return Reconcile(in).items.at(0);
  };
  const std::string uuid = "38947555-7742-3448-3784-823347823834";
  ItemOutcome a = server("SN-A", uuid);
  EXPECT_EQ(a.action, ReconcileAction::kCreated);
  // Another serial number with the same (cloned) UUID: another server.
  ItemOutcome b = server("SN-B", uuid);
  EXPECT_EQ(b.action, ReconcileAction::kCreated) << b.reason;
  EXPECT_NE(b.ci_id, a.ci_id);
  EXPECT_EQ(server("SN-A", uuid).ci_id, a.ci_id);
  EXPECT_EQ(server("SN-B", uuid).ci_id, b.ci_id);
  // A server that reports no serial number is found again by its UUID.
  ItemOutcome c = server("", "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(c.action, ReconcileAction::kCreated) << c.reason;
  EXPECT_EQ(server("", "11111111-2222-3333-4444-555555555555").ci_id, c.ci_id);
}

// --- Exclusive relations ----------------------------------------------------------------

TEST_F(DiscoveryHttpTest, RenewedCertificateTakesOverSecuresFromTheOldOne) {
  auto payload = [&](const std::string& fingerprint) {
    ReconcileInput in;
    in.source = "http";
    in.items = {Item("app", "application", "web 127.0.6.1:443", {{"url", "https://127.0.6.1:443/"}}),
                Item("cert", "certificate", "web1", {{"fingerprint_sha256", fingerprint}})};
    ReconcileRelationInput secures = Relation("cert", "secures", "app");
    secures.exclusive_at = ReconcileRelationInput::Exclusive::kAtTo;
    in.relations = {secures};
    return in;
  };
  ReconcileOutput first = Reconcile(payload(std::string(64, 'a')));
  ASSERT_EQ(first.relations.size(), 1u);
  EXPECT_EQ(first.relations[0].action, ReconcileAction::kCreated);
  const std::string app = first.items[0].ci_id, old_cert = first.items[1].ci_id;

  // A relationship someone else made stays whatever http reports.
  ReconcileInput manual;
  manual.source = "import";
  manual.items = {Item("cert", "certificate", "pinned", {{"fingerprint_sha256", std::string(64, 'c')}})};
  ReconcileRelationInput pinned;
  pinned.from_ref = "cert";
  pinned.type = "secures";
  pinned.to_id = app;
  manual.relations = {pinned};
  ASSERT_EQ(Reconcile(manual).relations[0].action, ReconcileAction::kCreated);

  ReconcileOutput again = Reconcile(payload(std::string(64, 'a')));  // a rescan changes nothing
  EXPECT_EQ(again.relations[0].action, ReconcileAction::kUnchanged);
  EXPECT_EQ(again.relations[0].removed, 0);

  ReconcileOutput renewed = Reconcile(payload(std::string(64, 'b')));
  EXPECT_EQ(renewed.items[0].ci_id, app);
  EXPECT_NE(renewed.items[1].ci_id, old_cert);
  EXPECT_EQ(renewed.relations[0].action, ReconcileAction::kCreated);
  EXPECT_EQ(renewed.relations[0].removed, 1);
  EXPECT_EQ(Count(StrCat("SELECT count(*) FROM relationship WHERE type = 'secures' AND target_id = '", app, "'")), 2);
  EXPECT_EQ(Count(StrCat("SELECT count(*) FROM relationship WHERE source_id = '", old_cert, "'")), 0);
  // The old certificate itself stays (it may still be served elsewhere).
  EXPECT_TRUE(cis_->Get(old_cert, std::nullopt).ok());
}

}  // namespace
}  // namespace cmdb::testing
