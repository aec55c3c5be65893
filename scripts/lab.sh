#!/usr/bin/env bash
# The discovery lab: real SNMP agents and HTTP/TLS endpoints on loopback
# addresses for the demo, the tests and the benchmarks. Recorded devices
# (tests/lab/snmprec) are served by snmpsimd, one loopback address per device;
# one recording is also served over SNMPv3 only by a second snmpsimd; Debian's
# snmpd answers on one more address. nginx serves web pages, Redfish mockups
# and look-alike services over HTTP and HTTPS with certificates of a lab CA
# made at the first start; scripts/lab_http_faults.py serves the endpoints
# that misbehave. The address plans are tests/lab/devices.tsv (SNMP) and
# tests/lab/http.tsv (HTTP); tests/lab/README.md describes them.
#
#   scripts/lab.sh start         start what is not running, wait until every device and endpoint answers
#   scripts/lab.sh stop          stop everything the lab started
#   scripts/lab.sh status        what runs and which addresses answer; exit 0 when all is as planned
#   scripts/lab.sh restart-http  restart the HTTP part alone (nginx and the fault server)
#
# Environment: CMDB_LAB_DIR    state directory (default /tmp/cmdb-lab; the index
#                              cache kept there makes restarts fast)
#              CMDB_LAB_SUBNET first three octets of the SNMP addresses (default
#                              127.0.1; must stay inside 127.0.0.0/8)
#              CMDB_LAB_HTTP_SUBNET  the same for the HTTP addresses (default 127.0.2)
#              CMDB_LAB_WAIT   seconds start waits for the devices (default 180)
#              CMDB_LAB_VERBOSE=1  snmpsimd logs every request (in log/; halves its
#                              speed), nginx writes an access log
#              CMDB_LAB_RENEW_CERTS=1  start and restart-http make new leaf
#                              certificates (new keys and serials, same lab CA);
#                              =all makes a new lab CA too. Otherwise the
#                              certificates are kept between starts.
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
repo=$(pwd)

lab_dir=${CMDB_LAB_DIR:-/tmp/cmdb-lab}
subnet=${CMDB_LAB_SUBNET:-127.0.1}
wait_max=${CMDB_LAB_WAIT:-180}
verbose=${CMDB_LAB_VERBOSE:-0}
http_subnet=${CMDB_LAB_HTTP_SUBNET:-127.0.2}
renew_certs=${CMDB_LAB_RENEW_CERTS:-0}
devices_tsv=$repo/tests/lab/devices.tsv
snmprec_dir=$repo/tests/lab/snmprec
http_tsv=$repo/tests/lab/http.tsv
redfish_dir=$repo/tests/lab/redfish

# Fixed SNMPv3 engine IDs (also written in the notes of devices.tsv).
snmpsim_v3_engine_id=80004fb804636d64622d6c61622d7633     # "cmdb-lab-v3"; snmpsimd takes no 0x
snmpd_engine_id=0x80001f8804636d64622d6c61622d736e6d7064  # "cmdb-lab-snmpd"

run_dir=$lab_dir/run
log_dir=$lab_dir/log
cache_dir=$lab_dir/cache
v2c_pidfile=$run_dir/snmpsimd.pid
v3_pidfile=$run_dir/snmpsimd-v3.pid
snmpd_pidfile=$run_dir/snmpd.pid
# The HTTP part: configuration, content and certificates under http/.
http_dir=$lab_dir/http
pki_dir=$http_dir/pki        # the lab CA's key and openssl's records (root only)
certs_dir=$http_dir/certs    # the leaf certificates and keys nginx serves
nginx_conf=$http_dir/nginx.conf
faults_script=$http_dir/lab_http_faults.py
nginx_pidfile=$run_dir/nginx.pid
faults_pidfile=$run_dir/http-faults.pid
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3 || echo /usr/bin/python3)

# Fixed lab-only credentials of the Redfish mockups (also in tests/lab/README.md).
redfish_user=labbmc
redfish_password=cmdb-lab-redfish

say() { echo "lab: $*"; }
die() { echo "lab: $*" >&2; exit 1; }

usage() {
  echo "usage: scripts/lab.sh start|stop|status|restart-http" >&2
  exit 2
}

# --- checks on the environment ------------------------------------------------

