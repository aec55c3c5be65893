// Tests of the MIB decoders (discovery/mib): the lab's device recordings
// decoded to counts and values read from the files themselves, every
// recording decoded once (also from only the OIDs RequiredSubtrees() and
// RequiredScalars() name), hand-made hostile walks (wrong types, truncated
// indexes, oversized values, out-of-range numbers) and seeded random walks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "mib/decoders.h"
#include "mib/internal.h"
#include "support/snmprec.h"

namespace cmdb::discovery::mib {
namespace {

using ::testing::ElementsAre;

// --- helpers -------------------------------------------------------------

Oid Id(std::string_view dotted) {
  auto oid = Oid::Parse(dotted);
  EXPECT_TRUE(oid.has_value()) << dotted;
  return oid.value_or(Oid{});
}

Varbind Str(std::string_view oid, std::string bytes) {
  Value v;
  v.type = ValueType::kOctetString;
  v.bytes = std::move(bytes);
  return {Id(oid), std::move(v)};
}

Varbind Num(std::string_view oid, int64_t n, ValueType type = ValueType::kInteger) {
  Value v;
  v.type = type;
  v.integer = n;
  return {Id(oid), std::move(v)};
}

Varbind ObjId(std::string_view oid, std::string_view value) {
  Value v;
  v.type = ValueType::kObjectId;
  v.oid = Id(value);
  return {Id(oid), std::move(v)};
}

Varbind IpAddr(std::string_view oid, std::string bytes) {
  Value v;
  v.type = ValueType::kIpAddress;
  v.bytes = std::move(bytes);
  return {Id(oid), std::move(v)};
}

std::string Bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out.push_back(static_cast<char>(c));
  return out;
}

std::string LabPath(const std::string& name) { return testing::LabRecordingDir() + "/" + name + ".snmprec"; }

Inventory DecodeLab(const std::string& name) {
  auto walk = testing::LoadSnmprec(LabPath(name));
  EXPECT_TRUE(walk.ok()) << name << ": " << walk.status();
  return walk.ok() ? DecodeInventory(*walk) : Inventory{};
}

const Interface* FindInterface(const Inventory& inv, uint32_t if_index) {
  for (const Interface& i : inv.interfaces) {
    if (i.if_index == if_index) return &i;
  }
  return nullptr;
}

const IpAddress* FindAddress(const Inventory& inv, std::string_view text) {
  for (const IpAddress& a : inv.ip_addresses) {
    if (a.address == text) return &a;
  }
  return nullptr;
}

const LldpNeighbor* FindLldp(const Inventory& inv, uint32_t local_port_num) {
  for (const LldpNeighbor& n : inv.lldp_neighbors) {
    if (n.local_port_num == local_port_num) return &n;
  }
  return nullptr;
}

const CdpNeighbor* FindCdp(const Inventory& inv, uint32_t if_index, uint32_t device_index) {
  for (const CdpNeighbor& n : inv.cdp_neighbors) {
    if (n.local_if_index == if_index && n.device_index == device_index) return &n;
  }
  return nullptr;
}

size_t CountFamily(const Inventory& inv, IpFamily family) {
  return static_cast<size_t>(std::count_if(inv.ip_addresses.begin(), inv.ip_addresses.end(),
                                           [&](const IpAddress& a) { return a.family == family; }));
}

// Only the varbinds an SNMP engine would fetch for RequiredSubtrees() and
// RequiredScalars().
DeviceWalk Restrict(const DeviceWalk& walk) {
  std::vector<Oid> subtrees = RequiredSubtrees();
  std::vector<Oid> scalars = RequiredScalars();
  std::vector<Varbind> kept;
  for (const Varbind& vb : walk.varbinds()) {
    bool keep = std::find(scalars.begin(), scalars.end(), vb.oid) != scalars.end() ||
                std::any_of(subtrees.begin(), subtrees.end(),
                            [&](const Oid& s) { return vb.oid.StartsWith(s) && vb.oid != s; });
    if (keep) kept.push_back(vb);
  }
  return DeviceWalk(std::move(kept));
}

std::vector<std::string> LabFiles() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(testing::LabRecordingDir(), ec)) {
    if (entry.path().extension() == ".snmprec") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// --- every recording ------------------------------------------------------

TEST(MibLab, EveryRecordingDecodesWithASysObjectId) {
  std::vector<std::string> names = LabFiles();
  ASSERT_EQ(names.size(), 44u) << "recordings in " << testing::LabRecordingDir();
  for (const std::string& name : names) {
    auto walk = testing::LoadSnmprec(LabPath(name));
    ASSERT_TRUE(walk.ok()) << name << ": " << walk.status();
    Inventory inv = DecodeInventory(*walk);
    ASSERT_TRUE(inv.system.object_id.has_value()) << name;
    EXPECT_GE(inv.system.object_id->arcs.size(), 5u) << name;
    EXPECT_FALSE(inv.interfaces.empty()) << name;
    // The device-level lists are consistent with the per-item ones.
    EXPECT_TRUE(std::is_sorted(inv.macs.begin(), inv.macs.end())) << name;
    for (const std::string& a : inv.addresses) {
      const IpAddress* found = FindAddress(inv, a);
      ASSERT_NE(found, nullptr) << name << " " << a;
      EXPECT_FALSE(found->loopback || found->link_local) << name << " " << a;
    }
    if (inv.base_mac) {
      EXPECT_EQ(inv.base_mac->size(), 17u) << name;
    }
  }
}

TEST(MibLab, RequiredOidsAreEnoughForEveryRecording) {
  for (const std::string& name : LabFiles()) {
    auto walk = testing::LoadSnmprec(LabPath(name));
    ASSERT_TRUE(walk.ok()) << name << ": " << walk.status();
    DeviceWalk restricted = Restrict(*walk);
    EXPECT_LT(restricted.size(), walk->size()) << name;
    EXPECT_TRUE(DecodeInventory(restricted) == DecodeInventory(*walk)) << name;
  }
}

// --- single devices -------------------------------------------------------

TEST(MibLab, CiscoIos2960xStack) {
  Inventory inv = DecodeLab("ios_2960x");
  EXPECT_EQ(inv.system.object_id, Id("1.3.6.1.4.1.9.1.1208"));
  EXPECT_EQ(inv.system.uptime_seconds, 7184757);  // 718475737 ticks
  ASSERT_TRUE(inv.system.descr.has_value());
  EXPECT_EQ(
      inv.system.descr->rfind("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.0(2a)EX5", 0),
      0u);
  EXPECT_NE(inv.system.descr->find("(fc3)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright"),
            std::string::npos);
  EXPECT_EQ(inv.system.descr->find('\r'), std::string::npos);
  EXPECT_EQ(inv.system.name, "<private>");
  EXPECT_FALSE(inv.system.hostname.has_value());

  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->entity_index, 1001u);
  EXPECT_EQ(inv.chassis->model, "WS-C2960X-48FPS-L");
  EXPECT_EQ(inv.chassis->serial, "FCW1929B68S");
  EXPECT_EQ(inv.chassis->hardware_rev, "V02");
  EXPECT_EQ(inv.chassis->software_rev, "15.0(2a)EX5");
  EXPECT_TRUE(inv.chassis->is_stack);
  ASSERT_EQ(inv.chassis->members.size(), 3u);
  EXPECT_EQ(inv.chassis->members[1].model, "WS-C2960X-24PS-L");
  EXPECT_THAT(inv.chassis->member_serials, ElementsAre("FCW1929B68S", "FCW1931A06Z", "FCW1929B6BP"));

  EXPECT_EQ(inv.interfaces.size(), 146u);
  const Interface* gi = FindInterface(inv, 10152);
  ASSERT_NE(gi, nullptr);
  EXPECT_EQ(gi->name, "Gi1/0/52");
  EXPECT_EQ(gi->descr, "GigabitEthernet1/0/52");
  EXPECT_EQ(gi->alias, "*** Link to acme-fr-s-001 int Gi1/0/3 ***");
  EXPECT_EQ(gi->type, 6u);
  EXPECT_EQ(gi->mtu, 1500u);
  EXPECT_EQ(gi->speed_mbps, 1000.0);  // ifHighSpeed; ifSpeed is not recorded
  EXPECT_EQ(gi->mac, "ac:7e:8a:19:bf:34");
  EXPECT_EQ(gi->admin_status, "up");
  EXPECT_EQ(gi->oper_status, "up");
  const Interface* down = FindInterface(inv, 10149);
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->admin_status, "up");
  EXPECT_EQ(down->oper_status, "down");

  ASSERT_EQ(inv.ip_addresses.size(), 1u);
  EXPECT_EQ(inv.ip_addresses[0].address, "10.54.64.9");
  EXPECT_EQ(inv.ip_addresses[0].prefix_length, 27);
  EXPECT_EQ(inv.ip_addresses[0].if_index, 99u);
  EXPECT_THAT(inv.addresses, ElementsAre("10.54.64.9"));

  EXPECT_EQ(inv.lldp_neighbors.size(), 0u);
  ASSERT_EQ(inv.cdp_neighbors.size(), 7u);
  const CdpNeighbor* up = FindCdp(inv, 10152, 8);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->device_id, "acme-fr-s-001");
  EXPECT_EQ(up->hostname, "acme-fr-s-001");
  EXPECT_EQ(up->remote_port, "GigabitEthernet1/0/3");
  EXPECT_EQ(up->platform, "cisco WS-C3850-12S");
  EXPECT_EQ(up->address, "10.54.64.5");
  EXPECT_THAT(up->capabilities, ElementsAre("router", "switch", "igmp"));
  ASSERT_TRUE(up->version.has_value());
  EXPECT_EQ(up->version->rfind("Cisco IOS Software", 0), 0u);

  EXPECT_EQ(inv.arp.size(), 2u);
}

