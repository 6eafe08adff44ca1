#!/usr/bin/env bash
# Configures (only when needed) and builds mpcstats with CMake.
set -euo pipefail
PROG=build.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--build-dir DIR] [--type Release|Debug|RelWithDebInfo] [--sanitize] [--werror] [-- CMAKE_ARGS...]

  --build-dir DIR  build directory (default: \$BUILD_DIR, else build/, or build-asan/ with --sanitize)
  --type T         CMAKE_BUILD_TYPE (default Release, or RelWithDebInfo with --sanitize: -g, at -O1)
  --sanitize       AddressSanitizer + UndefinedBehaviorSanitizer (-DMPCSTATS_SANITIZE=ON)
  --werror         warnings are errors (-DMPCSTATS_WERROR=ON; scripts/test.sh uses it)
  -- ARGS          extra arguments for the CMake configure step (forces a configure)
Builds with -j\$(nproc). Re-configures only when the cache is missing or its settings differ.
USAGE
}

build_dir="" type="" sanitize=OFF werror=OFF extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --type) need_value "$1" $#; type="$2"; shift 2 ;;
    --sanitize) sanitize=ON; shift ;;
    --werror) werror=ON; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
if [[ -z "$type" ]]; then [[ $sanitize == ON ]] && type=RelWithDebInfo || type=Release; fi
case "$type" in Release|Debug|RelWithDebInfo) ;; *) die_usage "--type must be Release, Debug or RelWithDebInfo, got '$type'" ;; esac
if [[ -z "$build_dir" ]]; then
  if [[ $sanitize == ON ]]; then build_dir="$MPC_ROOT/build-asan"; else build_dir="${BUILD_DIR:-$MPC_ROOT/build}"; fi
fi
ensure_deps

cache="$build_dir/CMakeCache.txt"
cached() { sed -n "s/^$1:[A-Z]*=//p" "$cache" 2>/dev/null; }
# A configure that failed half-way leaves a cache but no build files.
if [[ ! -f "$cache" || ! ( -f "$build_dir/Makefile" || -f "$build_dir/build.ninja" ) || ${#extra[@]} -gt 0 || "$(cached CMAKE_BUILD_TYPE)" != "$type" ||
      "$(cached MPCSTATS_SANITIZE)" != "$sanitize" || "$(cached MPCSTATS_WERROR)" != "$werror" ]]; then
  info "configuring $build_dir ($type, sanitize $sanitize, werror $werror)"
  cmake -S "$MPC_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE="$type" -DMPCSTATS_SANITIZE="$sanitize" \
    -DMPCSTATS_WERROR="$werror" "${extra[@]}" \
    || die "CMake configure failed in $build_dir"
fi
cmake --build "$build_dir" -j"$(nproc)" || die "build failed in $build_dir"
