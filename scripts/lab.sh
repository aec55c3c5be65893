#!/usr/bin/env bash
# The discovery lab: real SNMP agents on loopback addresses for the demo, the
# tests and the benchmarks. Recorded devices (tests/lab/snmprec) are served by
# snmpsimd, one loopback address per device; one recording is also served over
# SNMPv3 only by a second snmpsimd; Debian's snmpd answers on one more address.
# The address plan is tests/lab/devices.tsv; tests/lab/README.md describes it.
#
#   scripts/lab.sh start    start what is not running, wait until every device answers
#   scripts/lab.sh stop     stop everything the lab started
#   scripts/lab.sh status   what runs and which addresses answer; exit 0 when all is as planned
#
# Environment: CMDB_LAB_DIR    state directory (default /tmp/cmdb-lab; the index
#                              cache kept there makes restarts fast)
#              CMDB_LAB_SUBNET first three octets of the lab addresses (default
#                              127.0.1; must stay inside 127.0.0.0/8)
#              CMDB_LAB_WAIT   seconds start waits for the devices (default 180)
#              CMDB_LAB_VERBOSE=1  snmpsimd logs every request (in log/; halves its speed)
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
repo=$(pwd)

lab_dir=${CMDB_LAB_DIR:-/tmp/cmdb-lab}
subnet=${CMDB_LAB_SUBNET:-127.0.1}
wait_max=${CMDB_LAB_WAIT:-180}
verbose=${CMDB_LAB_VERBOSE:-0}
devices_tsv=$repo/tests/lab/devices.tsv
snmprec_dir=$repo/tests/lab/snmprec

# Fixed SNMPv3 engine IDs (also written in the notes of devices.tsv).
snmpsim_v3_engine_id=80004fb804636d64622d6c61622d7633     # "cmdb-lab-v3"; snmpsimd takes no 0x
snmpd_engine_id=0x80001f8804636d64622d6c61622d736e6d7064  # "cmdb-lab-snmpd"

run_dir=$lab_dir/run
log_dir=$lab_dir/log
cache_dir=$lab_dir/cache
v2c_pidfile=$run_dir/snmpsimd.pid
v3_pidfile=$run_dir/snmpsimd-v3.pid
snmpd_pidfile=$run_dir/snmpd.pid

say() { echo "lab: $*"; }
die() { echo "lab: $*" >&2; exit 1; }

usage() {
  echo "usage: scripts/lab.sh start|stop|status" >&2
  exit 2
}

# --- checks on the environment ------------------------------------------------

