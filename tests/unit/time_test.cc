// Unit tests for core/time.h: RFC 3339 text and SQL timestamps.
#include "core/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cmdb {
namespace {

constexpr Micros kSecond = 1000000;
// 2026-11-21T12:32:05Z
constexpr Micros kSample = int64_t{1795264325} * kSecond;

TEST(FormatRfc3339Test, UtcWithZ) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kSample), "2026-11-21T12:32:05Z");
  EXPECT_EQ(FormatRfc3339(kSample + 123456), "2026-11-21T12:32:05.123456Z");
  EXPECT_EQ(FormatRfc3339(kSample + 1), "2026-11-21T12:32:05.000001Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-kSecond), "1969-12-31T23:59:59Z");
}

TEST(FormatRfc3339Test, FractionIsOmittedOnlyWhenZero) {
  const std::string half = FormatRfc3339(kSample + 500000);
  EXPECT_TRUE(half.starts_with("2026-11-21T12:32:05.5")) << half;
  EXPECT_TRUE(half.ends_with("Z")) << half;
  EXPECT_EQ(ParseRfc3339(half).value(), kSample + 500000);
}

TEST(ParseRfc3339Test, ValidForms) {
  EXPECT_EQ(ParseRfc3339("2026-11-21T12:32:05Z").value(), kSample);
  EXPECT_EQ(ParseRfc3339("2026-11-21T13:32:05+01:00").value(), kSample);
  EXPECT_EQ(ParseRfc3339("2026-11-21T07:02:05-05:30").value(), kSample);
  EXPECT_EQ(ParseRfc3339("2026-11-21T12:32:05+00:00").value(), kSample);
  EXPECT_EQ(ParseRfc3339("2026-11-21T12:32:05.123456Z").value(), kSample + 123456);
  EXPECT_EQ(ParseRfc3339("2026-11-21T12:32:05.5Z").value(), kSample + 500000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z").value(), -kSecond);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999Z").value(), -1);
}

TEST(ParseRfc3339Test, InvalidFormsNameTheText) {
  for (const char* text : {"", "yesterday", "2026-11-21", "2026-11-21T12:32Z", "2026-11-21T12:32:05",
                           "2026-13-01T00:00:00Z", "2026-11-21T25:00:00Z", "2026-11-21T12:32:05Zjunk",
                           "1795264325"}) {
    auto parsed = ParseRfc3339(text);
    ASSERT_FALSE(parsed.ok()) << "\"" << text << "\" parsed as " << *parsed;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(parsed.status().message());
    EXPECT_NE(message.find("not an RFC 3339 time"), std::string::npos) << message;
    EXPECT_NE(message.find("\"" + std::string(text) + "\""), std::string::npos) << message;
  }
}

TEST(Rfc3339Test, RoundTrip) {
  for (Micros t : {Micros{0}, Micros{1}, Micros{-1}, kSample, kSample + 999999, -kSample - 7,
                   int64_t{253402300799} * kSecond}) {
    auto parsed = ParseRfc3339(FormatRfc3339(t));
    ASSERT_TRUE(parsed.ok()) << FormatRfc3339(t) << ": " << parsed.status();
    EXPECT_EQ(*parsed, t) << FormatRfc3339(t);
  }
}

TEST(ToSqlTimestampTest, SixFractionDigitsAndUtcOffset) {
  EXPECT_EQ(ToSqlTimestamp(0), "1970-01-01 00:00:00.000000+00");
  EXPECT_EQ(ToSqlTimestamp(kSample + 123456), "2026-11-21 12:32:05.123456+00");
  EXPECT_EQ(ToSqlTimestamp(kSample + 5), "2026-11-21 12:32:05.000005+00");
  EXPECT_EQ(ToSqlTimestamp(-1), "1969-12-31 23:59:59.999999+00");
}

TEST(NowMicrosTest, CloseToSystemClock) {
  const auto system_now = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t before = system_now();
  const Micros now = NowMicros();
  const int64_t after = system_now();
  EXPECT_GE(now, before - 1000);
  EXPECT_LE(now, after + 1000);
}

}  // namespace
}  // namespace cmdb
