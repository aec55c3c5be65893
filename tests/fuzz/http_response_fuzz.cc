// Fuzzes what the discovery worker makes of an endpoint's HTTP answers: the
// input is the answers one endpoint gave (the encoding below), which go
// through the shipped fingerprint rules (http/probe.h, Fingerprints::Match,
// with discovery/rules/http.toml), the title extraction (ExtractTitle), the
// Redfish service root decoder (http/redfish.h, ParseServiceRoot) and the
// findings (findings/http_findings.h, BuildHttpFindings), as probe.cc
// chains them for `/` and the well-known paths. No network: the answers
// stand for what the engine (http/engine.h) returns.
//
// Beyond "no crash": the payload keeps the promise of findings_check.h; the
// title has its white space collapsed (single spaces only, none leading)
// and at most 200 characters; what the rules decide names a shipped rule
// and has values of at most 128 bytes (rules/HTTP.md).
//
// Encoding: answers separated by a line "%%" ("\n%%\n"), each
//   a line: the path asked ("/", "/redfish/v1/", ...), and after a space
//           the path the redirects ended on, if any;
//   a head as on the wire: a status line "HTTP/<version> <3 digits> ...",
//           header lines "Name: value" (CRLF or LF), an empty line;
//   the body: the rest of the answer.
// The answers take the shapes the engine gives: URLs with what is not
// printable ASCII percent-encoded, header names lower-case, values
// trimmed, the last of a name wins, a folded line continues the value; a
// head without a status line, or with a NUL byte (which libcurl refuses),
// is no HTTP answer (status 0). The endpoint is https://192.0.2.1:443/;
// its own answer is the first for "/".
// corpus/http_response/ holds answers shaped like the lab's
// (tests/lab/http.tsv) and the probe tests' cases.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "findings/http_findings.h"
#include "findings_check.h"
#include "fuzz_check.h"
#include "http/probe.h"
#include "http/redfish.h"

