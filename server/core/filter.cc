#include "core/filter.h"

#include <cctype>

#include "core/strings.h"
#include "core/status.h"

namespace cmdb {

std::string_view FilterOpText(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return "=";
    case FilterOp::kNe: return "!=";
    case FilterOp::kLt: return "<";
    case FilterOp::kLe: return "<=";
    case FilterOp::kGt: return ">";
    case FilterOp::kGe: return ">=";
    case FilterOp::kHas: return ":";
  }
  return "?";
}

namespace {

bool IsFieldChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<FilterExpr> ParseAll() {
    SkipSpace();
    if (AtEnd()) return FilterExpr{};
    CMDB_ASSIGN_OR_RETURN(FilterExpr e, Expression(0));
    SkipSpace();
    if (!AtEnd()) return Error(StrCat("unexpected \"", text_.substr(pos_, 10), "\""));
    return e;
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(StrCat("filter: ", what, " at position ", pos_ + 1));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // True (and consumes it) when the next token is the keyword `kw`.
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (text_.substr(pos_, kw.size()) != kw) return false;
    size_t end = pos_ + kw.size();
    if (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end])) && text_[end] != '(') {
      return false;
    }
    pos_ = end;
    return true;
  }

  bool AtSequenceEnd() {
    SkipSpace();
    if (AtEnd() || text_[pos_] == ')') return true;
    size_t save = pos_;
    bool is_kw = Keyword("AND") || Keyword("OR");
    pos_ = save;
    return is_kw;
  }

  static FilterExpr Combine(FilterExpr::Kind kind, std::vector<FilterExpr> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    FilterExpr e;
    e.kind = kind;
    e.children = std::move(parts);
    return e;
  }

  absl::StatusOr<FilterExpr> Expression(int depth) {
    if (depth > kMaxFilterDepth) return Error("nested too deeply");
    std::vector<FilterExpr> parts;
    do {
      CMDB_ASSIGN_OR_RETURN(FilterExpr s, Sequence(depth));
      parts.push_back(std::move(s));
    } while (Keyword("AND"));
    return Combine(FilterExpr::Kind::kAnd, std::move(parts));
  }

  absl::StatusOr<FilterExpr> Sequence(int depth) {
    std::vector<FilterExpr> parts;
    do {
      CMDB_ASSIGN_OR_RETURN(FilterExpr f, Factor(depth));
      parts.push_back(std::move(f));
    } while (!AtSequenceEnd());
    return Combine(FilterExpr::Kind::kAnd, std::move(parts));
  }

  absl::StatusOr<FilterExpr> Factor(int depth) {
    std::vector<FilterExpr> parts;
    do {
      CMDB_ASSIGN_OR_RETURN(FilterExpr t, Term(depth));
      parts.push_back(std::move(t));
    } while (Keyword("OR"));
    return Combine(FilterExpr::Kind::kOr, std::move(parts));
  }

  absl::StatusOr<FilterExpr> Term(int depth) {
    SkipSpace();
    bool negate = false;
    if (Keyword("NOT")) {
      negate = true;
    } else if (!AtEnd() && text_[pos_] == '-') {
      negate = true;
      ++pos_;
    }
    CMDB_ASSIGN_OR_RETURN(FilterExpr s, Simple(depth));
    if (!negate) return s;
    FilterExpr e;
    e.kind = FilterExpr::Kind::kNot;
    e.children.push_back(std::move(s));
    return e;
  }

  absl::StatusOr<FilterExpr> Simple(int depth) {
    SkipSpace();
    if (AtEnd()) return Error("expected a restriction");
    if (text_[pos_] == '(') {
      ++pos_;
      CMDB_ASSIGN_OR_RETURN(FilterExpr e, Expression(depth + 1));
      SkipSpace();
      if (AtEnd() || text_[pos_] != ')') return Error("expected \")\"");
      ++pos_;
      return e;
    }
    if (text_[pos_] == ')') return Error("unexpected \")\"");
    // A field name followed by an operator is a comparison; anything else is text.
    size_t start = pos_;
    if (std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
      size_t end = pos_;
      while (end < text_.size() && IsFieldChar(text_[end])) ++end;
      size_t op_pos = end;
      while (op_pos < text_.size() && std::isspace(static_cast<unsigned char>(text_[op_pos]))) ++op_pos;
      FilterOp op;
      size_t op_len = Operator(op_pos, &op);
      if (op_len > 0) {
        FilterExpr e;
        e.kind = FilterExpr::Kind::kCompare;
        e.field = std::string(text_.substr(start, end - start));
        e.op = op;
        pos_ = op_pos + op_len;
        SkipSpace();
        if (AtEnd() || text_[pos_] == ')') {
          return Error(StrCat("expected a value after \"", e.field, " ", FilterOpText(op), "\""));
        }
        CMDB_ASSIGN_OR_RETURN(e.value, Value());
        return e;
      }
    }
    FilterExpr e;
    e.kind = FilterExpr::Kind::kText;
    CMDB_ASSIGN_OR_RETURN(e.value, Value());
    if (e.value.text.empty()) return Error("empty search text");
    return e;
  }

  size_t Operator(size_t at, FilterOp* op) const {
    std::string_view rest = text_.substr(std::min(at, text_.size()));
    if (rest.starts_with("!=")) return *op = FilterOp::kNe, 2;
    if (rest.starts_with("<=")) return *op = FilterOp::kLe, 2;
    if (rest.starts_with(">=")) return *op = FilterOp::kGe, 2;
    if (rest.starts_with("=")) return *op = FilterOp::kEq, 1;
    if (rest.starts_with("<")) return *op = FilterOp::kLt, 1;
    if (rest.starts_with(">")) return *op = FilterOp::kGt, 1;
    if (rest.starts_with(":")) return *op = FilterOp::kHas, 1;
    return 0;
  }

  absl::StatusOr<FilterValue> Value() {
    FilterValue v;
    char quote = text_[pos_];
    if (quote == '"' || quote == '\'') {
      v.kind = FilterValue::Kind::kString;
      ++pos_;
      while (true) {
        if (AtEnd()) return Error("unterminated string");
        char c = text_[pos_++];
        if (c == quote) break;
        if (c == '\\') {
          if (AtEnd()) return Error("unterminated string");
          c = text_[pos_++];
        }
        v.text.push_back(c);
      }
      return v;
    }
    v.kind = FilterValue::Kind::kWord;
    while (!AtEnd() && !std::isspace(static_cast<unsigned char>(text_[pos_])) && text_[pos_] != '(' &&
           text_[pos_] != ')') {
      v.text.push_back(text_[pos_++]);
    }
    if (v.text.empty()) return Error("expected a value");
    return v;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<FilterExpr> ParseFilter(std::string_view text) {
  if (text.size() > kMaxFilterLength) {
    return absl::InvalidArgumentError(StrCat("filter: longer than ", kMaxFilterLength, " characters"));
  }
  return Parser(text).ParseAll();
}

}  // namespace cmdb
