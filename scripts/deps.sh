#!/usr/bin/env bash
# Installs the Debian packages breakwater builds, tests and benchmarks with.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libsqlite3-dev sqlite3
  libjson-c-dev
  libicu-dev
  libxxhash-dev
  libsodium-dev
  libmicrohttpd-dev
  curl wrk
  libzstd-dev
  libcmocka-dev
  libhyperscan-dev
  libxgboost-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
