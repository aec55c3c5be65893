// Discovery scheduling: target expansion and cron.
//
// Target expressions become closed intervals of integers (uint32 for IPv4,
// 128 bits for IPv6); the addresses are counted before anything is
// allocated, expanded into sorted vectors, and the exclusions, merged into
// sorted intervals, are removed in one sweep. IPv4-mapped IPv6 addresses
// count as IPv4, as NormalizeIp has it. Addresses are parsed and printed
// with inet_pton/inet_ntop, as NormalizeIp does, so the text matches it.
//
// A cron schedule is a bitmask per field; Next walks month, day, hour and
// minute, jumping to the next set bit of each.
#include "core/discovery.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

#include "core/normalize.h"
#include "core/status.h"
#include "core/strings.h"

namespace cmdb {
namespace {

// ---------------------------------------------------------------------------
// Addresses

__extension__ typedef unsigned __int128 U128;

constexpr U128 kU128Max = ~U128{0};
// ::ffff:0:0/96, the IPv4-mapped addresses.
constexpr U128 kMappedFirst = U128{0xffff} << 32;
constexpr U128 kMappedLast = kMappedFirst | 0xffffffffu;

enum class Family { kV4, kV6 };

struct Address {
  Family family;
  U128 value;  // < 2^32 for IPv4
};

// A closed interval [first, last] of one family.
struct Interval {
  Family family;
  U128 first, last;
};

std::optional<Address> ParseAddress(std::string_view text) {
  text = TrimSpace(text);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    U128 v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | bytes[i];
    return Address{Family::kV4, v};
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1) {
    U128 v = 0;
    for (unsigned char b : bytes) v = (v << 8) | b;
    return Address{Family::kV6, v};
  }
  return std::nullopt;
}

std::string FormatV4(uint32_t v) {
  unsigned char bytes[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                            static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  char out[INET_ADDRSTRLEN];
  if (!inet_ntop(AF_INET, bytes, out, sizeof out)) return {};
  return out;
}

std::string FormatV6(U128 v) {
  unsigned char bytes[16];
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(v);
    v >>= 8;
  }
  char out[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, bytes, out, sizeof out)) return {};
  return out;
}

// A decimal number of at most `max_digits` digits, nothing else.
std::optional<unsigned> ParseSmallNumber(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Appends `in` to `out`. An IPv6 interval inside ::ffff:0:0/96 is IPv4; one
// reaching beyond it leaves the mapped part out, so that "::/0" does not
// stand for every IPv4 address as well.
void AppendSplittingMapped(const Interval& in, std::vector<Interval>& out) {
  if (in.family == Family::kV4 || in.last < kMappedFirst || in.first > kMappedLast) {
    out.push_back(in);
    return;
  }
  if (in.first >= kMappedFirst && in.last <= kMappedLast) {
    out.push_back({Family::kV4, in.first - kMappedFirst, in.last - kMappedFirst});
    return;
  }
  if (in.first < kMappedFirst) out.push_back({Family::kV6, in.first, kMappedFirst - 1});
  if (in.last > kMappedLast) out.push_back({Family::kV6, kMappedLast + 1, in.last});
}

// Parses one expression into intervals (more than one only when an IPv6
// expression covers IPv4-mapped addresses). `is_target` leaves out the
// network and broadcast addresses of IPv4 prefixes shorter than /31.
absl::Status ParseExpression(std::string_view field, std::string_view raw, bool is_target,
                             std::vector<Interval>& out) {
  const std::string_view text = TrimSpace(raw);
  auto invalid = [&] { return FieldError(field, StrCat("not an address or range: \"", raw, "\"")); };

  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    const std::optional<Address> base = ParseAddress(text.substr(0, slash));
    if (!base) return invalid();
    const unsigned bits = base->family == Family::kV4 ? 32 : 128;
    const std::optional<unsigned> prefix = ParseSmallNumber(TrimSpace(text.substr(slash + 1)), 3);
    if (!prefix || *prefix > bits) return invalid();
    const unsigned host_bits = bits - *prefix;
    const U128 all = base->family == Family::kV4 ? U128{0xffffffffu} : kU128Max;
    const U128 host_mask = host_bits == 0 ? U128{0} : host_bits >= 128 ? kU128Max : (U128{1} << host_bits) - 1;
    // Host bits in the base ("10.0.0.5/24") are ignored, as most scanners do.
    Interval iv{base->family, base->value & ~host_mask & all, (base->value | host_mask) & all};
    if (is_target && base->family == Family::kV4 && host_bits >= 2) {
      ++iv.first;  // network
      --iv.last;   // broadcast
    }
    AppendSplittingMapped(iv, out);
    return absl::OkStatus();
  }

  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    const std::optional<Address> first = ParseAddress(text.substr(0, dash));
    if (!first) return invalid();
    const std::string_view end_text = TrimSpace(text.substr(dash + 1));
    Address last{};
    if (std::optional<Address> a = ParseAddress(end_text)) {
      last = *a;
    } else if (first->family == Family::kV4 && !end_text.empty() &&
               (end_text.size() == 1 || end_text.front() != '0')) {
      // "10.0.0.5-20": the last octet of the end address.
      const std::optional<unsigned> octet = ParseSmallNumber(end_text, 3);
      if (!octet || *octet > 255) return invalid();
      last = {Family::kV4, (first->value & ~U128{0xff}) | *octet};
    } else {
      return invalid();
    }
    if (first->family != last.family) {
      return FieldError(field, StrCat("range mixes IPv4 and IPv6: \"", raw, "\""));
    }
    if (last.value < first->value) {
      return FieldError(field, StrCat("range ends before it starts: \"", raw, "\""));
    }
    AppendSplittingMapped({first->family, first->value, last.value}, out);
    return absl::OkStatus();
  }

  const std::optional<Address> a = ParseAddress(text);
  if (!a) return invalid();
  AppendSplittingMapped({a->family, a->value, a->value}, out);
  return absl::OkStatus();
}

