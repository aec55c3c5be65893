// Inventory -> reconciliation payload.
#include "findings/findings.h"

#include "findings/payload_util.h"
#include "mib/decoders.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

namespace cmdb::discovery {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Catalog knowledge the mapping needs: which classes carry the computer and
// network_device attributes (the catalog is the server's; these are its
// shipped classes).
bool IsComputerClass(const std::string& c) {
  return c == "computer" || c == "server" || c == "hypervisor" || c == "workstation" || c == "virtual_machine";
}
bool IsNetworkClass(const std::string& c) {
  return c == "network_device" || c == "switch" || c == "router" || c == "firewall" ||
         c == "wireless_access_point" || c == "load_balancer";
}

// Placeholders agents put in sysContact / sysLocation / sysName.
bool IsPlaceholder(const std::string& s) {
  if (s.empty()) return true;
  if (s.front() == '<' && s.back() == '>') return true;
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "unknown" || lower == "not set" || lower == "none" || lower == "n/a" || lower == "-" ||
         lower.find("(configure /etc/snmp/snmpd.conf)") != std::string::npos ||
         lower.find("edit /etc/snmp/snmpd.conf") != std::string::npos;
}

// An ISO 8601 time with an offset (or Z) is accepted by the catalog's
// datetime type; the decoders' DateAndTime without an offset is not, and is
// left out rather than guessed.
bool HasZone(const std::string& iso) {
  if (iso.empty()) return false;
  if (iso.back() == 'Z') return true;
  return iso.size() > 6 && (iso[iso.size() - 6] == '+' || iso[iso.size() - 6] == '-') && iso[iso.size() - 3] == ':';
}

// Model names some agents put on every chassis entity.
bool IsGenericModel(const std::string& model) {
  std::string lower;
  for (char c : model) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "chassis" || lower == "system" || lower == "default" || lower == "unknown" ||
         lower == "none" || lower == "n/a" || lower == "not available";
}

bool LooksLikeMac(const std::string& s) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2 ? s[i] != ':' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// A stub's class from the capabilities its neighbour advertises: network
// gear stays generic (discovery of the device itself refines it); a plain
// station is a computer.
std::string StubClass(const std::vector<std::string>& caps) {
  for (const auto& c : caps) {
    if (c == "router" || c == "bridge" || c == "wlanAccessPoint" || c == "repeater" || c == "switch" ||
        c == "transparentBridge" || c == "sourceRouteBridge" || c == "tpmr" || c == "cVLAN" || c == "sVLAN") {
      return "network_device";
    }
  }
  for (const auto& c : caps) {
    if (c == "stationOnly" || c == "host") return "computer";
  }
  return "network_device";
}

// A host name that is fully qualified doubles as the fqdn identifier.
std::optional<std::string> FqdnOf(const std::optional<std::string>& hostname) {
  if (hostname && hostname->find('.') != std::string::npos && hostname->find(' ') == std::string::npos) {
    std::string h = *hostname;
    for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!h.empty() && h.back() == '.') h.pop_back();
    if (!h.empty()) return h;
  }
  return std::nullopt;
}

std::optional<std::string> HostnameOf(const std::optional<std::string>& name) {
  if (!name || name->empty() || name->size() > 253 || IsPlaceholder(*name)) return std::nullopt;
  for (char c : *name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return std::nullopt;
  }
  return *name;
}

class Builder {
 public:
  Builder(const mib::Inventory& inv, const Classification& cls, const DeviceContext& ctx)
      : inv_(inv), cls_(cls), ctx_(ctx) {}

  v1::ReconcileRequest Build() {
    req_.set_source("snmp");
    Device();
    Interfaces();
    Addresses();
    Software();
    Neighbours();
    return std::move(req_);
  }

 private:
  v1::ReconcileItem* Item(const std::string& ref, const std::string& cls, const std::string& name,
                          const std::string& parent_ref) {
    v1::ReconcileItem* item = req_.add_items();
    item->set_ref(ref);
    item->set_class_name(cls);
    item->set_name(Clip(name));
    if (!parent_ref.empty()) item->set_parent_ref(parent_ref);
    return item;
  }

  void Relate(const std::string& from, const char* type, const std::string& to) {
    v1::ReconcileRelation* r = req_.add_relations();
    r->set_from_ref(from);
    r->set_type(type);
    r->set_to_ref(to);
  }

