// SnmpEngine on net-snmp's single-session API: one session (one UDP socket)
// per target and credential, snmp_sess_async_send for every request, and one
// poll() loop over the sessions' sockets that calls snmp_sess_read2 and
// snmp_sess_timeout. The decisions are TargetProbe's (probe.h); this file
// only turns its requests into PDUs and net-snmp's callbacks into events.
// Two limits hold requests back in one queue, in order: the packet rate (a
// token bucket; resends take tokens too) and the number of collection
// requests in flight over the run (credential probes are not held by it).
//
// SNMPv3: snmp_sess_add_ex would discover the agent's engine ID with a
// blocking exchange, so sessions are opened with SNMP_FLAGS_DONT_PROBE and
// the discovery (an unauthenticated GET answered by a Report) is one more
// asynchronous request; the USM user is then created from the session, as
// net-snmp's own probe does, and removed when the session closes.
#include "snmp/engine.h"

#include <arpa/inet.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "snmp/netsnmp.h"
#include "snmp/probe.h"

namespace cmdb::discovery {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kDiscoveryToken = UINT64_MAX;

std::mutex& RunMutex() {
  static std::mutex mutex;
  return mutex;
}

struct Target;
struct Driver;
struct Session;

// A request net-snmp holds; its address is the callback's cb_data. A v3
// Report answering a request the agent could not decrypt carries request-id
// 0, so requests are told apart by this, not by request-id. Kept until the
// session closes: net-snmp may call back twice for one request.
struct RequestSlot {
  Session* session;
  uint64_t token;
  bool answered = false;
  bool collect = false;  // counted in Driver::collect_in_flight while unanswered
};

// A session serves one credential at one version (net-snmp refuses a PDU
// whose version is not its session's): a v2c credential's v1 twin has its own.
int SessionKey(int credential, SnmpCredential::Version version) {
  return credential * 4 + static_cast<int>(version);
}

int ProbeRetries(const SnmpOptions& options) {
  return options.probe_retries < 0 ? options.retries : options.probe_retries;
}

// One net-snmp session: one credential of one target, at one version.
struct Session {
  Driver* driver = nullptr;
  Target* target = nullptr;
  int credential = 0;
  int key = 0;  // SessionKey
  void* handle = nullptr;
  int fd = -1;
  bool v3 = false;
  bool engine_known = true;  // v3: the agent's engine ID is set in the session
  bool discovering = false;
  bool closing = false;
  std::deque<RequestSlot> requests;     // token kDiscoveryToken for the discovery
  int outstanding = 0;                  // requests not answered yet
  std::vector<ProbeRequest> waiting;    // v3: until the engine ID is known
  std::string usm_engine_id, usm_user;  // the USM user net-snmp made for this session
  bool has_deadline = false;
  bool dirty = true;
  Clock::time_point deadline;
};

struct Target {
  Target(const std::string& address, const std::vector<SnmpCredential>* credentials, const WalkPlan* plan,
         const SnmpOptions* options)
      : probe(address, credentials, plan, options), start(Clock::now()) {}
  TargetProbe probe;
  Clock::time_point start;
  std::map<int, std::unique_ptr<Session>> sessions;  // by SessionKey
  std::string engine_id;                             // v3, once discovered
  int pdus = 0;
  bool touched = true;
  bool heard = false;  // some SNMP message came back: SnmpOptions::retries applies from then on
};

struct QueuedEvent {
  Target* target;
  int session_key;
  uint64_t token;
  ProbeEvent event;
  std::string engine_id;  // discovery
};

// The rate limit (SnmpOptions::packets_per_second): a token per PDU. A
// resend takes its token when net-snmp makes it, so the count may go below
// zero; the debt delays what follows.
struct TokenBucket {
  double rate = 0;  // tokens per second; 0 = no limit
  double capacity = 1;
  double tokens = 1;
  Clock::time_point last;

  bool limited() const { return rate > 0; }
  void Refill(Clock::time_point now) {
    tokens = std::min(capacity, tokens + rate * std::chrono::duration<double>(now - last).count());
    last = now;
  }
  // When the next whole token is there (`now` if it is already).
  Clock::time_point NextToken(Clock::time_point now) const {
    if (tokens >= 1) return now;
    return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((1 - tokens) / rate));
  }
};