TEST(MibLab, CiscoIosXeStackWiseVirtualChassis) {
  Inventory inv = DecodeLab("iosxe_c9500h-svl");
  ASSERT_TRUE(inv.chassis.has_value());
  // Virtual Stack (1, class stack) contains Switch 1 (2) and Switch 2 (500).
  EXPECT_EQ(inv.chassis->entity_index, 2u);
  EXPECT_EQ(inv.chassis->model, "C9500-48Y4C");
  EXPECT_EQ(inv.chassis->serial, "CAT2223L007");
  EXPECT_EQ(inv.chassis->manufacturer, "Cisco Systems Inc");
  EXPECT_TRUE(inv.chassis->is_stack);
  ASSERT_EQ(inv.chassis->members.size(), 2u);
  EXPECT_EQ(inv.chassis->members[0].entity_index, 2u);
  EXPECT_EQ(inv.chassis->members[1].entity_index, 500u);
  EXPECT_EQ(inv.chassis->members[1].relative_position, 2);
  EXPECT_THAT(inv.chassis->member_serials, ElementsAre("CAT2223L007", "CAT2226L4M0"));

  EXPECT_EQ(inv.interfaces.size(), 113u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 1u);
  ASSERT_EQ(inv.cdp_neighbors.size(), 15u);
  const CdpNeighbor* n = FindCdp(inv, 3, 16);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->device_id, "F241.01.18-C9500-4.cisco.com");
  EXPECT_EQ(n->hostname, "f241.01.18-c9500-4.cisco.com");
  EXPECT_EQ(n->remote_port, "TwentyFiveGigE1/0/1");
  EXPECT_EQ(n->platform, "cisco C9500-48Y4C");
  EXPECT_EQ(n->address, "10.82.138.93");
}

TEST(MibLab, CiscoNxosLldpAndCdp) {
  Inventory inv = DecodeLab("nxos_n3k-3064pq");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->entity_index, 149u);  // inside "Fabric Stack Root"
  EXPECT_EQ(inv.chassis->model, "N3K-C3064PQ-10GX");
  EXPECT_FALSE(inv.chassis->serial.has_value());  // "<private>"
  EXPECT_TRUE(inv.chassis->member_serials.empty());

  EXPECT_EQ(inv.interfaces.size(), 54u);
  EXPECT_EQ(inv.lldp_local.ports.size(), 54u);
  ASSERT_EQ(inv.lldp_neighbors.size(), 1u);
  const LldpNeighbor& n = inv.lldp_neighbors[0];
  EXPECT_EQ(n.local_port_num, 436404224u);
  EXPECT_EQ(n.local_if_index, 436404224u);
  EXPECT_EQ(n.local_port, "Ethernet1/49");
  EXPECT_EQ(n.remote_index, 1u);
  EXPECT_EQ(n.chassis_id_subtype, 4);
  EXPECT_EQ(n.chassis_id, "18:e7:28:92:28:78");
  EXPECT_EQ(n.port_id_subtype, 5);
  EXPECT_EQ(n.port_id, "Ethernet1/49");
  EXPECT_EQ(n.port_descr, "Uplink");
  EXPECT_EQ(n.sys_name, "<private>");
  // The recording holds the capability maps as text, not BITS: left empty.
  EXPECT_TRUE(n.capabilities_enabled.empty());
  // The second management address has subtype 6 (all802): not an IP.
  EXPECT_THAT(n.management_addresses, ElementsAre("172.30.192.161"));

  ASSERT_EQ(inv.cdp_neighbors.size(), 2u);
  const CdpNeighbor* c = FindCdp(inv, 436404224, 11730945);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->remote_port, "Ethernet1/49");
  EXPECT_EQ(c->platform, "N3K-C3064PQ-10GE");
  EXPECT_EQ(c->device_id, "<private>");
  EXPECT_FALSE(c->hostname.has_value());
  EXPECT_FALSE(c->address.has_value());  // type ip but 6 bytes
  EXPECT_THAT(c->capabilities, ElementsAre("router", "switch", "cvta"));
}

TEST(MibLab, AristaLldp) {
  Inventory inv = DecodeLab("arista_eos");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->model, "DCS-7050S-52");
  EXPECT_EQ(inv.chassis->serial, "JPE00000000");
  EXPECT_EQ(inv.chassis->manufacturer, "Arista Networks");
  EXPECT_FALSE(inv.chassis->is_stack);

  EXPECT_EQ(inv.interfaces.size(), 55u);
  ASSERT_EQ(inv.lldp_neighbors.size(), 6u);
  for (const LldpNeighbor& n : inv.lldp_neighbors) {
    EXPECT_EQ(n.local_if_index, n.local_port_num);  // lldpLocPortId "EthernetN" is ifName of ifIndex N
  }
  const LldpNeighbor* core = FindLldp(inv, 48);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(core->local_if_index, 48u);
  EXPECT_EQ(core->local_port, "Ethernet48");
  EXPECT_EQ(core->chassis_id, "c4:7d:4f:c4:46:c0");
  EXPECT_EQ(core->port_id_subtype, 5);
  EXPECT_EQ(core->port_id, "Te1/3");
  EXPECT_EQ(core->port_descr, "TenGigabitEthernet1/3");
  EXPECT_EQ(core->sys_name, "4900M-CORE.example.net");
  EXPECT_THAT(core->management_addresses, ElementsAre("84.232.18.1", "2a04:41c0::1"));
  const LldpNeighbor* alias = FindLldp(inv, 47);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->port_id_subtype, 1);
  EXPECT_EQ(alias->port_id, "\\A 7050s-estudio Et47\\");
  const LldpNeighbor* mac = FindLldp(inv, 1);
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(mac->port_id_subtype, 3);
  EXPECT_EQ(mac->port_id, "00:1b:21:bb:e6:f0");
}

TEST(MibLab, JunosMx5t) {
  Inventory inv = DecodeLab("junos_mx5t-isis");
  EXPECT_FALSE(inv.chassis.has_value());  // no ENTITY-MIB
  EXPECT_EQ(inv.interfaces.size(), 48u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 2u);
  ASSERT_EQ(inv.lldp_neighbors.size(), 4u);
  const LldpNeighbor* n = FindLldp(inv, 526);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->local_if_index, 526u);
  EXPECT_EQ(n->local_port, "ge-1/1/0");
  EXPECT_EQ(n->chassis_id, "18:2a:d3:84:c2:47");
  EXPECT_EQ(n->port_id_subtype, 7);
  EXPECT_EQ(n->port_id, "612");
  EXPECT_EQ(n->port_descr, "ge-0/1/2");
  EXPECT_EQ(n->sys_name, "lab-s1");
  EXPECT_THAT(n->management_addresses, ElementsAre("10.99.204.52"));

  ASSERT_EQ(inv.host.software.size(), 1u);
  EXPECT_EQ(inv.host.software[0].name, "JUNOS Base OS Software Suite [19.4R3.11]");
  EXPECT_EQ(inv.host.software[0].package, "JUNOS Base OS Software Suite");
  EXPECT_EQ(inv.host.software[0].version, "19.4R3.11");
  EXPECT_EQ(inv.host.storage.size(), 27u);
}

