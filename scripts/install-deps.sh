#!/usr/bin/env bash
# Installs the Debian 12 packages this project needs to build, run and test.
# Only what is missing is installed; run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config
  # gRPC and protobuf
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libabsl-dev libssl-dev
  # PostgreSQL: client library and the server the embedded mode and tests run
  libpqxx-dev postgresql-15
  # logging, command lines, JSON
  libspdlog-dev libcli11-dev nlohmann-json3-dev
  # tests (openssl makes throwaway TLS certificates)
  googletest libgtest-dev libgmock-dev openssl
  # discovery: net-snmp, TOML rules, the IANA enterprise-number registry, libcurl (the HTTP probe)
  libsnmp-dev libtomlplusplus-dev libwireshark-data libcurl4-openssl-dev
  # the discovery lab: recorded devices (snmpsimd), a real agent, the tools;
  # nginx and curl for its HTTP/TLS endpoints
  snmpsim snmpd snmp onesixtyone nginx curl
  # the fuzz targets (scripts/fuzz.sh, which test.sh runs briefly): clang and
  # its libFuzzer and sanitizer runtimes
  clang libclang-rt-dev
  # impact pictures: cmdbctl impact -o svg runs Graphviz's dot
  graphviz
  # the HTML status report's browser test: headless Chromium, and a font for
  # its screenshots
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Where services can start, Debian's nginx package starts its own server on
# 0.0.0.0:80; the lab runs nginx of its own on loopback addresses, so the
# package's service is stopped and disabled.
if [[ " ${missing[*]} " == *" nginx "* ]] && pgrep -f "master process /usr/sbin/nginx -g" >/dev/null; then
  echo "install-deps: stopping and disabling the nginx service the package started"
  if [[ -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now nginx || true
  else
    "${sudo[@]}" sh -c 'invoke-rc.d nginx stop; update-rc.d nginx disable' >/dev/null 2>&1 || true
  fi
fi
