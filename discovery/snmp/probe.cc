// TargetProbe: credentials in order, then scalars by GET and subtrees by
// GETBULK/GETNEXT, several at once, within the target's limits.
#include "snmp/probe.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cmdb::discovery {
namespace {

constexpr size_t kMaxOidsPerGet = 30;
constexpr size_t kMaxErrors = 100;
constexpr int kTooBig = 1;
constexpr int kNoSuchName = 2;

const Oid& SysDescr() {
  static const Oid oid{{1, 3, 6, 1, 2, 1, 1, 1, 0}};
  return oid;
}
const Oid& SysObjectId() {
  static const Oid oid{{1, 3, 6, 1, 2, 1, 1, 2, 0}};
  return oid;
}
const Oid& SysUpTime() {
  static const Oid oid{{1, 3, 6, 1, 2, 1, 1, 3, 0}};
  return oid;
}

std::string ErrorStatusName(int status) {
  static const char* const kNames[] = {
      "noError",    "tooBig",          "noSuchName",         "badValue",     "readOnly",
      "genErr",     "noAccess",        "wrongType",          "wrongLength",  "wrongEncoding",
      "wrongValue", "noCreation",      "inconsistentValue",  "resourceUnavailable",
      "commitFailed", "undoFailed",    "authorizationError", "notWritable",  "inconsistentName"};
  if (status >= 0 && status < static_cast<int>(std::size(kNames))) return kNames[status];
  return absl::StrCat("error-status ", status);
}

std::string DescribeOids(const std::vector<Oid>& oids) {
  if (oids.empty()) return "no OIDs";
  if (oids.size() == 1) return oids.front().ToString();
  return absl::StrCat(oids.size(), " scalars from ", oids.front().ToString());
}

}  // namespace

TargetProbe::TargetProbe(std::string address, const std::vector<SnmpCredential>* credentials,
                         const WalkPlan* plan, const SnmpOptions* options)
    : address_(std::move(address)), credentials_(*credentials), plan_(*plan), options_(*options) {
  result_.address = address_;
  probe_oids_ = {SysDescr(), SysObjectId(), SysUpTime()};
  for (const Oid& oid : plan_.scalars) {
    if (probe_oids_.size() >= kMaxOidsPerGet) break;
    if (std::find(probe_oids_.begin(), probe_oids_.end(), oid) == probe_oids_.end()) probe_oids_.push_back(oid);
  }
  if (credentials_.empty()) {
    Finish(absl::InvalidArgumentError("no credentials to try"));
    return;
  }
  StartCredential();
}

std::string TargetProbe::CredName() const {
  const SnmpCredential& cred = credentials_[credential_];
  return cred.id.empty() ? absl::StrCat("#", credential_ + 1) : cred.id;
}

std::vector<ProbeRequest> TargetProbe::TakeRequests() { return std::exchange(to_send_, {}); }

void TargetProbe::StartCredential() {
  const SnmpCredential& cred = credentials_[credential_];
  main_answer_.reset();
  v1_answer_.reset();
  main_resolved_ = v1_resolved_ = false;
  main_kind_ = ProbeEvent::Kind::kTimeout;
  probe_main_token_ = next_token_;
  if (!Issue(ProbeRequest::Kind::kGet, cred.version, Pending{Purpose::kProbeMain, probe_oids_})) return;
  probe_v1_token_ = 0;
  if (cred.version == SnmpCredential::Version::kV2c && options_.v1_fallback) {
    probe_v1_token_ = next_token_;
    Issue(ProbeRequest::Kind::kGet, SnmpCredential::Version::kV1, Pending{Purpose::kProbeV1, probe_oids_});
  }
}

void TargetProbe::NextCredential() {
  ++credential_;
  if (credential_ < static_cast<int>(credentials_.size())) {
    StartCredential();
    return;
  }
  credential_ = static_cast<int>(credentials_.size()) - 1;
  std::string why = absl::StrCat("no credential worked: ", absl::StrJoin(result_.errors, "; "));
  Finish(refused_ ? absl::PermissionDeniedError(why) : absl::DeadlineExceededError(why));
}

