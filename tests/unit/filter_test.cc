// Unit tests for core/filter.h: the AIP-160 subset parser.
#include "core/filter.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace cmdb {
namespace {

// A compact rendering of a parsed filter: AND(a = 1, OR(b = 2, TEXT(x))),
// quoted values in double quotes, NOT(...) for negation.
std::string Render(const FilterExpr& e) {
  auto value = [](const FilterValue& v) {
    return v.kind == FilterValue::Kind::kString ? "\"" + v.text + "\"" : v.text;
  };
  auto list = [](std::string_view name, const std::vector<FilterExpr>& children) {
    std::string out(name);
    out += "(";
    for (size_t i = 0; i < children.size(); ++i) {
      if (i > 0) out += ", ";
      out += Render(children[i]);
    }
    return out + ")";
  };
  switch (e.kind) {
    case FilterExpr::Kind::kAnd: return list("AND", e.children);
    case FilterExpr::Kind::kOr: return list("OR", e.children);
    case FilterExpr::Kind::kNot: return list("NOT", e.children);
    case FilterExpr::Kind::kCompare:
      return e.field + " " + std::string(FilterOpText(e.op)) + " " + value(e.value);
    case FilterExpr::Kind::kText: return "TEXT(" + value(e.value) + ")";
  }
  return "?";
}

struct ParseCase {
  std::string filter;
  std::string expected;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.filter << " -> " << c.expected; }

class FilterParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(FilterParseTest, ParsesToExpectedTree) {
  auto parsed = ParseFilter(GetParam().filter);
  ASSERT_TRUE(parsed.ok()) << GetParam().filter << ": " << parsed.status();
  EXPECT_EQ(Render(*parsed), GetParam().expected) << GetParam().filter;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, FilterParseTest,
    testing::Values(
        // Single restrictions and every operator.
        ParseCase{"name = web01", "name = web01"},
        ParseCase{"name != web01", "name != web01"},
        ParseCase{"cpu < 4", "cpu < 4"},
        ParseCase{"cpu <= 4", "cpu <= 4"},
        ParseCase{"cpu > 4", "cpu > 4"},
        ParseCase{"cpu >= 4", "cpu >= 4"},
        ParseCase{"tags : prod", "tags : prod"},
        // Operators need no surrounding space.
        ParseCase{"cpu>=4", "cpu >= 4"},
        ParseCase{"cpu!=4", "cpu != 4"},
        ParseCase{"tags:prod", "tags : prod"},
        ParseCase{"attributes.cpu_count>4", "attributes.cpu_count > 4"},
        // Bare words run to white space or a parenthesis; colons stay in the value.
        ParseCase{"attributes.mac_address = 00:1b:21:aa:bb:cc", "attributes.mac_address = 00:1b:21:aa:bb:cc"},
        ParseCase{"attributes.mac_address:00:1b", "attributes.mac_address : 00:1b"},
        ParseCase{"a = b=c", "a = b=c"},
        ParseCase{"ip = 2001:db8::1", "ip = 2001:db8::1"},
        // Quoted strings, both quote characters, escapes.
        ParseCase{"name = \"web 01\"", "name = \"web 01\""},
        ParseCase{"name = 'web 01'", "name = \"web 01\""},
        ParseCase{"name = \"a\\\"b\"", "name = \"a\"b\""},
        ParseCase{"name = 'it\\'s'", "name = \"it's\""},
        ParseCase{"name = \"(x) AND y\"", "name = \"(x) AND y\""},
        ParseCase{"name = \"\"", "name = \"\""},
        // Juxtaposition is AND; OR binds tighter than AND (explicit or implicit).
        ParseCase{"a = 1 b = 2", "AND(a = 1, b = 2)"},
        ParseCase{"a = 1 b = 2 c = 3", "AND(a = 1, b = 2, c = 3)"},
        ParseCase{"a = 1 b = 2 OR c = 3", "AND(a = 1, OR(b = 2, c = 3))"},
        ParseCase{"a = 1 AND b = 2 OR c = 3", "AND(a = 1, OR(b = 2, c = 3))"},
        ParseCase{"a = 1 OR b = 2 AND c = 3", "AND(OR(a = 1, b = 2), c = 3)"},
        ParseCase{"a = 1 OR b = 2 c = 3", "AND(OR(a = 1, b = 2), c = 3)"},
        ParseCase{"a = 1 OR b = 2 OR c = 3", "OR(a = 1, b = 2, c = 3)"},
        ParseCase{"a = 1 AND b = 2 AND c = 3", "AND(a = 1, b = 2, c = 3)"},
        ParseCase{"a = 1 b = 2 AND c = 3", "AND(AND(a = 1, b = 2), c = 3)"},
        // Negation.
        ParseCase{"NOT x = 1", "NOT(x = 1)"},
        ParseCase{"-x = 1", "NOT(x = 1)"},
        ParseCase{"NOT(x = 1)", "NOT(x = 1)"},
        ParseCase{"NOT x = 1 y = 2", "AND(NOT(x = 1), y = 2)"},
        ParseCase{"NOT x = 1 OR y = 2", "OR(NOT(x = 1), y = 2)"},
        ParseCase{"-(a = 1 OR b = 2)", "NOT(OR(a = 1, b = 2))"},
        ParseCase{"-web01", "NOT(TEXT(web01))"},
        // Parentheses.
        ParseCase{"(a = 1)", "a = 1"},
        ParseCase{"((a = 1))", "a = 1"},
        ParseCase{"(a = 1 OR b = 2) c = 3", "AND(OR(a = 1, b = 2), c = 3)"},
        ParseCase{"(a = 1 AND b = 2) OR c = 3", "OR(AND(a = 1, b = 2), c = 3)"},
        ParseCase{"a = 1 AND(b = 2)", "AND(a = 1, b = 2)"},
        ParseCase{"a = 1 OR(b = 2)", "OR(a = 1, b = 2)"},
        ParseCase{"(a=1)(b=2)", "AND(a = 1, b = 2)"},
        ParseCase{"  ( a = 1 )  ", "a = 1"},
        // Keywords only as whole upper-case words.
        ParseCase{"NOTE = 1", "NOTE = 1"},
        ParseCase{"ORDER = 1", "ORDER = 1"},
        ParseCase{"a = 1 ANDROID", "AND(a = 1, TEXT(ANDROID))"},
        ParseCase{"a = 1 ORACLE", "AND(a = 1, TEXT(ORACLE))"},
        ParseCase{"a = 1 and b = 2", "AND(a = 1, TEXT(and), b = 2)"},
        // Free-text terms.
        ParseCase{"web01", "TEXT(web01)"},
        ParseCase{"\"two words\"", "TEXT(\"two words\")"},
        ParseCase{"web01 \"two words\"", "AND(TEXT(web01), TEXT(\"two words\"))"},
        ParseCase{"10.0.0.1", "TEXT(10.0.0.1)"},
        ParseCase{"web01 OR web02", "OR(TEXT(web01), TEXT(web02))"},
        ParseCase{"class = server web", "AND(class = server, TEXT(web))"},
        ParseCase{"\t\na = 1\n", "a = 1"}),
    [](const testing::TestParamInfo<ParseCase>& info) { return "case" + std::to_string(info.index); });

TEST(FilterTest, ValueKindTellsQuotedFromBare) {
  auto quoted = ParseFilter("name = \"web01\"");
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  EXPECT_EQ(quoted->kind, FilterExpr::Kind::kCompare);
  EXPECT_EQ(quoted->value.kind, FilterValue::Kind::kString);
  EXPECT_EQ(quoted->value.text, "web01");

  auto bare = ParseFilter("name = web01");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->value.kind, FilterValue::Kind::kWord);
  EXPECT_EQ(bare->value.text, "web01");

