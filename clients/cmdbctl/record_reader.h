// The line-oriented input formats cmdbctl reads (import, reconcile), as
// JSON objects, plus checks on those objects. No server calls: CSV typing
// gets class schemas through a lookup function.
//
// Errors are INVALID_ARGUMENT cmdbctl::Errors; those about a line start
// with "line N: ".
#pragma once

#include <functional>
#include <istream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "attr_parse.h"
#include "client.h"
#include "json_format.h"

namespace cmdbctl {

// The attribute types of a class (may throw cmdbctl::Error).
using SchemaLookup = std::function<const AttributeTypes&(const std::string& class_name)>;

// Called with each record and the line (from 1) where it starts.
using RecordVisitor = std::function<void(int line, const Json& object)>;

// Runs `fn`, prefixing "line N: " to the message of an Error it throws.
template <typename Fn>
void AtLine(int line, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    throw Error(e.code(), "line " + std::to_string(line) + ": " + e.what());
  }
}

// The input format of FILE: `format` when given, else "csv" for *.csv,
// else "jsonl".
std::string InputFormat(const std::string& file, const std::string& format);

// Calls `read` with FILE opened ("-": stdin); an Error it throws gets
// "FILE: " in front. Throws when FILE cannot be opened.
void ReadInput(const std::string& file, const std::function<void(std::istream& in)>& read);

// JSON Lines: each non-blank line must be a JSON object. Errors thrown by
// `visit` get the line too.
void ForEachJsonLine(std::istream& in, const RecordVisitor& visit);

// CSV with a header row (which must name the columns class and name, each
// column once). Each non-blank row becomes an object with the non-empty
// cells of `field_columns` as strings and the other non-empty cells under
// "attributes", typed by the schema of the row's class (see TypedValue).
// An empty cell is absent. A row without a class is an error.
void ForEachCsvRecord(std::istream& in, const std::set<std::string>& field_columns, const SchemaLookup& schema,
                      const RecordVisitor& visit);

// The string under `key` of `object`; "" when absent or null. Throws when
// it is not a string.
std::string StringField(const Json& object, const std::string& key);

// Throws naming the first key of `object` not in `allowed`.
void CheckKeys(const Json& object, const std::set<std::string>& allowed);

// Throws `"key" is required` when `value` is empty.
void RequireNonEmpty(const std::string& value, const std::string& key);

// "FILE: line N: <message>" for an error the server reported about entry
// K of a request list ("creates[K]...", "items[K]..."), where
// (*lines.at(list))[K] is that entry's line; else `e` as it is.
Error WithEntryLine(const Error& e, const std::string& file,
                    const std::map<std::string, const std::vector<int>*>& lines);

}  // namespace cmdbctl
