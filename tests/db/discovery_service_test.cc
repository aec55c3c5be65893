// DiscoveryService against a real PostgreSQL: credentials whose secrets stay
// sealed, schedules, runs split into jobs, paging, retention and the
// scheduler's tick. The worker protocol (leases, completion, give-up,
// cancellation, staleness) is in discovery_jobs_test.cc.
#include <atomic>
#include <set>
#include <thread>

#include "core/model.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "discovery_fixture.h"
#include "service/discovery_service.h"
#include "service/reconcile_service.h"
#include "service/secret_box.h"
#include "service_fixture.h"
#include "support/fake_clock.h"

namespace cmdb::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- Credentials -------------------------------------------------------------------

TEST_F(DiscoveryTest, CredentialsAreStoredSealedAndListedWithoutSecrets) {
  CreateCredential("public-ro", kCommunity);
  Credential v3;
  v3.name = "v3-admin";
  v3.kind = CredentialKind::kSnmpV3;
  v3.user = "netops";
  v3.auth_protocol = 2;
  v3.priv_protocol = 2;
  CredentialSecret v3_secret;
  v3_secret.auth_key = "auth-passphrase-1";
  v3_secret.priv_key = "priv-passphrase-1";
  auto created = svc_->CreateCredential(v3, v3_secret, false);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->user, "netops");
  EXPECT_TRUE(created->has_secret);

  auto list = svc_->ListCredentials();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "public-ro");
  EXPECT_EQ((*list)[0].kind, CredentialKind::kSnmpV2c);
  EXPECT_EQ((*list)[1].name, "v3-admin");
  EXPECT_EQ((*list)[1].kind, CredentialKind::kSnmpV3);
  EXPECT_EQ((*list)[1].auth_protocol, 2);
  EXPECT_EQ((*list)[1].priv_protocol, 2);
  for (const Credential& c : *list) EXPECT_TRUE(c.has_secret) << c.name;

  // The database holds ciphertext only.
  for (const char* plain : {kCommunity, "auth-passphrase-1", "priv-passphrase-1"}) {
    EXPECT_EQ(Count(StrCat("SELECT count(*) FROM credential WHERE position(convert_to('", plain,
                           "', 'UTF8') in secret) > 0")),
              0)
        << plain;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM credential WHERE length(secret) > 28"), 2);
}

TEST_F(DiscoveryTest, BadCredentialsNameTheField) {
  auto expect_field = [&](const Credential& c, const CredentialSecret& s, const std::string& field) {
    auto out = svc_->CreateCredential(c, s, false);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << field << ": " << out.status();
    EXPECT_THAT(out.status().message(), HasSubstr(field));
  };
  expect_field(V2c("no-community"), CredentialSecret{}, "credential.community");
  expect_field(V2c("Bad Name"), Community("x"), "credential.name");
  Credential v3;
  v3.name = "v3";
  v3.kind = CredentialKind::kSnmpV3;
  v3.user = "netops";
  v3.priv_protocol = 2;  // privacy without authentication
  CredentialSecret keys;
  keys.priv_key = "priv-passphrase-1";
  expect_field(v3, keys, "credential.priv_protocol");
  v3.auth_protocol = 2;
  keys.auth_key = "short";
  expect_field(v3, keys, "credential.auth_key");
  keys.auth_key = "auth-passphrase-1";
  keys.priv_key = "short";
  expect_field(v3, keys, "credential.priv_key");
  EXPECT_EQ(Count("SELECT count(*) FROM credential"), 0);
}

TEST_F(DiscoveryTest, ExistingCredentialIsReplacedOnlyWhenAsked) {
  CreateCredential("public-ro", "first-community");
  auto again = svc_->CreateCredential(V2c("public-ro"), Community("second-community"), false);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  Credential changed = V2c("public-ro");
  changed.description = "read-only, rotated";
  auto replaced = svc_->CreateCredential(changed, Community("second-community"), true);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->description, "read-only, rotated");
  EXPECT_EQ(Count("SELECT count(*) FROM credential"), 1);
  // A job carries the replaced secret.
  Start(AdHoc({"127.0.1.1"}));
  JobLease lease = Lease();
  ASSERT_EQ(lease.credentials.size(), 1u);
  EXPECT_EQ(lease.credentials[0].secret.community, "second-community");
  EXPECT_EQ(lease.credentials[0].credential.description, "read-only, rotated");
}

