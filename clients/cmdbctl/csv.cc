// RFC 4180 CSV reading and writing (see csv.h).
#include "csv.h"

#include "client.h"

namespace cmdbctl {
namespace {

std::string QuotedField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool CsvReader::Next(std::vector<std::string>* fields) {
  if (in_.peek() == std::char_traits<char>::eof()) return false;
  record_line_ = next_line_;
  fields->assign(1, "");
  bool quoted = false;
  for (int c = in_.get(); c != std::char_traits<char>::eof(); c = in_.get()) {
    if (c == '\n') {
      ++next_line_;
      if (!quoted) return true;
    }
    if (quoted) {
      if (c == '"' && in_.peek() == '"') {
        fields->back() += static_cast<char>(in_.get());
      } else if (c == '"') {
        quoted = false;
      } else {
        fields->back() += static_cast<char>(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->emplace_back();
    } else if (c != '\r' || in_.peek() != '\n') {  // drop the CR of CRLF
      fields->back() += static_cast<char>(c);
    }
  }
  if (quoted) throw InvalidArgument("line " + std::to_string(record_line_) + ": a quoted field is not closed");
  return true;
}

std::string CsvRecord(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + QuotedField(fields[i]);
  return out + "\n";
}

}  // namespace cmdbctl
