// Discovery use cases: credentials, schedules, runs and the scheduler's
// tick; the worker protocol is in discovery_jobs.cc. Every time (leases,
// run ends, staleness) comes from the injected clock, so tests control
// lease expiry.
#include "service/discovery_service.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/discovery.h"
#include "core/normalize.h"
#include "core/page_token.h"
#include "core/request_checks.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/discovery_store.h"
#include "service/discovery_internal.h"

namespace cmdb {
namespace discovery_internal {

std::shared_ptr<spdlog::logger> Log() {
  static auto logger = [] {
    auto l = spdlog::get("discovery");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

}  // namespace discovery_internal

namespace {

using discovery_internal::kMicrosPerSecond;
using discovery_internal::Log;

absl::Status CheckCredential(const Credential& c, const CredentialSecret& secret) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(c.name, "credential.name"));
  if (c.description.size() > 1024) return FieldError("credential.description", "longer than 1024 characters");
  switch (c.kind) {
    case CredentialKind::kSnmpV1:
    case CredentialKind::kSnmpV2c:
      if (secret.community.empty()) return FieldError("credential.community", "required for SNMP v1/v2c");
      if (secret.community.size() > 255) return FieldError("credential.community", "longer than 255 bytes");
      if (!c.user.empty() || !secret.auth_key.empty() || !secret.priv_key.empty() || c.auth_protocol != 0 ||
          c.priv_protocol != 0) {
        return FieldError("credential.user", "v3 fields are not used by SNMP v1/v2c credentials");
      }
      return absl::OkStatus();
    case CredentialKind::kSnmpV3:
      if (c.user.empty() || c.user.size() > 32) return FieldError("credential.user", "required, at most 32 bytes");
      if (!secret.community.empty()) return FieldError("credential.community", "not used by SNMPv3 credentials");
      if (c.auth_protocol < 0 || c.auth_protocol > 6) return FieldError("credential.auth_protocol", "unknown");
      if (c.priv_protocol < 0 || c.priv_protocol > 4) return FieldError("credential.priv_protocol", "unknown");
      if (c.auth_protocol != 0 && (secret.auth_key.size() < 8 || secret.auth_key.size() > 255)) {
        return FieldError("credential.auth_key", "8 to 255 bytes when an authentication protocol is set");
      }
      if (c.auth_protocol == 0 && !secret.auth_key.empty()) {
        return FieldError("credential.auth_key", "given without an authentication protocol");
      }
      if (c.priv_protocol != 0 && c.auth_protocol == 0) {
        return FieldError("credential.priv_protocol", "privacy needs an authentication protocol");
      }
      if (c.priv_protocol != 0 && (secret.priv_key.size() < 8 || secret.priv_key.size() > 255)) {
        return FieldError("credential.priv_key", "8 to 255 bytes when a privacy protocol is set");
      }
      if (c.priv_protocol == 0 && !secret.priv_key.empty()) {
        return FieldError("credential.priv_key", "given without a privacy protocol");
      }
      return absl::OkStatus();
    case CredentialKind::kHttpBasic:
    case CredentialKind::kHttpBearer: {
      const bool basic = c.kind == CredentialKind::kHttpBasic;
      if (!secret.community.empty() || !secret.auth_key.empty() || !secret.priv_key.empty() || c.auth_protocol != 0 ||
          c.priv_protocol != 0) {
        return FieldError("credential.community", "SNMP fields are not used by HTTP credentials");
      }
      if (basic) {
        if (c.user.empty() || c.user.size() > 255) return FieldError("credential.user", "required, at most 255 bytes");
        if (c.user.find(':') != std::string::npos) return FieldError("credential.user", "must not contain ':'");
        if (secret.password.empty() || secret.password.size() > 1024) {
          return FieldError("credential.password", "required for HTTP basic, at most 1024 bytes");
        }
        if (!secret.token.empty()) return FieldError("credential.token", "not used by HTTP basic credentials");
      } else {
        if (secret.token.empty() || secret.token.size() > 8192) {
          return FieldError("credential.token", "required for HTTP bearer, at most 8192 bytes");
        }
        if (!c.user.empty() || !secret.password.empty()) {
          return FieldError("credential.password", "not used by HTTP bearer credentials");
        }
      }
      for (const std::string* v : {&c.user, &secret.password, &secret.token}) {
        if (std::any_of(v->begin(), v->end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; })) {
          return FieldError(v == &c.user ? "credential.user"
                            : basic      ? "credential.password"
                                         : "credential.token",
                            "contains a control character");
        }
      }
      return absl::OkStatus();
    }
  }
  return FieldError("credential.kind", "required: SNMP v1, v2c, v3, HTTP basic or HTTP bearer");
}

std::string SecretJson(const CredentialSecret& s) {
  return nlohmann::json{{"community", s.community},
                        {"auth_key", s.auth_key},
                        {"priv_key", s.priv_key},
                        {"password", s.password},
                        {"token", s.token}}
      .dump();
}

// Protocols and HTTP ports of a schedule or run, checked and put in their
// canonical form (protocols in the order snmp, http; ports ascending).
absl::Status CheckProtocols(std::vector<std::string>& protocols, std::vector<int>& ports, std::string_view prefix) {
  if (protocols.empty()) protocols = {kProtocolSnmp};
  std::set<std::string> seen;
  for (size_t i = 0; i < protocols.size(); ++i) {
    if (protocols[i] != kProtocolSnmp && protocols[i] != kProtocolHttp) {
      return FieldError(StrCat(prefix, "protocols[", i, "]"), StrCat("\"", protocols[i], "\": use snmp or http"));
    }
    if (!seen.insert(protocols[i]).second) {
      return FieldError(StrCat(prefix, "protocols[", i, "]"), StrCat("\"", protocols[i], "\" is listed twice"));
    }
  }
  protocols.clear();
  for (const char* p : {kProtocolSnmp, kProtocolHttp}) {
    if (seen.contains(p)) protocols.emplace_back(p);
  }
  if (ports.size() > 32) return FieldError(StrCat(prefix, "http_ports"), "at most 32 ports");
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i] < 1 || ports[i] > 65535) return FieldError(StrCat(prefix, "http_ports[", i, "]"), "1 to 65535");
  }
  std::sort(ports.begin(), ports.end());
  if (std::adjacent_find(ports.begin(), ports.end()) != ports.end()) {
    return FieldError(StrCat(prefix, "http_ports"), "a port is listed twice");
  }
  if (!ports.empty() && !seen.contains(kProtocolHttp)) {
    return FieldError(StrCat(prefix, "http_ports"), "given without the http protocol");
  }
  return absl::OkStatus();
}

