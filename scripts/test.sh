#!/usr/bin/env bash
# Builds and runs the whole CTest suite; with --sanitize (or CI=true) also under ASan + UBSan.
set -euo pipefail
PROG=test.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--sanitize]

  (default)    build into \$BUILD_DIR or build/ (Release) and run ctest there
  --sanitize   then also build into build-asan/ with -DMPCSTATS_SANITIZE=ON and run ctest there
When CI=true both suites run. Both build with -Werror. ctest: --output-on-failure -j2 --timeout 300.
USAGE
}

sanitize=0
[[ "${CI:-}" == true ]] && sanitize=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sanitize) sanitize=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
ensure_deps

# suite LABEL BUILD_ARGS...: build, then run every test of that build directory.
suite() {
  local label="$1" dir="$2"
  shift 2
  info "== $label: building in $dir"
  "$MPC_SCRIPTS/build.sh" --build-dir "$dir" "$@"
  info "== $label: ctest in $dir"
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 300 --no-tests=error || die "$label tests failed"
}

suite normal "$(abs_path "${BUILD_DIR:-$MPC_ROOT/build}")" --type Release --werror
if ((sanitize)); then
  # Abort on the first report, with stack traces, so a finding fails its test.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  suite sanitizer "$MPC_ROOT/build-asan" --sanitize --werror
fi
info "all tests passed"
