// CSV as in RFC 4180: comma-separated fields, double-quoted when they hold
// a comma, quote or line break ("" for a quote inside quotes). Lines may end
// in LF or CRLF.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace cmdbctl {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Reads the next record into `fields`. Returns false at the end of the
  // input. Throws an INVALID_ARGUMENT cmdbctl::Error on a quoted field that
  // never ends.
  bool Next(std::vector<std::string>* fields);

  // The line number (from 1) where the last record read starts.
  int line() const { return record_line_; }

 private:
  std::istream& in_;
  int next_line_ = 1;
  int record_line_ = 0;
};

// A record as one line of CSV (with a final "\n").
std::string CsvRecord(const std::vector<std::string>& fields);

}  // namespace cmdbctl
