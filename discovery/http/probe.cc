// The endpoint probe: one state machine per address:port, all of them
// driven by one HttpEngine::Run. Requests carry an index into `contexts_` as
// their tag; each answer moves its endpoint on and may queue follow-ups
// (the plain-HTTP retry, the fingerprint paths, the Redfish walk). An
// address is reported when its last request is done.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "http/probe.h"
#include "http/redfish.h"

namespace cmdb::discovery::http {
namespace {

// The Redfish service root; always asked, whatever the rules name.
constexpr char kRedfishRoot[] = "/redfish/v1/";
// Members read from one Redfish collection (a blade enclosure's chassis
// collection can be long; the rest is reported as not read).
constexpr size_t kMaxMembers = 64;

using Clock = std::chrono::steady_clock;

enum class Step { kRootHttps, kRootHttp, kPath, kRedfish };

enum class Resource {
  kSystems,
  kSystem,
  kChassisCollection,
  kChassis,
  kManagers,
  kManager,
  kInterfaces,
  kInterface,
};

bool IsCollection(Resource r) {
  return r == Resource::kSystems || r == Resource::kChassisCollection || r == Resource::kManagers ||
         r == Resource::kInterfaces;
}

// What a request was for.
struct Context {
  size_t endpoint = 0;
  Step step = Step::kRootHttps;
  Resource resource = Resource::kSystems;
  std::string path;     // kPath, kRedfish
  std::string manager;  // kInterfaces, kInterface: the manager's link
  int credential = -1;  // kRedfish: index into the credentials, -1 for none
};

struct ManagerState {
  RedfishManager manager;
  std::map<std::string, RedfishManager::Interface> interfaces;  // by link
};

// One Redfish service being read.
struct Walk {
  // The credential is settled by the first resource that answers 2xx; until
  // then that resource is tried alone (no credential, then each in order)
  // and the other collections wait.
  bool settled = false;
  bool stopped = false;  // every credential refused: nothing more is asked
  int credential = -1;
  std::vector<std::pair<Resource, std::string>> waiting;
  std::set<std::string> requested;
  std::set<int> withheld_reported;
  std::map<std::string, size_t> order;           // link -> when it was found: results keep the services' order
  std::map<std::string, RedfishSystem> systems;  // by link
  std::map<std::string, redfish::Chassis> chassis;
  std::map<std::string, ManagerState> managers;
};

struct Endpoint {
  size_t address = 0;
  int port = 0;
  std::string host;  // as in a URL: IPv6 in brackets
  std::optional<HttpResponse> https, http;
  bool root_done = false;
  bool reported = false;  // something answers: the endpoint is in the result
  bool cancelled = false;
  std::string base;  // scheme://host:port of the answer kept
  EndpointResult result;
  std::vector<HttpResponse> answers;  // `/` and the paths, for the rules
  std::optional<Walk> walk;
};

struct Address {
  std::string address;
  std::vector<size_t> endpoints;  // in port order
  int pending = 0;
  int requests = 0;
  bool done = false;
};

std::string UrlHost(const std::string& address) {
  if (address.find(':') == std::string::npos || (!address.empty() && address.front() == '[')) return address;
  std::string out = "[";
  for (char c : address) {
    if (c == '%') {
      out += "%25";  // an IPv6 zone in a URL
    } else {
      out.push_back(c);
    }
  }
  return out + "]";
}

std::string KindText(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "no error";
    case ErrorKind::kRefused: return "connection refused";
    case ErrorKind::kConnectTimeout: return "no connection within the connect timeout";
    case ErrorKind::kTimeout: return "no complete answer within the total timeout";
    case ErrorKind::kTooLarge: return "body too large";
    case ErrorKind::kProtocol: return "not an HTTP answer";
    case ErrorKind::kTls: return "TLS handshake failed";
    case ErrorKind::kTooManyRedirects: return "too many redirects";
    case ErrorKind::kOther: break;
  }
  return "failed";
}

// "<url>: <what went wrong>".
std::string Describe(const HttpResponse& r) {
  return r.url + ": " + (r.error_text.empty() ? KindText(r.error) : r.error_text);
}

bool Success(int status) { return status >= 200 && status < 300; }

bool NothingThere(const HttpResponse& r) {
  return r.status == 0 && (r.error == ErrorKind::kRefused || r.error == ErrorKind::kConnectTimeout);
}

std::string TitleOf(const HttpResponse& r) {
  auto it = r.headers.find("content-type");
  if (it != r.headers.end()) {
    std::string type = it->second;
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
    if (type.find("json") != std::string::npos || type.rfind("image/", 0) == 0) return {};
  }
  return ExtractTitle(r.body);
}

class Prober {
 public:
  Prober(const std::vector<HttpCredential>& credentials, const Fingerprints& fingerprints, const ProbeOptions& options,
         const std::function<void(AddressResult)>& on_done, const std::function<bool()>& cancelled)
      : credentials_(credentials),
        fingerprints_(fingerprints),
        options_(options),
        on_done_(on_done),
        cancelled_(cancelled) {
    std::set<std::string> paths(fingerprints.paths().begin(), fingerprints.paths().end());
    paths.insert(kRedfishRoot);
    paths.erase("/");
    paths_.assign(paths.begin(), paths.end());
  }

