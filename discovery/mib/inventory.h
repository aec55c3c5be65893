// The typed inventory of one SNMP device, decoded from everything collected
// from it (a DeviceWalk): system group, ENTITY-MIB chassis, IF-MIB
// interfaces, IP-MIB addresses, LLDP and CDP neighbours, HOST-RESOURCES and
// ARP. Decoding is pure and total: whatever the agent sent (wrong types,
// short or oversized values, missing columns, indexes of the wrong length)
// yields absent fields or skipped rows, never an error, exception or crash.
// The decoders themselves are declared in "mib/decoders.h".
//
// Conventions for every struct below:
//  - text fields are cleaned (see "Text" in decoders.h): a value that is not
//    an OCTET STRING, or is empty after cleaning, is absent (nullopt);
//  - numbers outside the range the MIB allows are absent;
//  - MACs are "aa:bb:cc:dd:ee:ff" (lower case); all-zero MACs are absent;
//  - IPv4 addresses are dotted quads, IPv6 addresses RFC 5952 text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "snmp/varbind.h"

namespace cmdb::discovery::mib {

// SNMPv2-MIB system group (1.3.6.1.2.1.1).
struct SystemInfo {
  std::optional<std::string> descr;       // sysDescr: multi-line text (see decoders.h)
  std::optional<Oid> object_id;           // sysObjectID
  std::optional<int64_t> uptime_seconds;  // sysUpTime (TimeTicks) / 100
  std::optional<std::string> contact;     // sysContact, one line, raw (may be a placeholder)
  std::optional<std::string> name;        // sysName, one line, raw (may be "<private>")
  std::optional<std::string> location;    // sysLocation, one line, raw
  // sysName when it looks like a host name (RFC 1123 labels of letters,
  // digits, '-' and '_', dots between them, at most 253 characters),
  // lower-cased, without a trailing dot. Absent for "<private>", "" etc.
  std::optional<std::string> hostname;
  std::optional<int> services;  // sysServices, 0..127

  bool operator==(const SystemInfo&) const = default;
};

// One entPhysicalTable row (ENTITY-MIB, 1.3.6.1.2.1.47.1.1.1.1).
struct Entity {
  uint32_t index = 0;                       // entPhysicalIndex
  std::optional<std::string> descr;         // .2
  std::optional<Oid> vendor_type;           // .3
  std::optional<uint32_t> contained_in;     // .4 (0: contained in nothing)
  std::optional<int> physical_class;        // .5: 1 other, 2 unknown, 3 chassis, 4 backplane,
                                            // 5 container, 6 powerSupply, 7 fan, 8 sensor,
                                            // 9 module, 10 port, 11 stack, 12 cpu
  std::optional<int> relative_position;     // .6 (-1: unknown)
  std::optional<std::string> name;          // .7
  std::optional<std::string> hardware_rev;  // .8
  std::optional<std::string> firmware_rev;  // .9
  std::optional<std::string> software_rev;  // .10
  // .11 as the agent sent it (one line). See Chassis::serial for the
  // placeholder filter that identification must use.
  std::optional<std::string> serial;
  std::optional<std::string> mfg_name;    // .12
  std::optional<std::string> model_name;  // .13
  std::optional<std::string> alias;       // .14
  std::optional<std::string> asset_id;    // .15
  std::optional<bool> is_fru;             // .16 (TruthValue 1 true, 2 false)

  bool operator==(const Entity&) const = default;
};

// One chassis of a stack (or of a virtual chassis / StackWise Virtual pair).
struct StackMember {
  uint32_t entity_index = 0;
  std::optional<int> relative_position;
  std::optional<std::string> model;   // as Chassis::model
  std::optional<std::string> serial;  // as Chassis::serial

  bool operator==(const StackMember&) const = default;
};

// The device's chassis, chosen from the entities (rules in decoders.h,
// DecodeChassis).
struct Chassis {
  uint32_t entity_index = 0;          // the chosen entity
  std::optional<int> physical_class;  // its class (3 unless chosen by the fallback)
  // entPhysicalModelName; else entPhysicalDescr's first line. Placeholders
  // (see serial) are absent.
  std::optional<std::string> model;
  // entPhysicalSerialNum, trimmed; absent when it is a placeholder:
  // empty, "<...>" (e.g. "<private>"), or, case-insensitively, "n/a", "na",
  // "none", "unknown", "not available", "not specified", "default",
  // "default string", "builtin", "to be filled by o.e.m.", "serial", or a
  // run of one repeated character ("0000000", "xxxx").
  std::optional<std::string> serial;
  std::optional<std::string> descr;  // entPhysicalDescr, one line
  std::optional<std::string> hardware_rev;
  std::optional<std::string> firmware_rev;
  std::optional<std::string> software_rev;
  std::optional<std::string> manufacturer;  // entPhysicalMfgName
  // True when the device is a stack: an entity of class stack(11) contains
  // chassis, or there are several top-level chassis.
  bool is_stack = false;
  // The stack's chassis: the chosen one first, then the other top chassis
  // that have a model or serial (empty slots of a stack are left out) in
  // (relative position, index) order; empty when not a stack.
  std::vector<StackMember> members;
  // Serials of all members that have one (placeholders dropped), in member
  // order; for a single chassis, its serial when present.
  std::vector<std::string> member_serials;

