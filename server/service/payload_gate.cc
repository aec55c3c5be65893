#include "service/payload_gate.h"

#include "core/strings.h"

namespace cmdb {

PayloadGate::Permit& PayloadGate::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (gate_ != nullptr) gate_->Leave();
    gate_ = other.gate_;
    other.gate_ = nullptr;
  }
  return *this;
}

PayloadGate::Permit::~Permit() {
  if (gate_ != nullptr) gate_->Leave();
}

absl::StatusOr<PayloadGate::Permit> PayloadGate::Enter(std::chrono::system_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  auto has_slot = [this] { return free_ > 0; };
  // No deadline (or one far off, which a timed wait might overflow): wait.
  if (deadline - std::chrono::system_clock::now() > std::chrono::hours(24)) {
    freed_.wait(lock, has_slot);
  } else if (!freed_.wait_until(lock, deadline, has_slot)) {
    return absl::ResourceExhaustedError(
        StrCat("server busy: ", slots_, " large reconcile payload", slots_ == 1 ? " is" : "s are",
               " already running (--max-large-reconciles); retry later or send smaller payloads"));
  }
  --free_;
  return Permit(this);
}

int PayloadGate::in_use() {
  std::lock_guard lock(mu_);
  return slots_ - free_;
}

void PayloadGate::Leave() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  freed_.notify_one();
}

}  // namespace cmdb
