#!/usr/bin/env bash
# One complete local demonstration: build, certificates, N parties + coordinator over mutual TLS on
# loopback, the comparison with the plaintext results, and (optionally) a scaling sweep. The run
# uses the coordinator's default protocol, secagg (the roster gives the parties no port: they only
# dial the coordinator); the sweep runs every protocol.
set -euo pipefail
PROG=run-local.sh
source "$(dirname "$0")/lib/common.sh"
source "$MPC_SCRIPTS/lib/run-job.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--parties N] [--users-per-party U] [--seed S] [--out DIR] [--timeout S]
                   [--query FILE] [--dp-rho R] [--no-scaling] [--build-dir DIR] [--no-build]

  --parties N          number of parties (default 3)
  --users-per-party U  synthetic users per party (default 1000)
  --seed S             data seed (default 42)
  --out DIR            output directory (default results)
  --timeout S          the processes' timeout in seconds (default 30)
  --query FILE         run this statistics query (JSON, see examples/queries/) instead of the
                       default run's (examples/queries/average_visits.json): writes DIR/result.csv and DIR/result_chart.png (1 or 2 grouping keys)
  --dp-rho R           differential privacy: the run's query (--query, or the default run's) gets
                       privacy rho R and the coordinator's default bounds (20 visits per user per
                       cell, 8 cells per user); the parties add noise before sharing, so the totals
                       are noisy and are not compared with the plaintext (run.json has "privacy"
                       and each row's noise_sd and 95 % interval)
  --no-scaling         skip the scaling sweep (N = 2..max(5, parties))
  --build-dir DIR      build directory (default build/ in the repository)
  --no-build           use the binaries as they are (default: scripts/build.sh, Release)

Writes DIR/certs/, DIR/roster.json, DIR/logs/<id>.log, DIR/locals/local_<id>.json, DIR/run.json,
DIR/local_results.json, DIR/smpc_comparison.png and, with the sweep, DIR/scaling.csv and
DIR/smpc_performance.png. Exits 0 only if every step succeeded and the SMPC totals equal the
pooled plaintext sums (with --query: if the run succeeded; the tests check queries against a
plaintext computation).
USAGE
}

parties=3 users=1000 seed=42 out=results timeout=30 scaling=1 build_dir="$MPC_ROOT/build" build=1 query="" dp_rho=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parties) need_value "$1" $#; check_uint "$1" "$2" 2; parties=$((10#$2)); shift 2 ;;
    --users-per-party) need_value "$1" $#; check_uint "$1" "$2" 1; users=$((10#$2)); shift 2 ;;
    --seed) need_value "$1" $#; check_uint "$1" "$2"; seed="$2"; shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --timeout) need_value "$1" $#; check_uint "$1" "$2" 1; timeout=$((10#$2)); shift 2 ;;
    --query) need_value "$1" $#; query="$2"; shift 2 ;;
    --dp-rho) need_value "$1" $#; dp_rho="$2"; shift 2 ;;
    --no-scaling) scaling=0; shift ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done

ensure_deps
build_dir="$(abs_path "$build_dir")" out="$(abs_path "$out")"
if [[ -n "$query" ]]; then
  [[ -f "$query" ]] || die_usage "--query: no such file '$query'"
  query="$(abs_path "$query")"
fi
prepare_binaries "$build_dir" "$build"
mkdir -p "$out"
rm -f "$out/local_results.json" "$out/smpc_comparison.png" "$out/scaling.csv" "$out/smpc_performance.png" \
  "$out/result.csv" "$out/result_chart.png"

rj_install_traps
"$MPC_SCRIPTS/gen-certs.sh" --out "$out/certs" --parties "$parties"
if [[ -n "$query" || -n "$dp_rho" ]]; then
  query_args=()
  [[ -z "$query" ]] || query_args+=(--query "$query")
  # The coordinator checks the value (exit 2 naming --dp-rho when it is out of range).
  [[ -z "$dp_rho" ]] || query_args+=(--dp-rho "$dp_rho")
  rj_mpc_run "$out" "$build_dir" "$out/certs" "$parties" "$users" "$seed" "$timeout" "${query_args[@]}" \
    || die "the SMPC run failed; logs in $out/logs"
  # The coordinator's table is on its stdout, in its log after the log lines.
  grep -v '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T' "$out/logs/coordinator.log" || true
  "$MPC_PY" "$MPC_SCRIPTS/report.py" query-chart --run "$out/run.json" --out "$out/result_chart.png" \
    || die "could not draw the query's chart"
  info "query result: $out/run.json, $out/result.csv"
else
  rj_mpc_run "$out" "$build_dir" "$out/certs" "$parties" "$users" "$seed" "$timeout" \
    || die "the SMPC run failed; logs in $out/logs"
  "$MPC_PY" "$MPC_SCRIPTS/report.py" compare --run "$out/run.json" --locals "$out/locals" --out "$out" \
    || die "the SMPC result does not equal the pooled plaintext result (or could not be compared)"
fi

if ((scaling)); then
  max=$((parties > 5 ? parties : 5))
  # scale.sh runs as a launched job too, so an interrupt here stops it (and its trap stops its runs).
  # Its watchdog: every run (N = 2..max, 3 repeats, 3 protocols) at its own worst case.
  rj_launch scale.sh - $(((max - 1) * 9 * (2 * timeout + 20) + 60)) "$MPC_SCRIPTS/scale.sh" --max-parties "$max" \
    --min-parties 2 --users-per-party "$users" --seed "$seed" --out "$out" --build-dir "$build_dir" \
    --timeout "$timeout" --protocols "secagg seeded full" --repeats 3 --no-build
  rj_wait_all || die "the scaling sweep failed"
fi
info "all done; results in $out"
