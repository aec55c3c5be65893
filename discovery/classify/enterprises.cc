// IANA enterprise registry parsing and organisation-name normalisation.
#include "classify/enterprises.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

#include "classify/text_util.h"

namespace cmdb::discovery {
namespace {

const Oid& EnterprisesRoot() {
  static const Oid kRoot{{1, 3, 6, 1, 4, 1}};
  return kRoot;
}

using text::IsSpace;

// Removes every "(...)" segment (unbalanced '(' cuts to the end).
std::string DropParentheses(std::string_view in) {
  std::string out;
  int depth = 0;
  for (char c : in) {
    if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

// Removes words that are URLs or e-mail addresses.
std::string DropUrlsAndMail(std::string_view in) {
  std::string out;
  for (std::string_view word : text::Split(in, ' ', true)) {
    std::string lower = text::ToLower(word);
    if (lower.find("://") != std::string::npos || lower.starts_with("www.") ||
        lower.find('@') != std::string::npos) {
      continue;
    }
    if (!out.empty()) out.push_back(' ');
    out.append(word);
  }
  return out;
}

// Legal-form suffixes, compared case-insensitively with their dots; longer
// forms come first so "Co., Ltd" is removed as a whole when written so.
// clang-format off
constexpr std::array<std::string_view, 52> kSuffixes = {
    "gmbh & co. kg", "gmbh & co kg", "co., ltd.", "co., ltd", "co.,ltd.", "co.,ltd", "co. ltd.",
    "co. ltd", "sp. z o.o.", "pty. ltd.", "pty ltd", "pte. ltd.", "pte ltd", "incorporated",
    "corporation", "limited", "l.l.c.", "s.p.a.", "s.a.r.l.", "s.r.l.", "s.a.s.", "s.a.", "b.v.",
    "n.v.", "k.k.", "s.r.o.", "a/s", "gmbh", "inc.", "inc", "corp.", "corp", "ltd.", "ltd", "llc",
    "plc", "spa", "sarl", "sas", "pty", "pte", "co.", "co", "ag", "bv", "nv", "oy", "ab", "kg",
    "kft", "lp", "llp",
};
// clang-format on

// Strips trailing white space, commas, '-' and '&' (left by a removed suffix).
std::string_view TrimTail(std::string_view s) {
  while (!s.empty() && (IsSpace(s.back()) || s.back() == ',' || s.back() == '-' || s.back() == '&')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::optional<uint32_t> EnterpriseOf(const Oid& oid) {
  const Oid& root = EnterprisesRoot();
  if (oid.arcs.size() <= root.arcs.size() || !oid.StartsWith(root)) return std::nullopt;
  return oid.arcs[root.arcs.size()];
}

std::string NormalizeOrganisation(std::string_view name) {
  std::string fallback(text::Strip(name));
  std::string cleaned = DropUrlsAndMail(DropParentheses(name));
  std::string_view s = TrimTail(text::Strip(cleaned));
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view suffix : kSuffixes) {
      if (s.size() <= suffix.size()) continue;
      std::string_view tail = s.substr(s.size() - suffix.size());
      char before = s[s.size() - suffix.size() - 1];
      if (!text::EqualsIgnoreCase(tail, suffix) || !(IsSpace(before) || before == ',')) continue;
      s = TrimTail(s.substr(0, s.size() - suffix.size()));
      changed = true;
      break;
    }
  }
  // A dot left at the very end belongs to no word ("Foo Corp ." -> "Foo").
  while (!s.empty() && s.back() == '.' && s.size() >= 2 && IsSpace(s[s.size() - 2])) {
    s = TrimTail(s.substr(0, s.size() - 1));
  }
  if (s.empty()) return fallback;
  return std::string(s);
}

absl::StatusOr<EnterpriseRegistry> EnterpriseRegistry::Parse(std::string_view tsv) {
  EnterpriseRegistry registry;
  std::vector<std::pair<uint32_t, std::string_view>> entries;
  for (std::string_view line : text::Split(tsv, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = text::Strip(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    size_t digits = 0;
    while (digits < trimmed.size() && std::isdigit(static_cast<unsigned char>(trimmed[digits]))) ++digits;
    if (digits == 0 || digits == trimmed.size() || !IsSpace(trimmed[digits])) continue;
    auto number = text::ParseUint32(trimmed.substr(0, digits));
    if (!number) continue;
    std::string_view name = trimmed.substr(digits);
    if (size_t remark = name.find("\t#"); remark != std::string_view::npos) name = name.substr(0, remark);
    name = text::Strip(name);
    if (name.empty()) continue;
    entries.emplace_back(*number, name);
  }
  // Stable: the first of duplicate numbers wins.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  registry.index_.reserve(entries.size());
  for (const auto& [number, name] : entries) {
    if (!registry.index_.empty() && registry.index_.back().first == number) continue;
    registry.index_.emplace_back(number, static_cast<uint32_t>(registry.names_.size()));
    registry.names_.append(name);
    registry.names_.push_back('\0');
  }
  registry.names_.shrink_to_fit();
  return registry;
}

absl::StatusOr<EnterpriseRegistry> EnterpriseRegistry::Load(std::string_view path) {
  std::string file(path.empty() ? kDefaultEnterprisesPath : path);
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(text::Cat("enterprise registry: cannot read ", file));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(text::Cat("enterprise registry: error reading ", file));
  return Parse(content.str());
}

std::optional<std::string_view> EnterpriseRegistry::Name(uint32_t number) const {
  auto it = std::lower_bound(index_.begin(), index_.end(), number,
                             [](const auto& entry, uint32_t n) { return entry.first < n; });
  if (it == index_.end() || it->first != number) return std::nullopt;
  return std::string_view(names_.c_str() + it->second);
}

}  // namespace cmdb::discovery
