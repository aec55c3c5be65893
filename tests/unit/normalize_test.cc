// Unit tests for core/normalize.h: canonical MACs, IPs, host names, tokens.
#include "core/normalize.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

namespace cmdb {
namespace {

struct Case {
  std::string input;
  std::optional<std::string> expected;  // nullopt: rejected
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << "\"" << c.input << "\" -> " << (c.expected ? *c.expected : std::string("rejected"));
}

std::string PrintCase(const testing::TestParamInfo<Case>& info) { return "case" + std::to_string(info.index); }

class NormalizeMacTest : public testing::TestWithParam<Case> {};

TEST_P(NormalizeMacTest, Canonical) {
  EXPECT_EQ(NormalizeMac(GetParam().input), GetParam().expected) << "input: \"" << GetParam().input << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Forms, NormalizeMacTest,
    testing::Values(
        // Every documented notation gives the same canonical text.
        Case{"00:1b:21:aa:bb:cc", "00:1b:21:aa:bb:cc"},
        Case{"00:1B:21:AA:BB:CC", "00:1b:21:aa:bb:cc"},
        Case{"001B.21AA.BBCC", "00:1b:21:aa:bb:cc"},
        Case{"001b.21aa.bbcc", "00:1b:21:aa:bb:cc"},
        Case{"00-1b-21-aa-bb-cc", "00:1b:21:aa:bb:cc"},
        Case{"00-1B-21-AA-BB-CC", "00:1b:21:aa:bb:cc"},
        Case{"001b21aabbcc", "00:1b:21:aa:bb:cc"},
        Case{"001B21AABBCC", "00:1b:21:aa:bb:cc"},
        Case{"00 1b 21 aa bb cc", "00:1b:21:aa:bb:cc"},
        // Leading zeros of a colon group are optional.
        Case{"0:1b:21:aa:bb:cc", "00:1b:21:aa:bb:cc"},
        Case{"0:1:2:3:4:5", "00:01:02:03:04:05"},
        Case{"  00:1b:21:aa:bb:cc\t", "00:1b:21:aa:bb:cc"},
        Case{"ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"},
        // Not a 48-bit MAC address.
        Case{"", std::nullopt},
        Case{"   ", std::nullopt},
        Case{"00:1b:21:aa:bb", std::nullopt},
        Case{"00:1b:21:aa:bb:cc:dd", std::nullopt},
        Case{"00:1b:21:aa:bb:cg", std::nullopt},
        Case{"000:1b:21:aa:bb:cc", std::nullopt},
        Case{"00::1b:21:aa:bb", std::nullopt},
        Case{"00:1b:21:aa:bb:", std::nullopt},
        Case{":00:1b:21:aa:bb:cc", std::nullopt},
        Case{"00:1b:21:aa:bb:cc:", std::nullopt},
        Case{"001b21aabbc", std::nullopt},
        Case{"001b21aabbccd", std::nullopt},
        Case{"001b.21aa.bbc", std::nullopt},
        Case{"001b.21aa.bbccd", std::nullopt},
        Case{"001b21.aabbcc", std::nullopt},
        Case{"0x001b21aabbcc", std::nullopt},
        Case{"00_1b_21_aa_bb_cc", std::nullopt},
        Case{"00:1b:21:aa:bb:cc/24", std::nullopt},
        Case{"00:1b:21:aa:bb:cc:dd:ee", std::nullopt}),
    PrintCase);

class NormalizeIpTest : public testing::TestWithParam<Case> {};

TEST_P(NormalizeIpTest, Canonical) {
  EXPECT_EQ(NormalizeIp(GetParam().input), GetParam().expected) << "input: \"" << GetParam().input << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Forms, NormalizeIpTest,
    testing::Values(
        // IPv4.
        Case{"10.0.0.1", "10.0.0.1"},
        Case{"192.168.255.254", "192.168.255.254"},
        Case{"0.0.0.0", "0.0.0.0"},
        Case{" 10.0.0.1 ", "10.0.0.1"},
        // IPv6: lower case, zeros compressed (RFC 5952).
        Case{"2001:db8::1", "2001:db8::1"},
        Case{"2001:DB8::1", "2001:db8::1"},
        Case{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        Case{"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
        Case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        Case{"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},
        Case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        Case{"fe80:0:0:0:0:0:0:1", "fe80::1"},
        Case{"0:0:0:0:0:0:0:1", "::1"},
        Case{"::", "::"},
        Case{"\t2001:db8::1\n", "2001:db8::1"},
        // IPv4-mapped IPv6 becomes IPv4.
        Case{"::ffff:10.0.0.1", "10.0.0.1"},
        Case{"::FFFF:192.0.2.128", "192.0.2.128"},
        Case{"::ffff:0a00:0001", "10.0.0.1"},
        Case{"0:0:0:0:0:ffff:c000:0280", "192.0.2.128"},
        // Not addresses.
        Case{"", std::nullopt},
        Case{"web01", std::nullopt},
        Case{"10.0.0", std::nullopt},
        Case{"10.0.0.1.2", std::nullopt},
        Case{"256.0.0.1", std::nullopt},
        Case{"10.0.0.1/24", std::nullopt},
        Case{"10.0.0.-1", std::nullopt},
        Case{"2001:db8::1::2", std::nullopt},
        Case{"2001:db8::g", std::nullopt},
        Case{"1:2:3:4:5:6:7:8:9", std::nullopt},
        Case{"2001:db8::1/64", std::nullopt},
        Case{"10.0.0.1 10.0.0.2", std::nullopt}),
    PrintCase);

TEST(NormalizeHostnameTest, LowerCasedTrimmedWithoutTrailingDots) {
  EXPECT_EQ(NormalizeHostname("Web01.Example.COM."), "web01.example.com");
  EXPECT_EQ(NormalizeHostname("  WEB01  "), "web01");
  EXPECT_EQ(NormalizeHostname("host.example.com.."), "host.example.com");
  EXPECT_EQ(NormalizeHostname(" host. "), "host");
  EXPECT_EQ(NormalizeHostname("web01"), "web01");
  EXPECT_EQ(NormalizeHostname("."), "");
  EXPECT_EQ(NormalizeHostname(""), "");
  // Inner dots stay.
  EXPECT_EQ(NormalizeHostname("a..b"), "a..b");
}

TEST(NormalizeTokenTest, UpperCasedWithWhiteSpaceFolded) {
  EXPECT_EQ(NormalizeToken(" foc 1234x "), "FOC 1234X");
  EXPECT_EQ(NormalizeToken("foc\t\t1234x"), "FOC 1234X");
  EXPECT_EQ(NormalizeToken("a  b \n c"), "A B C");
  EXPECT_EQ(NormalizeToken("FOC1234X"), "FOC1234X");
  EXPECT_EQ(NormalizeToken("sn-001_a"), "SN-001_A");
  EXPECT_EQ(NormalizeToken("   "), "");
  EXPECT_EQ(NormalizeToken(""), "");
}

TEST(TrimSpaceTest, RemovesSurroundingWhiteSpaceOnly) {
  EXPECT_EQ(TrimSpace("  a b \t\n"), "a b");
  EXPECT_EQ(TrimSpace("a"), "a");
  EXPECT_EQ(TrimSpace(" \r\n\t\v\f "), "");
  EXPECT_EQ(TrimSpace(""), "");
}

}  // namespace
}  // namespace cmdb