struct Driver {
  const std::vector<SnmpCredential>* credentials;
  const SnmpOptions* options;
  SnmpEngine::Stats* stats;
  std::deque<QueuedEvent> events;
  std::map<std::pair<std::string, std::string>, int> usm_refs;  // (engine ID, user) -> sessions using it
  netsnmp_large_fd_set fdset;
  TokenBucket bucket;
  std::deque<std::pair<Target*, ProbeRequest>> queued;  // waiting for a token or a slot, in order
  int collect_in_flight = 0;                             // SnmpOptions::max_collect_requests_in_flight

  Driver() { netsnmp_large_fd_set_init(&fdset, FD_SETSIZE); }
  ~Driver() { netsnmp_large_fd_set_cleanup(&fdset); }

  void SetFd(int fd) {
    if (fd >= static_cast<int>(fdset.lfs_setsize)) netsnmp_large_fd_set_resize(&fdset, fd + 1024);
    NETSNMP_LARGE_FD_SET(fd, &fdset);
  }
  void ClearFd(int fd) { NETSNMP_LARGE_FD_CLR(fd, &fdset); }

  void Push(Session* s, uint64_t token, ProbeEvent event, std::string engine_id = {}) {
    events.push_back({s->target, s->key, token, std::move(event), std::move(engine_id)});
  }

  static int Callback(int op, netsnmp_session* sp, int reqid, netsnmp_pdu* pdu, void* magic);
  static int PostParse(netsnmp_session* sp, netsnmp_pdu* pdu, int result);

  absl::StatusOr<Session*> GetSession(Target& t, int credential, SnmpCredential::Version version);
  void CloseSession(Target& t, int key);
  void Send(Target& t, ProbeRequest request);
  void SendNow(Target& t, ProbeRequest request);
  void Pump();
  void Forget(const Target& t);
  void SendPdu(Session& s, const ProbeRequest& request);
  void StartDiscovery(Session& s);
  void OnDiscovered(Target& t, Session& s, const std::string& engine_id);
  void FailWaiting(Session& s, const ProbeEvent& event);
  // The first SNMP message from t: its open sessions (and the requests in
  // them) get SnmpOptions::retries from now on.
  void Heard(Target& t);
  void UpdateDeadline(Session& s);
};

int Driver::Callback(int op, netsnmp_session* sp, int /*reqid*/, netsnmp_pdu* pdu, void* magic) {
  auto* request = static_cast<RequestSlot*>(magic);
  if (request == nullptr || request->answered || request->session->closing) return 1;
  Session* s = request->session;
  const uint64_t token = request->token;
  Driver& d = *s->driver;
  auto consume = [&] {
    request->answered = true;
    --s->outstanding;
    if (request->collect) --d.collect_in_flight;
  };
  ProbeEvent event;
  switch (op) {
    case NETSNMP_CALLBACK_OP_RESEND:
      ++s->target->pdus;
      ++d.stats->pdus_sent;
      if (d.bucket.limited()) d.bucket.tokens -= 1;
      return 1;
    case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
    case NETSNMP_CALLBACK_OP_SEC_ERROR:
      d.Heard(*s->target);
      // net-snmp hands a Report to SEC_ERROR (some versions first, or
      // only), to RECEIVED_MESSAGE, or both: the first one consumes it.
      if (pdu != nullptr && pdu->command == SNMP_MSG_REPORT) {
        const int type = snmpv3_get_report_type(pdu);
        if (type == SNMPERR_NOT_IN_TIME_WINDOW && op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
          return 1;  // net-snmp resends, now in time
        }
        consume();
        if (token == kDiscoveryToken) {
          std::string engine_id;
          if (pdu->securityEngineID != nullptr && pdu->securityEngineIDLen > 0) {
            engine_id.assign(reinterpret_cast<const char*>(pdu->securityEngineID), pdu->securityEngineIDLen);
          }
          d.Push(s, token, std::move(event), std::move(engine_id));
          return 1;
        }
        event.kind = ProbeEvent::Kind::kRefused;
        event.detail = ReportText(type);
        d.Push(s, token, std::move(event));
        return 1;
      }
      consume();
      if (pdu == nullptr || op == NETSNMP_CALLBACK_OP_SEC_ERROR) {
        event.kind = ProbeEvent::Kind::kRefused;
        event.detail = "security error";
        d.Push(s, token, std::move(event));
        return 1;
      }
      event.kind = ProbeEvent::Kind::kResponse;
      event.error_status = static_cast<int>(pdu->errstat);
      event.error_index = static_cast<int>(pdu->errindex);
      for (netsnmp_variable_list* v = pdu->variables; v != nullptr; v = v->next_variable) {
        event.varbinds.push_back(ConvertVarbind(*v, d.options->max_value_bytes, &event.value_problems));
      }
      d.stats->varbinds_received += static_cast<int64_t>(event.varbinds.size());
      d.Push(s, token, std::move(event));
      return 1;
    case NETSNMP_CALLBACK_OP_TIMED_OUT:
      consume();
      ++d.stats->timeouts;
      event.kind = ProbeEvent::Kind::kTimeout;
      d.Push(s, token, std::move(event));
      return 1;
    case NETSNMP_CALLBACK_OP_SEND_FAILED:
      consume();
      event.kind = ProbeEvent::Kind::kLocalError;
      event.detail = LocalErrorText(sp->s_snmp_errno);
      d.Push(s, token, std::move(event));
      return 1;
    default:
      return 1;
  }
}

