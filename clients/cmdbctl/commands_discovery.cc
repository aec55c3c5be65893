// `cmdbctl discovery ...`: discovery schedules, runs (ad-hoc or of a
// schedule), their progress and per-target logs; and the client of the
// DiscoveryService the credential commands share.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "calls.h"
#include "cli_util.h"
#include "commands_discovery.h"
#include "discovery_views.h"
#include "enums.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {

// --- The client ----------------------------------------------------------------

DiscoveryClient::DiscoveryClient(Session& session)
    : session_(session), stub_(v1::DiscoveryService::NewStub(session.client().channel())) {}

namespace {

using Stub = DiscoveryClient::Stub;

// --- discovery run ------------------------------------------------------------

// Ends cmdbctl with exit status 2 and no further message (the caller has
// printed it): CLI::App::exit returns the code of an error named
// "RuntimeError" without printing anything, and main() exits with 2 for
// any non-zero code it returns.
class ExitStatusTwo : public CLI::ParseError {
 public:
  ExitStatusTwo() : CLI::ParseError("RuntimeError", "", 2) {}
};

// Seconds between GetRun calls while waiting.
constexpr auto kPollInterval = std::chrono::seconds(1);
// GetRun failures in a row (UNAVAILABLE, DEADLINE_EXCEEDED) tolerated while
// waiting: the run goes on while the server restarts.
constexpr int kMaxPollFailures = 30;

struct RunOptions {
  std::vector<std::string> ranges, exclusions, communities, credentials, protocols;
  std::vector<int> ports;
  std::string schedule, timeout_run;
  bool wait = false;
  LimitFlags limits;
};

v1::StartRunRequest StartRequest(DiscoveryClient& client, const RunOptions& o) {
  v1::StartRunRequest request;
  if (!o.schedule.empty()) {
    if (!o.ranges.empty() || !o.exclusions.empty() || !o.communities.empty() || !o.credentials.empty() ||
        o.limits.any() || !o.protocols.empty() || !o.ports.empty()) {
      throw InvalidArgument(
          "--schedule: the run uses the schedule's targets, credentials, protocols and limits; "
          "give no --range, --exclude, --community, --credential, --protocol, --port or limits "
          "with it");
    }
    request.set_schedule(o.schedule);
    return request;
  }
  if (NonEmpty(o.ranges).empty()) throw InvalidArgument("--range: required (or --schedule NAME)");
  const std::vector<std::string> protocols = NonEmpty(o.protocols);
  const bool snmp = protocols.empty() || std::find(protocols.begin(), protocols.end(), "snmp") != protocols.end();
  if (snmp && o.communities.empty() && o.credentials.empty()) {
    throw InvalidArgument("--community or --credential: at least one is required for snmp");
  }
  for (const auto& p : protocols) request.add_protocols(p);
  for (int port : o.ports) request.add_http_ports(port);
  for (const auto& r : NonEmpty(o.ranges)) request.add_targets(r);
  for (const auto& x : NonEmpty(o.exclusions)) request.add_exclusions(x);
  // Named credentials first, then the communities, each once.
  std::vector<std::string> names = o.credentials;
  for (const auto& community : o.communities) {
    if (community.empty()) throw InvalidArgument("--community: must not be empty");
    try {
      names.push_back(PutAdhocCredential(client, community));
    } catch (const Error& e) {
      const std::string hint = e.code() == "PERMISSION_DENIED" ? " (needs the admin role; or use --credential)" : "";
      throw Error(e.code(), "--community: storing it as credential " + AdhocCredentialName(community) + hint + ": " +
                                e.what());
    }
  }
  for (const auto& name : names) {
    if (std::find(request.credentials().begin(), request.credentials().end(), name) == request.credentials().end()) {
      request.add_credentials(name);
    }
  }
  o.limits.ApplyTo(request.mutable_limits(), "--snmp-timeout");
  return request;
}

// One progress line, rewritten in place on a terminal; elsewhere printed
// again only when it changes.
class ProgressLine {
 public:
  explicit ProgressLine(FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

  void Show(const std::string& line, int64_t elapsed_seconds) {
    if (tty_) {
      std::fprintf(out_, "\r%s  %s\033[K", line.c_str(), ElapsedText(elapsed_seconds).c_str());
      open_ = true;
    } else if (line != last_) {
      std::fprintf(out_, "%s\n", line.c_str());
    }
    last_ = line;
    std::fflush(out_);
  }

  // Ends the line on a terminal.
  void Finish() {
    if (open_) std::fprintf(out_, "\n");
    open_ = false;
    std::fflush(out_);
  }

 private:
  FILE* out_;
  bool tty_;
  bool open_ = false;
  std::string last_;
};

// Polls GetRun until the run ends or `limit` (zero: no limit) passes.
// Returns the last state seen and whether it timed out.
v1::DiscoveryRun WaitForRun(const Session& session, DiscoveryClient& client, v1::DiscoveryRun run,
                            std::chrono::seconds limit, bool* timed_out) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // With -o json the progress goes to stderr: stdout carries the JSON only.
  ProgressLine progress(session.json() ? stderr : stdout);
  const auto elapsed = [&] { return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start); };
  progress.Show(ProgressText(run), 0);
  int failures = 0;
  *timed_out = false;
  while (!Ended(run.state())) {
    if (limit.count() > 0 && elapsed() >= limit) {
      *timed_out = true;
      break;
    }
    auto pause = std::chrono::duration_cast<Clock::duration>(kPollInterval);
    if (limit.count() > 0) pause = std::min(pause, start + limit - Clock::now());
    std::this_thread::sleep_for(pause);
    v1::GetRunRequest request;
    request.set_id(run.id());
    v1::DiscoveryRun latest;
    const grpc::Status status = client.TryCall(&Stub::GetRun, request, &latest);
    if (!status.ok()) {
      const bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (transient && ++failures < kMaxPollFailures) continue;
      progress.Finish();
      ThrowIfError(status);
    }
    failures = 0;
    run = std::move(latest);
    progress.Show(ProgressText(run), elapsed().count());
  }
  progress.Finish();
  return run;
}

