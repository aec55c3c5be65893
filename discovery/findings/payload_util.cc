// Helpers the payload mappings share.
#include "findings/payload_util.h"

#include <ctime>

namespace cmdb::discovery {

using google::protobuf::Struct;

// `s` with every byte that does not start a valid UTF-8 sequence read as
// Latin-1, as the MIB decoders read text. What the classifier extracts is the
// agent's bytes as the rules matched them, and a protobuf string must be
// UTF-8: the server refuses the whole report otherwise.
std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    // The second byte's range excludes overlong forms, surrogates and code
    // points above U+10FFFF.
    const unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (n > 1 && i + n > s.size()) n = 0;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) n = 0;
    }
    if (n == 0) {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

std::string Clip(std::string s) {
  s = ValidUtf8(s);
  if (s.size() > kMaxText) {
    s.resize(kMaxText);
    // Do not leave half a UTF-8 sequence at the end.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
  }
  return s;
}

void SetString(Struct* s, const char* key, const std::optional<std::string>& v) {
  if (v && !v->empty()) (*s->mutable_fields())[key].set_string_value(Clip(*v));
}
void SetString(Struct* s, const char* key, const std::string& v) {
  if (!v.empty()) (*s->mutable_fields())[key].set_string_value(Clip(v));
}
void SetNumber(Struct* s, const char* key, double v) { (*s->mutable_fields())[key].set_number_value(v); }
void SetBool(Struct* s, const char* key, bool v) { (*s->mutable_fields())[key].set_bool_value(v); }
void SetList(Struct* s, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  auto* list = (*s->mutable_fields())[key].mutable_list_value();
  for (size_t i = 0; i < values.size() && i < kMaxListItems; ++i) list->add_values()->set_string_value(values[i]);
}

std::string Rfc3339(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace cmdb::discovery
