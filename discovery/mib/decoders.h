// The MIB decoders: pure functions from a device's walk to the typed
// inventory of mib/inventory.h, one per MIB family, and DecodeInventory,
// which runs them all. None of them fails: a value of the wrong type, a
// short or oversized value, a missing column or an index of the wrong
// length makes a field absent or a row skipped, as each contract says.
//
// Text: a value an agent sends as text is cut at its first NUL; CR LF and
// lone CR become LF, other control characters a space; bytes that are not
// valid UTF-8 are read as Latin-1; trailing white space is dropped and at
// most 2048 bytes are kept. One-line fields (names, ports, serials) also
// turn LF and TAB into spaces, fold runs of spaces and trim both ends.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mib/inventory.h"
#include "snmp/varbind.h"

namespace cmdb::discovery::mib {

// Runs every decoder below and fills the device-level lists (macs,
// addresses, base_mac).
Inventory DecodeInventory(const DeviceWalk& walk);

// The table columns the decoders read (each OID is a column, or a whole
// subtree where everything under it is used), in OID order, so an SNMP
// engine walks exactly these with GETNEXT/GETBULK.
std::vector<Oid> RequiredSubtrees();
// The scalar instances the decoders read (sysDescr.0, ..., hrMemorySize.0,
// the LLDP local chassis id and name), for one GET.
std::vector<Oid> RequiredScalars();

// System group scalars. sysUpTime: any non-negative number (TimeTicks);
// sysServices 0..127; a sysObjectID that is not an OID is absent.
SystemInfo DecodeSystem(const DeviceWalk& walk);

// entPhysicalTable rows in index order. A row is kept when any column has a
// usable value; each column of the wrong type is absent.
std::vector<Entity> DecodeEntities(const DeviceWalk& walk);

// The chassis among `entities`:
//  1. top chassis: class chassis(3) whose containedIn is 0, absent or an
//     entity that is not a chassis (e.g. a stack(11) or container);
//     ordered by (relative position, index) with unknown positions (-1)
//     last;
//  2. the chassis is the first of them that has a usable serial or model,
//     else the first; the device is a stack when a stack(11) entity
//     contains one of them or there are several, and then the members are
//     the chosen chassis followed by the other top chassis that have a
//     model or serial, in that order;
//  3. with no chassis row: the first entity (by index) with a usable serial
//     whose class is not module(9), port(10), sensor(8), powerSupply(6),
//     fan(7), container(5) or cpu(12), preferring one contained in nothing;
//  4. nullopt when none of these exists.
std::optional<Chassis> DecodeChassis(const std::vector<Entity>& entities);

// True when an entPhysicalSerialNum (or model) text is a placeholder, not
// an identifier (the list is in inventory.h, Chassis::serial).
bool IsPlaceholderIdentifier(std::string_view text);

// ifTable joined with ifXTable by ifIndex (an index of one arc, > 0; other
// rows are skipped), in ifIndex order.
std::vector<Interface> DecodeInterfaces(const DeviceWalk& walk);

// ipAddrTable merged with ipAddressTable.
//  - ipAddrTable: the index is the 4 address bytes (another length or an
//    arc > 255: skipped); the netmask gives the prefix length only when it
//    is a contiguous mask.
//  - ipAddressTable: the index is type . length . bytes with type 1 ipv4
//    (4 bytes), 2 ipv6 (16), 3 ipv4z (4 + 4 zone), 4 ipv6z (16 + 4 zone);
//    the bytes without the length arc (as Cisco ASA sends them) are
//    accepted when the first byte is not itself a valid length; any other
//    shape is skipped. The prefix length is the last arc of
//    ipAddressPrefix when the pointer is not 0.0 and the arc is within the
//    family's range. Broadcast rows (ipAddressType 3) are skipped.
// The unspecified addresses 0.0.0.0 and :: are skipped. Rows of both
// tables merge on (family, address, zone). Sorted: IPv4 then IPv6, each by
// address bytes.
std::vector<IpAddress> DecodeIpAddresses(const DeviceWalk& walk);

// LLDP local data and neighbours. `interfaces` (from DecodeInterfaces) map
// local ports to ifIndexes; for each lldpLocPortNum, in order:
//  1. the port id, when subtype is macAddress(3), equals an interface's MAC;
//  2. the port id (any subtype) or, failing that, the port description
//     equals an interface's ifName, then ifDescr, then ifAlias (exact,
//     then case-insensitive; only a unique match counts);
//  3. the port id subtype is local(7) and the id is the decimal number of
//     an existing ifIndex;
//  4. the port number itself is an existing ifIndex (many agents number
//     their LLDP ports by ifIndex).
// A neighbour whose local port has no lldpLocPortTable row gets rule 4.
// Neighbours come from lldpRemTable rows indexed timeMark.localPortNum.
// remIndex; a 1-arc index (remIndex only, as RouterOS 6 sends) is kept
// with the local port unknown; other lengths are skipped. Management
// addresses come from lldpRemManAddrTable indexes timeMark.localPortNum.
// remIndex.subtype.length.bytes (subtype 1 with 4 bytes, 2 with 16; the
// unspecified addresses 0.0.0.0 and :: are dropped).
void DecodeLldp(const DeviceWalk& walk, const std::vector<Interface>& interfaces, LldpLocal* local,
                std::vector<LldpNeighbor>* neighbors);

// cdpCacheTable rows (index ifIndex.deviceIndex; other lengths skipped;
// rows with none of device id, port, platform, address and version are
// skipped).
std::vector<CdpNeighbor> DecodeCdp(const DeviceWalk& walk);

// HOST-RESOURCES-MIB memory size, storage (every row with a 1-arc index;
// sizes are absent when the allocation unit is missing or < 1 or the
// product overflows), installed software (rows with a name) and the
// processor count.
HostResources DecodeHostResources(const DeviceWalk& walk);

// ipNetToMediaTable (index ifIndex.a.b.c.d) and ipNetToPhysicalTable
// (index ifIndex.type.length.bytes, type 1 or 2 only, the length arc
// optional as for ipAddressTable), merged and de-duplicated on (ifIndex,
// address). Rows with another index shape or the address 0.0.0.0 / :: are
// skipped; invalid(2) entries are kept with their type. Sorted by
// (ifIndex, family, address bytes).
std::vector<ArpEntry> DecodeArp(const DeviceWalk& walk);

// The MAC that names the device: the LLDP local chassis id when its subtype
// is macAddress(4) and it is a MAC; else the lowest MAC of a physical
// Ethernet interface (ifType 6 ethernetCsmacd, 62 fastEther, 69
// fastEtherFX, 117 gigabitEthernet) that is unicast and has at most three
// zero octets (internal taps such as 00:00:01:00:00:01 are ignored),
// globally administered ones first, locally administered ones (virtual
// machines) only when there is no other; else nullopt. Virtual interfaces
// (VLANs, bridges, tunnels) are ignored: their MACs are often shared or
// random.
std::optional<std::string> BaseMac(const LldpLocal& lldp, const std::vector<Interface>& interfaces);

// Host name test and normalisation used for sysName and CDP device ids:
// lower-cased, a trailing dot dropped; nullopt unless it is 1..253
// characters of labels made of letters, digits, '-' and '_' (not starting
// or ending with '-'), separated by single dots.
std::optional<std::string> HostnameOf(std::string_view text);

// Splits an installed-software name into package and version:
//  - a name without spaces is cut into '-'-separated parts; the version
//    starts at the first part after the first one that begins with a digit
//    ("openssl-3.0.11-1.el8" -> "openssl", "3.0.11-1.el8";
//    "python3-libs-3.6.8-51.el8" -> "python3-libs", "3.6.8-51.el8");
//  - a name with spaces: the version is the last word after the first
//    that, without surrounding brackets or parentheses, begins with a digit
//    (or 'v' and a digit) and contains a '.'; the package is the words
//    before it, with a trailing "-", "," or ":" dropped ("bash 5.1" ->
//    "bash", "5.1"; "Foo Tool - 14.0.23026 (x64)" -> "Foo Tool",
//    "14.0.23026"; "JUNOS Base OS Software Suite [19.4R3.11]" -> "JUNOS
//    Base OS Software Suite", "19.4R3.11"); words after it are ignored;
//  - otherwise, or when the package would be empty, both stay nullopt.
void SplitPackageName(std::string_view name, std::optional<std::string>* package, std::optional<std::string>* version);

// SNMPv2-TC DateAndTime (8 or 11 bytes) as ISO 8601: "2023-05-29T14:34:16"
// (with ".d" deciseconds when non-zero) and, for 11 bytes, "+hh:mm" /
// "-hh:mm". nullopt for another length or a field out of range (month
// 1..12, day 1..31, hour 0..23, minute 0..59, second 0..60, deciseconds
// 0..9, offset hours 0..13, minutes 0..59, direction '+' or '-').
std::optional<std::string> DateAndTimeToIso(std::string_view bytes);

}  // namespace cmdb::discovery::mib