  void Run(const std::vector<std::string>& addresses) {
    start_ = Clock::now();
    std::vector<int> ports;
    for (int port : options_.ports) {
      if (port > 0 && port < 65536 && std::find(ports.begin(), ports.end(), port) == ports.end()) {
        ports.push_back(port);
      }
    }
    addresses_.reserve(addresses.size());
    for (const std::string& address : addresses) {
      size_t a = addresses_.size();
      addresses_.push_back(Address{.address = address});
      for (int port : ports) {
        size_t e = endpoints_.size();
        Endpoint endpoint;
        endpoint.address = a;
        endpoint.port = port;
        endpoint.host = UrlHost(address);
        endpoints_.push_back(std::move(endpoint));
        addresses_[a].endpoints.push_back(e);
        Send(e, Context{.endpoint = e, .step = Step::kRootHttps}, Base(e, "https") + "/", nullptr);
      }
    }
    for (Address& a : addresses_) {
      if (a.pending == 0) Finish(a);
    }
    if (initial_.empty()) return;
    HttpEngine engine(options_.http);
    engine.Run(
        std::move(initial_),
        [this](HttpResponse response, HttpEngine::Queue& queue) {
          queue_ = &queue;
          OnDone(std::move(response));
          queue_ = nullptr;
        },
        cancelled_);
    // The engine answers every request, cancelled ones included; this only
    // guards against an address left over.
    stopping_ = stopping_ || (cancelled_ && cancelled_());
    for (Address& a : addresses_) {
      if (!a.done) {
        for (size_t e : a.endpoints) {
          if (!endpoints_[e].root_done) endpoints_[e].cancelled = true;
        }
        Finish(a);
      }
    }
  }

 private:
  std::string Base(size_t e, const char* scheme) const {
    return std::string(scheme) + "://" + endpoints_[e].host + ":" + std::to_string(endpoints_[e].port);
  }

  bool Stopping() {
    if (!stopping_ && cancelled_ && cancelled_()) stopping_ = true;
    return stopping_;
  }

  void Send(size_t e, Context context, std::string url, const HttpCredential* credential,
            std::map<std::string, std::string> headers = {}) {
    Address& a = addresses_[endpoints_[e].address];
    HttpRequest request;
    request.url = std::move(url);
    request.credential = credential;
    request.headers = std::move(headers);
    request.tag = contexts_.size();
    contexts_.push_back(std::move(context));
    ++a.pending;
    ++a.requests;
    if (queue_ != nullptr) {
      queue_->Add(std::move(request));
    } else {
      initial_.push_back(std::move(request));
    }
  }

  void OnDone(HttpResponse r) {
    if (r.tag >= contexts_.size()) return;
    const Context context = contexts_[r.tag];
    Endpoint& e = endpoints_[context.endpoint];
    Address& a = addresses_[e.address];
    bool cancelled = r.error == ErrorKind::kOther && Stopping();
    if (cancelled) e.cancelled = true;
    switch (context.step) {
      case Step::kRootHttps:
      case Step::kRootHttp: OnRoot(context, std::move(r), cancelled); break;
      case Step::kPath: OnPath(context, std::move(r)); break;
      case Step::kRedfish: OnRedfish(context, std::move(r)); break;
    }
    if (--a.pending == 0) Finish(a);
  }