  bool operator==(const Chassis&) const = default;
};

// One interface: ifTable joined with ifXTable on ifIndex. An interface
// exists when its ifIndex appears in either table.
struct Interface {
  uint32_t if_index = 0;
  std::string name;                  // ifName, else ifDescr, else "" (never absent)
  std::optional<std::string> descr;  // ifDescr
  std::optional<std::string> alias;  // ifAlias
  std::optional<uint32_t> type;      // ifType (IANAifType number, 1..1000)
  std::optional<uint32_t> mtu;       // ifMtu (0..2^31-1)
  // Mbit/s: ifHighSpeed when present and > 0, else ifSpeed / 1e6 (so 0
  // stays 0 when that is what the agent reports).
  std::optional<double> speed_mbps;
  std::optional<std::string> mac;  // ifPhysAddress when 6 bytes, non-zero
  // "up", "down", "testing" (admin and oper); oper also "unknown",
  // "dormant", "notPresent", "lowerLayerDown". Other numbers: absent.
  std::optional<std::string> admin_status;
  std::optional<std::string> oper_status;

  bool operator==(const Interface&) const = default;
};

enum class IpFamily { kIpv4, kIpv6 };

// One address of the device, merged from ipAddrTable and ipAddressTable
// (de-duplicated on family + text; fields missing in one come from the
// other).
struct IpAddress {
  std::string address;  // "10.0.0.1", "2001:db8::1"
  IpFamily family = IpFamily::kIpv4;
  std::optional<int> prefix_length;  // 0..32 / 0..128
  std::optional<uint32_t> if_index;
  std::optional<uint32_t> zone;  // ipv4z / ipv6z zone index
  std::optional<int> type;       // ipAddressType: 1 unicast, 2 anycast, 3 broadcast
  std::optional<int> origin;     // ipAddressOrigin: 1 other, 2 manual, 4 dhcp, 5 linklayer, 6 random
  std::optional<int> status;     // ipAddressStatus: 1 preferred, 2 deprecated, ...
  bool loopback = false;         // 127.0.0.0/8 or ::1
  bool link_local = false;       // 169.254.0.0/16 or fe80::/10

  bool operator==(const IpAddress&) const = default;
};

// Local LLDP identity (lldpLocalSystemData) and ports.
struct LldpLocalPort {
  uint32_t port_num = 0;               // lldpLocPortNum
  std::optional<int> port_id_subtype;  // lldpLocPortIdSubtype
  std::optional<std::string> port_id;  // decoded as LldpNeighbor::port_id
  std::optional<std::string> port_descr;
  std::optional<uint32_t> if_index;  // mapped (rules in decoders.h, DecodeLldp)

  bool operator==(const LldpLocalPort&) const = default;
};

struct LldpLocal {
  std::optional<int> chassis_id_subtype;
  std::optional<std::string> chassis_id;  // decoded as LldpNeighbor::chassis_id
  std::optional<std::string> sys_name;
  std::vector<LldpLocalPort> ports;

  bool operator==(const LldpLocal&) const = default;
};

// One row of lldpRemTable with its management addresses.
struct LldpNeighbor {
  std::optional<uint32_t> local_port_num;  // from the index (absent for a 1-arc index)
  std::optional<uint32_t> local_if_index;  // local_port_num mapped to an ifIndex
  std::optional<std::string> local_port;   // the local port's id, else its description
  uint32_t remote_index = 0;               // lldpRemIndex
  // Chassis id subtypes: 1 chassisComponent, 2 interfaceAlias, 3 portComponent,
  // 4 macAddress, 5 networkAddress, 6 interfaceName, 7 local.
  std::optional<int> chassis_id_subtype;
  // 4: MAC (6 bytes, or MAC text as some agents send; all-zero: absent);
  // 5: the address after
  // the IANA family byte (1 IPv4, 2 IPv6) as text; others: the text when
  // printable ASCII, else colon-separated hex.
  std::optional<std::string> chassis_id;
  // Port id subtypes: 1 interfaceAlias, 2 portComponent, 3 macAddress,
  // 4 networkAddress, 5 interfaceName, 6 agentCircuitId, 7 local.
  std::optional<int> port_id_subtype;
  std::optional<std::string> port_id;  // 3: MAC; 4: address; others as chassis_id
  std::optional<std::string> port_descr;
  std::optional<std::string> sys_name;
  std::optional<std::string> sys_descr;
  // Names of the capability bits: "other", "repeater", "bridge",
  // "wlanAccessPoint", "router", "telephone", "docsisCableDevice",
  // "stationOnly", "cVLAN", "sVLAN", "tpmr" (values of 1 or 2 bytes only).
  std::vector<std::string> capabilities_supported;
  std::vector<std::string> capabilities_enabled;
  std::vector<std::string> management_addresses;  // from lldpRemManAddrTable indexes (IPv4/IPv6)

