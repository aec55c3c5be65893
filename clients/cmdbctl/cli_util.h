// CLI11 pieces the command files share: flag syntax checks (a failed check
// is a usage error, exit 2) and the --comment/--ref pair of write commands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "client.h"
#include "cmdb/v1/resources.pb.h"

namespace cmdbctl {

// A validator from a function that throws cmdbctl::Error on bad text (the
// error's message becomes the usage error).
template <typename Parse>
CLI::Validator Checking(const std::string& name, Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return "";
        } catch (const Error& e) {
          return e.what();
        }
      },
      name);
}

// Accepts numbers above 0.
extern const CLI::Validator kPositive;
// Accepts RFC 3339 times, e.g. 2026-11-21T12:00:00Z.
extern const CLI::Validator kRfc3339;
// Accepts NAME=VALUE (VALUE may be empty).
extern const CLI::Validator kAssignment;
// Accepts NAME:TYPE[:required][:indexed].
extern const CLI::Validator kAttributeSpec;
// Accepts durations such as 90s, 30m, 12h, 7d and 0 (see ParseDuration).
extern const CLI::Validator kDuration;

// --comment and --ref of a write command.
struct ChangeFlags {
  std::string comment;
  std::string ref;

  // Adds --comment TEXT and --ref TICKET to `cmd`.
  void AddTo(CLI::App* cmd);
  cmdb::v1::ChangeContext Proto() const;
};

// Adds a repeatable `--attr NAME=VALUE` (one value per occurrence).
CLI::Option* AddAttrOption(CLI::App* cmd, std::vector<std::string>* values, const std::string& help);

}  // namespace cmdbctl
