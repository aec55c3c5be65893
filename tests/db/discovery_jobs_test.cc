// DiscoveryService's worker protocol against a real PostgreSQL: fenced
// leases (expiry driven by a fake clock), exactly-once run completion (also
// under concurrency), give-up, cancellation and the staleness a run's
// results imply.
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

// --- Leases --------------------------------------------------------------------------

TEST_F(DiscoveryTest, LeaseIsFencedAndTakenOverAfterItExpires) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.1-127.0.1.3"}));
  const Micros t0 = clock_.Now();
  JobLease first = Lease("w1");
  ASSERT_TRUE(IsUuid(first.id));
  EXPECT_EQ(first.run_id, run.id);
  EXPECT_THAT(first.targets, ElementsAre("127.0.1.1", "127.0.1.2", "127.0.1.3"));
  ASSERT_EQ(first.credentials.size(), 1u);
  EXPECT_EQ(first.credentials[0].credential.name, "public-ro");
  EXPECT_EQ(first.credentials[0].secret.community, kCommunity);
  EXPECT_EQ(first.lease_expires_at, t0 + FakeClock::kMinute);
  EXPECT_EQ(Get(run.id).state, RunState::kRunning);
  EXPECT_EQ(Get(run.id).started_at, t0);

  auto reported = svc_->ReportTargets(first.id, first.lease_token, "w1",
                                      {Report("127.0.1.1", TargetOutcome::kDiscovered)});
  ASSERT_TRUE(reported.ok()) << reported.status();
  EXPECT_FALSE(*reported);

  // A heartbeat renews the lease from now.
  clock_.Advance(30 * FakeClock::kSecond);
  auto beat = svc_->Heartbeat(first.id, first.lease_token);
  ASSERT_TRUE(beat.ok()) << beat.status();
  EXPECT_FALSE(beat->cancelled);
  EXPECT_EQ(beat->lease_expires_at, t0 + 90 * FakeClock::kSecond);
  clock_.Advance(59 * FakeClock::kSecond);  // t0 + 89 s: still held
  EXPECT_TRUE(NothingToLease());

  // Past the renewed expiry another worker takes the job, with a new token and
  // only the targets not yet reported.
  clock_.Advance(2 * FakeClock::kSecond);
  JobLease second = Lease("w2");
  EXPECT_EQ(second.id, first.id);
  EXPECT_NE(second.lease_token, first.lease_token);
  EXPECT_THAT(second.targets, ElementsAre("127.0.1.2", "127.0.1.3"));

  // The old holder is refused, and nothing it sends is recorded.
  EXPECT_EQ(svc_->Heartbeat(first.id, first.lease_token).status().code(), absl::StatusCode::kFailedPrecondition);
  auto late = svc_->ReportTargets(first.id, first.lease_token, "w1", {Report("127.0.1.2", TargetOutcome::kDiscovered)});
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  EXPECT_EQ(LogRows(run.id), 1);
  EXPECT_EQ(svc_->CompleteJob(first.id, first.lease_token, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count(StrCat("SELECT state FROM discovery_job WHERE id = '", first.id, "'")), 2);  // still leased
  EXPECT_EQ(Get(run.id).state, RunState::kRunning);

  // Released, the job goes back to the queue with what is left.
  ASSERT_TRUE(svc_->ReportTargets(second.id, second.lease_token, "w2",
                                  {Report("127.0.1.2", TargetOutcome::kNoResponse)})
                  .ok());
  ASSERT_TRUE(svc_->CompleteJob(second.id, second.lease_token, /*release=*/true).ok());
  EXPECT_EQ(Get(run.id).state, RunState::kRunning);
  EXPECT_EQ(svc_->Heartbeat(second.id, second.lease_token).status().code(), absl::StatusCode::kFailedPrecondition);
  JobLease third = Lease("w3");
  EXPECT_EQ(third.id, first.id);
  EXPECT_THAT(third.targets, ElementsAre("127.0.1.3"));

  auto log = svc_->ListRunLog(run.id, {}, 0, "");
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->entries.size(), 2u);
  EXPECT_EQ(log->entries[0].worker, "w1");
  EXPECT_EQ(log->entries[1].worker, "w2");
  EXPECT_EQ(log->entries[1].outcome, TargetOutcome::kNoResponse);
}