  bool operator==(const LldpNeighbor&) const = default;
};

// One row of cdpCacheTable.
struct CdpNeighbor {
  uint32_t local_if_index = 0;           // index arc 1
  uint32_t device_index = 0;             // index arc 2
  std::optional<std::string> device_id;  // cdpCacheDeviceId, one line, raw
  // device_id without a trailing "(serial)" and when it looks like a host
  // name (as SystemInfo::hostname).
  std::optional<std::string> hostname;
  std::optional<std::string> remote_port;  // cdpCacheDevicePort
  std::optional<std::string> platform;     // cdpCachePlatform
  std::optional<std::string> address;      // cdpCacheAddress when type ip(1) and 4 bytes
  std::optional<std::string> version;      // cdpCacheVersion (multi-line text)
  // "router", "transparentBridge", "sourceRouteBridge", "switch", "host",
  // "igmp", "repeater", "phone", "remotelyManaged", "cvta", "macRelay"
  // (a 4-byte value only).
  std::vector<std::string> capabilities;

  bool operator==(const CdpNeighbor&) const = default;
};

// hrStorageTable row.
struct Storage {
  uint32_t index = 0;
  std::optional<Oid> type_oid;
  // Last arc of hrStorageType under 1.3.6.1.2.1.25.2.1: "other", "ram",
  // "virtualMemory", "fixedDisk", "removableDisk", "floppyDisk",
  // "compactDisc", "ramDisk", "flashMemory", "networkDisk"; else absent.
  std::optional<std::string> type;
  std::optional<std::string> descr;
  std::optional<uint64_t> size_bytes;  // size * allocation units, when both known and >= 0
  std::optional<uint64_t> used_bytes;

  bool operator==(const Storage&) const = default;
};

// hrSWInstalledTable row.
struct Software {
  uint32_t index = 0;
  std::string name;  // hrSWInstalledName, one line (rows without one are skipped)
  // Best-effort split of name (rules in decoders.h, SplitPackageName).
  std::optional<std::string> package;
  std::optional<std::string> version;
  std::optional<int> type;               // 1 unknown, 2 operatingSystem, 3 deviceDriver, 4 application
  std::optional<std::string> installed;  // hrSWInstalledDate as ISO 8601

  bool operator==(const Software&) const = default;
};

struct HostResources {
  std::optional<uint64_t> memory_mib;  // hrMemorySize (KiB) / 1024
  std::vector<Storage> storage;
  std::vector<Software> software;
  // hrDeviceTable rows of type hrDeviceProcessor; absent when the table
  // has no typed rows at all.
  std::optional<uint32_t> cpu_count;

  bool operator==(const HostResources&) const = default;
};

// One ARP / neighbour cache entry.
struct ArpEntry {
  uint32_t if_index = 0;
  std::string ip;
  IpFamily family = IpFamily::kIpv4;
  std::optional<std::string> mac;
  // ipNetToMediaType: "other", "invalid", "dynamic", "static";
  // ipNetToPhysicalType also "local".
  std::optional<std::string> type;

  bool operator==(const ArpEntry&) const = default;
};

struct Inventory {
  SystemInfo system;
  std::vector<Entity> entities;
  std::optional<Chassis> chassis;
  std::vector<Interface> interfaces;    // in ifIndex order
  std::vector<IpAddress> ip_addresses;  // IPv4 first, then IPv6, each in address byte order
  LldpLocal lldp_local;
  std::vector<LldpNeighbor> lldp_neighbors;
  std::vector<CdpNeighbor> cdp_neighbors;
  HostResources host;
  std::vector<ArpEntry> arp;

  // Device-level lists for identification and reconciliation:
  // distinct non-zero interface MACs, sorted;
  std::vector<std::string> macs;
  // the address text of ip_addresses that are neither loopback nor
  // link-local, in ip_addresses order;
  std::vector<std::string> addresses;
  // the MAC that names the device (rules in decoders.h, BaseMac).
  std::optional<std::string> base_mac;

  bool operator==(const Inventory&) const = default;
};

}  // namespace cmdb::discovery::mib
