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
When CI=true both suites run; the Docker deployment test (ctest label deploy) then runs while the
sanitizer build compiles. Both build with -Werror. ctest: --output-on-failure -j2 --timeout 300.
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

# build LABEL DIR BUILD_ARGS...: configure if needed and build.
build() {
  local label="$1" dir="$2"
  shift 2
  info "== $label: building in $dir ($(elapsed))"
  "$MPC_SCRIPTS/build.sh" --build-dir "$dir" "$@"
}
# run_tests LABEL DIR CTEST_ARGS...: run the tests of that build directory.
run_tests() {
  local label="$1" dir="$2"
  shift 2
  info "== $label: ctest in $dir $* ($(elapsed))"
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 300 --no-tests=error "$@" || die "$label tests failed"
}
elapsed() { printf '%d:%02d elapsed' $((SECONDS / 60)) $((SECONDS % 60)); }

normal="$(abs_path "${BUILD_DIR:-$MPC_ROOT/build}")"
build normal "$normal" --type Release --werror
if ((sanitize)); then
  run_tests normal "$normal" -LE deploy
  # The Docker deployment test (label deploy) mostly waits: debootstrap, apt-get in the image,
  # containers starting. It runs while the sanitizer build compiles instead of after it.
  deploy_log="$normal/deploy-ctest.log"
  info "== deploy: ctest -L deploy in $normal, alongside the sanitizer build (log: $deploy_log)"
  ctest --test-dir "$normal" --output-on-failure --no-tests=error -L deploy >"$deploy_log" 2>&1 &
  deploy_pid=$!
  # If this script stops first, stop the test too: compose-test.sh then stops its containers and dockerd.
  trap 'pkill -TERM -P "$deploy_pid" 2>/dev/null; kill -TERM "$deploy_pid" 2>/dev/null' EXIT
  # Abort on the first report, with stack traces, so a finding fails its test.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  build sanitizer "$MPC_ROOT/build-asan" --sanitize --werror
  deploy_rc=0
  wait "$deploy_pid" || deploy_rc=$?
  trap - EXIT
  cat "$deploy_log" >&2
  ((deploy_rc == 0)) || die "deploy tests failed"
  info "== deploy: passed ($(elapsed))"
  run_tests sanitizer "$MPC_ROOT/build-asan"
else
  run_tests normal "$normal"
fi
info "all tests passed ($(elapsed))"