  // `/` over HTTPS, then (a TLS or protocol failure: a plain-HTTP server) over
  // HTTP. Refused or silent on both: nothing there.
  void OnRoot(const Context& context, HttpResponse r, bool cancelled) {
    size_t index = context.endpoint;
    Endpoint& e = endpoints_[index];
    if (context.step == Step::kRootHttps) {
      bool retry = r.status == 0 && (r.error == ErrorKind::kTls || r.error == ErrorKind::kProtocol);
      e.https = std::move(r);
      if (retry) {
        if (Stopping()) {
          e.cancelled = true;  // the HTTP retry never ran: unknown
        } else {
          Send(index, Context{.endpoint = index, .step = Step::kRootHttp}, Base(index, "http") + "/", nullptr);
        }
        return;
      }
    } else {
      e.http = std::move(r);
    }
    e.root_done = !cancelled;
    // The answer kept: plain HTTP when it got anywhere, else the HTTPS one.
    const HttpResponse* kept = &*e.https;
    const char* scheme = "https";
    if (e.http && !NothingThere(*e.http)) {
      kept = &*e.http;
      scheme = "http";
    }
    if (cancelled && kept->status == 0) return;  // reported as cancelled by Finish
    if (NothingThere(*kept)) return;
    e.reported = true;
    e.base = Base(index, scheme);
    EndpointResult& out = e.result;
    out.scheme = scheme;
    out.url = e.base + "/";
    out.status = kept->status;
    out.http_version = kept->http_version;
    if (auto it = kept->headers.find("server"); it != kept->headers.end()) out.server = it->second;
    if (kept->status > 0) out.title = TitleOf(*kept);
    out.final_url = kept->final_url;
    out.redirects = kept->redirects;
    out.seconds = kept->seconds;
    out.certificate = e.https ? e.https->certificate : std::nullopt;
    out.error = kept->error;
    if (kept->error != ErrorKind::kNone && !(cancelled && kept->error == ErrorKind::kOther)) {
      out.errors.push_back(Describe(*kept));
    }
    bool answered = kept->status > 0 && (kept->error == ErrorKind::kNone || kept->error == ErrorKind::kTooLarge ||
                                         kept->error == ErrorKind::kTooManyRedirects);
    if (kept->status > 0) e.answers.push_back(*kept);
    if (!answered) return;
    if (Stopping()) {
      e.cancelled = true;
      return;
    }
    for (const std::string& path : paths_) {
      Send(index, Context{.endpoint = index, .step = Step::kPath, .path = path}, e.base + path, nullptr);
    }
  }

  void OnPath(const Context& context, HttpResponse r) {
    Endpoint& e = endpoints_[context.endpoint];
    if (r.error != ErrorKind::kNone && !(r.error == ErrorKind::kOther && e.cancelled)) {
      e.result.errors.push_back(Describe(r));
    }
    if (r.status <= 0) return;
    // A root reached by a redirect to another scheme or port is walked
    // there (when that port is probed), not through this one.
    const std::string& final_url = r.final_url.empty() ? r.url : r.final_url;
    if (context.path == kRedfishRoot && Success(r.status) && !r.truncated && final_url.rfind(e.base + "/", 0) == 0) {
      auto root = redfish::ParseServiceRoot(r.body);
      if (root.ok()) StartWalk(context.endpoint, *root);
    }
    e.answers.push_back(std::move(r));
  }

  void StartWalk(size_t index, const redfish::ServiceRoot& root) {
    Endpoint& e = endpoints_[index];
    RedfishService service;
    service.redfish_version = root.redfish_version;
    service.uuid = root.uuid;
    service.vendor = root.vendor;
    service.product = root.product;
    e.result.redfish = std::move(service);
    Walk& w = e.walk.emplace();
    if (!root.systems.empty()) w.waiting.emplace_back(Resource::kSystems, root.systems);
    if (!root.managers.empty()) w.waiting.emplace_back(Resource::kManagers, root.managers);
    if (!root.chassis.empty()) w.waiting.emplace_back(Resource::kChassisCollection, root.chassis);
    for (const auto& [resource, path] : w.waiting) w.requested.insert(path);
    TryNextWaiting(index, -1);
  }

  // Sends the first waiting resource alone, to settle the credential.
  void TryNextWaiting(size_t index, int credential) {
    Walk& w = *endpoints_[index].walk;
    if (w.waiting.empty() || Stopping()) return;
    auto [resource, path] = w.waiting.front();
    w.waiting.erase(w.waiting.begin());
    SendRedfish(index, resource, path, {}, credential);
  }