absl::Status CheckLimits(const ScanLimits& l, std::string_view field) {
  if (l.targets_in_flight < 0 || l.targets_in_flight > 4096) {
    return FieldError(StrCat(field, ".targets_in_flight"), "0 to 4096");
  }
  if (l.packets_per_second < 0) return FieldError(StrCat(field, ".packets_per_second"), "must not be negative");
  if (l.timeout_ms < 0 || l.timeout_ms > 60'000) return FieldError(StrCat(field, ".timeout"), "0 to 60 s");
  if (l.retries > 10) return FieldError(StrCat(field, ".retries"), "at most 10");
  if (l.probe_retries < -1 || l.probe_retries > 10) return FieldError(StrCat(field, ".probe_retries"), "0 to 10");
  return absl::OkStatus();
}

// Checks targets, exclusions and credential names (existence is checked
// against the database by the caller). Returns the expanded addresses.
absl::StatusOr<std::vector<std::string>> CheckScope(const std::vector<std::string>& targets,
                                                    const std::vector<std::string>& exclusions,
                                                    const std::vector<std::string>& credentials,
                                                    const std::vector<std::string>& protocols, std::string_view prefix,
                                                    size_t max_targets) {
  auto expanded = ExpandTargets(targets, exclusions, max_targets);
  if (!expanded.ok()) return Prefixed(expanded.status(), prefix);
  // HTTP needs no credential (what answers without one is found).
  if (credentials.empty() && std::find(protocols.begin(), protocols.end(), kProtocolSnmp) != protocols.end()) {
    return FieldError(StrCat(prefix, "credentials"), "at least one credential is required for snmp");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < credentials.size(); ++i) {
    CMDB_RETURN_IF_ERROR(CheckResourceName(credentials[i], StrCat(prefix, "credentials[", i, "]")));
    if (!seen.insert(credentials[i]).second) {
      return FieldError(StrCat(prefix, "credentials[", i, "]"), StrCat("\"", credentials[i], "\" is listed twice"));
    }
  }
  return expanded;
}

absl::Status CheckCredentialsExist(db::Tx& tx, const std::vector<std::string>& names, std::string_view prefix) {
  auto found = db::GetSealedCredentials(tx, names);
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::none_of(found.begin(), found.end(),
                     [&](const db::SealedCredential& c) { return c.credential.name == names[i]; })) {
      return absl::NotFoundError(StrCat(prefix, "credentials[", i, "]: no credential named \"", names[i], "\""));
    }
  }
  return absl::OkStatus();
}

