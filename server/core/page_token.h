// Page tokens (AIP-158): opaque to clients; here, URL-safe base64 of a small
// JSON document that each List method fills with its own keyset position and
// a fingerprint of the request, so a token cannot be replayed against a
// different filter or order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/model.h"

namespace cmdb {

std::string EncodePageToken(const Json& state);

// INVALID_ARGUMENT "page_token: ..." when the token is not one of ours.
absl::StatusOr<Json> DecodePageToken(std::string_view token);

// token[key] when it is a string, else "" (a tampered token holds any JSON).
std::string TokenString(const Json& token, std::string_view key);

// A stable 64-bit fingerprint (FNV-1a) of request fields, hex-encoded.
std::string RequestFingerprint(std::initializer_list<std::string_view> parts);

}  // namespace cmdb
