// Words, text and JSON of discovery schedules, runs and run-log entries.
#include "discovery_views.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>

#include "enums.h"

namespace cmdbctl {

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

namespace {
// "500ms", "1s", or "default" when unset.
std::string ScanTimeoutText(const v1::ScanLimits& l) {
  if (!l.has_timeout() || (l.timeout().seconds() == 0 && l.timeout().nanos() == 0)) return "default";
  if (l.timeout().nanos() != 0) return std::to_string(TimeUtil::DurationToMilliseconds(l.timeout())) + "ms";
  return DurationText(l.timeout());
}
}  // namespace

namespace {
std::string CountOrDefault(int32_t value) { return value > 0 ? std::to_string(value) : "default"; }
}  // namespace

// {"targets_in_flight", "packets_per_second", "timeout" ("500ms", "1s";
//  null when default), "timeout_ms", "retries", "probe_retries" (null when
//  unset: as retries)}; 0 means the default, except for probe_retries.
Json LimitsJson(const v1::ScanLimits& l) {
  const bool has_timeout = l.has_timeout() && (l.timeout().seconds() != 0 || l.timeout().nanos() != 0);
  return {{"targets_in_flight", l.targets_in_flight()},
          {"packets_per_second", l.packets_per_second()},
          {"timeout", has_timeout ? Json(ScanTimeoutText(l)) : Json(nullptr)},
          {"timeout_ms", has_timeout ? TimeUtil::DurationToMilliseconds(l.timeout()) : 0},
          {"retries", l.retries()},
          {"probe_retries", l.has_probe_retries() ? Json(l.probe_retries()) : Json(nullptr)}};
}

KeyValues LimitRows(const v1::ScanLimits& l) {
  return {{"in_flight", CountOrDefault(l.targets_in_flight())},
          {"packets_per_second", l.packets_per_second() > 0 ? std::to_string(l.packets_per_second()) : "no limit"},
          {"timeout", ScanTimeoutText(l)},
          {"retries", CountOrDefault(l.retries())},
          {"probe_retries", l.has_probe_retries() ? std::to_string(l.probe_retries()) : "as retries"}};
}

namespace {
bool HasInterval(const v1::DiscoverySchedule& s) { return s.has_interval() && s.interval().seconds() > 0; }
}  // namespace

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
          {"protocols", Strings(s.protocols())},
          {"http_ports", Json(std::vector<int>(s.http_ports().begin(), s.http_ports().end()))},
          {"create_time", TimeOrNull(s.has_create_time(), s.create_time())},
          {"update_time", TimeOrNull(s.has_update_time(), s.update_time())},
          {"next_run_time", TimeOrNull(s.has_next_run_time(), s.next_run_time())},
          {"last_run_id", s.last_run_id()},
          {"etag", s.etag()}};
}

namespace {
Json ProgressJson(const v1::RunProgress& p) {
  return {{"targets_total", p.targets_total()}, {"targets_done", p.targets_done()}, {"responders", p.responders()},
          {"devices", p.devices()},             {"errors", p.errors()},             {"jobs_total", p.jobs_total()},
          {"jobs_done", p.jobs_done()}};
}
}  // namespace

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
          {"protocols", Strings(r.protocols())},
          {"http_ports", Json(std::vector<int>(r.http_ports().begin(), r.http_ports().end()))},
          {"progress", ProgressJson(r.progress())},
          {"requested_by", r.requested_by()},
          {"error", r.error()},
          {"create_time", TimeOrNull(r.has_create_time(), r.create_time())},
          {"start_time", TimeOrNull(r.has_start_time(), r.start_time())},
          {"end_time", TimeOrNull(r.has_end_time(), r.end_time())},
          {"marked_stale", r.marked_stale()}};
}

namespace {
// A target's HTTP endpoints, as TargetResultJson shows them.
Json EndpointsJson(const v1::TargetResult& t) {
  Json out = Json::array();
  for (const auto& e : t.endpoints()) {
    out.push_back({{"url", e.url()},
                   {"status", e.status()},
                   {"server", e.server()},
                   {"title", e.title()},
                   {"product", e.product()},
                   {"version", e.version()},
                   {"fingerprint", e.fingerprint()},
                   {"certificate_sha256", e.certificate_sha256()},
                   {"certificate_verified", e.certificate_verified()},
                   {"application_id", e.application_id()},
                   {"certificate_id", e.certificate_id()},
                   {"errors", Strings(e.errors())},
                   {"seconds", e.seconds()}});
  }
  return out;
}
}  // namespace

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
          {"reported_ids", Strings(t.reported_ids())},
          {"protocol", t.protocol()},
          {"endpoints", EndpointsJson(t)}};
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
  if (r.protocols_size() > 0) rows.emplace_back("protocols", Joined(r.protocols(), ", "));
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
  if (s.protocols_size() > 0) rows.emplace_back("protocols", Joined(s.protocols(), ", "));
  if (s.http_ports_size() > 0) {
    std::string ports;
    for (int p : s.http_ports()) ports += (ports.empty() ? "" : ", ") + std::to_string(p);
    rows.emplace_back("http_ports", ports);
  }
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

}  // namespace cmdbctl
