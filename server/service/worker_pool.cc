#include "service/worker_pool.h"

#include <spdlog/spdlog.h>

#include "core/strings.h"

namespace cmdb {

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // A task that throws is logged and ends alone: the pool's threads, and
    // the process, carry on (an escaped exception would end the process).
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("worker pool task failed: {}", LogSafe(e.what()));
    } catch (...) {
      spdlog::error("worker pool task failed with a non-standard exception");
    }
  }
}

}  // namespace cmdb
