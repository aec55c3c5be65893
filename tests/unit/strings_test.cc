// Unit tests for core/strings.h: StrCat, StrAppend, Split, Join.
#include "core/strings.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cmdb {
namespace {

using Views = std::vector<std::string_view>;

TEST(StrCatTest, MixedArguments) {
  const std::string s = "b";
  const std::string_view sv = "c";
  const absl::string_view av = "e";
  EXPECT_EQ(StrCat("a", s, sv, 'd', av), "abcde");
  EXPECT_EQ(StrCat(), "");
  EXPECT_EQ(StrCat("n=", 42, " m=", -7), "n=42 m=-7");
  EXPECT_EQ(StrCat(true, "/", false), "true/false");
  EXPECT_EQ(StrCat(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(StrCat(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(StrCat(size_t{4096}), "4096");
  EXPECT_EQ(StrCat(1.5), "1.5");
  EXPECT_EQ(StrCat(0.1), "0.1");
  EXPECT_EQ(StrCat('x'), "x");  // a char is a character, not a number
}

TEST(StrAppendTest, Appends) {
  std::string out = "x";
  StrAppend(&out, "=", 3, std::string_view(";"));
  EXPECT_EQ(out, "x=3;");
}

TEST(SplitTest, KeepsEmptyPiecesByDefault) {
  EXPECT_EQ(Split("a,b,,c", ','), (Views{"a", "b", "", "c"}));
  EXPECT_EQ(Split("abc", ','), (Views{"abc"}));
  EXPECT_EQ(Split("", ','), (Views{""}));
  EXPECT_EQ(Split(",", ','), (Views{"", ""}));
  EXPECT_EQ(Split(",a,", ','), (Views{"", "a", ""}));
}

TEST(SplitTest, SkipEmpty) {
  EXPECT_EQ(Split("a,b,,c", ',', true), (Views{"a", "b", "c"}));
  EXPECT_EQ(Split(",,a,,", ',', true), (Views{"a"}));
  EXPECT_TRUE(Split("", ',', true).empty());
  EXPECT_TRUE(Split(",,,", ',', true).empty());
}

TEST(SplitTest, PiecesViewTheInput) {
  const std::string text = "key value";
  auto pieces = Split(text, ' ');
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[1].data(), text.data() + 4);
}

TEST(JoinTest, Joins) {
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join({"only"}, ","), "only");
  EXPECT_EQ(Join({}, ","), "");
  EXPECT_EQ(Join({"", ""}, "-"), "-");
  EXPECT_EQ(Join({"a", "b"}, ""), "ab");
}

TEST(ToStdTest, SameCharacters) {
  const absl::string_view av = "abc";
  const std::string_view sv = ToStd(av);
  EXPECT_EQ(sv, "abc");
  EXPECT_EQ(sv.data(), av.data());
}

}  // namespace
}  // namespace cmdb

namespace cmdb {
namespace {

TEST(LogSafeTest, EscapesControlCharactersAndBackslash) {
  EXPECT_EQ(LogSafe("plain text, ünïcode"), "plain text, ünïcode");
  EXPECT_EQ(LogSafe("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(LogSafe(std::string("nul\0\x1b[31m\x7f", 10)), "nul\\x00\\x1b[31m\\x7f");
  EXPECT_EQ(LogSafe("C:\\path"), "C:\\\\path");
  // An escaped value cannot be mistaken for its escape.
  EXPECT_NE(LogSafe("\n"), LogSafe("\\n"));
}

}  // namespace
}  // namespace cmdb
