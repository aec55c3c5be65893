// `cmdbctl discovery ...`: discovery schedules, runs (ad-hoc or of a
// schedule), their progress and per-target logs; and the client of the
// DiscoveryService the credential commands share.
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "calls.h"
#include "cli_util.h"
#include "commands_discovery.h"
#include "enums.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {

// --- The client ----------------------------------------------------------------

namespace {

// As client.cc: cmdbd accepts messages up to 64 MiB; accept as much back.
constexpr int kMaxMessageBytes = 64 << 20;

// A channel to --server with the TLS settings of the global flags. (gRPC
// shares the connection with the other services' channel when the settings
// are the same.)
std::shared_ptr<grpc::Channel> NewChannel(const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls || !options.ca_cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert.empty()) {
      std::ifstream in(options.ca_cert, std::ios::binary);
      if (!in) throw InvalidArgument("--ca-cert: cannot read " + options.ca_cert);
      std::ostringstream pem;
      pem << in.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(options.server, credentials, args);
}

}  // namespace

DiscoveryClient::DiscoveryClient(Session& session)
    : session_(session), stub_(v1::DiscoveryService::NewStub(NewChannel(session.options))) {}

namespace {

using Stub = DiscoveryClient::Stub;
using google::protobuf::util::TimeUtil;

// --- Enum words ------------------------------------------------------------------


std::string StateText(v1::RunState state) { return EnumValueWord(v1::RunState_descriptor(), state); }
std::string OutcomeText(v1::TargetOutcome outcome) { return EnumValueWord(v1::TargetOutcome_descriptor(), outcome); }

// "no-response" or "no_response" (any case) -> TARGET_OUTCOME_NO_RESPONSE.
// Throws an INVALID_ARGUMENT Error naming `flag` (when not empty).
v1::TargetOutcome ParseOutcome(const std::string& word, const std::string& flag) {
  std::string name = "TARGET_OUTCOME_";
  for (char c : word) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v1::TargetOutcome outcome{};
  if (v1::TargetOutcome_Parse(name, &outcome) && outcome != v1::TARGET_OUTCOME_UNSPECIFIED) return outcome;
  throw InvalidArgument((flag.empty() ? "" : flag + ": ") + "unknown value \"" + word +
                        "\" (expected one of: discovered, partial, no-response, auth-failed, error, cancelled)");
}

bool Ended(v1::RunState state) {
  return state == v1::RUN_STATE_SUCCEEDED || state == v1::RUN_STATE_FAILED || state == v1::RUN_STATE_CANCELLED;
}

// --- Text and JSON -------------------------------------------------------------------

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

Json Strings(const google::protobuf::RepeatedPtrField<std::string>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

std::string TimeOrEmpty(bool has, const google::protobuf::Timestamp& t) { return has ? TimeText(t) : ""; }

Json TimeOrNull(bool has, const google::protobuf::Timestamp& t) { return has ? Json(TimeText(t)) : Json(nullptr); }

// "45s", "3m05s", "2h03m".
std::string ElapsedText(int64_t seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60));
  }
  return text;
}

// A per-request timeout: "1s", "2m" (as ParseDuration) or "500ms".
google::protobuf::Duration ParseScanTimeout(const std::string& text, const std::string& flag) {
  if (text.size() > 2 && text.ends_with("ms")) {
    int64_t ms = 0;
    const char* end = text.data() + text.size() - 2;
    const auto [ptr, ec] = std::from_chars(text.data(), end, ms);
    if (ec != std::errc() || ptr != end || ms < 0 || ms > 3'600'000) {
      throw InvalidArgument((flag.empty() ? "" : flag + ": ") + "\"" + text + "\" is not a duration (e.g. 500ms, 1s)");
    }
    return TimeUtil::MillisecondsToDuration(ms);
  }
  return ParseDuration(text, flag);
}

// "500ms", "1s", or "default" when unset.
std::string ScanTimeoutText(const v1::ScanLimits& l) {
  if (!l.has_timeout() || (l.timeout().seconds() == 0 && l.timeout().nanos() == 0)) return "default";
  if (l.timeout().nanos() != 0) return std::to_string(TimeUtil::DurationToMilliseconds(l.timeout())) + "ms";
  return DurationText(l.timeout());
}

