// Small string helpers on std::string_view shared by discovery's modules
// (the rule matchers in classify/ and http/, the MIB decoders, the payload
// mappings; Debian's abseil has its own absl::string_view, which its string
// functions require). Header-only, not part of any module's interface.
#pragma once

#include <cctype>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace cmdb::discovery::text {

// A regular-expression match over a string_view.
using Match = std::match_results<std::string_view::const_iterator>;

// Length of the valid UTF-8 sequence at s[i] (1 to 4), or 0 when the bytes
// there are not one (overlong forms, surrogates and code points above
// U+10FFFF are not).
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

// Appends the byte `c` read as Latin-1, in UTF-8.
inline void AppendLatin1(std::string& out, uint8_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

// At most `max_bytes` bytes of `s`, cut before a UTF-8 sequence rather
// than inside one (when what is there looks like one: at most 3 bytes are
// given back).
inline std::string_view CutBeforeChar(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut + 3 > max_bytes && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  if ((static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut = max_bytes;
  return s.substr(0, cut);
}

// libstdc++'s regex compiler reads the number of a back-reference (\12)
// or of a repetition ({2}, {2,5}) into a long without checking for
// overflow: 19 digits are undefined behaviour. A number there of more than
// 9 digits is refused before compiling; no rule needs one.
inline bool HugeRegexNumber(std::string_view pattern) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < pattern.size(); ++i) {
    bool counted = pattern[i] == '\\' || pattern[i] == '{';
    if (pattern[i] == ',') {
      size_t j = i;
      while (j > 0 && digit(pattern[j - 1])) --j;
      counted = j > 0 && pattern[j - 1] == '{';
    }
    if (!counted) continue;
    size_t digits = 0;
    while (i + 1 + digits < pattern.size() && digit(pattern[i + 1 + digits])) ++digits;
    if (digits > 9) return true;
  }
  return false;
}

// Replaces $0..$9 in `format` with the match's groups ($0 the whole match);
// "$$" is a dollar. With no match (`m` null), $0 is `whole` and other
// groups are empty.
inline std::string Expand(std::string_view format, const Match* m, std::string_view whole) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '$' && i + 1 < format.size()) {
      const char d = format[i + 1];
      if (d == '$') {
        out.push_back('$');
        ++i;
        continue;
      }
      if (d >= '0' && d <= '9') {
        const auto g = static_cast<size_t>(d - '0');
        if (m == nullptr) {
          if (g == 0) out.append(whole);
        } else if (g < m->size() && (*m)[g].matched) {
          out.append((*m)[g].first, (*m)[g].second);
        }
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

inline void Append(std::string& out, std::string_view s) { out.append(s); }
inline void Append(std::string& out, const char* s) { out.append(s); }
inline void Append(std::string& out, const std::string& s) { out.append(s); }
inline void Append(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void Append(std::string& out, T n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// Concatenates strings, characters and integers.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (Append(out, args), ...);
  return out;
}

inline bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Surrounding white space removed.
inline std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// A decimal number that fits uint32_t, the whole of `s`; nullopt otherwise.
inline std::optional<uint32_t> ParseUint32(std::string_view s) {
  uint32_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// Splits on `sep`; with skip_empty, empty pieces are dropped.
inline std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = false) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    std::string_view piece =
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!skip_empty || !piece.empty()) out.push_back(piece);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace cmdb::discovery::text