TEST(MibLab, ProcurveDuplicatedLinesAndPlaceholderSerial) {
  Inventory inv = DecodeLab("procurve");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->entity_index, 1001u);
  EXPECT_EQ(inv.chassis->model, "JL074A");
  EXPECT_EQ(inv.chassis->manufacturer, "Aruba");
  EXPECT_FALSE(inv.chassis->serial.has_value());  // "<private>"
  EXPECT_FALSE(inv.chassis->is_stack);
  EXPECT_EQ(inv.entities.size(), 227u);

  EXPECT_EQ(inv.interfaces.size(), 78u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 2u);  // 0.0.0.0 dropped
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv6), 1u);
  const IpAddress* lo = FindAddress(inv, "127.0.0.1");
  ASSERT_NE(lo, nullptr);
  EXPECT_TRUE(lo->loopback);
  const IpAddress* lo6 = FindAddress(inv, "::1");
  ASSERT_NE(lo6, nullptr);
  EXPECT_TRUE(lo6->loopback);
  EXPECT_EQ(lo6->prefix_length, 128);
  EXPECT_THAT(inv.addresses, ElementsAre("10.1.1.1"));
  EXPECT_EQ(FindAddress(inv, "10.1.1.1")->prefix_length, 22);

  ASSERT_EQ(inv.lldp_neighbors.size(), 7u);
  const LldpNeighbor* phone = FindLldp(inv, 44);
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->chassis_id_subtype, 5);
  EXPECT_EQ(phone->chassis_id, "10.56.32.113");  // networkAddress: family 1 + 4 bytes
  EXPECT_EQ(phone->port_id, "00:04:f2:c6:70:78");
  EXPECT_EQ(phone->sys_name, "Polycom SoundPoint IP 335");
  EXPECT_EQ(phone->local_if_index, 44u);
  EXPECT_THAT(phone->management_addresses, ElementsAre("10.1.1.1"));  // 0.0.0.0 dropped

  // The duplicated ARP lines: the first of each wins; ipNetToMedia and
  // ipNetToPhysical rows of one address merge; 0.0.0.0 is dropped.
  ASSERT_EQ(inv.arp.size(), 1u);
  EXPECT_EQ(inv.arp[0].if_index, 1277u);
  EXPECT_EQ(inv.arp[0].ip, "10.1.1.1");
  EXPECT_EQ(inv.arp[0].mac, "12:02:00:00:01:02");
}

TEST(MibLab, ArubaCx70Neighbours) {
  Inventory inv = DecodeLab("arubaos-cx_10.07");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->entity_index, 101001u);
  EXPECT_EQ(inv.chassis->model, "JL727A");
  EXPECT_EQ(inv.chassis->serial, "AB12CD3456");
  EXPECT_TRUE(inv.chassis->is_stack);  // "Aruba 6200 VSF Stack"
  EXPECT_EQ(inv.interfaces.size(), 57u);
  ASSERT_EQ(inv.lldp_neighbors.size(), 70u);
  for (const LldpNeighbor& n : inv.lldp_neighbors) {
    ASSERT_TRUE(n.local_port_num.has_value());
    EXPECT_EQ(n.local_if_index, n.local_port_num);
    EXPECT_FALSE(n.chassis_id.has_value());  // anonymised to all zero
  }
  const LldpNeighbor* first = FindLldp(inv, 1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->local_port, "1/1/1");
  EXPECT_EQ(first->sys_name, "aruba-ap-name");
  EXPECT_EQ(first->port_descr, "eth0");
  const Interface* port = FindInterface(inv, 1);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->name, "1/1/1");
}

TEST(MibLab, RouterOsOneArcLldpIndexAndMacText) {
  Inventory inv = DecodeLab("routeros");
  ASSERT_EQ(inv.lldp_neighbors.size(), 14u);
  size_t without_port =
      static_cast<size_t>(std::count_if(inv.lldp_neighbors.begin(), inv.lldp_neighbors.end(),
                                        [](const LldpNeighbor& n) { return !n.local_port_num.has_value(); }));
  EXPECT_EQ(without_port, 12u);
  const LldpNeighbor* h3c = nullptr;
  for (const LldpNeighbor& n : inv.lldp_neighbors) {
    if (n.sys_name == "S5120-Tech") h3c = &n;
  }
  ASSERT_NE(h3c, nullptr);
  EXPECT_EQ(h3c->chassis_id, "3c:e5:a6:37:df:da");  // sent as MAC text
  EXPECT_EQ(h3c->port_id, "GigabitEthernet1/0/17");
  EXPECT_FALSE(h3c->local_if_index.has_value());
  ASSERT_TRUE(h3c->sys_descr.has_value());
  EXPECT_EQ(h3c->sys_descr->rfind("H3C Comware Platform Software", 0), 0u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 9u);
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->model, "RouterOS 6.40.5 (stable) on RB952Ui-5ac2nD");  // no modelName: descr
  EXPECT_FALSE(inv.chassis->serial.has_value());
  EXPECT_EQ(inv.interfaces.size(), 12u);
}

TEST(MibLab, CiscoAsaAddressesWithoutLengthArcAndArp) {
  Inventory inv = DecodeLab("asa");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->model, "ASA5555");
  EXPECT_EQ(inv.chassis->serial, "FGL1641413L");
  EXPECT_EQ(inv.interfaces.size(), 48u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 32u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv6), 2u);
  const IpAddress* ula = FindAddress(inv, "fd00:0:0:1::1");
  ASSERT_NE(ula, nullptr);
  EXPECT_EQ(ula->prefix_length, 64);
  EXPECT_EQ(ula->if_index, 4u);
  const IpAddress* ll = FindAddress(inv, "fe80::200:1ff:fe00:1");
  ASSERT_NE(ll, nullptr);
  EXPECT_TRUE(ll->link_local);
  EXPECT_EQ(ll->origin, 5);
  const IpAddress* outside = FindAddress(inv, "10.0.0.43");
  ASSERT_NE(outside, nullptr);
  EXPECT_EQ(outside->prefix_length, 28);
  EXPECT_EQ(outside->if_index, 5u);
  EXPECT_EQ(outside->origin, 2);  // from ipAddressTable, merged
  EXPECT_EQ(inv.addresses.size(), 33u);

  ASSERT_EQ(inv.arp.size(), 348u);
  bool found = false;
  for (const ArpEntry& e : inv.arp) {
    if (e.if_index == 5 && e.ip == "10.0.0.38") {
      found = true;
      EXPECT_EQ(e.mac, "d8:5e:d3:84:ad:0e");
      EXPECT_EQ(e.family, IpFamily::kIpv4);
    }
  }
  EXPECT_TRUE(found);
  // nlp_int_tap's 00:00:01:00:00:01 is not the device's MAC.
  EXPECT_EQ(inv.base_mac, "d4:e8:80:81:34:01");
}

TEST(MibLab, FortigateIpv6) {
  Inventory inv = DecodeLab("fortigate_60fospfv3");
  EXPECT_EQ(inv.interfaces.size(), 30u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 18u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv6), 6u);
  const IpAddress* p2p = FindAddress(inv, "2a07:3500:13b8:df11::5");
  ASSERT_NE(p2p, nullptr);
  EXPECT_EQ(p2p->prefix_length, 127);
  EXPECT_EQ(p2p->if_index, 2u);
  const IpAddress* ll = FindAddress(inv, "fe80::ae71:2eff:fef9:b3ec");
  ASSERT_NE(ll, nullptr);
  EXPECT_TRUE(ll->link_local);
  EXPECT_EQ(ll->prefix_length, 64);
  EXPECT_EQ(inv.addresses.size(), 22u);  // 18 + 4 global IPv6
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->model, "FGT_60F");
  EXPECT_EQ(inv.chassis->serial, "FGT60FTK12345678");
  ASSERT_EQ(inv.lldp_neighbors.size(), 2u);
  const LldpNeighbor* n = FindLldp(inv, 2);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->local_if_index, 2u);  // no lldpLocPortTable: port number is the ifIndex
  EXPECT_EQ(n->sys_name, "cx6300-a1");
  EXPECT_EQ(n->port_id, "1/1/38");
  EXPECT_EQ(inv.arp.size(), 16u);
}

TEST(MibLab, LinuxHostResources) {
  Inventory inv = DecodeLab("linux_icecast");
  EXPECT_EQ(inv.interfaces.size(), 3u);
  EXPECT_EQ(inv.host.memory_mib, 821u);  // 841176 KiB
  EXPECT_EQ(inv.host.cpu_count, 1u);
  ASSERT_EQ(inv.host.storage.size(), 10u);
  const Storage& root = inv.host.storage.back();
  EXPECT_EQ(root.index, 54u);
  EXPECT_EQ(root.descr, "/");
  EXPECT_EQ(root.type, "fixedDisk");
  EXPECT_EQ(root.size_bytes, 26831990784u);
  EXPECT_EQ(root.used_bytes, 4381347840u);
  EXPECT_EQ(inv.host.storage[0].type, "ram");
  ASSERT_EQ(inv.host.software.size(), 738u);
  EXPECT_EQ(inv.host.software[0].name, "perl-open-1.11-416.el8");
  EXPECT_EQ(inv.host.software[0].package, "perl-open");
  EXPECT_EQ(inv.host.software[0].version, "1.11-416.el8");
  EXPECT_EQ(inv.host.software[6].package, "kernel-core");
  EXPECT_EQ(inv.host.software[6].version, "4.18.0-147.3.1.el8_1");
  size_t split = static_cast<size_t>(std::count_if(inv.host.software.begin(), inv.host.software.end(),
                                                   [](const Software& s) { return s.version.has_value(); }));
  EXPECT_GE(split, 730u);

  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 4u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv6), 3u);
  EXPECT_THAT(inv.addresses, ElementsAre("10.10.0.6", "10.136.71.222", "142.93.53.149"));
  EXPECT_EQ(inv.arp.size(), 25u);
  // Only locally administered MACs (a cloud VM): the lowest of them.
  EXPECT_EQ(inv.base_mac, "92:41:75:d5:14:3c");
}

