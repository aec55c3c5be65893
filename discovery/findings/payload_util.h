// Small helpers the payload mappings share: text made fit for a protobuf
// string and the catalog (valid UTF-8, bounded), and Struct setters that
// leave out empty values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/struct.pb.h>

namespace cmdb::discovery {

inline constexpr size_t kMaxText = 1024;      // characters kept of a text value
inline constexpr size_t kMaxListItems = 512;  // elements kept of a list value

// `s` with every byte that does not start a valid UTF-8 sequence read as
// Latin-1 (as the MIB decoders read text): a protobuf string must be UTF-8,
// and the server refuses the whole report otherwise.
std::string ValidUtf8(const std::string& s);

// ValidUtf8(s) cut to kMaxText bytes, never inside a UTF-8 sequence.
std::string Clip(std::string s);

// Setters that skip empty strings and lists; values are clipped.
void SetString(google::protobuf::Struct* s, const char* key, const std::optional<std::string>& v);
void SetString(google::protobuf::Struct* s, const char* key, const std::string& v);
void SetNumber(google::protobuf::Struct* s, const char* key, double v);
void SetBool(google::protobuf::Struct* s, const char* key, bool v);
void SetList(google::protobuf::Struct* s, const char* key, const std::vector<std::string>& values);

// "2026-12-02T10:00:00Z" for Unix seconds: the catalog's datetime form.
std::string Rfc3339(int64_t unix_s);

}  // namespace cmdb::discovery