using Ranges = std::vector<std::pair<U128, U128>>;  // sorted, disjoint, closed

// Number of addresses in `ranges`, saturating at kU128Max (::/0 has 2^128).
U128 Count(const Ranges& ranges) {
  U128 total = 0;
  for (const auto& [first, last] : ranges) {
    const U128 n = first == 0 && last == kU128Max ? kU128Max : last - first + 1;
    total = total > kU128Max - n ? kU128Max : total + n;
  }
  return total;
}

// Sorts and merges intervals of one family (overlapping or adjacent).
Ranges Merge(const std::vector<Interval>& intervals, Family family) {
  Ranges v;
  for (const Interval& iv : intervals) {
    if (iv.family == family) v.emplace_back(iv.first, iv.last);
  }
  std::sort(v.begin(), v.end());
  Ranges merged;
  for (const auto& [first, last] : v) {
    if (!merged.empty() && (merged.back().second == kU128Max || first <= merged.back().second + 1)) {
      merged.back().second = std::max(merged.back().second, last);
    } else {
      merged.emplace_back(first, last);
    }
  }
  return merged;
}

// The values of `ranges` outside `excluded`, in ascending order: one sweep
// over both sorted lists.
template <typename T>
std::vector<T> ExpandExcept(const Ranges& ranges, const Ranges& excluded, size_t count) {
  std::vector<T> values;
  values.reserve(count);
  size_t e = 0;
  for (const auto& [first, last] : ranges) {
    for (U128 v = first;; ++v) {
      while (e < excluded.size() && excluded[e].second < v) ++e;
      if (e < excluded.size() && excluded[e].first <= v) {
        // Skip to the end of this exclusion.
        if (excluded[e].second >= last) break;
        v = excluded[e].second;
        continue;
      }
      values.push_back(static_cast<T>(v));
      if (v == last) break;
    }
  }
  return values;
}

// ---------------------------------------------------------------------------
// Cron