// Called by net-snmp after parsing every packet a session receives: a packet
// that does not parse would otherwise be dropped silently and the request
// left to time out.
int Driver::PostParse(netsnmp_session* sp, netsnmp_pdu* /*pdu*/, int result) {
  if (result == SNMPERR_SUCCESS || sp == nullptr) return 1;
  auto* s = static_cast<Session*>(sp->callback_magic);
  if (s == nullptr || s->closing) return 1;
  ProbeEvent event;
  event.kind = ProbeEvent::Kind::kMalformed;
  event.detail = ParseErrorText(result);
  s->driver->Push(s, 0, std::move(event));
  return 1;
}

absl::StatusOr<Session*> Driver::GetSession(Target& t, int credential, SnmpCredential::Version version) {
  const int key = SessionKey(credential, version);
  auto found = t.sessions.find(key);
  if (found != t.sessions.end()) return found->second.get();

  const std::string& address = t.probe.address();
  const std::string peer = address.find(':') == std::string::npos
                               ? absl::StrCat("udp:", address, ":", options->port)
                               : absl::StrCat("udp6:[", address, "]:", options->port);

  auto s = std::make_unique<Session>();
  s->driver = this;
  s->target = &t;
  s->credential = credential;
  s->key = key;
  const SnmpCredential& cred = (*credentials)[credential];

  netsnmp_session session;
  snmp_sess_init(&session);
  session.timeout = static_cast<long>(options->timeout_ms) * 1000L;
  session.retries = t.heard ? options->retries : ProbeRetries(*options);
  session.callback_magic = s.get();
  absl::Status status;
  if (cred.version == SnmpCredential::Version::kV3) {
    s->v3 = true;
    status = SetV3(session, cred);
    session.flags |= SNMP_FLAGS_DONT_PROBE;
    if (!t.engine_id.empty()) {
      session.securityEngineID = reinterpret_cast<u_char*>(t.engine_id.data());
      session.securityEngineIDLen = t.engine_id.size();
      session.contextEngineID = reinterpret_cast<u_char*>(t.engine_id.data());
      session.contextEngineIDLen = t.engine_id.size();
    } else {
      s->engine_known = false;
    }
  } else {
    session.version = version == SnmpCredential::Version::kV1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
    session.community = reinterpret_cast<u_char*>(const_cast<char*>(cred.community.data()));
    session.community_len = cred.community.size();
  }
  void* handle = nullptr;
  if (status.ok()) {
    netsnmp_transport* transport = netsnmp_tdomain_transport(peer.c_str(), 0, "udp");
    if (transport == nullptr) {
      status = absl::UnavailableError(absl::StrCat("cannot open a UDP socket to ", address));
    } else {
      handle = snmp_sess_add_ex(&session, transport, nullptr, nullptr, &Driver::PostParse, nullptr, nullptr,
                                nullptr, nullptr);
      if (handle == nullptr) status = absl::UnavailableError("cannot open an SNMP session");
    }
  }
  explicit_bzero(session.securityAuthKey, sizeof session.securityAuthKey);
  explicit_bzero(session.securityPrivKey, sizeof session.securityPrivKey);
  if (!status.ok()) return status;

  netsnmp_session* sp = snmp_sess_session(handle);
  sp->flags |= SNMP_FLAGS_DONT_PROBE;  // cleared by snmp_sess_add_ex; keeps sends from probing synchronously
  s->handle = handle;
  s->fd = snmp_sess_transport(handle)->sock;
  if (s->v3 && s->engine_known) {  // net-snmp made the USM user when the session opened
    s->usm_engine_id = t.engine_id;
    s->usm_user = cred.user;
    ++usm_refs[{s->usm_engine_id, s->usm_user}];
  }
  Session* raw = s.get();
  t.sessions.emplace(key, std::move(s));
  return raw;
}