// When a schedule runs next after `after`; nullopt when it only runs by hand.
absl::StatusOr<std::optional<Micros>> NextRun(const Schedule& s, Micros after) {
  if (!s.enabled) return std::optional<Micros>();
  if (s.interval_seconds) return std::optional<Micros>(after + *s.interval_seconds * kMicrosPerSecond);
  if (!s.cron.empty()) {
    CMDB_ASSIGN_OR_RETURN(CronSchedule cron, CronSchedule::Parse(s.cron));
    return cron.Next(after);
  }
  return std::optional<Micros>();
}

absl::Status CheckSchedule(Schedule& s, size_t max_targets) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(s.name, "schedule.name"));
  CMDB_RETURN_IF_ERROR(CheckProtocols(s.protocols, s.http_ports, "schedule."));
  if (s.description.size() > 1024) return FieldError("schedule.description", "longer than 1024 characters");
  CMDB_RETURN_IF_ERROR(
      CheckScope(s.targets, s.exclusions, s.credentials, s.protocols, "schedule.", max_targets).status());
  if (s.interval_seconds && !s.cron.empty()) return FieldError("schedule.cron", "give an interval or a cron expression, not both");
  if (s.interval_seconds && *s.interval_seconds < 60) return FieldError("schedule.interval", "at least 60 s");
  if (!s.cron.empty()) {
    auto cron = CronSchedule::Parse(s.cron);
    if (!cron.ok()) return Prefixed(cron.status(), "schedule.");
  }
  return CheckLimits(s.limits, "schedule.limits");
}

}  // namespace

DiscoveryService::DiscoveryService(db::Database& db, const Clock& clock, const SecretBox* secrets,
                                   DiscoveryOptions options)
    : db_(db), clock_(clock), secrets_(secrets), options_(std::move(options)) {}

// --- Credentials ---------------------------------------------------------------

absl::StatusOr<Credential> DiscoveryService::CreateCredential(const Credential& credential,
                                                              const CredentialSecret& secret, bool replace) {
  CMDB_RETURN_IF_ERROR(CheckCredential(credential, secret));
  if (secrets_ == nullptr) {
    return absl::FailedPreconditionError(
        "no secret key is configured (--secret-key-file): credentials cannot be stored");
  }
  db::SealedCredential row;
  row.credential = credential;
  CMDB_ASSIGN_OR_RETURN(row.sealed, secrets_->Seal(SecretJson(secret), credential.name));
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  Credential out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    if (!db::PutCredential(tx, row, replace)) {
      return absl::AlreadyExistsError(
          StrCat("credential.name: a credential named \"", credential.name, "\" exists (set replace to overwrite it)"));
    }
    auto stored = db::GetSealedCredentials(tx, {credential.name});
    if (stored.empty()) return absl::InternalError("credential vanished after writing it");
    out = stored.front().credential;
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  Log()->info("credential {} {}", credential.name, replace ? "stored (replace)" : "created");
  return out;
}

absl::StatusOr<std::vector<Credential>> DiscoveryService::ListCredentials() {
  std::vector<Credential> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::ListCredentials(tx);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status DiscoveryService::DeleteCredential(const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(name, "name"));
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  return db_.Write(context, [&](db::Tx& tx) -> absl::Status {
              auto users = db::SchedulesUsingCredential(tx, name);
              if (!users.empty()) {
                return absl::FailedPreconditionError(
                    StrCat("credential \"", name, "\" is used by schedule(s) ", Join(users, ", ")));
              }
              if (!db::DeleteCredential(tx, name)) return absl::NotFoundError(StrCat("no credential named \"", name, "\""));
              return absl::OkStatus();
            })
      .status();
}

// --- Schedules -------------------------------------------------------------------

