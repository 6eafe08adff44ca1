#!/usr/bin/env bash
# SMPC alone vs SMPC with differential privacy, measured: one exact default run (visits and
# average visits per user by category, examples/queries/average_visits.json), then repeated private runs over the same data
# at several values of rho (coordinator --dp-rho, default bounds), and the error of each private
# run's average visits per user per category against the exact run.
set -euo pipefail
PROG=dp-error.sh
source "$(dirname "$0")/lib/common.sh"
source "$MPC_SCRIPTS/lib/run-job.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--rhos "0.01 0.1 1"] [--repeats R] [--parties N] [--users-per-party U] [--seed S]
                   [--out DIR] [--timeout S] [--build-dir DIR] [--no-build]

Runs N parties with U synthetic users each (the same data in every run: --seed S), once exactly and
R times per rho with --dp-rho rho (the coordinator's default bounds: 20 visits per user per cell,
8 cells per user). Writes DIR/exact/run.json, DIR/rho-<rho>/run-<i>/run.json, DIR/dp_error.txt
(per rho: cells compared, median and 90th percentile of |error| of visits_per_user, the median
reported noise sd) and DIR/dp_error.png (scripts/report.py dp-chart).

  --rhos LIST          space- or comma-separated values of rho (default "0.01 0.1 1")
  --repeats R          private runs per rho (default 10)
  --parties N          number of parties (default 3)
  --users-per-party U  synthetic users per party (default 1000)
  --seed S             data seed (default 42)
  --out DIR            output directory (default results/dp)
  --timeout S          the processes' timeout in seconds (default 30)
  --build-dir DIR      build directory (default build/ in the repository)
  --no-build           use the binaries as they are (default: scripts/build.sh, Release)
USAGE
}

rhos="0.01 0.1 1" repeats=10 parties=3 users=1000 seed=42 out=results/dp timeout=30 build_dir="$MPC_ROOT/build" build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rhos) need_value "$1" $#; rhos="$2"; shift 2 ;;
    --repeats) need_value "$1" $#; check_uint "$1" "$2" 1; repeats=$((10#$2)); shift 2 ;;
    --parties) need_value "$1" $#; check_uint "$1" "$2" 2; parties=$((10#$2)); shift 2 ;;
    --users-per-party) need_value "$1" $#; check_uint "$1" "$2" 1; users=$((10#$2)); shift 2 ;;
    --seed) need_value "$1" $#; check_uint "$1" "$2"; seed="$2"; shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --timeout) need_value "$1" $#; check_uint "$1" "$2" 1; timeout=$((10#$2)); shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
read -r -a rho_list <<<"${rhos//,/ }"
((${#rho_list[@]})) || die_usage "--rhos is empty"
for r in "${rho_list[@]}"; do [[ "$r" =~ ^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$ ]] || die_usage "bad rho '$r'"; done

ensure_deps
build_dir="$(abs_path "$build_dir")" out="$(abs_path "$out")"
prepare_binaries "$build_dir" "$build"
mkdir -p "$out"
rm -rf "$out/exact" "$out"/rho-* "$out/dp_error.txt" "$out/dp_error.png"

rj_install_traps
"$MPC_SCRIPTS/gen-certs.sh" --out "$out/certs" --parties "$parties"
# The default run (examples/queries/average_visits.json), exact; then the same with --dp-rho.
rj_mpc_run "$out/exact" "$build_dir" "$out/certs" "$parties" "$users" "$seed" "$timeout" \
  || die "the exact run failed; logs in $out/exact/logs"
runs=()
for rho in "${rho_list[@]}"; do
  for ((i = 1; i <= repeats; i++)); do
    dir="$out/rho-$rho/run-$i"
    rj_mpc_run "$dir" "$build_dir" "$out/certs" "$parties" "$users" "$seed" "$timeout" --dp-rho "$rho" \
      || die "the private run (rho $rho, #$i) failed; logs in $dir/logs"
    runs+=("$dir/run.json")
  done
  info "rho $rho: $repeats runs done"
done
"$MPC_PY" "$MPC_SCRIPTS/report.py" dp-chart --exact "$out/exact/run.json" --metric visits_per_user \
  --out "$out/dp_error.png" "${runs[@]}" | tee "$out/dp_error.txt"
info "wrote $out/dp_error.txt and $out/dp_error.png"