void Driver::CloseSession(Target& t, int key) {
  auto it = t.sessions.find(key);
  if (it == t.sessions.end()) return;
  Session& s = *it->second;
  s.closing = true;
  for (RequestSlot& r : s.requests) {
    if (r.collect && !r.answered) --collect_in_flight;
    r.answered = true;
  }
  snmp_sess_close(s.handle);
  const std::pair<std::string, std::string> user_key{s.usm_engine_id, s.usm_user};
  if (!s.usm_engine_id.empty() && --usm_refs[user_key] == 0) {
    usm_refs.erase(user_key);
    const std::string& engine_id = user_key.first;
    const std::string& user = user_key.second;
    // Forget the localized keys, so a later credential with the same user
    // name but other keys is not served the old ones.
    struct usmUser* u = usm_get_user(reinterpret_cast<const u_char*>(engine_id.data()), engine_id.size(),
                                     user.c_str());
    if (u != nullptr) {
      usm_remove_user(u);
      usm_free_user(u);
    }
  }
  t.sessions.erase(it);
}

void Driver::Send(Target& t, ProbeRequest request) {
  if (bucket.limited() || (options->max_collect_requests_in_flight > 0 && t.probe.collecting())) {
    queued.emplace_back(&t, std::move(request));
  } else {
    SendNow(t, std::move(request));
  }
}

// Sends queued requests while there are tokens; each PDU that goes out
// (the request, or the v3 discovery it starts) takes one.
void Driver::Pump() {
  if (queued.empty()) return;
  if (bucket.limited()) bucket.Refill(Clock::now());
  const int cap = options->max_collect_requests_in_flight;
  for (auto it = queued.begin(); it != queued.end() && (!bucket.limited() || bucket.tokens >= 1);) {
    Target* t = it->first;
    if (t->probe.done() || !t->probe.Wants(it->second.token)) {
      it = queued.erase(it);
      continue;
    }
    if (cap > 0 && t->probe.collecting() && collect_in_flight >= cap) {  // probes behind may go
      ++it;
      continue;
    }
    ProbeRequest request = std::move(it->second);
    it = queued.erase(it);
    const int64_t before = stats->pdus_sent;
    SendNow(*t, std::move(request));  // leaves `queued` alone: `it` stays valid
    if (bucket.limited()) bucket.tokens -= static_cast<double>(stats->pdus_sent - before);
  }
}

void Driver::Forget(const Target& t) {
  std::erase_if(queued, [&](const auto& q) { return q.first == &t; });
}

void Driver::SendNow(Target& t, ProbeRequest request) {
  absl::StatusOr<Session*> session = GetSession(t, request.credential, request.version);
  if (!session.ok()) {
    ProbeEvent event;
    event.kind = ProbeEvent::Kind::kLocalError;
    event.detail = std::string(session.status().message());
    events.push_back({&t, SessionKey(request.credential, request.version), request.token, std::move(event), {}});
    return;
  }
  Session& s = **session;
  if (!s.engine_known) {
    s.waiting.push_back(std::move(request));
    if (!s.discovering) StartDiscovery(s);
    return;
  }
  SendPdu(s, request);
}