std::string CountOrDefault(int32_t value) { return value > 0 ? std::to_string(value) : "default"; }

// {"targets_in_flight", "packets_per_second", "timeout" ("500ms", "1s";
//  null when default), "timeout_ms", "retries"}; 0 means the default.
Json LimitsJson(const v1::ScanLimits& l) {
  const bool has_timeout = l.has_timeout() && (l.timeout().seconds() != 0 || l.timeout().nanos() != 0);
  return {{"targets_in_flight", l.targets_in_flight()},
          {"packets_per_second", l.packets_per_second()},
          {"timeout", has_timeout ? Json(ScanTimeoutText(l)) : Json(nullptr)},
          {"timeout_ms", has_timeout ? TimeUtil::DurationToMilliseconds(l.timeout()) : 0},
          {"retries", l.retries()}};
}

KeyValues LimitRows(const v1::ScanLimits& l) {
  return {{"in_flight", CountOrDefault(l.targets_in_flight())},
          {"packets_per_second", l.packets_per_second() > 0 ? std::to_string(l.packets_per_second()) : "no limit"},
          {"timeout", ScanTimeoutText(l)},
          {"retries", CountOrDefault(l.retries())}};
}

bool HasInterval(const v1::DiscoverySchedule& s) { return s.has_interval() && s.interval().seconds() > 0; }

// "every 1h", "cron 0 3 * * *" or "manual".
std::string WhenText(const v1::DiscoverySchedule& s) {
  if (HasInterval(s)) return "every " + DurationText(s.interval());
  if (!s.cron().empty()) return "cron " + s.cron();
  return "manual";
}

// {"name", "description", "targets", "exclusions", "credentials",
//  "interval" (as DurationText, null when none), "interval_seconds", "cron",
//  "enabled", "limits", "create_time", "update_time", "next_run_time" (null
//  when not scheduled), "last_run_id", "etag"}.
Json ScheduleJson(const v1::DiscoverySchedule& s) {
  return {{"name", s.name()},
          {"description", s.description()},
          {"targets", Strings(s.targets())},
          {"exclusions", Strings(s.exclusions())},
          {"credentials", Strings(s.credentials())},
          {"interval", HasInterval(s) ? Json(DurationText(s.interval())) : Json(nullptr)},
          {"interval_seconds", HasInterval(s) ? s.interval().seconds() : 0},
          {"cron", s.cron()},
          {"enabled", s.enabled()},
          {"limits", LimitsJson(s.limits())},
          {"create_time", TimeOrNull(s.has_create_time(), s.create_time())},
          {"update_time", TimeOrNull(s.has_update_time(), s.update_time())},
          {"next_run_time", TimeOrNull(s.has_next_run_time(), s.next_run_time())},
          {"last_run_id", s.last_run_id()},
          {"etag", s.etag()}};
}

Json ProgressJson(const v1::RunProgress& p) {
  return {{"targets_total", p.targets_total()}, {"targets_done", p.targets_done()}, {"responders", p.responders()},
          {"devices", p.devices()},             {"errors", p.errors()},             {"jobs_total", p.jobs_total()},
          {"jobs_done", p.jobs_done()}};
}

// {"id", "schedule", "state", "targets", "exclusions", "credentials",
//  "limits", "progress": {"targets_total", "targets_done", "responders",
//  "devices", "errors", "jobs_total", "jobs_done"}, "requested_by", "error",
//  "create_time", "start_time", "end_time" (null until then), "marked_stale"}.
Json RunJson(const v1::DiscoveryRun& r) {
  return {{"id", r.id()},
          {"schedule", r.schedule()},
          {"state", StateText(r.state())},
          {"targets", Strings(r.targets())},
          {"exclusions", Strings(r.exclusions())},
          {"credentials", Strings(r.credentials())},
          {"limits", LimitsJson(r.limits())},
          {"progress", ProgressJson(r.progress())},
          {"requested_by", r.requested_by()},
          {"error", r.error()},
          {"create_time", TimeOrNull(r.has_create_time(), r.create_time())},
          {"start_time", TimeOrNull(r.has_start_time(), r.start_time())},
          {"end_time", TimeOrNull(r.has_end_time(), r.end_time())},
          {"marked_stale", r.marked_stale()}};
}

