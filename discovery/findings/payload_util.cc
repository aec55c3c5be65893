// Helpers the payload mappings share.
#include "findings/payload_util.h"

#include <ctime>

#include "classify/text_util.h"

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
    if (const size_t n = text::Utf8SequenceLength(s, i); n > 0) {
      out.append(s, i, n);
      i += n;
    } else {
      text::AppendLatin1(out, static_cast<uint8_t>(s[i++]));
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