void RunStart(Session& session, const RunOptions& o) {
  const std::chrono::seconds limit(o.timeout_run.empty() ? 0 : ParseDuration(o.timeout_run, "--timeout-run").seconds());
  DiscoveryClient client(session);
  v1::DiscoveryRun run = client.Call(&Stub::StartRun, StartRequest(client, o));
  if (!o.wait) {
    if (session.json()) {
      PrintJson(RunJson(run));
    } else {
      std::cout << run.id() << "\n" << ProgressText(run) << "\n";
    }
    return;
  }
  if (!session.json()) std::cout << run.id() << std::endl;
  bool timed_out = false;
  run = WaitForRun(session, client, std::move(run), limit, &timed_out);
  if (session.json()) PrintJson(RunJson(run));
  std::cout.flush();
  if (timed_out) {
    std::cerr << "cmdbctl: DEADLINE_EXCEEDED: run " << run.id() << " is still " << StateText(run.state())
              << " after " << o.timeout_run << "; it goes on (see `cmdbctl discovery status " << run.id()
              << "`, stop it with `cmdbctl discovery cancel " << run.id() << "`)\n";
    throw ExitStatusTwo();
  }
  if (run.state() == v1::RUN_STATE_CANCELLED) throw Error("CANCELLED", "run " + run.id() + " was cancelled");
  if (run.state() == v1::RUN_STATE_FAILED) {
    throw Error("ABORTED", "run " + run.id() + " failed" + (run.error().empty() ? "" : ": " + run.error()));
  }
}