TEST(MibLab, WindowsServer) {
  Inventory inv = DecodeLab("windows_svr_2019_1809");
  EXPECT_EQ(inv.interfaces.size(), 24u);
  EXPECT_EQ(inv.host.memory_mib, 16382u);
  EXPECT_EQ(inv.host.cpu_count, 4u);
  EXPECT_TRUE(inv.host.software.empty());
  ASSERT_EQ(inv.host.storage.size(), 4u);
  EXPECT_EQ(inv.host.storage[0].descr, "C:\\ Label: Serial Number 10f82425");
  EXPECT_EQ(inv.host.storage[0].type, "fixedDisk");
  EXPECT_EQ(inv.host.storage[0].size_bytes, 106728255488u);
  EXPECT_EQ(CountFamily(inv, IpFamily::kIpv4), 2u);
  EXPECT_THAT(inv.addresses, ElementsAre("10.0.0.100"));
  EXPECT_FALSE(inv.chassis.has_value());
  ASSERT_TRUE(inv.system.descr.has_value());
  EXPECT_NE(inv.system.descr->find("Windows Version 6.3 (Build 17763"), std::string::npos);
}

TEST(MibLab, VmwareEsxiChassisByFallback) {
  Inventory inv = DecodeLab("vmware-esxi");
  ASSERT_TRUE(inv.chassis.has_value());
  EXPECT_EQ(inv.chassis->entity_index, 1u);
  EXPECT_EQ(inv.chassis->physical_class, 4);  // backplane: no chassis row
  EXPECT_EQ(inv.chassis->model, "ProLiant DL380p Gen8");
  EXPECT_EQ(inv.chassis->serial, "CZ162913BZ");
  EXPECT_EQ(inv.chassis->manufacturer, "HP");
  EXPECT_EQ(inv.host.cpu_count, 32u);
  EXPECT_EQ(inv.host.memory_mib, 196573u);
  EXPECT_EQ(inv.host.storage.size(), 9u);
  EXPECT_EQ(inv.interfaces.size(), 9u);
}

TEST(MibLab, ApcUps) {
  Inventory inv = DecodeLab("apc_smt750x-nmc2");
  ASSERT_EQ(inv.interfaces.size(), 2u);  // ifTable only, no ifXTable
  const Interface& nic = inv.interfaces[1];
  EXPECT_EQ(nic.if_index, 2u);
  EXPECT_EQ(nic.name, "vmac0");  // ifDescr, for want of ifName
  EXPECT_EQ(nic.mac, "28:29:86:06:a4:89");
  EXPECT_EQ(nic.speed_mbps, 100.0);
  EXPECT_EQ(inv.interfaces[0].speed_mbps, 0.0);
  EXPECT_FALSE(inv.interfaces[0].mac.has_value());
  EXPECT_THAT(inv.addresses, ElementsAre("192.168.229.250"));
  EXPECT_EQ(inv.base_mac, "28:29:86:06:a4:89");
  EXPECT_FALSE(inv.chassis.has_value());
  ASSERT_TRUE(inv.system.descr.has_value());
  EXPECT_NE(inv.system.descr->find("MN:AP9631"), std::string::npos);
}

// --- required OIDs ---------------------------------------------------------

TEST(MibRequired, ColumnsNotWholeTables) {
  std::vector<Oid> subtrees = RequiredSubtrees();
  EXPECT_TRUE(std::is_sorted(subtrees.begin(), subtrees.end()));
  EXPECT_TRUE(std::adjacent_find(subtrees.begin(), subtrees.end()) == subtrees.end());
  for (size_t i = 0; i + 1 < subtrees.size(); ++i) {
    EXPECT_FALSE(subtrees[i + 1].StartsWith(subtrees[i])) << subtrees[i].ToString();
  }
  auto has = [&](std::string_view oid) {
    return std::find(subtrees.begin(), subtrees.end(), Id(oid)) != subtrees.end();
  };
  EXPECT_TRUE(has("1.3.6.1.2.1.31.1.1.1.15"));       // ifHighSpeed
  EXPECT_TRUE(has("1.0.8802.1.1.2.1.4.1.1.9"));      // lldpRemSysName
  EXPECT_TRUE(has("1.3.6.1.4.1.9.9.23.1.2.1.1.6"));  // cdpCacheDeviceId
  EXPECT_FALSE(has("1.3.6.1.2.1.2.2.1"));            // not the whole ifTable
  EXPECT_FALSE(has("1.3.6.1.2.1.31.1.1.1.6"));       // counters are not needed
  EXPECT_FALSE(has("1.3.6.1.2.1.2.2.1.10"));
  std::vector<Oid> scalars = RequiredScalars();
  EXPECT_TRUE(std::find(scalars.begin(), scalars.end(), Id("1.3.6.1.2.1.1.2.0")) != scalars.end());
  EXPECT_TRUE(std::find(scalars.begin(), scalars.end(), Id("1.3.6.1.2.1.25.2.2.0")) != scalars.end());
}

// --- hostile input ---------------------------------------------------------

// A value of `type` with a payload that is wrong for almost every column.
Value Garbage(ValueType type) {
  Value v;
  v.type = type;
  v.integer = -7;
  v.bytes = Bytes({0x01, 0xff, 0x00, 0x41});
  v.oid = Oid{{1, 3}};
  return v;
}

