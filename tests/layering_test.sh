#!/usr/bin/env bash
# Checks the layering of the sources (docs/ARCHITECTURE.md, "Folders and what
# they may depend on"). Prints every offending line and exits 1 if any.
#   layering_test.sh SOURCE_DIR
set -uo pipefail
root=${1:?usage: layering_test.sh SOURCE_DIR}
cd "$root" || exit 2
failed=0

# forbid DESCRIPTION PATTERN PATH...: no line matching PATTERN in PATH...
forbid() {
  local what=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cc' "$pattern" "$@" 2>/dev/null)
  if [[ -n $hits ]]; then
    echo "FAIL: $what"
    echo "$hits" | sed 's/^/  /'
    failed=1
  else
    echo "ok: $what"
  fi
}

forbid "libpqxx only inside server/db" 'pqxx' server/core server/service server/api server/main.cc clients discovery
forbid "api/ depends on service/ and core/, never db/" '#include "db/' server/api
forbid "core/ is pure: no db/, service/ or api/" '#include "(db|service|api)/' server/core
forbid "db/ knows nothing of service/ or api/" '#include "(service|api)/' server/db
forbid "service/ knows nothing of api/" '#include "api/' server/service
forbid "db/sql.h (running SQL) stays inside server/db" '#include "db/(sql|rows|sql_util)\.h"' server/core server/service server/api server/main.cc
forbid "clients and discovery never include server code" '#include "(core|db|service|api)/' clients discovery
forbid "libcurl only inside discovery/http" '#include <curl/' server clients discovery/snmp discovery/mib discovery/classify discovery/findings discovery/worker

exit $failed
