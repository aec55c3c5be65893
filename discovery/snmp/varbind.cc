// Oid and DeviceWalk.
#include "snmp/varbind.h"

#include <algorithm>
#include <charconv>

namespace cmdb::discovery {

std::optional<Oid> Oid::Parse(std::string_view text) {
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  Oid oid;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('.', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end == pos) return std::nullopt;
    uint32_t arc = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + end, arc);
    if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
    oid.arcs.push_back(arc);
    pos = end + 1;
  }
  return oid;
}

std::string Oid::ToString() const {
  std::string out;
  out.reserve(arcs.size() * 4);
  for (size_t i = 0; i < arcs.size(); ++i) {
    if (i) out.push_back('.');
    out += std::to_string(arcs[i]);
  }
  return out;
}

bool Oid::StartsWith(const Oid& prefix) const {
  return prefix.arcs.size() <= arcs.size() && std::equal(prefix.arcs.begin(), prefix.arcs.end(), arcs.begin());
}

std::span<const uint32_t> Oid::Suffix(const Oid& prefix) const {
  return std::span<const uint32_t>(arcs).subspan(prefix.arcs.size());
}

DeviceWalk::DeviceWalk(std::vector<Varbind> varbinds) : varbinds_(std::move(varbinds)) {
  // noSuchObject / noSuchInstance / endOfMibView say that nothing is there:
  // a walk holds only what the agent has.
  std::erase_if(varbinds_, [](const Varbind& v) { return v.value.is_exception(); });
  std::stable_sort(varbinds_.begin(), varbinds_.end(),
                   [](const Varbind& a, const Varbind& b) { return a.oid < b.oid; });
  varbinds_.erase(std::unique(varbinds_.begin(), varbinds_.end(),
                              [](const Varbind& a, const Varbind& b) { return a.oid == b.oid; }),
                  varbinds_.end());
}

const Value* DeviceWalk::Get(const Oid& oid) const {
  auto it = std::lower_bound(varbinds_.begin(), varbinds_.end(), oid,
                             [](const Varbind& v, const Oid& o) { return v.oid < o; });
  if (it == varbinds_.end() || it->oid != oid || it->value.is_exception()) return nullptr;
  return &it->value;
}

std::span<const Varbind> DeviceWalk::Subtree(const Oid& prefix) const {
  auto first = std::upper_bound(varbinds_.begin(), varbinds_.end(), prefix,
                                [](const Oid& o, const Varbind& v) { return o < v.oid; });
  auto last = first;
  while (last != varbinds_.end() && last->oid.StartsWith(prefix)) ++last;
  return {first, last};
}

}  // namespace cmdb::discovery