void AddRun(CLI::App* discovery, Session& session) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = discovery->add_subcommand(
      "run",
      "Start a discovery run now (editor): an ad-hoc scan of --range, or a schedule's. Prints the run id first");
  AddListOption(cmd, "--range", &o->ranges,
                "Addresses to scan: 10.0.0.0/24, 10.0.1.5-10.0.1.20, 10.0.2.7, 2001:db8::/120 (repeatable)");
  AddListOption(cmd, "--exclude", &o->exclusions, "Addresses not to scan, same forms (repeatable)");
  cmd->add_option("--community", o->communities,
                  "SNMP v2c community to try (repeatable); stored first (admin) as credential "
                  "adhoc-<8 hex digits of its SHA-256>, never printed")
      ->allow_extra_args(false);
  AddListOption(cmd, "--credential", &o->credentials,
                "Stored credential to try, before the communities (repeatable; SNMP and HTTP credentials alike)");
  AddListOption(cmd, "--protocol", &o->protocols,
                "What to probe: snmp, http, or snmp,http (default snmp; http finds web endpoints, certificates "
                "and Redfish controllers)");
  cmd->add_option("--port", o->ports, "HTTP port to probe (repeatable; default 80, 443, 8080, 8443)")
      ->check(CLI::Range(1, 65535))
      ->allow_extra_args(false);
  cmd->add_option("--schedule", o->schedule, "Run this schedule now instead, with its own targets and credentials");
  o->limits.AddTo(cmd, "--snmp-timeout");
  cmd->add_flag("--wait", o->wait,
                "Follow the run's progress until it ends: exit 0 when it succeeded, 1 when it failed or was "
                "cancelled, 2 when --timeout-run passed first");
  cmd->add_option("--timeout-run", o->timeout_run, "With --wait: stop waiting after this long, e.g. 10m (default: "
                                                   "until the run ends)")
      ->check(kDuration);
  cmd->callback([&session, o] { RunStart(session, *o); });
}

// --- discovery runs / status / cancel -------------------------------------------