bool TargetProbe::Issue(ProbeRequest::Kind kind, SnmpCredential::Version version, Pending pending) {
  if (issued_ >= options_.max_pdus_per_target) {
    std::string where = pending.purpose == Purpose::kSubtree
                            ? absl::StrCat("walk of ", subtrees_[pending.subtree].root.ToString())
                            : std::string("collection");
    SetHardError(absl::ResourceExhaustedError(
                     absl::StrCat(where, " stopped after ", issued_, " PDUs (max_pdus_per_target)")),
                 /*stop=*/true);
    return false;
  }
  ++issued_;
  ProbeRequest request;
  request.token = next_token_++;
  request.kind = kind;
  request.credential = credential_;
  request.version = version;
  request.oids = pending.purpose == Purpose::kSubtree ? std::vector<Oid>{subtrees_[pending.subtree].cursor}
                                                      : pending.oids;
  request.max_repetitions = pending.max_repetitions;
  outstanding_.emplace(request.token, std::move(pending));
  to_send_.push_back(std::move(request));
  return true;
}

void TargetProbe::OnEvent(uint64_t token, ProbeEvent event) {
  if (phase_ == Phase::kDone) return;
  if (event.kind == ProbeEvent::Kind::kMalformed) {  // for the target, whatever the token
    result_.responded = true;
    std::string why = absl::StrCat("malformed answer from the agent: ", event.detail);
    NoteError(why);
    Finish(absl::DataLossError(why));
    return;
  }
  auto it = outstanding_.find(token);
  if (it == outstanding_.end()) return;
  Pending pending = std::move(it->second);
  outstanding_.erase(it);
  switch (pending.purpose) {
    case Purpose::kProbeMain:
    case Purpose::kProbeV1:
      OnProbeEvent(pending, std::move(event));
      break;
    case Purpose::kScalars:
      OnScalars(pending, std::move(event));
      break;
    case Purpose::kSubtree:
      OnSubtree(pending, std::move(event));
      break;
  }
  if (phase_ == Phase::kCollect) {
    Fill();
    MaybeFinishCollect();
  }
}

void TargetProbe::OnProbeEvent(const Pending& pending, ProbeEvent event) {
  const bool main = pending.purpose == Purpose::kProbeMain;
  if (event.kind == ProbeEvent::Kind::kResponse) result_.responded = true;
  if (main) {
    main_resolved_ = true;
    main_kind_ = event.kind;
    if (event.kind == ProbeEvent::Kind::kResponse) {
      main_answer_ = std::move(event);
    } else if (event.kind == ProbeEvent::Kind::kRefused) {
      refused_ = true;
      result_.responded = true;
      NoteError(absl::StrCat(event.detail, " for credential ", CredName()));
    } else if (event.kind == ProbeEvent::Kind::kLocalError) {
      NoteError(absl::StrCat("credential ", CredName(), ": ", event.detail));
    }
  } else {
    v1_resolved_ = true;
    if (event.kind == ProbeEvent::Kind::kResponse) v1_answer_ = std::move(event);
  }
  const bool main_ok = main_answer_ && main_answer_->error_status == 0;
  if (main_ok || (main_resolved_ && (probe_v1_token_ == 0 || v1_resolved_))) ResolveProbe();
}

void TargetProbe::ResolveProbe() {
  const SnmpCredential& cred = credentials_[credential_];
  outstanding_.erase(probe_v1_token_);  // a late v1 answer no longer matters
  if (main_answer_ && main_answer_->error_status == 0) {
    BeginCollect(cred.version, &*main_answer_, probe_oids_);
  } else if (v1_answer_) {
    BeginCollect(SnmpCredential::Version::kV1, &*v1_answer_, probe_oids_);
  } else if (main_answer_) {
    BeginCollect(cred.version, &*main_answer_, probe_oids_);
  } else {
    if (main_kind_ == ProbeEvent::Kind::kTimeout) {
      NoteError(cred.version == SnmpCredential::Version::kV3
                    ? absl::StrCat("no answer with credential ", CredName(), " (not an SNMPv3 agent)")
                    : absl::StrCat("no answer with credential ", CredName(),
                                   " (wrong community or not an SNMP agent)"));
    }
    NextCredential();
  }
}

void TargetProbe::BeginCollect(SnmpCredential::Version version, const ProbeEvent* probe_answer,
                               const std::vector<Oid>& probe_oids) {
  phase_ = Phase::kCollect;
  version_ = version;
  result_.responded = true;
  result_.credential_id = credentials_[credential_].id;
  result_.version_used = version == SnmpCredential::Version::kV1 ? 1 : version == SnmpCredential::Version::kV2c ? 2 : 3;
  for (const Oid& root : plan_.subtrees) {
    Subtree s;
    s.root = root;
    s.cursor = root;
    s.max_repetitions = std::max(1, options_.max_repetitions);
    subtrees_.push_back(std::move(s));
  }
  std::vector<Oid> rest;
  for (const Oid& oid : plan_.scalars) {
    if (std::find(probe_oids.begin(), probe_oids.end(), oid) == probe_oids.end() &&
        std::find(rest.begin(), rest.end(), oid) == rest.end()) {
      rest.push_back(oid);
    }
  }
  for (size_t i = 0; i < rest.size(); i += kMaxOidsPerGet) {
    scalar_chunks_.emplace_back(rest.begin() + i, rest.begin() + std::min(rest.size(), i + kMaxOidsPerGet));
  }
  // The probe's answer is the first scalar chunk's.
  OnScalars(Pending{Purpose::kScalars, probe_oids}, *probe_answer);
}