absl::StatusOr<Schedule> DiscoveryService::CreateSchedule(Schedule schedule) {
  CMDB_RETURN_IF_ERROR(CheckSchedule(schedule, options_.max_targets_per_run));
  CMDB_ASSIGN_OR_RETURN(schedule.next_run_at, NextRun(schedule, clock_.Now()));
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  Schedule out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_RETURN_IF_ERROR(CheckCredentialsExist(tx, schedule.credentials, "schedule."));
    if (!db::InsertSchedule(tx, schedule)) {
      return absl::AlreadyExistsError(StrCat("schedule.name: a schedule named \"", schedule.name, "\" exists"));
    }
    out = *db::GetSchedule(tx, schedule.name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return out;
}

absl::StatusOr<Schedule> DiscoveryService::GetSchedule(const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(name, "name"));
  std::optional<Schedule> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::GetSchedule(tx, name);
    return absl::OkStatus();
  }));
  if (!out) return absl::NotFoundError(StrCat("no schedule named \"", name, "\""));
  return *out;
}

absl::StatusOr<std::vector<Schedule>> DiscoveryService::ListSchedules() {
  std::vector<Schedule> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::ListSchedules(tx);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Schedule> DiscoveryService::UpdateSchedule(const Schedule& patch, const std::vector<std::string>& mask,
                                                          const std::string& etag) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(patch.name, "schedule.name"));
  static const std::set<std::string> kFields = {"description", "targets", "exclusions", "credentials", "interval",
                                                "cron",        "enabled", "limits",     "protocols",   "http_ports"};
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!kFields.contains(mask[i])) {
      return FieldError(StrCat("update_mask.paths[", i, "]"), StrCat("\"", mask[i], "\" cannot be updated"));
    }
  }
  auto wants = [&](const char* field) { return mask.empty() || std::find(mask.begin(), mask.end(), field) != mask.end(); };
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  Schedule out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    auto current = db::GetSchedule(tx, patch.name, /*lock=*/true);
    if (!current) return absl::NotFoundError(StrCat("no schedule named \"", patch.name, "\""));
    CMDB_RETURN_IF_ERROR(CheckEtag(etag, current->version, StrCat("schedule ", patch.name)));
    Schedule s = *current;
    if (wants("description")) s.description = patch.description;
    if (wants("targets")) s.targets = patch.targets;
    if (wants("exclusions")) s.exclusions = patch.exclusions;
    if (wants("credentials")) s.credentials = patch.credentials;
    if (wants("interval")) s.interval_seconds = patch.interval_seconds;
    if (wants("cron")) s.cron = patch.cron;
    if (wants("enabled")) s.enabled = patch.enabled;
    if (wants("limits")) s.limits = patch.limits;
    if (wants("protocols")) s.protocols = patch.protocols;
    if (wants("http_ports")) s.http_ports = patch.http_ports;
    CMDB_RETURN_IF_ERROR(CheckSchedule(s, options_.max_targets_per_run));
    CMDB_RETURN_IF_ERROR(CheckCredentialsExist(tx, s.credentials, "schedule."));
    CMDB_ASSIGN_OR_RETURN(s.next_run_at, NextRun(s, clock_.Now()));
    db::UpdateSchedule(tx, s);
    out = *db::GetSchedule(tx, s.name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return out;
}

absl::Status DiscoveryService::DeleteSchedule(const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckResourceName(name, "name"));
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  return db_.Write(context, [&](db::Tx& tx) -> absl::Status {
              if (!db::DeleteSchedule(tx, name)) return absl::NotFoundError(StrCat("no schedule named \"", name, "\""));
              return absl::OkStatus();
            })
      .status();
}

// --- Runs --------------------------------------------------------------------------