void Driver::SendPdu(Session& s, const ProbeRequest& request) {
  int command = SNMP_MSG_GET;
  if (request.kind == ProbeRequest::Kind::kGetNext) command = SNMP_MSG_GETNEXT;
  if (request.kind == ProbeRequest::Kind::kGetBulk) command = SNMP_MSG_GETBULK;
  netsnmp_pdu* pdu = snmp_pdu_create(command);
  switch (request.version) {
    case SnmpCredential::Version::kV1: pdu->version = SNMP_VERSION_1; break;
    case SnmpCredential::Version::kV2c: pdu->version = SNMP_VERSION_2c; break;
    case SnmpCredential::Version::kV3: pdu->version = SNMP_VERSION_3; break;
  }
  if (command == SNMP_MSG_GETBULK) {
    pdu->non_repeaters = 0;
    pdu->max_repetitions = request.max_repetitions;
  }
  std::vector<oid> name;
  for (const Oid& o : request.oids) {
    name.assign(o.arcs.begin(), o.arcs.end());
    snmp_add_null_var(pdu, name.data(), name.size());
  }
  RequestSlot& pending = s.requests.emplace_back(RequestSlot{&s, request.token});
  pending.collect = s.target->probe.collecting();
  ++s.outstanding;
  if (pending.collect) ++collect_in_flight;
  if (snmp_sess_async_send(s.handle, pdu, &Driver::Callback, &pending) == 0) {
    snmp_free_pdu(pdu);
    if (!pending.answered) {  // net-snmp may have called back already
      pending.answered = true;
      --s.outstanding;
      if (pending.collect) --collect_in_flight;
      ProbeEvent event;
      event.kind = ProbeEvent::Kind::kLocalError;
      event.detail = LocalErrorText(snmp_sess_session(s.handle)->s_snmp_errno);
      Push(&s, request.token, std::move(event));
    }
    return;
  }
  s.dirty = true;
  ++s.target->pdus;
  ++stats->pdus_sent;
}

// The agent's engine ID, asynchronously: an unauthenticated GET with no
// user and no variables, which a v3 agent answers with a Report that
// carries it (what net-snmp's own blocking probe sends).
void Driver::StartDiscovery(Session& s) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  pdu->version = SNMP_VERSION_3;
  pdu->securityName = strdup("");
  pdu->securityNameLen = 0;
  pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
  pdu->securityModel = SNMP_SEC_MODEL_USM;
  RequestSlot& pending = s.requests.emplace_back(RequestSlot{&s, kDiscoveryToken});
  ++s.outstanding;
  s.discovering = true;
  if (snmp_sess_async_send(s.handle, pdu, &Driver::Callback, &pending) == 0) {
    snmp_free_pdu(pdu);
    if (!pending.answered) {  // else the callback queued the failure
      pending.answered = true;
      --s.outstanding;
      s.discovering = false;
      ProbeEvent event;
      event.kind = ProbeEvent::Kind::kLocalError;
      event.detail = LocalErrorText(snmp_sess_session(s.handle)->s_snmp_errno);
      FailWaiting(s, event);
    }
    return;
  }
  s.dirty = true;
  ++s.target->pdus;
  ++stats->pdus_sent;
}

void Driver::Heard(Target& t) {
  if (t.heard) return;
  t.heard = true;
  // net-snmp compares a request's resends with its session's `retries` when
  // the request times out, so requests already in flight follow too.
  for (auto& [key, session] : t.sessions) snmp_sess_session(session->handle)->retries = options->retries;
}

void Driver::FailWaiting(Session& s, const ProbeEvent& event) {
  for (const ProbeRequest& r : std::exchange(s.waiting, {})) Push(&s, r.token, event);
}