TEST_F(DiscoveryTest, CredentialInUseByAScheduleIsNotDeleted) {
  CreateCredential();
  ASSERT_TRUE(svc_->CreateSchedule(MakeSchedule("nightly")).ok());
  auto refused = svc_->DeleteCredential("public-ro");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("nightly"));
  EXPECT_EQ(Count("SELECT count(*) FROM credential"), 1);
  ASSERT_TRUE(svc_->DeleteSchedule("nightly").ok());
  EXPECT_TRUE(svc_->DeleteCredential("public-ro").ok());
  EXPECT_EQ(svc_->DeleteCredential("public-ro").code(), absl::StatusCode::kNotFound);
}

TEST_F(DiscoveryTest, WithoutASecretKeyCredentialsAndLeasesAreRefused) {
  auto keyless = Make(options_, nullptr);
  auto created = keyless->CreateCredential(V2c("public-ro"), Community(kCommunity), false);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kFailedPrecondition) << created.status();
  EXPECT_EQ(Count("SELECT count(*) FROM credential"), 0);
  CreateCredential();
  Start(AdHoc({"127.0.1.1"}));
  auto lease = keyless->LeaseJob("w1");
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kFailedPrecondition) << lease.status();
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_job WHERE state = 1"), 1);  // still queued
}

TEST_F(DiscoveryTest, CredentialSealedUnderAnotherKeyIsLeftOutOfTheJob) {
  auto other_box = std::make_unique<SecretBox>(*SecretBox::FromHex(kOtherKey));
  auto other = Make(options_, other_box.get());
  ASSERT_TRUE(other->CreateCredential(V2c("old-key"), Community("old-community"), false).ok());
  CreateCredential("public-ro", kCommunity);
  Start(AdHoc({"127.0.1.1"}, {"old-key", "public-ro"}));
  JobLease lease = Lease();
  ASSERT_EQ(lease.credentials.size(), 1u);
  EXPECT_EQ(lease.credentials[0].credential.name, "public-ro");
  EXPECT_EQ(lease.credentials[0].secret.community, kCommunity);
}

// --- Schedules ---------------------------------------------------------------------

TEST_F(DiscoveryTest, ScheduleLifecycleWithMaskAndEtag) {
  CreateCredential();
  Schedule s = MakeSchedule("nightly");
  s.description = "office LAN";
  s.interval_seconds = 3600;
  auto created = svc_->CreateSchedule(s);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(created->next_run_at.has_value());
  EXPECT_EQ(*created->next_run_at, clock_.Now() + FakeClock::kHour);
  EXPECT_EQ(svc_->CreateSchedule(s).status().code(), absl::StatusCode::kAlreadyExists);

  auto got = svc_->GetSchedule("nightly");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->description, "office LAN");
  EXPECT_THAT(got->targets, ElementsAre("127.0.1.0/29"));
  EXPECT_EQ(got->interval_seconds, 3600);
  ASSERT_TRUE(svc_->CreateSchedule(MakeSchedule("adhoc-only")).ok());
  auto list = svc_->ListSchedules();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "adhoc-only");
  EXPECT_FALSE((*list)[0].next_run_at.has_value());  // runs only by hand

  // Only the masked field changes; the etag must be current.
  clock_.Advance(FakeClock::kMinute);
  Schedule patch;
  patch.name = "nightly";
  patch.description = "office LAN, floor 2";
  patch.targets = {"127.0.9.9"};  // not in the mask: ignored
  auto updated = svc_->UpdateSchedule(patch, {"description"}, EtagFor(got->version));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->description, "office LAN, floor 2");
  EXPECT_THAT(updated->targets, ElementsAre("127.0.1.0/29"));
  EXPECT_EQ(updated->version, got->version + 1);
  auto stale = svc_->UpdateSchedule(patch, {"description"}, EtagFor(got->version));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted) << stale.status();
  auto bad_path = svc_->UpdateSchedule(patch, {"name"}, "");
  EXPECT_EQ(bad_path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_path.status().message(), HasSubstr("update_mask.paths[0]"));

  // Switching to cron recomputes the next run from the clock.
  patch.interval_seconds.reset();
  patch.cron = "0 3 * * *";
  auto cron = svc_->UpdateSchedule(patch, {"interval", "cron"}, "");
  ASSERT_TRUE(cron.ok()) << cron.status();
  EXPECT_EQ(cron->next_run_at, FakeClock::kDefaultStart + 3 * FakeClock::kHour);

  ASSERT_TRUE(svc_->DeleteSchedule("nightly").ok());
  EXPECT_EQ(svc_->GetSchedule("nightly").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->DeleteSchedule("nightly").code(), absl::StatusCode::kNotFound);
}