  void Device() {
    const auto& sys = inv_.system;
    class_name_ = cls_.class_name.empty() ? kFallbackClass : cls_.class_name;
    std::optional<std::string> hostname = sys.hostname;
    std::string name = hostname ? *hostname : "";
    if (name.empty() && inv_.lldp_local.sys_name && HostnameOf(inv_.lldp_local.sys_name)) {
      name = *inv_.lldp_local.sys_name;
    }
    if (name.empty()) name = ctx_.address;
    v1::ReconcileItem* item = Item("device", class_name_, name, "");
    Struct* a = item->mutable_attributes();
    const auto& chassis = inv_.chassis;
    SetString(a, "manufacturer", cls_.manufacturer);
    // The chassis entity names the hardware exactly; the rules' model (from
    // sysDescr or a vendor object) serves when it does not.
    // A chassis model taken from entPhysicalDescr (the entity has no model
    // name) is prose; the rules' model is better then.
    bool named = false;
    if (chassis) {
      for (const auto& e : inv_.entities) {
        if (e.index == chassis->entity_index) named = e.model_name.has_value();
      }
    }
    std::string model =
        chassis && chassis->model && !IsGenericModel(*chassis->model) && (named || cls_.model.empty()) ? *chassis->model : "";
    if (model.empty()) model = cls_.model;
    SetString(a, "model", model);
    if (chassis && chassis->serial) {
      SetString(a, "serial_number", chassis->serial);
    } else if (!cls_.serial.empty() && !mib::IsPlaceholderIdentifier(cls_.serial)) {
      SetString(a, "serial_number", cls_.serial);
    }
    SetString(a, "os_name", cls_.os_name);
    SetString(a, "os_version", cls_.os_version);
    if (chassis) {
      SetString(a, "firmware_version", chassis->software_rev ? chassis->software_rev : chassis->firmware_rev);
      SetString(a, "hardware_version", chassis->hardware_rev);
    }
    SetString(a, "hostname", hostname);
    SetString(a, "fqdn", FqdnOf(hostname));
    if (sys.object_id) SetString(a, "sys_object_id", sys.object_id->ToString());
    SetString(a, "sys_descr", sys.descr);
    SetString(a, "management_ip", ctx_.address);
    if (sys.contact && !IsPlaceholder(*sys.contact)) SetString(a, "contact", sys.contact);
    if (sys.location && !IsPlaceholder(*sys.location)) SetString(a, "location_text", sys.location);
    std::vector<std::string> macs;
    for (const auto& m : inv_.macs) {
      if (!IsSharedMac(m)) macs.push_back(m);
    }
    if (inv_.base_mac && !IsSharedMac(*inv_.base_mac)) macs.push_back(*inv_.base_mac);
    std::sort(macs.begin(), macs.end());
    macs.erase(std::unique(macs.begin(), macs.end()), macs.end());
    SetList(a, "mac_addresses", macs);
    std::vector<std::string> addresses = inv_.addresses;
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    SetList(a, "ip_addresses", addresses);
    if (sys.uptime_seconds && ctx_.observed_unix_s > 0 && *sys.uptime_seconds >= 0) {
      // To the hour: the boot time computed from two readings differs by the
      // time between reading the uptime and the clock, and a rescan must not
      // write a new version for that.
      int64_t boot = ctx_.observed_unix_s - *sys.uptime_seconds;
      boot -= boot % 3600;
      SetString(a, "last_boot", Rfc3339(boot));
    }
    if (IsComputerClass(class_name_)) {
      if (inv_.host.memory_mib) SetNumber(a, "memory_mb", static_cast<double>(*inv_.host.memory_mib));
      if (inv_.host.cpu_count && *inv_.host.cpu_count > 0) SetNumber(a, "cpu_count", *inv_.host.cpu_count);
    }
    if (IsNetworkClass(class_name_)) SetNumber(a, "port_count", static_cast<double>(inv_.interfaces.size()));
    uint64_t disk = 0;
    for (const auto& s : inv_.host.storage) {
      if (s.type && *s.type == "fixedDisk" && s.size_bytes) disk += *s.size_bytes;
    }
    if (disk > 0) SetNumber(a, "storage_gb", std::round(static_cast<double>(disk) / 1e7) / 100.0);
  }