  void SendRedfish(size_t index, Resource resource, const std::string& path, const std::string& manager,
                   int credential) {
    Endpoint& e = endpoints_[index];
    if (Stopping()) {
      e.cancelled = true;
      return;
    }
    const HttpCredential* c = credential >= 0 ? &credentials_[static_cast<size_t>(credential)] : nullptr;
    Send(index,
         Context{.endpoint = index,
                 .step = Step::kRedfish,
                 .resource = resource,
                 .path = path,
                 .manager = manager,
                 .credential = credential},
         e.base + path, c, {{"Accept", "application/json"}, {"OData-Version", "4.0"}});
  }

  // A member link found in a resource: asked once per service.
  void Follow(size_t index, Resource resource, const std::string& path, const std::string& manager = {}) {
    Walk& w = *endpoints_[index].walk;
    if (w.stopped || !w.requested.insert(path).second) return;
    w.order.emplace(path, w.order.size());
    SendRedfish(index, resource, path, manager, w.credential);
  }

  void OnRedfish(const Context& context, HttpResponse r) {
    size_t index = context.endpoint;
    Endpoint& e = endpoints_[index];
    Walk& w = *e.walk;
    std::vector<std::string>& errors = e.result.errors;
    if (r.error == ErrorKind::kOther && e.cancelled) return;
    if (context.credential >= 0 && !r.credential_sent && !r.credential_withheld.empty() &&
        w.withheld_reported.insert(context.credential).second) {
      errors.push_back("credential " + credentials_[static_cast<size_t>(context.credential)].name +
                       " withheld: " + r.credential_withheld);
    }
    bool refused = r.status == 401 || r.status == 403;
    if (!w.settled) {
      if (refused) {
        int next = context.credential + 1;
        if (static_cast<size_t>(next) < credentials_.size()) {
          SendRedfish(index, context.resource, context.path, context.manager, next);
          return;
        }
        w.stopped = true;
        std::string names;
        for (const HttpCredential& c : credentials_) names += (names.empty() ? "" : ", ") + c.name;
        errors.push_back(r.url + ": HTTP " + std::to_string(r.status) +
                         (credentials_.empty() ? ", and the job has no HTTP credential"
                                               : " with every HTTP credential (" + names + ")"));
        return;
      }
      if (!Success(r.status)) {
        // Not a question of credentials: report it, settle on the next one.
        errors.push_back(r.status > 0 ? r.url + ": HTTP " + std::to_string(r.status) : Describe(r));
        TryNextWaiting(index, context.credential);
        return;
      }
      w.settled = true;
      w.credential = r.credential_sent ? context.credential : -1;
      e.result.redfish->credential =
          w.credential >= 0 ? credentials_[static_cast<size_t>(w.credential)].name : std::string();
      std::vector<std::pair<Resource, std::string>> waiting;
      waiting.swap(w.waiting);
      for (const auto& [resource, path] : waiting) SendRedfish(index, resource, path, {}, w.credential);
    } else if (!Success(r.status)) {
      if (r.status > 0) {
        std::string with = context.credential >= 0
                               ? " with credential " + credentials_[static_cast<size_t>(context.credential)].name
                               : std::string();
        errors.push_back(r.url + ": HTTP " + std::to_string(r.status) + (refused ? with : std::string()));
      } else {
        errors.push_back(Describe(r));
      }
      return;
    }
    if (r.truncated) {
      errors.push_back(Describe(r));
      return;
    }
    Parse(index, context, r);
  }

  void Parse(size_t index, const Context& context, const HttpResponse& r) {
    Endpoint& e = endpoints_[index];
    Walk& w = *e.walk;
    std::vector<std::string>& errors = e.result.errors;
    auto fail = [&](const absl::Status& status) { errors.push_back(r.url + ": " + std::string(status.message())); };
    if (IsCollection(context.resource)) {
      auto members = redfish::ParseCollection(r.body);
      if (!members.ok()) return fail(members.status());
      if (members->size() > kMaxMembers) {
        errors.push_back(r.url + ": " + std::to_string(members->size()) + " members, the first " +
                         std::to_string(kMaxMembers) + " read");
        members->resize(kMaxMembers);
      }
      Resource member = context.resource == Resource::kSystems             ? Resource::kSystem
                        : context.resource == Resource::kChassisCollection ? Resource::kChassis
                        : context.resource == Resource::kManagers          ? Resource::kManager
                                                                           : Resource::kInterface;
      for (const std::string& link : *members) Follow(index, member, link, context.manager);
      return;
    }
    switch (context.resource) {
      case Resource::kSystem: {
        auto system = redfish::ParseSystem(r.body);
        if (!system.ok()) return fail(system.status());
        if (system->id.empty()) system->id = context.path;
        std::string chassis = system->chassis_id;
        w.systems[context.path] = std::move(*system);
        if (!chassis.empty()) Follow(index, Resource::kChassis, chassis);
        break;
      }
      case Resource::kChassis: {
        auto chassis = redfish::ParseChassis(r.body);
        if (!chassis.ok()) return fail(chassis.status());
        if (chassis->id.empty()) chassis->id = context.path;
        w.chassis[context.path] = *chassis;
        w.chassis.emplace(chassis->id, *chassis);
        break;
      }
      case Resource::kManager: {
        auto manager = redfish::ParseManager(r.body);
        if (!manager.ok()) return fail(manager.status());
        if (manager->manager.id.empty()) manager->manager.id = context.path;
        w.managers[context.path].manager = std::move(manager->manager);
        if (!manager->ethernet_interfaces.empty()) {
          Follow(index, Resource::kInterfaces, manager->ethernet_interfaces, context.path);
        }
        break;
      }
      case Resource::kInterface: {
        auto interface = redfish::ParseEthernetInterface(r.body);
        if (!interface.ok()) return fail(interface.status());
        auto it = w.managers.find(context.manager);
        if (it != w.managers.end()) it->second.interfaces[context.path] = std::move(*interface);
        break;
      }
      default: break;
    }
  }

