// Shared CLI11 validators and flags (see cli_util.h).
#include "cli_util.h"

#include <cstdlib>

#include "attr_parse.h"
#include "json_format.h"

namespace cmdbctl {

const CLI::Validator kPositive(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(value > 0)) return "must be a number above 0, got \"" + text + "\"";
      return "";
    },
    "POSITIVE");
const CLI::Validator kRfc3339 = Checking("RFC3339", [](const std::string& t) { ParseTime(t, ""); });
const CLI::Validator kAssignment = Checking("NAME=VALUE", [](const std::string& t) { SplitAssignment(t); });
const CLI::Validator kAttributeSpec = Checking("NAME:TYPE", [](const std::string& t) { ParseAttributeSpec(t); });
const CLI::Validator kDuration = Checking("DURATION", [](const std::string& t) { ParseDuration(t, ""); });

void ChangeFlags::AddTo(CLI::App* cmd) {
  cmd->add_option("--comment", comment, "Why: stored with the change");
  cmd->add_option("--ref", ref, "External reference, e.g. a change ticket id");
}

cmdb::v1::ChangeContext ChangeFlags::Proto() const {
  cmdb::v1::ChangeContext change;
  change.set_comment(comment);
  change.set_external_ref(ref);
  return change;
}

CLI::Option* AddAttrOption(CLI::App* cmd, std::vector<std::string>* values, const std::string& help) {
  return cmd->add_option("--attr", *values, help)->allow_extra_args(false)->check(kAssignment);
}

}  // namespace cmdbctl
