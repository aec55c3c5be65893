// The DiscoveryService test fixture: a service over the test database with
// a fake clock and a secret key, and helpers to build credentials, runs,
// schedules and reports. Shared by the discovery service tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/strings.h"
#include "service/discovery_service.h"
#include "service/secret_box.h"
#include "service_fixture.h"
#include "support/fake_clock.h"

namespace cmdb::testing {

// cmdb::Run; the fixture's base class has a Run() of its own.
using DiscoveryRun = ::cmdb::Run;

inline constexpr char kKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr char kOtherKey[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eff";
inline constexpr char kCommunity[] = "s3cret-community-42";

inline Credential V2c(std::string name) {
  Credential c;
  c.name = std::move(name);
  c.kind = CredentialKind::kSnmpV2c;
  return c;
}

inline CredentialSecret Community(std::string community) {
  CredentialSecret s;
  s.community = std::move(community);
  return s;
}

inline DiscoveryRun AdHoc(std::vector<std::string> targets, std::vector<std::string> credentials = {"public-ro"},
                          std::vector<std::string> exclusions = {}) {
  DiscoveryRun run;
  run.targets = std::move(targets);
  run.credentials = std::move(credentials);
  run.exclusions = std::move(exclusions);
  return run;
}

inline Schedule MakeSchedule(std::string name, std::vector<std::string> targets = {"127.0.1.0/29"},
                             std::vector<std::string> credentials = {"public-ro"}) {
  Schedule s;
  s.name = std::move(name);
  s.targets = std::move(targets);
  s.credentials = std::move(credentials);
  return s;
}

inline TargetReport Report(std::string address, TargetOutcome outcome) {
  TargetReport t;
  t.address = std::move(address);
  t.outcome = outcome;
  return t;
}

class DiscoveryTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    box_ = std::make_unique<SecretBox>(*SecretBox::FromHex(kKey));
    options_.job_size = 3;
    options_.lease_seconds = 60;
    options_.max_job_attempts = 2;
    svc_ = Make();
  }
  void TearDown() override {
    svc_.reset();
    ServiceTest::TearDown();
  }

  std::unique_ptr<DiscoveryService> Make() { return Make(options_, box_.get()); }
  std::unique_ptr<DiscoveryService> Make(const DiscoveryOptions& options, const SecretBox* box) {
    return std::make_unique<DiscoveryService>(db(), clock_, box, options);
  }
  // Rebuilds the service with other options.
  void Reconfigure(const DiscoveryOptions& options) {
    options_ = options;
    svc_ = Make();
  }

  void CreateCredential(const std::string& name = "public-ro", const std::string& community = kCommunity) {
    auto c = svc_->CreateCredential(V2c(name), Community(community), false);
    ASSERT_TRUE(c.ok()) << c.status();
  }

  DiscoveryRun Start(const DiscoveryRun& adhoc) {
    auto run = svc_->StartRun("", adhoc, "alice");
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : DiscoveryRun{};
  }

  DiscoveryRun Get(const std::string& id) {
    auto run = svc_->GetRun(id);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : DiscoveryRun{};
  }

  // Leases a job and fails the test if there is none.
  JobLease Lease(const std::string& worker = "w1") {
    auto lease = svc_->LeaseJob(worker);
    EXPECT_TRUE(lease.ok()) << lease.status();
    EXPECT_TRUE(lease.ok() && lease->has_value()) << "no job to lease";
    return lease.ok() && lease->has_value() ? **lease : JobLease{};
  }

  bool NothingToLease() {
    auto lease = svc_->LeaseJob("idle");
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() && !lease->has_value();
  }

  int64_t LogRows(const std::string& run_id) {
    return Count(StrCat("SELECT count(*) FROM discovery_target_log WHERE run_id = '", run_id, "'"));
  }

  FakeClock clock_;
  DiscoveryOptions options_;
  std::unique_ptr<SecretBox> box_;
  std::unique_ptr<DiscoveryService> svc_;
};

}  // namespace cmdb::testing