// Every required column with rows at several plausible indexes, and every
// scalar, all holding a value of `type`.
DeviceWalk WalkOfType(ValueType type) {
  std::vector<std::vector<uint32_t>> indexes = {
      {1},
      {5, 1, 2, 3, 4},
      {0, 1, 1},
      {1, 4, 10, 0, 0, 1},
      {2, 16, 254, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
      {0, 1, 1, 1, 4, 10, 0, 0, 1},
      {3, 7},
  };
  std::vector<Varbind> vbs;
  for (const Oid& column : RequiredSubtrees()) {
    for (const auto& index : indexes) {
      Oid oid = column;
      oid.arcs.insert(oid.arcs.end(), index.begin(), index.end());
      vbs.push_back({oid, Garbage(type)});
    }
  }
  for (const Oid& scalar : RequiredScalars()) vbs.push_back({scalar, Garbage(type)});
  return DeviceWalk(std::move(vbs));
}

TEST(MibHostile, IntegersWhereStringsAreExpected) {
  Inventory inv = DecodeInventory(WalkOfType(ValueType::kInteger));
  EXPECT_FALSE(inv.system.descr.has_value());
  EXPECT_FALSE(inv.system.object_id.has_value());
  EXPECT_FALSE(inv.system.name.has_value());
  EXPECT_FALSE(inv.system.uptime_seconds.has_value());  // negative
  ASSERT_FALSE(inv.interfaces.empty());
  for (const Interface& i : inv.interfaces) {
    EXPECT_TRUE(i.name.empty());
    EXPECT_FALSE(i.descr.has_value());
    EXPECT_FALSE(i.mac.has_value());
    EXPECT_FALSE(i.type.has_value());  // -7
    EXPECT_FALSE(i.mtu.has_value());
    EXPECT_FALSE(i.admin_status.has_value());
  }
  for (const Entity& e : inv.entities) {
    EXPECT_FALSE(e.descr.has_value());
    EXPECT_FALSE(e.serial.has_value());
    EXPECT_FALSE(e.vendor_type.has_value());
  }
  EXPECT_FALSE(inv.chassis.has_value());
  for (const LldpNeighbor& n : inv.lldp_neighbors) {
    EXPECT_FALSE(n.chassis_id.has_value());
    EXPECT_FALSE(n.sys_name.has_value());
  }
  EXPECT_TRUE(inv.host.software.empty());  // no name
  EXPECT_FALSE(inv.host.memory_mib.has_value());
  EXPECT_FALSE(inv.host.cpu_count.has_value());  // hrDeviceType is not an OID
}

TEST(MibHostile, StringsWhereNumbersAndOidsAreExpected) {
  Inventory inv = DecodeInventory(WalkOfType(ValueType::kOctetString));
  EXPECT_FALSE(inv.system.object_id.has_value());
  EXPECT_FALSE(inv.system.uptime_seconds.has_value());
  EXPECT_FALSE(inv.system.services.has_value());
  ASSERT_TRUE(inv.system.descr.has_value());
  EXPECT_EQ(*inv.system.descr, " \xc3\xbf");  // cut at NUL; 0x01 -> space, 0xff read as Latin-1
  for (const Interface& i : inv.interfaces) {
    EXPECT_FALSE(i.type.has_value());
    EXPECT_FALSE(i.speed_mbps.has_value());
    EXPECT_FALSE(i.oper_status.has_value());
    EXPECT_FALSE(i.mac.has_value());  // 4 bytes
  }
  for (const Entity& e : inv.entities) {
    EXPECT_FALSE(e.physical_class.has_value());
    EXPECT_FALSE(e.contained_in.has_value());
    EXPECT_FALSE(e.vendor_type.has_value());
  }
  for (const IpAddress& a : inv.ip_addresses) {
    EXPECT_FALSE(a.prefix_length.has_value());
    EXPECT_FALSE(a.if_index.has_value());
  }
  for (const Storage& s : inv.host.storage) {
    EXPECT_FALSE(s.size_bytes.has_value());
    EXPECT_FALSE(s.type.has_value());
  }
  for (const Software& s : inv.host.software) EXPECT_FALSE(s.installed.has_value());  // 4 bytes
  EXPECT_FALSE(inv.host.memory_mib.has_value());
}

TEST(MibHostile, EveryTypeAndException) {
  for (ValueType type :
       {ValueType::kInteger, ValueType::kOctetString, ValueType::kNull, ValueType::kObjectId, ValueType::kIpAddress,
        ValueType::kCounter32, ValueType::kGauge32, ValueType::kTimeTicks, ValueType::kOpaque, ValueType::kCounter64,
        ValueType::kNoSuchObject, ValueType::kNoSuchInstance, ValueType::kEndOfMibView}) {
    DeviceWalk walk = WalkOfType(type);
    Inventory inv = DecodeInventory(walk);
    if (type == ValueType::kNoSuchObject || type == ValueType::kNoSuchInstance || type == ValueType::kEndOfMibView) {
      EXPECT_TRUE(inv == Inventory{}) << static_cast<int>(type);
    }
    for (const Interface& i : inv.interfaces) EXPECT_GT(i.if_index, 0u);
  }
}

TEST(MibHostile, TruncatedAndMalformedIndexes) {
  DeviceWalk walk({
      // ipAddressTable: length 16 but 3 bytes; length 4 but 3 bytes; type 9.
      Num("1.3.6.1.2.1.4.34.1.3.2.16.1.2.3", 1),
      Num("1.3.6.1.2.1.4.34.1.3.1.4.10.0.0", 1),
      Num("1.3.6.1.2.1.4.34.1.3.9.4.10.0.0.1", 1),
      Num("1.3.6.1.2.1.4.34.1.3.1.4.10.0.0.256", 1),
      Num("1.3.6.1.2.1.4.34.1.3.1.4.10.0.0.7", 3),  // the only good one
      // ipAddrTable: 3 arcs, 5 arcs, an arc > 255.
      Num("1.3.6.1.2.1.4.20.1.2.10.0.0", 1),
      Num("1.3.6.1.2.1.4.20.1.2.10.0.0.1.1", 1),
      Num("1.3.6.1.2.1.4.20.1.2.10.0.0.999", 1),
      // ifTable: two arcs, ifIndex 0, ifIndex 2^32-1.
      Str("1.3.6.1.2.1.2.2.1.2.1.1", "two arcs"),
      Str("1.3.6.1.2.1.2.2.1.2.0", "zero"),
      Str("1.3.6.1.2.1.2.2.1.2.4294967295", "huge"),
      Str("1.3.6.1.2.1.2.2.1.2.3", "eth0"),
      // lldpRemTable: 2 and 4 arcs; lldpRemManAddrTable: length 16, 3 bytes.
      Str("1.0.8802.1.1.2.1.4.1.1.9.0.1", "two"),
      Str("1.0.8802.1.1.2.1.4.1.1.9.0.1.1.1", "four"),
      Str("1.0.8802.1.1.2.1.4.1.1.9.0.3.1", "good"),
      Num("1.0.8802.1.1.2.1.4.2.1.3.0.3.1.2.16.1.2.3", 2),
      Num("1.0.8802.1.1.2.1.4.2.1.3.0.3.1.1.4.10.0.0", 2),
      Num("1.0.8802.1.1.2.1.4.2.1.3.0.3.1.1.4.10.1.2.3", 2),
      // cdpCacheTable: 1 and 3 arcs.
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.6.3", "one"),
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.6.3.1.1", "three"),
      // ipNetToPhysicalTable: length 16 with 3 bytes; ipNetToMedia short.
      Str("1.3.6.1.2.1.4.35.1.4.3.2.16.1.2.3", Bytes({0, 1, 2, 3, 4, 5})),
      Str("1.3.6.1.2.1.4.22.1.2.3.10.0.0", Bytes({0, 1, 2, 3, 4, 5})),
      // entPhysicalTable: index 0 and two arcs.
      Str("1.3.6.1.2.1.47.1.1.1.1.2.0", "zero"),
      Str("1.3.6.1.2.1.47.1.1.1.1.2.1.1", "two arcs"),
  });
  Inventory inv = DecodeInventory(walk);
  ASSERT_EQ(inv.ip_addresses.size(), 1u);
  EXPECT_EQ(inv.ip_addresses[0].address, "10.0.0.7");
  EXPECT_EQ(inv.ip_addresses[0].if_index, 3u);
  ASSERT_EQ(inv.interfaces.size(), 1u);
  EXPECT_EQ(inv.interfaces[0].if_index, 3u);
  EXPECT_EQ(inv.interfaces[0].name, "eth0");
  ASSERT_EQ(inv.lldp_neighbors.size(), 1u);
  EXPECT_EQ(inv.lldp_neighbors[0].sys_name, "good");
  EXPECT_EQ(inv.lldp_neighbors[0].local_if_index, 3u);  // port number 3 is ifIndex 3
  EXPECT_THAT(inv.lldp_neighbors[0].management_addresses, ElementsAre("10.1.2.3"));
  EXPECT_TRUE(inv.cdp_neighbors.empty());
  EXPECT_TRUE(inv.arp.empty());
  EXPECT_TRUE(inv.entities.empty());
}

TEST(MibHostile, OversizedValues) {
  const std::string mega(1 << 20, 'A');
  std::string binary(1 << 20, '\x01');
  std::string utf8;
  while (utf8.size() < (1u << 20)) utf8 += "\xc3\xa9";  // é
  DeviceWalk walk({
      Str("1.3.6.1.2.1.1.1.0", mega),
      Str("1.3.6.1.2.1.1.5.0", utf8),
      Str("1.3.6.1.2.1.2.2.1.2.1", mega),
      Str("1.3.6.1.2.1.2.2.1.6.1", mega),
      Str("1.3.6.1.2.1.31.1.1.1.18.1", utf8),
      Num("1.0.8802.1.1.2.1.4.1.1.4.0.1.1", 7),
      Str("1.0.8802.1.1.2.1.4.1.1.5.0.1.1", binary),
      Num("1.0.8802.1.1.2.1.4.1.1.6.0.1.1", 3),
      Str("1.0.8802.1.1.2.1.4.1.1.7.0.1.1", mega),
      Str("1.3.6.1.2.1.25.6.3.1.2.1", mega),
      Str("1.3.6.1.2.1.25.6.3.1.5.1", mega),
  });
  Inventory inv = DecodeInventory(walk);
  ASSERT_TRUE(inv.system.descr.has_value());
  EXPECT_EQ(inv.system.descr->size(), internal::kMaxTextBytes);
  ASSERT_TRUE(inv.system.name.has_value());
  EXPECT_LE(inv.system.name->size(), internal::kMaxTextBytes);
  EXPECT_EQ(inv.system.name->size() % 2, 0u);  // whole characters only
  EXPECT_FALSE(inv.system.hostname.has_value());
  ASSERT_EQ(inv.interfaces.size(), 1u);
  EXPECT_EQ(inv.interfaces[0].name.size(), internal::kMaxTextBytes);
  EXPECT_FALSE(inv.interfaces[0].mac.has_value());
  ASSERT_TRUE(inv.interfaces[0].alias.has_value());
  EXPECT_LE(inv.interfaces[0].alias->size(), internal::kMaxTextBytes);
  ASSERT_EQ(inv.lldp_neighbors.size(), 1u);
  ASSERT_TRUE(inv.lldp_neighbors[0].chassis_id.has_value());
  EXPECT_EQ(inv.lldp_neighbors[0].chassis_id->size(), 255u * 3 - 1);  // hex of the first 255 bytes
  EXPECT_EQ(inv.lldp_neighbors[0].chassis_id->substr(0, 6), "01:01:");
  ASSERT_TRUE(inv.lldp_neighbors[0].port_id.has_value());  // macAddress subtype, not a MAC
  EXPECT_EQ(inv.lldp_neighbors[0].port_id->size(), 255u);
  ASSERT_EQ(inv.host.software.size(), 1u);
  EXPECT_EQ(inv.host.software[0].name.size(), internal::kMaxTextBytes);
  EXPECT_FALSE(inv.host.software[0].installed.has_value());
}

TEST(MibHostile, ShortMacsAndDates) {
  DeviceWalk walk({
      Str("1.3.6.1.2.1.2.2.1.6.1", Bytes({0, 0x1b, 0x21, 0xaa, 0xbb})),              // 5 bytes
      Str("1.3.6.1.2.1.2.2.1.6.2", Bytes({0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc, 0xdd})),  // 7 bytes
      Str("1.3.6.1.2.1.2.2.1.6.3", Bytes({0, 0, 0, 0, 0, 0})),                       // zero
      Str("1.3.6.1.2.1.2.2.1.6.4", Bytes({0, 0x1B, 0x21, 0xAA, 0xBB, 0xCC})),
      Num("1.3.6.1.2.1.2.2.1.3.4", 6),
      Num("1.0.8802.1.1.2.1.4.1.1.4.0.4.1", 4),
      Str("1.0.8802.1.1.2.1.4.1.1.5.0.4.1", Bytes({1, 2, 3, 4, 5})),
      Str("1.3.6.1.2.1.25.6.3.1.2.1", "short-date-1.0"),
      Str("1.3.6.1.2.1.25.6.3.1.5.1", Bytes({0x07, 0xe7, 5})),
      Str("1.3.6.1.2.1.25.6.3.1.2.2", "good-date-2.0"),
      Str("1.3.6.1.2.1.25.6.3.1.5.2", Bytes({0x07, 0xe7, 5, 29, 14, 34, 16, 0})),
      Str("1.3.6.1.2.1.25.6.3.1.2.3", "zoned 3.0"),
      Str("1.3.6.1.2.1.25.6.3.1.5.3", Bytes({0x07, 0xe7, 5, 29, 14, 34, 16, 5, '+', 5, 30})),
      Str("1.3.6.1.2.1.25.6.3.1.2.4", "bad-month-4"),
      Str("1.3.6.1.2.1.25.6.3.1.5.4", Bytes({0x07, 0xe7, 13, 29, 14, 34, 16, 0})),
  });
  Inventory inv = DecodeInventory(walk);
  ASSERT_EQ(inv.interfaces.size(), 4u);
  EXPECT_FALSE(inv.interfaces[0].mac.has_value());
  EXPECT_FALSE(inv.interfaces[1].mac.has_value());
  EXPECT_FALSE(inv.interfaces[2].mac.has_value());
  EXPECT_EQ(inv.interfaces[3].mac, "00:1b:21:aa:bb:cc");
  EXPECT_THAT(inv.macs, ElementsAre("00:1b:21:aa:bb:cc"));
  EXPECT_EQ(inv.base_mac, "00:1b:21:aa:bb:cc");
  ASSERT_EQ(inv.lldp_neighbors.size(), 1u);
  EXPECT_EQ(inv.lldp_neighbors[0].chassis_id, "01:02:03:04:05");  // not a MAC: hex
  ASSERT_EQ(inv.host.software.size(), 4u);
  EXPECT_FALSE(inv.host.software[0].installed.has_value());
  EXPECT_EQ(inv.host.software[1].installed, "2023-05-29T14:34:16");
  EXPECT_EQ(inv.host.software[2].installed, "2023-05-29T14:34:16.5+05:30");
  EXPECT_FALSE(inv.host.software[3].installed.has_value());
  EXPECT_EQ(inv.host.software[2].package, "zoned");
  EXPECT_EQ(inv.host.software[2].version, "3.0");
}

TEST(MibHostile, NegativeAndHugeNumbers) {
  constexpr int64_t kHuge = INT64_MAX;
  DeviceWalk walk({
      Num("1.3.6.1.2.1.1.3.0", -5, ValueType::kTimeTicks),
      Num("1.3.6.1.2.1.1.7.0", 200),
      Num("1.3.6.1.2.1.2.2.1.3.1", 0),
      Num("1.3.6.1.2.1.2.2.1.4.1", -1),
      Num("1.3.6.1.2.1.2.2.1.5.1", kHuge, ValueType::kCounter64),
      Num("1.3.6.1.2.1.2.2.1.7.1", 9),
      Num("1.3.6.1.2.1.2.2.1.8.1", -1),
      Num("1.3.6.1.2.1.2.2.1.5.2", 10000000, ValueType::kGauge32),
      Num("1.3.6.1.2.1.31.1.1.1.15.2", 0, ValueType::kGauge32),  // 0: ifSpeed wins
      Num("1.3.6.1.2.1.47.1.1.1.1.4.1", -1),
      Num("1.3.6.1.2.1.47.1.1.1.1.5.1", 99),
      Num("1.3.6.1.2.1.47.1.1.1.1.6.1", -2),
      Num("1.3.6.1.2.1.47.1.1.1.1.16.1", 3),
      Str("1.3.6.1.2.1.47.1.1.1.1.11.1", "SER123"),
      Num("1.3.6.1.2.1.25.2.2.0", -1),
      Num("1.3.6.1.2.1.25.2.3.1.4.1", 1 << 30),
      Num("1.3.6.1.2.1.25.2.3.1.5.1", kHuge),
      Num("1.3.6.1.2.1.25.2.3.1.6.1", -3),
      Num("1.3.6.1.2.1.25.2.3.1.4.2", 0),
      Num("1.3.6.1.2.1.25.2.3.1.5.2", 100),
      Str("1.3.6.1.2.1.25.2.3.1.3.2", "zero units"),
      ObjId("1.3.6.1.2.1.25.2.3.1.2.2", "1.3.6.1.2.1.25.2.1.99"),
      ObjId("1.3.6.1.2.1.4.34.1.5.1.4.10.0.0.1", "1.3.6.1.2.1.4.32.1.5.1.1.4.10.0.0.0.33"),
      ObjId("1.3.6.1.2.1.4.34.1.5.2.16.32.1.13.184.0.0.0.0.0.1.0.0.0.0.0.1", "0.0"),
      IpAddr("1.3.6.1.2.1.4.20.1.3.10.0.0.2", Bytes({255, 0, 255, 0})),
  });
  Inventory inv = DecodeInventory(walk);
  EXPECT_FALSE(inv.system.uptime_seconds.has_value());
  EXPECT_FALSE(inv.system.services.has_value());
  ASSERT_EQ(inv.interfaces.size(), 2u);
  const Interface& a = inv.interfaces[0];
  EXPECT_FALSE(a.type.has_value());
  EXPECT_FALSE(a.mtu.has_value());
  EXPECT_FALSE(a.speed_mbps.has_value());
  EXPECT_FALSE(a.admin_status.has_value());
  EXPECT_FALSE(a.oper_status.has_value());
  EXPECT_EQ(inv.interfaces[1].speed_mbps, 10.0);
  ASSERT_EQ(inv.entities.size(), 1u);
  EXPECT_FALSE(inv.entities[0].contained_in.has_value());
  EXPECT_FALSE(inv.entities[0].physical_class.has_value());
  EXPECT_FALSE(inv.entities[0].relative_position.has_value());
  EXPECT_FALSE(inv.entities[0].is_fru.has_value());
  ASSERT_TRUE(inv.chassis.has_value());  // by the fallback: a serial, class unknown
  EXPECT_EQ(inv.chassis->serial, "SER123");
  EXPECT_FALSE(inv.host.memory_mib.has_value());
  ASSERT_EQ(inv.host.storage.size(), 2u);
  EXPECT_FALSE(inv.host.storage[0].size_bytes.has_value());  // overflow
  EXPECT_FALSE(inv.host.storage[0].used_bytes.has_value());  // negative
  EXPECT_FALSE(inv.host.storage[1].size_bytes.has_value());  // no allocation unit
  EXPECT_FALSE(inv.host.storage[1].type.has_value());
  ASSERT_EQ(inv.ip_addresses.size(), 3u);
  EXPECT_EQ(inv.ip_addresses[0].address, "10.0.0.1");
  EXPECT_FALSE(inv.ip_addresses[0].prefix_length.has_value());  // 33 > 32
  EXPECT_EQ(inv.ip_addresses[1].address, "10.0.0.2");
  EXPECT_FALSE(inv.ip_addresses[1].prefix_length.has_value());  // not a contiguous mask
  EXPECT_EQ(inv.ip_addresses[2].address, "2001:db8::1:0:0:1");
  EXPECT_FALSE(inv.ip_addresses[2].prefix_length.has_value());  // 0.0
}

// --- text, addresses and rules ----------------------------------------------

TEST(MibText, CleaningAndHostnames) {
  DeviceWalk walk({
      Str("1.3.6.1.2.1.1.1.0", std::string("Model X\r\nrev 2\rbuilt \x07 by \xe9quipe\t \n\n\0\0garbage", 45)),
      Str("1.3.6.1.2.1.1.5.0", "  Core-SW1.Example.COM. \t"),
      Str("1.3.6.1.2.1.1.4.0", "ops\nteam"),
      Str("1.3.6.1.2.1.1.6.0", std::string("\0\0\0", 3)),
  });
  SystemInfo sys = DecodeSystem(walk);
  EXPECT_EQ(sys.descr, "Model X\nrev 2\nbuilt   by \xc3\xa9quipe");
  EXPECT_EQ(sys.name, "Core-SW1.Example.COM.");
  EXPECT_EQ(sys.hostname, "core-sw1.example.com");
  EXPECT_EQ(sys.contact, "ops team");
  EXPECT_FALSE(sys.location.has_value());

  EXPECT_EQ(HostnameOf("web01"), "web01");
  EXPECT_EQ(HostnameOf("SEP001122334455"), "sep001122334455");
  EXPECT_FALSE(HostnameOf("<private>").has_value());
  EXPECT_FALSE(HostnameOf("").has_value());
  EXPECT_FALSE(HostnameOf("a..b").has_value());
  EXPECT_FALSE(HostnameOf("-a").has_value());
  EXPECT_FALSE(HostnameOf("a-").has_value());
  EXPECT_FALSE(HostnameOf("two words").has_value());
  EXPECT_FALSE(HostnameOf(std::string(64, 'a')).has_value());
  EXPECT_FALSE(HostnameOf(std::string(300, 'a')).has_value());
}

TEST(MibText, Ipv6TextIsRfc5952) {
  auto text = [](std::initializer_list<int> b) {
    std::array<uint8_t, 16> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return internal::Ipv6Text(a);
  };
  EXPECT_EQ(text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}), "2001:db8::1:0:0:1");
  EXPECT_EQ(text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}), "2001:db8:0:0:1::");
  EXPECT_EQ(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "::1");
  EXPECT_EQ(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "::");
  EXPECT_EQ(text({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "fe80::");
  EXPECT_EQ(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}), "::ffff:192.0.2.1");
  EXPECT_EQ(text({0x2a, 0x04, 0x41, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "2a04:41c0::1");
}

TEST(MibText, MacText) {
  EXPECT_EQ(internal::MacFromText("B8:69:F4:7F:41:70"), "b8:69:f4:7f:41:70");
  EXPECT_EQ(internal::MacFromText("b869.f47f.4170"), "b8:69:f4:7f:41:70");
  EXPECT_EQ(internal::MacFromText("b8-69-f4-7f-41-70"), "b8:69:f4:7f:41:70");
  EXPECT_EQ(internal::MacFromText("b869f47f4170"), "b8:69:f4:7f:41:70");
  EXPECT_FALSE(internal::MacFromText("00:00:00:00:00:00").has_value());
  EXPECT_FALSE(internal::MacFromText("b8:69:f4:7f:41").has_value());
  EXPECT_FALSE(internal::MacFromText("gg:69:f4:7f:41:70").has_value());
  EXPECT_FALSE(internal::MacFromText("eth0").has_value());
}

TEST(MibRules, PackageNames) {
  auto split = [](std::string_view name) {
    std::optional<std::string> package, version;
    SplitPackageName(name, &package, &version);
    return std::make_pair(package, version);
  };
  using P = std::pair<std::optional<std::string>, std::optional<std::string>>;
  EXPECT_EQ(split("openssl-3.0.11-1.el8"), P("openssl", "3.0.11-1.el8"));
  EXPECT_EQ(split("python3-libs-3.6.8-51.el8"), P("python3-libs", "3.6.8-51.el8"));
  EXPECT_EQ(split("base-files-10.3+rpi1+deb10u4"), P("base-files", "10.3+rpi1+deb10u4"));
  EXPECT_EQ(split("bash 5.1"), P("bash", "5.1"));
  EXPECT_EQ(split("Foo Tool - 14.0.23026 (x64)"), P("Foo Tool", "14.0.23026"));
  EXPECT_EQ(split("VMware Tools v12.1.0"), P("VMware Tools", "v12.1.0"));
  EXPECT_EQ(split("Microsoft Visual C++ 2015 Redistributable"), P(std::nullopt, std::nullopt));
  EXPECT_EQ(split("kernel"), P(std::nullopt, std::nullopt));
  EXPECT_EQ(split("-1.0"), P(std::nullopt, std::nullopt));
  EXPECT_EQ(split("3.0 beta"), P(std::nullopt, std::nullopt));
  EXPECT_EQ(split(""), P(std::nullopt, std::nullopt));
}

TEST(MibRules, DateAndTime) {
  EXPECT_EQ(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 3, 4, 5, 0})), "2000-01-02T03:04:05");
  EXPECT_EQ(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 3, 4, 5, 0, '-', 8, 0})), "2000-01-02T03:04:05-08:00");
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 1})).has_value());
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 3, 4, 5, 0, 0})).has_value());
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 0, 2, 3, 4, 5, 0})).has_value());
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 24, 4, 5, 0})).has_value());
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 3, 4, 5, 0, 'x', 8, 0})).has_value());
  EXPECT_FALSE(DateAndTimeToIso(Bytes({0x07, 0xd0, 1, 2, 3, 4, 5, 0, '+', 14, 0})).has_value());
}

