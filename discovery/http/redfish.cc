// Redfish JSON -> values. Every accessor checks the type it reads; a value of
// another type is treated as absent.
#include "http/redfish.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "classify/text_util.h"

namespace cmdb::discovery::http::redfish {
namespace {

using Json = nlohmann::json;

// Strings kept from a resource are cut here: no identifying value is longer.
constexpr size_t kMaxValue = 256;
constexpr size_t kMaxLink = 512;
// At most this many entries of one array are read (members, addresses).
constexpr size_t kMaxArray = 4096;

// A server's text as a value: control characters (NUL too, which the
// CMDB's store refuses) read as spaces, white space trimmed, at most
// kMaxValue bytes, never cut inside a UTF-8 sequence.
std::string Trim(std::string_view s) {
  auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  std::string out(text::CutBeforeChar(s, kMaxValue));
  for (char& c : out) {
    if (blank(c)) c = ' ';
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses a JSON object; anything else is INVALID_ARGUMENT.
absl::StatusOr<Json> ParseObject(std::string_view body) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::string start = Trim(body.substr(0, 40));
    for (char& c : start) {
      if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
    }
    return absl::InvalidArgumentError(body.empty() ? std::string("empty body, not JSON")
                                                   : "not JSON (body starts \"" + start + "\")");
  }
  if (!doc.is_object()) return absl::InvalidArgumentError(std::string("JSON but not an object: ") + doc.type_name());
  return doc;
}

const Json* Member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// A string member, trimmed; "" when absent or of another type. Numbers are
// taken as their decimal text (some services send a serial as a number).
std::string Text(const Json& object, std::string_view key) {
  const Json* v = Member(object, key);
  if (v == nullptr) return {};
  if (v->is_string()) return Trim(v->get_ref<const std::string&>());
  if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
  return {};
}

std::string Link(const Json& object) {
  const Json* id = Member(object, "@odata.id");
  if (id == nullptr || !id->is_string()) return {};
  const std::string& link = id->get_ref<const std::string&>();
  return ResourcePath(link) ? link : std::string();
}

// The @odata.id of object[key] ({"@odata.id": ...}).
std::string LinkOf(const Json& object, std::string_view key) {
  const Json* v = Member(object, key);
  return v == nullptr ? std::string() : Link(*v);
}

// The @odata.id of each entry of the array object[key].
std::vector<std::string> Links(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  const Json* v = Member(object, key);
  if (v == nullptr || !v->is_array()) return out;
  std::set<std::string> seen;
  size_t n = 0;
  for (const Json& item : *v) {
    if (++n > kMaxArray) break;
    std::string link = Link(item);
    if (!link.empty() && seen.insert(link).second) out.push_back(std::move(link));
  }
  return out;
}

// The id a resource gives itself; "" when it is not a usable path.
std::string SelfId(const Json& object) { return Link(object); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> Addresses(const Json& object, std::string_view key, bool v6) {
  std::vector<std::string> out;
  const Json* v = Member(object, key);
  if (v == nullptr || !v->is_array()) return out;
  size_t n = 0;
  for (const Json& item : *v) {
    if (++n > kMaxArray) break;
    std::string address = Text(item, "Address");
    if (address.empty() || address == "0.0.0.0" || address == "::") continue;
    // Keep only what can be an address (no URL, no free text).
    bool plausible = std::all_of(address.begin(), address.end(), [v6](char c) {
      return HexValue(c) >= 0 || c == '.' || (v6 && (c == ':' || c == '%'));
    });
    if (!plausible) continue;
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(std::move(address));
  }
  return out;
}

}  // namespace

bool ResourcePath(std::string_view link) {
  if (link.size() > kMaxLink) return false;
  if (link != "/redfish/v1" && link.rfind("/redfish/v1/", 0) != 0) return false;
  if (link.find("..") != std::string_view::npos || link.find("//") != std::string_view::npos) return false;
  for (char c : link) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    // RFC 3986 pchar and '/', without '?' and '#'.
    if (std::string_view("/-._~%!$&'()*+,;=:@").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string NormalizeMac(std::string_view mac) {
  std::string trimmed = Trim(mac);
  std::string digits;
  std::string_view m = trimmed;
  auto all_hex = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return HexValue(c) >= 0; });
  };
  if (m.size() == 17 && (m[2] == ':' || m[2] == '-')) {
    char sep = m[2];
    for (size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (m[i] != sep) return {};
      } else {
        digits.push_back(m[i]);
      }
    }
  } else if (m.size() == 14 && m[4] == '.' && m[9] == '.') {
    digits = std::string(m.substr(0, 4)) + std::string(m.substr(5, 4)) + std::string(m.substr(10, 4));
  } else if (m.size() == 12) {
    digits = std::string(m);
  } else {
    return {};
  }
  if (digits.size() != 12 || !all_hex(digits)) return {};
  if (digits.find_first_not_of('0') == std::string::npos) return {};
  digits = Lower(digits);
  std::string out;
  for (size_t i = 0; i < 12; i += 2) {
    if (!out.empty()) out.push_back(':');
    out.append(digits, i, 2);
  }
  return out;
}

