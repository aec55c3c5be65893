// The HTTP fingerprint rules' matcher: an endpoint's answers against the
// compiled rules (fingerprint_rules.h; loaded by fingerprint_rules.cc); and
// the HTML title extraction both use.
//
// Regular expressions are libstdc++'s std::regex, whose matcher recurses per
// character consumed: a long input with a pattern such as `.*` would run out
// of stack. So no regex ever sees more than kWindow bytes at once: headers,
// titles, URLs and JSON values are cut to that, and a body is searched line
// by line, long lines in overlapping windows (see SearchText).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include "classify/text_util.h"
#include "http/fingerprint_rules.h"
#include "http/probe.h"

namespace cmdb::discovery::http {
namespace {

using text::Expand;
using text::Match;

// What one regex search sees at most, and how much consecutive windows of a
// long body line overlap (a match up to kOverlap bytes long is always found).
constexpr size_t kWindow = 1024;
constexpr size_t kOverlap = 256;
// How much of a body the rules look at.
constexpr size_t kMaxBody = 256 * 1024;
// A value a rule extracts is cut to this many bytes.
constexpr size_t kMaxValue = 128;
constexpr size_t kMaxTitleChars = 200;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

namespace internal {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// White space runs collapsed to one space, trimmed. Control characters
// count as white space: a NUL in a value or a title would make the CMDB
// refuse the whole report.
std::string Collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (IsSpace(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace internal

namespace {

using namespace internal;  // NOLINT: the rule types of this module

// At most `max_chars` UTF-8 characters of `s` (cut before a lead byte).
std::string CutChars(std::string s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) {
        s.resize(i);
        break;
      }
      ++chars;
    }
  }
  return s;
}

// Case-insensitive find of an ASCII `needle` from `from`.
size_t FindNoCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool eq = true;
    for (size_t k = 0; k < needle.size(); ++k) {
      if (Lower(hay[i + k]) != needle[k]) {
        eq = false;
        break;
      }
    }
    if (eq) return i;
  }
  return std::string_view::npos;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp == 0xA0) cp = ' ';  // no-break space: a space, for collapsing
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the character references a title commonly holds; others stay.
std::string DecodeEntities(std::string_view s) {
  static const std::map<std::string_view, uint32_t> kNamed = {
      {"amp", '&'},       {"lt", '<'},     {"gt", '>'},       {"quot", '"'},    {"apos", '\''},    {"nbsp", 0xA0},
      {"copy", 0xA9},     {"reg", 0xAE},   {"trade", 0x2122}, {"middot", 0xB7}, {"ndash", 0x2013}, {"mdash", 0x2014},
      {"hellip", 0x2026}, {"laquo", 0xAB}, {"raquo", 0xBB},   {"bull", 0x2022}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    std::optional<uint32_t> cp;
    if (name.size() >= 2 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t value = 0;
      bool ok = !digits.empty() && digits.size() <= 7;
      for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) {
          ok = false;
          break;
        }
        value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (ok) cp = value;
    } else if (auto it = kNamed.find(name); it != kNamed.end()) {
      cp = it->second;
    }
    if (!cp) {
      out.push_back('&');
      continue;
    }
    AppendUtf8(out, *cp);
    i = semi;
  }
  return out;
}

std::string_view Clip(std::string_view s, size_t n = kWindow) { return s.substr(0, std::min(s.size(), n)); }

// regex_search over [first, last) that reports a matcher failure as no match.
bool SearchRange(const std::regex& re, std::string_view::const_iterator first, std::string_view::const_iterator last,
                 Match* m, std::regex_constants::match_flag_type flags = std::regex_constants::match_default) {
  try {
    if (m != nullptr) return std::regex_search(first, last, *m, re, flags);
    return std::regex_search(first, last, re, flags);
  } catch (const std::exception&) {
    return false;
  }
}

// Searches a short text (cut to kWindow bytes).
bool SearchShort(const std::regex& re, std::string_view text, Match* m = nullptr) {
  text = Clip(text);
  return SearchRange(re, text.begin(), text.end(), m);
}

