// HTTP endpoints -> reconciliation payload.
#include "findings/http_findings.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "findings/payload_util.h"

namespace cmdb::discovery {
namespace {

using google::protobuf::Struct;
using http::Certificate;
using http::EndpointResult;
using http::RedfishManager;
using http::RedfishService;
using http::RedfishSystem;

// "address:port", IPv6 in brackets.
std::string HostPort(const EndpointResult& e) {
  const bool v6 = e.address.find(':') != std::string::npos;
  return (v6 ? "[" + e.address + "]" : e.address) + ":" + std::to_string(e.port);
}

// The common name of an RFC 2253 subject ("CN=web1,O=Lab" -> "web1").
std::string CommonName(const std::string& subject) {
  size_t at = 0;
  while (at < subject.size()) {
    if (subject.compare(at, 3, "CN=") == 0) {
      std::string cn;
      for (size_t i = at + 3; i < subject.size(); ++i) {
        if (subject[i] == '\\' && i + 1 < subject.size()) {
          cn.push_back(subject[++i]);
        } else if (subject[i] == ',') {
          break;
        } else {
          cn.push_back(subject[i]);
        }
      }
      return cn;
    }
    // Next RDN: skip to the next unescaped comma.
    bool escaped = false;
    for (; at < subject.size(); ++at) {
      if (escaped) {
        escaped = false;
      } else if (subject[at] == '\\') {
        escaped = true;
      } else if (subject[at] == ',') {
        ++at;
        break;
      }
    }
  }
  return "";
}

std::string CertificateName(const Certificate& c) {
  std::string cn = CommonName(c.subject);
  if (!cn.empty()) return cn;
  for (const auto& san : c.subject_alt_names) {
    const size_t colon = san.find(':');
    if (colon != std::string::npos) return san.substr(colon + 1);
  }
  return "certificate " + c.fingerprint_sha256.substr(0, 16);
}

// The system a Redfish service describes as the host of its controller:
// the one the manager says it manages, else the only one.
const RedfishSystem* HostSystem(const RedfishService& service) {
  for (const RedfishManager& m : service.managers) {
    for (const RedfishSystem& s : service.systems) {
      if (std::find(m.manages.begin(), m.manages.end(), s.id) != m.manages.end()) return &s;
    }
  }
  return service.systems.size() == 1 ? &service.systems.front() : nullptr;
}

const RedfishManager* ManagerOf(const RedfishService& service, const RedfishSystem& system) {
  for (const RedfishManager& m : service.managers) {
    if (std::find(m.manages.begin(), m.manages.end(), system.id) != m.manages.end()) return &m;
  }
  return service.managers.size() == 1 ? &service.managers.front() : nullptr;
}

class Builder {
 public:
  Builder(const http::AddressResult& result, const HttpContext& context) : result_(result), context_(context) {}

  v1::ReconcileRequest Build() {
    req_.set_source("http");
    // An endpoint that gave no HTTP answer (garbage, silence) is an error
    // in the run log, not an application.
    const bool any = std::any_of(result_.endpoints.begin(), result_.endpoints.end(),
                                 [](const EndpointResult& e) { return e.status > 0; });
    if (!any) return req_;
    AddHost();
    for (const EndpointResult& e : result_.endpoints) {
      if (e.status > 0) AddEndpoint(e);
    }
    return req_;
  }

 private:
  // The host item (or the known host's id) that endpoints run on.
  void AddHost() {
    for (const EndpointResult& e : result_.endpoints) {
      if (!e.redfish) continue;
      const RedfishSystem* system = HostSystem(*e.redfish);
      if (system == nullptr || (system->serial_number.empty() && system->uuid.empty())) continue;
      AddRedfishHost(*e.redfish, *system);
      return;
    }
    if (!context_.known_host_id.empty()) {
      host_id_ = context_.known_host_id;
      return;
    }
    auto* item = req_.add_items();
    item->set_ref("host");
    item->set_class_name("computer");
    item->set_name(Clip(result_.address));
    item->set_create_only(true);
    Struct* a = item->mutable_attributes();
    SetString(a, "management_ip", result_.address);
    SetList(a, "ip_addresses", {result_.address});
    host_ref_ = "host";
  }

  void AddRedfishHost(const RedfishService& service, const RedfishSystem& s) {
    auto* item = req_.add_items();
    item->set_ref("host");
    item->set_class_name(s.system_type == "Virtual" ? "virtual_machine" : "server");
    std::string name = !s.hostname.empty() ? s.hostname : s.serial_number;
    if (name.empty()) name = s.manufacturer + " " + s.model;
    item->set_name(Clip(name));
    // Identified by its serial number; without one, by its system UUID as
    // this source's own key (UUIDs are cloned too often to identify a
    // server across sources).
    if (s.serial_number.empty() && s.chassis_serial.empty()) item->set_source_key("system-uuid:" + s.uuid);
    Struct* a = item->mutable_attributes();
    SetString(a, "manufacturer", s.manufacturer);
    SetString(a, "model", s.model);
    SetString(a, "serial_number", !s.serial_number.empty() ? s.serial_number : s.chassis_serial);
    SetString(a, "system_uuid", s.uuid);
    SetString(a, "sku", s.sku);
    SetString(a, "bios_version", s.bios_version);
    SetString(a, "power_state", s.power_state);
    if (s.memory_gib && *s.memory_gib > 0) SetNumber(a, "memory_mb", std::round(*s.memory_gib * 1024));
    if (s.processor_count && *s.processor_count > 0) SetNumber(a, "cpu_count", *s.processor_count);
    SetString(a, "cpu_model", s.processor_model);
    if (const RedfishManager* m = ManagerOf(service, s)) {
      SetString(a, "bmc_firmware_version", m->firmware_version);
      AddControllerInterfaces(*m);
    }
    host_ref_ = "host";
  }