TEST_F(DiscoveryTest, ReportsOfOtherAddressesThanTheJobsAreRefused) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.1-127.0.1.3"}));
  JobLease lease = Lease();
  auto out = svc_->ReportTargets(lease.id, lease.lease_token, "w1",
                                 {Report("127.0.1.1", TargetOutcome::kDiscovered),
                                  Report("10.9.9.9", TargetOutcome::kNoResponse)});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("results[1].address"));
  EXPECT_EQ(LogRows(run.id), 0);
  auto bad = svc_->ReportTargets(lease.id, lease.lease_token, "w1", {Report("not-an-ip", TargetOutcome::kDiscovered)});
  EXPECT_THAT(bad.status().message(), HasSubstr("results[0].address"));
}

// --- Exactly once ----------------------------------------------------------------------

TEST_F(DiscoveryTest, RunEndsOnceWhenItsLastJobCompletes) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.0/29"}));
  JobLease a = Lease("w1");
  JobLease b = Lease("w2");
  EXPECT_NE(a.id, b.id);
  EXPECT_TRUE(NothingToLease());
  std::vector<TargetReport> reports;
  for (const auto& t : a.targets) reports.push_back(Report(t, TargetOutcome::kDiscovered));
  ASSERT_TRUE(svc_->ReportTargets(a.id, a.lease_token, "w1", reports).ok());
  ASSERT_TRUE(svc_->CompleteJob(a.id, a.lease_token, false).ok());
  DiscoveryRun half = Get(run.id);
  EXPECT_EQ(half.state, RunState::kRunning);
  EXPECT_EQ(half.progress.jobs_done, 1);
  EXPECT_EQ(half.progress.targets_done, 3);
  EXPECT_FALSE(half.ended_at.has_value());

  clock_.Advance(FakeClock::kSecond);
  const Micros end = clock_.Now();
  ASSERT_TRUE(svc_->CompleteJob(b.id, b.lease_token, false).ok());
  DiscoveryRun done = Get(run.id);
  EXPECT_EQ(done.state, RunState::kSucceeded);
  EXPECT_EQ(done.ended_at, end);
  EXPECT_EQ(done.progress.jobs_done, 2);
  EXPECT_TRUE(done.error.empty());

  clock_.Advance(FakeClock::kSecond);
  EXPECT_EQ(svc_->CompleteJob(b.id, b.lease_token, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc_->CompleteJob(a.id, a.lease_token, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(run.id).ended_at, end);
  EXPECT_TRUE(NothingToLease());
}

TEST_F(DiscoveryTest, ConcurrentWorkersCompleteEveryJobExactlyOnce) {
  DiscoveryOptions options = options_;
  options.job_size = 1;
  Reconfigure(options);
  CreateCredential();
  // Each round is a chance for the two workers to end the run's last two
  // jobs at the same moment; exactly one of them must end the run.
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(StrCat("round ", round));
    DiscoveryRun run = Start(AdHoc({StrCat("127.0.", 10 + round, ".1-127.0.", 10 + round, ".50")}));
    ASSERT_EQ(run.progress.jobs_total, 50);

    std::atomic<int> failures{0};
    std::vector<std::string> done[2];
    auto worker = [&](int n) {
      auto svc = Make();
      const std::string name = StrCat("w", n);
      for (int i = 0; i < 500; ++i) {
        auto lease = svc->LeaseJob(name);
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        if (!lease->has_value()) return;
        const JobLease& job = **lease;
        std::vector<TargetReport> reports;
        for (const auto& t : job.targets) reports.push_back(Report(t, TargetOutcome::kNoResponse));
        if (!svc->ReportTargets(job.id, job.lease_token, name, reports).ok()) ++failures;
        if (svc->CompleteJob(job.id, job.lease_token, false).ok()) {
          done[n].push_back(job.id);
        } else {
          ++failures;
        }
      }
    };
    std::thread t0(worker, 0), t1(worker, 1);
    t0.join();
    t1.join();

    EXPECT_EQ(failures.load(), 0);
    std::set<std::string> all(done[0].begin(), done[0].end());
    all.insert(done[1].begin(), done[1].end());
    EXPECT_EQ(all.size(), 50u);
    EXPECT_EQ(done[0].size() + done[1].size(), 50u);
    DiscoveryRun end = Get(run.id);
    EXPECT_EQ(end.state, RunState::kSucceeded);
    EXPECT_TRUE(end.ended_at.has_value());
    EXPECT_EQ(end.progress.jobs_done, 50);
    EXPECT_EQ(end.progress.targets_done, end.progress.targets_total);
    EXPECT_EQ(Count("SELECT count(*) FROM discovery_job WHERE state <> 3"), 0);
  }
}

