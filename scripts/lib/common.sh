# shellcheck shell=bash
# Shared helpers for the mpcstats shell scripts. Source it; it defines functions and a few variables only.
# Each script sets PROG (its name) and a usage() function before parsing flags.

MPC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MPC_SCRIPTS="$MPC_ROOT/scripts"
# Debian's interpreter, which has python3-matplotlib; a python3 earlier on PATH may be another one.
# shellcheck disable=SC2034  # used by the scripts that source this file
MPC_PY=/usr/bin/python3
PROG="${PROG:-$(basename "$0")}"

# One-line error, exit 2: a bad flag or bad input.
die_usage() { echo "$PROG: error: $* (see $PROG --help)" >&2; exit 2; }
# One-line error, exit 1: the work itself failed.
die() { echo "$PROG: error: $*" >&2; exit 1; }
info() { echo "$PROG: $*" >&2; }

# need_value FLAG NARGS: the flag being parsed must be followed by a value.
need_value() { [[ "$2" -ge 2 ]] || die_usage "$1 needs a value"; }
# check_uint FLAG VALUE [MIN]: a decimal integer >= MIN (default 0).
check_uint() {
  [[ "$2" =~ ^[0-9]+$ ]] || die_usage "$1 must be a non-negative integer, got '$2'"
  (( 10#$2 >= ${3:-0} )) || die_usage "$1 must be at least ${3:-0}, got '$2'"
}
# abs_path PATH: absolute path (the file need not exist).
abs_path() { realpath -m -- "$1"; }

# Installs any missing Debian package the project uses (idempotent, quick when nothing is missing).
# Done once per script tree: child scripts see MPC_DEPS_CHECKED and skip it.
ensure_deps() {
  [[ -n "${MPC_DEPS_CHECKED:-}" ]] && return 0
  "$MPC_SCRIPTS/install-deps.sh" >&2 || die "scripts/install-deps.sh failed"
  export MPC_DEPS_CHECKED=1
}

# The two binaries of a build directory; fails with one line if they are not built.
party_bin() { echo "$1/party/mpcstats-party"; }
coordinator_bin() { echo "$1/coordinator/mpcstats-coordinator"; }
# make-roster.sh's flag for coordinator arguments ARGS...: --no-party-endpoints when they run
# secagg, the coordinator's default (no --protocol, or --protocol secagg: parties only dial out),
# nothing when they choose a mesh protocol (seeded, full: every party listens).
# Use unquoted: $(roster_flags "$@").
roster_flags() {
  local previous="" arg protocol=secagg
  for arg in "$@"; do
    [[ "$previous" == --protocol ]] && protocol="$arg"
    previous="$arg"
  done
  [[ "$protocol" != secagg ]] || echo --no-party-endpoints
}
# prepare_binaries BUILD_DIR DO_BUILD: build (Release, scripts/build.sh) when DO_BUILD is 1, then check.
prepare_binaries() {
  [[ "$2" == 0 ]] || "$MPC_SCRIPTS/build.sh" --build-dir "$1" --type Release || die "build failed"
  check_binaries "$1"
}
check_binaries() {
  local b
  for b in "$(party_bin "$1")" "$(coordinator_bin "$1")"; do
    [[ -x "$b" ]] || die "binary not found: $b (build with scripts/build.sh --build-dir $1)"
  done
}
