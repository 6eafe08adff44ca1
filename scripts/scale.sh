#!/usr/bin/env bash
# Scaling sweep: R real loopback runs per number of parties and protocol (alternated), a CSV row
# each, one chart of the medians with min-max bars.
set -euo pipefail
PROG=scale.sh
source "$(dirname "$0")/lib/common.sh"
source "$MPC_SCRIPTS/lib/run-job.sh"

usage() {
  cat <<USAGE
Usage: $PROG --max-parties M [--min-parties 2] [--users-per-party U] [--seed S] [--out DIR]
                [--protocols "secagg seeded full"] [--repeats R] [--vector-length M] [--build-dir DIR]
                [--timeout S] [--no-build]

For each N from min to max, R times, each protocol in turn: N parties with U synthetic users each
and the coordinator run on loopback with mutual TLS; the SMPC totals are checked against the pooled
plaintext; a row is written to DIR/scaling.csv (started afresh):
  parties,protocol,users_per_party,total_seconds,wire_bytes_total,wire_kb_total,payload_bytes_total,max_party_peak_rss_bytes
then DIR/smpc_performance.png is drawn: per protocol and N the median of the R runs, with bars from
the fastest to the slowest. The last run's files are in DIR/scaling/<protocol>-n<N>/.
With --vector-length M the parties instead contribute M values each (the vector workload, for large
vectors); there is no plaintext comparison then (it applies to the visits query only) and the rows
have users_per_party 0.

  --max-parties M      largest N (>= min)
  --min-parties N      smallest N (default 2)
  --users-per-party U  synthetic users per party (default 1000)
  --seed S             data seed (default 42)
  --out DIR            output directory (default results)
  --protocols LIST     space- or comma-separated, each passed to the coordinator as --protocol
                       (default "secagg seeded full"; secagg runs get a roster without party endpoints)
  --repeats R          runs per point (default 3), alternated between the protocols
  --vector-length M    vector workload of M values per party, passed to every party (with --seed)
                       and to the coordinator (default 0: the visits query)
  --build-dir DIR      where the binaries are built (default build/ in the repository)
  --timeout S          the processes' timeout in seconds (default 30)
  --no-build           use the binaries as they are (default: scripts/build.sh first)
USAGE
}

max="" min=2 users=1000 seed=42 out=results protocols="secagg seeded full" build_dir="$MPC_ROOT/build" timeout=30 build=1
repeats=3
vector_length=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --max-parties) need_value "$1" $#; check_uint "$1" "$2" 1; max=$((10#$2)); shift 2 ;;
    --min-parties) need_value "$1" $#; check_uint "$1" "$2" 1; min=$((10#$2)); shift 2 ;;
    --users-per-party) need_value "$1" $#; check_uint "$1" "$2" 1; users=$((10#$2)); shift 2 ;;
    --seed) need_value "$1" $#; check_uint "$1" "$2"; seed="$2"; shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --protocols) need_value "$1" $#; protocols="$2"; shift 2 ;;
    --repeats) need_value "$1" $#; check_uint "$1" "$2" 1; repeats=$((10#$2)); shift 2 ;;
    --vector-length) need_value "$1" $#; check_uint "$1" "$2"; vector_length=$((10#$2)); shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --timeout) need_value "$1" $#; check_uint "$1" "$2" 1; timeout=$((10#$2)); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ -n "$max" ]] || die_usage "--max-parties is required"
((min <= max)) || die_usage "--min-parties $min is larger than --max-parties $max"
read -r -a protocol_list <<<"${protocols//,/ }"
((${#protocol_list[@]})) || die_usage "--protocols is empty"
for p in "${protocol_list[@]}"; do [[ "$p" =~ ^[A-Za-z0-9_-]+$ ]] || die_usage "bad protocol name '$p'"; done
((vector_length <= 1 << 31)) || die_usage "--vector-length must be at most $((1 << 31)), got $vector_length"
# Read by rj_mpc_run: > 0 selects the vector workload for the parties and the coordinator.
# shellcheck disable=SC2034
MPC_VECTOR_LENGTH=$vector_length
row_users=$users
((vector_length == 0)) || row_users=0

ensure_deps
build_dir="$(abs_path "$build_dir")" out="$(abs_path "$out")"
prepare_binaries "$build_dir" "$build"
mkdir -p "$out/scaling"
csv="$out/scaling.csv"
rm -f "$csv"

rj_install_traps
"$MPC_SCRIPTS/gen-certs.sh" --out "$out/scaling/certs" --parties "$max"
for ((n = min; n <= max; n++)); do
  for ((rep = 1; rep <= repeats; rep++)); do
    for protocol in "${protocol_list[@]}"; do
      coordinator_args=(--protocol "$protocol")
      dir="$out/scaling/$protocol-n$n"
      rj_mpc_run "$dir" "$build_dir" "$out/scaling/certs" "$n" "$users" "$seed" "$timeout" "${coordinator_args[@]}" \
        || die "the run with $n parties ($protocol) failed; logs in $dir/logs"
      # The plaintext comparison applies to the visits query; a vector run has no visit totals.
      if ((vector_length == 0)); then
        "$MPC_PY" "$MPC_SCRIPTS/report.py" compare --run "$dir/run.json" --locals "$dir/locals" --out "$dir" --no-chart \
          >"$dir/compare.txt" || die "$(tail -n 1 "$dir/compare.txt") ($protocol, $n parties; see $dir/compare.txt)"
      fi
      "$MPC_PY" "$MPC_SCRIPTS/report.py" scaling-row --run "$dir/run.json" --csv "$csv" --protocol "$protocol" \
        --users-per-party "$row_users"
      info "$protocol n=$n ($rep/$repeats): $(tail -n 1 "$csv")"
    done
  done
done
"$MPC_PY" "$MPC_SCRIPTS/report.py" performance --csv "$csv" --out "$out/smpc_performance.png"
info "wrote $csv and $out/smpc_performance.png"
