#include "core/uuid.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <random>

namespace cmdb {
namespace {

uint64_t RandomBits() {
  thread_local std::mt19937_64 engine([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  return engine();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string NewUuid() {
  return NewUuidAt(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count());
}

std::string NewUuidAt(int64_t unix_ms) {
  const uint64_t ms = static_cast<uint64_t>(unix_ms);
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  const uint64_t r1 = RandomBits(), r2 = RandomBits();
  for (int i = 6; i < 16; ++i) {
    b[i] = static_cast<uint8_t>((i < 12 ? r1 >> (8 * (i - 6)) : r2 >> (8 * (i - 12))));
  }
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));  // RFC 4122 variant
  return FormatUuid(b);
}

bool IsUuid(std::string_view text) {
  UuidBytes ignored;
  return ParseUuid(text, &ignored);
}

bool ParseUuid(std::string_view text, UuidBytes* out) {
  if (text.size() != 36) return false;
  UuidBytes id{};
  int half = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      continue;
    }
    const int d = HexDigit(text[i]);
    if (d < 0) return false;
    id[half / 2] = static_cast<uint8_t>(id[half / 2] | (half % 2 == 0 ? d << 4 : d));
    ++half;
  }
  *out = id;
  return true;
}

std::string FormatUuid(const UuidBytes& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0xf]);
  }
  return out;
}

std::string CanonicalUuid(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace cmdb
