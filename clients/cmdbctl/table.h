// Plain-text output for -o table: column-aligned tables and key/value
// listings, written to stdout.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cmdbctl {

// Ordered "key: value" pairs.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Rows are collected, then printed with every column padded to its widest
// cell (the last column is not padded), separated by two spaces. Line
// breaks and tabs in cells (and in key/value values below) print as \n and
// \t so every row stays on one line.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // A row with fewer cells than headers is padded with empty cells.
  void AddRow(std::vector<std::string> cells);
  void Print() const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] holds the headers
};

// "key:  value" lines, the keys padded to the same width.
void PrintKeyValues(const KeyValues& pairs);

// "title:" followed by the pairs as indented "key:  value" lines; nothing
// when `pairs` is empty.
void PrintSection(const std::string& title, const KeyValues& pairs);

// A text cell for a boolean: "yes" or "" (so tables stay quiet).
std::string YesOrEmpty(bool value);

}  // namespace cmdbctl
