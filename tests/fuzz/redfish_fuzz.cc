// Fuzzes the Redfish decoders (http/redfish.h) with arbitrary bodies, and
// the findings (findings/http_findings.h, BuildHttpFindings) with the
// service they make, as the probe's walk (probe.cc) assembles it.
//
// The input is one or more JSON bodies separated by a line "%%"
// ("\n%%\n"; at most 8). Each body goes through every decoder: the service
// root, a collection, a system, a chassis, a manager and an Ethernet
// interface. The service is the first root's, with every body that decodes
// as a system (its chassis applied when a body's chassis has the id it
// links to), as a manager, and as an interface of the first manager.
//
// Beyond "no crash": every link a decoder returns is a ResourcePath() (or
// ""), a collection's members are unique, UUIDs are lower-case, a MAC is
// "" or NormalizeMac's form (which NormalizeMac keeps as it is), addresses
// are unique and none is a placeholder, counts and sizes are not negative;
// and the payload keeps the promise of findings_check.h.
// corpus/redfish/ holds resources of the lab's mockups (tests/lab/redfish/).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "findings/http_findings.h"
#include "findings_check.h"
#include "fuzz_check.h"
#include "http/probe.h"
#include "http/redfish.h"

namespace {

namespace http = cmdb::discovery::http;
namespace redfish = cmdb::discovery::http::redfish;

constexpr std::string_view kSeparator = "\n%%\n";
constexpr size_t kMaxBodies = 8;

void CheckLink(const std::string& link) {
  if (!link.empty() && !redfish::ResourcePath(link)) cmdb::fuzz::Fail("a link that is not a ResourcePath()");
}

void CheckLinks(const std::vector<std::string>& links) {
  for (const std::string& link : links) {
    if (link.empty()) cmdb::fuzz::Fail("an empty link in a list");
    CheckLink(link);
  }
  if (std::set<std::string>(links.begin(), links.end()).size() != links.size()) {
    cmdb::fuzz::Fail("a link twice in a list");
  }
}

void CheckLowerCase(const std::string& s) {
  if (std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    cmdb::fuzz::Fail("a UUID that is not lower-case");
  }
}

void CheckMac(const std::string& mac) {
  if (mac.empty()) return;
  bool form = mac.size() == 17;
  for (size_t i = 0; form && i < mac.size(); ++i) {
    const char c = mac[i];
    form = i % 3 == 2 ? c == ':' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }
  if (!form || mac == "00:00:00:00:00:00") cmdb::fuzz::Fail("NormalizeMac gave what is not a MAC");
  if (redfish::NormalizeMac(mac) != mac) cmdb::fuzz::Fail("NormalizeMac does not keep its own form");
}

void CheckAddresses(const std::vector<std::string>& addresses) {
  for (const std::string& a : addresses) {
    if (a.empty() || a == "0.0.0.0" || a == "::") cmdb::fuzz::Fail("a placeholder address kept");
  }
  if (std::set<std::string>(addresses.begin(), addresses.end()).size() != addresses.size()) {
    cmdb::fuzz::Fail("an address twice");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> bodies;
  for (size_t pos = 0; pos <= input.size() && bodies.size() < kMaxBodies;) {
    size_t end = input.find(kSeparator, pos);
    if (end == std::string_view::npos) end = input.size();
    bodies.push_back(input.substr(pos, end - pos));
    pos = end + kSeparator.size();
  }
  CheckMac(redfish::NormalizeMac(bodies.front()));

  http::AddressResult result;
  result.address = "192.0.2.1";
  http::EndpointResult& endpoint = result.endpoints.emplace_back();
  endpoint.address = result.address;
  endpoint.port = 443;
  endpoint.scheme = "https";
  endpoint.url = "https://192.0.2.1:443/";
  endpoint.status = 200;
  http::RedfishService& service = endpoint.redfish.emplace();
  bool have_root = false;
  std::vector<redfish::Chassis> chassis;
  for (std::string_view body : bodies) {
    if (auto root = redfish::ParseServiceRoot(body); root.ok()) {
      CheckLink(root->systems);
      CheckLink(root->chassis);
      CheckLink(root->managers);
      CheckLowerCase(root->uuid);
      if (!have_root) {
        have_root = true;
        service.redfish_version = root->redfish_version;
        service.uuid = root->uuid;
        service.vendor = root->vendor;
        service.product = root->product;
      }
    }
    if (auto members = redfish::ParseCollection(body); members.ok()) CheckLinks(*members);
    if (auto system = redfish::ParseSystem(body); system.ok()) {
      CheckLink(system->id);
      CheckLink(system->chassis_id);
      CheckLowerCase(system->uuid);
      if (system->memory_gib && !(std::isfinite(*system->memory_gib) && *system->memory_gib >= 0)) {
        cmdb::fuzz::Fail("a memory size that is not a finite, non-negative number");
      }
      if (system->processor_count && *system->processor_count < 0) cmdb::fuzz::Fail("a negative processor count");
      service.systems.push_back(std::move(*system));
    }
    if (auto c = redfish::ParseChassis(body); c.ok()) {
      CheckLink(c->id);
      chassis.push_back(std::move(*c));
    }
    if (auto manager = redfish::ParseManager(body); manager.ok()) {
      CheckLink(manager->manager.id);
      CheckLink(manager->ethernet_interfaces);
      CheckLinks(manager->manager.manages);
      service.managers.push_back(std::move(manager->manager));
    }
    if (auto interface = redfish::ParseEthernetInterface(body); interface.ok()) {
      CheckMac(interface->mac_address);
      CheckAddresses(interface->ipv4);
      CheckAddresses(interface->ipv6);
      if (!service.managers.empty()) service.managers.front().interfaces.push_back(std::move(*interface));
    }
  }
  for (http::RedfishSystem& system : service.systems) {
    for (const redfish::Chassis& c : chassis) {
      if (!system.chassis_id.empty() && c.id == system.chassis_id) redfish::ApplyChassis(c, system);
    }
  }
  cmdb::fuzz::CheckFindings(cmdb::discovery::BuildHttpFindings(result, {}));
  return 0;
}
