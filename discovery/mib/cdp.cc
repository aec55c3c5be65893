// CISCO-CDP-MIB cdpCacheTable.
#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

std::vector<CdpNeighbor> DecodeCdp(const DeviceWalk& walk) {
  static const Oid kEntry = O("1.3.6.1.4.1.9.9.23.1.2.1.1");
  static constexpr const char* kCaps[] = {"router",
                                          "transparentBridge",
                                          "sourceRouteBridge",
                                          "switch",
                                          "host",
                                          "igmp",
                                          "repeater",
                                          "phone",
                                          "remotelyManaged",
                                          "cvta",
                                          "macRelay"};
  Table t = ReadTable(walk, kEntry, {3, 4, 5, 6, 7, 8, 9});
  std::vector<CdpNeighbor> out;
  for (const auto& [index, row] : t.rows) {
    if (index.size() != 2 || index[0] == 0 || index[0] > INT32_MAX) continue;
    CdpNeighbor n;
    n.local_if_index = index[0];
    n.device_index = index[1];
    if (auto type = NumberIn(t.Get(row, 3), 1, 65535); type == 1) {
      if (auto b = Bytes(t.Get(row, 4)); b && b->size() == 4) n.address = IpFromBytes(*b);
    }
    n.version = Text(t.Get(row, 5));
    n.device_id = Line(t.Get(row, 6));
    if (n.device_id) {
      std::string_view id = *n.device_id;
      // "switch.example.com(FOX1234ABCD)": the serial in parentheses goes.
      if (size_t open = id.find('('); open != std::string_view::npos && open > 0 && id.back() == ')') {
        id = id.substr(0, open);
        while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
      }
      n.hostname = HostnameOf(id);
    }
    n.remote_port = Line(t.Get(row, 7));
    n.platform = Line(t.Get(row, 8));
    if (auto b = Bytes(t.Get(row, 9)); b && b->size() == 4) {
      uint32_t bits = 0;
      for (char c : *b) bits = (bits << 8) | static_cast<uint8_t>(c);
      for (size_t i = 0; i < std::size(kCaps); ++i) {
        if (bits & (1u << i)) n.capabilities.emplace_back(kCaps[i]);
      }
    }
    if (!n.device_id && !n.remote_port && !n.platform && !n.address && !n.version) continue;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace cmdb::discovery::mib
