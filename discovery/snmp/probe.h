// The per-target state machine of the SNMP engine (internal to cmdb_snmp):
// which credential to try, which requests to send next, and what each answer
// means. Pure: no sockets, no clock, no net-snmp. The engine (engine.cc)
// sends what TakeRequests() asks for and feeds back what happened with
// OnEvent(); tests drive it with scripted events.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "snmp/engine.h"
#include "snmp/varbind.h"

namespace cmdb::discovery {

// One PDU to send. `token` names it in the event that answers it.
struct ProbeRequest {
  enum class Kind { kGet, kGetNext, kGetBulk };
  uint64_t token = 0;
  Kind kind = Kind::kGet;
  int credential = 0;  // index into the credential list; one session each
  SnmpCredential::Version version = SnmpCredential::Version::kV2c;  // kV1 for a v2c credential's fallback
  std::vector<Oid> oids;
  int max_repetitions = 0;  // kGetBulk
};

// What became of a request.
struct ProbeEvent {
  enum class Kind {
    kResponse,    // a Response PDU: error_status, error_index, varbinds
    kTimeout,     // no answer after every retry
    kRefused,     // a v3 Report: the agent refused the credential; `detail` says why
    kMalformed,   // the agent sent something that does not parse; ends the target
    kLocalError,  // the request could not be built or sent; `detail` says why
  };
  Kind kind = Kind::kResponse;
  int error_status = 0;
  int error_index = 0;
  std::vector<Varbind> varbinds;
  std::vector<std::string> value_problems;  // e.g. truncated or undecodable values
  std::string detail;                       // never a secret
};

class TargetProbe {
 public:
  // The three pointers must outlive the probe.
  TargetProbe(std::string address, const std::vector<SnmpCredential>* credentials, const WalkPlan* plan,
              const SnmpOptions* options);

  // The requests to send now (moves them out). Empty when waiting or done.
  std::vector<ProbeRequest> TakeRequests();
  // Feeds the fate of request `token`. Unknown or stale tokens are ignored,
  // except that kMalformed ends the target whatever the token.
  void OnEvent(uint64_t token, ProbeEvent event);
  // Ends the target now with `status` (CANCELLED, INVALID_ARGUMENT, ...).
  void Abort(absl::Status status);

  bool done() const { return phase_ == Phase::kDone; }
  // The credential being tried, or that answered: sessions of earlier
  // credentials are no longer needed.
  int credential() const { return credential_; }
  // While collecting: the version that answered (the other one's session,
  // kept for a v2c credential's v1 twin, is no longer needed).
  bool collecting() const { return phase_ == Phase::kCollect; }
  SnmpCredential::Version version() const { return version_; }
  int outstanding() const { return static_cast<int>(outstanding_.size()); }
  // True while request `token` still matters (it is awaited and not stale):
  // a request queued by the engine's rate limit that is no longer wanted is
  // dropped rather than sent.
  bool Wants(uint64_t token) const { return outstanding_.count(token) != 0; }
  const std::string& address() const { return address_; }

  // The result; call once, when done(). The engine fills in `pdus_sent`
  // and `seconds`, which it measures.
  TargetResult TakeResult();

 private:
  enum class Phase { kProbe, kCollect, kDone };
  enum class Purpose { kProbeMain, kProbeV1, kScalars, kSubtree };
  struct Pending {
    Purpose purpose;
    std::vector<Oid> oids;  // kScalars and the probes: what was asked
    int subtree = -1;       // kSubtree
    int max_repetitions = 0;
  };
  struct Subtree {
    Oid root;
    Oid cursor;
    bool busy = false;
    bool done = false;
    int max_repetitions = 0;
    bool grow = true;  // false once the agent said tooBig
    int64_t count = 0;
  };

  void StartCredential();
  void NextCredential();
  void OnProbeEvent(const Pending& pending, ProbeEvent event);
  void ResolveProbe();
  void BeginCollect(SnmpCredential::Version version, const ProbeEvent* probe_answer,
                    const std::vector<Oid>& probe_oids);
  void OnScalars(const Pending& pending, ProbeEvent event);
  void OnSubtree(const Pending& pending, ProbeEvent event);
  void Fill();
  bool Issue(ProbeRequest::Kind kind, SnmpCredential::Version version, Pending pending);
  void Store(Varbind vb);
  void NoteProblems(const std::vector<std::string>& problems);
  void NoteError(std::string text);
  void SetHardError(absl::Status status, bool stop);
  void Finish(absl::Status status);
  void MaybeFinishCollect();
  std::string CredName() const;

  std::string address_;
  const std::vector<SnmpCredential>& credentials_;
  const WalkPlan& plan_;
  const SnmpOptions& options_;

  Phase phase_ = Phase::kProbe;
  int credential_ = 0;
  SnmpCredential::Version version_ = SnmpCredential::Version::kV2c;
  uint64_t next_token_ = 1;
  int issued_ = 0;  // requests asked for, against max_pdus_per_target
  std::map<uint64_t, Pending> outstanding_;
  std::vector<ProbeRequest> to_send_;

  // Probe of the current credential: the main request and, for v2c, the v1
  // fallback sent alongside. Their outcomes are kept until both are known.
  std::vector<Oid> probe_oids_;
  uint64_t probe_main_token_ = 0, probe_v1_token_ = 0;
  std::optional<ProbeEvent> main_answer_, v1_answer_;
  bool main_resolved_ = false, v1_resolved_ = false;
  ProbeEvent::Kind main_kind_ = ProbeEvent::Kind::kTimeout;
  bool refused_ = false;  // some credential drew a refusal

  std::deque<std::vector<Oid>> scalar_chunks_;
  std::vector<Subtree> subtrees_;
  bool stopping_ = false;  // a hard limit: send nothing more

  TargetResult result_;
  std::vector<Varbind> collected_;
  absl::Status hard_error_;
  int dropped_errors_ = 0;
};

}  // namespace cmdb::discovery
