#!/usr/bin/env bash
# Installs every Debian 12 package mpcstats needs to build, test, chart and check its deployment files.
# Idempotent: asks dpkg first and only calls apt-get for what is missing.
# --build-only (or MPC_DEPS_PROFILE=build, which child scripts inherit): only what building the two
# binaries needs (no tests: -DBUILD_TESTING=OFF), as in the Docker build stage.
set -euo pipefail

case "${1:-}" in
  "") ;;
  --build-only) export MPC_DEPS_PROFILE=build ;;
  -h|--help) echo "Usage: install-deps.sh [--build-only]"; exit 0 ;;
  *) echo "install-deps: error: unknown argument '$1' (see install-deps.sh --help)" >&2; exit 2 ;;
esac

packages=(
  build-essential cmake pkg-config
  libboost-dev libssl-dev openssl libsqlite3-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libpq-dev
)
if [ "${MPC_DEPS_PROFILE:-all}" != build ]; then
  packages+=(
    libgtest-dev libgmock-dev
    git libbenchmark-dev
    python3 python3-matplotlib
    clang-14 libclang-rt-14-dev
    docker.io docker-compose debootstrap iproute2 procps psmisc
    postgresql
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
