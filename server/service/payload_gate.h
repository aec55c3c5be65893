// Admission of large reconcile payloads. The pipeline holds every item of
// a payload, with its normalised attributes, keys, rows and outcome, until
// the transaction ends: about 30 KB per item at its peak (a 100,000-item
// stream took cmdbd to 3.1 GB). Payloads over a size are therefore let in
// a few at a time (one by default) and the others wait for a slot; a
// stream takes its slot when it grows past that size, so a waiting stream
// holds little and its sender is held back by flow control.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/status/statusor.h"

namespace cmdb {

class PayloadGate {
 public:
  explicit PayloadGate(int slots) : free_(slots), slots_(slots) {}
  PayloadGate(const PayloadGate&) = delete;
  PayloadGate& operator=(const PayloadGate&) = delete;

  // A slot, held until the permit is destroyed. Empty when default-made.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();
    bool held() const { return gate_ != nullptr; }

   private:
    friend class PayloadGate;
    explicit Permit(PayloadGate* gate) : gate_(gate) {}
    PayloadGate* gate_ = nullptr;
  };

  // Waits for a slot until `deadline`; RESOURCE_EXHAUSTED naming the
  // setting when none came free.
  absl::StatusOr<Permit> Enter(std::chrono::system_clock::time_point deadline);

  int slots() const { return slots_; }
  // Slots taken now.
  int in_use();

 private:
  void Leave();

  std::mutex mu_;
  std::condition_variable freed_;
  int free_;
  const int slots_;
};

}  // namespace cmdb