  auto text = ParseFilter("\"two words\"");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->kind, FilterExpr::Kind::kText);
  EXPECT_EQ(text->value.kind, FilterValue::Kind::kString);
  EXPECT_EQ(text->value.text, "two words");
}

TEST(FilterTest, ComparisonFieldsAndOps) {
  auto parsed = ParseFilter("attributes.cpu_count >= 8");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, FilterExpr::Kind::kCompare);
  EXPECT_EQ(parsed->field, "attributes.cpu_count");
  EXPECT_EQ(parsed->op, FilterOp::kGe);
  EXPECT_EQ(parsed->value.text, "8");
  EXPECT_TRUE(parsed->children.empty());
}

TEST(FilterTest, EmptyFilterIsEmptyAnd) {
  for (const char* text : {"", " ", "\t \n "}) {
    auto parsed = ParseFilter(text);
    ASSERT_TRUE(parsed.ok()) << "\"" << text << "\": " << parsed.status();
    EXPECT_EQ(parsed->kind, FilterExpr::Kind::kAnd);
    EXPECT_TRUE(parsed->children.empty());
  }
}

TEST(FilterTest, OpText) {
  EXPECT_EQ(FilterOpText(FilterOp::kEq), "=");
  EXPECT_EQ(FilterOpText(FilterOp::kNe), "!=");
  EXPECT_EQ(FilterOpText(FilterOp::kLt), "<");
  EXPECT_EQ(FilterOpText(FilterOp::kLe), "<=");
  EXPECT_EQ(FilterOpText(FilterOp::kGt), ">");
  EXPECT_EQ(FilterOpText(FilterOp::kGe), ">=");
  EXPECT_EQ(FilterOpText(FilterOp::kHas), ":");
}

