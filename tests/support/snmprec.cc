// snmprec reader for tests.
#include "support/snmprec.h"

#include <charconv>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#ifndef CMDB_SOURCE_DIR
#error "CMDB_SOURCE_DIR must be defined"
#endif

namespace cmdb::testing {
namespace {

using discovery::Value;
using discovery::ValueType;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Splits "a|b|c" into at most three parts (the value may contain '|').
std::vector<std::string_view> SplitRecord(std::string_view line) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 2; ++i) {
    const size_t bar = line.find('|');
    if (bar == std::string_view::npos) break;
    parts.push_back(line.substr(0, bar));
    line.remove_prefix(bar + 1);
  }
  parts.push_back(line);
  return parts;
}

bool Unhex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) return false;
    out.push_back(static_cast<char>(byte));
  }
  return true;
}

}  // namespace

std::string LabRecordingDir() { return std::string(CMDB_SOURCE_DIR) + "/tests/lab/snmprec"; }

absl::StatusOr<discovery::DeviceWalk> LoadSnmprec(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<discovery::Varbind> varbinds;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> parts = SplitRecord(line);
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", Absl(why)));
    };
    if (parts.size() != 3) return bad("expected OID|tag|value");
    auto oid = discovery::Oid::Parse(parts[0]);
    if (!oid) return bad("malformed OID");
    std::string_view tag = parts[1];
    bool hex = !tag.empty() && tag.back() == 'x';
    if (hex) tag.remove_suffix(1);
    int tag_number = 0;
    if (!absl::SimpleAtoi(Absl(tag), &tag_number)) return bad("malformed tag");
    std::string raw(parts[2]);
    if (hex && !Unhex(parts[2], raw)) return bad("malformed hex value");
    Value value;
    auto number_value = [&](ValueType type) -> absl::Status {
      value.type = type;
      if (type == ValueType::kCounter64) {
        uint64_t u = 0;
        if (!absl::SimpleAtoi(raw, &u)) return bad("malformed number");
        value.integer = static_cast<int64_t>(u);
      } else if (!absl::SimpleAtoi(raw, &value.integer)) {
        return bad("malformed number");
      }
      return absl::OkStatus();
    };
    absl::Status status;
    switch (tag_number) {
      case 2: status = number_value(ValueType::kInteger); break;
      case 65: status = number_value(ValueType::kCounter32); break;
      case 66: status = number_value(ValueType::kGauge32); break;
      case 67: status = number_value(ValueType::kTimeTicks); break;
      case 70: status = number_value(ValueType::kCounter64); break;
      case 4: value.type = ValueType::kOctetString; value.bytes = raw; break;
      case 68: value.type = ValueType::kOpaque; value.bytes = raw; break;
      case 5: value.type = ValueType::kNull; break;
      case 6: {
        value.type = ValueType::kObjectId;
        auto v = discovery::Oid::Parse(raw);
        if (!v) return bad("malformed OID value");
        value.oid = *v;
        break;
      }
      case 64: {
        value.type = ValueType::kIpAddress;
        if (hex) {
          value.bytes = raw;
        } else {
          // Dotted quad; anything else (recordings anonymise some as
          // "<private>") is kept as raw bytes, which decoders must survive.
          std::string bytes;
          size_t start = 0;
          bool ok = true;
          for (int i = 0; i < 4 && ok; ++i) {
            size_t end = raw.find('.', start);
            if (i == 3) end = raw.size();
            int n = 0;
            ok = end != std::string::npos && absl::SimpleAtoi(absl::string_view(raw.data() + start, end - start), &n) &&
                 n >= 0 && n <= 255;
            if (ok) bytes.push_back(static_cast<char>(n));
            start = end + 1;
          }
          value.bytes = ok && start == raw.size() + 1 ? bytes : raw;
        }
        break;
      }
      default: return bad(absl::StrCat("unknown tag ", tag_number));
    }
    if (!status.ok()) return status;
    varbinds.push_back({std::move(*oid), std::move(value)});
  }
  return discovery::DeviceWalk(std::move(varbinds));
}

}  // namespace cmdb::testing
