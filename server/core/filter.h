// The List filter language: a subset of AIP-160.
//
//   expression := sequence { "AND" sequence }
//   sequence   := factor { factor }            (juxtaposition means AND)
//   factor     := term { "OR" term }            (OR binds tighter than AND)
//   term       := [ "NOT" | "-" ] simple
//   simple     := "(" expression ")" | restriction
//   restriction:= field op value | text
//   op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
//
// A value is a quoted string ("..." or '...', backslash escapes) or a bare
// word (anything up to white space or a parenthesis). A restriction without
// an operator is a free-text search term. This file only parses; the storage
// layer checks field names against the catalog and compiles to SQL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cmdb {

enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe, kHas };
std::string_view FilterOpText(FilterOp op);

struct FilterValue {
  enum class Kind { kString, kWord };  // quoted, or bare
  Kind kind = Kind::kWord;
  std::string text;
};

struct FilterExpr {
  enum class Kind { kAnd, kOr, kNot, kCompare, kText };
  Kind kind = Kind::kAnd;
  std::vector<FilterExpr> children;  // kAnd, kOr: two or more; kNot: one
  std::string field;                 // kCompare
  FilterOp op = FilterOp::kEq;       // kCompare
  FilterValue value;                 // kCompare; kText: the search text
};

inline constexpr size_t kMaxFilterLength = 4096;
inline constexpr int kMaxFilterDepth = 32;

// Parses a filter. An empty (or all-blank) filter parses to an empty kAnd.
// INVALID_ARGUMENT "filter: ..." with the position of a syntax error.
absl::StatusOr<FilterExpr> ParseFilter(std::string_view text);

}  // namespace cmdb