  // The controller's interfaces as dependents of the host; the one holding
  // the probed address gets it as an ip_address below it.
  void AddControllerInterfaces(const RedfishManager& m) {
    int n = 0;
    for (const auto& i : m.interfaces) {
      if (i.mac_address.empty()) continue;
      const std::string ref = "bmc:" + std::to_string(n++);
      auto* item = req_.add_items();
      item->set_ref(ref);
      item->set_class_name("interface");
      item->set_parent_ref("host");
      item->set_name(Clip("BMC " + (!i.name.empty() ? i.name : i.id)));
      Struct* a = item->mutable_attributes();
      SetString(a, "if_name", "bmc-" + (!i.id.empty() ? i.id : std::to_string(n)));
      SetString(a, "if_descr", "management controller " + (!m.model.empty() ? m.model : m.id) + " " + i.name);
      SetString(a, "mac_address", i.mac_address);
      const bool has_probed = std::find(i.ipv4.begin(), i.ipv4.end(), result_.address) != i.ipv4.end() ||
                              std::find(i.ipv6.begin(), i.ipv6.end(), result_.address) != i.ipv6.end();
      if (has_probed || (m.interfaces.size() == 1)) {
        auto* ip = req_.add_items();
        ip->set_ref(ref + ":ip");
        ip->set_class_name("ip_address");
        ip->set_parent_ref(ref);
        ip->set_name(Clip(result_.address));
        Struct* ia = ip->mutable_attributes();
        SetString(ia, "address", result_.address);
        SetString(ia, "family", std::string(result_.address.find(':') == std::string::npos ? "ipv4" : "ipv6"));
      }
    }
  }

  void AddEndpoint(const EndpointResult& e) {
    const std::string app_ref = "app:" + std::to_string(e.port);
    auto* item = req_.add_items();
    item->set_ref(app_ref);
    item->set_class_name("application");
    item->set_name(Clip(EndpointName(e)));
    Struct* a = item->mutable_attributes();
    SetString(a, "url", e.url);
    SetString(a, "address", e.address);
    if (e.status > 0) SetNumber(a, "http_status", e.status);
    SetString(a, "server_header", e.server);
    SetString(a, "page_title", e.title);
    if (!e.final_url.empty() && e.final_url != e.url) SetString(a, "final_url", e.final_url);
    SetString(a, "vendor", e.vendor);
    SetString(a, "product", e.product);
    SetString(a, "version", e.version);
    SetBool(a, "tls", e.scheme == "https");
    if (e.certificate) {
      SetBool(a, "tls_verified", e.certificate->chain_verified && e.certificate->hostname_matches);
    }
    auto* runs_on = req_.add_relations();
    runs_on->set_from_ref(app_ref);
    runs_on->set_type("runs_on");
    if (!host_ref_.empty()) {
      runs_on->set_to_ref(host_ref_);
    } else {
      runs_on->set_to_id(host_id_);
    }
    if (e.certificate && !e.certificate->fingerprint_sha256.empty()) {
      const std::string cert_ref = AddCertificate(*e.certificate);
      auto* secures = req_.add_relations();
      secures->set_from_ref(cert_ref);
      secures->set_type("secures");
      secures->set_to_ref(app_ref);
      secures->set_exclusive_at(v1::RELATION_END_TO);
    }
  }

  std::string AddCertificate(const Certificate& c) {
    const std::string ref = "cert:" + c.fingerprint_sha256;
    if (!certificates_.insert(ref).second) return ref;
    auto* item = req_.add_items();
    item->set_ref(ref);
    item->set_class_name("certificate");
    item->set_name(Clip(CertificateName(c)));
    Struct* a = item->mutable_attributes();
    SetString(a, "subject", c.subject);
    SetString(a, "issuer", c.issuer);
    SetString(a, "serial", c.serial);
    if (c.not_before != 0) SetString(a, "not_before", Rfc3339(c.not_before));
    if (c.not_after != 0) SetString(a, "not_after", Rfc3339(c.not_after));
    SetString(a, "fingerprint_sha256", c.fingerprint_sha256);
    // A SAN is the certificate's bytes (an IA5String may hold any byte):
    // made UTF-8 like every other text, or the server refuses the report.
    std::vector<std::string> alt_names;
    for (const std::string& name : c.subject_alt_names) alt_names.push_back(Clip(name));
    SetList(a, "subject_alt_names", alt_names);
    SetString(a, "key_type", c.key_type);
    if (c.key_bits > 0) SetNumber(a, "key_bits", c.key_bits);
    SetString(a, "signature_algorithm", c.signature_algorithm);
    SetBool(a, "self_signed", c.self_signed);
    SetBool(a, "chain_verified", c.chain_verified);
    SetString(a, "verify_error", c.chain_verified ? std::string() : c.verify_error);
    return ref;
  }

  const http::AddressResult& result_;
  const HttpContext& context_;
  v1::ReconcileRequest req_;
  std::string host_ref_, host_id_;
  std::set<std::string> certificates_;
};

}  // namespace

std::string EndpointName(const EndpointResult& e) {
  const std::string what = !e.product.empty() ? e.product : "web";
  return what + " " + HostPort(e);
}

v1::ReconcileRequest BuildHttpFindings(const http::AddressResult& result, const HttpContext& context) {
  return Builder(result, context).Build();
}

}  // namespace cmdb::discovery
