// Fuzzes the HTTP fingerprint rules loader (http/probe.h,
// Fingerprints::Parse) with arbitrary text as the rules file: it must
// answer with rules or INVALID_ARGUMENT, never crash or throw. Rules that
// load keep the promises of probe.h: paths() sorted, unique, without "/"
// and each a path; rule ids unique and not empty. They are then matched
// against a fixed endpoint (a short page on `/` and a short JSON document
// on every path they name), which runs each rule's conditions and outputs
// without giving a rule's own regex a long text to backtrack over (the
// rules file is the operator's, and matching time is its author's
// concern). For the same reason a file that nests four or more quantifiers
// that can match nothing (a****x, (((a*)*)*)*x) is loaded but not matched:
// libstdc++'s matcher takes time exponential in that depth, even on "Lab 1".
// What a match decides names a rule of the file, has a product, and has
// values of at most 128 bytes (rules/HTTP.md).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/probe.h"

namespace {

namespace http = cmdb::discovery::http;

constexpr size_t kMaxValue = 128;

http::HttpResponse Answer(const std::string& path, std::map<std::string, std::string> headers, std::string body) {
  http::HttpResponse r;
  r.url = "https://192.0.2.1:443" + path;
  r.final_url = r.url;
  r.status = 200;
  r.http_version = "1.1";
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

// Whether `text` has a quantifier that can match nothing (*, ?, {0...})
// followed, through closing parentheses, by `depth` - 1 more quantifiers.
// A rough look at the whole file, not at its regexes alone.
bool NestsEmptyRepeats(std::string_view text, int depth) {
  auto quantifier = [&](size_t i) { return text[i] == '*' || text[i] == '+' || text[i] == '?' || text[i] == '{'; };
  // The position after the quantifier at `i` (with its lazy '?') and its ')'.
  auto after = [&](size_t i) {
    size_t j = i + 1;
    if (text[i] == '{') {
      j = text.find('}', i);
      j = j == std::string_view::npos ? text.size() : j + 1;
    }
    if (j < text.size() && text[j] == '?') ++j;
    while (j < text.size() && text[j] == ')') ++j;
    return j;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '*' && text[i] != '?' && text.substr(i, 2) != "{0") continue;
    int chain = 1;
    for (size_t j = after(i); j < text.size() && quantifier(j) && chain < depth; j = after(j)) ++chain;
    if (chain >= depth) return true;
  }
  return false;
}

bool IsPath(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.size() > 256) return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '#';
  });
}

void CheckDecided(const std::set<std::string>& ids, const std::string& fingerprint,
                  const std::vector<const std::string*>& values, const std::string& product) {
  if (fingerprint.empty()) return;
  if (ids.count(fingerprint) == 0) cmdb::fuzz::Fail("a match names a rule the file does not have");
  if (product.empty()) cmdb::fuzz::Fail("a match decided without a product");
  for (const std::string* v : values) {
    if (v->size() > kMaxValue) cmdb::fuzz::Fail("a value longer than 128 bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<http::Fingerprints> rules = http::Fingerprints::Parse(text, "fuzz.toml");
  if (!rules.ok()) {
    if (!absl::IsInvalidArgument(rules.status())) cmdb::fuzz::Fail("a load error other than INVALID_ARGUMENT");
    return 0;
  }
  const std::vector<std::string>& paths = rules->paths();
  if (!std::is_sorted(paths.begin(), paths.end()) || std::adjacent_find(paths.begin(), paths.end()) != paths.end()) {
    cmdb::fuzz::Fail("paths() is not sorted and unique");
  }
  for (const std::string& path : paths) {
    if (path == "/" || !IsPath(path)) cmdb::fuzz::Fail("paths() holds \"/\" or what is not a path");
  }
  const std::vector<std::string> id_list = rules->rule_ids();
  const std::set<std::string> ids(id_list.begin(), id_list.end());
  if (ids.size() != id_list.size() || ids.count("") != 0) cmdb::fuzz::Fail("rule ids empty or not unique");

  if (NestsEmptyRepeats(text, 4)) return 0;
  std::vector<http::HttpResponse> answers;
  answers.push_back(Answer("/", {{"server", "nginx/1.22.1"}, {"content-type", "text/html"}, {"x-jenkins", "2.4"}},
                           "<title>Lab 1</title>\n# HELP\n"));
  for (const std::string& path : paths) {
    answers.push_back(Answer(path, {{"content-type", "application/json"}}, R"({"v":{"n":"1.0"},"a":[1]})"));
  }
  http::EndpointResult endpoint;
  rules->Match(answers, endpoint);
  CheckDecided(ids, endpoint.fingerprint, {&endpoint.vendor, &endpoint.product, &endpoint.version},
               endpoint.product);
  CheckDecided(ids, endpoint.server_fingerprint,
               {&endpoint.server_vendor, &endpoint.server_product, &endpoint.server_version},
               endpoint.server_product);
  return 0;
}
