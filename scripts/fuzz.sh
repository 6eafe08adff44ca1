#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang-14 + AddressSanitizer into build-fuzz/ and
# runs each one for a few seconds from its seed corpus. Exit 0 if no target found a crash.
set -euo pipefail
PROG=fuzz.sh
source "$(dirname "$0")/lib/common.sh"

targets_all=(frame_decoder csv query)

usage() {
  cat <<USAGE
Usage: $PROG [--seconds N] [--build-dir DIR] [--jobs N] [--target NAME]

Configures DIR (default build-fuzz/ in the source tree) with CC=clang-14 CXX=clang++-14,
-DMPCSTATS_FUZZ=ON and -fsanitize=fuzzer-no-link,address for every library, builds the fuzz
targets (${targets_all[*]}) and runs each for N seconds (default 20).

Corpus: the seeds in tests/fuzz/corpus/NAME/ (read only; every file there is run first, so a
crash input copied there becomes a regression test) and DIR/fuzz-corpus/NAME/ (grows).
A crash leaves its input in DIR/fuzz-artifacts/NAME/ and the log in DIR/fuzz-NAME.log; the script
then exits 1 naming both. Reproduce with: DIR/tests/fuzz/NAME_fuzz <crash file>.

  --seconds N     fuzzing time per target (default 20)
  --build-dir DIR build directory (default build-fuzz)
  --jobs N        parallel build jobs (default 2)
  --target NAME   run only this target (repeatable)
USAGE
}

seconds=20 build_dir="$MPC_ROOT/build-fuzz" jobs=2 targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) need_value "$1" $#; check_uint "$1" "$2" 1; seconds=$((10#$2)); shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$(abs_path "$2")"; shift 2 ;;
    --jobs) need_value "$1" $#; check_uint "$1" "$2" 1; jobs=$((10#$2)); shift 2 ;;
    --target)
      need_value "$1" $#
      [[ " ${targets_all[*]} " == *" $2 "* ]] || die_usage "unknown target '$2' (one of: ${targets_all[*]})"
      targets+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${targets_all[@]}")

ensure_deps
command -v clang++-14 >/dev/null || die "clang++-14 not found (scripts/install-deps.sh installs clang-14)"
compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null ||
  die "libFuzzer runtime not found (package libclang-rt-14-dev)"

mkdir -p "$build_dir"
# One fuzz.sh per build directory at a time (ctest in two build trees may both start one).
exec 9>"$build_dir/.fuzz.lock"
flock 9

flags="-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer"
# -O1 with line tables, as libFuzzer's documentation builds its targets; line tables are all a
# crash report's stack needs. Measured, fresh tree, 2 cores: 2:26 against 2:49 with -O2 -g.
opt_flags="-O1 -gline-tables-only -DNDEBUG"
cache="$build_dir/CMakeCache.txt"
# Configure when the cache is missing, not a fuzz build, built with other optimisation flags,
# or left half-way by a failed configure.
if [[ ! -f "$cache" || ! -f "$build_dir/Makefile" ]] || ! grep -q "^MPCSTATS_FUZZ:BOOL=ON" "$cache" ||
    ! grep -q "^CMAKE_CXX_COMPILER:.*clang++-14" "$cache" ||
    ! grep -qx "CMAKE_CXX_FLAGS_RELWITHDEBINFO:STRING=$opt_flags" "$cache"; then
  info "configuring $build_dir (clang-14, MPCSTATS_FUZZ=ON)"
  CC=clang-14 CXX=clang++-14 cmake -S "$MPC_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DMPCSTATS_FUZZ=ON \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$opt_flags" \
    >"$build_dir/fuzz-configure.log" 2>&1 ||
    die "cmake configure failed, see $build_dir/fuzz-configure.log"
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
info "building ${build_targets[*]}"
cmake --build "$build_dir" -j "$jobs" --target "${build_targets[@]}" >"$build_dir/fuzz-build.log" 2>&1 ||
  { tail -n 30 "$build_dir/fuzz-build.log" >&2; die "build failed, see $build_dir/fuzz-build.log"; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
failed=()
for t in "${targets[@]}"; do
  binary="$build_dir/tests/fuzz/${t}_fuzz"
  seeds="$MPC_ROOT/tests/fuzz/corpus/$t"
  work="$build_dir/fuzz-corpus/$t"
  artifacts="$build_dir/fuzz-artifacts/$t"
  log="$build_dir/fuzz-$t.log"
  [[ -x "$binary" ]] || die "fuzz target not built: $binary"
  [[ -d "$seeds" ]] || die "seed corpus missing: $seeds"
  mkdir -p "$work" "$artifacts"
  # New inputs go to the first directory (the build's), never into the committed seeds.
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)"
    info "$t: ok, ${runs:-?} inputs in ${seconds}s (${cov:-cov: ?}), corpus $(find "$work" -type f | wc -l) files"
  else
    grep -E "ERROR|SUMMARY|check failed|Test unit written" "$log" | head -n 8 >&2 || true
    info "$t: FAILED; log $log; crash inputs in $artifacts/"
    failed+=("$t")
  fi
done
[[ ${#failed[@]} -eq 0 ]] || die "fuzz target(s) failed: ${failed[*]}"
