// IP-MIB ipAddrTable and ipAddressTable, merged.
#include <algorithm>
#include <map>
#include <tuple>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

// Prefix length of a contiguous netmask, else nullopt.
std::optional<int> MaskLength(std::string_view mask) {
  if (mask.size() != 4) return std::nullopt;
  uint32_t m = 0;
  for (char c : mask) m = (m << 8) | static_cast<uint8_t>(c);
  int len = 0;
  while (len < 32 && (m & (0x80000000u >> len))) ++len;
  uint32_t expect = len == 0 ? 0 : ~0u << (32 - len);
  if (m != expect) return std::nullopt;
  return len;
}

struct Key {
  IpFamily family;
  std::string bytes;
  auto operator<=>(const Key&) const = default;
};

void Flag(IpAddress& a, std::string_view bytes) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if (a.family == IpFamily::kIpv4) {
    a.loopback = b(0) == 127;
    a.link_local = b(0) == 169 && b(1) == 254;
  } else {
    a.loopback = bytes == std::string(15, '\0') + '\1';
    a.link_local = b(0) == 0xfe && (b(1) & 0xc0) == 0x80;
  }
}

void Merge(IpAddress& into, const IpAddress& from) {
  if (!into.prefix_length) into.prefix_length = from.prefix_length;
  if (!into.if_index) into.if_index = from.if_index;
  if (!into.zone) into.zone = from.zone;
  if (!into.type) into.type = from.type;
  if (!into.origin) into.origin = from.origin;
  if (!into.status) into.status = from.status;
}

}  // namespace

std::vector<IpAddress> DecodeIpAddresses(const DeviceWalk& walk) {
  static const Oid kAddrEntry = O("1.3.6.1.2.1.4.20.1"), kAddressEntry = O("1.3.6.1.2.1.4.34.1");
  std::map<Key, IpAddress> found;
  auto add = [&](Key key, IpAddress a, std::string_view address_bytes) {
    if (std::all_of(address_bytes.begin(), address_bytes.end(), [](char c) { return c == 0; })) return;
    Flag(a, address_bytes);
    auto [it, inserted] = found.try_emplace(std::move(key), a);
    if (!inserted) Merge(it->second, a);
  };

  Table v4 = ReadTable(walk, kAddrEntry, {2, 3});
  for (const auto& [index, row] : v4.rows) {
    if (index.size() != 4) continue;
    auto bytes = ArcsToBytes(index);
    if (!bytes) continue;
    IpAddress a;
    a.family = IpFamily::kIpv4;
    a.address = *IpFromBytes(*bytes);
    if (auto n = NumberIn(v4.Get(row, 2), 1, INT32_MAX)) a.if_index = static_cast<uint32_t>(*n);
    if (const Value* m = v4.Get(row, 3); m != nullptr && m->type == ValueType::kIpAddress) {
      a.prefix_length = MaskLength(m->bytes);
    }
    add({IpFamily::kIpv4, *bytes}, std::move(a), *bytes);
  }

  Table t = ReadTable(walk, kAddressEntry, {3, 4, 5, 6, 7});
  for (const auto& [index, row] : t.rows) {
    if (index.size() < 2) continue;
    auto inet = ParseInetIndex(index[0], std::span<const uint32_t>(index).subspan(1));
    if (!inet) continue;
    auto addr_type = NumberIn(t.Get(row, 4), 1, 3);
    if (addr_type == 3) continue;  // broadcast
    IpAddress a;
    const size_t addr_len = inet->address.size();
    a.family = addr_len == 4 ? IpFamily::kIpv4 : IpFamily::kIpv6;
    a.address = *IpFromBytes(inet->address);
    a.zone = inet->zone;
    if (auto n = NumberIn(t.Get(row, 3), 1, INT32_MAX)) a.if_index = static_cast<uint32_t>(*n);
    if (addr_type) a.type = static_cast<int>(*addr_type);
    if (auto p = ObjectId(t.Get(row, 5)); p && p->arcs.size() > 2) {
      uint32_t last = p->arcs.back();
      if (last <= (addr_len == 4 ? 32u : 128u)) a.prefix_length = static_cast<int>(last);
    }
    if (auto n = NumberIn(t.Get(row, 6), 1, 6)) a.origin = static_cast<int>(*n);
    if (auto n = NumberIn(t.Get(row, 7), 1, 8)) a.status = static_cast<int>(*n);
    std::string key = inet->address;
    if (inet->zone) key += std::to_string(*inet->zone);
    add({a.family, std::move(key)}, std::move(a), inet->address);
  }

  std::vector<IpAddress> out;
  out.reserve(found.size());
  for (auto& [key, a] : found) out.push_back(std::move(a));
  return out;
}

}  // namespace cmdb::discovery::mib