// --- Give-up, cancel --------------------------------------------------------------------

TEST_F(DiscoveryTest, JobLostTooOftenIsGivenUpAndFailsItsRun) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.1"}));
  JobLease first = Lease("w1");
  clock_.Advance(61 * FakeClock::kSecond);
  ASSERT_TRUE(svc_->Tick().ok());
  EXPECT_EQ(Get(run.id).state, RunState::kRunning);  // one lost lease of two allowed
  JobLease second = Lease("w2");
  EXPECT_EQ(second.id, first.id);
  clock_.Advance(61 * FakeClock::kSecond);
  EXPECT_TRUE(NothingToLease());  // its leases are used up
  ASSERT_TRUE(svc_->Tick().ok());
  DiscoveryRun failed = Get(run.id);
  EXPECT_EQ(failed.state, RunState::kFailed);
  EXPECT_FALSE(failed.error.empty());
  EXPECT_EQ(failed.ended_at, clock_.Now());
  EXPECT_EQ(svc_->CompleteJob(second.id, second.lease_token, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(run.id).state, RunState::kFailed);
  EXPECT_TRUE(NothingToLease());
}

TEST_F(DiscoveryTest, CancelledRunStopsItsWorkers) {
  CreateCredential();
  DiscoveryRun run = Start(AdHoc({"127.0.1.1-127.0.1.3"}));
  JobLease lease = Lease();
  ASSERT_TRUE(svc_->ReportTargets(lease.id, lease.lease_token, "w1", {Report("127.0.1.1", TargetOutcome::kDiscovered)})
                  .ok());
  auto cancelled = svc_->CancelRun(run.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, RunState::kCancelled);
  EXPECT_EQ(cancelled->ended_at, clock_.Now());
  auto beat = svc_->Heartbeat(lease.id, lease.lease_token);
  ASSERT_TRUE(beat.ok()) << beat.status();
  EXPECT_TRUE(beat->cancelled);
  auto more = svc_->ReportTargets(lease.id, lease.lease_token, "w1", {Report("127.0.1.2", TargetOutcome::kDiscovered)});
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_TRUE(*more);
  EXPECT_EQ(LogRows(run.id), 1);
  EXPECT_TRUE(svc_->CompleteJob(lease.id, lease.lease_token, false).ok());
  EXPECT_EQ(Get(run.id).state, RunState::kCancelled);
  EXPECT_EQ(svc_->CancelRun(run.id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc_->CancelRun(NewUuid()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(NothingToLease());
}

// --- Staleness ------------------------------------------------------------------------------

class DiscoveryStalenessTest : public DiscoveryTest {
 protected:
  void SetUp() override {
    DiscoveryTest::SetUp();
    reconcile_ = std::make_unique<ReconcileService>(db(), limits_, clock_);
    SourcePolicy policy;
    policy.name = "snmp";
    policy.stale_after_runs = 1;
    ASSERT_TRUE(reconcile_->admin().SetSourcePolicy(Ctx("admin"), policy).ok());
    ReconcileInput in;
    in.source = "snmp";
    ReconcileItemInput device;
    device.ref = "dev";
    device.finding.class_name = "switch";
    device.finding.name = "sw1";
    device.finding.attributes = {{"serial_number", "SW-1"}, {"management_ip", "127.0.6.1"}};
    ReconcileItemInput port;
    port.ref = "if";
    port.parent_ref = "dev";
    port.finding.class_name = "interface";
    port.finding.name = "Gi0/1";
    port.finding.attributes = {{"if_name", "Gi0/1"}};
    in.items = {device, port};
    auto out = reconcile_->Reconcile(Ctx("worker"), in);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->items.size(), 2u);
    device_ = out->items[0].ci_id;
    interface_ = out->items[1].ci_id;
    ASSERT_TRUE(IsUuid(device_)) << out->items[0].reason;
    ASSERT_TRUE(IsUuid(interface_)) << out->items[1].reason;
    CreateCredential();
  }
  void TearDown() override {
    reconcile_.reset();
    DiscoveryTest::TearDown();
  }

  // Scans the device's address, reports `report` for it and completes the run.
  DiscoveryRun ScanOnce(TargetReport report) {
    DiscoveryRun run = Start(AdHoc({"127.0.6.1"}));
    JobLease lease = Lease();
    EXPECT_THAT(lease.targets, ElementsAre("127.0.6.1"));
    report.address = "127.0.6.1";
    auto reported = svc_->ReportTargets(lease.id, lease.lease_token, "w1", {report});
    EXPECT_TRUE(reported.ok()) << reported.status();
    EXPECT_TRUE(svc_->CompleteJob(lease.id, lease.lease_token, false).ok());
    return Get(run.id);
  }

  bool Stale(const std::string& id) {
    auto ci = cis_->Get(id, std::nullopt);
    EXPECT_TRUE(ci.ok()) << ci.status();
    return ci.ok() && ci->stale;
  }

  std::unique_ptr<ReconcileService> reconcile_;
  std::string device_, interface_;
};

TEST_F(DiscoveryStalenessTest, SilentDeviceBecomesStaleWhenTheRunCompletes) {
  DiscoveryRun run = ScanOnce(Report("", TargetOutcome::kNoResponse));
  EXPECT_EQ(run.state, RunState::kSucceeded);
  EXPECT_TRUE(Stale(device_));
  EXPECT_EQ(run.marked_stale, 1);
  EXPECT_EQ(Count(StrCat("SELECT epoch_us(stale_since) FROM ci WHERE id = '", device_, "'")), clock_.Now());
}

TEST_F(DiscoveryStalenessTest, DependentMissingFromAFullReportBecomesStale) {
  TargetReport report = Report("", TargetOutcome::kDiscovered);
  report.device_id = device_;
  report.reported_ids = {device_};
  DiscoveryRun run = ScanOnce(report);
  EXPECT_EQ(run.state, RunState::kSucceeded);
  EXPECT_TRUE(Stale(interface_));
  EXPECT_FALSE(Stale(device_));
  EXPECT_EQ(run.marked_stale, 1);
  EXPECT_EQ(run.progress.devices, 1);
}

TEST_F(DiscoveryStalenessTest, RepeatedReportCountsOneMissedRun) {
  SourcePolicy policy;
  policy.name = "snmp";
  policy.stale_after_runs = 2;
  ASSERT_TRUE(reconcile_->admin().SetSourcePolicy(Ctx("admin"), policy).ok());
  DiscoveryRun run = Start(AdHoc({"127.0.6.1"}));
  JobLease lease = Lease();
  TargetReport report = Report("127.0.6.1", TargetOutcome::kDiscovered);
  report.device_id = device_;
  report.reported_ids = {device_};
  for (int i = 0; i < 2; ++i) {  // the same result, sent again
    ASSERT_TRUE(svc_->ReportTargets(lease.id, lease.lease_token, "w1", {report}).ok());
  }
  EXPECT_EQ(Count(StrCat("SELECT missed_runs FROM ci_source WHERE source = 'snmp' AND ci_id = '", interface_, "'")),
            1);
  EXPECT_FALSE(Stale(interface_));
  EXPECT_EQ(Get(run.id).marked_stale, 0);
}

TEST_F(DiscoveryStalenessTest, PartialReportMakesNothingStale) {
  TargetReport report = Report("", TargetOutcome::kPartial);
  report.device_id = device_;
  report.reported_ids = {device_};
  DiscoveryRun run = ScanOnce(report);
  EXPECT_EQ(run.state, RunState::kSucceeded);
  EXPECT_FALSE(Stale(device_));
  EXPECT_FALSE(Stale(interface_));
  EXPECT_EQ(run.marked_stale, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE stale"), 0);
}

TEST_F(DiscoveryStalenessTest, DeviceReportedInFullStaysFresh) {
  TargetReport report = Report("", TargetOutcome::kDiscovered);
  report.device_id = device_;
  report.reported_ids = {device_, interface_};
  DiscoveryRun run = ScanOnce(report);
  EXPECT_EQ(run.marked_stale, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE stale"), 0);
}

}  // namespace
}  // namespace cmdb::testing