// {"address", "outcome", "credential", "snmp_version", "sys_object_id",
//  "sys_name", "class", "device_id", "errors", "varbinds", "requests",
//  "seconds", "worker", "time", "reported_ids"}.
Json TargetResultJson(const v1::TargetResult& t) {
  return {{"address", t.address()},
          {"outcome", OutcomeText(t.outcome())},
          {"credential", t.credential()},
          {"snmp_version", t.snmp_version()},
          {"sys_object_id", t.sys_object_id()},
          {"sys_name", t.sys_name()},
          {"class", t.class_name()},
          {"device_id", t.device_id()},
          {"errors", Strings(t.errors())},
          {"varbinds", t.varbinds()},
          {"requests", t.requests()},
          {"seconds", t.seconds()},
          {"worker", t.worker()},
          {"time", TimeOrNull(t.has_time(), t.time())},
          {"reported_ids", Strings(t.reported_ids())}};
}

// How long the run took (or has taken by its last update): "" before it
// started.
std::string RunElapsed(const v1::DiscoveryRun& r) {
  if (!r.has_start_time() || !r.has_end_time()) return "";
  return ElapsedText(TimeUtil::DurationToSeconds(r.end_time() - r.start_time()));
}

// "running  targets 120/254  responders 37  devices 35  errors 1".
std::string ProgressText(const v1::DiscoveryRun& r) {
  const auto& p = r.progress();
  return StateText(r.state()) + "  targets " + std::to_string(p.targets_done()) + "/" +
         std::to_string(p.targets_total()) + "  responders " + std::to_string(p.responders()) + "  devices " +
         std::to_string(p.devices()) + "  errors " + std::to_string(p.errors());
}

void PrintRun(const Session& session, const v1::DiscoveryRun& r) {
  if (session.json()) {
    PrintJson(RunJson(r));
    return;
  }
  const auto& p = r.progress();
  KeyValues rows = {{"id", r.id()},
                    {"schedule", r.schedule().empty() ? "(ad-hoc)" : r.schedule()},
                    {"state", StateText(r.state())},
                    {"requested_by", r.requested_by()},
                    {"targets", Joined(r.targets(), ", ")}};
  if (r.exclusions_size() > 0) rows.emplace_back("exclusions", Joined(r.exclusions(), ", "));
  rows.emplace_back("credentials", Joined(r.credentials(), ", "));
  rows.emplace_back("created", TimeOrEmpty(r.has_create_time(), r.create_time()));
  rows.emplace_back("started", TimeOrEmpty(r.has_start_time(), r.start_time()));
  rows.emplace_back("ended", TimeOrEmpty(r.has_end_time(), r.end_time()));
  if (!RunElapsed(r).empty()) rows.emplace_back("took", RunElapsed(r));
  if (!r.error().empty()) rows.emplace_back("error", r.error());
  PrintKeyValues(rows);
  PrintSection("progress",
               {{"targets_done", std::to_string(p.targets_done()) + "/" + std::to_string(p.targets_total())},
                {"responders", std::to_string(p.responders())},
                {"devices", std::to_string(p.devices())},
                {"errors", std::to_string(p.errors())},
                {"jobs_done", std::to_string(p.jobs_done()) + "/" + std::to_string(p.jobs_total())},
                {"marked_stale", std::to_string(r.marked_stale())}});
  PrintSection("limits", LimitRows(r.limits()));
}

