// Redfish (DMTF DSP0266) resources as the discovery worker reads them: the
// service root, collections, ComputerSystem, Chassis, Manager and
// EthernetInterface members, decoded from the JSON bodies a BMC sent into
// plain values. Pure: no I/O, no exceptions leave this module, and nothing a
// server sends is trusted (a wrong type is an absent value, an odd link is
// dropped). The walk that fetches these resources is in probe.cc.
//
// Depends on absl::status only; nlohmann::json stays inside redfish.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cmdb::discovery::http {

// What a Redfish service says about one computer system (with its chassis).
struct RedfishSystem {
  std::string id;  // the member's @odata.id
  std::string manufacturer, model, sku, serial_number, part_number;
  std::string uuid;  // lower-case, as UUIDs are compared
  std::string hostname;
  std::string bios_version;
  std::string power_state;                                  // "On", "Off", ...
  std::string system_type;                                  // "Physical", "Virtual", ...
  std::optional<double> memory_gib;                         // MemorySummary.TotalSystemMemoryGiB
  std::optional<int> processor_count;                       // ProcessorSummary.Count
  std::string processor_model;                              // ProcessorSummary.Model
  std::string chassis_id;                                   // @odata.id of Links.Chassis[0] ("" when none)
  std::string chassis_serial, chassis_model, chassis_type;  // that chassis, when it was read
};

// The service's manager (the BMC) and its network interfaces.
struct RedfishManager {
  std::string id;  // @odata.id
  std::string model, firmware_version, manager_type;
  struct Interface {
    std::string id, name, mac_address;  // MAC lower-case, colon-separated
    std::vector<std::string> ipv4, ipv6;
  };
  std::vector<Interface> interfaces;
  std::vector<std::string> manages;  // @odata.id of the systems it manages (Links.ManagerForServers)
};

struct RedfishService {
  std::string redfish_version;  // RedfishVersion of the service root
  std::string uuid;             // the service root's UUID, lower-case
  std::string vendor, product;  // service root Vendor / Product (Redfish 1.5+)
  std::vector<RedfishSystem> systems;
  std::vector<RedfishManager> managers;
  std::string credential;  // the name of the credential that worked ("" if none was needed)
};

namespace redfish {

// The service root (GET /redfish/v1/, unauthenticated by the standard).
struct ServiceRoot {
  std::string redfish_version;
  std::string uuid;  // lower-case
  std::string vendor, product;
  // Links to the collections ("" when the service has none); each passed
  // ResourcePath().
  std::string systems, chassis, managers;
};

// A Chassis member: what a system's chassis adds to it.
struct Chassis {
  std::string id;  // @odata.id
  std::string serial_number, model, chassis_type, manufacturer;
};

// A Manager member and the link the walk follows from it.
struct ParsedManager {
  RedfishManager manager;           // without interfaces (they are separate resources)
  std::string ethernet_interfaces;  // the EthernetInterfaces collection ("" when none)
};

// Parses a service root. INVALID_ARGUMENT when `body` is not a JSON object,
// or is one that is not a Redfish service root: a root has "RedfishVersion",
// or an "@odata.id" of "/redfish/v1" or "/redfish/v1/" (an "@odata.type"
// of "#ServiceRoot..." counts too).
absl::StatusOr<ServiceRoot> ParseServiceRoot(std::string_view body);

// Parses a resource collection: the members' @odata.id, in order, those that
// are not a ResourcePath() dropped, duplicates removed. INVALID_ARGUMENT when
// `body` is not a JSON object or has no "Members" array.
absl::StatusOr<std::vector<std::string>> ParseCollection(std::string_view body);

// Parses a ComputerSystem member (the chassis_* fields other than chassis_id
// stay empty: the walk fills them from the chassis). INVALID_ARGUMENT when
// `body` is not a JSON object.
absl::StatusOr<RedfishSystem> ParseSystem(std::string_view body);

// Parses a Chassis member. INVALID_ARGUMENT when `body` is not a JSON object.
absl::StatusOr<Chassis> ParseChassis(std::string_view body);

// Parses a Manager member. INVALID_ARGUMENT when `body` is not a JSON object.
absl::StatusOr<ParsedManager> ParseManager(std::string_view body);

// Parses an EthernetInterface member: Id, Name, MACAddress (normalised by
// NormalizeMac; PermanentMACAddress when MACAddress is absent or not a MAC),
// the IPv4Addresses[].Address and IPv6Addresses[].Address that are
// addresses (empty strings, "0.0.0.0" and "::" left out). INVALID_ARGUMENT
// when `body` is not a JSON object.
absl::StatusOr<RedfishManager::Interface> ParseEthernetInterface(std::string_view body);

// "aa:bb:cc:dd:ee:ff" from a 48-bit MAC written with ':' or '-' between
// octets, as three dot-separated groups of four hex digits, or as twelve hex
// digits; "" for anything else and for the all-zero address (a placeholder
// some BMCs report).
std::string NormalizeMac(std::string_view mac);

// Whether `link` is a path the walk may request on the same service: it
// starts with "/redfish/v1/" (or is "/redfish/v1"), is at most 512 bytes, has
// no "..", "//", query, fragment, white space, control characters or
// characters outside RFC 3986's path set. A server's link never takes the
// walk (and the credential) to another host or out of the Redfish tree.
bool ResourcePath(std::string_view link);

// Copies a chassis' serial number, model and type into the system.
void ApplyChassis(const Chassis& chassis, RedfishSystem& system);

}  // namespace redfish
}  // namespace cmdb::discovery::http
