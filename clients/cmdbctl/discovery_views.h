// What the discovery commands share: the words, text and JSON of
// schedules, runs and run-log entries, the scan-limit flags, and list
// options. Private to commands_discovery*.cc.
#pragma once

#include <google/protobuf/duration.pb.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.h"
#include "cmdb/v1/discovery.pb.h"
#include "json_format.h"
#include "session.h"
#include "table.h"

namespace cmdbctl {

std::string StateText(v1::RunState state);

std::string OutcomeText(v1::TargetOutcome outcome);

// "no-response" or "no_response" (any case) -> TARGET_OUTCOME_NO_RESPONSE.
// Throws an INVALID_ARGUMENT Error naming `flag` (when not empty).
v1::TargetOutcome ParseOutcome(const std::string& word, const std::string& flag);

bool Ended(v1::RunState state);

// "45s", "3m05s", "2h03m".
std::string ElapsedText(int64_t seconds);

// A per-request timeout: "1s", "2m" (as ParseDuration) or "500ms".
google::protobuf::Duration ParseScanTimeout(const std::string& text, const std::string& flag);

// {"targets_in_flight", "packets_per_second", "timeout" ("500ms", "1s";
//  null when default), "timeout_ms", "retries", "probe_retries" (null when
//  unset: as retries)}; 0 means the default, except for probe_retries.
Json LimitsJson(const v1::ScanLimits& l);

KeyValues LimitRows(const v1::ScanLimits& l);

// "every 1h", "cron 0 3 * * *" or "manual".
std::string WhenText(const v1::DiscoverySchedule& s);

// {"name", "description", "targets", "exclusions", "credentials",
//  "interval" (as DurationText, null when none), "interval_seconds", "cron",
//  "enabled", "limits", "create_time", "update_time", "next_run_time" (null
//  when not scheduled), "last_run_id", "etag"}.
Json ScheduleJson(const v1::DiscoverySchedule& s);

// {"id", "schedule", "state", "targets", "exclusions", "credentials",
//  "limits", "progress": {"targets_total", "targets_done", "responders",
//  "devices", "errors", "jobs_total", "jobs_done"}, "requested_by", "error",
//  "create_time", "start_time", "end_time" (null until then), "marked_stale"}.
Json RunJson(const v1::DiscoveryRun& r);

// {"address", "outcome", "credential", "snmp_version", "sys_object_id",
//  "sys_name", "class", "device_id", "errors", "varbinds", "requests",
//  "seconds", "worker", "time", "reported_ids"}.
Json TargetResultJson(const v1::TargetResult& t);

// How long the run took (or has taken by its last update): "" before it
// started.
std::string RunElapsed(const v1::DiscoveryRun& r);

// "running  targets 120/254  responders 37  devices 35  errors 1".
std::string ProgressText(const v1::DiscoveryRun& r);

void PrintRun(const Session& session, const v1::DiscoveryRun& r);

void PrintSchedule(const Session& session, const v1::DiscoverySchedule& s);

// The values of a repeatable list flag without empty ones (`--exclude ""`
// clears the list on update).
std::vector<std::string> NonEmpty(const std::vector<std::string>& values);

// A repeatable option taking one or more values per occurrence, also
// comma-separated ("--target 10.0.0.0/24 10.0.1.0/24", "--target a,b").
CLI::Option* AddListOption(CLI::App* cmd, const std::string& name, std::vector<std::string>* values,
                           const std::string& help);

// The --timeout/--retries/--probe-retries/--in-flight/--pps flags of runs
// and schedules.
struct LimitFlags {
  std::optional<std::string> timeout;
  std::optional<int32_t> retries, probe_retries, in_flight, pps;

  bool any() const { return timeout || retries || probe_retries || in_flight || pps; }

  // `timeout_names` is "--timeout,--snmp-timeout" or "--snmp-timeout".
  void AddTo(CLI::App* cmd, const std::string& timeout_names) {
    cmd->add_option(timeout_names, timeout, "SNMP request timeout, e.g. 500ms or 2s (default 2s)")
        ->check(Checking("DURATION", [](const std::string& t) { ParseScanTimeout(t, ""); }));
    cmd->add_option("--retries", retries, "Retries per SNMP request (0: the default, 2)")->check(CLI::Range(0, 10));
    cmd->add_option("--probe-retries", probe_retries,
                    "Retries of a probe to an address that has not answered yet (default: as --retries; 0: one "
                    "probe per credential, cheapest on sparse ranges)")
        ->check(CLI::Range(0, 10));
    cmd->add_option("--in-flight", in_flight, "Targets scanned at once per worker (0: the default, 256)")
        ->check(CLI::Range(0, 4096));
    cmd->add_option("--pps", pps, "SNMP packets per second per worker (0: no limit)")->check(CLI::NonNegativeNumber);
  }

  // Sets the limits given on `out`, keeping the others.
  void ApplyTo(v1::ScanLimits* out, const std::string& timeout_flag) const {
    if (timeout) *out->mutable_timeout() = ParseScanTimeout(*timeout, timeout_flag);
    if (retries) out->set_retries(*retries);
    if (probe_retries) out->set_probe_retries(*probe_retries);
    if (in_flight) out->set_targets_in_flight(*in_flight);
    if (pps) out->set_packets_per_second(*pps);
  }
};

}  // namespace cmdbctl
