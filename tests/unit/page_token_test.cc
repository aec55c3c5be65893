// Unit tests for core/page_token.h: opaque page tokens and request fingerprints.
#include "core/page_token.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "absl/strings/escaping.h"

namespace cmdb {
namespace {

void ExpectMalformed(std::string_view token) {
  auto decoded = DecodePageToken(token);
  ASSERT_FALSE(decoded.ok()) << "\"" << token << "\" decoded as " << decoded->dump();
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(decoded.status().message()), "page_token: malformed");
}

std::string Base64(std::string_view raw) { return absl::WebSafeBase64Escape(absl::string_view(raw.data(), raw.size())); }

TEST(PageTokenTest, RoundTrip) {
  Json state = {{"after_name", "web01 \"quoted\" / + ="},
                {"after_id", "0190f0c4-0000-7000-8000-000000000001"},
                {"fp", "cbf29ce484222325"},
                {"n", 12345},
                {"nested", {{"list", Json::array({1, 2.5, nullptr, true})}}}};
  const std::string token = EncodePageToken(state);
  auto decoded = DecodePageToken(token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, state);
}

TEST(PageTokenTest, TokenIsUrlSafe) {
  // "~~~?\?\?>>>" gives '+' and '/' in standard base64.
  ASSERT_NE(absl::Base64Escape("{\"k\":\"~~~?\?\?>>>\"}").find_first_of("+/"), std::string::npos);
  const std::string token = EncodePageToken(Json{{"k", "~~~?\?\?>>>"}});
  EXPECT_FALSE(token.empty());
  for (char c : token) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << "'" << c << "' in " << token;
  }
}

TEST(PageTokenTest, EmptyObjectRoundTrips) {
  auto decoded = DecodePageToken(EncodePageToken(Json::object()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, Json::object());
}

TEST(PageTokenTest, ForeignTokensAreMalformed) {
  ExpectMalformed("");
  ExpectMalformed("!!!");
  ExpectMalformed("not a token");
  ExpectMalformed(Base64("not json"));
  ExpectMalformed(Base64("[1,2,3]"));  // JSON, but not an object
  ExpectMalformed(Base64("\"text\""));
  ExpectMalformed(Base64("42"));
  ExpectMalformed(Base64("{\"a\":1"));  // truncated
  // A valid token cut short.
  std::string token = EncodePageToken(Json{{"after", "web01"}, {"id", 7}});
  ExpectMalformed(token.substr(0, token.size() - 3));
}

TEST(RequestFingerprintTest, KnownValues) {
  // FNV-1a 64 (offset basis 14695981039346656037 = 0xcbf29ce484222325, prime
  // 1099511628211) with an 0xff byte after each part. No parts: the basis.
  EXPECT_EQ(RequestFingerprint({}), "cbf29ce484222325");
  EXPECT_EQ(RequestFingerprint({""}), "af64724c8602eb6e");
  EXPECT_EQ(RequestFingerprint({"a"}), "089bc907b544c769");
  EXPECT_EQ(RequestFingerprint({"ab", "c"}), "20ba9b3025a8b421");
  EXPECT_EQ(RequestFingerprint({"a", "bc"}), "a0a3542c19b900ab");
}

TEST(RequestFingerprintTest, StableAndSensitiveToPartsAndOrder) {
  const std::string fp = RequestFingerprint({"class = server", "name", "desc"});
  EXPECT_EQ(fp.size(), 16u);
  EXPECT_EQ(fp.find_first_not_of("0123456789abcdef"), std::string::npos) << fp;
  EXPECT_EQ(fp, RequestFingerprint({"class = server", "name", "desc"}));
  EXPECT_NE(fp, RequestFingerprint({"class = switch", "name", "desc"}));
  EXPECT_NE(fp, RequestFingerprint({"name", "class = server", "desc"}));
  EXPECT_NE(fp, RequestFingerprint({"class = server", "name", "desc", ""}));
  EXPECT_NE(RequestFingerprint({"ab", "c"}), RequestFingerprint({"a", "bc"}));
  EXPECT_NE(RequestFingerprint({""}), RequestFingerprint({}));
}

}  // namespace
}  // namespace cmdb
