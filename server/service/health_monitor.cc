#include "service/health_monitor.h"

namespace cmdb {

HealthMonitor::HealthMonitor(db::Database& db, std::function<void(bool)> on_change, Options options)
    : db_(db), on_change_(std::move(on_change)), options_(options) {}

HealthMonitor::~HealthMonitor() { Stop(); }

void HealthMonitor::Start() {
  prober_ = std::thread([this] { ProbeLoop(); });
  watcher_ = std::thread([this] { WatchLoop(); });
}

void HealthMonitor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (prober_.joinable()) prober_.join();
}

bool HealthMonitor::healthy() const {
  std::lock_guard lock(mu_);
  return healthy_;
}

void HealthMonitor::SetLocked(bool healthy) {
  if (healthy == healthy_) return;
  healthy_ = healthy;
  on_change_(healthy);
}

void HealthMonitor::ProbeLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || probe_wanted_; });
    if (stopping_) return;
    probe_wanted_ = false;
    probing_ = true;
    probe_started_ = std::chrono::steady_clock::now();
    lock.unlock();
    const bool ok = db_.Probe(absl::FromChrono(options_.timeout)).ok();
    lock.lock();
    probing_ = false;
    SetLocked(ok);
    cv_.notify_all();
  }
}

void HealthMonitor::WatchLoop() {
  std::unique_lock lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    if (probing_) {
      if (now - probe_started_ > options_.timeout) SetLocked(false);  // hung: not answering is not serving
    } else if (now >= next) {
      probe_wanted_ = true;
      next = now + options_.interval;
      cv_.notify_all();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace cmdb
