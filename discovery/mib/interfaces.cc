// IF-MIB ifTable joined with ifXTable.
#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

std::optional<std::string> StatusText(const Value* v, bool oper) {
  static constexpr const char* kNames[] = {"up",      "down",       "testing",       "unknown",
                                           "dormant", "notPresent", "lowerLayerDown"};
  auto n = NumberIn(v, 1, oper ? 7 : 3);
  if (!n) return std::nullopt;
  return kNames[*n - 1];
}

}  // namespace

std::vector<Interface> DecodeInterfaces(const DeviceWalk& walk) {
  static const Oid kIfEntry = O("1.3.6.1.2.1.2.2.1"), kIfXEntry = O("1.3.6.1.2.1.31.1.1.1");
  Table t = ReadTable(walk, kIfEntry, {1, 2, 3, 4, 5, 6, 7, 8});
  Table x = ReadTable(walk, kIfXEntry, {1, 15, 18});
  std::map<uint32_t, Interface> by_index;
  auto slot = [&](const std::vector<uint32_t>& index) -> Interface* {
    if (index.size() != 1 || index[0] == 0 || index[0] > INT32_MAX) return nullptr;
    Interface& i = by_index[index[0]];
    i.if_index = index[0];
    return &i;
  };
  for (const auto& [index, row] : t.rows) {
    Interface* i = slot(index);
    if (i == nullptr) continue;
    i->descr = Line(t.Get(row, 2));
    if (auto n = NumberIn(t.Get(row, 3), 1, 1000)) i->type = static_cast<uint32_t>(*n);
    if (auto n = NumberIn(t.Get(row, 4), 0, INT32_MAX)) i->mtu = static_cast<uint32_t>(*n);
    if (auto n = NumberIn(t.Get(row, 5), 0, UINT32_MAX)) i->speed_mbps = static_cast<double>(*n) / 1e6;
    if (auto b = Bytes(t.Get(row, 6))) i->mac = MacFromBytes(*b);
    i->admin_status = StatusText(t.Get(row, 7), false);
    i->oper_status = StatusText(t.Get(row, 8), true);
  }
  for (const auto& [index, row] : x.rows) {
    Interface* i = slot(index);
    if (i == nullptr) continue;
    if (auto name = Line(x.Get(row, 1))) i->name = *name;
    if (auto n = NumberIn(x.Get(row, 15), 1, UINT32_MAX)) i->speed_mbps = static_cast<double>(*n);
    i->alias = Line(x.Get(row, 18));
  }
  std::vector<Interface> out;
  out.reserve(by_index.size());
  for (auto& [index, i] : by_index) {
    if (i.name.empty() && i.descr) i.name = *i.descr;
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace cmdb::discovery::mib
