#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Tests start what
# they need themselves (a throwaway PostgreSQL cluster, in-process servers,
# cmdbd and cmdb-discovery processes, SNMP agents), all on loopback or Unix
# sockets; the discovery lab (scripts/lab.sh) is started here first and
# stopped when the tests end.
#   scripts/test.sh                                 everything: every test
#                   (with the fuzz build at low priority alongside), then
#                   each fuzz target for CMDB_FUZZ_SECONDS (default 5; 0
#                   skips) over its seed corpus (scripts/fuzz.sh)
#   scripts/test.sh [ctest args]                    the tests ctest selects
#   scripts/test.sh --sanitize address [ctest args] the unit, api and db tests
#                   built with AddressSanitizer and UBSan into build-address/
#   scripts/test.sh --sanitize thread [ctest args]  the same with
#                   ThreadSanitizer into build-thread/ (the change feed and
#                   WatchChanges are among the db and api tests)
# A sanitizer report fails the test that triggered it.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=""
if [[ "${1:-}" == "--sanitize" ]]; then
  sanitize="${2:-}"
  shift 2 || true
elif [[ "${1:-}" == --sanitize=* ]]; then
  sanitize="${1#*=}"
  shift
fi
fuzz_seconds="${CMDB_FUZZ_SECONDS:-5}"
[[ $fuzz_seconds =~ ^[0-9]+$ ]] || { echo "test: CMDB_FUZZ_SECONDS must be a number (got '$fuzz_seconds')" >&2; exit 2; }
scripts/install-deps.sh
if [[ -n "$sanitize" ]]; then
  case "$sanitize" in
    address|thread) ;;
    *) echo "test: --sanitize takes address or thread, not \"$sanitize\"" >&2; exit 2 ;;
  esac
  dir="build-$sanitize"
  # -O1: instrumented code builds faster and still inlines enough to run
  # the tests in reasonable time. No benchmarks.
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
    -DCMDB_SANITIZE="$sanitize" -DCMDB_BUILD_TESTS=ON -DCMDB_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j "$(nproc)"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
  export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}"
  cd "$dir"
  ctest --output-on-failure -j "$(nproc)" --timeout 1800 -L 'unit|api|db' "$@"
  exit 0
fi
scripts/build.sh
scripts/lab.sh start
lab="$(pwd)/scripts/lab.sh"
fuzz_build=""
cleanup() {
  "$lab" stop >/dev/null 2>&1 || true
  if [[ -n "$fuzz_build" ]]; then kill -- "-$fuzz_build" 2>/dev/null || true; fi
}
trap cleanup EXIT
# The instrumented fuzz build runs at the lowest priority while the tests
# do: much of their time is spent waiting on agents and timeouts, which it
# fills, and the tests still get the processors whenever they want them.
if (($# == 0 && fuzz_seconds > 0)); then
  set -m
  nice -n 19 scripts/fuzz.sh --build-only >build/fuzz-build.log 2>&1 &
  fuzz_build=$!
  set +m
fi
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 1800 "$@"
cd ..
if [[ -n "$fuzz_build" ]]; then
  "$lab" stop >/dev/null 2>&1 || true
  rc=0
  wait "$fuzz_build" || rc=$?
  fuzz_build=""
  cat build/fuzz-build.log
  if ((rc != 0)); then echo "test: the fuzz build failed (exit $rc)" >&2; exit "$rc"; fi
  scripts/fuzz.sh --seconds "$fuzz_seconds"
fi
