#include "core/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "core/status.h"

namespace cmdb {

std::string EncodePageToken(const Json& state) { return absl::WebSafeBase64Escape(state.dump()); }

absl::StatusOr<Json> DecodePageToken(std::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) return FieldError("page_token", "malformed");
  Json state = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object()) return FieldError("page_token", "malformed");
  return state;
}

std::string TokenString(const Json& token, std::string_view key) {
  if (!token.is_object()) return "";
  auto it = token.find(key);
  return it != token.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string RequestFingerprint(std::initializer_list<std::string_view> parts) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64-bit offset basis
  for (std::string_view part : parts) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator, so ("ab","c") != ("a","bc")
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", h);
}

}  // namespace cmdb
