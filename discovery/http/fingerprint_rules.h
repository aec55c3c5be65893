// The compiled form of the HTTP fingerprint rules, shared by their loader
// (fingerprint_rules.cc: TOML -> rules) and their matcher (fingerprints.cc:
// an endpoint's answers -> product and version). Private to cmdb_http_rules.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/probe.h"

namespace cmdb::discovery::http {
namespace internal {

using Json = nlohmann::json;

enum class Source { kLiteral, kHeader, kTitle, kBody, kUrl, kJson };

// One way of getting a value: a literal, or a source (optionally on another
// path), searched with a regex whose groups fill `format`.
struct ValueSpec {
  Source source = Source::kLiteral;
  std::string literal;                 // kLiteral; the format for the others
  std::string name;                    // kHeader: header name (lower-case)
  std::vector<std::string> json_path;  // kJson
  std::string path;                    // the answer; "" = the rule's path
  std::optional<std::regex> regex;
};

// A field's value: the first alternative that gives a non-empty text.
struct Value {
  std::vector<ValueSpec> alternatives;
  bool set() const { return !alternatives.empty(); }
};

struct JsonEquals {
  std::vector<std::string> path;
  std::string path_text;
  Json expected;  // string, integer, float or boolean
};

enum class Kind { kApplication, kServer };

struct Rule {
  std::string id;
  size_t index = 0;
  Kind kind = Kind::kApplication;
  std::string path = "/";
  std::vector<int> status;
  std::vector<std::pair<std::string, std::regex>> headers;  // lower-case name, regex
  std::optional<std::regex> title, body, url;
  std::vector<std::vector<std::string>> json_keys;
  std::vector<JsonEquals> json_equals;
  Value vendor, product, version;
};

// Lower-case ASCII; white space runs (and control characters) collapsed to
// one space and trimmed (fingerprints.cc).
std::string ToLower(std::string_view s);
std::string Collapse(std::string_view s);

}  // namespace internal

struct Fingerprints::Rules {
  std::vector<internal::Rule> rules;
  std::vector<std::string> paths;
};

}  // namespace cmdb::discovery::http
