// A fixed pool of threads running queued tasks: where blocking work (SQL)
// goes when it is started from a gRPC callback reactor, which must not block.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cmdb {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs the tasks already queued, then joins the threads.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. An exception it throws is logged and goes no further.
  void Post(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cmdb
