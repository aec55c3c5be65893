#include "core/normalize.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace cmdb {

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::optional<std::string> NormalizeMac(std::string_view text) {
  text = TrimSpace(text);
  // Split into groups of hex digits on ':', '-', '.' or ' '.
  std::vector<std::string> groups(1);
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      groups.back().push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (c == ':' || c == '-' || c == '.' || c == ' ') {
      if (groups.back().empty()) return std::nullopt;
      groups.emplace_back();
    } else {
      return std::nullopt;
    }
  }
  std::string hex;
  if (groups.size() == 6) {  // 0:1b:21:aa:bb:cc, leading zeros optional
    for (const auto& g : groups) {
      if (g.empty() || g.size() > 2) return std::nullopt;
      if (g.size() == 1) hex.push_back('0');
      hex += g;
    }
  } else if (groups.size() == 3 || groups.size() == 1) {  // 001b.21aa.bbcc or 001b21aabbcc
    for (const auto& g : groups) {
      if (g.size() != 12 / groups.size()) return std::nullopt;
      hex += g;
    }
  } else {
    return std::nullopt;
  }
  std::string out;
  out.reserve(17);
  for (size_t i = 0; i < 12; i += 2) {
    if (!out.empty()) out.push_back(':');
    out.append(hex, i, 2);
  }
  return out;
}

std::optional<std::string> NormalizeIp(std::string_view text) {
  std::string s(TrimSpace(text));
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    if (!inet_ntop(AF_INET, buf, out, sizeof out)) return std::nullopt;
    return std::string(out);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, buf)) {
      if (!inet_ntop(AF_INET, buf + 12, out, sizeof out)) return std::nullopt;
      return std::string(out);
    }
    if (!inet_ntop(AF_INET6, buf, out, sizeof out)) return std::nullopt;
    return std::string(out);
  }
  return std::nullopt;
}

std::string NormalizeHostname(std::string_view text) {
  text = TrimSpace(text);
  while (!text.empty() && text.back() == '.') text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string NormalizeToken(std::string_view text) {
  text = TrimSpace(text);
  std::string out;
  out.reserve(text.size());
  bool in_space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace cmdb
