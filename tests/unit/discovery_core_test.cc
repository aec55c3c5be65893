// Unit tests for core/discovery.h: target expansion and exclusions, job
// chunks, cron schedules and resource names.
#include "core/discovery.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/normalize.h"
#include "core/time.h"

namespace cmdb {
namespace {

using Strings = std::vector<std::string>;

constexpr size_t kLimit = 65536;

Strings Expand(const Strings& targets, const Strings& exclusions = {}, size_t max_targets = kLimit) {
  absl::StatusOr<Strings> out = ExpandTargets(targets, exclusions, max_targets);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : Strings{};
}

// The message of a failed expansion ("" when it succeeded).
std::string ExpandError(const Strings& targets, const Strings& exclusions = {}, size_t max_targets = kLimit) {
  absl::StatusOr<Strings> out = ExpandTargets(targets, exclusions, max_targets);
  if (out.ok()) return "";
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  return std::string(out.status().message());
}

// ---------------------------------------------------------------------------
// ExpandTargets: forms

TEST(ExpandTargetsTest, SingleAddresses) {
  EXPECT_EQ(Expand({"10.0.0.5"}), Strings({"10.0.0.5"}));
  EXPECT_EQ(Expand({" 10.0.0.5 "}), Strings({"10.0.0.5"}));
  EXPECT_EQ(Expand({"2001:db8::1"}), Strings({"2001:db8::1"}));
}

TEST(ExpandTargetsTest, Ipv4PrefixLeavesOutNetworkAndBroadcast) {
  const Strings out = Expand({"10.0.0.0/24"});
  ASSERT_EQ(out.size(), 254u);
  EXPECT_EQ(out.front(), "10.0.0.1");
  EXPECT_EQ(out[8], "10.0.0.9");
  EXPECT_EQ(out[9], "10.0.0.10");  // numeric, not text, order
  EXPECT_EQ(out.back(), "10.0.0.254");
}

TEST(ExpandTargetsTest, ShortPrefixEdgeCases) {
  EXPECT_EQ(Expand({"10.0.0.4/30"}), Strings({"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(Expand({"10.0.0.4/31"}), Strings({"10.0.0.4", "10.0.0.5"}));  // point-to-point: both usable
  EXPECT_EQ(Expand({"10.0.0.4/32"}), Strings({"10.0.0.4"}));
  EXPECT_EQ(Expand({"10.0.0.0/29"}),
            Strings({"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  // Host bits in the base are ignored: this is 10.0.0.4/30.
  EXPECT_EQ(Expand({"10.0.0.6/30"}), Strings({"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(Expand({"255.255.255.254/31"}), Strings({"255.255.255.254", "255.255.255.255"}));
  EXPECT_EQ(Expand({"0.0.0.0/32"}), Strings({"0.0.0.0"}));
}

TEST(ExpandTargetsTest, Ipv4Ranges) {
  const Strings full = Expand({"10.0.0.5-10.0.0.20"});
  ASSERT_EQ(full.size(), 16u);
  EXPECT_EQ(full.front(), "10.0.0.5");
  EXPECT_EQ(full.back(), "10.0.0.20");
  EXPECT_EQ(Expand({"10.0.0.5-20"}), full);
  EXPECT_EQ(Expand({"10.0.0.5 - 20"}), full);
  EXPECT_EQ(Expand({"10.0.0.5-10.0.0.5"}), Strings({"10.0.0.5"}));
  EXPECT_EQ(Expand({"10.0.0.5-5"}), Strings({"10.0.0.5"}));
  EXPECT_EQ(Expand({"10.0.0.254-10.0.1.1"}), Strings({"10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"}));
  EXPECT_EQ(Expand({"255.255.255.254-255.255.255.255"}), Strings({"255.255.255.254", "255.255.255.255"}));
}

TEST(ExpandTargetsTest, Ipv6PrefixesKeepEveryAddress) {
  EXPECT_EQ(Expand({"2001:db8::/126"}), Strings({"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}));
  EXPECT_EQ(Expand({"2001:db8::5/128"}), Strings({"2001:db8::5"}));
  const Strings out = Expand({"2001:db8::/120"});
  ASSERT_EQ(out.size(), 256u);
  EXPECT_EQ(out.front(), "2001:db8::");
  EXPECT_EQ(out[10], "2001:db8::a");
  EXPECT_EQ(out.back(), "2001:db8::ff");
  // Crossing a 16-bit group.
  EXPECT_EQ(Expand({"2001:db8::fffe/127"}), Strings({"2001:db8::fffe", "2001:db8::ffff"}));
  EXPECT_EQ(Expand({"2001:db8::fffe-2001:db8::1:1"}),
            Strings({"2001:db8::fffe", "2001:db8::ffff", "2001:db8::1:0", "2001:db8::1:1"}));
}

TEST(ExpandTargetsTest, Ipv6Ranges) {
  const Strings out = Expand({"2001:db8::1-2001:db8::ff"});
  ASSERT_EQ(out.size(), 255u);
  EXPECT_EQ(out.front(), "2001:db8::1");
  EXPECT_EQ(out.back(), "2001:db8::ff");
  EXPECT_EQ(Expand({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}),
            Strings({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}));
}

TEST(ExpandTargetsTest, Ipv6ComesOutCanonical) {
  EXPECT_EQ(Expand({"2001:0DB8:0000:0000:0000:0000:0000:0001"}), Strings({"2001:db8::1"}));
  EXPECT_EQ(Expand({"2001:DB8:0:0:1:0:0:1"}), Strings({"2001:db8::1:0:0:1"}));
  EXPECT_EQ(Expand({"2001:0db8::0001-2001:0db8::0002"}), Strings({"2001:db8::1", "2001:db8::2"}));
  // An IPv4-mapped address is its IPv4 address, as NormalizeIp has it.
  EXPECT_EQ(Expand({"::ffff:10.0.0.1", "10.0.0.1"}), Strings({"10.0.0.1"}));
  EXPECT_EQ(Expand({"::ffff:10.0.0.0/126"}), Strings({"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(Expand({"10.0.0.1-3"}, {"::ffff:10.0.0.2"}), Strings({"10.0.0.1", "10.0.0.3"}));
  // An IPv6 range only partly inside ::ffff:0:0/96 leaves the mapped part out.
  EXPECT_EQ(Expand({"::fffe:ffff:ffff-::1:0:0:0"}), Strings({"::fffe:ffff:ffff", "::1:0:0:0"}));
  // Every output is already what NormalizeIp makes of it.
  for (const std::string& a : Expand({"2001:db8:0:0:0:0:0:0/124", "::/126", "fe80::a:0/127", "10.1.2.0/30"})) {
    EXPECT_EQ(NormalizeIp(a), a);
  }
}

TEST(ExpandTargetsTest, SortedIpv4BeforeIpv6) {
  EXPECT_EQ(Expand({"2001:db8::1", "10.0.0.10", "::1", "10.0.0.9", "9.255.255.255"}),
            Strings({"9.255.255.255", "10.0.0.9", "10.0.0.10", "::1", "2001:db8::1"}));
}

TEST(ExpandTargetsTest, OverlapsAreRemoved) {
  EXPECT_EQ(Expand({"10.0.0.0/29", "10.0.0.4-10.0.0.9", "10.0.0.5", "10.0.0.5-6", "10.0.0.9"}),
            Strings({"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7",
                     "10.0.0.8", "10.0.0.9"}));
  EXPECT_EQ(Expand({"2001:db8::/127", "2001:db8::1", "2001:DB8::0-2001:db8::2"}),
            Strings({"2001:db8::", "2001:db8::1", "2001:db8::2"}));
  // A host of a prefix named on its own is kept even when it is the network address.
  EXPECT_EQ(Expand({"10.0.0.0/30", "10.0.0.0"}), Strings({"10.0.0.0", "10.0.0.1", "10.0.0.2"}));
}

// ---------------------------------------------------------------------------
// ExpandTargets: exclusions

TEST(ExpandTargetsTest, ExcludesSingleHosts) {
  EXPECT_EQ(Expand({"10.0.0.0/29"}, {"10.0.0.1", "10.0.0.6", "2001:db8::1"}),
            Strings({"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}));
  EXPECT_EQ(Expand({"2001:db8::/126"}, {"2001:DB8::2"}), Strings({"2001:db8::", "2001:db8::1", "2001:db8::3"}));
}

TEST(ExpandTargetsTest, ExcludesRanges) {
  EXPECT_EQ(Expand({"10.0.0.1-10"}, {"10.0.0.3-10.0.0.8"}), Strings({"10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.0.10"}));
  EXPECT_EQ(Expand({"10.0.0.1-10"}, {"10.0.0.3-8"}), Strings({"10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.0.10"}));
  // Overlapping and adjacent exclusions, and ones reaching past the targets.
  EXPECT_EQ(Expand({"10.0.0.1-10"}, {"10.0.0.0-2", "10.0.0.2-4", "10.0.0.5", "10.0.0.9-10.0.1.200"}),
            Strings({"10.0.0.6", "10.0.0.7", "10.0.0.8"}));
  EXPECT_EQ(Expand({"2001:db8::1-2001:db8::ff"}, {"2001:db8::2-2001:db8::fe"}),
            Strings({"2001:db8::1", "2001:db8::ff"}));
}

TEST(ExpandTargetsTest, ExcludesPrefixes) {
  const Strings out = Expand({"10.0.0.0/16"}, {"10.0.1.0/24", "10.0.255.0/24"});
  ASSERT_EQ(out.size(), 65534u - 256 - 255);
  EXPECT_EQ(out[254], "10.0.0.255");
  EXPECT_EQ(out[255], "10.0.2.0");
  EXPECT_EQ(out.back(), "10.0.254.255");
  // An exclusion prefix takes its network and broadcast addresses too.
  EXPECT_EQ(Expand({"10.0.0.0", "10.0.0.255", "10.0.1.0"}, {"10.0.0.0/24"}), Strings({"10.0.1.0"}));
  EXPECT_EQ(Expand({"2001:db8::/120"}, {"2001:db8::/121"}).front(), "2001:db8::80");
}

TEST(ExpandTargetsTest, ExclusionsNeedNotLieInsideTargets) {
  EXPECT_EQ(Expand({"10.0.0.1-3"}, {"192.168.0.0/16", "::/0", "10.0.0.4"}),
            Strings({"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  // Huge exclusions are not expanded.
  EXPECT_EQ(Expand({"10.0.0.1-3", "2001:db8::1"}, {"0.0.0.0/0"}), Strings({"2001:db8::1"}));
  EXPECT_EQ(Expand({"10.0.0.1-3", "2001:db8::1"}, {"0.0.0.0/0", "::/0"}), Strings{});
}

TEST(ExpandTargetsTest, SixteenBitPrefixWithExclusions) {
  const Strings out = Expand({"10.20.0.0/16", "10.20.0.0-10.20.255.255"}, {"10.20.128.0/17"});
  ASSERT_EQ(out.size(), 32768u);
  EXPECT_EQ(out.front(), "10.20.0.0");
  EXPECT_EQ(out.back(), "10.20.127.255");
}

// ---------------------------------------------------------------------------
// ExpandTargets: errors

TEST(ExpandTargetsTest, ErrorsNameFieldAndIndex) {
  EXPECT_EQ(ExpandError({"10.0.0.1", "10.0.0.0/33"}), "targets[1]: not an address or range: \"10.0.0.0/33\"");
  EXPECT_EQ(ExpandError({"10.0.0/24"}), "targets[0]: not an address or range: \"10.0.0/24\"");
  EXPECT_EQ(ExpandError({"10.0.0.1", "10.0.0.2", "garbage"}), "targets[2]: not an address or range: \"garbage\"");
  EXPECT_EQ(ExpandError({"10.0.0.1", ""}), "targets[1]: not an address or range: \"\"");
  EXPECT_EQ(ExpandError({"10.0.0.1", "10.0.0.20-10.0.0.5"}),
            "targets[1]: range ends before it starts: \"10.0.0.20-10.0.0.5\"");
  EXPECT_EQ(ExpandError({"10.0.0.20-5"}), "targets[0]: range ends before it starts: \"10.0.0.20-5\"");
  EXPECT_EQ(ExpandError({"2001:db8::2-2001:db8::1"}),
            "targets[0]: range ends before it starts: \"2001:db8::2-2001:db8::1\"");
  EXPECT_EQ(ExpandError({"10.0.0.1", "10.0.0.1-2001:db8::1"}),
            "targets[1]: range mixes IPv4 and IPv6: \"10.0.0.1-2001:db8::1\"");
  EXPECT_EQ(ExpandError({"2001:db8::1-10.0.0.1"}), "targets[0]: range mixes IPv4 and IPv6: \"2001:db8::1-10.0.0.1\"");
  EXPECT_EQ(ExpandError({"10.0.0.1"}, {"10.0.0.2", "10.0.0.0/"}),
            "exclusions[1]: not an address or range: \"10.0.0.0/\"");
  EXPECT_EQ(ExpandError({"10.0.0.1"}, {"10.0.0.9-1"}), "exclusions[0]: range ends before it starts: \"10.0.0.9-1\"");
  EXPECT_EQ(ExpandError({"10.0.0.1"}, {"nope"}), "exclusions[0]: not an address or range: \"nope\"");
  EXPECT_EQ(ExpandError({"10.0.0.1"}, {""}), "exclusions[0]: not an address or range: \"\"");
  EXPECT_EQ(ExpandError({}), "targets: required");
  EXPECT_EQ(ExpandError({}, {"10.0.0.1"}), "targets: required");
}

TEST(ExpandTargetsTest, RejectsMalformedExpressions) {
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
                          "10.0.0.0/ 2 4", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1-256", "10.0.0.1-",
                          "-10.0.0.1", "10.0.0.1-10.0.0.2-10.0.0.3", "10.0.0.1-05", "10.0.0.1-0x10",
                          "2001:db8::1-ff", "2001:db8:::1", "fe80::1%eth0", "10.0.0.0/24-10.0.1.0",
                          "host.example.com", "*", " "}) {
    EXPECT_TRUE(ExpandError({bad}).starts_with("targets[0]: ")) << bad;
  }
}

TEST(ExpandTargetsTest, LimitFailsBeforeExpanding) {
  EXPECT_EQ(ExpandError({"10.0.0.0/8"}, {}, 65536), "targets: 16777214 addresses; the limit is 65536");
  EXPECT_EQ(ExpandError({"::/0"}, {}, 65536), "targets: more than 18446744073709551615 addresses; the limit is 65536");
  EXPECT_EQ(ExpandError({"0.0.0.0/0", "::/0"}, {}, SIZE_MAX).substr(0, 23), "targets: more than 1844");
  // Counted before exclusions, after overlaps are merged.
  EXPECT_EQ(ExpandError({"10.0.0.0/24"}, {"10.0.0.0/25"}, 200), "targets: 254 addresses; the limit is 200");
  EXPECT_EQ(Expand({"10.0.0.0/24", "10.0.0.1-254"}, {}, 254).size(), 254u);
  EXPECT_EQ(ExpandError({"10.0.0.1", "10.0.0.2"}, {}, 1), "targets: 2 addresses; the limit is 1");
  // Exactly the limit is allowed.
  EXPECT_EQ(Expand({"10.1.0.0-10.1.255.255"}, {}, 65536).size(), 65536u);
  EXPECT_EQ(ExpandError({"10.1.0.0-10.2.0.0"}, {}, 65536), "targets: 65537 addresses; the limit is 65536");
}

// ---------------------------------------------------------------------------
// ChunkTargets

TEST(ChunkTargetsTest, ConsecutiveChunksOfAtMostJobSize) {
  const Strings addresses = Expand({"10.0.0.1-10"});
  const auto chunks = ChunkTargets(addresses, 4);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], Strings({"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}));
  EXPECT_EQ(chunks[1], Strings({"10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8"}));
  EXPECT_EQ(chunks[2], Strings({"10.0.0.9", "10.0.0.10"}));

  EXPECT_EQ(ChunkTargets(addresses, 5).size(), 2u);
  EXPECT_EQ(ChunkTargets(addresses, 10), std::vector<Strings>({addresses}));
  EXPECT_EQ(ChunkTargets(addresses, 1000), std::vector<Strings>({addresses}));
  const auto singles = ChunkTargets(addresses, 1);
  ASSERT_EQ(singles.size(), 10u);
  EXPECT_EQ(singles[9], Strings({"10.0.0.10"}));
  EXPECT_TRUE(ChunkTargets({}, 4).empty());
}

TEST(ChunkTargetsTest, LargeInputKeepsOrder) {
  const Strings addresses = Expand({"10.0.0.0/16"});
  const auto chunks = ChunkTargets(addresses, 256);
  ASSERT_EQ(chunks.size(), 256u);  // 65534 addresses
  EXPECT_EQ(chunks.back().size(), 254u);
  Strings joined;
  for (const Strings& c : chunks) joined.insert(joined.end(), c.begin(), c.end());
  EXPECT_EQ(joined, addresses);
}

// ---------------------------------------------------------------------------
// CronSchedule

Micros At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

// The next run after `after` as RFC 3339 text, "none", or the parse error.
std::string NextAfter(const char* expression, const char* after) {
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(expression);
  if (!s.ok()) return std::string(s.status().message());
  std::optional<Micros> next = s->Next(At(after));
  return next ? FormatRfc3339(*next) : "none";
}

// The first `n` runs after `after`.
Strings Runs(const char* expression, const char* after, int n) {
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(expression);
  EXPECT_TRUE(s.ok()) << s.status();
  Strings out;
  if (!s.ok()) return out;
  Micros t = At(after);
  for (int i = 0; i < n; ++i) {
    std::optional<Micros> next = s->Next(t);
    if (!next) break;
    EXPECT_GT(*next, t);
    out.push_back(FormatRfc3339(*next));
    t = *next;
  }
  return out;
}

std::string CronError(const char* expression) {
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(expression);
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(CronScheduleTest, EveryQuarterHour) {
  EXPECT_EQ(Runs("*/15 * * * *", "2026-01-31T23:59:00Z", 3),
            Strings({"2026-02-01T00:00:00Z", "2026-02-01T00:15:00Z", "2026-02-01T00:30:00Z"}));
  EXPECT_EQ(NextAfter("*/15 * * * *", "2026-01-31T23:44:59.999999Z"), "2026-01-31T23:45:00Z");
  EXPECT_EQ(NextAfter("0,15,30,45 * * * *", "2026-01-31T23:29:30Z"), "2026-01-31T23:30:00Z");
}

TEST(CronScheduleTest, NextIsStrictlyAfterAnExactMatch) {
  EXPECT_EQ(NextAfter("*/15 * * * *", "2026-01-31T23:45:00Z"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(NextAfter("* * * * *", "2026-01-31T23:59:00Z"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(NextAfter("* * * * *", "2026-01-31T23:58:00.000001Z"), "2026-01-31T23:59:00Z");
  EXPECT_EQ(NextAfter("30 12 15 6 *", "2026-06-15T12:30:00Z"), "2027-06-15T12:30:00Z");
}

TEST(CronScheduleTest, WeekdaysByName) {
  // 2026-01-31 is a Saturday.
  EXPECT_EQ(Runs("0 3 * * mon-fri", "2026-01-31T23:59:00Z", 6),
            Strings({"2026-02-02T03:00:00Z", "2026-02-03T03:00:00Z", "2026-02-04T03:00:00Z",
                     "2026-02-05T03:00:00Z", "2026-02-06T03:00:00Z", "2026-02-09T03:00:00Z"}));
  EXPECT_EQ(NextAfter("0 3 * * MON-Fri", "2026-02-02T03:00:00Z"), "2026-02-03T03:00:00Z");
  EXPECT_EQ(NextAfter("0 3 * * 1-5", "2026-02-02T02:59:59Z"), "2026-02-02T03:00:00Z");
}

TEST(CronScheduleTest, SundayIsZeroOrSeven) {
  for (const char* e : {"0 12 * * 0", "0 12 * * 7", "0 12 * * sun", "0 12 * * SUN", "0 12 * * 6-7"}) {
    EXPECT_EQ(NextAfter(e, "2026-01-31T23:59:00Z"), "2026-02-01T12:00:00Z") << e;
  }
  EXPECT_EQ(NextAfter("0 12 * * 7", "2026-02-01T12:00:00Z"), "2026-02-08T12:00:00Z");
  EXPECT_EQ(NextAfter("0 12 * * 5-7", "2026-02-01T12:00:00Z"), "2026-02-06T12:00:00Z");
  // An open range stops at Saturday: Monday, Wednesday, Friday.
  EXPECT_EQ(Runs("0 12 * * 1/2", "2026-02-06T12:00:00Z", 2),
            Strings({"2026-02-09T12:00:00Z", "2026-02-11T12:00:00Z"}));
}

TEST(CronScheduleTest, MonthNames) {
  EXPECT_EQ(NextAfter("0 0 1 jul,Dec *", "2026-01-31T23:59:00Z"), "2026-07-01T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 1 JUL,dec *", "2026-07-01T00:00:00Z"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 1 mar-may *", "2026-01-31T23:59:00Z"), "2026-03-01T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 1 7,12 *", "2026-12-01T00:00:00Z"), "2027-07-01T00:00:00Z");
}

TEST(CronScheduleTest, LeapDay) {
  EXPECT_EQ(NextAfter("0 0 29 2 *", "2026-01-31T23:59:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 29 2 *", "2028-02-29T00:00:00Z"), "2032-02-29T00:00:00Z");
  // 2100 is not a leap year: eight years to the next one.
  EXPECT_EQ(NextAfter("0 0 29 2 *", "2096-03-01T00:00:00Z"), "2104-02-29T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 29 2 *", "1999-03-01T00:00:00Z"), "2000-02-29T00:00:00Z");
}

TEST(CronScheduleTest, MonthEnds) {
  EXPECT_EQ(Runs("0 0 31 * *", "2026-01-31T00:00:00Z", 3),
            Strings({"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"}));
  EXPECT_EQ(NextAfter("0 0 29 * *", "2026-01-29T00:00:00Z"), "2026-03-29T00:00:00Z");
  EXPECT_EQ(NextAfter("0 0 29 * *", "2028-01-29T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(NextAfter("59 23 31 12 *", "2026-01-31T23:59:00Z"), "2026-12-31T23:59:00Z");
  EXPECT_EQ(NextAfter("59 23 31 12 *", "2026-12-31T23:59:00Z"), "2027-12-31T23:59:00Z");
  EXPECT_EQ(NextAfter("0 0 1 1 *", "2026-12-31T23:59:59Z"), "2027-01-01T00:00:00Z");
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeek) {
  // Both restricted: the 1st, the 15th and every Sunday. 2026-04-01 is a Wednesday.
  EXPECT_EQ(Runs("0 0 1,15 * 0", "2026-03-29T00:00:00Z", 5),
            Strings({"2026-04-01T00:00:00Z", "2026-04-05T00:00:00Z", "2026-04-12T00:00:00Z",
                     "2026-04-15T00:00:00Z", "2026-04-19T00:00:00Z"}));
  // Only one restricted: that one alone decides.
  EXPECT_EQ(Runs("0 0 1,15 * *", "2026-03-29T00:00:00Z", 2),
            Strings({"2026-04-01T00:00:00Z", "2026-04-15T00:00:00Z"}));
  EXPECT_EQ(Runs("0 0 * * sun", "2026-03-29T00:00:00Z", 2),
            Strings({"2026-04-05T00:00:00Z", "2026-04-12T00:00:00Z"}));
  // A field starting with '*' is unrestricted (crontab(5)): both must match.
  EXPECT_EQ(NextAfter("0 0 */2 * mon", "2026-01-31T23:59:00Z"), "2026-02-09T00:00:00Z");
}

TEST(CronScheduleTest, RangesAndSteps) {
  EXPECT_EQ(Runs("10-50/20 * * * *", "2026-01-31T23:00:00Z", 4),
            Strings({"2026-01-31T23:10:00Z", "2026-01-31T23:30:00Z", "2026-01-31T23:50:00Z",
                     "2026-02-01T00:10:00Z"}));
  EXPECT_EQ(Runs("5/20 */6 * * *", "2026-01-31T17:59:00Z", 4),
            Strings({"2026-01-31T18:05:00Z", "2026-01-31T18:25:00Z", "2026-01-31T18:45:00Z",
                     "2026-02-01T00:05:00Z"}));
  EXPECT_EQ(Runs("0 9-17/4,22 * * *", "2026-01-31T23:59:00Z", 4),
            Strings({"2026-02-01T09:00:00Z", "2026-02-01T13:00:00Z", "2026-02-01T17:00:00Z",
                     "2026-02-01T22:00:00Z"}));
  EXPECT_EQ(NextAfter("  30   4  *  *  *  ", "2026-01-31T23:59:00Z"), "2026-02-01T04:30:00Z");
}

TEST(CronScheduleTest, Macros) {
  const char* after = "2026-01-31T23:59:00Z";  // a Saturday
  EXPECT_EQ(NextAfter("@hourly", after), "2026-02-01T00:00:00Z");
  EXPECT_EQ(NextAfter("@hourly", "2026-02-01T00:00:00Z"), "2026-02-01T01:00:00Z");
  EXPECT_EQ(NextAfter("@daily", "2026-02-01T00:00:00Z"), "2026-02-02T00:00:00Z");
  EXPECT_EQ(NextAfter("@midnight", "2026-02-01T00:00:00Z"), "2026-02-02T00:00:00Z");
  EXPECT_EQ(NextAfter("@weekly", "2026-02-01T00:00:00Z"), "2026-02-08T00:00:00Z");
  EXPECT_EQ(NextAfter("@monthly", after), "2026-02-01T00:00:00Z");
  EXPECT_EQ(NextAfter("@yearly", after), "2027-01-01T00:00:00Z");
  EXPECT_EQ(NextAfter("@annually", after), "2027-01-01T00:00:00Z");
  EXPECT_EQ(NextAfter("@Daily", after), "2026-02-01T00:00:00Z");
}

TEST(CronScheduleTest, ImpossibleDatesHaveNoNext) {
  EXPECT_EQ(NextAfter("0 0 30 2 *", "2026-01-31T23:59:00Z"), "none");
  EXPECT_EQ(NextAfter("0 0 31 4,6,9,11 *", "2026-01-31T23:59:00Z"), "none");
  // ... unless the day of the week may run instead.
  EXPECT_EQ(NextAfter("0 0 30 2 mon", "2026-01-31T23:59:00Z"), "2026-02-02T00:00:00Z");
}

TEST(CronScheduleTest, BeforeTheEpoch) {
  EXPECT_EQ(NextAfter("0 0 1 1 *", "1969-06-01T00:00:00Z"), "1970-01-01T00:00:00Z");
  EXPECT_EQ(NextAfter("0 12 * * thu", "1969-12-31T23:59:59.5Z"), "1970-01-01T12:00:00Z");
}

TEST(CronScheduleTest, ErrorsNameTheField) {
  EXPECT_EQ(CronError("61 * * * *"), "cron: minute: 61 is out of range 0-59");
  EXPECT_EQ(CronError("* 24 * * *"), "cron: hour: 24 is out of range 0-23");
  EXPECT_EQ(CronError("* * 0 * *"), "cron: day-of-month: 0 is out of range 1-31");
  EXPECT_EQ(CronError("* * 32 * *"), "cron: day-of-month: 32 is out of range 1-31");
  EXPECT_EQ(CronError("* * * 13 *"), "cron: month: 13 is out of range 1-12");
  EXPECT_EQ(CronError("* * * * 8"), "cron: day-of-week: 8 is out of range 0-7");
  EXPECT_EQ(CronError("* * * * *"), "");
  EXPECT_TRUE(CronError("* * * *").starts_with("cron: expected 5 fields")) << CronError("* * * *");
  EXPECT_TRUE(CronError("* * * * * *").starts_with("cron: expected 5 fields"));
  EXPECT_TRUE(CronError("").starts_with("cron: expected 5 fields"));
  EXPECT_EQ(CronError("*/0 * * * *"), "cron: minute: step must be at least 1: \"*/0\"");
  EXPECT_EQ(CronError("5-1 * * * *"), "cron: minute: range ends before it starts: \"5-1\"");
  EXPECT_EQ(CronError("* * * * fri-mon"), "cron: day-of-week: range ends before it starts: \"fri-mon\"");
  EXPECT_EQ(CronError("* * * foo *"), "cron: month: not a number: \"foo\"");
  EXPECT_EQ(CronError("* * * * monday"), "cron: day-of-week: not a number: \"monday\"");
  EXPECT_EQ(CronError("* * mon * *"), "cron: day-of-month: not a number: \"mon\"");
  EXPECT_EQ(CronError("1,,2 * * * *"), "cron: minute: empty list item in \"1,,2\"");
  EXPECT_EQ(CronError("*/x * * * *"), "cron: minute: step is not a number: \"*/x\"");
  EXPECT_EQ(CronError("-5 * * * *"), "cron: minute: not a number: \"\"");
  EXPECT_TRUE(CronError("@reboot").starts_with("cron: unknown macro \"@reboot\""));
}

// ---------------------------------------------------------------------------
// CheckResourceName

TEST(CheckResourceNameTest, AcceptsLowerCaseNames) {
  for (const char* ok : {"a", "0", "core-switches", "dc1.rack_42", "snmp-v3.readonly", "9to5"}) {
    EXPECT_TRUE(CheckResourceName(ok, "name").ok()) << ok;
  }
  EXPECT_TRUE(CheckResourceName(std::string(63, 'a'), "name").ok());
}

TEST(CheckResourceNameTest, RejectsOthersNamingTheField) {
  EXPECT_EQ(CheckResourceName("", "schedule.name").message(), "schedule.name: required");
  for (const char* bad : {"Core", "-core", "_core", ".core", "core switches", "core/switches", "corè", "a:b"}) {
    const absl::Status s = CheckResourceName(bad, "credential.name");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(std::string(s.message()).starts_with("credential.name: ")) << s;
  }
  EXPECT_FALSE(CheckResourceName(std::string(64, 'a'), "name").ok());
}

}  // namespace
}  // namespace cmdb
