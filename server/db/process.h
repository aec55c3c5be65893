// Runs helper programs (initdb, pg_ctl) to completion, optionally as another
// user when the server runs as root.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cmdb::db {

struct ProcessOptions {
  // Run as this user (needs root); empty: as ourselves.
  std::string user;
};

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (looked up in PATH when it has no slash) with argv, in a new
// session, with default signal handling, and waits for it. INTERNAL when it
// cannot be started; a non-zero exit is reported in the result, not as an error.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// True when this process runs as root.
bool RunningAsRoot();

}  // namespace cmdb::db