if [[ ! $subnet =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
   ((BASH_REMATCH[1] > 255 || BASH_REMATCH[2] > 255)); then
  die "CMDB_LAB_SUBNET must be three octets inside 127.0.0.0/8, like 127.0.1 (got '$subnet')"
fi
if [[ ! $http_subnet =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
   ((BASH_REMATCH[1] > 255 || BASH_REMATCH[2] > 255)); then
  die "CMDB_LAB_HTTP_SUBNET must be three octets inside 127.0.0.0/8, like 127.0.2 (got '$http_subnet')"
fi
[[ $renew_certs == 0 || $renew_certs == 1 || $renew_certs == all ]] ||
  die "CMDB_LAB_RENEW_CERTS must be 0, 1 or all (got '$renew_certs')"
if [[ $lab_dir != /* || $lab_dir =~ [[:space:]:] ]]; then
  die "CMDB_LAB_DIR must be an absolute path without spaces or colons (got '$lab_dir')"
fi
[[ $wait_max =~ ^[0-9]+$ ]] || die "CMDB_LAB_WAIT must be a number of seconds (got '$wait_max')"
[[ $verbose == [01] ]] || die "CMDB_LAB_VERBOSE must be 0 or 1 (got '$verbose')"

# start and stop bind ports 161, 80 and 443 and switch users: they need root.
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "'$1' needs root (ports 161, 80 and 443, process users)"
    exec sudo --preserve-env=CMDB_LAB_DIR,CMDB_LAB_SUBNET,CMDB_LAB_HTTP_SUBNET,CMDB_LAB_WAIT,CMDB_LAB_VERBOSE,CMDB_LAB_RENEW_CERTS \
      "$repo/scripts/lab.sh" "$1"
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

# The HTTP plan: parallel arrays, one entry per row of http.tsv (h_k: the last
# octet of the address, which names the row's content directory with the port).
h_addr=() h_k=() h_port=() h_scheme=() h_what=() h_cert=() h_verify=() h_alpn=() h_status=() h_title=() h_server=() h_notes=()

load_http() {
  [[ -r $http_tsv ]] || die "missing $http_tsv"
  local addr port scheme what cert verify alpn status title server notes k
  while IFS=$'\t' read -r addr port scheme what cert verify alpn status title server notes; do
    [[ -z $addr || $addr == \#* || $addr == address ]] && continue
    [[ $addr =~ ^127\.0\.2\.([0-9]{1,3})$ ]] || die "http.tsv: bad address '$addr'"
    k=${BASH_REMATCH[1]}
    [[ $port =~ ^[0-9]{1,5}$ ]] || die "http.tsv: $addr: bad port '$port'"
    case $what in
      page | https-redirect | prometheus-exporter | kubernetes-api | redirect-chain) ;;
      silent | endless-body | garbage) [[ $scheme == http ]] || die "http.tsv: $addr:$port: $what is plain TCP (scheme http)" ;;
      redfish:*)
        [[ -r $redfish_dir/${what#redfish:}/index.json ]] || die "http.tsv: $addr:$port: no mockup $redfish_dir/${what#redfish:}" ;;
      *) die "http.tsv: $addr:$port: unknown what '$what'" ;;
    esac
    case $scheme in
      https) cert_spec "$cert" >/dev/null || die "http.tsv: $addr:$port: unknown certificate '$cert'" ;;
      http) ;;
      *) die "http.tsv: $addr:$port: unknown scheme '$scheme'" ;;
    esac
    h_addr+=("$http_subnet.$k") h_k+=("$k") h_port+=("$port") h_scheme+=("$scheme") h_what+=("$what")
    h_cert+=("$cert") h_verify+=("$verify") h_alpn+=("$alpn") h_status+=("$status") h_title+=("$title")
    h_server+=("$server") h_notes+=("$notes")
  done <"$http_tsv"
  ((${#h_addr[@]} > 0)) || die "http.tsv lists no endpoint"
}

# The endpoints nginx serves and those of the fault server.
is_fault() { [[ $1 == silent || $1 == endless-body || $1 == garbage ]]; }
nginx_rows() {
  local i
  for i in "${!h_what[@]}"; do
    if ! is_fault "${h_what[$i]}"; then echo "$i"; fi
  done
}
fault_rows() {
  local i
  for i in "${!h_what[@]}"; do
    if is_fault "${h_what[$i]}"; then echo "$i"; fi
  done
}

# The certificates, one per line: name, issuer (ca: the lab CA; self:
# self-signed), key (ec: P-256; rsa: 2048 bits), common name, subject
# alternative names (@N: address N of the HTTP subnet), validity (valid: from
# a day before it is made, for 397 days; expired: 2020-01-01 to 2021-01-01).
cert_plan() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
    web1 ca ec web1.lab.test "IP:@1,DNS:web1.lab.test" valid \
    expired ca ec expired.lab.test "IP:@2,DNS:expired.lab.test" expired \
    selfsigned self rsa selfsigned.lab.test "IP:@3,DNS:selfsigned.lab.test" valid \
    wrongname ca ec other.lab.test "DNS:other.lab.test" valid \
    shared ca ec shared.lab.test "IP:@5,IP:@6,DNS:shared.lab.test" valid \
    bmc1 ca ec bmc1.lab.test "IP:@7,DNS:bmc1.lab.test" valid \
    bmc2 ca rsa bmc2.lab.test "IP:@8,DNS:bmc2.lab.test" valid \
    kube ca ec kube-apiserver \
    "IP:@10,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" valid
}
cert_spec() { # name -> its line of cert_plan; fails when there is none
  cert_plan | awk -F'\t' -v n="$1" '$1 == n { print; found = 1 } END { exit !found }'
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
nginx_pid() { lab_pid "$nginx_pidfile" "-c $nginx_conf "; }
faults_pid() { lab_pid "$faults_pidfile" "$faults_script "; }

# Alive, not merely exited and waiting to be reaped (a zombie).
running() {
  kill -0 "$1" 2>/dev/null && [[ $(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) != Z ]]
}

stop_one() {
  local name=$1 pidfile=$2 pid
  shift 2
  if pid=$("$@"); then
    kill -TERM "$pid" 2>/dev/null || true
    # Until it is gone, reaped too (init may take a moment), so that nothing of
    # the lab is left in the process table.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if running "$pid"; then
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

# Runs PROBE on the given rows in parallel; PROBE prints the row's state,
# which goes to the associative array named RESULT.
parallel_probe() { # PROBE RESULT row...
  local probe_fn=$1 tmp i pids=()
  local -n into=$2
  shift 2
  tmp=$(mktemp -d)
  for i in "$@"; do
    "$probe_fn" "$i" >"$tmp/$i" &
    pids+=($!)
  done
  if ((${#pids[@]})); then wait "${pids[@]}" || true; fi
  # shellcheck disable=SC2034,SC2004  # `into` names the caller's array
  for i in "$@"; do into[$i]=$(<"$tmp/$i"); done
  rm -rf "$tmp"
}

# Probes the given rows in parallel; fills result[i].
declare -A result=()
probe_rows() { parallel_probe probe result "$@"; }

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

# --- the HTTP part ---------------------------------------------------------------------

# Runs openssl; its messages go to log/openssl.log, whose tail is shown when it fails.
ossl() {
  if ! openssl "$@" </dev/null >>"$log_dir/openssl.log" 2>&1; then
    tail -n 20 "$log_dir/openssl.log" >&2
    die "openssl $1 failed (log: $log_dir/openssl.log)"
  fi
}

utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# An openssl configuration for one certificate: its subject, its extensions
# (section ext) and the lab CA that signs it.
write_openssl_conf() { # file common-name san kind(ca|leaf|self) key(ec|rsa)
  local file=$1 cn=$2 san=$3 kind=$4 usage=digitalSignature
  if [[ $5 == rsa ]]; then usage+=", keyEncipherment"; fi
  {
    cat <<EOF
# Written by scripts/lab.sh for the discovery lab's certificates.
[ req ]
distinguished_name = dn
prompt = no
utf8 = yes
[ dn ]
O = CMDB discovery lab
CN = $cn
[ ca ]
default_ca = lab_ca
[ lab_ca ]
database = $pki_dir/index.txt
new_certs_dir = $pki_dir/issued
certificate = $http_dir/ca.pem
private_key = $pki_dir/ca.key
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
organizationName = optional
commonName = supplied
[ ext ]
EOF
    case $kind in
      ca) printf '%s\n' "basicConstraints = critical, CA:TRUE" "keyUsage = critical, keyCertSign, cRLSign" \
        "subjectKeyIdentifier = hash" ;;
      *)
        printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, $usage" \
          "extendedKeyUsage = serverAuth" "subjectKeyIdentifier = hash"
        if [[ $kind == leaf ]]; then echo "authorityKeyIdentifier = keyid"; fi
        echo "subjectAltName = $san" ;;
    esac
  } >"$file"
}

key_args() { # ec|rsa -> the openssl req options that make such a key
  if [[ $1 == rsa ]]; then echo "-newkey rsa:2048"; else echo "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"; fi
}

# The lab CA: valid from 2019-01-01 (before the expired leaf) for 20 years from now.
make_ca() {
  local cnf=$pki_dir/ca.cnf keyargs
  read -ra keyargs <<<"$(key_args ec)"
  write_openssl_conf "$cnf" "CMDB Lab CA" "" ca ec
  rm -rf "$pki_dir/issued" "$pki_dir"/index.txt*
  mkdir -p "$pki_dir/issued"
  : >"$pki_dir/index.txt"
  ossl req -new -config "$cnf" "${keyargs[@]}" -nodes -keyout "$pki_dir/ca.key.new" -out "$pki_dir/ca.csr"
  ossl ca -batch -config "$cnf" -selfsign -keyfile "$pki_dir/ca.key.new" -extensions ext -notext \
    -startdate 20190101000000Z -enddate "$(utc '+20 years')" -in "$pki_dir/ca.csr" -out "$http_dir/ca.pem.new"
  chmod 600 "$pki_dir/ca.key.new"
  chmod 644 "$http_dir/ca.pem.new"
  mv -f "$pki_dir/ca.key.new" "$pki_dir/ca.key"
  mv -f "$http_dir/ca.pem.new" "$http_dir/ca.pem"
}

# A leaf: a new key and a new certificate (random serial) in certs/<name>.pem and .key.
make_leaf() { # name issuer key common-name san validity
  local name=$1 issuer=$2 key=$3 cnf=$pki_dir/$1.cnf start end keyargs kind=leaf
  local crt=$certs_dir/$1.pem priv=$certs_dir/$1.key
  read -ra keyargs <<<"$(key_args "$key")"
  if [[ $issuer == self ]]; then kind=self; fi
  write_openssl_conf "$cnf" "$4" "$5" "$kind" "$key"
  if [[ $6 == expired ]]; then
    start=20200101000000Z end=20210101000000Z
  else
    start=$(utc '-1 day') end=$(utc '+397 days')
  fi
  ossl req -new -config "$cnf" "${keyargs[@]}" -nodes -keyout "$priv.new" -out "$pki_dir/$name.csr"
  if [[ $issuer == self ]]; then
    # Signed with its own key: the issuer is its subject.
    ossl ca -batch -config "$cnf" -selfsign -keyfile "$priv.new" -extensions ext -notext \
      -startdate "$start" -enddate "$end" -in "$pki_dir/$name.csr" -out "$crt.new"
  else
    ossl ca -batch -config "$cnf" -extensions ext -notext -startdate "$start" -enddate "$end" \
      -in "$pki_dir/$name.csr" -out "$crt.new"
  fi
  chmod 600 "$priv.new"
  chmod 644 "$crt.new"
  mv -f "$priv.new" "$priv"
  mv -f "$crt.new" "$crt"
}

# Makes what is missing: the lab CA (kept between starts; renewed 30 days before
# it expires or with CMDB_LAB_RENEW_CERTS=all) and the leaves (kept while their
# plan and CA are unchanged and they have 30 days left; all renewed with
# CMDB_LAB_RENEW_CERTS=1). Sets certs_changed=1 when it made any.
certs_changed=0
ensure_certs() {
  local renew_leaves=0 name issuer key cn san validity spec ca_fp made=()
  mkdir -p "$pki_dir/issued" "$certs_dir"
  chmod 700 "$pki_dir"
  chmod 755 "$certs_dir"
  [[ -e $pki_dir/index.txt ]] || : >"$pki_dir/index.txt"
  if [[ $renew_certs == all || ! -s $http_dir/ca.pem || ! -s $pki_dir/ca.key ]] ||
     ! openssl x509 -in "$http_dir/ca.pem" -noout -checkend 2592000 >/dev/null 2>&1; then
    say "making a new lab CA: $http_dir/ca.pem"
    make_ca
    certs_changed=1
  fi
  ca_fp=$(openssl x509 -in "$http_dir/ca.pem" -noout -fingerprint -sha256)
  if [[ $renew_certs != 0 ]]; then renew_leaves=1; fi
  while IFS=$'\t' read -r name issuer key cn san validity; do
    san=${san//@/"$http_subnet."}
    spec="$issuer $key $cn $san $validity"
    if [[ $issuer == ca ]]; then spec+=" ${ca_fp#*=}"; fi
    if ((renew_leaves)) || [[ ! -s $certs_dir/$name.pem || ! -s $certs_dir/$name.key ]] ||
       [[ $(cat "$certs_dir/$name.spec" 2>/dev/null) != "$spec" ]] ||
       { [[ $validity == valid ]] && ! openssl x509 -in "$certs_dir/$name.pem" -noout -checkend 2592000 >/dev/null 2>&1; }; then
      make_leaf "$name" "$issuer" "$key" "$cn" "$san" "$validity"
      echo "$spec" >"$certs_dir/$name.spec"
      made+=("$name")
    fi
  done < <(cert_plan)
  if ((${#made[@]})); then
    say "made certificates: ${made[*]} (in $certs_dir)"
    certs_changed=1
  fi
}

# The Redfish password file (apr1 hash): kept while it holds the lab credentials.
# Prints "changed" when it wrote a new one.
ensure_htpasswd() {
  local file=$http_dir/htpasswd hash salt
  if [[ -s $file ]]; then
    hash=$(cut -d: -f2- "$file")
    salt=$(cut -d'$' -f3 <<<"$hash")
    if [[ $(head -c ${#redfish_user} "$file") == "$redfish_user" &&
          $(openssl passwd -apr1 -salt "$salt" "$redfish_password") == "$hash" ]]; then
      return 0
    fi
  fi
  echo "$redfish_user:$(openssl passwd -apr1 "$redfish_password")" >"$file.new"
  chmod 640 "$file.new"
  if ((${#owner[@]})); then chown "root:${owner[0]#*:}" "$file.new"; fi
  mv -f "$file.new" "$file"
  echo changed
}

html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' <<<"$1"; }

page_html() { # title text
  local t
  t=$(html_escape "$1")
  cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$t</title>
</head>
<body>
<h1>$t</h1>
<p>$(html_escape "$2")</p>
</body>
</html>
EOF
}

# A Prometheus node exporter look-alike (version 1.7.0): its landing page and metrics.
exporter_html() {
  cat <<'EOF'
<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Node Exporter</title>
  </head>
  <body>
    <header>
      <h1>Node Exporter</h1>
    </header>
    <div>
      <p>Prometheus Node Exporter</p>
      <h2>Version: (version=1.7.0, branch=HEAD, revision=cmdb-lab)</h2>
      <ul>
        <li><a href="/metrics">Metrics</a></li>
      </ul>
    </div>
  </body>
</html>
EOF
}

exporter_metrics() {
  cat <<'EOF'
# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.1e-05
go_gc_duration_seconds{quantile="0.25"} 3.4e-05
go_gc_duration_seconds{quantile="0.5"} 4.2e-05
go_gc_duration_seconds{quantile="0.75"} 6.1e-05
go_gc_duration_seconds{quantile="1"} 0.000412
go_gc_duration_seconds_sum 0.0234
go_gc_duration_seconds_count 412
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 8
# HELP go_info Information about the Go environment.
# TYPE go_info gauge
go_info{version="go1.21.4"} 1
# HELP node_boot_time_seconds Node boot time, in unixtime.
# TYPE node_boot_time_seconds gauge
node_boot_time_seconds 1.7672256e+09
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 123456.78
node_cpu_seconds_total{cpu="0",mode="system"} 1234.56
node_cpu_seconds_total{cpu="0",mode="user"} 2345.67
# HELP node_exporter_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion from which node_exporter was built, and the goos and goarch for the build.
# TYPE node_exporter_build_info gauge
node_exporter_build_info{branch="HEAD",goarch="amd64",goos="linux",goversion="go1.21.4",revision="cmdb-lab",tags="netgo osusergo static_build",version="1.7.0"} 1
# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes 8.253014016e+09
# HELP node_os_info A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.
# TYPE node_os_info gauge
node_os_info{build_id="",id="debian",id_like="",image_id="",image_version="",name="Debian GNU/Linux",pretty_name="Debian GNU/Linux 12 (bookworm)",variant="",variant_id="",version="12 (bookworm)",version_codename="bookworm",version_id="12"} 1
# HELP node_uname_info Labeled system information as provided by the uname system call.
# TYPE node_uname_info gauge
node_uname_info{domainname="(none)",machine="x86_64",nodename="lab-exporter",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.76722561e+09
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 42
promhttp_metric_handler_requests_total{code="500"} 0
promhttp_metric_handler_requests_total{code="503"} 0
EOF
}

# A Kubernetes API server look-alike: what /version tells anyone.
kube_version() {
  cat <<'EOF'
{
  "major": "1",
  "minor": "29",
  "gitVersion": "v1.29.4",
  "gitCommit": "55019c83b0fd51ef4ced8c29eec2c4847f896e74",
  "gitTreeState": "clean",
  "buildDate": "2024-04-16T15:03:42Z",
  "goVersion": "go1.21.9",
  "compiler": "gc",
  "platform": "linux/amd64"
}
EOF
}

# The content nginx serves, laid out in www/<last octet>-<port>/ (the root of
# that endpoint); a Redfish mockup becomes redfish/v1/ under it.
write_www() { # directory
  local www=$1 i d
  rm -rf "$www"
  mkdir -p "$www"
  for i in $(nginx_rows); do
    d=$www/${h_k[$i]}-${h_port[$i]}
    mkdir -p "$d"
    case ${h_what[$i]} in
      page) page_html "${h_title[$i]}" "${h_notes[$i]}" >"$d/index.html" ;;
      redfish:*)
        page_html "${h_title[$i]}" "The management controller's web interface; its Redfish service is /redfish/v1/." >"$d/index.html"
        mkdir -p "$d/redfish"
        printf '{\n    "v1": "/redfish/v1/"\n}\n' >"$d/redfish/index.json"
        cp -R "$redfish_dir/${h_what[$i]#redfish:}" "$d/redfish/v1" ;;
      prometheus-exporter)
        exporter_html >"$d/index.html"
        exporter_metrics >"$d/metrics.txt" ;;
      kubernetes-api) kube_version >"$d/version.json" ;;
      redirect-chain) page_html "${h_title[$i]}" "The end of a chain of redirects: / -> /a -> /b -> /final." >"$d/final.html" ;;
    esac
  done
  chmod -R u=rwX,go=rX "$www"
}

# One server block of nginx.conf.
nginx_server() { # row
  local i=$1 listen
  listen="${h_addr[$i]}:${h_port[$i]}"
  if [[ ${h_scheme[$i]} == https ]]; then
    listen+=" ssl"
    if [[ ${h_alpn[$i]} == h2* ]]; then listen+=" http2"; fi
  fi
  echo
  echo "  # ${h_addr[$i]}:${h_port[$i]} ${h_what[$i]}"
  echo "  server {"
  echo "    listen $listen;"
  echo "    server_name ${h_addr[$i]};"
  echo "    root $http_dir/www/${h_k[$i]}-${h_port[$i]};"
  if [[ ${h_scheme[$i]} == https ]]; then
    echo "    ssl_certificate $certs_dir/${h_cert[$i]}.pem;"
    echo "    ssl_certificate_key $certs_dir/${h_cert[$i]}.key;"
  fi
  if [[ ${h_server[$i]} == nginx ]]; then echo "    server_tokens off;"; fi
  case ${h_what[$i]} in
    page) ;;
    https-redirect)
      cat <<'EOF'
    location / { return 301 https://$host$request_uri; }
EOF
      ;;
    redfish:*)
      # The service root, /redfish and the OData service document are open, as
      # Redfish (DSP0266) wants; everything else under /redfish/v1/ needs the password.
      cat <<EOF
    location = /redfish { try_files /redfish/index.json =404; add_header OData-Version 4.0 always; }
    location = /redfish/ { try_files /redfish/index.json =404; add_header OData-Version 4.0 always; }
    location = /redfish/v1 { try_files /redfish/v1/index.json =404; add_header OData-Version 4.0 always; }
    location = /redfish/v1/ { try_files /redfish/v1/index.json =404; add_header OData-Version 4.0 always; }
    location = /redfish/v1/odata { try_files /redfish/v1/odata/index.json =404; add_header OData-Version 4.0 always; }
    location /redfish/v1/ {
      auth_basic "Lab BMC";
      auth_basic_user_file $http_dir/htpasswd;
      add_header OData-Version 4.0 always;
      try_files \$uri/index.json \$uri =404;
    }
EOF
      ;;
    prometheus-exporter)
      cat <<'EOF'
    location = /metrics {
      types { }
      default_type "text/plain; version=0.0.4; charset=utf-8";
      try_files /metrics.txt =404;
    }
EOF
      ;;
    kubernetes-api)
      # As the API server answers an anonymous client: /version and the health
      # checks are public, everything else is a 403 Status.
      cat <<'EOF'
    default_type application/json;
    add_header Cache-Control "no-cache, private" always;
    add_header X-Content-Type-Options nosniff always;
    location = /version { try_files /version.json =404; }
    location ~ ^/(healthz|livez|readyz)$ { default_type "text/plain; charset=utf-8"; return 200 ok; }
    location / {
      return 403 '{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n  "status": "Failure",\n  "message": "forbidden: User \\\"system:anonymous\\\" cannot get path \\\"$uri\\\"",\n  "reason": "Forbidden",\n  "details": {},\n  "code": 403\n}\n';
    }
EOF
      ;;
    redirect-chain)
      cat <<'EOF'
    absolute_redirect off;
    location = / { return 302 /a; }
    location = /a { return 301 /b; }
    location = /b { return 307 /final; }
    location = /final { try_files /final.html =404; }
EOF
      ;;
  esac
  echo "  }"
}

write_nginx_conf() { # file
  local i access_log=off error_level=crit
  # A scan makes many 401s and 404s, which nginx logs as errors: by default only
  # what stops nginx is logged.
  if [[ $verbose == 1 ]]; then access_log=$log_dir/nginx-access.log error_level=info; fi
  {
    cat <<EOF
# nginx for the discovery lab's HTTP endpoints (tests/lab/http.tsv), written by
# scripts/lab.sh on each start. It listens only on the addresses of the plan.
daemon off;
worker_processes 2;
pid $nginx_pidfile;
error_log $log_dir/nginx-error.log $error_level;
EOF
    if [[ $(id -u) -eq 0 ]]; then echo "user nobody nogroup;"; fi
    cat <<EOF
events {
  worker_connections 1024;
}
http {
  access_log $access_log;
  client_body_temp_path $http_dir/tmp/client_body;
  proxy_temp_path $http_dir/tmp/proxy;
  fastcgi_temp_path $http_dir/tmp/fastcgi;
  uwsgi_temp_path $http_dir/tmp/uwsgi;
  scgi_temp_path $http_dir/tmp/scgi;
  types {
    text/html html;
    application/json json;
    text/plain txt;
  }
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 15s;
  ssl_protocols TLSv1.2 TLSv1.3;
EOF
    for i in $(nginx_rows); do nginx_server "$i"; done
    echo "}"
  } >"$1"
}

nginx_test() { # conf
  local out
  if ! out=$(/usr/sbin/nginx -t -q -c "$1" -e "$log_dir/nginx-error.log" 2>&1); then
    echo "$out" >&2
    die "nginx rejects $1"
  fi
}

# nginx and the fault server refuse to start on a port in use; say which first.
check_free_tcp() { # address:port...
  local bound a
  bound=$(ss -Hltn 2>/dev/null | awk '{print $4}')
  for a in "$@"; do
    if grep -qxF -e "$a" -e "0.0.0.0:${a##*:}" -e "*:${a##*:}" <<<"$bound"; then
      die "TCP $a is already in use (another lab, or a server on all addresses such as the system's nginx?); see: ss -ltnp"
    fi
  done
}

# Lays out everything nginx reads under http/; sets http_changed=1 when a
# running nginx must reload.
http_changed=0
prepare_http() {
  local t stamp
  mkdir -p "$http_dir" "$http_dir/tmp"
  chmod 755 "$http_dir"
  for t in client_body proxy fastcgi uwsgi scgi; do mkdir -p "$http_dir/tmp/$t"; done
  if ((${#owner[@]})); then chown -R "${owner[@]}" "$http_dir/tmp"; fi
  ensure_certs
  if ((certs_changed)); then http_changed=1; fi
  if [[ -n $(ensure_htpasswd) ]]; then http_changed=1; fi
  # The content is rebuilt only when what it is made from changed (this
  # script, the plan, the mockups): copying the mockups takes a while.
  stamp=$({
    sha256sum "$repo/scripts/lab.sh" "$http_tsv"
    find "$redfish_dir" -type f -printf '%P %s %T@\n' | LC_ALL=C sort
  } | sha256sum | cut -d' ' -f1)
  if [[ ! -d $http_dir/www || $(cat "$http_dir/www.stamp" 2>/dev/null) != "$stamp" ]]; then
    rm -rf "$http_dir/www.new" "$http_dir/www.old"
    write_www "$http_dir/www.new"
    if [[ -d $http_dir/www ]]; then mv "$http_dir/www" "$http_dir/www.old"; fi
    mv "$http_dir/www.new" "$http_dir/www"
    rm -rf "$http_dir/www.old"
    echo "$stamp" >"$http_dir/www.stamp"
    http_changed=1
  fi
  write_nginx_conf "$nginx_conf.new"
  nginx_test "$nginx_conf.new"
  if cmp -s "$nginx_conf.new" "$nginx_conf"; then
    rm -f "$nginx_conf.new"
  else
    mv -f "$nginx_conf.new" "$nginx_conf"
    http_changed=1
  fi
}

start_nginx() {
  local pid rows=() i listens=()
  mapfile -t rows < <(nginx_rows)
  ((${#rows[@]})) || return 0
  if pid=$(nginx_pid); then
    if ((http_changed)); then
      say "nginx running, pid $pid: reloading (configuration, content or certificates changed)"
      kill -HUP "$pid"
    else
      say "nginx already running, pid $pid"
    fi
    return
  fi
  for i in "${rows[@]}"; do listens+=("${h_addr[$i]}:${h_port[$i]}"); done
  check_free_tcp "${listens[@]}"
  say "starting nginx for ${#rows[@]} HTTP endpoints on $http_subnet.0/24"
  echo "--- $(date -u '+%F %T') start" >>"$log_dir/nginx.out"
  setsid /usr/sbin/nginx -c "$nginx_conf" -e "$log_dir/nginx-error.log" </dev/null 9>&- >>"$log_dir/nginx.out" 2>&1 &
  echo $! >"$nginx_pidfile"
  launched+=(nginx)
}

# The fault server serves the rows nginx cannot; it is restarted when its
# endpoints or its script changed.
start_faults() {
  local pid rows=() i kind args=() want run_as=()
  mapfile -t rows < <(fault_rows)
  ((${#rows[@]})) || return 0
  for i in "${rows[@]}"; do
    kind=${h_what[$i]%-body}
    args+=("$kind=${h_addr[$i]}:${h_port[$i]}")
  done
  want="$(sha256sum <"$repo/scripts/lab_http_faults.py" | cut -d' ' -f1) ${args[*]}"
  if pid=$(faults_pid); then
    if [[ $(cat "$run_dir/http-faults.args" 2>/dev/null) == "$want" ]]; then
      say "fault server already running, pid $pid"
      return
    fi
    stop_one "fault server (its endpoints or its script changed)" "$faults_pidfile" faults_pid
  fi
  check_free_tcp "${args[@]#*=}"
  # A copy the unprivileged user can read wherever the repository is.
  install -m 644 "$repo/scripts/lab_http_faults.py" "$faults_script"
  if [[ $(id -u) -eq 0 ]]; then run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups); fi
  say "starting the fault server for ${#rows[@]} endpoints (silent, endless body, garbage)"
  echo "--- $(date -u '+%F %T') start" >>"$log_dir/http-faults.out"
  setsid "${run_as[@]}" "$python" "$faults_script" --tag "$lab_dir" "${args[@]}" </dev/null 9>&- \
    >>"$log_dir/http-faults.out" 2>&1 &
  echo $! >"$faults_pidfile"
  echo "$want" >"$run_dir/http-faults.args"
  launched+=(faults)
}

start_http() {
  prepare_http
  start_nginx
  start_faults
}

# Checks one row of http.tsv the way it is planned to answer; prints "up", "down"
# (nothing listens), or what is wrong.
probe_http() {
  local i=$1 a p url code rc out served want vcode planned alpn
  a=${h_addr[$i]} p=${h_port[$i]}
  local curl=(curl -q -s --noproxy '*' -o /dev/null)
  url=${h_scheme[$i]}://$a:$p/
  case ${h_what[$i]} in
    silent)
      rc=0
      "${curl[@]}" -m 1 "$url" || rc=$?
      case $rc in
        28) echo up ;;
        7) echo down ;;
        *) echo "answers (curl exit $rc)" ;;
      esac
      return ;;
    endless-body)
      rc=0
      code=$("${curl[@]}" -m 1 -w '%{http_code}' "$url") || rc=$?
      if ((rc == 28)) && [[ $code == 200 ]]; then
        echo up
      elif ((rc == 7)); then
        echo down
      else
        echo "wrong (curl exit $rc, status $code)"
      fi
      return ;;
    garbage)
      out=$(curl -q -s --noproxy '*' --http0.9 -m 3 "$url" 2>/dev/null | od -An -tx1 -N5 | tr -d ' \n') || true
      if [[ -z $out ]]; then
        echo down
      elif [[ $out == 485454502f ]]; then # "HTTP/"
        echo "wrong (answers HTTP)"
      else
        echo up
      fi
      return ;;
  esac
  code=$("${curl[@]}" -k -m 3 -w '%{http_code}' "$url") || true
  if [[ -z $code || $code == 000 ]]; then
    echo down
    return
  fi
  if [[ $code != "${h_status[$i]}" ]]; then
    echo "wrong (status $code, planned ${h_status[$i]})"
    return
  fi
  if [[ ${h_scheme[$i]} == https ]]; then
    # The certificate on disk is the one served, it verifies against the lab
    # CA as planned, and the server offers the planned protocols.
    # (An HTTP/2 server sends its first frames, NUL bytes included, right away.)
    out=$(timeout 5 openssl s_client -connect "$a:$p" -CAfile "$http_dir/ca.pem" -verify_ip "$a" \
      -alpn h2,http/1.1 </dev/null 2>/dev/null | tr -d '\000') || true
    # s_client shows the server's certificate as PEM, as the file holds it.
    served=${out#*-----BEGIN CERTIFICATE-----}
    served=${served%%-----END CERTIFICATE-----*}
    want=$(<"$certs_dir/${h_cert[$i]}.pem")
    want=${want#*-----BEGIN CERTIFICATE-----}
    want=${want%%-----END CERTIFICATE-----*}
    if [[ $out != *"-----BEGIN CERTIFICATE-----"* || $served != "$want" ]]; then
      echo "stale certificate (not $certs_dir/${h_cert[$i]}.pem)"
      return
    fi
    vcode=none
    if [[ $out =~ Verify\ return\ code:\ ([0-9]+) ]]; then vcode=${BASH_REMATCH[1]}; fi
    case ${h_verify[$i]} in
      ok) planned=0 ;;
      expired) planned=10 ;;
      self-signed) planned=18 ;;
      name-mismatch) planned=64 ;;  # the address is not in the certificate
      *) planned=$vcode ;;
    esac
    if [[ $vcode != "$planned" ]]; then
      echo "wrong (verification gives code $vcode, planned ${h_verify[$i]})"
      return
    fi
    alpn=
    if [[ $out =~ ALPN\ protocol:\ ([^[:space:]]+) ]]; then alpn=${BASH_REMATCH[1]}; fi
    if [[ ${h_alpn[$i]} == h2* && $alpn != h2 ]] || [[ ${h_alpn[$i]} != h2* && $alpn == h2 ]]; then
      echo "wrong (ALPN '${alpn:-none}', planned ${h_alpn[$i]})"
      return
    fi
  fi
  echo up
}

# Probes the given rows of http.tsv in parallel; fills hresult[i].
declare -A hresult=()
probe_http_rows() { parallel_probe probe_http hresult "$@"; }

wait_for_http() {
  local pending=("${!h_addr[@]}") next i started=$SECONDS limit=30 bound missing
  # First until every planned port listens (cheap), then the probes.
  for _ in $(seq 1 100); do
    bound=$(ss -Hltn 2>/dev/null | awk '{print $4}')
    missing=0
    for i in "${pending[@]}"; do
      if ! grep -qxF "${h_addr[$i]}:${h_port[$i]}" <<<"$bound"; then
        missing=1
        break
      fi
    done
    ((missing)) || break
    sleep 0.1
  done
  while :; do
    probe_http_rows "${pending[@]}"
    next=()
    for i in "${pending[@]}"; do
      if [[ ${hresult[$i]} != up ]]; then next+=("$i"); fi
    done
    pending=("${next[@]}")
    ((${#pending[@]} == 0)) && break
    if [[ -n $(nginx_rows) ]] && ! nginx_pid >/dev/null; then
      show_logs
      die "nginx exited during start"
    fi
    if [[ -n $(fault_rows) ]] && ! faults_pid >/dev/null; then
      show_logs
      die "the fault server exited during start"
    fi
    if ((SECONDS - started >= limit)); then
      show_logs
      for i in "${pending[@]}"; do
        echo "lab: ${h_addr[$i]}:${h_port[$i]} (${h_what[$i]}): ${hresult[$i]}" >&2
      done
      die "${#pending[@]} HTTP endpoint(s) not as planned within ${limit}s"
    fi
    sleep 0.3
  done
  say "all ${#h_addr[@]} HTTP endpoints answer as planned on $http_subnet.0/24 ($((SECONDS - started))s); lab CA: $http_dir/ca.pem"
}

# --- starting and stopping it all ---------------------------------------------------------

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
        nginx) stop_one nginx "$nginx_pidfile" nginx_pid ;;
        faults) stop_one "fault server" "$faults_pidfile" faults_pid ;;
      esac
    done >&2
  fi
  exit "$rc"
}

show_logs() {
  local f
  for f in snmpsimd.out snmpsimd.log snmpsimd-v3.out snmpsimd-v3.log snmpd.log nginx.out nginx-error.log http-faults.out; do
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
  load_http
  mkdir -p "$lab_dir"
  # One start or stop at a time; the agents do not inherit the lock (9>&- below).
  exec 9>"$lab_dir/.lock"
  flock 9
  trap undo_start EXIT
  prepare_dirs
  start_snmpsim_v2c
  start_snmpsim_v3
  start_snmpd
  start_http
  wait_for_http
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

# The HTTP part alone: stopped and started again (with new leaf certificates
# when CMDB_LAB_RENEW_CERTS=1); the SNMP agents are left as they are.
cmd_restart_http() {
  need_root restart-http
  load_http
  mkdir -p "$lab_dir"
  exec 9>"$lab_dir/.lock"
  flock 9
  trap undo_start EXIT
  prepare_dirs
  stop_one nginx "$nginx_pidfile" nginx_pid
  stop_one "fault server" "$faults_pidfile" faults_pid
  start_http
  wait_for_http
  trap - EXIT
}

# --- stop / status -------------------------------------------------------------------------

cmd_stop() {
  need_root stop
  [[ -d $lab_dir ]] || { say "nothing to stop ($lab_dir does not exist)"; return 0; }
  exec 9>"$lab_dir/.lock"
  flock 9
  stop_one nginx "$nginx_pidfile" nginx_pid
  stop_one "fault server" "$faults_pidfile" faults_pid
  stop_one snmpd "$snmpd_pidfile" snmpd_pid
  stop_one "snmpsimd (SNMPv3)" "$v3_pidfile" v3_pid
  stop_one "snmpsimd (v1/v2c)" "$v2c_pidfile" v2c_pid
  say "stopped"
}

cmd_status() {
  load_devices
  load_http
  local pid i ok=0 bad=0 state
  if pid=$(v2c_pid); then say "snmpsimd (v1/v2c) running, pid $pid"; else say "snmpsimd (v1/v2c) not running"; fi
  if pid=$(v3_pid); then say "snmpsimd (SNMPv3) running, pid $pid"; else say "snmpsimd (SNMPv3) not running"; fi
  if pid=$(snmpd_pid); then say "snmpd running, pid $pid"; else say "snmpd not running"; fi
  if pid=$(nginx_pid); then say "nginx running, pid $pid"; else say "nginx not running"; fi
  if pid=$(faults_pid); then say "fault server running, pid $pid"; else say "fault server not running"; fi
  probe_rows "${!d_kind[@]}"
  probe_http_rows "${!h_addr[@]}"
  for i in "${!d_kind[@]}"; do
    state=${result[$i]}
    case $state in
      up | silent) ok=$((ok + 1)) ;;
      *) bad=$((bad + 1)) ;;
    esac
    printf '%-14s %-11s %-38s %s\n' "${d_addr[$i]}" "${d_kind[$i]}" "${d_file[$i]}" "$state"
  done
  for i in "${!h_addr[@]}"; do
    state=${hresult[$i]}
    if [[ $state == up ]]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
    printf '%-14s %-11s %-38s %s\n' "${h_addr[$i]}" "${h_scheme[$i]}:${h_port[$i]}" "${h_what[$i]}" "$state"
  done
  if ((bad)); then
    say "$bad of $((ok + bad)) addresses and endpoints not as planned"
    return 1
  fi
  say "all $((ok + bad)) addresses and endpoints as planned"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart-http) cmd_restart_http ;;
  *) usage ;;
esac