struct CronField {
  const char* name;
  int min, max;
  const std::array<std::string_view, 12>* names;  // names[i] is min + i; unused entries empty
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr CronField kCronFields[5] = {
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, &kMonthNames},
    {"day-of-week", 0, 7, &kDayNames},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

absl::Status CronError(const CronField& f, std::string_view message) {
  return FieldError("cron", StrCat(f.name, ": ", message));
}

// A number or (for months and days of the week) a name.
absl::StatusOr<int> ParseCronValue(const CronField& f, std::string_view text) {
  if (f.names != nullptr) {
    for (size_t i = 0; i < f.names->size(); ++i) {
      if (!(*f.names)[i].empty() && EqualsIgnoreCase(text, (*f.names)[i])) return f.min + static_cast<int>(i);
    }
  }
  const std::optional<unsigned> n = ParseSmallNumber(text, 9);
  if (!n) return CronError(f, StrCat("not a number: \"", text, "\""));
  if (static_cast<int>(*n) < f.min || static_cast<int>(*n) > f.max) {
    return CronError(f, StrCat(*n, " is out of range ", f.min, "-", f.max));
  }
  return static_cast<int>(*n);
}

// Parses one field into a bit per value (bit i = value i).
absl::StatusOr<uint64_t> ParseCronField(const CronField& f, std::string_view text) {
  uint64_t bits = 0;
  for (std::string_view item : Split(text, ',')) {
    if (item.empty()) return CronError(f, StrCat("empty list item in \"", text, "\""));
    std::string_view range = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::optional<unsigned> s = ParseSmallNumber(item.substr(slash + 1), 9);
      if (!s) return CronError(f, StrCat("step is not a number: \"", item, "\""));
      if (*s == 0) return CronError(f, StrCat("step must be at least 1: \"", item, "\""));
      step = static_cast<int>(*s);
      has_step = true;
    }
    // Open ranges of days of the week end on Saturday, so that Sunday is not
    // counted twice ("*/2" is 0,2,4,6; "1/2" is 1,3,5).
    const int open_max = f.names == &kDayNames ? 6 : f.max;
    int lo, hi;
    if (range == "*") {
      lo = f.min;
      hi = open_max;
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      CMDB_ASSIGN_OR_RETURN(lo, ParseCronValue(f, range.substr(0, dash)));
      CMDB_ASSIGN_OR_RETURN(hi, ParseCronValue(f, range.substr(dash + 1)));
      if (hi < lo) return CronError(f, StrCat("range ends before it starts: \"", item, "\""));
    } else {
      CMDB_ASSIGN_OR_RETURN(lo, ParseCronValue(f, range));
      hi = has_step ? open_max : lo;  // "5/15" is 5-max/15
    }
    for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
  }
  return bits;
}

