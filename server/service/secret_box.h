// Seals and opens small secrets with AES-256-GCM under one key from cmdbd's
// configuration. A sealed value is nonce (12 bytes) || ciphertext || tag
// (16 bytes); the associated data (e.g. a credential's name) is
// authenticated, so a sealed value copied to another row does not open.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cmdb {

class SecretBox {
 public:
  // `key` is 32 raw bytes. INVALID_ARGUMENT otherwise.
  static absl::StatusOr<SecretBox> FromKey(std::string key);
  // The key from its text form: 64 hex digits. INVALID_ARGUMENT otherwise
  // (the message never contains the text).
  static absl::StatusOr<SecretBox> FromHex(std::string_view hex);
  // 64 hex digits of a fresh random key.
  static std::string NewKeyHex();

  // INTERNAL only if the crypto library fails.
  absl::StatusOr<std::string> Seal(std::string_view plaintext, std::string_view associated_data) const;
  // DATA_LOSS when the value was not sealed by this key with this associated
  // data (wrong key, tampered, truncated).
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace cmdb
