#include "util/text_scan.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <vector>

namespace cmdb::proto_util {
namespace {

namespace pb = google::protobuf;

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

std::string Join(const std::string& prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
}

std::optional<std::string> Scan(const pb::Message& m, const std::string& path,
                                std::initializer_list<std::string_view> skip);

std::optional<std::string> ScanValue(const pb::Value& v, const std::string& path);

std::optional<std::string> ScanStruct(const pb::Struct& s, const std::string& path) {
  for (const auto& [key, value] : s.fields()) {
    const std::string child = Join(path, key);
    if (HasNul(key)) return path.empty() ? std::string("(key)") : path;
    if (auto bad = ScanValue(value, child)) return bad;
  }
  return std::nullopt;
}

std::optional<std::string> ScanValue(const pb::Value& v, const std::string& path) {
  switch (v.kind_case()) {
    case pb::Value::kStringValue:
      if (HasNul(v.string_value())) return path;
      return std::nullopt;
    case pb::Value::kStructValue: return ScanStruct(v.struct_value(), path);
    case pb::Value::kListValue:
      for (int i = 0; i < v.list_value().values_size(); ++i) {
        if (auto bad = ScanValue(v.list_value().values(i), path + "[" + std::to_string(i) + "]")) return bad;
      }
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::optional<std::string> ScanField(const pb::Message& m, const pb::FieldDescriptor* f, int index,
                                     const std::string& path) {
  const pb::Reflection* r = m.GetReflection();
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    const std::string& s =
        index < 0 ? r->GetStringReference(m, f, &scratch) : r->GetRepeatedStringReference(m, f, index, &scratch);
    if (HasNul(s)) return path;
    return std::nullopt;
  }
  if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) return std::nullopt;
  const pb::Message& sub = index < 0 ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, index);
  if (f->is_map()) {
    // A map entry: its key names it.
    const pb::Descriptor* entry = sub.GetDescriptor();
    const pb::FieldDescriptor* key = entry->map_key();
    const pb::FieldDescriptor* value = entry->map_value();
    std::string key_text;
    if (key->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      key_text = sub.GetReflection()->GetString(sub, key);
      if (HasNul(key_text)) return path;
    }
    return ScanField(sub, value, -1, Join(path, key_text));
  }
  return Scan(sub, path, {});
}

std::optional<std::string> Scan(const pb::Message& m, const std::string& path,
                                std::initializer_list<std::string_view> skip) {
  if (const auto* s = dynamic_cast<const pb::Struct*>(&m)) return ScanStruct(*s, path);
  if (const auto* v = dynamic_cast<const pb::Value*>(&m)) return ScanValue(*v, path);
  const pb::Reflection* r = m.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (std::find(skip.begin(), skip.end(), f->name()) != skip.end()) continue;
    const std::string child = Join(path, f->name());
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        const std::string item = f->is_map() ? child : child + "[" + std::to_string(i) + "]";
        if (auto bad = ScanField(m, f, i, item)) return bad;
      }
    } else if (auto bad = ScanField(m, f, -1, child)) {
      return bad;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FindNulText(const google::protobuf::Message& message,
                                       std::initializer_list<std::string_view> skip) {
  return Scan(message, "", skip);
}

}  // namespace cmdb::proto_util