void PrintSchedule(const Session& session, const v1::DiscoverySchedule& s) {
  if (session.json()) {
    PrintJson(ScheduleJson(s));
    return;
  }
  KeyValues rows = {{"name", s.name()}};
  if (!s.description().empty()) rows.emplace_back("description", s.description());
  rows.emplace_back("enabled", s.enabled() ? "yes" : "no");
  rows.emplace_back("when", WhenText(s));
  rows.emplace_back("next_run", TimeOrEmpty(s.has_next_run_time(), s.next_run_time()));
  rows.emplace_back("last_run", s.last_run_id());
  rows.emplace_back("targets", Joined(s.targets(), ", "));
  if (s.exclusions_size() > 0) rows.emplace_back("exclusions", Joined(s.exclusions(), ", "));
  rows.emplace_back("credentials", Joined(s.credentials(), ", "));
  rows.emplace_back("etag", s.etag());
  rows.emplace_back("created", TimeOrEmpty(s.has_create_time(), s.create_time()));
  rows.emplace_back("updated", TimeOrEmpty(s.has_update_time(), s.update_time()));
  PrintKeyValues(rows);
  PrintSection("limits", LimitRows(s.limits()));
}

// The values of a repeatable list flag without empty ones (`--exclude ""`
// clears the list on update).
std::vector<std::string> NonEmpty(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  std::copy_if(values.begin(), values.end(), std::back_inserter(out), [](const auto& v) { return !v.empty(); });
  return out;
}

// A repeatable option taking one or more values per occurrence, also
// comma-separated ("--target 10.0.0.0/24 10.0.1.0/24", "--target a,b").
CLI::Option* AddListOption(CLI::App* cmd, const std::string& name, std::vector<std::string>* values,
                           const std::string& help) {
  return cmd->add_option(name, *values, help)->delimiter(',');
}

// --- Scan limits flags -------------------------------------------------------------

struct LimitFlags {
  std::optional<std::string> timeout;
  std::optional<int32_t> retries, in_flight, pps;

  bool any() const { return timeout || retries || in_flight || pps; }

  // `timeout_names` is "--timeout,--snmp-timeout" or "--snmp-timeout".
  void AddTo(CLI::App* cmd, const std::string& timeout_names) {
    cmd->add_option(timeout_names, timeout, "SNMP request timeout, e.g. 500ms or 2s (default 1s)")
        ->check(Checking("DURATION", [](const std::string& t) { ParseScanTimeout(t, ""); }));
    cmd->add_option("--retries", retries, "Retries per SNMP request (0: the default, 1)")->check(CLI::Range(0, 10));
    cmd->add_option("--in-flight", in_flight, "Targets scanned at once per worker (0: the default, 256)")
        ->check(CLI::Range(0, 4096));
    cmd->add_option("--pps", pps, "SNMP packets per second per worker (0: no limit)")->check(CLI::NonNegativeNumber);
  }

  // Sets the limits given on `out`, keeping the others.
  void ApplyTo(v1::ScanLimits* out, const std::string& timeout_flag) const {
    if (timeout) *out->mutable_timeout() = ParseScanTimeout(*timeout, timeout_flag);
    if (retries) out->set_retries(*retries);
    if (in_flight) out->set_targets_in_flight(*in_flight);
    if (pps) out->set_packets_per_second(*pps);
  }
};

// --- discovery schedule create / update -----------------------------------------

struct ScheduleFlags {
  std::string name, etag;
  std::optional<std::string> description, interval, cron;
  std::vector<std::string> targets, exclusions, credentials;
  CLI::Option *targets_opt = nullptr, *exclusions_opt = nullptr, *credentials_opt = nullptr;
  bool enabled = false, disabled = false;
  LimitFlags limits;

