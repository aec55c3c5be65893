// Struct/Value/ListValue <-> JSON under the rules of struct_json.h.
#include "util/struct_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace cmdb::proto_util {
namespace {

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

namespace pb = google::protobuf;

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// Where a value sits, as a chain of stack frames; rendered only on error.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // the root's name, or an object key
  int index = -1;        // a list index when >= 0
};

bool PlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = (c >= '0' && c <= '9') || c == '-';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

void AppendPath(const Path& p, std::string* out) {
  if (p.parent == nullptr) {
    out->append(p.key);
    return;
  }
  AppendPath(*p.parent, out);
  if (p.index >= 0) {
    out->append("[").append(std::to_string(p.index)).append("]");
  } else if (PlainKey(p.key)) {
    if (!out->empty()) out->push_back('.');
    out->append(p.key);
  } else {
    // JSON string syntax; never throws (bad bytes would be replaced).
    out->append("[")
        .append(nlohmann::json(std::string(p.key)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .append("]");
  }
}

absl::Status Error(const Path& path, std::string_view what) {
  std::string message;
  AppendPath(path, &message);
  if (message.empty()) message = "value";
  message.append(": ").append(what);
  return absl::InvalidArgumentError(message);
}

absl::Status NotFinite(const Path& path, double d) {
  return Error(path, std::isnan(d) ? "number is not finite (NaN)"
                     : d > 0       ? "number is not finite (infinity)"
                                   : "number is not finite (-infinity)");
}

absl::Status TooDeep(const Path& path) {
  return Error(path, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
}

// --- Struct -> JSON -------------------------------------------------------

template <typename JsonT>
absl::Status StructTo(const pb::Struct& s, const Path& path, int depth, JsonT* out);
template <typename JsonT>
absl::Status ListTo(const pb::ListValue& list, const Path& path, int depth, JsonT* out);

template <typename JsonT>
absl::Status ValueTo(const pb::Value& value, const Path& path, int depth, JsonT* out) {
  switch (value.kind_case()) {
    case pb::Value::kNumberValue: {
      const double d = value.number_value();
      if (!std::isfinite(d)) return NotFinite(path, d);
      if (d == std::trunc(d) && std::fabs(d) <= kMaxExactInteger) {
        *out = static_cast<std::int64_t>(d);
      } else {
        *out = d;
      }
      return absl::OkStatus();
    }
    case pb::Value::kStringValue:
      if (!IsValidUtf8(value.string_value())) return Error(path, "string is not valid UTF-8");
      if (HasNul(value.string_value())) return Error(path, "string contains a NUL character");
      *out = value.string_value();
      return absl::OkStatus();
    case pb::Value::kBoolValue: *out = value.bool_value(); return absl::OkStatus();
    case pb::Value::kStructValue: return StructTo(value.struct_value(), path, depth + 1, out);
    case pb::Value::kListValue: return ListTo(value.list_value(), path, depth + 1, out);
    case pb::Value::kNullValue:
    case pb::Value::KIND_NOT_SET: *out = nullptr; return absl::OkStatus();
  }
  *out = nullptr;
  return absl::OkStatus();
}

template <typename JsonT>
absl::Status StructTo(const pb::Struct& s, const Path& path, int depth, JsonT* out) {
  if (depth > kMaxDepth) return TooDeep(path);
  using Entry = pb::Map<std::string, pb::Value>::value_type;
  std::vector<const Entry*> entries;
  entries.reserve(s.fields().size());
  for (const Entry& e : s.fields()) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) { return a->first < b->first; });

  *out = JsonT::object();
  auto& object = out->template get_ref<typename JsonT::object_t&>();
  for (const Entry* e : entries) {
    if (!IsValidUtf8(e->first)) return Error(path, "a key is not valid UTF-8");
    if (HasNul(e->first)) return Error(path, "a key contains a NUL character");
    const Path child{&path, e->first};
    JsonT item;
    if (absl::Status st = ValueTo(e->second, child, depth, &item); !st.ok()) return st;
    // Keys arrive sorted and unique: append without searching.
    if constexpr (std::is_same_v<JsonT, nlohmann::ordered_json>) {
      object.emplace_back(e->first, std::move(item));
    } else {
      object.emplace_hint(object.end(), e->first, std::move(item));
    }
  }
  return absl::OkStatus();
}

template <typename JsonT>
absl::Status ListTo(const pb::ListValue& list, const Path& path, int depth, JsonT* out) {
  if (depth > kMaxDepth) return TooDeep(path);
  *out = JsonT::array();
  auto& array = out->template get_ref<typename JsonT::array_t&>();
  array.reserve(static_cast<size_t>(list.values_size()));
  for (int i = 0; i < list.values_size(); ++i) {
    const Path child{&path, {}, i};
    if (absl::Status st = ValueTo(list.values(i), child, depth, &array.emplace_back()); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// --- JSON -> Struct -------------------------------------------------------

template <typename JsonT>
absl::Status StructFrom(const JsonT& json, const Path& path, int depth, pb::Struct* out);
template <typename JsonT>
absl::Status ListFrom(const JsonT& json, const Path& path, int depth, pb::ListValue* out);

template <typename JsonT>
absl::Status ValueFrom(const JsonT& json, const Path& path, int depth, pb::Value* out) {
  using Type = nlohmann::detail::value_t;
  switch (json.type()) {
    case Type::null: out->set_null_value(pb::NULL_VALUE); return absl::OkStatus();
    case Type::boolean: out->set_bool_value(json.template get<bool>()); return absl::OkStatus();
    case Type::number_integer:
      out->set_number_value(static_cast<double>(json.template get<std::int64_t>()));
      return absl::OkStatus();
    case Type::number_unsigned:
      out->set_number_value(static_cast<double>(json.template get<std::uint64_t>()));
      return absl::OkStatus();
    case Type::number_float: {
      const double d = json.template get<double>();
      if (!std::isfinite(d)) return NotFinite(path, d);
      out->set_number_value(d);
      return absl::OkStatus();
    }
    case Type::string: {
      const auto& text = json.template get_ref<const typename JsonT::string_t&>();
      if (!IsValidUtf8(text)) return Error(path, "string is not valid UTF-8");
      if (HasNul(text)) return Error(path, "string contains a NUL character");
      out->set_string_value(text);
      return absl::OkStatus();
    }
    case Type::array: return ListFrom(json, path, depth + 1, out->mutable_list_value());
    case Type::object: return StructFrom(json, path, depth + 1, out->mutable_struct_value());
    case Type::binary: return Error(path, "binary data has no google.protobuf.Value form");
    case Type::discarded: break;
  }
  return Error(path, "a discarded JSON value has no google.protobuf.Value form");
}

template <typename JsonT>
absl::Status StructFrom(const JsonT& json, const Path& path, int depth, pb::Struct* out) {
  if (depth > kMaxDepth) return TooDeep(path);
  auto& fields = *out->mutable_fields();
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (!IsValidUtf8(key)) return Error(path, "a key is not valid UTF-8");
    if (HasNul(key)) return Error(path, "a key contains a NUL character");
    const Path child{&path, key};
    if (absl::Status st = ValueFrom(it.value(), child, depth, &fields[key]); !st.ok()) return st;
  }
  return absl::OkStatus();
}

template <typename JsonT>
absl::Status ListFrom(const JsonT& json, const Path& path, int depth, pb::ListValue* out) {
  if (depth > kMaxDepth) return TooDeep(path);
  out->mutable_values()->Reserve(static_cast<int>(json.size()));
  int i = 0;
  for (const JsonT& item : json) {
    const Path child{&path, {}, i++};
    if (absl::Status st = ValueFrom(item, child, depth, out->add_values()); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// Runs `convert` into a cleared *out, and clears *out again on failure.
template <typename Message, typename Fn>
absl::Status Into(Message* out, Fn&& convert) {
  out->Clear();
  absl::Status st = convert();
  if (!st.ok()) out->Clear();
  return st;
}

template <typename JsonT>
absl::Status JsonToStructImpl(const JsonT& json, pb::Struct* out, std::string_view path) {
  return Into(out, [&] {
    const Path root{nullptr, path};
    if (!json.is_object()) return Error(root, std::string("expected a JSON object, got ") + json.type_name());
    return StructFrom(json, root, 1, out);
  });
}

template <typename JsonT>
absl::Status JsonToValueImpl(const JsonT& json, pb::Value* out, std::string_view path) {
  return Into(out, [&] { return ValueFrom(json, Path{nullptr, path}, 0, out); });
}

template <typename JsonT>
absl::Status JsonToListImpl(const JsonT& json, pb::ListValue* out, std::string_view path) {
  return Into(out, [&] {
    const Path root{nullptr, path};
    if (!json.is_array()) return Error(root, std::string("expected a JSON array, got ") + json.type_name());
    return ListFrom(json, root, 1, out);
  });
}

// --- JSON text -> Struct, without a DOM --------------------------------------

// nlohmann's SAX events turned straight into the Struct's messages (on its
// arena, if it has one): the text is read once and nothing is built twice.
// The lexer already refuses ill-formed UTF-8 and unpaired surrogates.
constexpr std::string_view kRepeatedKey = "a key appears more than once";

class StructSax {
 public:
  StructSax(pb::Struct* root, std::string_view path) : root_(root), path_(path) {}

  bool null() { return Put()->set_null_value(pb::NULL_VALUE), true; }
  bool boolean(bool b) { return Put()->set_bool_value(b), true; }
  bool number_integer(std::int64_t n) { return Put()->set_number_value(static_cast<double>(n)), true; }
  bool number_unsigned(std::uint64_t n) { return Put()->set_number_value(static_cast<double>(n)), true; }
  // Finite: the lexer reports an overflow (1e400) as a parse error.
  bool number_float(double d, const std::string&) { return Put()->set_number_value(d), true; }
  bool string(std::string& text) {
    if (HasNul(text)) Fail("string contains a NUL character");
    Put()->set_string_value(std::move(text));
    return true;
  }
  bool binary(nlohmann::json::binary_t&) {  // never from JSON text
    Fail("binary data has no google.protobuf.Value form");
    return false;
  }
  bool start_object(std::size_t) {
    if (frames_.empty()) {
      frames_.push_back(Frame{.s = root_});
      return true;
    }
    if (frames_.size() >= static_cast<size_t>(kMaxDepth)) Fail(TooDeepText());
    pb::Struct* s = Put()->mutable_struct_value();
    frames_.push_back(Frame{.s = s});
    return true;
  }
  bool key(std::string& k) {
    if (HasNul(k)) Fail("a key contains a NUL character", /*in_container=*/true);
    // nlohmann::json keeps the last of repeated keys, and stored JSON never
    // repeats one: a repeat is refused, whatever else is wrong.
    if (!repeated_ && frames_.back().s->fields().contains(k)) {
      repeated_ = true;
      error_ = absl::OkStatus();
      Fail(kRepeatedKey, /*in_container=*/true);
    }
    frames_.back().key = std::move(k);
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (frames_.empty()) {
      Fail("expected a JSON object, got array");
      frames_.push_back(Frame{.l = discard_.mutable_list_value()});
      return true;
    }
    if (frames_.size() >= static_cast<size_t>(kMaxDepth)) Fail(TooDeepText());
    pb::ListValue* l = Put()->mutable_list_value();
    frames_.push_back(Frame{.l = l});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error_ = Error(Path{nullptr, path_}, std::string("not valid JSON: ") + e.what());  // above any other
    return false;
  }

  absl::Status status() const { return error_; }

 private:
  struct Frame {
    pb::Struct* s = nullptr;    // an object, or
    pb::ListValue* l = nullptr;  // a list
    std::string key;             // the object's current key
    int index = -1;              // the list's current index
  };

  // Where the next value goes.
  pb::Value* Put() {
    if (frames_.empty()) {
      Fail("expected a JSON object");  // a scalar at the top
      return &discard_;
    }
    Frame& f = frames_.back();
    if (f.s != nullptr) return &(*f.s->mutable_fields())[f.key];
    ++f.index;
    return f.l->add_values();
  }
  std::string TooDeepText() const { return "nested more than " + std::to_string(kMaxDepth) + " levels deep"; }
  // Records the first error, at the value being read (a value not yet
  // placed: the next index of a list) or at its container. Reading goes on
  // to the end, so that a repeated key later on is still found.
  void Fail(std::string_view what, bool in_container = false) {
    if (!error_.ok()) return;
    std::vector<Path> chain;  // reserved: the pointers into it stay valid
    chain.reserve(frames_.size() + 1);
    chain.push_back(Path{nullptr, path_});
    const size_t n = in_container && !frames_.empty() ? frames_.size() - 1 : frames_.size();
    for (size_t i = 0; i < n; ++i) {
      const Frame& f = frames_[i];
      if (f.s != nullptr) {
        chain.push_back(Path{&chain.back(), f.key});
      } else {
        chain.push_back(Path{&chain.back(), {}, i + 1 == frames_.size() ? f.index + 1 : f.index});
      }
    }
    error_ = Error(chain.back(), what);
  }

  pb::Struct* root_;
  std::string_view path_;
  std::vector<Frame> frames_;
  pb::Value discard_;
  bool repeated_ = false;
  absl::Status error_;
};

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

template <typename JsonT>
absl::StatusOr<JsonT> StructToJson(const pb::Struct& s, std::string_view path) {
  JsonT out;
  if (absl::Status st = StructTo(s, Path{nullptr, path}, 1, &out); !st.ok()) return st;
  return out;
}

template <typename JsonT>
absl::StatusOr<JsonT> ValueToJson(const pb::Value& value, std::string_view path) {
  JsonT out;
  if (absl::Status st = ValueTo(value, Path{nullptr, path}, 0, &out); !st.ok()) return st;
  return out;
}

template <typename JsonT>
absl::StatusOr<JsonT> ListToJson(const pb::ListValue& list, std::string_view path) {
  JsonT out;
  if (absl::Status st = ListTo(list, Path{nullptr, path}, 1, &out); !st.ok()) return st;
  return out;
}

template absl::StatusOr<nlohmann::json> StructToJson<nlohmann::json>(const pb::Struct&, std::string_view);
template absl::StatusOr<nlohmann::ordered_json> StructToJson<nlohmann::ordered_json>(const pb::Struct&,
                                                                                     std::string_view);
template absl::StatusOr<nlohmann::json> ValueToJson<nlohmann::json>(const pb::Value&, std::string_view);
template absl::StatusOr<nlohmann::ordered_json> ValueToJson<nlohmann::ordered_json>(const pb::Value&,
                                                                                    std::string_view);
template absl::StatusOr<nlohmann::json> ListToJson<nlohmann::json>(const pb::ListValue&, std::string_view);
template absl::StatusOr<nlohmann::ordered_json> ListToJson<nlohmann::ordered_json>(const pb::ListValue&,
                                                                                   std::string_view);

absl::Status JsonToStruct(const nlohmann::json& json, pb::Struct* out, std::string_view path) {
  return JsonToStructImpl(json, out, path);
}
absl::Status JsonToStruct(const nlohmann::ordered_json& json, pb::Struct* out, std::string_view path) {
  return JsonToStructImpl(json, out, path);
}
absl::Status JsonToValue(const nlohmann::json& json, pb::Value* out, std::string_view path) {
  return JsonToValueImpl(json, out, path);
}
absl::Status JsonToValue(const nlohmann::ordered_json& json, pb::Value* out, std::string_view path) {
  return JsonToValueImpl(json, out, path);
}
absl::Status JsonToList(const nlohmann::json& json, pb::ListValue* out, std::string_view path) {
  return JsonToListImpl(json, out, path);
}
absl::Status JsonToList(const nlohmann::ordered_json& json, pb::ListValue* out, std::string_view path) {
  return JsonToListImpl(json, out, path);
}

absl::Status JsonTextToStruct(std::string_view text, pb::Struct* out, std::string_view path) {
  out->Clear();
  StructSax sax(out, path);
  // sax_parse fails only through parse_error or binary, which set the status.
  (void)nlohmann::json::sax_parse(text, &sax);
  absl::Status st = sax.status();
  if (!st.ok()) out->Clear();
  return st;
}

}  // namespace cmdb::proto_util