// Lowest set bit of `mask` at or above `from`, or -1.
int NextBit(uint64_t mask, int from) {
  if (from >= 64) return -1;
  const uint64_t rest = mask & (~uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back
// (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

constexpr int64_t kMicrosPerMinute = int64_t{60} * 1000000;

}  // namespace

// ---------------------------------------------------------------------------

absl::StatusOr<std::vector<std::string>> ExpandTargets(const std::vector<std::string>& targets,
                                                       const std::vector<std::string>& exclusions,
                                                       size_t max_targets) {
  if (targets.empty()) return FieldError("targets", "required");
  std::vector<Interval> included, excluded;
  for (size_t i = 0; i < targets.size(); ++i) {
    CMDB_RETURN_IF_ERROR(ParseExpression(StrCat("targets[", i, "]"), targets[i], true, included));
  }
  for (size_t i = 0; i < exclusions.size(); ++i) {
    CMDB_RETURN_IF_ERROR(ParseExpression(StrCat("exclusions[", i, "]"), exclusions[i], false, excluded));
  }

  // Count before allocating: a mistyped prefix must not exhaust memory.
  const Ranges v4_ranges = Merge(included, Family::kV4);
  const Ranges v6_ranges = Merge(included, Family::kV6);
  const U128 v4_count = Count(v4_ranges), v6_count = Count(v6_ranges);
  const U128 total = v4_count > kU128Max - v6_count ? kU128Max : v4_count + v6_count;
  if (total > max_targets) {
    const std::string count = total > std::numeric_limits<uint64_t>::max()
                                  ? std::string("more than 18446744073709551615")
                                  : StrCat(static_cast<uint64_t>(total));
    return FieldError("targets", StrCat(count, " addresses; the limit is ", max_targets));
  }

  const std::vector<uint32_t> v4 =
      ExpandExcept<uint32_t>(v4_ranges, Merge(excluded, Family::kV4), static_cast<size_t>(v4_count));
  const std::vector<U128> v6 =
      ExpandExcept<U128>(v6_ranges, Merge(excluded, Family::kV6), static_cast<size_t>(v6_count));
  std::vector<std::string> out;
  out.reserve(v4.size() + v6.size());
  for (uint32_t v : v4) out.push_back(FormatV4(v));
  for (U128 v : v6) out.push_back(FormatV6(v));
  return out;
}

std::vector<std::vector<std::string>> ChunkTargets(const std::vector<std::string>& addresses, size_t job_size) {
  job_size = std::max<size_t>(job_size, 1);
  std::vector<std::vector<std::string>> chunks;
  chunks.reserve((addresses.size() + job_size - 1) / job_size);
  for (size_t i = 0; i < addresses.size(); i += job_size) {
    const size_t end = std::min(addresses.size(), i + job_size);
    chunks.emplace_back(addresses.begin() + static_cast<std::ptrdiff_t>(i),
                        addresses.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}

absl::StatusOr<CronSchedule> CronSchedule::Parse(std::string_view text) {
  text = TrimSpace(text);
  if (!text.empty() && text.front() == '@') {
    static constexpr std::pair<std::string_view, std::string_view> kMacros[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    };
    for (const auto& [name, expansion] : kMacros) {
      if (EqualsIgnoreCase(text, name)) return Parse(expansion);
    }
    return FieldError("cron", StrCat("unknown macro \"", text, "\" (@hourly, @daily, @midnight, @weekly, "
                                                              "@monthly, @yearly, @annually)"));
  }

  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return FieldError("cron", StrCat("expected 5 fields (minute hour day-of-month month day-of-week), got ",
                                     fields.size(), ": \"", text, "\""));
  }

  uint64_t bits[5];
  for (size_t f = 0; f < 5; ++f) {
    CMDB_ASSIGN_OR_RETURN(bits[f], ParseCronField(kCronFields[f], fields[f]));
  }
  CronSchedule s;
  s.minutes_ = bits[0];
  s.hours_ = static_cast<uint32_t>(bits[1]);
  s.days_ = static_cast<uint32_t>(bits[2]);
  s.months_ = static_cast<uint16_t>(bits[3]);
  // Day of week 7 is Sunday, as 0.
  s.weekdays_ = static_cast<uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7f);
  // As crontab(5): a day field is restricted unless it starts with '*'.
  s.days_restricted_ = fields[2].front() != '*';
  s.weekdays_restricted_ = fields[4].front() != '*';
  return s;
}

std::optional<Micros> CronSchedule::Next(Micros after) const {
  if (minutes_ == 0 || hours_ == 0 || months_ == 0) return std::nullopt;
  const int64_t start = FloorDiv(after, kMicrosPerMinute) + 1;  // first whole minute after `after`
  const int64_t start_day = FloorDiv(start, 1440);
  int64_t year;
  int month, day;
  CivilFromDays(start_day, year, month, day);
  int hour = static_cast<int>((start - start_day * 1440) / 60);
  int minute = static_cast<int>((start - start_day * 1440) % 60);
  const int64_t last_year = year + 8;
  const int64_t limit_day =
      DaysFromCivil(last_year, month, std::min(day, DaysInMonth(last_year, month)));  // eight years on

  // Moves to the first minute of the next month / day / hour.
  auto next_month = [&] {
    if (++month > 12) {
      month = 1;
      ++year;
    }
    day = 1;
    hour = minute = 0;
  };
  auto next_day = [&] {
    if (++day > DaysInMonth(year, month)) {
      next_month();
    } else {
      hour = minute = 0;
    }
  };

  while (year <= last_year) {
    if (!(months_ >> month & 1)) {
      next_month();
      continue;
    }
    const int64_t days = DaysFromCivil(year, month, day);
    if (days > limit_day) return std::nullopt;
    const int weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
    const bool dom = days_ >> day & 1;
    const bool dow = weekdays_ >> weekday & 1;
    if (!(days_restricted_ && weekdays_restricted_ ? dom || dow : dom && dow)) {
      next_day();
      continue;
    }
    const int h = NextBit(hours_, hour);
    if (h < 0) {
      next_day();
      continue;
    }
    if (h != hour) minute = 0;
    hour = h;
    const int m = NextBit(minutes_, minute);
    if (m < 0 || m > 59) {
      if (++hour > 23) {
        next_day();
      } else {
        minute = 0;
      }
      continue;
    }
    const int64_t result = days * 1440 + hour * 60 + m;
    if (result > std::numeric_limits<Micros>::max() / kMicrosPerMinute) return std::nullopt;
    return result * kMicrosPerMinute;
  }
  return std::nullopt;
}

absl::Status CheckResourceName(std::string_view name, std::string_view field) {
  if (name.empty()) return FieldError(field, "required");
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = name.size() <= 63 && lower_or_digit(name.front());
  for (size_t i = 1; ok && i < name.size(); ++i) {
    const char c = name[i];
    ok = lower_or_digit(c) || c == '_' || c == '.' || c == '-';
  }
  if (!ok) {
    return FieldError(field, StrCat("must be 1-63 characters of a-z, 0-9, '_', '.' and '-', starting with a "
                                    "letter or digit: \"", name, "\""));
  }
  return absl::OkStatus();
}

}  // namespace cmdb
