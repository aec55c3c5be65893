// SystemClock: the host's wall clock.
#include "core/clock.h"

namespace cmdb {

Micros SystemClock::Now() const { return NowMicros(); }

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace cmdb
