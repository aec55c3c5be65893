// A Clock that tests set and advance by hand, so time-dependent behaviour
// (staleness windows, sweeps) is tested without sleeping.
#pragma once

#include <atomic>

#include "core/clock.h"

namespace cmdb::testing {

class FakeClock final : public Clock {
 public:
  // Starts at `start` (microseconds since the Unix epoch); by default
  // 2026-01-01T00:00:00Z, a fixed, realistic instant.
  explicit FakeClock(Micros start = kDefaultStart) : now_(start) {}

  Micros Now() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros by) { now_.fetch_add(by); }

  static constexpr Micros kSecond = 1000000;
  static constexpr Micros kMinute = 60 * kSecond;
  static constexpr Micros kHour = 60 * kMinute;
  static constexpr Micros kDefaultStart = 1767225600LL * kSecond;

 private:
  std::atomic<Micros> now_;
};

}  // namespace cmdb::testing
