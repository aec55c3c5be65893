// IP-MIB ipNetToMediaTable and ipNetToPhysicalTable.
#include <algorithm>
#include <map>
#include <tuple>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

std::optional<std::string> TypeText(const Value* v, int max) {
  static constexpr const char* kNames[] = {"other", "invalid", "dynamic", "static", "local"};
  auto n = NumberIn(v, 1, max);
  if (!n) return std::nullopt;
  return kNames[*n - 1];
}

}  // namespace

std::vector<ArpEntry> DecodeArp(const DeviceWalk& walk) {
  static const Oid kMediaEntry = O("1.3.6.1.2.1.4.22.1"), kPhysicalEntry = O("1.3.6.1.2.1.4.35.1");
  std::map<std::tuple<uint32_t, IpFamily, std::string>, ArpEntry> found;
  auto add = [&](std::string bytes, ArpEntry e) {
    if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; })) return;
    auto [it, inserted] = found.try_emplace({e.if_index, e.family, std::move(bytes)}, e);
    if (!inserted) {
      if (!it->second.mac) it->second.mac = e.mac;
      if (!it->second.type) it->second.type = e.type;
    }
  };

  Table media = ReadTable(walk, kMediaEntry, {2, 4});
  for (const auto& [index, row] : media.rows) {
    if (index.size() != 5 || index[0] == 0 || index[0] > INT32_MAX) continue;
    auto bytes = ArcsToBytes(std::span<const uint32_t>(index).subspan(1));
    if (!bytes) continue;
    ArpEntry e;
    e.if_index = index[0];
    e.family = IpFamily::kIpv4;
    e.ip = *IpFromBytes(*bytes);
    if (auto b = Bytes(media.Get(row, 2))) e.mac = MacFromBytes(*b);
    e.type = TypeText(media.Get(row, 4), 4);
    add(*bytes, std::move(e));
  }

  Table phys = ReadTable(walk, kPhysicalEntry, {4, 6});
  for (const auto& [index, row] : phys.rows) {
    // ifIndex.type.length.bytes (or ifIndex.type.bytes)
    if (index.size() < 3 || index[0] == 0 || index[0] > INT32_MAX || (index[1] != 1 && index[1] != 2)) continue;
    auto inet = ParseInetIndex(index[1], std::span<const uint32_t>(index).subspan(2));
    if (!inet) continue;
    auto bytes = std::optional<std::string>(inet->address);
    ArpEntry e;
    e.if_index = index[0];
    e.family = index[1] == 1 ? IpFamily::kIpv4 : IpFamily::kIpv6;
    e.ip = *IpFromBytes(*bytes);
    if (auto b = Bytes(phys.Get(row, 4))) e.mac = MacFromBytes(*b);
    e.type = TypeText(phys.Get(row, 6), 5);
    add(*bytes, std::move(e));
  }

  std::vector<ArpEntry> out;
  out.reserve(found.size());
  for (auto& [key, e] : found) out.push_back(std::move(e));
  return out;
}

}  // namespace cmdb::discovery::mib
