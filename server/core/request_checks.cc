// Request field checks.
#include "core/request_checks.h"

#include "core/patch.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"

namespace cmdb {

absl::Status CheckId(const std::string& id, std::string_view field) {
  if (id.empty()) return FieldError(field, "required");
  if (!IsUuid(id)) return FieldError(field, StrCat("not a UUID: \"", id, "\""));
  if (id.find_first_not_of("0-") == std::string::npos) return FieldError(field, "the nil UUID is not an id");
  return absl::OkStatus();
}

absl::Status CheckEtag(const std::string& etag, int64_t current_version, std::string_view what) {
  if (etag.empty()) return absl::OkStatus();
  auto version = VersionFromEtag(etag);
  if (!version) return FieldError("etag", StrCat("malformed: \"", etag, "\""));
  if (*version != current_version) {
    return absl::AbortedError(StrCat("etag mismatch: ", what, " changed since it was read (now at version ",
                                     current_version, "); read it again and retry"));
  }
  return absl::OkStatus();
}

absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  if (status.ok() || status.code() != absl::StatusCode::kInvalidArgument) return status;
  return absl::InvalidArgumentError(StrCat(prefix, status.message()));
}

}  // namespace cmdb
