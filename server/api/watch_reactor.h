// The WatchChanges stream. One reactor per watcher: it reads the feed after
// its position on a WorkerPool thread, writes the events one at a time, and
// when it reaches the end sends a `caught_up` event and waits for the feed
// to wake it (a notification, or the once-a-second tick that also drives
// heartbeats). No thread is held while a watcher waits.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "cmdb/v1/cmdb_service.pb.h"
#include "core/feed.h"
#include "service/change_feed.h"
#include "service/worker_pool.h"

namespace cmdb::api {

struct WatchOptions {
  FeedPosition start;  // default: before the first change
  bool from_now = false;
  std::chrono::seconds heartbeat{30};
};

class WatchReactor final : public grpc::ServerWriteReactor<v1::ChangeEvent> {
 public:
  static WatchReactor* Start(ChangeFeed& feed, WorkerPool& pool, const WatchOptions& options, std::string peer,
                             std::string principal);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  WatchReactor(ChangeFeed& feed, WorkerPool& pool, const WatchOptions& options, std::string peer,
               std::string principal);

  void Wake();                 // feed thread: maybe start a read
  void Read();                 // pool thread: fill the queue, then write
  void WriteNextLocked();      // start the next write, or go idle
  void FinishLocked(const grpc::Status& status);

  ChangeFeed& feed_;
  WorkerPool& pool_;
  const WatchOptions options_;
  const std::string peer_;
  const std::string principal_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint64_t subscription_ = 0;

  std::mutex mu_;
  FeedPosition position_;
  bool resolved_start_ = false;
  std::deque<v1::ChangeEvent> queue_;
  v1::ChangeEvent writing_;        // the event being written (must outlive the write)
  bool reading_ = false;
  bool write_in_flight_ = false;
  bool wake_pending_ = false;      // a wake came while busy
  bool read_again_ = false;        // the last read was full: more may follow
  bool sent_caught_up_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
  grpc::Status final_status_;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
};

// A stream refused before it started (bad credentials or arguments).
class RefusedWatch final : public grpc::ServerWriteReactor<v1::ChangeEvent> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace cmdb::api
