// `cmdbctl watch`: follow the change feed, one line per event.
//
// A stream has no fixed end, so instead of one deadline for the whole call
// it gets an idle deadline: if neither an event nor a heartbeat arrives
// within the heartbeat interval plus --timeout, the call is cancelled and
// reported as DEADLINE_EXCEEDED.
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "json_format.h"
#include "util/status_names.h"

namespace cmdbctl {
namespace {

using Clock = std::chrono::steady_clock;

// The server's heartbeat interval when the request leaves it unset.
constexpr int kDefaultHeartbeatSeconds = 30;

// Cancels `context` when Touch() is not called for `limit`.
class IdleWatchdog {
 public:
  IdleWatchdog(grpc::ClientContext* context, Clock::duration limit)
      : context_(context), limit_(limit), last_(Clock::now()), thread_([this] { Run(); }) {}

  ~IdleWatchdog() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void Touch() {
    std::lock_guard lock(mu_);
    last_ = Clock::now();
  }

  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_until(lock, last_ + limit_);
      if (!stop_ && Clock::now() >= last_ + limit_) {
        fired_ = true;
        context_->TryCancel();
        return;
      }
    }
  }

  grpc::ClientContext* context_;
  Clock::duration limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point last_;
  bool stop_ = false;
  bool fired_ = false;
  std::thread thread_;
};

struct WatchOptions {
  std::string since;
  bool from_now = false;
  int64_t max_events = 0;
  bool until_caught_up = false;
  int32_t heartbeat = 0;
};

// "<cursor>  <time>  <actor>  <source>  <operation>  <kind>  <id>  <name or type>  v<version>".
std::string EventLine(const v1::ChangeEvent& e) {
  if (e.caught_up()) return e.cursor() + "  caught up";
  const bool is_ci = e.has_ci();
  const std::string& id = is_ci ? e.ci().id() : e.relationship().id();
  const std::string& label = is_ci ? e.ci().name() : e.relationship().type();
  const int64_t version = is_ci ? e.ci().version() : e.relationship().version();
  std::string operation = OperationText(e.operation());
  operation.resize(std::max<size_t>(operation.size(), 7), ' ');  // as wide as "restore"
  std::string kind = is_ci ? "ci" : "relationship";
  kind.resize(12, ' ');
  return e.cursor() + "  " + TimeText(e.changeset().time()) + "  " + e.changeset().actor() + "  " +
         e.changeset().source() + "  " + operation + "  " + kind + "  " + id + "  " + label + "  v" +
         std::to_string(version);
}

void PrintEvent(const Session& session, const v1::ChangeEvent& event) {
  if (session.json()) {
    std::cout << ChangeEventJson(event).dump() << std::endl;  // flushed per event
  } else {
    std::cout << EventLine(event) << std::endl;
  }
}

// True when the command is done after `event`.
bool Done(const WatchOptions& o, const v1::ChangeEvent& event, int64_t* changes) {
  if (event.caught_up()) return o.until_caught_up;
  return o.max_events > 0 && ++*changes >= o.max_events;
}

void RunWatch(Session& session, const WatchOptions& o) {
  v1::WatchChangesRequest request;
  request.set_since_cursor(o.since);
  request.set_from_now(o.from_now);
  request.set_heartbeat_seconds(o.heartbeat);
  Client& client = session.client();
  auto context = client.NewStreamContext();
  const auto heartbeat = std::chrono::seconds(o.heartbeat > 0 ? o.heartbeat : kDefaultHeartbeatSeconds);
  const auto idle_limit = std::chrono::duration_cast<std::chrono::seconds>(heartbeat + client.timeout());
  IdleWatchdog watchdog(context.get(), idle_limit);
  auto reader = client.stub().WatchChanges(context.get(), request);
  v1::ChangeEvent event;
  std::string cursor = o.since;
  int64_t changes = 0;
  bool done = false;
  while (!done && reader->Read(&event)) {
    watchdog.Touch();
    cursor = event.cursor();
    PrintEvent(session, event);
    done = Done(o, event, &changes);
  }
  if (done) {
    context->TryCancel();
    while (reader->Read(&event)) {
    }
  }
  const grpc::Status status = reader->Finish();
  if (done) return;
  const std::string resume = cursor == o.since ? "" : " (resume with --since " + cursor + ")";
  if (watchdog.fired()) {
    throw Error("DEADLINE_EXCEEDED", "no event or heartbeat for " + std::to_string(idle_limit.count()) + "s" + resume);
  }
  if (!status.ok()) throw Error(cmdb::proto_util::CodeName(status.error_code()), status.error_message() + resume);
}

}  // namespace

void AddWatchCommand(CLI::App& app, Session& session) {
  auto o = std::make_shared<WatchOptions>();
  auto* cmd = app.add_subcommand("watch", "Stream changes as they commit (Ctrl-C ends it)");
  auto* since = cmd->add_option("--since", o->since, "Resume after this cursor (default: from the first change)");
  cmd->add_flag("--from-now", o->from_now, "Only changes committed from now on")->excludes(since);
  cmd->add_option("--max-events", o->max_events, "Exit after this many changes")->check(kPositive);
  cmd->add_flag("--until-caught-up", o->until_caught_up, "Exit once the backlog is delivered");
  cmd->add_option("--heartbeat", o->heartbeat, "Seconds between heartbeats while idle (server default 30)")
      ->check(CLI::Range(1, 3600));
  cmd->callback([&session, o] { RunWatch(session, *o); });
}

}  // namespace cmdbctl