  void Interfaces() {
    std::set<std::string> names;
    for (const auto& i : inv_.interfaces) {
      std::string name = i.name.empty() ? (i.descr ? *i.descr : "") : i.name;
      if (name.empty()) name = "ifIndex " + std::to_string(i.if_index);
      if (!names.insert(name).second) {
        name += " (ifIndex " + std::to_string(i.if_index) + ")";
        names.insert(name);
      }
      const std::string ref = "if:" + std::to_string(i.if_index);
      if_refs_[i.if_index] = ref;
      v1::ReconcileItem* item = Item(ref, "interface", name, "device");
      Struct* a = item->mutable_attributes();
      SetString(a, "if_name", name);
      SetNumber(a, "if_index", i.if_index);
      SetString(a, "if_descr", i.descr);
      SetString(a, "if_alias", i.alias);
      if (i.type) SetNumber(a, "if_type", *i.type);
      if (i.mtu) SetNumber(a, "mtu", *i.mtu);
      if (i.mac && !IsSharedMac(*i.mac)) SetString(a, "mac_address", i.mac);
      if (i.speed_mbps) SetNumber(a, "speed_mbps", std::round(*i.speed_mbps));
      SetString(a, "admin_status", i.admin_status);
      SetString(a, "oper_status", i.oper_status);
    }
  }

  void Addresses() {
    std::set<std::string> seen;
    for (const auto& ip : inv_.ip_addresses) {
      if (ip.loopback || ip.link_local || !seen.insert(ip.address).second) continue;
      const std::string ref = "ip:" + ip.address;
      v1::ReconcileItem* item = Item(ref, "ip_address", ip.address, "device");
      Struct* a = item->mutable_attributes();
      SetString(a, "address", ip.address);
      if (ip.prefix_length) SetNumber(a, "prefix_length", *ip.prefix_length);
      SetString(a, "family", std::string(ip.family == mib::IpFamily::kIpv4 ? "ipv4" : "ipv6"));
      if (ip.if_index) {
        auto it = if_refs_.find(*ip.if_index);
        if (it != if_refs_.end()) Relate(ref, "assigned_to", it->second);
      }
    }
  }

  void Software() {
    std::set<std::pair<std::string, std::string>> seen;
    int n = 0;
    for (const auto& sw : inv_.host.software) {
      const std::string name = sw.package ? *sw.package : sw.name;
      const std::string version = sw.version ? *sw.version : "";
      if (name.empty() || !seen.emplace(name, version).second) continue;
      const std::string ref = "sw:" + std::to_string(n++);
      v1::ReconcileItem* item = Item(ref, "software", name, "device");
      Struct* a = item->mutable_attributes();
      // {name, version} identifies a software install within its host, and
      // {name} one whose version is unknown or changed.
      SetString(a, "version", version);
      if (sw.installed && HasZone(*sw.installed)) SetString(a, "install_date", sw.installed);
      Relate(ref, "runs_on", "device");
    }
  }

  // A neighbour: a stub device identified by what the protocol tells, its
  // port as a stub interface, and the link between the two interfaces.
  void Stub(const std::string& local_ref, const std::string& cls, std::string name,
            const std::optional<std::string>& sys_name, const std::optional<std::string>& mac,
            const std::optional<std::string>& address, const std::optional<std::string>& port_name,
            const std::optional<std::string>& port_descr, const std::optional<std::string>& port_mac) {
    const std::optional<std::string> hostname = HostnameOf(sys_name);
    const std::optional<std::string> fqdn = FqdnOf(hostname);
    const bool identifiable = (mac && !IsSharedMac(*mac)) || fqdn || (address && hostname);
    if (!identifiable) return;
    if (name.empty()) name = hostname ? *hostname : (mac ? *mac : "");
    if (name.empty()) return;
    const std::string ref = "nbr:" + std::to_string(stubs_++);
    v1::ReconcileItem* item = Item(ref, cls, name, "");
    item->set_create_only(true);
    Struct* a = item->mutable_attributes();
    if (mac && !IsSharedMac(*mac)) SetList(a, "mac_addresses", {*mac});
    SetString(a, "hostname", hostname);
    SetString(a, "fqdn", fqdn);
    SetString(a, "management_ip", address);
    std::string port = port_name ? *port_name : (port_descr ? *port_descr : "");
    if (port.empty()) return;  // the device alone is still worth knowing
    const std::string port_ref = ref + ":port";
    v1::ReconcileItem* pitem = Item(port_ref, "interface", port, ref);
    pitem->set_create_only(true);
    Struct* pa = pitem->mutable_attributes();
    SetString(pa, "if_name", port);
    SetString(pa, "if_descr", port_descr ? *port_descr : port);
    if (port_mac && !IsSharedMac(*port_mac)) SetString(pa, "mac_address", port_mac);
    Relate(local_ref, "connected_to", port_ref);
  }