void Driver::OnDiscovered(Target& t, Session& s, const std::string& engine_id) {
  s.discovering = false;
  if (engine_id.empty()) {
    ProbeEvent event;
    event.kind = ProbeEvent::Kind::kRefused;
    event.detail = "no engine ID in the agent's answer to discovery";
    FailWaiting(s, event);
    return;
  }
  t.engine_id = engine_id;
  netsnmp_session* sp = snmp_sess_session(s.handle);
  if (sp->securityEngineIDLen == 0) {
    sp->securityEngineID = static_cast<u_char*>(netsnmp_memdup(engine_id.data(), engine_id.size()));
    sp->securityEngineIDLen = engine_id.size();
  }
  if (sp->contextEngineIDLen == 0) {
    sp->contextEngineID = static_cast<u_char*>(netsnmp_memdup(engine_id.data(), engine_id.size()));
    sp->contextEngineIDLen = engine_id.size();
  }
  if (usm_create_user_from_session(sp) != SNMPERR_SUCCESS) {
    ProbeEvent event;
    event.kind = ProbeEvent::Kind::kLocalError;
    event.detail = "cannot create the USM user";
    FailWaiting(s, event);
    return;
  }
  s.usm_engine_id = engine_id;
  s.usm_user = (*credentials)[s.credential].user;
  ++usm_refs[{s.usm_engine_id, s.usm_user}];
  s.engine_known = true;
  std::vector<ProbeRequest> waiting = std::exchange(s.waiting, {});
  if (bucket.limited()) {  // first in line for the next tokens
    for (auto r = waiting.rbegin(); r != waiting.rend(); ++r) queued.emplace_front(&t, std::move(*r));
    return;
  }
  for (const ProbeRequest& r : waiting) SendPdu(s, r);
}

bool IsIpLiteral(const std::string& address) {
  in6_addr scratch{};
  return inet_pton(AF_INET, address.c_str(), &scratch) == 1 || inet_pton(AF_INET6, address.c_str(), &scratch) == 1;
}

void Driver::UpdateDeadline(Session& s) {
  s.dirty = false;
  s.has_deadline = false;
  if (s.outstanding == 0) return;
  int numfds = 0;
  int block = 1;
  timeval tv{};
  SetFd(s.fd);
  snmp_sess_select_info2_flags(s.handle, &numfds, &fdset, &tv, &block, NETSNMP_SELECT_NOALARMS);
  ClearFd(s.fd);
  if (block) return;
  s.has_deadline = true;
  s.deadline = Clock::now() + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

}  // namespace

SnmpEngine::SnmpEngine() { InitNetSnmp(); }
SnmpEngine::~SnmpEngine() = default;