TEST_F(DiscoveryTest, ScheduleTakesAnIntervalOrACronAndKnownCredentials) {
  CreateCredential();
  Schedule both = MakeSchedule("both");
  both.interval_seconds = 3600;
  both.cron = "@daily";
  auto out = svc_->CreateSchedule(both);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();

  Schedule bad_cron = MakeSchedule("bad-cron");
  bad_cron.cron = "61 * * * *";
  out = svc_->CreateSchedule(bad_cron);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("schedule.cron"));

  Schedule short_interval = MakeSchedule("short");
  short_interval.interval_seconds = 10;
  out = svc_->CreateSchedule(short_interval);
  EXPECT_THAT(out.status().message(), HasSubstr("schedule.interval"));

  Schedule unknown = MakeSchedule("unknown", {"127.0.1.1"}, {"public-ro", "nope"});
  out = svc_->CreateSchedule(unknown);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("schedule.credentials[1]"));

  Schedule bad_target = MakeSchedule("bad-target", {"127.0.1.1", "10.0.0.0/33"});
  out = svc_->CreateSchedule(bad_target);
  EXPECT_THAT(out.status().message(), HasSubstr("schedule.targets[1]"));
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_schedule"), 0);

  Schedule cron = MakeSchedule("cron");
  cron.cron = "30 6 * * *";
  auto created = svc_->CreateSchedule(cron);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->next_run_at, FakeClock::kDefaultStart + 6 * FakeClock::kHour + 30 * FakeClock::kMinute);
}

TEST_F(DiscoveryTest, LimitsReachTheWorkerAndBadOnesAreNamed) {
  CreateCredential();
  DiscoveryRun bad = AdHoc({"127.0.1.1"});
  bad.limits.probe_retries = 11;
  auto refused = svc_->StartRun("", bad, "alice");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("limits.probe_retries"));
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_run"), 0);

  // probe_retries 0 is a value (a probe is not resent), unset means "as retries".
  DiscoveryRun adhoc = AdHoc({"127.0.1.1"});
  adhoc.limits.retries = 3;
  adhoc.limits.probe_retries = 0;
  adhoc.limits.timeout_ms = 700;
  Start(adhoc);
  JobLease lease = Lease();
  EXPECT_EQ(lease.limits.retries, 3);
  EXPECT_EQ(lease.limits.probe_retries, 0);
  EXPECT_EQ(lease.limits.timeout_ms, 700);

  Start(AdHoc({"127.0.1.2"}));
  JobLease defaults = Lease();
  EXPECT_EQ(defaults.limits.retries, -1);
  EXPECT_EQ(defaults.limits.probe_retries, -1);
}

// --- Runs --------------------------------------------------------------------------

TEST_F(DiscoveryTest, AdHocRunIsSplitIntoJobs) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.0/29"}));
  ASSERT_TRUE(IsUuid(run.id));
  EXPECT_EQ(run.state, RunState::kQueued);
  EXPECT_EQ(run.progress.targets_total, 6);
  EXPECT_EQ(run.progress.jobs_total, 2);
  EXPECT_EQ(run.progress.targets_done, 0);
  EXPECT_EQ(run.requested_by, "alice");
  EXPECT_TRUE(run.schedule.empty());
  EXPECT_FALSE(run.ended_at.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_job"), 2);
  EXPECT_EQ(Get(run.id).progress.targets_total, 6);
  auto missing = svc_->GetRun(NewUuid());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto no_creds = svc_->StartRun("", AdHoc({"127.0.1.1"}, {"nope"}), "alice");
  EXPECT_EQ(no_creds.status().code(), absl::StatusCode::kNotFound) << no_creds.status();
  EXPECT_THAT(no_creds.status().message(), HasSubstr("credentials[0]"));
}

