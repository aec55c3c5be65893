// LLDP-MIB local system data, remote systems and their management
// addresses.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <tuple>
#include <unordered_map>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

// Printable text, else colon hex; nullopt when empty.
std::optional<std::string> Generic(std::string_view bytes) {
  bytes = bytes.substr(0, std::min(bytes.size(), kMaxIdBytes));
  std::string_view text = bytes;
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;  // nothing, or only NULs
  if (IsPrintable(text)) {
    std::string line = CleanLine(text);
    if (line.empty()) return std::nullopt;
    return line;
  }
  return HexColon(bytes);
}

std::optional<std::string> MacId(std::string_view bytes) {
  if (bytes.size() == 6) {
    if (auto m = MacFromBytes(bytes)) return m;
    return std::nullopt;  // all zero
  }
  if (IsPrintable(bytes)) {
    if (auto raw = MacBytesFromText(bytes)) return MacFromBytes(*raw);  // nullopt when all zero
  }
  return Generic(bytes);
}

std::optional<std::string> NetworkId(std::string_view bytes) {
  if (bytes.size() == 5 && bytes[0] == 1) return IpFromBytes(bytes.substr(1));
  if (bytes.size() == 17 && bytes[0] == 2) return IpFromBytes(bytes.substr(1));
  return Generic(bytes);
}

std::optional<std::string> ChassisId(std::optional<int> subtype, const Value* v) {
  auto b = Bytes(v);
  if (!b) return std::nullopt;
  if (subtype == 4) return MacId(*b);
  if (subtype == 5) return NetworkId(*b);
  return Generic(*b);
}

std::optional<std::string> PortId(std::optional<int> subtype, const Value* v) {
  auto b = Bytes(v);
  if (!b) return std::nullopt;
  if (subtype == 3) return MacId(*b);
  if (subtype == 4) return NetworkId(*b);
  return Generic(*b);
}

std::vector<std::string> Capabilities(const Value* v) {
  static constexpr const char* kNames[] = {"other",     "repeater",          "bridge",      "wlanAccessPoint", "router",
                                           "telephone", "docsisCableDevice", "stationOnly", "cVLAN",           "sVLAN",
                                           "tpmr"};
  std::vector<std::string> out;
  auto b = Bytes(v);
  if (!b || b->empty() || b->size() > 2) return out;
  for (size_t bit = 0; bit < std::size(kNames) && bit / 8 < b->size(); ++bit) {
    if (static_cast<uint8_t>((*b)[bit / 8]) & (0x80u >> (bit % 8))) out.emplace_back(kNames[bit]);
  }
  return out;
}

// Finds the ifIndex an LLDP local port stands for (rules in decoders.h).
// Lookups are by hash, so a chassis with thousands of ports stays cheap.
class PortMapper {
 public:
  explicit PortMapper(const std::vector<Interface>& interfaces) {
    for (const Interface& i : interfaces) {
      indexes_.push_back(i.if_index);
      if (i.mac) Add(by_mac_, *i.mac, i.if_index);
      const std::optional<std::string> fields[3] = {i.name.empty() ? std::nullopt : std::optional(i.name), i.descr,
                                                    i.alias};
      for (size_t f = 0; f < 3; ++f) {
        if (!fields[f]) continue;
        Add(exact_[f], *fields[f], i.if_index);
        Add(folded_[f], AsciiLower(*fields[f]), i.if_index);
      }
    }
  }

  bool Exists(uint32_t if_index) const { return std::binary_search(indexes_.begin(), indexes_.end(), if_index); }

  std::optional<uint32_t> Map(const LldpLocalPort& port) const {
    if (port.port_id_subtype == 3 && port.port_id) {
      if (auto i = Unique(by_mac_, *port.port_id)) return i;
    }
    for (const auto* text : {&port.port_id, &port.port_descr}) {
      if (!*text) continue;
      for (size_t f = 0; f < 3; ++f) {
        if (auto i = Unique(exact_[f], **text)) return i;
      }
      const std::string lower = AsciiLower(**text);
      for (size_t f = 0; f < 3; ++f) {
        if (auto i = Unique(folded_[f], lower)) return i;
      }
    }
    if (port.port_id_subtype == 7 && port.port_id) {
      uint32_t n = 0;
      const std::string& s = *port.port_id;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && p == s.data() + s.size() && Exists(n)) return n;
    }
    if (Exists(port.port_num)) return port.port_num;
    return std::nullopt;
  }

 private:
  // The ifIndex of a key, or 0 when several interfaces share it.
  using Index = std::unordered_map<std::string, uint32_t>;

  static void Add(Index& index, const std::string& key, uint32_t if_index) {
    auto [it, inserted] = index.try_emplace(key, if_index);
    if (!inserted && it->second != if_index) it->second = 0;
  }

  static std::optional<uint32_t> Unique(const Index& index, const std::string& key) {
    auto it = index.find(key);
    if (it == index.end() || it->second == 0) return std::nullopt;
    return it->second;
  }

  std::vector<uint32_t> indexes_;  // sorted: interfaces are in ifIndex order
  Index by_mac_;
  Index exact_[3];   // ifName, ifDescr, ifAlias
  Index folded_[3];  // the same, lower-cased
};

}  // namespace

