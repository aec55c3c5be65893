#!/usr/bin/env bash
# Builds with CMake into build/; binaries land in build/bin/.
#   scripts/build.sh                 everything (server, client, tests, benchmarks)
#   scripts/build.sh cmdbd cmdbctl   only these targets
# CMAKE_BUILD_TYPE (default RelWithDebInfo) and CMAKE_ARGS pass through.
# RelWithDebInfo here is -O2 with line tables only (-g1): backtraces and
# profiles still name files and lines, and the build takes about a third
# less time than with full debug information (objects are a quarter of the
# size). For a debugger session with variables, use CMAKE_BUILD_TYPE=Debug.
set -euo pipefail
cd "$(dirname "$0")/.."
# Options are set explicitly so a cached value from an earlier run cannot
# silently drop the tests.
# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DCMDB_BUILD_TESTS=ON -DCMDB_BUILD_BENCH=ON ${CMAKE_ARGS:-}
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