TEST_F(DiscoveryTest, AScheduleHasOneActiveRunAtATime) {
  CreateCredential();
  ASSERT_TRUE(svc_->CreateSchedule(MakeSchedule("nightly")).ok());
  auto first = svc_->StartRun("nightly", DiscoveryRun{}, "alice");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->schedule, "nightly");
  EXPECT_EQ(svc_->GetSchedule("nightly")->last_run_id, first->id);
  auto second = svc_->StartRun("nightly", DiscoveryRun{}, "bob");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_run"), 1);
  ASSERT_TRUE(svc_->CancelRun(first->id).ok());
  auto third = svc_->StartRun("nightly", DiscoveryRun{}, "bob");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(svc_->GetSchedule("nightly")->last_run_id, third->id);
  EXPECT_EQ(svc_->StartRun("missing", DiscoveryRun{}, "bob").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DiscoveryTest, ExclusionsAreLeftOutAndAFullyExcludedRunEndsAtOnce) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.0/29"}, {"public-ro"}, {"127.0.1.2-127.0.1.4"}));
  EXPECT_EQ(run.progress.targets_total, 3);
  EXPECT_EQ(run.progress.jobs_total, 1);
  JobLease lease = Lease();
  EXPECT_THAT(lease.targets, ElementsAre("127.0.1.1", "127.0.1.5", "127.0.1.6"));

  DiscoveryRun empty = Start(AdHoc({"127.0.2.1"}, {"public-ro"}, {"127.0.2.0/30"}));
  EXPECT_EQ(empty.state, RunState::kSucceeded);
  EXPECT_EQ(empty.progress.targets_total, 0);
  EXPECT_EQ(empty.progress.jobs_total, 0);
  ASSERT_TRUE(empty.ended_at.has_value());
  EXPECT_EQ(*empty.ended_at, clock_.Now());
  EXPECT_TRUE(NothingToLease());
}

// --- Listings, retention -------------------------------------------------------------------

TEST_F(DiscoveryTest, RunLogPagesAndFiltersByOutcome) {
  DiscoveryOptions options = options_;
  options.job_size = 10;
  Reconfigure(options);
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.0/28"}));  // .1 to .14
  JobLease lease = Lease();
  ASSERT_EQ(lease.targets.size(), 10u);
  std::vector<TargetReport> reports = {
      Report("127.0.1.1", TargetOutcome::kDiscovered), Report("127.0.1.2", TargetOutcome::kDiscovered),
      Report("127.0.1.3", TargetOutcome::kNoResponse), Report("127.0.1.4", TargetOutcome::kPartial),
      Report("127.0.1.5", TargetOutcome::kError),      Report("127.0.1.10", TargetOutcome::kNoResponse)};
  ASSERT_TRUE(svc_->ReportTargets(lease.id, lease.lease_token, "w1", reports).ok());
  DiscoveryRun progress = Get(run.id);
  EXPECT_EQ(progress.progress.targets_done, 6);
  EXPECT_EQ(progress.progress.responders, 3);
  EXPECT_EQ(progress.progress.errors, 2);

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = svc_->ListRunLog(run.id, {}, 4, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : page->entries) seen.push_back(e.address);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(seen, ElementsAre("127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5", "127.0.1.10"));

  auto silent = svc_->ListRunLog(run.id, {static_cast<int>(TargetOutcome::kNoResponse)}, 0, "");
  ASSERT_TRUE(silent.ok());
  ASSERT_EQ(silent->entries.size(), 2u);
  EXPECT_EQ(silent->entries[0].address, "127.0.1.3");
  EXPECT_EQ(silent->entries[1].address, "127.0.1.10");

  auto first = svc_->ListRunLog(run.id, {}, 4, "");
  ASSERT_FALSE(first->next_page_token.empty());
  DiscoveryRun other = Start(AdHoc({"127.0.3.1"}));
  auto foreign = svc_->ListRunLog(other.id, {}, 4, first->next_page_token);
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument) << foreign.status();
  auto filtered = svc_->ListRunLog(run.id, {3}, 4, first->next_page_token);
  EXPECT_EQ(filtered.status().code(), absl::StatusCode::kInvalidArgument) << filtered.status();
  EXPECT_EQ(svc_->ListRunLog(run.id, {9}, 0, "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DiscoveryTest, RunsArePagedNewestFirst) {
  CreateCredential();
  ASSERT_TRUE(svc_->CreateSchedule(MakeSchedule("nightly")).ok());
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(Start(AdHoc({StrCat("127.0.4.", i + 1)})).id);
  auto scheduled = svc_->StartRun("nightly", DiscoveryRun{}, "alice");
  ASSERT_TRUE(scheduled.ok());
  created.push_back(scheduled->id);

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = svc_->ListRuns("", 2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->runs) seen.push_back(r.id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(created.rbegin(), created.rend()));

  auto only = svc_->ListRuns("nightly", 0, "");
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->runs.size(), 1u);
  EXPECT_EQ(only->runs[0].id, scheduled->id);
  auto first = svc_->ListRuns("", 2, "");
  auto foreign = svc_->ListRuns("nightly", 2, first->next_page_token);
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument) << foreign.status();
}