void DecodeLldp(const DeviceWalk& walk, const std::vector<Interface>& interfaces, LldpLocal* local,
                std::vector<LldpNeighbor>* neighbors) {
  static const Oid kLocChassisIdSubtype = O("1.0.8802.1.1.2.1.3.1.0"), kLocChassisId = O("1.0.8802.1.1.2.1.3.2.0"),
                   kLocSysName = O("1.0.8802.1.1.2.1.3.3.0"), kLocPortEntry = O("1.0.8802.1.1.2.1.3.7.1"),
                   kRemEntry = O("1.0.8802.1.1.2.1.4.1.1"), kRemManAddrEntry = O("1.0.8802.1.1.2.1.4.2.1");
  *local = LldpLocal{};
  neighbors->clear();
  if (auto n = NumberIn(walk.Get(kLocChassisIdSubtype), 1, 7)) local->chassis_id_subtype = static_cast<int>(*n);
  local->chassis_id = ChassisId(local->chassis_id_subtype, walk.Get(kLocChassisId));
  local->sys_name = Line(walk.Get(kLocSysName));

  PortMapper mapper(interfaces);
  std::map<uint32_t, size_t> port_by_num;
  Table ports = ReadTable(walk, kLocPortEntry, {2, 3, 4});
  for (const auto& [index, row] : ports.rows) {
    if (index.size() != 1) continue;
    LldpLocalPort p;
    p.port_num = index[0];
    if (auto n = NumberIn(ports.Get(row, 2), 1, 7)) p.port_id_subtype = static_cast<int>(*n);
    p.port_id = PortId(p.port_id_subtype, ports.Get(row, 3));
    p.port_descr = Line(ports.Get(row, 4));
    p.if_index = mapper.Map(p);
    port_by_num[p.port_num] = local->ports.size();
    local->ports.push_back(std::move(p));
  }

  using RowKey = std::tuple<uint32_t, uint32_t, uint32_t>;  // timeMark, localPortNum, remIndex
  std::map<RowKey, size_t> neighbor_by_key;
  Table rem = ReadTable(walk, kRemEntry, {4, 5, 6, 7, 8, 9, 10, 11, 12});
  for (const auto& [index, row] : rem.rows) {
    LldpNeighbor n;
    RowKey key;
    if (index.size() == 3) {
      key = {index[0], index[1], index[2]};
      n.local_port_num = index[1];
      n.remote_index = index[2];
    } else if (index.size() == 1) {
      key = {0, 0, index[0]};
      n.remote_index = index[0];
    } else {
      continue;
    }
    if (n.local_port_num) {
      if (auto it = port_by_num.find(*n.local_port_num); it != port_by_num.end()) {
        const LldpLocalPort& p = local->ports[it->second];
        n.local_if_index = p.if_index;
        n.local_port = p.port_id ? p.port_id : p.port_descr;
      } else if (mapper.Exists(*n.local_port_num)) {
        n.local_if_index = *n.local_port_num;
      }
    }
    if (auto s = NumberIn(rem.Get(row, 4), 1, 7)) n.chassis_id_subtype = static_cast<int>(*s);
    n.chassis_id = ChassisId(n.chassis_id_subtype, rem.Get(row, 5));
    if (auto s = NumberIn(rem.Get(row, 6), 1, 7)) n.port_id_subtype = static_cast<int>(*s);
    n.port_id = PortId(n.port_id_subtype, rem.Get(row, 7));
    n.port_descr = Line(rem.Get(row, 8));
    n.sys_name = Line(rem.Get(row, 9));
    n.sys_descr = Text(rem.Get(row, 10));
    n.capabilities_supported = Capabilities(rem.Get(row, 11));
    n.capabilities_enabled = Capabilities(rem.Get(row, 12));
    neighbor_by_key[key] = neighbors->size();
    neighbors->push_back(std::move(n));
  }

  Table man = ReadTable(walk, kRemManAddrEntry, {3});
  for (const auto& [index, row] : man.rows) {
    // timeMark.localPortNum.remIndex.subtype.length.bytes
    if (index.size() < 5) continue;
    uint32_t subtype = index[3], length = index[4];
    if (index.size() != 5 + static_cast<size_t>(length)) continue;
    if (!((subtype == 1 && length == 4) || (subtype == 2 && length == 16))) continue;
    auto bytes = ArcsToBytes(std::span<const uint32_t>(index).subspan(5));
    if (!bytes || std::all_of(bytes->begin(), bytes->end(), [](char c) { return c == 0; })) continue;
    auto it = neighbor_by_key.find({index[0], index[1], index[2]});
    if (it == neighbor_by_key.end()) continue;
    auto& list = (*neighbors)[it->second].management_addresses;
    std::string text = *IpFromBytes(*bytes);
    if (std::find(list.begin(), list.end(), text) == list.end()) list.push_back(std::move(text));
  }
}

}  // namespace cmdb::discovery::mib