void SnmpEngine::Run(const std::vector<std::string>& addresses, const std::vector<SnmpCredential>& credentials,
                     const WalkPlan& plan, const SnmpOptions& options,
                     const std::function<void(TargetResult)>& on_done, const std::function<bool()>& cancelled) {
  std::lock_guard<std::mutex> run_lock(RunMutex());
  RaiseFileLimit(options.max_in_flight);
  Driver driver;
  driver.credentials = &credentials;
  driver.options = &options;
  driver.stats = &stats_;
  if (options.packets_per_second > 0) {
    driver.bucket.rate = options.packets_per_second;
    driver.bucket.capacity = std::max(1.0, options.packets_per_second / 50.0);
    driver.bucket.tokens = driver.bucket.capacity;
    driver.bucket.last = Clock::now();
  }

  const size_t max_in_flight = static_cast<size_t>(std::max(1, options.max_in_flight));
  size_t next = 0;
  std::map<size_t, std::unique_ptr<Target>> active;

  auto finish = [&](Target& t) {
    driver.Forget(t);
    while (!t.sessions.empty()) driver.CloseSession(t, t.sessions.begin()->first);
    TargetResult result = t.probe.TakeResult();
    result.pdus_sent = t.pdus;
    result.seconds = std::chrono::duration<double>(Clock::now() - t.start).count();
    on_done(std::move(result));
  };

  // Drains the events, then lets every touched target send or finish;
  // sending can queue events again (a local failure), hence the loop.
  auto settle = [&] {
    for (;;) {
      while (!driver.events.empty()) {
        QueuedEvent e = std::move(driver.events.front());
        driver.events.pop_front();
        Target& t = *e.target;
        t.touched = true;
        if (e.token == kDiscoveryToken) {  // what waits for the engine ID goes on, or fails alike
          auto it = t.sessions.find(e.session_key);
          if (it == t.sessions.end()) continue;
          if (e.event.kind == ProbeEvent::Kind::kResponse) {
            driver.OnDiscovered(t, *it->second, e.engine_id);
          } else {
            it->second->discovering = false;
            driver.FailWaiting(*it->second, e.event);
          }
          continue;
        }
        t.probe.OnEvent(e.token, std::move(e.event));
      }
      bool any = false;
      for (auto it = active.begin(); it != active.end();) {
        Target& t = *it->second;
        if (!t.touched) {
          ++it;
          continue;
        }
        t.touched = false;
        any = true;
        if (!t.probe.done()) {
          // Close what is done with first: a later credential of the same
          // user must not find the USM user (and keys) of an earlier one.
          const int in_use = SessionKey(t.probe.credential(), t.probe.version());
          for (auto s = t.sessions.begin(); s != t.sessions.end();) {
            const int key = (s++)->first;
            if (key / 4 < t.probe.credential() || (t.probe.collecting() && key != in_use)) {
              driver.CloseSession(t, key);
            }
          }
          for (ProbeRequest& r : t.probe.TakeRequests()) driver.Send(t, std::move(r));
        }
        if (t.probe.done() && driver.events.empty()) {
          finish(t);
          it = active.erase(it);
          continue;
        }
        if (t.probe.done()) t.touched = true;  // finish once its queued events are gone
        ++it;
      }
      driver.Pump();
      if (driver.events.empty() && !any) return;
    }
  };

  std::vector<pollfd> fds;
  std::vector<Session*> fd_sessions;
  for (;;) {
    if (cancelled && cancelled()) {
      for (auto& [index, t] : active) {
        t->probe.Abort(absl::CancelledError("run cancelled"));
        finish(*t);
      }
      active.clear();
      driver.events.clear();
      for (; next < addresses.size(); ++next) {
        TargetResult result;
        result.address = addresses[next];
        result.status = absl::CancelledError("run cancelled before this target started");
        on_done(std::move(result));
      }
      return;
    }
    while (active.size() < max_in_flight && next < addresses.size()) {
      auto t = std::make_unique<Target>(addresses[next], &credentials, &plan, &options);
      if (!IsIpLiteral(addresses[next])) {
        t->probe.Abort(absl::InvalidArgumentError(absl::StrCat("not an IP address: '", addresses[next], "'")));
      }
      active.emplace(next, std::move(t));
      ++next;
    }
    settle();
    if (active.empty()) {
      if (next >= addresses.size()) return;
      continue;
    }

    // Wait for a packet or the earliest retry/timeout of any session.
    fds.clear();
    fd_sessions.clear();
    const Clock::time_point now = Clock::now();
    Clock::time_point wake = now + std::chrono::milliseconds(cancelled ? 50 : 1000);
    if (driver.bucket.limited()) driver.bucket.Refill(now);
    const Clock::time_point token_at = driver.bucket.limited() ? driver.bucket.NextToken(now) : now;
    // (A request waiting for a collection slot is woken by an answer or a timeout.)
    if (driver.bucket.limited() && !driver.queued.empty() && token_at < wake) wake = token_at;
    for (auto& [index, t] : active) {
      for (auto& [key, s] : t->sessions) {
        if (s->dirty) driver.UpdateDeadline(*s);
        // A resend due waits for a token too (so may the final timeout).
        if (s->has_deadline && std::max(s->deadline, token_at) < wake) wake = std::max(s->deadline, token_at);
        fds.push_back(pollfd{s->fd, POLLIN, 0});
        fd_sessions.push_back(s.get());
      }
    }
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, wait_ms + 1)));
    if (ready > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLERR)) == 0) continue;
        Session& s = *fd_sessions[i];
        driver.SetFd(s.fd);
        snmp_sess_read2(s.handle, &driver.fdset);
        driver.ClearFd(s.fd);
        s.dirty = true;
      }
    }
    const Clock::time_point after = Clock::now();
    if (driver.bucket.limited()) driver.bucket.Refill(after);
    for (Session* s : fd_sessions) {
      if (s->has_deadline && s->deadline <= after) {
        if (driver.bucket.limited() && driver.bucket.tokens < 1) continue;
        snmp_sess_timeout(s->handle);
        s->dirty = true;
      }
    }
  }
}

}  // namespace cmdb::discovery
