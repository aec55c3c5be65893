// The SNMP engine of the discovery worker: sweeps many addresses on one
// thread, finds for each the first credential that an agent answers, and
// collects a plan (scalars by GET, subtrees by GETBULK, or GETNEXT for v1)
// from every responder. Its output is independent of net-snmp (varbind.h);
// net-snmp stays inside engine.cc.
//
// Errors are reported per target, as a status and human text that never
// contains a community string or a key (credentials are named by their `id`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "snmp/varbind.h"

namespace cmdb::discovery {

// One credential to try. `id` names it in errors and logs; the secrets
// (`community`, `auth_key`, `priv_key`) never leave the engine.
struct SnmpCredential {
  enum class Version { kV1, kV2c, kV3 };
  enum class Auth { kNone, kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };
  enum class Priv { kNone, kDes, kAes128, kAes192, kAes256 };

  Version version = Version::kV2c;
  std::string id;
  std::string community;  // v1, v2c
  std::string user;       // v3 (USM security name)
  Auth auth = Auth::kNone;
  std::string auth_key;   // v3 passphrase (at least 8 characters), localized per agent
  Priv priv = Priv::kNone;
  std::string priv_key;   // v3 passphrase
};

// Limits and timing. Every field has a usable default.
struct SnmpOptions {
  int timeout_ms = 1000;                 // per request, before a retry
  int retries = 1;                       // resends after the first timeout
  // Resends of a request to an address that has not answered anything yet
  // (the credential probes of a sweep, v3 engine discovery included); once
  // any SNMP message came back from it, `retries` applies. -1 = `retries`.
  // 0 sweeps a sparse range with one PDU per credential and version per
  // silent address, as onesixtyone does, at the risk of missing an agent
  // whose one answer was lost.
  int probe_retries = -1;
  int max_repetitions = 25;              // GETBULK, first request of each walk
  // A walk whose answers come back full (as many varbinds as asked, all in
  // the subtree) doubles its GETBULK size, up to max_repetitions times this;
  // an agent that cannot fit them sends fewer or tooBig (then the size halves
  // and stays). 1 = fixed size.
  int max_repetitions_growth = 4;
  int max_in_flight = 256;               // targets with open sessions at once
  int max_requests_per_target = 4;       // PDUs outstanding to one agent (parallel subtrees)
  // Collection requests (walks and scalar GETs, not the credential probes)
  // outstanding over the whole run; more wait in line. Keeps a busy agent
  // (or one process serving many addresses) from queueing answers past the
  // timeout. 0 = no limit.
  int max_collect_requests_in_flight = 64;
  int max_varbinds_per_target = 200000;  // walks stop there (RESOURCE_EXHAUSTED)
  size_t max_value_bytes = 65535;        // longer values are truncated (and the target notes it)
  int max_pdus_per_target = 20000;       // requests per target, resends not counted
  uint16_t port = 161;
  bool v1_fallback = true;               // a v2c credential is also tried as v1, in parallel
  // PDUs put on the wire per second over the whole run, requests, resends and
  // v3 engine discovery alike; 0 = no limit. A token bucket holding at most
  // max(1, packets_per_second / 50) tokens: a request waits for a token (its
  // timeout starts when it is sent), so a sweep never goes faster.
  int packets_per_second = 0;
};

// What to collect from every responder. sysObjectID.0, sysDescr.0 and
// sysUpTime.0 are always collected (they are the probe).
struct WalkPlan {
  std::vector<Oid> scalars;   // GET
  std::vector<Oid> subtrees;  // walked; several at once per target
};

// The outcome for one address.
//
// `status`:
//   OK                  a credential worked and the plan was collected (a
//                       subtree or scalar that timed out or drew an agent
//                       error is named in `errors`, the rest is kept);
//   DEADLINE_EXCEEDED   nothing answered with any credential;
//   PERMISSION_DENIED   an agent answered but refused every credential
//                       (v3 authentication failure, unknown user, ...);
//   RESOURCE_EXHAUSTED  the walk hit max_varbinds_per_target or
//                       max_pdus_per_target (what was collected is kept);
//   DATA_LOSS           the agent sent something malformed or a walk looped
//                       (OID not increasing); what was collected is kept;
//   CANCELLED           the run was cancelled before the target finished;
//   INVALID_ARGUMENT    the address or a credential cannot be used.
struct TargetResult {
  std::string address;
  bool responded = false;      // some SNMP message came back (even a refusal)
  std::string credential_id;   // the credential that worked, empty if none
  int version_used = 0;        // 1, 2 (v2c) or 3; 0 if none worked
  DeviceWalk walk;
  std::vector<std::string> errors;  // per credential / subtree, human text, no secrets
  absl::Status status;
  int pdus_sent = 0;           // requests put on the wire, resends included
  int varbinds = 0;            // varbinds received
  double seconds = 0;          // from the first request to the end
};

// Sweeps addresses with net-snmp's single-session API, driven by one poll
// loop on the calling thread: a state machine per target, no thread per
// target. net-snmp keeps process-wide state (the USM user table), so runs
// of all engines in a process are serialized: a second Run waits.
class SnmpEngine {
 public:
  struct Stats {
    int64_t pdus_sent = 0;          // resends included
    int64_t varbinds_received = 0;
    int64_t timeouts = 0;           // requests that got no answer after all retries
  };

  SnmpEngine();
  ~SnmpEngine();
  SnmpEngine(const SnmpEngine&) = delete;
  SnmpEngine& operator=(const SnmpEngine&) = delete;

  // Sweeps `addresses` (IPv4 or IPv6 literals, no port: options.port is
  // used), at most options.max_in_flight at once. Per target, the
  // credentials are tried in order (each costs at most one timeout ×
  // (retries + 1) on a dead address); the first that answers collects
  // `plan`. Calls on_done exactly once per address, on this thread, as each
  // finishes. Returns when all are done, or soon after `cancelled` returns
  // true (checked at least every 50 ms); then every unfinished target is
  // reported with CANCELLED.
  void Run(const std::vector<std::string>& addresses, const std::vector<SnmpCredential>& credentials,
           const WalkPlan& plan, const SnmpOptions& options,
           const std::function<void(TargetResult)>& on_done,
           const std::function<bool()>& cancelled = {});

  // Totals over every Run of this engine.
  Stats stats() const { return stats_; }

 private:
  Stats stats_;
};

}  // namespace cmdb::discovery
