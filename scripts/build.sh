#!/usr/bin/env bash
# Builds with CMake into build/; binaries land in build/bin/.
#   scripts/build.sh                 everything (server, client, tests, benchmarks)
#   scripts/build.sh cmdbd cmdbctl   only these targets
# CMAKE_BUILD_TYPE (default RelWithDebInfo) and CMAKE_ARGS pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
# Options are set explicitly so a cached value from an earlier run cannot
# silently drop the tests.
# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  -DCMDB_BUILD_TESTS=ON -DCMDB_BUILD_BENCH=ON ${CMAKE_ARGS:-}
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