  void AddTo(CLI::App* cmd, bool update) {
    cmd->add_option("NAME", name, "Schedule name: a-z, 0-9, '_', '.', '-'")->required();
    cmd->add_option("--description", description, "Description");
    targets_opt = AddListOption(cmd, "--target", &targets,
                                "Addresses to scan: 10.0.0.0/24, 10.0.1.5-10.0.1.20, 10.0.2.7, 2001:db8::/120 "
                                "(repeatable" + std::string(update ? "; replaces the list)" : ")"));
    exclusions_opt = AddListOption(cmd, "--exclude", &exclusions,
                                   "Addresses not to scan, same forms (repeatable" +
                                       std::string(update ? "; replaces the list, \"\" clears it)" : ")"));
    credentials_opt = AddListOption(cmd, "--credential", &credentials,
                                    "Credential names, tried in this order (repeatable" +
                                        std::string(update ? "; replaces the list)" : ")"));
    auto* interval_opt = cmd->add_option("--interval", interval, "Run every so often, e.g. 1h or 1d (at least 1m; 0: "
                                                                 "only by hand)")
                             ->check(kDuration);
    cmd->add_option("--cron", cron, "Run at these times: five cron fields in UTC, e.g. '0 3 * * *' (\"\": only by "
                                    "hand)")
        ->excludes(interval_opt);
    auto* enabled_opt = cmd->add_flag("--enabled", enabled, "Runs at its times" + std::string(update ? "" : " (default)"));
    cmd->add_flag("--disabled", disabled, "Runs only when started by hand")->excludes(enabled_opt);
    limits.AddTo(cmd, "--timeout,--snmp-timeout");
    if (update) cmd->add_option("--etag", etag, "Fail with ABORTED unless the schedule still has this etag");
    if (!update) {
      targets_opt->required();
      credentials_opt->required();
    }
  }

  bool given(const CLI::Option* option) const { return option != nullptr && option->count() > 0; }

  // The schedule with the flags given set; their field names go to `mask`
  // (nullptr: all fields are set, as for create).
  v1::DiscoverySchedule Proto(google::protobuf::FieldMask* mask) const {
    v1::DiscoverySchedule s;
    s.set_name(name);
    s.set_etag(etag);
    const auto changed = [&](const char* field) {
      if (mask != nullptr) mask->add_paths(field);
    };
    if (description) {
      s.set_description(*description);
      changed("description");
    }
    if (given(targets_opt)) {
      for (const auto& t : NonEmpty(targets)) s.add_targets(t);
      changed("targets");
    }
    if (given(exclusions_opt)) {
      for (const auto& t : NonEmpty(exclusions)) s.add_exclusions(t);
      changed("exclusions");
    }
    if (given(credentials_opt)) {
      for (const auto& c : NonEmpty(credentials)) s.add_credentials(c);
      changed("credentials");
    }
    // An interval and a cron expression exclude each other: setting one
    // clears the other.
    if (interval || cron) {
      if (interval) {
        const auto d = ParseDuration(*interval, "--interval");
        if (d.seconds() > 0) *s.mutable_interval() = d;
      }
      if (cron) s.set_cron(*cron);
      changed("interval");
      changed("cron");
    }
    s.set_enabled(!disabled);
    if (enabled || disabled) changed("enabled");
    return s;
  }
};

void RunScheduleCreate(Session& session, const ScheduleFlags& o) {
  v1::CreateScheduleRequest request;
  *request.mutable_schedule() = o.Proto(nullptr);
  o.limits.ApplyTo(request.mutable_schedule()->mutable_limits(), "--timeout");
  DiscoveryClient client(session);
  PrintSchedule(session, client.Call(&Stub::CreateSchedule, request));
}

void RunScheduleUpdate(Session& session, const ScheduleFlags& o) {
  DiscoveryClient client(session);
  v1::UpdateScheduleRequest request;
  auto* mask = request.mutable_update_mask();
  *request.mutable_schedule() = o.Proto(mask);
  if (o.limits.any()) {
    // The limits are one field: start from the current ones, and make sure
    // they are still current when the update lands.
    v1::GetScheduleRequest get;
    get.set_name(o.name);
    const auto current = client.Call(&Stub::GetSchedule, get);
    auto* limits = request.mutable_schedule()->mutable_limits();
    *limits = current.limits();
    o.limits.ApplyTo(limits, "--timeout");
    mask->add_paths("limits");
    if (o.etag.empty()) request.mutable_schedule()->set_etag(current.etag());
  }
  if (mask->paths().empty()) {
    throw InvalidArgument(
        "nothing to update: give --description, --target, --exclude, --credential, --interval, --cron, "
        "--enabled, --disabled, --timeout, --retries, --in-flight or --pps");
  }
  PrintSchedule(session, client.Call(&Stub::UpdateSchedule, request));
}

// --- discovery schedule list / get / delete -------------------------------------