  // CDP names the remote port in full ("GigabitEthernet1/0/1"); IOS and
  // IOS-XE name the same port "Gi1/0/1" in ifName, which identifies it. NX-OS
  // uses the full name in ifName too.
  static std::string CdpPortName(const std::string& port, const std::optional<std::string>& platform) {
    if (platform && (platform->find("N5K") != std::string::npos || platform->find("N3K") != std::string::npos ||
                     platform->find("N7K") != std::string::npos || platform->find("N9K") != std::string::npos ||
                     platform->find("Nexus") != std::string::npos)) {
      return port;
    }
    static const std::pair<const char*, const char*> kShort[] = {
        {"HundredGigE", "Hu"},          {"FortyGigabitEthernet", "Fo"}, {"TwentyFiveGigE", "Twe"},
        {"TenGigabitEthernet", "Te"},   {"GigabitEthernet", "Gi"},      {"FastEthernet", "Fa"},
        {"AppGigabitEthernet", "Ap"},   {"Port-channel", "Po"}};
    for (const auto& [full, abbr] : kShort) {
      const size_t n = std::char_traits<char>::length(full);
      if (port.compare(0, n, full) == 0 && port.size() > n && std::isdigit(static_cast<unsigned char>(port[n]))) {
        return abbr + port.substr(n);
      }
    }
    return port;
  }

  void Neighbours() {
    for (const auto& n : inv_.lldp_neighbors) {
      if (!n.local_if_index) continue;
      auto local = if_refs_.find(*n.local_if_index);
      if (local == if_refs_.end()) continue;
      std::optional<std::string> mac;
      if (n.chassis_id_subtype == 4 && n.chassis_id && LooksLikeMac(*n.chassis_id)) mac = n.chassis_id;
      std::optional<std::string> address;
      for (const auto& m : n.management_addresses) {
        if (!address || (address->find(':') != std::string::npos && m.find(':') == std::string::npos)) address = m;
      }
      if (!address && n.chassis_id_subtype == 5 && n.chassis_id) address = n.chassis_id;
      std::optional<std::string> port_name, port_mac;
      if (n.port_id_subtype == 3 && n.port_id && LooksLikeMac(*n.port_id)) {
        port_mac = n.port_id;
      } else if (n.port_id && !n.port_id->empty()) {
        port_name = n.port_id;
      }
      const std::string name = n.sys_name && !IsPlaceholder(*n.sys_name) ? *n.sys_name : "";
      Stub(local->second, StubClass(n.capabilities_enabled.empty() ? n.capabilities_supported : n.capabilities_enabled),
           name, n.sys_name, mac, address, port_name, n.port_descr, port_mac);
    }
    for (const auto& n : inv_.cdp_neighbors) {
      auto local = if_refs_.find(n.local_if_index);
      if (local == if_refs_.end()) continue;
      const std::string name = n.hostname ? *n.hostname : (n.device_id ? *n.device_id : "");
      std::optional<std::string> port;
      if (n.remote_port) port = CdpPortName(*n.remote_port, n.platform);
      Stub(local->second, StubClass(n.capabilities), name, n.hostname ? n.hostname : n.device_id, std::nullopt,
           n.address, port, n.remote_port, std::nullopt);
    }
  }

  const mib::Inventory& inv_;
  const Classification& cls_;
  const DeviceContext& ctx_;
  v1::ReconcileRequest req_;
  std::string class_name_;
  std::map<uint32_t, std::string> if_refs_;
  int stubs_ = 0;
};

}  // namespace

bool IsSharedMac(const std::string& mac) {
  if (mac.size() != 17) return true;
  auto prefix = [&](const char* p) { return mac.compare(0, std::char_traits<char>::length(p), p) == 0; };
  // Group (multicast/broadcast) addresses: the low bit of the first octet.
  const int first = std::stoi(mac.substr(0, 2), nullptr, 16);
  if (first & 1) return true;
  return prefix("00:00:5e:00:01:") ||  // VRRP (IPv4)
         prefix("00:00:5e:00:02:") ||  // VRRP (IPv6)
         prefix("00:00:0c:07:ac:") ||  // HSRPv1
         prefix("00:00:0c:9f:f") ||    // HSRPv2
         prefix("00:07:b4:00:") ||     // GLBP
         prefix("02:00:00:00:00:") ||  // placeholder MACs some agents report
         mac == "00:00:00:00:00:00";
}

v1::ReconcileRequest BuildFindings(const mib::Inventory& inventory, const Classification& classification,
                                   const DeviceContext& context) {
  return Builder(inventory, classification, context).Build();
}

}  // namespace cmdb::discovery
