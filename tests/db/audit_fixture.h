// The fixture of the audit service tests: an AuditService on the test
// database, with a clock the test sets (ages, expiry, schedules).
#pragma once

#include <memory>

#include "service/audit_service.h"
#include "service_fixture.h"
#include "support/fake_clock.h"

namespace cmdb::testing {

class AuditTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    audit_ = std::make_unique<AuditService>(db(), clock_);
  }
  void TearDown() override {
    audit_.reset();
    ServiceTest::TearDown();
  }

  FakeClock clock_;
  std::unique_ptr<AuditService> audit_;
};

}  // namespace cmdb::testing
