// Typed value access, text cleaning and address formatting for the decoders.
#include "mib/internal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "classify/text_util.h"

namespace cmdb::discovery::mib::internal {

std::optional<std::string_view> Bytes(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->type != ValueType::kOctetString && v->type != ValueType::kOpaque) return std::nullopt;
  return std::string_view(v->bytes);
}

std::optional<int64_t> Number(const Value* v) {
  if (v == nullptr) return std::nullopt;
  switch (v->type) {
    case ValueType::kInteger:
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      return v->integer;
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> NumberIn(const Value* v, int64_t lo, int64_t hi) {
  auto n = Number(v);
  if (!n || *n < lo || *n > hi) return std::nullopt;
  return n;
}

std::optional<Oid> ObjectId(const Value* v) {
  if (v == nullptr || v->type != ValueType::kObjectId) return std::nullopt;
  return v->oid;
}

std::string CleanText(std::string_view bytes) {
  if (auto nul = bytes.find('\0'); nul != std::string_view::npos) bytes = bytes.substr(0, nul);
  std::string out;
  out.reserve(std::min(bytes.size(), kMaxTextBytes));
  for (size_t i = 0; i < bytes.size();) {
    size_t before = out.size();
    uint8_t c = static_cast<uint8_t>(bytes[i]);
    size_t n = text::Utf8SequenceLength(bytes, i);
    if (c == '\r') {
      out.push_back('\n');
      n = (i + 1 < bytes.size() && bytes[i + 1] == '\n') ? 2 : 1;
    } else if (c == '\n' || c == '\t') {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      out.push_back(' ');
    } else if (n == 0) {
      if (c >= 0x80 && c < 0xa0) {
        out.push_back(' ');  // C1 control read as Latin-1
      } else {
        text::AppendLatin1(out, c);
      }
      n = 1;
    } else if (n == 2 && c == 0xc2 && static_cast<uint8_t>(bytes[i + 1]) < 0xa0) {
      out.push_back(' ');  // U+0080..U+009F: C1 controls
    } else {
      out.append(bytes.substr(i, n));
    }
    i += n;
    if (out.size() > kMaxTextBytes) {
      out.resize(before);
      break;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t')) out.pop_back();
  return out;
}

std::string CleanLine(std::string_view bytes) {
  std::string text = CleanText(bytes);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<std::string> Line(const Value* v) {
  auto b = Bytes(v);
  if (!b) return std::nullopt;
  std::string s = CleanLine(*b);
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> Text(const Value* v) {
  auto b = Bytes(v);
  if (!b) return std::nullopt;
  std::string s = CleanText(*b);
  if (s.empty()) return std::nullopt;
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsPrintable(std::string_view bytes) {
  if (bytes.empty()) return false;
  return std::all_of(bytes.begin(), bytes.end(), [](char c) {
    auto u = static_cast<uint8_t>(c);
    return u >= 0x20 && u <= 0x7e;
  });
}

std::string HexColon(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  bytes = bytes.substr(0, std::min(bytes.size(), kMaxIdBytes));
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out.push_back(':');
    auto u = static_cast<uint8_t>(bytes[i]);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

std::optional<std::string> MacFromBytes(std::string_view bytes) {
  if (bytes.size() != 6) return std::nullopt;
  if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; })) return std::nullopt;
  return HexColon(bytes);
}

std::optional<std::string> MacBytesFromText(std::string_view text) {
  if (text.size() > 32) return std::nullopt;
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::vector<std::string> groups(1);
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      groups.back().push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (c == ':' || c == '-' || c == '.') {
      if (groups.back().empty()) return std::nullopt;
      groups.emplace_back();
    } else {
      return std::nullopt;
    }
  }
  std::string hex;
  if (groups.size() == 6) {
    for (const auto& g : groups) {
      if (g.empty() || g.size() > 2) return std::nullopt;
      if (g.size() == 1) hex.push_back('0');
      hex += g;
    }
  } else if (groups.size() == 3 || groups.size() == 1) {
    for (const auto& g : groups) {
      if (g.size() != 12 / groups.size()) return std::nullopt;
      hex += g;
    }
  } else {
    return std::nullopt;
  }
  std::string raw;
  for (size_t i = 0; i < 12; i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return raw;
}

std::optional<std::string> MacFromText(std::string_view text) {
  auto raw = MacBytesFromText(text);
  if (!raw) return std::nullopt;
  return MacFromBytes(*raw);
}

std::string Ipv4Text(std::span<const uint8_t, 4> b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

std::string Ipv6Text(std::span<const uint8_t, 16> b) {
  std::array<uint16_t, 8> g{};
  for (size_t i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
  // IPv4-mapped ::ffff:a.b.c.d
  if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
    std::array<uint8_t, 4> v4{b[12], b[13], b[14], b[15]};
    return "::ffff:" + Ipv4Text(v4);
  }
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

std::optional<std::string> IpFromBytes(std::string_view bytes) {
  if (bytes.size() == 4) {
    std::array<uint8_t, 4> a{};
    std::copy(bytes.begin(), bytes.end(), a.begin());
    return Ipv4Text(a);
  }
  if (bytes.size() == 16) {
    std::array<uint8_t, 16> a{};
    std::copy(bytes.begin(), bytes.end(), a.begin());
    return Ipv6Text(a);
  }
  return std::nullopt;
}

std::optional<std::string> ArcsToBytes(std::span<const uint32_t> arcs) {
  std::string out;
  out.reserve(arcs.size());
  for (uint32_t a : arcs) {
    if (a > 255) return std::nullopt;
    out.push_back(static_cast<char>(a));
  }
  return out;
}

std::optional<InetIndex> ParseInetIndex(uint32_t type, std::span<const uint32_t> rest) {
  size_t addr_len = (type == 1 || type == 3) ? 4 : (type == 2 || type == 4) ? 16 : 0;
  if (addr_len == 0) return std::nullopt;
  size_t zoned_len = (type == 3 || type == 4) ? addr_len + 4 : addr_len;
  std::span<const uint32_t> body;
  if (!rest.empty() && (rest[0] == addr_len || rest[0] == zoned_len)) {
    if (rest.size() != rest[0] + 1) return std::nullopt;  // a length arc, then too few or many bytes
    body = rest.subspan(1);
  } else if (rest.size() == addr_len || rest.size() == zoned_len) {
    body = rest;  // bytes without the length arc
  } else {
    return std::nullopt;
  }
  auto bytes = ArcsToBytes(body);
  if (!bytes) return std::nullopt;
  InetIndex out;
  out.address = bytes->substr(0, addr_len);
  if (bytes->size() > addr_len) {
    uint32_t zone = 0;
    for (size_t i = addr_len; i < bytes->size(); ++i) zone = (zone << 8) | static_cast<uint8_t>((*bytes)[i]);
    out.zone = zone;
  }
  return out;
}

const Value* Table::Get(const std::vector<const Value*>& row, uint32_t column) const {
  for (size_t i = 0; i < columns.size() && i < row.size(); ++i) {
    if (columns[i] == column) return row[i];
  }
  return nullptr;
}

Table ReadTable(const DeviceWalk& walk, const Oid& entry, std::vector<uint32_t> columns) {
  Table table;
  table.columns = std::move(columns);
  for (size_t i = 0; i < table.columns.size(); ++i) {
    Oid column = Child(entry, {table.columns[i]});
    for (const Varbind& vb : walk.Subtree(column)) {
      if (vb.value.is_exception()) continue;
      auto suffix = vb.oid.Suffix(column);
      std::vector<uint32_t> index(suffix.begin(), suffix.end());
      auto& row = table.rows[std::move(index)];
      row.resize(table.columns.size(), nullptr);
      row[i] = &vb.value;
    }
  }
  return table;
}

Oid Child(const Oid& base, std::initializer_list<uint32_t> more) {
  Oid out = base;
  out.arcs.insert(out.arcs.end(), more.begin(), more.end());
  return out;
}

Oid O(std::string_view dotted) { return Oid::Parse(dotted).value_or(Oid{}); }

}  // namespace cmdb::discovery::mib::internal
