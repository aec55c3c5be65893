// HOST-RESOURCES-MIB: memory size, storage, installed software, processors.
#include <cctype>
#include <cstdio>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

bool StartsVersion(std::string_view w) {
  if (!w.empty() && (w[0] == 'v' || w[0] == 'V')) w.remove_prefix(1);
  return !w.empty() && std::isdigit(static_cast<unsigned char>(w[0]));
}

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    out.push_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

// Checked multiplication of non-negative numbers.
std::optional<uint64_t> Times(int64_t a, int64_t b) {
  if (a < 0 || b < 0) return std::nullopt;
  uint64_t r = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(a), static_cast<uint64_t>(b), &r)) return std::nullopt;
  return r;
}

}  // namespace

void SplitPackageName(std::string_view name, std::optional<std::string>* package, std::optional<std::string>* version) {
  package->reset();
  version->reset();
  if (name.find(' ') == std::string_view::npos) {
    auto parts = SplitOn(name, '-');
    for (size_t k = 1; k < parts.size(); ++k) {
      if (parts[k].empty() || !std::isdigit(static_cast<unsigned char>(parts[k][0]))) continue;
      size_t cut = static_cast<size_t>(parts[k].data() - name.data());
      if (cut < 2) return;
      *package = std::string(name.substr(0, cut - 1));
      *version = std::string(name.substr(cut));
      return;
    }
    return;
  }
  auto words = SplitOn(name, ' ');
  for (size_t k = words.size(); k-- > 1;) {
    std::string_view w = words[k];
    while (!w.empty() && (w.front() == '[' || w.front() == '(')) w.remove_prefix(1);
    while (!w.empty() && (w.back() == ']' || w.back() == ')' || w.back() == ',')) w.remove_suffix(1);
    if (!StartsVersion(w) || w.find('.') == std::string_view::npos) continue;
    std::string_view head = name.substr(0, static_cast<size_t>(words[k].data() - name.data()));
    while (!head.empty() && (head.back() == ' ' || head.back() == '-' || head.back() == ',' || head.back() == ':')) {
      head.remove_suffix(1);
    }
    if (head.empty()) return;
    *package = std::string(head);
    *version = std::string(w);
    return;
  }
}

std::optional<std::string> DateAndTimeToIso(std::string_view bytes) {
  if (bytes.size() != 8 && bytes.size() != 11) return std::nullopt;
  auto u = [&](size_t i) { return static_cast<unsigned>(static_cast<uint8_t>(bytes[i])); };
  unsigned year = (u(0) << 8) | u(1), month = u(2), day = u(3), hour = u(4), minute = u(5), second = u(6), deci = u(7);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || deci > 9) {
    return std::nullopt;
  }
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u", year, month, day, hour, minute, second);
  std::string out(buf, static_cast<size_t>(n));
  if (deci != 0) out += "." + std::to_string(deci);
  if (bytes.size() == 11) {
    char dir = bytes[8];
    unsigned oh = u(9), om = u(10);
    if ((dir != '+' && dir != '-') || oh > 13 || om > 59) return std::nullopt;
    std::snprintf(buf, sizeof buf, "%c%02u:%02u", dir, oh, om);
    out += buf;
  }
  return out;
}

HostResources DecodeHostResources(const DeviceWalk& walk) {
  static const Oid kMemorySize = O("1.3.6.1.2.1.25.2.2.0"), kStorageEntry = O("1.3.6.1.2.1.25.2.3.1"),
                   kStorageTypes = O("1.3.6.1.2.1.25.2.1"), kSwEntry = O("1.3.6.1.2.1.25.6.3.1"),
                   kDeviceEntry = O("1.3.6.1.2.1.25.3.2.1"), kProcessor = O("1.3.6.1.2.1.25.3.1.3");
  static constexpr const char* kStorageNames[] = {"other",         "ram",        "virtualMemory", "fixedDisk",
                                                  "removableDisk", "floppyDisk", "compactDisc",   "ramDisk",
                                                  "flashMemory",   "networkDisk"};
  HostResources hr;
  if (auto kib = NumberIn(walk.Get(kMemorySize), 0, INT32_MAX)) hr.memory_mib = static_cast<uint64_t>(*kib) / 1024;

  Table st = ReadTable(walk, kStorageEntry, {2, 3, 4, 5, 6});
  for (const auto& [index, row] : st.rows) {
    if (index.size() != 1) continue;
    Storage s;
    s.index = index[0];
    s.type_oid = ObjectId(st.Get(row, 2));
    if (s.type_oid && s.type_oid->arcs.size() == kStorageTypes.arcs.size() + 1 &&
        s.type_oid->StartsWith(kStorageTypes)) {
      uint32_t last = s.type_oid->arcs.back();
      if (last >= 1 && last <= std::size(kStorageNames)) s.type = kStorageNames[last - 1];
    }
    s.descr = Line(st.Get(row, 3));
    auto unit = NumberIn(st.Get(row, 4), 1, INT32_MAX);
    if (unit) {
      if (auto n = Number(st.Get(row, 5))) s.size_bytes = Times(*n, *unit);
      if (auto n = Number(st.Get(row, 6))) s.used_bytes = Times(*n, *unit);
    }
    hr.storage.push_back(std::move(s));
  }

  Table sw = ReadTable(walk, kSwEntry, {2, 4, 5});
  for (const auto& [index, row] : sw.rows) {
    if (index.size() != 1) continue;
    auto name = Line(sw.Get(row, 2));
    if (!name) continue;
    Software s;
    s.index = index[0];
    s.name = *name;
    SplitPackageName(s.name, &s.package, &s.version);
    if (auto n = NumberIn(sw.Get(row, 4), 1, 4)) s.type = static_cast<int>(*n);
    if (auto b = Bytes(sw.Get(row, 5))) s.installed = DateAndTimeToIso(*b);
    hr.software.push_back(std::move(s));
  }

  Table dev = ReadTable(walk, kDeviceEntry, {2});
  uint32_t cpus = 0;
  bool typed = false;
  for (const auto& [index, row] : dev.rows) {
    auto type = ObjectId(dev.Get(row, 2));
    if (index.size() != 1 || !type) continue;
    typed = true;
    if (*type == kProcessor) ++cpus;
  }
  if (typed) hr.cpu_count = cpus;
  return hr;
}

}  // namespace cmdb::discovery::mib