absl::StatusOr<Run> DiscoveryService::CreateRun(db::Tx& tx, Run run) {
  const std::string prefix = run.schedule.empty() ? "" : "schedule.";
  CMDB_RETURN_IF_ERROR(CheckProtocols(run.protocols, run.http_ports, prefix));
  CMDB_ASSIGN_OR_RETURN(
      std::vector<std::string> addresses,
      CheckScope(run.targets, run.exclusions, run.credentials, run.protocols, prefix, options_.max_targets_per_run));
  CMDB_RETURN_IF_ERROR(CheckLimits(run.limits, "limits"));
  CMDB_RETURN_IF_ERROR(CheckCredentialsExist(tx, run.credentials, prefix));
  run.id = NewUuid();
  run.state = RunState::kQueued;
  // One target per address and protocol: each is scanned and logged apart.
  run.progress.targets_total = static_cast<int>(addresses.size() * run.protocols.size());
  std::vector<db::NewJob> jobs;
  for (const std::string& protocol : run.protocols) {
    for (auto& chunk : ChunkTargets(addresses, options_.job_size)) jobs.push_back({protocol, std::move(chunk)});
  }
  if (!db::InsertRun(tx, run, jobs)) {
    return absl::FailedPreconditionError(StrCat("schedule \"", run.schedule, "\" already has a run queued or running"));
  }
  if (jobs.empty()) {
    // Everything was excluded: the run is trivially complete.
    db::FinishRunIfDone(tx, run.id, clock_.Now());
  }
  auto stored = db::GetRun(tx, run.id);
  if (!stored) return absl::InternalError("run vanished after writing it");
  Log()->info("run {} queued: {} addresses ({}) in {} jobs{}", run.id, addresses.size(), Join(run.protocols, ", "),
              jobs.size(), run.schedule.empty() ? "" : StrCat(" (schedule ", run.schedule, ")"));
  return *stored;
}

absl::StatusOr<Run> DiscoveryService::StartRun(const std::string& schedule, const Run& adhoc, const std::string& actor) {
  WriteContext context{.actor = actor, .source = std::string(kManualSource)};
  Run out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    Run run;
    if (!schedule.empty()) {
      CMDB_RETURN_IF_ERROR(CheckResourceName(schedule, "schedule"));
      auto s = db::GetSchedule(tx, schedule, /*lock=*/true);
      if (!s) return absl::NotFoundError(StrCat("no schedule named \"", schedule, "\""));
      run.schedule = s->name;
      run.targets = s->targets;
      run.exclusions = s->exclusions;
      run.credentials = s->credentials;
      run.limits = s->limits;
      run.protocols = s->protocols;
      run.http_ports = s->http_ports;
    } else {
      run = adhoc;
      run.schedule.clear();
    }
    run.requested_by = actor;
    CMDB_ASSIGN_OR_RETURN(out, CreateRun(tx, std::move(run)));
    if (!schedule.empty()) db::SetScheduleRun(tx, schedule, db::GetSchedule(tx, schedule)->next_run_at, out.id);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return out;
}

absl::StatusOr<Run> DiscoveryService::GetRun(const std::string& id) {
  CMDB_RETURN_IF_ERROR(CheckId(id, "id"));
  std::optional<Run> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::GetRun(tx, id);
    return absl::OkStatus();
  }));
  if (!out) return absl::NotFoundError(StrCat("no run with id ", id));
  return *out;
}

absl::StatusOr<RunPage> DiscoveryService::ListRuns(const std::string& schedule, int page_size,
                                                   const std::string& page_token) {
  if (!schedule.empty()) CMDB_RETURN_IF_ERROR(CheckResourceName(schedule, "schedule"));
  if (page_size < 0) return FieldError("page_size", "must not be negative");
  const int limit = page_size == 0 ? 50 : std::min(page_size, 1000);
  const std::string fingerprint = RequestFingerprint({"runs", schedule});
  std::optional<Micros> after_created;
  std::string after_id;
  if (!page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json state, DecodePageToken(page_token));
    if (!state.is_object() || TokenString(state, "f") != fingerprint || !state.contains("t") ||
        !state["t"].is_number_integer() || !state.contains("id") || !state["id"].is_string() ||
        !IsUuid(state["id"].get<std::string>())) {
      return FieldError("page_token", "not a token of this listing");
    }
    after_created = state["t"].get<int64_t>();
    after_id = state["id"].get<std::string>();
  }
  RunPage page;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    page.runs = db::ListRuns(tx, schedule, after_created, after_id, limit + 1);
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.runs.size()) > limit) {
    page.runs.resize(limit);
    page.next_page_token =
        EncodePageToken({{"f", fingerprint}, {"t", page.runs.back().created_at}, {"id", page.runs.back().id}});
  }
  return page;
}

absl::StatusOr<Run> DiscoveryService::CancelRun(const std::string& id) {
  CMDB_RETURN_IF_ERROR(CheckId(id, "id"));
  WriteContext context{.actor = "discovery", .source = std::string(kManualSource)};
  Run out;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    auto run = db::GetRun(tx, id);
    if (!run) return absl::NotFoundError(StrCat("no run with id ", id));
    if (!db::CancelRun(tx, id, clock_.Now())) {
      return absl::FailedPreconditionError(StrCat("run ", id, " has already ended"));
    }
    out = *db::GetRun(tx, id);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  Log()->info("run {} cancelled", id);
  return out;
}