void TargetProbe::OnScalars(const Pending& pending, ProbeEvent event) {
  const std::vector<Oid>& oids = pending.oids;
  switch (event.kind) {
    case ProbeEvent::Kind::kTimeout:
      NoteError(absl::StrCat("GET of ", DescribeOids(oids), ": no answer"));
      return;
    case ProbeEvent::Kind::kRefused:
    case ProbeEvent::Kind::kLocalError:
      NoteError(absl::StrCat("GET of ", DescribeOids(oids), ": ", event.detail));
      return;
    case ProbeEvent::Kind::kMalformed:
    case ProbeEvent::Kind::kResponse:
      break;
  }
  NoteProblems(event.value_problems);
  if (event.error_status != 0) {
    const size_t index = static_cast<size_t>(event.error_index);
    if (event.error_status == kNoSuchName && version_ == SnmpCredential::Version::kV1 && index >= 1 &&
        index <= oids.size()) {
      std::vector<Oid> rest = oids;  // v1: the agent has no such OID; ask for the others again
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(index - 1));
      if (!rest.empty()) scalar_chunks_.push_front(std::move(rest));
      return;
    }
    if (event.error_status == kTooBig && oids.size() > 1) {
      const size_t half = oids.size() / 2;
      scalar_chunks_.emplace_front(oids.begin() + static_cast<std::ptrdiff_t>(half), oids.end());
      scalar_chunks_.emplace_front(oids.begin(), oids.begin() + static_cast<std::ptrdiff_t>(half));
      return;
    }
    NoteError(absl::StrCat("GET of ", DescribeOids(oids), ": agent error ", ErrorStatusName(event.error_status)));
    return;
  }
  if (event.varbinds.size() != oids.size()) {
    SetHardError(absl::DataLossError(absl::StrCat("GET of ", DescribeOids(oids), " answered with ",
                                                  event.varbinds.size(), " varbinds, asked for ", oids.size())),
                 /*stop=*/true);
    return;
  }
  for (size_t i = 0; i < oids.size(); ++i) {
    if (event.varbinds[i].oid != oids[i]) {
      SetHardError(absl::DataLossError(absl::StrCat("GET answer names ", event.varbinds[i].oid.ToString(),
                                                    " where ", oids[i].ToString(), " was asked")),
                   /*stop=*/true);
      return;
    }
  }
  result_.varbinds += static_cast<int>(oids.size());
  for (Varbind& vb : event.varbinds) Store(std::move(vb));
}

