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
  # discovery: net-snmp, TOML rules, the IANA enterprise-number registry
  libsnmp-dev libtomlplusplus-dev libwireshark-data
  # the discovery lab: recorded devices (snmpsimd), a real agent, the tools
  snmpsim snmpd snmp onesixtyone
  # impact pictures: cmdbctl impact -o svg runs Graphviz's dot
  graphviz
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
