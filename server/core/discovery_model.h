// Domain types of discovery: credentials (their secrets only ever sealed),
// schedules, runs with their progress, leased jobs and per-target reports.
// Plain data; the api layer converts them to and from cmdb.v1 messages, the
// storage layer to and from rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace cmdb {

// As cmdb.v1.CredentialKind.
enum class CredentialKind { kSnmpV1 = 1, kSnmpV2c = 2, kSnmpV3 = 3, kHttpBasic = 4, kHttpBearer = 5 };

// What a run probes: its targets, once per protocol.
inline constexpr char kProtocolSnmp[] = "snmp";
inline constexpr char kProtocolHttp[] = "http";

// The secret fields of a credential. Never logged, never returned by a
// read; only sealed (encrypted) into storage and handed to a leased job.
struct CredentialSecret {
  std::string community;  // v1/v2c
  std::string auth_key;   // v3 authentication passphrase
  std::string priv_key;   // v3 privacy passphrase
  std::string password;   // HTTP basic
  std::string token;      // HTTP bearer
};

struct Credential {
  std::string name;
  CredentialKind kind = CredentialKind::kSnmpV2c;
  std::string description;
  std::string user;                   // v3 security name, HTTP basic user
  bool allow_unverified_tls = false;  // HTTP: sent even when the certificate does not verify
  int auth_protocol = 0;  // as cmdb.v1.SnmpAuthProtocol (0 none)
  int priv_protocol = 0;  // as cmdb.v1.SnmpPrivProtocol (0 none)
  bool has_secret = false;
  Micros created_at = 0, updated_at = 0;
};

// A credential with its secret, as a leased job carries it.
struct JobCredential {
  Credential credential;
  CredentialSecret secret;
};

// Per-run limits; 0 (or -1 for retries and probe_retries) takes the
// default (probe_retries: as retries).
struct ScanLimits {
  int targets_in_flight = 0;
  int packets_per_second = 0;
  int64_t timeout_ms = 0;
  int retries = -1;
  int probe_retries = -1;
};

struct Schedule {
  std::string name;
  std::string description;
  std::vector<std::string> targets, exclusions, credentials;
  std::optional<int64_t> interval_seconds;
  std::string cron;
  bool enabled = true;
  ScanLimits limits;
  std::vector<std::string> protocols;  // kProtocolSnmp, kProtocolHttp; empty: snmp
  std::vector<int> http_ports;         // empty: the default ports
  std::optional<Micros> next_run_at;
  std::string last_run_id;
  int64_t version = 0;
  Micros created_at = 0, updated_at = 0;
};

// As cmdb.v1.RunState.
enum class RunState { kQueued = 1, kRunning = 2, kSucceeded = 3, kFailed = 4, kCancelled = 5 };

// As cmdb.v1.TargetOutcome.
enum class TargetOutcome {
  kDiscovered = 1,
  kPartial = 2,
  kNoResponse = 3,
  kAuthFailed = 4,
  kError = 5,
  kCancelled = 6,
};

struct RunProgress {
  int targets_total = 0, targets_done = 0, responders = 0, devices = 0, errors = 0;
  int jobs_total = 0, jobs_done = 0;
};

struct Run {
  std::string id;
  std::string schedule;  // empty: ad hoc
  RunState state = RunState::kQueued;
  std::vector<std::string> targets, exclusions, credentials;
  ScanLimits limits;
  std::vector<std::string> protocols;
  std::vector<int> http_ports;
  std::string requested_by;
  std::string error;
  RunProgress progress;
  int marked_stale = 0;
  Micros created_at = 0;
  std::optional<Micros> started_at, ended_at;
};

// A job as a worker holds it.
struct JobLease {
  std::string id, run_id;
  int64_t lease_token = 0;
  std::vector<std::string> targets;  // not yet reported
  std::vector<JobCredential> credentials;
  ScanLimits limits;
  Micros lease_expires_at = 0;
  std::string protocol = kProtocolSnmp;
  std::vector<int> http_ports;
  std::vector<std::pair<std::string, std::string>> known_hosts;  // http: address -> device CI id
};

// One HTTP endpoint of an address, as the run log keeps it.
struct HttpEndpointReport {
  std::string url;
  int status = 0;
  std::string server, title, product, version, fingerprint;
  std::string certificate_sha256;
  bool certificate_verified = false;
  std::string application_id, certificate_id;
  std::vector<std::string> errors;
  double seconds = 0;
};

// What happened to one target.
struct TargetReport {
  std::string address;
  TargetOutcome outcome = TargetOutcome::kNoResponse;
  std::string credential, snmp_version, sys_object_id, sys_name, class_name, device_id;
  std::vector<std::string> errors;
  int varbinds = 0, requests = 0;
  double seconds = 0;
  std::string worker;
  Micros reported_at = 0;
  std::vector<std::string> reported_ids;  // input only: CIs the device's payload reported
  std::string protocol = kProtocolSnmp;   // output only: the job's
  std::vector<HttpEndpointReport> endpoints;
};

}  // namespace cmdb