  void FinishEndpoint(Endpoint& e) {
    EndpointResult& out = e.result;
    out.address = addresses_[e.address].address;
    out.port = e.port;
    if (!e.reported) {
      // Cancelled before `/` finished: unknown, said so.
      out.scheme = "https";
      out.url = Base(static_cast<size_t>(&e - endpoints_.data()), "https") + "/";
      out.error = ErrorKind::kOther;
    } else {
      fingerprints_.Match(e.answers, out);
    }
    if (e.walk && out.redfish) {
      Walk& w = *e.walk;
      auto in_order = [&w](auto& by_link) {
        std::vector<std::pair<size_t, std::string>> links;
        for (const auto& [link, value] : by_link) links.emplace_back(w.order[link], link);
        std::sort(links.begin(), links.end());
        return links;
      };
      for (const auto& [order, link] : in_order(w.systems)) {
        RedfishSystem& system = w.systems[link];
        auto it = w.chassis.find(system.chassis_id);
        if (it != w.chassis.end()) redfish::ApplyChassis(it->second, system);
        out.redfish->systems.push_back(std::move(system));
      }
      for (const auto& [order, link] : in_order(w.managers)) {
        ManagerState& state = w.managers[link];
        for (const auto& [interface_order, interface_link] : in_order(state.interfaces)) {
          state.manager.interfaces.push_back(std::move(state.interfaces[interface_link]));
        }
        out.redfish->managers.push_back(std::move(state.manager));
      }
    }
    if (e.cancelled && std::find(out.errors.begin(), out.errors.end(), "cancelled") == out.errors.end()) {
      out.errors.push_back("cancelled");
    }
  }

  void Finish(Address& a) {
    if (a.done) return;
    a.done = true;
    AddressResult result;
    result.address = a.address;
    result.requests = a.requests;
    result.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    for (size_t index : a.endpoints) {
      Endpoint& e = endpoints_[index];
      if (e.cancelled) result.cancelled = true;
      if (!e.reported && !e.cancelled) continue;
      FinishEndpoint(e);
      result.endpoints.push_back(std::move(e.result));
      e.answers.clear();
      e.walk.reset();
    }
    if (on_done_) on_done_(std::move(result));
  }

  const std::vector<HttpCredential>& credentials_;
  const Fingerprints& fingerprints_;
  const ProbeOptions& options_;
  const std::function<void(AddressResult)>& on_done_;
  const std::function<bool()>& cancelled_;
  std::vector<std::string> paths_;
  Clock::time_point start_;
  std::vector<Address> addresses_;
  std::vector<Endpoint> endpoints_;
  std::vector<Context> contexts_;
  std::vector<HttpRequest> initial_;
  HttpEngine::Queue* queue_ = nullptr;
  bool stopping_ = false;
};

}  // namespace

void ProbeAddresses(const std::vector<std::string>& addresses, const std::vector<HttpCredential>& credentials,
                    const Fingerprints& fingerprints, const ProbeOptions& options,
                    const std::function<void(AddressResult)>& on_done, const std::function<bool()>& cancelled) {
  Prober prober(credentials, fingerprints, options, on_done, cancelled);
  prober.Run(addresses);
}

}  // namespace cmdb::discovery::http
