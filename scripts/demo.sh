#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts cmdbd on its own
# embedded PostgreSQL (data in $CMDB_DEMO_DIR, default /var/tmp/cmdb-demo),
# loads an example estate through cmdbctl, then shows the estate, a change
# with its history, an as-of read, findings reconciled (preview, apply,
# re-run), the change feed, and discovery of the lab network (scripts/lab.sh:
# recorded devices and a real agent on 127.0.1.0/24 over SNMP; web endpoints,
# certificates and Redfish controllers on 127.0.2.1-16 over HTTP/TLS) by a
# cmdb-discovery worker: what it found, by class, and some LLDP/CDP links.
# The server, the worker and the lab keep running afterwards;
# `scripts/demo.sh stop` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
demo_dir=${CMDB_DEMO_DIR:-/var/tmp/cmdb-demo}
port=${CMDB_DEMO_PORT:-50051}
cmdbd="$repo/build/bin/cmdbd"
cmdbctl="$repo/build/bin/cmdbctl"

stop_server() {
  if [[ -f "$demo_dir/cmdbd.pid" ]]; then
    local pid
    pid=$(cat "$demo_dir/cmdbd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      echo "demo: stopped cmdbd (pid $pid)"
    fi
    rm -f "$demo_dir/cmdbd.pid"
  fi
}

stop_worker() {
  if [[ -f "$demo_dir/worker.pid" ]]; then
    local pid
    pid=$(cat "$demo_dir/worker.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      echo "demo: stopped cmdb-discovery (pid $pid)"
    fi
    rm -f "$demo_dir/worker.pid"
  fi
}

if [[ ${1:-} == stop ]]; then
  stop_worker
  stop_server
  scripts/lab.sh stop
  exit 0
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# First value of a string field in JSON text: json_field KEY < json
json_field() { grep -o "\"$1\": *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

step "Installing what is missing and building (build log: $demo_dir/build.log)"
mkdir -p "$demo_dir"
chmod 711 "$demo_dir"  # the embedded PostgreSQL runs as user postgres when we are root
scripts/install-deps.sh
if ! scripts/build.sh cmdbd cmdbctl cmdb-discovery >"$demo_dir/build.log" 2>&1; then
  tail -n 30 "$demo_dir/build.log"
  echo "demo: the build failed (full log: $demo_dir/build.log)" >&2
  exit 1
fi

step "Starting cmdbd on 127.0.0.1:$port with its embedded PostgreSQL in $demo_dir/data"
stop_worker
stop_server
rm -rf "$demo_dir/data" "$demo_dir/tokens"
token=$("$cmdbd" token create --role admin --name demo-admin --tokens "$demo_dir/tokens")
worker_token=$("$cmdbd" token create --role discovery --name demo-worker --tokens "$demo_dir/tokens" 2>/dev/null)
"$cmdbd" --data-dir "$demo_dir/data" --listen "127.0.0.1:$port" --tokens "$demo_dir/tokens" \
  >"$demo_dir/cmdbd.log" 2>&1 &
echo $! >"$demo_dir/cmdbd.pid"
export CMDB_SERVER="127.0.0.1:$port" CMDB_TOKEN="$token"
for i in $(seq 1 120); do
  if "$cmdbctl" class list >/dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$demo_dir/cmdbd.pid")" 2>/dev/null || [[ $i == 120 ]]; then
    tail -n 20 "$demo_dir/cmdbd.log"
    echo "demo: cmdbd did not start (log: $demo_dir/cmdbd.log)" >&2
    exit 1
  fi
  sleep 0.5
done
grep -m1 "listening on" "$demo_dir/cmdbd.log"

step "Loading the example estate: a business service on applications on servers on switches"
ids=$("$cmdbctl" -o json import clients/examples/estate.jsonl --comment "initial load of the example estate")
echo "$ids" | grep -E '"(created|relationships)"'
shop=$(echo "$ids" | json_field shop)
db01=$(echo "$ids" | json_field db01)
sw_access_1=$(echo "$ids" | json_field sw-access-1)
web01=$(echo "$ids" | json_field web01)
web02=$(echo "$ids" | json_field web02)
shop_web=$(echo "$ids" | json_field shop-web)

step "Computers (class computer and its subclasses)"
"$cmdbctl" ci list --class computer

step "What the Online Shop depends on"
"$cmdbctl" rel list "$shop" --direction out

step "Critical CIs in the estate (filter: criticality = critical)"
"$cmdbctl" ci list --filter 'criticality = critical'

before=$("$cmdbctl" -o json ci get "$db01" | json_field update_time)
sleep 1
step "A change: db01 gets more memory, under change ticket CHG0042"
"$cmdbctl" ci update "$db01" --attr memory_mb=524288 \
  --ref CHG0042 --comment "memory upgrade for the year-end peak"

step "History of db01 (who changed what, when, under which change)"
"$cmdbctl" ci history "$db01"

step "db01 as it was at $before, before the change"
"$cmdbctl" ci get "$db01" --as-of "$before"

step "Impact: what breaks if sw-access-1 goes down (states, paths, services, risk)"
"$cmdbctl" impact "$sw_access_1"

step "The change CHG0042, linked to db01 as an ITSM tool would, and what it puts at risk"
"$cmdbctl" record put --system demo-itsm --kind change --key CHG0042 --title "db01 memory upgrade" \
  --state implemented --ci "$db01"
"$cmdbctl" impact --change CHG0042 --scenario change
if command -v dot >/dev/null; then
  "$cmdbctl" impact --change CHG0042 --scenario change -o svg >"$demo_dir/impact-CHG0042.svg"
  echo "the picture for the change record: $demo_dir/impact-CHG0042.svg"
fi

step "Root cause: web01, web02 and shop-web are alarming; which single failure explains them?"
"$cmdbctl" rootcause "$web01" "$web02" "$shop_web"

step "A discovery run arrives (clients/examples/discovery.jsonl): first the preview, nothing written"
"$cmdbctl" reconcile clients/examples/discovery.jsonl --source snmp --dry-run

step "Applied: matched by serial number, db01's curated name kept, a new switch and its interface created"
"$cmdbctl" reconcile clients/examples/discovery.jsonl --source snmp --comment "nightly SNMP sweep"

step "The same findings again: everything unchanged, nothing written"
"$cmdbctl" reconcile clients/examples/discovery.jsonl --source snmp 2>&1 | tail -n 1

step "sw-access-1 now: the fields discovery set are marked with their source"
"$cmdbctl" ci get "$sw_access_1"

step "The last events of the change feed (other tools sync from it with cmdbctl watch --since CURSOR)"
"$cmdbctl" watch --until-caught-up | tail -n 4

step "Discovery: starting the lab network (recorded devices on 127.0.1.1-43 and .51, snmpd on .50, silent addresses; HTTP on 127.0.2.1-16)"
scripts/lab.sh start

step "A discovery worker connects (it could run on any host; start more to scale out)"
"$repo/build/bin/cmdb-discovery" --server "127.0.0.1:$port" --token "$worker_token" --name demo-worker \
  --http-ca-file "${CMDB_LAB_DIR:-/tmp/cmdb-lab}/http/ca.pem" >"$demo_dir/worker.log" 2>&1 &
echo $! >"$demo_dir/worker.pid"
echo "worker pid $(cat "$demo_dir/worker.pid"), log $demo_dir/worker.log"

step "Credentials (secrets are sealed by cmdbd and never shown again)"
"$cmdbctl" credential create lab-public --community public --description "the lab's v2c community"
"$cmdbctl" credential create lab-v3 --version 3 --user labv3 --auth sha256 --auth-key cmdb-lab-auth \
  --priv aes --priv-key cmdb-lab-priv --description "SNMPv3-only lab device"
"$cmdbctl" credential list

step "Sweep 127.0.1.0/24 (254 addresses) and wait for it"
"$cmdbctl" discovery run --range 127.0.1.0/24 --credential lab-public --credential lab-v3 --wait
run_id=$("$cmdbctl" -o json discovery runs --limit 1 | json_field id)

step "The run log: outcomes"
"$cmdbctl" -o json discovery log "$run_id" | grep -o '"outcome": *"[^"]*"' | sort | uniq -c

step "What discovery found, by class (from the run log)"
"$cmdbctl" -o json discovery log "$run_id" --outcome discovered --outcome partial |
  grep -o '"class": *"[^"]*"' | sed 's/.*: *"//; s/"//' | sort | uniq -c | sort -rn

step "Network devices now in the CMDB (a few)"
"$cmdbctl" ci list --class network_device --limit 12

step "One device as discovery wrote it (127.0.1.7, a Nexus switch with LLDP and CDP neighbours)"
nexus=$("$cmdbctl" -o json ci list --filter 'attributes.management_ip = "127.0.1.7"' | json_field id)
"$cmdbctl" ci get "$nexus"

step "Topology from LLDP/CDP: interfaces connected to interfaces (a few)"
"$cmdbctl" rel list --type connected_to | head -n 12 || true  # head closes the pipe early

step "HTTP/TLS: web endpoints, certificates and Redfish controllers on 127.0.2.1-16 (nginx, made at lab start)"
printf '%s\n' cmdb-lab-redfish >"$demo_dir/bmc-password"
chmod 600 "$demo_dir/bmc-password"
"$cmdbctl" credential create http lab-bmc --user labbmc --password-file "$demo_dir/bmc-password" \
  --description "the lab's Redfish controllers"
"$cmdbctl" discovery run --range 127.0.1.51 --range 127.0.2.1-127.0.2.16 --protocol snmp,http \
  --credential lab-public --credential lab-bmc --wait
http_run=$("$cmdbctl" -o json discovery runs --limit 1 | json_field id)
"$cmdbctl" discovery log "$http_run" | sed -n '/^URL/,$p'

step "Certificates found, and whether they verify (the worker trusts the lab CA: --http-ca-file)"
"$cmdbctl" ci list --class certificate

step "The server SNMP found on 127.0.1.51 is the one its controller (127.0.2.7) describes over Redfish"
"$cmdbctl" ci list --filter 'attributes.serial_number = "437XR1138R2"'

step "Rescan: nothing changed, so nothing is written"
before=$("$cmdbctl" watch --until-caught-up | wc -l)
"$cmdbctl" discovery run --range 127.0.1.0/24 --credential lab-public --credential lab-v3 --wait
after=$("$cmdbctl" watch --until-caught-up | wc -l)
echo "change feed events before the rescan: $before, after: $after"

cat <<EOF

The demo server keeps running on 127.0.0.1:$port (log: $demo_dir/cmdbd.log).
Try it:
  export CMDB_SERVER=127.0.0.1:$port CMDB_TOKEN=$token
  build/bin/cmdbctl ci list --filter 'attributes.cpu_count >= 16'
  build/bin/cmdbctl ci list --filter 'shop'
  build/bin/cmdbctl discovery runs
  build/bin/cmdbctl ci list --class switch
  build/bin/cmdbctl impact $sw_access_1 -o svg > impact.svg
The worker and the lab keep running too. Stop everything with: scripts/demo.sh stop
EOF