void TargetProbe::OnSubtree(const Pending& pending, ProbeEvent event) {
  Subtree& s = subtrees_[pending.subtree];
  s.busy = false;
  const std::string walk = absl::StrCat("walk of ", s.root.ToString());
  switch (event.kind) {
    case ProbeEvent::Kind::kTimeout:
      NoteError(absl::StrCat(walk, ": no answer after ", s.count, " varbinds"));
      s.done = true;
      return;
    case ProbeEvent::Kind::kRefused:
    case ProbeEvent::Kind::kLocalError:
      NoteError(absl::StrCat(walk, ": ", event.detail));
      s.done = true;
      return;
    case ProbeEvent::Kind::kMalformed:
    case ProbeEvent::Kind::kResponse:
      break;
  }
  NoteProblems(event.value_problems);
  if (event.error_status != 0) {
    if (event.error_status == kNoSuchName && version_ == SnmpCredential::Version::kV1) {
      s.done = true;  // v1's end of the MIB view
    } else if (event.error_status == kTooBig && pending.max_repetitions > 1) {
      s.max_repetitions = pending.max_repetitions / 2;  // ask again for fewer
      s.grow = false;
    } else {
      NoteError(absl::StrCat(walk, ": agent error ", ErrorStatusName(event.error_status), " after ", s.count,
                             " varbinds"));
      s.done = true;
    }
    return;
  }
  const size_t asked = pending.max_repetitions > 0 ? static_cast<size_t>(pending.max_repetitions) : 1;
  if (event.varbinds.size() > asked) {
    SetHardError(absl::DataLossError(absl::StrCat(walk, ": an answer carries ", event.varbinds.size(),
                                                  " varbinds, asked for at most ", asked)),
                 /*stop=*/true);
    return;
  }
  if (event.varbinds.empty()) {
    NoteError(absl::StrCat(walk, ": empty answer after ", s.count, " varbinds"));
    s.done = true;
    return;
  }
  for (Varbind& vb : event.varbinds) {
    if (result_.varbinds >= options_.max_varbinds_per_target) {
      SetHardError(absl::ResourceExhaustedError(absl::StrCat(walk, " stopped after ", result_.varbinds,
                                                             " varbinds (max_varbinds_per_target)")),
                   /*stop=*/true);
      return;
    }
    ++result_.varbinds;
    if (vb.value.is_exception() || !vb.oid.StartsWith(s.root) || vb.oid == s.root) {
      s.done = true;  // endOfMibView, or the walk left the subtree
      return;
    }
    if (!(s.cursor < vb.oid)) {
      SetHardError(absl::DataLossError(absl::StrCat(walk, " stopped: OID not increasing (", vb.oid.ToString(),
                                                    " after ", s.cursor.ToString(), ")")),
                   /*stop=*/false);
      s.done = true;
      return;
    }
    s.cursor = vb.oid;
    ++s.count;
    Store(std::move(vb));
  }
  // A full answer, all in the subtree: the next request may carry more.
  const int cap = std::max(1, options_.max_repetitions) * std::max(1, options_.max_repetitions_growth);
  if (s.grow && pending.max_repetitions > 0 && pending.max_repetitions == s.max_repetitions &&
      event.varbinds.size() == asked) {
    s.max_repetitions = std::min(cap, s.max_repetitions * 2);
  }
}

void TargetProbe::Fill() {
  const int limit = std::max(1, options_.max_requests_per_target);
  while (phase_ == Phase::kCollect && !stopping_ && static_cast<int>(outstanding_.size()) < limit) {
    if (!scalar_chunks_.empty()) {
      std::vector<Oid> oids = std::move(scalar_chunks_.front());
      scalar_chunks_.pop_front();
      if (!Issue(ProbeRequest::Kind::kGet, version_, Pending{Purpose::kScalars, std::move(oids)})) return;
      continue;
    }
    auto it = std::find_if(subtrees_.begin(), subtrees_.end(), [](const Subtree& s) { return !s.busy && !s.done; });
    if (it == subtrees_.end()) return;
    Pending pending{Purpose::kSubtree, {}, static_cast<int>(it - subtrees_.begin()), 0};
    ProbeRequest::Kind kind = ProbeRequest::Kind::kGetNext;
    if (version_ != SnmpCredential::Version::kV1) {
      kind = ProbeRequest::Kind::kGetBulk;
      pending.max_repetitions = it->max_repetitions;
    }
    it->busy = true;
    if (!Issue(kind, version_, std::move(pending))) return;
  }
}

void TargetProbe::MaybeFinishCollect() {
  if (phase_ != Phase::kCollect || !outstanding_.empty()) return;
  if (!stopping_ && (!scalar_chunks_.empty() ||
                     std::any_of(subtrees_.begin(), subtrees_.end(), [](const Subtree& s) { return !s.done; }))) {
    return;
  }
  Finish(hard_error_);
}

void TargetProbe::Store(Varbind vb) { collected_.push_back(std::move(vb)); }

void TargetProbe::NoteProblems(const std::vector<std::string>& problems) {
  for (const std::string& p : problems) NoteError(p);
}

void TargetProbe::NoteError(std::string text) {
  if (result_.errors.size() < kMaxErrors) {
    result_.errors.push_back(std::move(text));
  } else {
    ++dropped_errors_;
  }
}

void TargetProbe::SetHardError(absl::Status status, bool stop) {
  NoteError(std::string(status.message()));
  if (hard_error_.ok()) hard_error_ = status;
  if (stop) {
    stopping_ = true;
    Finish(hard_error_);
  }
}

void TargetProbe::Abort(absl::Status status) {
  if (phase_ == Phase::kDone) return;
  NoteError(std::string(status.message()));
  Finish(std::move(status));
}

void TargetProbe::Finish(absl::Status status) {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  result_.status = std::move(status);
  outstanding_.clear();
  to_send_.clear();
}

TargetResult TargetProbe::TakeResult() {
  if (dropped_errors_ > 0) result_.errors.push_back(absl::StrCat("... and ", dropped_errors_, " more errors"));
  dropped_errors_ = 0;
  result_.walk = DeviceWalk(std::move(collected_));
  collected_.clear();
  return std::move(result_);
}

}  // namespace cmdb::discovery