void RunList(Session& session, const std::string& schedule, int32_t limit) {
  DiscoveryClient client(session);
  v1::ListRunsRequest request;
  request.set_schedule(schedule);
  std::vector<v1::DiscoveryRun> runs;
  while (limit == 0 || static_cast<int32_t>(runs.size()) < limit) {
    if (limit > 0) request.set_page_size(std::min(limit - static_cast<int32_t>(runs.size()), 500));
    const auto page = client.Call(&Stub::ListRuns, request);
    for (const auto& r : page.runs()) {
      if (limit == 0 || static_cast<int32_t>(runs.size()) < limit) runs.push_back(r);
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (session.json()) {
    Json json = Json::array();
    for (const auto& r : runs) json.push_back(RunJson(r));
    PrintJson(json);
    return;
  }
  Table table({"ID", "SCHEDULE", "STATE", "TARGETS", "RESPONDERS", "DEVICES", "ERRORS", "CREATED", "TOOK"});
  for (const auto& r : runs) {
    const auto& p = r.progress();
    table.AddRow({r.id(), r.schedule(), StateText(r.state()),
                  std::to_string(p.targets_done()) + "/" + std::to_string(p.targets_total()),
                  std::to_string(p.responders()), std::to_string(p.devices()), std::to_string(p.errors()),
                  TimeOrEmpty(r.has_create_time(), r.create_time()), RunElapsed(r)});
  }
  table.Print();
}

// --- discovery log ---------------------------------------------------------------

void RunLog(Session& session, const std::string& run_id, const std::vector<std::string>& outcomes) {
  DiscoveryClient client(session);
  v1::ListRunLogRequest request;
  request.set_run_id(run_id);
  for (const auto& word : outcomes) request.add_outcomes(ParseOutcome(word, "--outcome"));
  const std::vector<v1::TargetResult> entries = AllPages(
      request, [&](const v1::ListRunLogRequest& r) { return client.Call(&Stub::ListRunLog, r); },
      [](const v1::ListRunLogResponse& page) -> const auto& { return page.entries(); });
  if (session.json()) {
    Json json = Json::array();
    for (const auto& e : entries) json.push_back(TargetResultJson(e));
    PrintJson(json);
    return;
  }
  Table table({"ADDRESS", "PROTOCOL", "OUTCOME", "CLASS", "SYS_NAME", "CREDENTIAL", "DEVICE_ID", "ERRORS"});
  for (const auto& e : entries) {
    table.AddRow({e.address(), e.protocol(), OutcomeText(e.outcome()), e.class_name(), e.sys_name(), e.credential(),
                  e.device_id(), Joined(e.errors(), "; ")});
  }
  table.Print();
  // What answered HTTP, one line per endpoint.
  Table endpoints({"URL", "STATUS", "PRODUCT", "VERSION", "TITLE", "CERT", "ERRORS"});
  bool any = false;
  for (const auto& e : entries) {
    for (const auto& ep : e.endpoints()) {
      any = true;
      const std::string cert = ep.certificate_sha256().empty() ? ""
                                                               : ep.certificate_sha256().substr(0, 16) +
                                                                     (ep.certificate_verified() ? "" : " (unverified)");
      endpoints.AddRow({ep.url(), ep.status() ? std::to_string(ep.status()) : "", ep.product(), ep.version(),
                        ep.title(), cert, Joined(ep.errors(), "; ")});
    }
  }
  if (any) {
    std::cout << "\n";
    endpoints.Print();
  }
}

void AddRunQueries(CLI::App* discovery, Session& session) {
  auto runs_schedule = std::make_shared<std::string>();
  auto runs_limit = std::make_shared<int32_t>(50);
  auto* runs = discovery->add_subcommand("runs", "List runs, newest first");
  runs->add_option("--schedule", *runs_schedule, "Only the runs of this schedule");
  runs->add_option("--limit", *runs_limit, "At most this many runs (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  runs->callback([&session, runs_schedule, runs_limit] { RunList(session, *runs_schedule, *runs_limit); });

  auto status_id = std::make_shared<std::string>();
  auto* status = discovery->add_subcommand("status", "Show a run: its state, progress, times and error");
  status->add_option("RUN", *status_id, "Run id")->required();
  status->callback([&session, status_id] {
    v1::GetRunRequest request;
    request.set_id(*status_id);
    DiscoveryClient client(session);
    PrintRun(session, client.Call(&Stub::GetRun, request));
  });

  auto log_id = std::make_shared<std::string>();
  auto log_outcomes = std::make_shared<std::vector<std::string>>();
  auto* log = discovery->add_subcommand("log", "Show what happened to each target of a run, in address order");
  log->add_option("RUN", *log_id, "Run id")->required();
  AddListOption(log, "--outcome", log_outcomes.get(),
                "Only these outcomes: discovered, partial, no-response, auth-failed, error, cancelled (repeatable)")
      ->check(Checking("OUTCOME", [](const std::string& t) { ParseOutcome(t, ""); }));
  log->callback([&session, log_id, log_outcomes] { RunLog(session, *log_id, *log_outcomes); });

  auto cancel_id = std::make_shared<std::string>();
  auto* cancel = discovery->add_subcommand("cancel", "Cancel a queued or running run (editor)");
  cancel->add_option("RUN", *cancel_id, "Run id")->required();
  cancel->callback([&session, cancel_id] {
    v1::CancelRunRequest request;
    request.set_id(*cancel_id);
    DiscoveryClient client(session);
    PrintRun(session, client.Call(&Stub::CancelRun, request));
  });
}

}  // namespace

void AddDiscoveryCommands(CLI::App& app, Session& session) {
  auto* discovery = app.add_subcommand("discovery", "SNMP discovery: schedules, runs and their logs");
  discovery->require_subcommand(1);
  AddScheduleCommands(discovery, session);
  AddRun(discovery, session);
  AddRunQueries(discovery, session);
}

}  // namespace cmdbctl