TEST(MibRules, PlaceholderIdentifiers) {
  for (std::string_view p : {"", "  ", "<private>", "N/A", "unknown", "Default", "BUILTIN", "0000000", "xxxx",
                             "To be filled by O.E.M.", "-", "0"}) {
    EXPECT_TRUE(IsPlaceholderIdentifier(p)) << p;
  }
  for (std::string_view s : {"FCW1929B68S", "CZ162913BZ", "245a4c19bf12", "000000000001", "AB"}) {
    EXPECT_FALSE(IsPlaceholderIdentifier(s)) << s;
  }
}

Entity MakeEntity(uint32_t index, std::optional<int> cls, std::optional<uint32_t> contained_in,
                  std::optional<int> rel_pos, std::optional<std::string> serial,
                  std::optional<std::string> model = std::nullopt) {
  Entity e;
  e.index = index;
  e.physical_class = cls;
  e.contained_in = contained_in;
  e.relative_position = rel_pos;
  e.serial = std::move(serial);
  e.model_name = std::move(model);
  return e;
}

TEST(MibRules, ChassisChoice) {
  // Two top chassis and no stack entity: a stack; known positions first.
  auto c = DecodeChassis(
      {MakeEntity(5, 3, 0, -1, "S5", "M"), MakeEntity(7, 3, 0, 1, "S7", "M"), MakeEntity(9, 9, 7, 1, "MOD")});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->entity_index, 7u);
  EXPECT_TRUE(c->is_stack);
  EXPECT_THAT(c->member_serials, ElementsAre("S7", "S5"));

  // A chassis inside a chassis is not a top chassis.
  c = DecodeChassis({MakeEntity(1, 3, 0, -1, "OUTER"), MakeEntity(2, 3, 1, 1, "INNER")});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->serial, "OUTER");
  EXPECT_FALSE(c->is_stack);

  // An empty first member is skipped in favour of one with a serial.
  c = DecodeChassis({MakeEntity(1, 11, 0, -1, std::nullopt), MakeEntity(2, 3, 1, 1, std::nullopt),
                     MakeEntity(3, 3, 1, 2, "REAL", "MODEL")});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->entity_index, 3u);
  EXPECT_EQ(c->members.size(), 1u);

  // Fallback: a module and a power supply never; a top entity preferred.
  c = DecodeChassis({MakeEntity(1, 9, 0, -1, "MODULE"), MakeEntity(2, 6, 0, -1, "PSU"),
                     MakeEntity(3, 1, 4, -1, "INNER"), MakeEntity(4, std::nullopt, 0, -1, "TOP")});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->serial, "TOP");

  // Nothing usable.
  EXPECT_FALSE(DecodeChassis({MakeEntity(1, 10, 0, -1, "PORT"), MakeEntity(2, 1, 0, -1, "<private>")}).has_value());
  EXPECT_FALSE(DecodeChassis({}).has_value());

  // A self-containing chassis does not loop.
  c = DecodeChassis({MakeEntity(1, 3, 1, -1, "SELF")});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->serial, "SELF");
}

