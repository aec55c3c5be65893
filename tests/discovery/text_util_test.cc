// The regex guard both rule loaders share (classify/text_util.h): numbers
// libstdc++'s regex compiler would overflow on are refused with the rule and
// field named, by the classification rules and the HTTP fingerprint rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "classify/classifier.h"
#include "classify/text_util.h"
#include "http/probe.h"

namespace cmdb::discovery {
namespace {

using ::testing::HasSubstr;

TEST(HugeRegexNumberTest, CountsOfTenDigitsOrMoreAreHuge) {
  EXPECT_TRUE(text::HugeRegexNumber("a{12345678901}"));
  EXPECT_TRUE(text::HugeRegexNumber("a{2,12345678901}"));
  EXPECT_TRUE(text::HugeRegexNumber(R"((x)\99999999999999999999)"));
  EXPECT_FALSE(text::HugeRegexNumber("a{2,5}"));
  EXPECT_FALSE(text::HugeRegexNumber("a{123456789}"));
  EXPECT_FALSE(text::HugeRegexNumber(R"((x)\1 [0-9]{4}-[0-9]{2})"));
  EXPECT_FALSE(text::HugeRegexNumber("serial 12345678901234567890"));  // digits, not a count
  EXPECT_FALSE(text::HugeRegexNumber("1,12345678901"));                 // a comma outside braces
}

TEST(HugeRegexNumberTest, ClassificationRulesRefuseIt) {
  auto classifier = Classifier::FromText(R"([[rule]]
id = "epson"
class = "printer"
sys_descr = 'EPSON [A-Z]{4444444444444444444444}-'
)",
                                         "");
  ASSERT_FALSE(classifier.ok());
  EXPECT_EQ(classifier.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(classifier.status().message()), HasSubstr("rule[0] \"epson\": sys_descr: bad regex"));
}

TEST(HugeRegexNumberTest, FingerprintRulesRefuseIt) {
  auto rules = http::Fingerprints::Parse(R"([[rule]]
id = "app"
title = '(a)\99999999999999999999'
vendor = "Example"
product = "App"
)");
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rules.status().message()), HasSubstr("more than 9 digits"));
}

}  // namespace
}  // namespace cmdb::discovery