if [[ ! $subnet =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
   ((BASH_REMATCH[1] > 255 || BASH_REMATCH[2] > 255)); then
  die "CMDB_LAB_SUBNET must be three octets inside 127.0.0.0/8, like 127.0.1 (got '$subnet')"
fi
if [[ $lab_dir != /* || $lab_dir =~ [[:space:]:] ]]; then
  die "CMDB_LAB_DIR must be an absolute path without spaces or colons (got '$lab_dir')"
fi
[[ $wait_max =~ ^[0-9]+$ ]] || die "CMDB_LAB_WAIT must be a number of seconds (got '$wait_max')"
[[ $verbose == [01] ]] || die "CMDB_LAB_VERBOSE must be 0 or 1 (got '$verbose')"

# start and stop bind port 161 and switch users: they need root.
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "'$1' needs root (UDP port 161, process users)"
    exec sudo --preserve-env=CMDB_LAB_DIR,CMDB_LAB_SUBNET,CMDB_LAB_WAIT,CMDB_LAB_VERBOSE "$repo/scripts/lab.sh" "$1"
  fi
}

# --- the address plan -----------------------------------------------------------

# Parallel arrays, one entry per row of devices.tsv.
d_addr=() d_kind=() d_file=() d_comm=() d_user=() d_aproto=() d_apass=() d_pproto=() d_ppass=()

load_devices() {
  [[ -r $devices_tsv ]] || die "missing $devices_tsv"
  local addr kind file comm user aproto apass pproto ppass
  while IFS=$'\t' read -r addr kind file comm _ user aproto apass pproto ppass; do
    [[ -z $addr || $addr == \#* || $addr == address ]] && continue
    [[ $addr =~ ^127\.0\.1\.([0-9]{1,3})$ ]] || die "devices.tsv: bad address '$addr'"
    case $kind in
      snmpsim | snmpsim-v3)
        [[ -r $snmprec_dir/$file ]] || die "devices.tsv: $addr: no recording $snmprec_dir/$file" ;;
      snmpd | dead) ;;
      *) die "devices.tsv: $addr: unknown kind '$kind'" ;;
    esac
    d_addr+=("$subnet.${BASH_REMATCH[1]}")
    d_kind+=("$kind") d_file+=("$file") d_comm+=("$comm")
    d_user+=("$user") d_aproto+=("$aproto") d_apass+=("$apass") d_pproto+=("$pproto") d_ppass+=("$ppass")
  done <"$devices_tsv"
  ((${#d_addr[@]} > 0)) || die "devices.tsv lists no address"
}

# Indexes of the rows of one kind, in file order.
rows_of() {
  local i
  for i in "${!d_kind[@]}"; do
    if [[ ${d_kind[$i]} == "$1" ]]; then echo "$i"; fi
  done
}

# --- processes --------------------------------------------------------------------

# Prints the pid recorded in a pid file when that process is alive and its command
# line contains the marker (so a recycled pid is never taken for ours).
lab_pid() {
  local pidfile=$1 marker=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  echo "$pid"
}
v2c_pid() { lab_pid "$v2c_pidfile" "--data-dir=$lab_dir/data "; }
v3_pid() { lab_pid "$v3_pidfile" "--data-dir=$lab_dir/data-v3 "; }
snmpd_pid() { lab_pid "$snmpd_pidfile" "$lab_dir/snmpd/snmpd.conf"; }

stop_one() {
  local name=$1 pidfile=$2 pid
  shift 2
  if pid=$("$@"); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      say "killed $name (pid $pid)"
    else
      say "stopped $name (pid $pid)"
    fi
  fi
  rm -f "$pidfile"
}

# --- probing ------------------------------------------------------------------------

# The sysObjectID a row must return.
expected_oid() {
  local i=$1
  case ${d_kind[$i]} in
    snmpsim | snmpsim-v3)
      sed -n 's/^1\.3\.6\.1\.2\.1\.1\.2\.0|6|\(.*\)$/.\1/p' "$snmprec_dir/${d_file[$i]}" | head -n 1 ;;
    snmpd) echo ".1.3.6.1.4.1.8072.3.2.10" ;;
  esac
}

# net-snmp spells SHA-256, snmpsimd SHA256.
snmpsim_proto() { echo "${1//-/}" | tr '[:lower:]' '[:upper:]'; }

# Queries sysObjectID.0 of row i the way devices.tsv says it answers; prints "up",
# "wrong <oid>", "down" or, for a dead row, "silent" / "answers".
probe() {
  local i=$1 out args
  case ${d_kind[$i]} in
    snmpsim-v3)
      args=(-v3 -l authPriv -u "${d_user[$i]}" -a "${d_aproto[$i]}" -A "${d_apass[$i]}"
        -x "${d_pproto[$i]}" -X "${d_ppass[$i]}") ;;
    dead) args=(-v2c -c public -t 1 -r 0) ;;  # a silent address cannot turn out slow
    *) args=(-v2c -c "${d_comm[$i]}") ;;
  esac
  # Two tries of 2 s: the agents may be slow while the machine is busy.
  if out=$(snmpget -t 2 -r 1 "${args[@]}" -On -Oqv "${d_addr[$i]}" 1.3.6.1.2.1.1.2.0 2>/dev/null) &&
     [[ -n $out ]]; then
    if [[ ${d_kind[$i]} == dead ]]; then
      echo answers
    elif [[ $out == "$(expected_oid "$i")" ]]; then
      echo up
    else
      echo "wrong $out"
    fi
  else
    if [[ ${d_kind[$i]} == dead ]]; then echo silent; else echo down; fi
  fi
}

# Probes the given rows in parallel; fills result[i].
declare -A result=()
probe_rows() {
  local tmp i pids=()
  tmp=$(mktemp -d)
  for i in "$@"; do
    probe "$i" >"$tmp/$i" &
    pids+=($!)
  done
  if ((${#pids[@]})); then wait "${pids[@]}" || true; fi
  for i in "$@"; do result[$i]=$(<"$tmp/$i"); done
  rm -rf "$tmp"
}

# --- start ----------------------------------------------------------------------------

as_user=()   # snmpsimd options that drop root
owner=()     # chown target for what the agents write
prepare_dirs() {
  mkdir -p "$lab_dir" "$run_dir" "$log_dir" "$cache_dir" "$lab_dir/data" "$lab_dir/data-v3" "$lab_dir/snmpd"
  chmod 755 "$lab_dir" "$lab_dir/data" "$lab_dir/data-v3"
  if [[ $(id -u) -eq 0 ]]; then
    as_user=(--process-user=nobody --process-group=nogroup)
    owner=(nobody:nogroup)
    chown nobody:nogroup "$cache_dir" "$log_dir"
    # snmpsimd reads the recordings and writes its index as nobody.
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$lab_dir/data" -a -w "$cache_dir"; then
      die "user nobody cannot use $lab_dir (choose a CMDB_LAB_DIR every user may enter)"
    fi
  fi
}

# Copies a recording into the data directory only when it changed, so the index
# that snmpsimd keeps in the cache stays valid between starts. A changed file gets
# an mtime in the past and its old index is removed, so the index is rebuilt once.
# The served copy of a recording: the recorded sysUpTime.0 becomes snmpsim's
# numeric variation (rate 100/s from the recorded value), so uptime advances
# like a real agent's and a boot time derived from it stays put between scans.
served_copy() { # src dst
  sed -E 's/^(1\.3\.6\.1\.2\.1\.1\.3\.0)\|67\|([0-9]+)$/\1|67:numeric|rate=100,initial=\2/' "$1" >"$2"
}

sync_recording() {
  local src=$1 dst=$2 index
  served_copy "$src" "$dst.want"
  if ! cmp -s "$dst.want" "$dst"; then
    mv -f "$dst.want" "$dst.tmp"
    touch -d "@$(($(date +%s) - 60))" "$dst.tmp"
    mv -f "$dst.tmp" "$dst"
    index=${dst%.snmprec}.dbm
    rm -f "$cache_dir/${index//\//_}"*
  fi
  rm -f "$dst.want"
}

# Lays out data_dir/<community>/1.3.6.1.6.1.1.<n>.snmprec for the rows of a kind:
# snmpsimd serves that file to requests on its n-th endpoint (0-based). Sets
# endpoints to the endpoint options in the same order.
endpoints=()
layout() {
  local kind=$1 data_dir=$2 n=0 i sub want=() f
  endpoints=()
  for i in $(rows_of "$kind"); do
    if [[ $kind == snmpsim ]]; then sub=${d_comm[$i]}/; else sub=; fi
    mkdir -p "$data_dir/$sub"
    chmod 755 "$data_dir/$sub"
    sync_recording "$snmprec_dir/${d_file[$i]}" "$data_dir/${sub}1.3.6.1.6.1.1.$n.snmprec"
    want+=("$data_dir/${sub}1.3.6.1.6.1.1.$n.snmprec")
    endpoints+=("--agent-udpv4-endpoint=${d_addr[$i]}:161")
    n=$((n + 1))
  done
  # Recordings no longer in the plan must not be served.
  while IFS= read -r f; do
    [[ " ${want[*]} " == *" $f "* ]] || rm -f "$f"
  done < <(find "$data_dir" -name '*.snmprec' -type f)
}

# A running snmpsimd keeps serving the copies it started with: say so when the
# recordings or the plan changed since.
note_if_stale() { # kind data_dir
  local kind=$1 data_dir=$2 n=0 i sub
  for i in $(rows_of "$kind"); do
    if [[ $kind == snmpsim ]]; then sub=${d_comm[$i]}/; else sub=; fi
    if ! served_copy "$snmprec_dir/${d_file[$i]}" /dev/stdout | cmp -s - "$data_dir/${sub}1.3.6.1.6.1.1.$n.snmprec"; then
      say "note: the recordings changed since it started; to serve them: scripts/lab.sh stop && scripts/lab.sh start"
      return
    fi
    n=$((n + 1))
  done
}

log_file() { # name -> a log file the agents may write after dropping root
  local f=$log_dir/$1
  touch "$f"
  if ((${#owner[@]})); then chown "${owner[@]}" "$f"; fi
  echo "$f"
}

# snmpsimd logs every request and response when it logs at all, which halves its
# speed; by default only its errors (stderr, log/*.out) are kept.
snmpsim_logging() { # name
  if [[ $verbose == 1 ]]; then
    echo "--logging-method=file:$(log_file "$1"):1M"
  else
    echo "--logging-method=null"
  fi
}

start_snmpsim_v2c() {
  local pid
  if pid=$(v2c_pid); then
    say "snmpsimd (v1/v2c) already running, pid $pid"
    note_if_stale snmpsim "$lab_dir/data"
    return
  fi
  layout snmpsim "$lab_dir/data"
  ((${#endpoints[@]})) || return 0
  check_free "${endpoints[@]#--agent-udpv4-endpoint=}"
  say "starting snmpsimd for ${#endpoints[@]} recorded devices (v1/v2c)"
  echo "--- $(date -u '+%F %T') start" >>"$log_dir/snmpsimd.out"
  setsid /usr/bin/snmpsimd --v2c-arch "${as_user[@]}" \
    --data-dir="$lab_dir/data" --cache-dir="$cache_dir" \
    "$(snmpsim_logging snmpsimd.log)" \
    "${endpoints[@]}" </dev/null 9>&- >>"$log_dir/snmpsimd.out" 2>&1 &
  echo $! >"$v2c_pidfile"
  launched+=(v2c)
}

start_snmpsim_v3() {
  local users=() seen=" " i pid
  if pid=$(v3_pid); then
    say "snmpsimd (SNMPv3) already running, pid $pid"
    note_if_stale snmpsim-v3 "$lab_dir/data-v3"
    return
  fi
  layout snmpsim-v3 "$lab_dir/data-v3"
  ((${#endpoints[@]})) || return 0
  check_free "${endpoints[@]#--agent-udpv4-endpoint=}"
  # One engine serves every v3-only row; each user is configured once.
  for i in $(rows_of snmpsim-v3); do
    [[ $seen == *" ${d_user[$i]} "* ]] && continue
    seen+="${d_user[$i]} "
    users+=(--v3-user="${d_user[$i]}"
      --v3-auth-key="${d_apass[$i]}" --v3-auth-proto="$(snmpsim_proto "${d_aproto[$i]}")"
      --v3-priv-key="${d_ppass[$i]}" --v3-priv-proto="$(snmpsim_proto "${d_pproto[$i]}")")
  done
  say "starting snmpsimd for ${#endpoints[@]} recorded device(s) (SNMPv3 only)"
  echo "--- $(date -u '+%F %T') start" >>"$log_dir/snmpsimd-v3.out"
  setsid /usr/bin/snmpsimd --v3-only "${as_user[@]}" --cache-dir="$cache_dir" \
    "$(snmpsim_logging snmpsimd-v3.log)" \
    --v3-engine-id="$snmpsim_v3_engine_id" --data-dir="$lab_dir/data-v3" \
    "${users[@]}" "${endpoints[@]}" </dev/null 9>&- >>"$log_dir/snmpsimd-v3.out" 2>&1 &
  echo $! >"$v3_pidfile"
  launched+=(v3)
}

start_snmpd() {
  local rows i pid conf=$lab_dir/snmpd/snmpd.conf var=$lab_dir/snmpd/var run_as=()
  mapfile -t rows < <(rows_of snmpd)
  ((${#rows[@]})) || return 0
  ((${#rows[@]} == 1)) || die "devices.tsv: only one snmpd row is supported"
  i=${rows[0]}
  if pid=$(snmpd_pid); then
    say "snmpd already running, pid $pid"
    return
  fi
  # A fresh persistent directory each start: the v3 user comes from the config only.
  rm -rf "$var"
  mkdir -p "$var"
  if [[ $(id -u) -eq 0 ]]; then
    chown Debian-snmp:Debian-snmp "$var"
    run_as=(-u Debian-snmp -g Debian-snmp)
  fi
  cat >"$conf" <<EOF
# Debian snmpd configuration for the discovery lab, written by scripts/lab.sh on each start.
# A real agent on ${d_addr[$i]}: SNMP v1/v2c community ${d_comm[$i]} and SNMPv3 user ${d_user[$i]} (authPriv).
agentAddress udp:${d_addr[$i]}:161
exactEngineID $snmpd_engine_id
sysName cmdb-lab-snmpd
sysDescr Linux cmdb-lab-snmpd $(uname -r) $(uname -m) (Debian snmpd in the CMDB discovery lab)
sysLocation CMDB discovery lab, ${d_addr[$i]}
sysContact cmdb-lab@localhost
sysServices 72
# The standard MIBs (mib-2: system, interfaces, IP-MIB, IF-MIB, HOST-RESOURCES-MIB, ...)
# and the SNMP engine group; not the host's kernel or process command lines.
view labview included .1.3.6.1.2.1
view labview excluded .1.3.6.1.2.1.25.1.4
view labview excluded .1.3.6.1.2.1.25.4.2.1.5
view labview included .1.3.6.1.6.3.10.2.1
rocommunity ${d_comm[$i]} 127.0.0.0/8 -V labview
createUser ${d_user[$i]} ${d_aproto[$i]} "${d_apass[$i]}" ${d_pproto[$i]} "${d_ppass[$i]}"
rouser ${d_user[$i]} priv -V labview
# No log line for every request.
dontLogTCPWrappersConnects yes
EOF
  check_free "${d_addr[$i]}"
  say "starting snmpd on ${d_addr[$i]}"
  rm -f "$snmpd_pidfile"
  launched+=(snmpd)
  if ! SNMP_PERSISTENT_DIR=$var MIBS='' /usr/sbin/snmpd -C -c "$conf" -Lf "$(log_file snmpd.log)" \
      -p "$snmpd_pidfile" "${run_as[@]}" -I -smux,mteTrigger,mteTriggerConf </dev/null 9>&-; then
    tail -n 20 "$log_dir/snmpd.log" >&2
    die "snmpd did not start (log: $log_dir/snmpd.log)"
  fi
  # snmpd writes its pid file from the daemonised child.
  for _ in $(seq 1 50); do
    snmpd_pid >/dev/null && return 0
    sleep 0.1
  done
  tail -n 20 "$log_dir/snmpd.log" >&2
  die "snmpd did not start (log: $log_dir/snmpd.log)"
}

# snmpsimd binds with SO_REUSEADDR, so a second agent on an address in use would
# start without error and steal part of its traffic: check the addresses first.
check_free() { # address...
  local bound a
  bound=$(ss -Hlun 2>/dev/null | awk '{print $4}')
  for a in "$@"; do
    a=${a%:161}
    if grep -qxF -e "$a:161" -e "0.0.0.0:161" -e "*:161" -e "[::]:161" <<<"$bound"; then
      die "UDP $a:161 is already in use (another lab, or an agent on all addresses?); see: ss -ulpn"
    fi
  done
}

# What this start launched, stopped again when the start fails.
launched=()
undo_start() {
  local rc=$?
  trap - EXIT
  if ((rc != 0 && ${#launched[@]})); then
    echo "lab: start failed; stopping what it started (logs stay in $log_dir)" >&2
    for c in "${launched[@]}"; do
      case $c in
        v2c) stop_one "snmpsimd (v1/v2c)" "$v2c_pidfile" v2c_pid ;;
        v3) stop_one "snmpsimd (SNMPv3)" "$v3_pidfile" v3_pid ;;
        snmpd) stop_one snmpd "$snmpd_pidfile" snmpd_pid ;;
      esac
    done >&2
  fi
  exit "$rc"
}

show_logs() {
  local f
  for f in snmpsimd.out snmpsimd.log snmpsimd-v3.out snmpsimd-v3.log snmpd.log; do
    if [[ -s $log_dir/$f ]]; then
      echo "--- last lines of $log_dir/$f" >&2
      tail -n 15 "$log_dir/$f" >&2
    fi
  done
}

# Every component that has rows must still be alive while we wait.
check_alive() {
  if [[ -n $(rows_of snmpsim) ]] && ! v2c_pid >/dev/null; then echo "snmpsimd (v1/v2c)"; fi
  if [[ -n $(rows_of snmpsim-v3) ]] && ! v3_pid >/dev/null; then echo "snmpsimd (SNMPv3)"; fi
  if [[ -n $(rows_of snmpd) ]] && ! snmpd_pid >/dev/null; then echo "snmpd"; fi
}

wait_for_devices() {
  local pending=() next i started=$SECONDS last=$SECONDS dead_ones
  for i in "${!d_kind[@]}"; do
    if [[ ${d_kind[$i]} != dead ]]; then pending+=("$i"); fi
  done
  while :; do
    probe_rows "${pending[@]}"
    next=()
    for i in "${pending[@]}"; do
      case ${result[$i]} in
        up) ;;
        wrong*) show_logs; die "${d_addr[$i]} answers with sysObjectID ${result[$i]#wrong }, expected $(expected_oid "$i")" ;;
        *) next+=("$i") ;;
      esac
    done
    pending=("${next[@]}")
    ((${#pending[@]} == 0)) && break
    dead_ones=$(check_alive)
    if [[ -n $dead_ones ]]; then
      show_logs
      die "exited during start: ${dead_ones//$'\n'/, }"
    fi
    if ((SECONDS - started >= wait_max)); then
      show_logs
      for i in "${pending[@]}"; do echo "lab: no answer from ${d_addr[$i]} (${d_kind[$i]} ${d_file[$i]})" >&2; done
      die "${#pending[@]} device(s) did not answer within ${wait_max}s"
    fi
    if ((SECONDS - last >= 10)); then
      say "waiting for ${#pending[@]} device(s) (the first start indexes the recordings) ..."
      last=$SECONDS
    fi
    sleep 1
  done
  local n_up=0 n_dead=0
  for i in "${!d_kind[@]}"; do
    if [[ ${d_kind[$i]} == dead ]]; then n_dead=$((n_dead + 1)); else n_up=$((n_up + 1)); fi
  done
  say "all $n_up devices answer on $subnet.0/24 ($((SECONDS - started))s); $n_dead address(es) planned silent"
}

cmd_start() {
  need_root start
  scripts/install-deps.sh
  load_devices
  mkdir -p "$lab_dir"
  # One start or stop at a time; the agents do not inherit the lock (9>&- below).
  exec 9>"$lab_dir/.lock"
  flock 9
  trap undo_start EXIT
  prepare_dirs
  start_snmpsim_v2c
  start_snmpsim_v3
  start_snmpd
  wait_for_devices
  # Planned-silent addresses must stay silent: a wildcard agent would break the plan.
  local i rows
  mapfile -t rows < <(rows_of dead)
  if ((${#rows[@]})); then
    probe_rows "${rows[@]}"
    for i in "${rows[@]}"; do
      [[ ${result[$i]} == silent ]] || die "${d_addr[$i]} should be silent but answers (an agent listening on 0.0.0.0:161?)"
    done
  fi
  trap - EXIT
}

# --- stop / status -------------------------------------------------------------------------

cmd_stop() {
  need_root stop
  [[ -d $lab_dir ]] || { say "nothing to stop ($lab_dir does not exist)"; return 0; }
  exec 9>"$lab_dir/.lock"
  flock 9
  stop_one snmpd "$snmpd_pidfile" snmpd_pid
  stop_one "snmpsimd (SNMPv3)" "$v3_pidfile" v3_pid
  stop_one "snmpsimd (v1/v2c)" "$v2c_pidfile" v2c_pid
  say "stopped"
}

cmd_status() {
  load_devices
  local pid i ok=0 bad=0 state
  if pid=$(v2c_pid); then say "snmpsimd (v1/v2c) running, pid $pid"; else say "snmpsimd (v1/v2c) not running"; fi
  if pid=$(v3_pid); then say "snmpsimd (SNMPv3) running, pid $pid"; else say "snmpsimd (SNMPv3) not running"; fi
  if pid=$(snmpd_pid); then say "snmpd running, pid $pid"; else say "snmpd not running"; fi
  probe_rows "${!d_kind[@]}"
  for i in "${!d_kind[@]}"; do
    state=${result[$i]}
    case $state in
      up | silent) ok=$((ok + 1)) ;;
      *) bad=$((bad + 1)) ;;
    esac
    printf '%-14s %-11s %-38s %s\n' "${d_addr[$i]}" "${d_kind[$i]}" "${d_file[$i]}" "$state"
  done
  if ((bad)); then
    say "$bad of $((ok + bad)) addresses not as planned"
    return 1
  fi
  say "all $((ok + bad)) addresses as planned"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