struct ErrorCase {
  std::string filter;
  std::string message;  // the exact message, or a part of it when `exact` is false
  bool exact = true;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.filter << " -> " << c.message; }

class FilterErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(FilterErrorTest, RejectedWithFilterPrefix) {
  auto parsed = ParseFilter(GetParam().filter);
  ASSERT_FALSE(parsed.ok()) << GetParam().filter << " parsed as " << Render(*parsed);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(parsed.status().message());
  EXPECT_TRUE(message.starts_with("filter: ")) << message;
  if (GetParam().exact) {
    EXPECT_EQ(message, GetParam().message);
  } else {
    EXPECT_NE(message.find(GetParam().message), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, FilterErrorTest,
    testing::Values(
        ErrorCase{")", "filter: unexpected \")\" at position 1"},
        ErrorCase{"a = 1)", "filter: unexpected \")\" at position 6"},
        ErrorCase{"a = 1 OR", "filter: expected a restriction at position 9"},
        ErrorCase{"a = 1 AND", "filter: expected a restriction at position 10"},
        ErrorCase{"NOT", "filter: expected a restriction at position 4"},
        ErrorCase{"-", "filter: expected a restriction at position 2"},
        ErrorCase{"(a = 1", "filter: expected \")\" at position 7"},
        ErrorCase{"()", "filter: unexpected \")\" at position 2"},
        ErrorCase{"a =", "filter: expected a value after \"a =\" at position 4"},
        ErrorCase{"(a >=)", "filter: expected a value after \"a >=\" at position 6"},
        ErrorCase{"name = \"abc", "filter: unterminated string at position 12"},
        ErrorCase{"name = 'abc\"", "unterminated string", false},
        ErrorCase{"name = \"abc\\", "unterminated string", false},
        ErrorCase{"\"open", "unterminated string", false},
        ErrorCase{"\"\"", "filter: empty search text", false},
        ErrorCase{"a = 1 \"\"", "empty search text", false}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return "case" + std::to_string(info.index); });

std::string Nested(int depth) {
  return std::string(depth, '(') + "a = 1" + std::string(depth, ')');
}

TEST(FilterTest, NestingUpToTheLimitParses) {
  auto parsed = ParseFilter(Nested(kMaxFilterDepth));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Render(*parsed), "a = 1");
}

TEST(FilterTest, NestingBeyondTheLimitIsRejected) {
  auto parsed = ParseFilter(Nested(kMaxFilterDepth + 1));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(parsed.status().message());
  EXPECT_TRUE(message.starts_with("filter: nested too deeply")) << message;

  // A deep, unbalanced input fails cleanly rather than recursing without bound.
  auto deep = ParseFilter(std::string(4000, '('));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FilterTest, LengthLimit) {
  // "a = xxx...": exactly the limit parses, one more character does not.
  std::string at_limit = "a = " + std::string(kMaxFilterLength - 4, 'x');
  ASSERT_EQ(at_limit.size(), kMaxFilterLength);
  auto ok = ParseFilter(at_limit);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->value.text.size(), kMaxFilterLength - 4);

  auto too_long = ParseFilter(at_limit + "x");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(too_long.status().message()), "filter: longer than 4096 characters");
}

}  // namespace
}  // namespace cmdb
