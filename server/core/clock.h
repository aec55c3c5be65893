// The wall clock behind a narrow interface, so that code whose answer
// depends on the time (staleness windows, the periodic sweep) can be tested
// with a clock the test sets, instead of by waiting for time to pass.
// Production code uses SystemClock; tests use tests/support/fake_clock.h.
#pragma once

#include "core/time.h"

namespace cmdb {

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time, in microseconds since the Unix epoch (UTC). Never fails.
  virtual Micros Now() const = 0;
};

// The host's wall clock (NowMicros()). Stateless; one instance may be shared
// by any number of threads.
class SystemClock final : public Clock {
 public:
  Micros Now() const override;
  // A process-wide instance, for callers that are not given a clock.
  static const SystemClock& Instance();
};

}  // namespace cmdb
