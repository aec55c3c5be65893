// String building and splitting that accept std::string_view (Debian's
// abseil has its own absl::string_view, which absl::StrCat requires).
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace cmdb {

namespace strings_internal {
inline void Append(std::string& out, std::string_view s) { out.append(s); }
inline void Append(std::string& out, const char* s) { out.append(s); }
inline void Append(std::string& out, const std::string& s) { out.append(s); }
inline void Append(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
inline void Append(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void Append(std::string& out, T n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}
inline void Append(std::string& out, bool b) { out.append(b ? "true" : "false"); }
inline void Append(std::string& out, double d) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, end);
}
}  // namespace strings_internal

// Concatenates strings, characters and numbers.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::Append(out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::Append(*out, args), ...);
}

// Splits on `sep`; with skip_empty, empty pieces are dropped.
std::vector<std::string_view> Split(std::string_view text, char sep, bool skip_empty = false);

// Joins pieces with `sep`.
std::string Join(const std::vector<std::string>& pieces, std::string_view sep);

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

// `text` for a log line: control characters (newline, carriage return, tab,
// escape, every byte below 0x20 and DEL) and backslash written as escapes
// (\n, \r, \t, \\, \x1b), so that a value a caller chose can never
// start a line of its own or drive a terminal. Everything else is kept.
std::string LogSafe(std::string_view text);

}  // namespace cmdb