TEST_F(DiscoveryTest, TickPrunesRunsEndedBeforeTheRetention) {
  CreateCredential();
  DiscoveryRun old = Start(AdHoc({"127.0.1.1"}));
  JobLease lease = Lease();
  ASSERT_TRUE(svc_->ReportTargets(lease.id, lease.lease_token, "w1", {Report("127.0.1.1", TargetOutcome::kDiscovered)})
                  .ok());
  ASSERT_TRUE(svc_->CompleteJob(lease.id, lease.lease_token, false).ok());
  ASSERT_EQ(Get(old.id).state, RunState::kSucceeded);
  DiscoveryRun active = Start(AdHoc({"127.0.1.2"}));

  clock_.Advance(options_.retention_days * 24 * FakeClock::kHour);
  ASSERT_TRUE(svc_->Tick().ok());
  EXPECT_TRUE(svc_->GetRun(old.id).ok());  // exactly at the limit: kept
  clock_.Advance(FakeClock::kSecond);
  ASSERT_TRUE(svc_->Tick().ok());
  EXPECT_EQ(svc_->GetRun(old.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LogRows(old.id), 0);
  EXPECT_EQ(Count(StrCat("SELECT count(*) FROM discovery_job WHERE run_id = '", old.id, "'")), 0);
  EXPECT_EQ(Get(active.id).state, RunState::kQueued);  // not ended: never pruned
}

// --- Scheduler ----------------------------------------------------------------------------

TEST_F(DiscoveryTest, TickStartsDueSchedulesOnce) {
  CreateCredential();
  const Micros t0 = clock_.Now();
  Schedule s = MakeSchedule("every-minute");
  s.interval_seconds = 60;
  ASSERT_TRUE(svc_->CreateSchedule(s).ok());
  Schedule off = MakeSchedule("disabled", {"127.0.5.1"});
  off.interval_seconds = 60;
  off.enabled = false;
  ASSERT_TRUE(svc_->CreateSchedule(off).ok());

  clock_.Advance(59 * FakeClock::kSecond);
  ASSERT_TRUE(svc_->Tick().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_run"), 0);

  clock_.Advance(2 * FakeClock::kSecond);  // t0 + 61 s
  ASSERT_TRUE(svc_->Tick().ok());
  auto runs = svc_->ListRuns("", 0, "");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->runs.size(), 1u);
  const DiscoveryRun& run = runs->runs[0];
  EXPECT_EQ(run.schedule, "every-minute");
  EXPECT_EQ(run.requested_by, "scheduler");
  EXPECT_EQ(run.progress.targets_total, 6);
  auto after = svc_->GetSchedule("every-minute");
  EXPECT_EQ(after->next_run_at, t0 + 121 * FakeClock::kSecond);
  EXPECT_EQ(after->last_run_id, run.id);

  ASSERT_TRUE(svc_->Tick().ok());  // not due
  clock_.Advance(2 * FakeClock::kMinute);  // due again, but the run is still active
  ASSERT_TRUE(svc_->Tick().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM discovery_run"), 1);
  after = svc_->GetSchedule("every-minute");
  EXPECT_EQ(after->next_run_at, clock_.Now() + FakeClock::kMinute);
  EXPECT_EQ(after->last_run_id, run.id);
}

}  // namespace
}  // namespace cmdb::testing