namespace {

namespace http = cmdb::discovery::http;

constexpr std::string_view kBase = "https://192.0.2.1:443";
constexpr std::string_view kSeparator = "\n%%\n";
constexpr size_t kMaxAnswers = 8;

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The next line of `text` from `pos` (without "\n"), moving `pos` past it.
std::string_view NextLine(std::string_view text, size_t& pos) {
  size_t eol = text.find('\n', pos);
  std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
  pos = eol == std::string_view::npos ? text.size() : eol + 1;
  return line;
}

// A path as it ends up in a URL libcurl reports: "/" first, control
// characters, spaces and bytes beyond ASCII percent-encoded.
std::string UrlPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = path.empty() || path[0] != '/' ? "/" : "";
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

http::HttpResponse ReadAnswer(std::string_view text) {
  http::HttpResponse r;
  size_t pos = 0;
  std::string_view asked = NextLine(text, pos);
  std::string_view ended;
  if (size_t space = asked.find(' '); space != std::string_view::npos) {
    ended = asked.substr(space + 1);
    asked = asked.substr(0, space);
  }
  r.url = std::string(kBase) + UrlPath(asked);
  r.final_url = r.url;
  if (!ended.empty()) {
    r.final_url = std::string(kBase) + UrlPath(ended);
    r.redirects.push_back(r.final_url);
  }
  std::string_view status_line = NextLine(text, pos);
  std::string last_name;
  bool nul = status_line.find('\0') != std::string_view::npos;
  while (pos < text.size()) {
    std::string_view line = NextLine(text, pos);
    if (Trim(line).empty()) break;
    if (line.find('\0') != std::string_view::npos) nul = true;
    if (line[0] == ' ' || line[0] == '\t') {
      auto it = r.headers.find(last_name);
      if (it != r.headers.end()) {
        it->second.push_back(' ');
        it->second.append(Trim(line));
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || Trim(line.substr(0, colon)).empty()) continue;
    last_name = Lower(Trim(line.substr(0, colon)));
    r.headers[last_name] = std::string(Trim(line.substr(colon + 1)));
  }
  r.body = std::string(text.substr(pos));
  // "HTTP/1.1 200 OK", "HTTP/2 404".
  size_t space = status_line.find(' ');
  std::string_view code = space == std::string_view::npos ? "" : status_line.substr(space + 1, 3);
  bool answered = !nul && status_line.substr(0, 5) == "HTTP/" && code.size() == 3 &&
                  std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!answered) {
    r.headers.clear();
    r.body.clear();
    r.error = http::ErrorKind::kProtocol;
    r.error_text = "not an HTTP answer";
    return r;
  }
  r.status = std::stoi(std::string(code));
  std::string_view version = status_line.substr(5, space - 5);
  r.http_version = version == "1.0" || version == "2" || version == "3" ? std::string(version) : "1.1";
  return r;
}

// What probe.cc keeps of the `/` answer.
std::string TitleOf(const http::HttpResponse& r) {
  auto it = r.headers.find("content-type");
  if (it != r.headers.end()) {
    std::string type = Lower(it->second);
    if (type.find("json") != std::string::npos || type.rfind("image/", 0) == 0) return {};
  }
  return http::ExtractTitle(r.body);
}

void CheckTitle(const std::string& title) {
  size_t chars = 0;
  for (size_t i = 0; i < title.size(); ++i) {
    auto c = static_cast<unsigned char>(title[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') cmdb::fuzz::Fail("white space left in a title");
    if (c == ' ' && (i == 0 || title[i - 1] == ' ')) cmdb::fuzz::Fail("a title holds a leading or double space");
  }
  if (chars > 200) cmdb::fuzz::Fail("a title longer than 200 characters");
}

void CheckDecided(const std::set<std::string>& ids, const std::string& fingerprint,
                  const std::vector<const std::string*>& values) {
  if (!fingerprint.empty() && ids.count(fingerprint) == 0) cmdb::fuzz::Fail("a match names no shipped rule");
  for (const std::string* v : values) {
    if (v->size() > 128) cmdb::fuzz::Fail("a value longer than 128 bytes");
  }
}

const http::Fingerprints& ShippedRules() {
  static const http::Fingerprints* const rules = [] {
    auto loaded = http::Fingerprints::Load(CMDB_HTTP_RULES_FILE);
    if (!loaded.ok()) cmdb::fuzz::Fail("the shipped HTTP rules do not load");
    return new http::Fingerprints(std::move(*loaded));
  }();
  return *rules;
}

const std::set<std::string>& ShippedIds() {
  static const std::set<std::string>* const ids = [] {
    const std::vector<std::string> list = ShippedRules().rule_ids();
    return new std::set<std::string>(list.begin(), list.end());
  }();
  return *ids;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<http::HttpResponse> answers;
  for (size_t pos = 0; pos <= input.size() && answers.size() < kMaxAnswers;) {
    size_t end = input.find(kSeparator, pos);
    if (end == std::string_view::npos) end = input.size();
    answers.push_back(ReadAnswer(input.substr(pos, end - pos)));
    pos = end + kSeparator.size();
  }

  http::AddressResult result;
  result.address = "192.0.2.1";
  http::EndpointResult& out = result.endpoints.emplace_back();
  out.address = result.address;
  out.port = 443;
  out.scheme = "https";
  out.url = std::string(kBase) + "/";
  std::vector<http::HttpResponse> kept;  // the answers with a status, as probe.cc keeps them
  bool root = false;
  for (const http::HttpResponse& r : answers) {
    if (!root && r.url == out.url) {
      root = true;
      out.status = r.status;
      out.http_version = r.http_version;
      if (auto it = r.headers.find("server"); it != r.headers.end()) out.server = it->second;
      if (r.status > 0) out.title = TitleOf(r);
      out.final_url = r.final_url;
      out.redirects = r.redirects;
    }
    const bool redfish_root = r.url == std::string(kBase) + "/redfish/v1/" && r.status >= 200 && r.status < 300 &&
                              r.final_url.rfind(std::string(kBase) + "/", 0) == 0;
    if (redfish_root && !out.redfish) {
      if (auto parsed = http::redfish::ParseServiceRoot(r.body); parsed.ok()) {
        http::RedfishService& service = out.redfish.emplace();
        service.redfish_version = parsed->redfish_version;
        service.uuid = parsed->uuid;
        service.vendor = parsed->vendor;
        service.product = parsed->product;
      }
    }
    if (r.status > 0) kept.push_back(r);
  }
  ShippedRules().Match(kept, out);

  CheckTitle(out.title);
  CheckDecided(ShippedIds(), out.fingerprint, {&out.vendor, &out.product, &out.version});
  CheckDecided(ShippedIds(), out.server_fingerprint, {&out.server_vendor, &out.server_product, &out.server_version});
  cmdb::fuzz::CheckFindings(cmdb::discovery::BuildHttpFindings(result, {}));
  return 0;
}
