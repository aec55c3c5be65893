#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, and runs each for a while on a
# copy of its seed corpus.
#   scripts/fuzz.sh                          every target, 60 s each
#   scripts/fuzz.sh --seconds 15 filter snmp these targets, 15 s each
#   scripts/fuzz.sh --build-only             build them, run nothing
# Exits non-zero when a target finds a crash, a sanitizer report, a leak, a
# timeout or an out-of-memory input, naming the target and the input, which
# is kept under build-fuzz/artifacts/<target>/. The checked-in corpora are
# only read: what a run adds stays in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
build_only=0
targets=()
while (($# > 0)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(filter page_token attributes import reconcile snmp rules http_rules http_response redfish certificate)
if ((${#targets[@]} == 0)); then targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
  if [[ ! -f "tests/fuzz/${t}_fuzz.cc" ]]; then
    echo "fuzz: no target \"$t\" (have: ${all[*]})" >&2
    exit 2
  fi
done

# The longest input a target is given: the size of what it parses in
# practice, with room to spare (kMaxFilterLength is 4096; a Redfish
# system resource is about 5 KB, and redfish reads several at once).
max_len() {
  case "$1" in
    filter) echo 4200 ;;
    page_token) echo 2048 ;;
    redfish) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# clang and the libFuzzer runtime are among the project's packages.
scripts/install-deps.sh

# -O1 and line tables only: instrumented code builds faster and still gives
# stack traces with lines. The server, tests and benchmarks are not built.
build_start=$SECONDS
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DCMDB_BUILD_FUZZ=ON -DCMDB_BUILD_TESTS=OFF -DCMDB_BUILD_BENCH=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "${t}_fuzz"); done
cmake --build build-fuzz -j "$(nproc)" "${build_targets[@]}"
echo "fuzz: build took $((SECONDS - build_start)) s"
if ((build_only)); then exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  mkdir -p "$corpus"
  cp -r "tests/fuzz/corpus/$t/." "$corpus/"
  args=(-max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/$t/")
  if [[ -f "tests/fuzz/dict/$t.dict" ]]; then args+=(-dict="tests/fuzz/dict/$t.dict"); fi
  log="$work/$t.log"
  echo "fuzz: $t for ${seconds} s"
  start=$SECONDS
  rc=0
  "build-fuzz/bin/${t}_fuzz" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  elapsed=$((SECONDS - start))
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  artifacts=()
  for f in "$work/$t"/{crash,leak,timeout,oom}-*; do
    [[ -e "$f" ]] && artifacts+=("$f")
  done
  crashes=0
  if ((rc != 0 || ${#artifacts[@]} > 0)); then
    crashes=$((${#artifacts[@]} > 0 ? ${#artifacts[@]} : 1))
    keep="build-fuzz/artifacts/$t"
    mkdir -p "$keep"
    cp "$log" "$keep/"
    kept=()
    for f in "${artifacts[@]}"; do cp "$f" "$keep/" && kept+=("$keep/$(basename "$f")"); done
    tail -n 60 "$log" >&2
    echo "fuzz: $t FAILED (exit $rc): ${kept[*]:-no input saved}; log: $keep/$t.log" >&2
    failed+=("$t")
  fi
  summary+=("$(printf '%-13s %6s s  %10s runs  cov %6s  crashes %s' "$t" "$elapsed" "${runs:-?}" "${cov:-?}" \
    "$crashes")")
done

echo "fuzz: results"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]} (inputs under build-fuzz/artifacts/)" >&2
  exit 1
fi