void RunScheduleList(Session& session) {
  DiscoveryClient client(session);
  const auto response = client.Call(&Stub::ListSchedules, v1::ListSchedulesRequest());
  if (session.json()) {
    Json json = Json::array();
    for (const auto& s : response.schedules()) json.push_back(ScheduleJson(s));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "ENABLED", "WHEN", "NEXT_RUN", "LAST_RUN", "TARGETS", "CREDENTIALS"});
  for (const auto& s : response.schedules()) {
    table.AddRow({s.name(), s.enabled() ? "yes" : "no", WhenText(s),
                  TimeOrEmpty(s.has_next_run_time(), s.next_run_time()), s.last_run_id(), Joined(s.targets(), ","),
                  Joined(s.credentials(), ",")});
  }
  table.Print();
}

void AddScheduleCommands(CLI::App* discovery, Session& session) {
  auto* schedule = discovery->add_subcommand("schedule", "Discovery schedules: what to scan, with what, and when");
  schedule->require_subcommand(1);

  auto create = std::make_shared<ScheduleFlags>();
  auto* create_cmd = schedule->add_subcommand("create", "Create a schedule (admin)");
  create->AddTo(create_cmd, /*update=*/false);
  create_cmd->callback([&session, create] { RunScheduleCreate(session, *create); });

  schedule->add_subcommand("list", "List schedules")->callback([&session] { RunScheduleList(session); });

  auto get_name = std::make_shared<std::string>();
  auto* get = schedule->add_subcommand("get", "Show a schedule");
  get->add_option("NAME", *get_name, "Schedule name")->required();
  get->callback([&session, get_name] {
    v1::GetScheduleRequest request;
    request.set_name(*get_name);
    DiscoveryClient client(session);
    PrintSchedule(session, client.Call(&Stub::GetSchedule, request));
  });

  auto update = std::make_shared<ScheduleFlags>();
  auto* update_cmd = schedule->add_subcommand("update", "Change a schedule (admin): only the fields given");
  update->AddTo(update_cmd, /*update=*/true);
  update_cmd->callback([&session, update] { RunScheduleUpdate(session, *update); });

  auto delete_name = std::make_shared<std::string>();
  auto* del = schedule->add_subcommand("delete", "Delete a schedule (admin); its past runs stay");
  del->add_option("NAME", *delete_name, "Schedule name")->required();
  del->callback([&session, delete_name] {
    v1::DeleteScheduleRequest request;
    request.set_name(*delete_name);
    DiscoveryClient client(session);
    client.Call(&Stub::DeleteSchedule, request);
    std::cerr << "deleted schedule " << *delete_name << "\n";
  });
}

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
  std::vector<std::string> ranges, exclusions, communities, credentials;
  std::string schedule, timeout_run;
  bool wait = false;
  LimitFlags limits;
};

v1::StartRunRequest StartRequest(DiscoveryClient& client, const RunOptions& o) {
  v1::StartRunRequest request;
  if (!o.schedule.empty()) {
    if (!o.ranges.empty() || !o.exclusions.empty() || !o.communities.empty() || !o.credentials.empty() ||
        o.limits.any()) {
      throw InvalidArgument("--schedule: the run uses the schedule's targets, credentials and limits; give no "
                            "--range, --exclude, --community, --credential or limits with it");
    }
    request.set_schedule(o.schedule);
    return request;
  }
  if (NonEmpty(o.ranges).empty()) throw InvalidArgument("--range: required (or --schedule NAME)");
  if (o.communities.empty() && o.credentials.empty()) {
    throw InvalidArgument("--community or --credential: at least one is required");
  }
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
  AddListOption(cmd, "--credential", &o->credentials, "Stored credential to try, before the communities (repeatable)");
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
  Table table({"ADDRESS", "OUTCOME", "CLASS", "SYS_NAME", "CREDENTIAL", "DEVICE_ID", "ERRORS"});
  for (const auto& e : entries) {
    table.AddRow({e.address(), OutcomeText(e.outcome()), e.class_name(), e.sys_name(), e.credential(), e.device_id(),
                  Joined(e.errors(), "; ")});
  }
  table.Print();
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
