// Change feed cursors.
#include "core/feed.h"

#include <charconv>

#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"

namespace cmdb {

std::string FeedPosition::ToCursor() const {
  if (kind == kEnd) return std::to_string(seq);
  return StrCat(seq, ".", kind, ".", entity_id, ".", version);
}

absl::StatusOr<FeedPosition> FeedPosition::FromCursor(std::string_view cursor) {
  auto bad = [&] { return FieldError("since_cursor", StrCat("not a change feed cursor: \"", cursor, "\"")); };
  auto number = [](std::string_view s, int64_t* out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
  };
  FeedPosition p;
  std::vector<std::string_view> parts = Split(cursor, '.');
  if (parts.size() == 1) {
    if (!number(parts[0], &p.seq)) return bad();
    return p;
  }
  int64_t kind = 0;
  if (parts.size() != 4 || !number(parts[0], &p.seq) || !number(parts[1], &kind) || kind > 1 ||
      !IsUuid(parts[2]) || !number(parts[3], &p.version)) {
    return bad();
  }
  p.kind = static_cast<int>(kind);
  p.entity_id = CanonicalUuid(parts[2]);
  return p;
}

}  // namespace cmdb