TEST(MibRules, LldpLocalPortMapping) {
  DeviceWalk walk({
      // Interfaces 10 (Gi0/1, MAC ...01), 11 (Gi0/2, alias "uplink"),
      // 12 (Gi0/3, alias "uplink"), 13 (Gi0/4).
      Str("1.3.6.1.2.1.2.2.1.2.10", "GigabitEthernet0/1"),
      Str("1.3.6.1.2.1.2.2.1.2.11", "GigabitEthernet0/2"),
      Str("1.3.6.1.2.1.2.2.1.2.12", "GigabitEthernet0/3"),
      Str("1.3.6.1.2.1.2.2.1.2.13", "GigabitEthernet0/4"),
      Str("1.3.6.1.2.1.2.2.1.6.10", Bytes({0, 0x1b, 0x21, 0, 0, 1})),
      Num("1.3.6.1.2.1.2.2.1.3.10", 6),
      Str("1.3.6.1.2.1.31.1.1.1.1.10", "Gi0/1"),
      Str("1.3.6.1.2.1.31.1.1.1.1.11", "Gi0/2"),
      Str("1.3.6.1.2.1.31.1.1.1.1.12", "Gi0/3"),
      Str("1.3.6.1.2.1.31.1.1.1.1.13", "Gi0/4"),
      Str("1.3.6.1.2.1.31.1.1.1.18.11", "uplink"),
      Str("1.3.6.1.2.1.31.1.1.1.18.12", "uplink"),
      // Local identity.
      Num("1.0.8802.1.1.2.1.3.1.0", 4),
      Str("1.0.8802.1.1.2.1.3.2.0", Bytes({0x00, 0x1b, 0x21, 0, 0, 0})),
      Str("1.0.8802.1.1.2.1.3.3.0", "sw1"),
      // Port 1: MAC of ifIndex 10.
      Num("1.0.8802.1.1.2.1.3.7.1.2.1", 3),
      Str("1.0.8802.1.1.2.1.3.7.1.3.1", Bytes({0, 0x1b, 0x21, 0, 0, 1})),
      // Port 2: ifDescr, case folded.
      Num("1.0.8802.1.1.2.1.3.7.1.2.2", 5),
      Str("1.0.8802.1.1.2.1.3.7.1.3.2", "gigabitethernet0/2"),
      // Port 3: subtype local, the ifIndex as text.
      Num("1.0.8802.1.1.2.1.3.7.1.2.3", 7),
      Str("1.0.8802.1.1.2.1.3.7.1.3.3", "13"),
      // Port 4: an ambiguous alias and no such ifIndex: unmapped.
      Num("1.0.8802.1.1.2.1.3.7.1.2.4", 1),
      Str("1.0.8802.1.1.2.1.3.7.1.3.4", "uplink"),
      // Port 12: nothing matches by text; 12 is an ifIndex.
      Num("1.0.8802.1.1.2.1.3.7.1.2.12", 7),
      Str("1.0.8802.1.1.2.1.3.7.1.3.12", "port twelve"),
  });
  Inventory inv = DecodeInventory(walk);
  EXPECT_EQ(inv.lldp_local.chassis_id, "00:1b:21:00:00:00");
  EXPECT_EQ(inv.lldp_local.sys_name, "sw1");
  EXPECT_EQ(inv.base_mac, "00:1b:21:00:00:00");  // the LLDP chassis id wins
  ASSERT_EQ(inv.lldp_local.ports.size(), 5u);
  EXPECT_EQ(inv.lldp_local.ports[0].if_index, 10u);
  EXPECT_EQ(inv.lldp_local.ports[1].if_index, 11u);
  EXPECT_EQ(inv.lldp_local.ports[2].if_index, 13u);
  EXPECT_FALSE(inv.lldp_local.ports[3].if_index.has_value());
  EXPECT_EQ(inv.lldp_local.ports[4].if_index, 12u);
}