absl::StatusOr<RunLogPage> DiscoveryService::ListRunLog(const std::string& run_id, const std::vector<int>& outcomes,
                                                        int page_size, const std::string& page_token) {
  CMDB_RETURN_IF_ERROR(CheckId(run_id, "run_id"));
  if (page_size < 0) return FieldError("page_size", "must not be negative");
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i] < 1 || outcomes[i] > 6) return FieldError(StrCat("outcomes[", i, "]"), "unknown outcome");
  }
  const int limit = page_size == 0 ? 500 : std::min(page_size, 5000);
  std::string outcome_text;
  for (int o : outcomes) outcome_text += StrCat(o, ",");
  const std::string fingerprint = RequestFingerprint({"log", run_id, outcome_text});
  std::string after, after_protocol;
  if (!page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json state, DecodePageToken(page_token));
    if (!state.is_object() || TokenString(state, "f") != fingerprint || !state.contains("a") ||
        !state["a"].is_string() || !NormalizeIp(state["a"].get<std::string>())) {
      return FieldError("page_token", "not a token of this listing");
    }
    after = state["a"].get<std::string>();
    after_protocol = TokenString(state, "p");
  }
  RunLogPage page;
  bool found = false;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    found = db::GetRun(tx, run_id).has_value();
    if (found) page.entries = db::ListRunLog(tx, run_id, after, after_protocol, outcomes, limit + 1);
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError(StrCat("no run with id ", run_id));
  if (static_cast<int>(page.entries.size()) > limit) {
    page.entries.resize(limit);
    page.next_page_token =
        EncodePageToken({{"f", fingerprint}, {"a", page.entries.back().address}, {"p", page.entries.back().protocol}});
  }
  return page;
}

// --- Scheduler ---------------------------------------------------------------------

absl::Status DiscoveryService::Tick() {
  WriteContext context{.actor = "scheduler", .source = std::string(kManualSource)};
  const Micros now = clock_.Now();
  // Jobs given up, and the runs that thereby end.
  CMDB_RETURN_IF_ERROR(db_.Write(context, [&](db::Tx& tx) -> absl::Status {
                            auto runs = db::FailAbandonedJobs(tx, now, options_.max_job_attempts);
                            std::sort(runs.begin(), runs.end());
                            runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
                            for (const auto& run : runs) CMDB_RETURN_IF_ERROR(EndRunIfDone(tx, run));
                            return absl::OkStatus();
                          })
                           .status());
  // Due schedules.
  CMDB_RETURN_IF_ERROR(db_.Write(context, [&](db::Tx& tx) -> absl::Status {
                            for (const Schedule& s : db::LockDueSchedules(tx, now)) {
                              Run run;
                              run.schedule = s.name;
                              run.targets = s.targets;
                              run.exclusions = s.exclusions;
                              run.credentials = s.credentials;
                              run.limits = s.limits;
                              run.protocols = s.protocols;
                              run.http_ports = s.http_ports;
                              run.requested_by = "scheduler";
                              auto next = NextRun(s, now);
                              std::optional<Micros> next_at = next.ok() ? *next : std::nullopt;
                              auto created = CreateRun(tx, std::move(run));
                              if (created.ok()) {
                                db::SetScheduleRun(tx, s.name, next_at, created->id);
                              } else {
                                // Still running, or no longer valid (a credential
                                // deleted): try again at the next slot.
                                Log()->warn("schedule {}: run not started: {}", s.name, std::string(created.status().message()));
                                db::SetScheduleRun(tx, s.name, next_at, "");
                              }
                            }
                            return absl::OkStatus();
                          })
                           .status());
  // Retention.
  return db_.Write(context, [&](db::Tx& tx) -> absl::Status {
              const int64_t pruned =
                  db::PruneRuns(tx, now - options_.retention_days * 24 * 3600 * kMicrosPerSecond);
              if (pruned > 0) Log()->info("pruned {} discovery runs older than {} days", pruned, options_.retention_days);
              return absl::OkStatus();
            })
      .status();
}

}  // namespace cmdb
