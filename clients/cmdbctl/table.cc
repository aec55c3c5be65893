// Aligned text tables (see table.h).
#include "table.h"

#include <algorithm>
#include <iostream>

namespace cmdbctl {
namespace {

// Display width: UTF-8 code points, not bytes.
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// A cell on one line: line breaks and tabs shown as \n and \t.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

}  // namespace

Table::Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void Table::AddRow(std::vector<std::string> cells) {
  for (auto& cell : cells) cell = OneLine(cell);
  cells.resize(std::max(cells.size(), rows_[0].size()));
  rows_.push_back(std::move(cells));
}

void Table::Print() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << "\n";
  }
}

void PrintKeyValues(const KeyValues& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) width = std::max(width, Width(key));
  for (const auto& [key, value] : pairs) {
    std::cout << key << ":" << std::string(width - Width(key) + 2, ' ') << OneLine(value) << "\n";
  }
}

void PrintSection(const std::string& title, const KeyValues& pairs) {
  if (pairs.empty()) return;
  std::cout << title << ":\n";
  KeyValues indented;
  for (const auto& [key, value] : pairs) indented.emplace_back("  " + key, value);
  PrintKeyValues(indented);
}

std::string YesOrEmpty(bool value) { return value ? "yes" : ""; }

}  // namespace cmdbctl