absl::StatusOr<ServiceRoot> ParseServiceRoot(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json& j = *doc;
  std::string self;
  if (const Json* id = Member(j, "@odata.id"); id != nullptr && id->is_string()) {
    self = id->get<std::string>();
  }
  std::string type = Text(j, "@odata.type");
  bool is_root = Member(j, "RedfishVersion") != nullptr || self == "/redfish/v1" || self == "/redfish/v1/" ||
                 type.rfind("#ServiceRoot.", 0) == 0;
  if (!is_root) {
    return absl::InvalidArgumentError("JSON, but not a Redfish service root (no RedfishVersion, @odata.id \"" +
                                      Trim(self).substr(0, 80) + "\")");
  }
  ServiceRoot root;
  root.redfish_version = Text(j, "RedfishVersion");
  root.uuid = Lower(Text(j, "UUID"));
  root.vendor = Text(j, "Vendor");
  root.product = Text(j, "Product");
  root.systems = LinkOf(j, "Systems");
  root.chassis = LinkOf(j, "Chassis");
  root.managers = LinkOf(j, "Managers");
  return root;
}

absl::StatusOr<std::vector<std::string>> ParseCollection(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json* members = Member(*doc, "Members");
  if (members == nullptr || !members->is_array()) {
    return absl::InvalidArgumentError("not a Redfish collection (no Members array)");
  }
  return Links(*doc, "Members");
}

absl::StatusOr<RedfishSystem> ParseSystem(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json& j = *doc;
  RedfishSystem s;
  s.id = SelfId(j);
  s.manufacturer = Text(j, "Manufacturer");
  s.model = Text(j, "Model");
  s.sku = Text(j, "SKU");
  s.serial_number = Text(j, "SerialNumber");
  s.part_number = Text(j, "PartNumber");
  s.uuid = Lower(Text(j, "UUID"));
  s.hostname = Text(j, "HostName");
  s.bios_version = Text(j, "BiosVersion");
  s.power_state = Text(j, "PowerState");
  s.system_type = Text(j, "SystemType");
  if (const Json* memory = Member(j, "MemorySummary")) {
    if (const Json* gib = Member(*memory, "TotalSystemMemoryGiB"); gib != nullptr && gib->is_number()) {
      double value = gib->get<double>();
      if (std::isfinite(value) && value >= 0) s.memory_gib = value;
    }
  }
  if (const Json* processors = Member(j, "ProcessorSummary")) {
    if (const Json* count = Member(*processors, "Count"); count != nullptr && count->is_number()) {
      double value = count->get<double>();
      if (std::isfinite(value) && value >= 0 && value <= 1e6 && value == std::floor(value)) {
        s.processor_count = static_cast<int>(value);
      }
    }
    s.processor_model = Text(*processors, "Model");
  }
  if (const Json* links = Member(j, "Links")) {
    std::vector<std::string> chassis = Links(*links, "Chassis");
    if (!chassis.empty()) s.chassis_id = chassis.front();
  }
  return s;
}

absl::StatusOr<Chassis> ParseChassis(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json& j = *doc;
  Chassis c;
  c.id = SelfId(j);
  c.serial_number = Text(j, "SerialNumber");
  c.model = Text(j, "Model");
  c.chassis_type = Text(j, "ChassisType");
  c.manufacturer = Text(j, "Manufacturer");
  return c;
}

absl::StatusOr<ParsedManager> ParseManager(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json& j = *doc;
  ParsedManager out;
  RedfishManager& m = out.manager;
  m.id = SelfId(j);
  m.model = Text(j, "Model");
  m.firmware_version = Text(j, "FirmwareVersion");
  m.manager_type = Text(j, "ManagerType");
  if (const Json* links = Member(j, "Links")) m.manages = Links(*links, "ManagerForServers");
  out.ethernet_interfaces = LinkOf(j, "EthernetInterfaces");
  return out;
}

absl::StatusOr<RedfishManager::Interface> ParseEthernetInterface(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.status();
  const Json& j = *doc;
  RedfishManager::Interface i;
  i.id = Text(j, "Id");
  i.name = Text(j, "Name");
  i.mac_address = NormalizeMac(Text(j, "MACAddress"));
  if (i.mac_address.empty()) i.mac_address = NormalizeMac(Text(j, "PermanentMACAddress"));
  i.ipv4 = Addresses(j, "IPv4Addresses", /*v6=*/false);
  i.ipv6 = Addresses(j, "IPv6Addresses", /*v6=*/true);
  return i;
}

void ApplyChassis(const Chassis& chassis, RedfishSystem& system) {
  system.chassis_serial = chassis.serial_number;
  system.chassis_model = chassis.model;
  system.chassis_type = chassis.chassis_type;
}

}  // namespace cmdb::discovery::http::redfish
