// DecodeInventory, the device-level lists and the OIDs the decoders need.
#include <algorithm>
#include <set>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

std::optional<std::string> BaseMac(const LldpLocal& lldp, const std::vector<Interface>& interfaces) {
  if (lldp.chassis_id_subtype == 4 && lldp.chassis_id && MacFromText(*lldp.chassis_id)) return lldp.chassis_id;
  std::optional<std::string> lowest_global, lowest_local;
  for (const Interface& i : interfaces) {
    if (!i.mac || !i.type) continue;
    if (*i.type != 6 && *i.type != 62 && *i.type != 69 && *i.type != 117) continue;
    // "aa:bb:cc:dd:ee:ff": the first octet's multicast (1) and locally
    // administered (2) bits; internal placeholders have many zero octets.
    unsigned first = static_cast<unsigned>(std::stoul(i.mac->substr(0, 2), nullptr, 16));
    if (first & 1) continue;
    int zeros = 0;
    for (size_t k = 0; k < 6; ++k) zeros += i.mac->compare(k * 3, 2, "00") == 0;
    if (zeros >= 4) continue;
    auto& lowest = (first & 2) ? lowest_local : lowest_global;
    if (!lowest || *i.mac < *lowest) lowest = i.mac;
  }
  return lowest_global ? lowest_global : lowest_local;
}

Inventory DecodeInventory(const DeviceWalk& walk) {
  Inventory inv;
  inv.system = DecodeSystem(walk);
  inv.entities = DecodeEntities(walk);
  inv.chassis = DecodeChassis(inv.entities);
  inv.interfaces = DecodeInterfaces(walk);
  inv.ip_addresses = DecodeIpAddresses(walk);
  DecodeLldp(walk, inv.interfaces, &inv.lldp_local, &inv.lldp_neighbors);
  inv.cdp_neighbors = DecodeCdp(walk);
  inv.host = DecodeHostResources(walk);
  inv.arp = DecodeArp(walk);

  std::set<std::string> macs;
  for (const Interface& i : inv.interfaces) {
    if (i.mac) macs.insert(*i.mac);
  }
  inv.macs.assign(macs.begin(), macs.end());
  for (const IpAddress& a : inv.ip_addresses) {
    if (!a.loopback && !a.link_local) inv.addresses.push_back(a.address);
  }
  inv.base_mac = BaseMac(inv.lldp_local, inv.interfaces);
  return inv;
}

std::vector<Oid> RequiredScalars() {
  std::vector<Oid> out;
  for (const char* s : {"1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.4.0",
                        "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.1.7.0", "1.3.6.1.2.1.25.2.2.0",
                        "1.0.8802.1.1.2.1.3.1.0", "1.0.8802.1.1.2.1.3.2.0", "1.0.8802.1.1.2.1.3.3.0"}) {
    out.push_back(O(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Oid> RequiredSubtrees() {
  struct Columns {
    const char* entry;
    std::vector<uint32_t> columns;
  };
  const Columns kTables[] = {
      {"1.3.6.1.2.1.47.1.1.1.1", {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},  // entPhysicalTable
      {"1.3.6.1.2.1.2.2.1", {1, 2, 3, 4, 5, 6, 7, 8}},                                   // ifTable
      {"1.3.6.1.2.1.31.1.1.1", {1, 15, 18}},                                             // ifXTable
      {"1.3.6.1.2.1.4.20.1", {2, 3}},                              // ipAddrTable (address in the index)
      {"1.3.6.1.2.1.4.34.1", {3, 4, 5, 6, 7}},                     // ipAddressTable
      {"1.3.6.1.2.1.4.22.1", {2, 4}},                              // ipNetToMediaTable
      {"1.3.6.1.2.1.4.35.1", {4, 6}},                              // ipNetToPhysicalTable
      {"1.0.8802.1.1.2.1.3.7.1", {2, 3, 4}},                       // lldpLocPortTable
      {"1.0.8802.1.1.2.1.4.1.1", {4, 5, 6, 7, 8, 9, 10, 11, 12}},  // lldpRemTable
      {"1.0.8802.1.1.2.1.4.2.1", {3}},                             // lldpRemManAddrTable (address in the index)
      {"1.3.6.1.4.1.9.9.23.1.2.1.1", {3, 4, 5, 6, 7, 8, 9}},       // cdpCacheTable
      {"1.3.6.1.2.1.25.2.3.1", {2, 3, 4, 5, 6}},                   // hrStorageTable
      {"1.3.6.1.2.1.25.3.2.1", {2}},                               // hrDeviceTable (type)
      {"1.3.6.1.2.1.25.6.3.1", {2, 4, 5}},                         // hrSWInstalledTable
  };
  std::vector<Oid> out;
  for (const Columns& t : kTables) {
    Oid entry = O(t.entry);
    for (uint32_t c : t.columns) out.push_back(Child(entry, {c}));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cmdb::discovery::mib
