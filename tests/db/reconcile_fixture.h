// The fixture of the reconciliation service tests: a ReconcileService and a
// ReconcileAdmin on the test database, with a clock the test sets.
#pragma once

#include <memory>

#include "service/reconcile_admin.h"
#include "service/reconcile_service.h"
#include "service_fixture.h"
#include "support/fake_clock.h"

namespace cmdb::testing {

class ReconcileServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    reconcile_ = std::make_unique<ReconcileService>(db(), limits_, clock_);
    admin_ = std::make_unique<ReconcileAdmin>(db(), limits_);
  }
  void TearDown() override {
    reconcile_.reset();
    admin_.reset();
    ServiceTest::TearDown();
  }

  FakeClock clock_;  // sightings and staleness; versions keep the database's time
  std::unique_ptr<ReconcileService> reconcile_;
  std::unique_ptr<ReconcileAdmin> admin_;
};

}  // namespace cmdb::testing