// Searches a body: each line (without its "\r\n"), a line longer than
// kWindow in windows of kWindow bytes that overlap by kOverlap; `^` and `$`
// hold at the ends of a line, not of a window. The first kMaxBody bytes.
bool SearchText(const std::regex& re, std::string_view body, Match* m = nullptr) {
  body = Clip(body, kMaxBody);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    size_t line_end = eol == std::string_view::npos ? body.size() : eol;
    size_t content_end = line_end > pos && body[line_end - 1] == '\r' ? line_end - 1 : line_end;
    size_t start = pos;
    while (true) {
      size_t end = std::min(content_end, start + kWindow);
      auto flags = std::regex_constants::match_default;
      if (start != pos) flags |= std::regex_constants::match_prev_avail;
      if (end != content_end) flags |= std::regex_constants::match_not_eol;
      if (SearchRange(re, body.begin() + start, body.begin() + end, m, flags)) return true;
      if (end >= content_end) break;
      start += kWindow - kOverlap;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return false;
}

// The node at a dotted path: object members by name, array entries by
// decimal index. nullptr when a step is missing or the value is null.
const Json* JsonAt(const Json& root, const std::vector<std::string>& path) {
  const Json* node = &root;
  for (const std::string& step : path) {
    if (node->is_object()) {
      auto it = node->find(step);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (step.empty() || step.size() > 6 ||
          !std::all_of(step.begin(), step.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return nullptr;
      }
      size_t index = std::stoul(step);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node->is_null() ? nullptr : node;
}

// A scalar JSON value as text: strings as they are, numbers and booleans as
// JSON writes them; "" for objects and arrays.
std::string JsonText(const Json& v) {
  if (v.is_string()) return std::string(Clip(v.get_ref<const std::string&>()));
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}

// The path of a URL as requested: "/" for "http://host:port", the part from
// the first '/' after the authority otherwise, without query and fragment.
std::string PathOfUrl(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "/";
  std::string_view path = rest.substr(slash);
  size_t end = path.find_first_of("?#");
  return std::string(path.substr(0, end));
}

// One answer as the rules see it; title and JSON are worked out on demand.
class AnswerView {
 public:
  explicit AnswerView(const HttpResponse& response) : r_(response) {}

  const HttpResponse& response() const { return r_; }
  const std::string& title() {
    if (!title_) title_ = ResponseTitle(r_);
    return *title_;
  }
  // The body as JSON, or nullptr when it is not JSON.
  const Json* json() {
    if (!json_) {
      std::string_view body = r_.body;
      size_t first = body.find_first_not_of(" \t\r\n");
      if (r_.truncated || first == std::string_view::npos || (body[first] != '{' && body[first] != '[')) {
        json_ = Json(Json::value_t::discarded);
      } else {
        json_ = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
      }
    }
    return json_->is_discarded() ? nullptr : &*json_;
  }
  // The header's value, or nullptr when the answer does not have it.
  const std::string* header(const std::string& name) const {
    auto it = r_.headers.find(name);
    return it == r_.headers.end() ? nullptr : &it->second;
  }

  static std::string ResponseTitle(const HttpResponse& r) {
    auto it = r.headers.find("content-type");
    if (it != r.headers.end()) {
      std::string type = ToLower(it->second);
      if (type.find("json") != std::string::npos || type.rfind("image/", 0) == 0) return {};
    }
    return ExtractTitle(r.body);
  }

 private:
  const HttpResponse& r_;
  std::optional<std::string> title_;
  std::optional<Json> json_;
};

}  // namespace

namespace {

using Views = std::map<std::string, AnswerView>;

AnswerView* ViewFor(Views& views, const std::string& path) {
  auto it = views.find(path);
  return it == views.end() ? nullptr : &it->second;
}

bool Holds(const Rule& rule, AnswerView& view) {
  const HttpResponse& r = view.response();
  if (!rule.status.empty() && std::find(rule.status.begin(), rule.status.end(), r.status) == rule.status.end()) {
    return false;
  }
  for (const auto& [name, re] : rule.headers) {
    const std::string* value = view.header(name);
    if (value == nullptr || !SearchShort(re, *value)) return false;
  }
  if (rule.url && !SearchShort(*rule.url, r.final_url.empty() ? r.url : r.final_url)) return false;
  if (rule.title && !SearchShort(*rule.title, view.title())) return false;
  if (!rule.json_keys.empty() || !rule.json_equals.empty()) {
    const Json* json = view.json();
    if (json == nullptr) return false;
    for (const auto& path : rule.json_keys) {
      if (JsonAt(*json, path) == nullptr) return false;
    }
    for (const JsonEquals& eq : rule.json_equals) {
      const Json* v = JsonAt(*json, eq.path);
      if (v == nullptr) return false;
      if (eq.expected.is_number() && v->is_number()) {
        if (eq.expected.get<double>() != v->get<double>()) return false;
      } else if (*v != eq.expected) {
        return false;
      }
    }
  }
  if (rule.body && !SearchText(*rule.body, r.body)) return false;
  return true;
}

std::string Evaluate(const ValueSpec& spec, const Rule& rule, Views& views) {
  if (spec.source == Source::kLiteral) return spec.literal;
  AnswerView* view = ViewFor(views, spec.path.empty() ? rule.path : spec.path);
  if (view == nullptr) return {};
  const HttpResponse& r = view->response();
  std::string text;  // the source, for the sources that are not searched in place
  bool is_body = false;
  switch (spec.source) {
    case Source::kHeader:
      if (const std::string* v = view->header(spec.name)) text = std::string(Clip(*v));
      break;
    case Source::kTitle: text = view->title(); break;
    case Source::kUrl: text = std::string(Clip(r.final_url.empty() ? r.url : r.final_url)); break;
    case Source::kJson:
      if (const Json* json = view->json()) {
        if (const Json* v = JsonAt(*json, spec.json_path)) text = JsonText(*v);
      }
      break;
    case Source::kBody: is_body = true; break;
    case Source::kLiteral: break;
  }
  std::string out;
  if (is_body) {
    if (!spec.regex) {
      out = std::string(Clip(r.body, kMaxValue));
    } else {
      Match m;
      if (!SearchText(*spec.regex, r.body, &m)) return {};
      out = Expand(spec.literal, &m, {});
    }
  } else if (spec.regex) {
    Match m;
    std::string_view view_text = text;
    if (!SearchShort(*spec.regex, view_text, &m)) return {};
    out = Expand(spec.literal, &m, view_text);
  } else {
    out = Expand(spec.literal, nullptr, text);
  }
  return std::string(text::CutBeforeChar(Collapse(out), kMaxValue));
}

std::string Evaluate(const Value& value, const Rule& rule, Views& views) {
  for (const ValueSpec& spec : value.alternatives) {
    std::string out = Evaluate(spec, rule, views);
    if (!out.empty()) return out;
  }
  return {};
}

}  // namespace

void Fingerprints::Match(const std::vector<HttpResponse>& answers, EndpointResult& endpoint) const {
  if (!rules_) return;
  Views views;
  for (const HttpResponse& r : answers) {
    if (r.status <= 0) continue;
    views.try_emplace(PathOfUrl(r.url), r);
  }
  bool application = false, server = false;
  for (const Rule& rule : rules_->rules) {
    bool is_server = rule.kind == Kind::kServer;
    if (is_server ? server : application) continue;
    AnswerView* view = ViewFor(views, rule.path);
    if (view == nullptr || !Holds(rule, *view)) continue;
    std::string product = Evaluate(rule.product, rule, views);
    if (product.empty()) continue;
    std::string vendor = Evaluate(rule.vendor, rule, views);
    std::string version = Evaluate(rule.version, rule, views);
    if (is_server) {
      server = true;
      endpoint.server_fingerprint = rule.id;
      endpoint.server_vendor = std::move(vendor);
      endpoint.server_product = std::move(product);
      endpoint.server_version = std::move(version);
    } else {
      application = true;
      endpoint.fingerprint = rule.id;
      endpoint.vendor = std::move(vendor);
      endpoint.product = std::move(product);
      endpoint.version = std::move(version);
    }
    if (application && server) break;
  }
  if (!application && server) {
    endpoint.fingerprint = endpoint.server_fingerprint;
    endpoint.vendor = endpoint.server_vendor;
    endpoint.product = endpoint.server_product;
    endpoint.version = endpoint.server_version;
  }
}

std::string ExtractTitle(std::string_view html) {
  html = Clip(html, kMaxBody);
  size_t open = 0;
  while (true) {
    open = FindNoCase(html, "<title", open);
    if (open == std::string_view::npos) return {};
    size_t after = open + 6;
    if (after < html.size() && (html[after] == '>' || IsSpace(html[after]) || html[after] == '/')) break;
    open = after;
  }
  size_t start = html.find('>', open);
  if (start == std::string_view::npos) return {};
  ++start;
  size_t end = FindNoCase(html, "</title", start);
  if (end == std::string_view::npos) end = html.find('<', start);
  if (end == std::string_view::npos) end = html.size();
  std::string_view raw = html.substr(start, std::min(end - start, size_t{4096}));
  return CutChars(Collapse(DecodeEntities(raw)), kMaxTitleChars);
}

}  // namespace cmdb::discovery::http
