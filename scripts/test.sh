#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Tests start what
# they need themselves (a throwaway PostgreSQL cluster, in-process servers,
# cmdbd and cmdb-discovery processes, SNMP agents), all on loopback or Unix
# sockets; the discovery lab (scripts/lab.sh) is started here first and
# stopped when the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/lab.sh start
lab="$(pwd)/scripts/lab.sh"
trap '"$lab" stop >/dev/null 2>&1 || true' EXIT
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 1800 "$@"