TEST(MibRules, LldpNetworkAddressAndCapabilities) {
  DeviceWalk walk({
      Num("1.0.8802.1.1.2.1.4.1.1.4.0.1.1", 5),
      Str("1.0.8802.1.1.2.1.4.1.1.5.0.1.1", Bytes({2, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})),
      Str("1.0.8802.1.1.2.1.4.1.1.11.0.1.1", Bytes({0x28, 0x00})),
      Str("1.0.8802.1.1.2.1.4.1.1.12.0.1.1", Bytes({0x20, 0x80})), Num("1.0.8802.1.1.2.1.4.1.1.4.0.2.1", 5),
      Str("1.0.8802.1.1.2.1.4.1.1.5.0.2.1", Bytes({1, 10, 0, 0})),  // short: hex
      Str("1.0.8802.1.1.2.1.4.1.1.11.0.2.1", "28 00 00 00"),        // text: ignored
  });
  Inventory inv = DecodeInventory(walk);
  ASSERT_EQ(inv.lldp_neighbors.size(), 2u);
  EXPECT_EQ(inv.lldp_neighbors[0].chassis_id, "2001:db8::1");
  EXPECT_THAT(inv.lldp_neighbors[0].capabilities_supported, ElementsAre("bridge", "router"));
  EXPECT_THAT(inv.lldp_neighbors[0].capabilities_enabled, ElementsAre("bridge", "cVLAN"));
  EXPECT_EQ(inv.lldp_neighbors[1].chassis_id, "01:0a:00:00");
  EXPECT_TRUE(inv.lldp_neighbors[1].capabilities_supported.empty());
}

TEST(MibRules, CdpDeviceIdWithSerial) {
  DeviceWalk walk({
      Num("1.3.6.1.4.1.9.9.23.1.2.1.1.3.5.1", 1), Str("1.3.6.1.4.1.9.9.23.1.2.1.1.4.5.1", Bytes({10, 1, 2, 3})),
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.6.5.1", "N9K-Core.example.com(FDO1234ABCD)"),
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.9.5.1", Bytes({0, 0, 0, 0x29})),
      Num("1.3.6.1.4.1.9.9.23.1.2.1.1.3.5.2", 20),  // not ip
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.4.5.2", Bytes({10, 1, 2, 4})),
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.6.5.2", "SEP001122334455"),
      Str("1.3.6.1.4.1.9.9.23.1.2.1.1.9.5.2", Bytes({0x29})),  // not 4 bytes
  });
  auto cdp = DecodeCdp(walk);
  ASSERT_EQ(cdp.size(), 2u);
  EXPECT_EQ(cdp[0].device_id, "N9K-Core.example.com(FDO1234ABCD)");
  EXPECT_EQ(cdp[0].hostname, "n9k-core.example.com");
  EXPECT_EQ(cdp[0].address, "10.1.2.3");
  EXPECT_THAT(cdp[0].capabilities, ElementsAre("router", "switch", "igmp"));
  EXPECT_FALSE(cdp[1].address.has_value());
  EXPECT_EQ(cdp[1].hostname, "sep001122334455");
  EXPECT_TRUE(cdp[1].capabilities.empty());
}

// --- random walks -------------------------------------------------------------

TEST(MibFuzz, RandomWalksNeverBreakTheDecoders) {
  std::mt19937 rng(20261201);
  std::vector<Oid> roots = RequiredSubtrees();
  for (const Oid& s : RequiredScalars()) roots.push_back(s);
  const uint32_t kArcs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 20, 127, 128, 254, 255, 256, 65535, 4294967295u};
  const ValueType kTypes[] = {ValueType::kInteger,   ValueType::kOctetString,   ValueType::kNull,
                              ValueType::kObjectId,  ValueType::kIpAddress,     ValueType::kCounter32,
                              ValueType::kGauge32,   ValueType::kTimeTicks,     ValueType::kOpaque,
                              ValueType::kCounter64, ValueType::kNoSuchInstance};
  const int64_t kNumbers[] = {INT64_MIN, -1,           0,        1, 2, 3, 4, 5, 6, 7, 11, 12, 16, 100, 1024,
                              1000000,   4294967295LL, INT64_MAX};
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (int round = 0; round < 3000; ++round) {
    std::vector<Varbind> vbs;
    size_t count = 1 + pick(60);
    for (size_t k = 0; k < count; ++k) {
      Varbind vb;
      vb.oid = roots[pick(std::size(roots))];
      size_t index_len = pick(22);
      for (size_t a = 0; a < index_len; ++a) vb.oid.arcs.push_back(kArcs[pick(std::size(kArcs))]);
      vb.value.type = kTypes[pick(std::size(kTypes))];
      vb.value.integer = kNumbers[pick(std::size(kNumbers))];
      size_t len = pick(8) == 0 ? 300 : pick(20);
      for (size_t b = 0; b < len; ++b) vb.value.bytes.push_back(static_cast<char>(pick(256)));
      size_t oid_len = pick(12);
      for (size_t a = 0; a < oid_len; ++a) vb.value.oid.arcs.push_back(kArcs[pick(std::size(kArcs))]);
      vbs.push_back(std::move(vb));
    }
    Inventory inv = DecodeInventory(DeviceWalk(std::move(vbs)));
    for (const Interface& i : inv.interfaces) {
      EXPECT_LE(i.name.size(), internal::kMaxTextBytes);
      if (i.mac) {
        EXPECT_EQ(i.mac->size(), 17u);
      }
    }
    for (const IpAddress& a : inv.ip_addresses) {
      EXPECT_LE(a.address.size(), 39u);
      if (a.prefix_length) {
        EXPECT_LE(*a.prefix_length, a.family == IpFamily::kIpv4 ? 32 : 128);
      }
    }
    for (const LldpNeighbor& n : inv.lldp_neighbors) {
      if (n.chassis_id) {
        EXPECT_LE(n.chassis_id->size(), 3 * internal::kMaxIdBytes);
      }
    }
    for (const Software& s : inv.host.software) {
      if (s.installed) {
        EXPECT_GE(s.installed->size(), 19u);
      }
    }
  }
}

}  // namespace
}  // namespace cmdb::discovery::mib
