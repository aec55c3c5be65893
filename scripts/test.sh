#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Tests start what
# they need themselves (a throwaway PostgreSQL cluster, in-process servers,
# cmdbd processes), all on loopback or Unix sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@"
