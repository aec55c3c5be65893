// WorkerPool: a task that throws ends alone; the pool runs the next ones.
#include "service/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

namespace cmdb {
namespace {

TEST(WorkerPoolTest, AThrowingTaskDoesNotEndThePoolOrTheProcess) {
  WorkerPool pool(1);
  std::atomic<int> ran{0};
  pool.Post([] { throw std::runtime_error("boom"); });
  pool.Post([] { throw 42; });
  std::promise<void> done;
  pool.Post([&] {
    ++ran;
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace cmdb
