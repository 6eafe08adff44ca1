#!/usr/bin/env bash
# Secure aggregation against the seeded mesh with real processes on this machine: the seed
# workload (synthetic visits) at several N, secagg without and with 20% of the parties killed
# between rounds (--inject-fault exit-after-*, cycling through the three rounds), and seeded at
# the N where it is feasible, alternated in the same run. One CSV row per run; the medians go to
# BENCHMARKS.md by hand.
set -euo pipefail
PROG=bench-secagg.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--parties "50 100 200"] [--seeded-max N] [--repeats R] [--users-per-party U]
             [--out DIR] [--build-dir DIR] [--timeout S] [--no-build]

Writes DIR/secagg_bench.csv:
  parties,protocol,dropped,repeat,wall_seconds,protocol_seconds,started_seconds,protocol_time_seconds,coordinator_peak_rss_bytes,max_party_peak_rss_bytes
wall_seconds: first launch to the coordinator's exit (steady wall clock of this script);
protocol_seconds: run.json's metrics.phase_seconds.total (the coordinator's start to the end of its
  run: every party linked, the result delivered and the links drained);
started_seconds: Start to the end of the run (protocol_seconds less the coordinator's
  connect_handshake, the wait until every party has started and connected to it, the same work
  for every protocol);
protocol_time_seconds: Start to the verified sum, as scripts/bench.sh measures protocol time (the
  coordinator's aggregation phase, plus its share_distribution: secagg's key rounds).
  --parties LIST     numbers of parties (default "50 100 200")
  --seeded-max N     run seeded too for N up to this (default 200)
  --repeats R        runs per point, alternated between protocols (default 3)
  --users-per-party U  (default 1000)
USAGE
}

parties="50 100 200" seeded_max=200 repeats=3 users=1000 out=results/secagg-bench build_dir="$MPC_ROOT/build"
timeout=60 build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parties) need_value "$1" $#; parties="$2"; shift 2 ;;
    --seeded-max) need_value "$1" $#; check_uint "$1" "$2"; seeded_max=$((10#$2)); shift 2 ;;
    --repeats) need_value "$1" $#; check_uint "$1" "$2" 1; repeats=$((10#$2)); shift 2 ;;
    --users-per-party) need_value "$1" $#; check_uint "$1" "$2" 1; users=$((10#$2)); shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --timeout) need_value "$1" $#; check_uint "$1" "$2" 1; timeout=$((10#$2)); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
ensure_deps
build_dir="$(abs_path "$build_dir")" out="$(abs_path "$out")"
prepare_binaries "$build_dir" "$build"
party="$(party_bin "$build_dir")" coordinator="$(coordinator_bin "$build_dir")"
max=0
for n in $parties; do ((n > max)) && max=$n; done
mkdir -p "$out"
[[ -f "$out/certs/party$max.crt" ]] || "$MPC_SCRIPTS/gen-certs.sh" --out "$out/certs" --parties "$max" >/dev/null
csv="$out/secagg_bench.csv"
echo "parties,protocol,dropped,repeat,wall_seconds,protocol_seconds,started_seconds,protocol_time_seconds,coordinator_peak_rss_bytes,max_party_peak_rss_bytes" >"$csv"

pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# run N PROTOCOL DROPPED REPEAT
run() {
  local n="$1" protocol="$2" dropped="$3" rep="$4" dir i fault start end rc
  dir="$out/runs/$protocol-n$n-d$dropped"
  rm -rf "$dir" && mkdir -p "$dir/logs"
  # shellcheck disable=SC2046
  "$MPC_SCRIPTS/make-roster.sh" --parties "$n" $(roster_flags --protocol "$protocol") --out "$dir/roster.json"
  local faults=(exit-after-advertise-keys exit-after-share-keys exit-after-masked-input)
  local common=(--roster "$dir/roster.json" --ca "$out/certs/ca.crt" --timeout "$timeout" --log-level warn)
  start=$(date +%s.%N)
  pids=()
  "$coordinator" "${common[@]}" --cert "$out/certs/coordinator.crt" --key "$out/certs/coordinator.key" \
    --out "$dir" --protocol "$protocol" >"$dir/logs/coordinator.log" 2>&1 &
  local coordinator_pid=$!
  for ((i = 1; i <= n; i++)); do
    fault=()
    # Every fifth party of the dropout runs dies (10 of 50), at a round that cycles with its index.
    if ((dropped > 0 && i % 5 == 0)); then fault=(--inject-fault "${faults[$(((i / 5) % 3))]}"); fi
    "$party" "${common[@]}" --id "party$i" --cert "$out/certs/party$i.crt" --key "$out/certs/party$i.key" \
      --users "$users" --seed 42 --out "$dir/party$i" "${fault[@]}" >"$dir/logs/party$i.log" 2>&1 &
    pids+=($!)
  done
  rc=0
  wait "$coordinator_pid" || rc=$?
  end=$(date +%s.%N)
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ((rc == 0)) && [[ -f "$dir/run.json" ]] || die "$protocol n=$n dropped=$dropped failed (exit $rc); logs in $dir/logs"
  "$MPC_PY" - "$dir/run.json" "$n" "$protocol" "$dropped" "$rep" "$start" "$end" >>"$csv" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
n, protocol, dropped, rep, start, end = sys.argv[2:8]
m = run["metrics"]
rss = m["peak_rss_bytes"]
party_rss = max((v for k, v in rss.items() if k != "coordinator"), default=0)
total = m["phase_seconds"]["total"]
coordinator = m["phase_seconds_by_process"]["coordinator"]
started = total - coordinator["connect_handshake"]
protocol_time = coordinator["aggregation"] + coordinator.get("share_distribution", 0.0)  # as bench_report.py
print(f'{n},{protocol},{dropped},{rep},{float(end) - float(start):.3f},{total:.3f},{started:.3f},'
      f'{protocol_time:.3f},{rss.get("coordinator", 0)},{party_rss}')
PY
  info "$(tail -n 1 "$csv")"
}

for ((rep = 1; rep <= repeats; rep++)); do
  for n in $parties; do
    run "$n" secagg 0 "$rep"
    ((n >= 5)) && run "$n" secagg $((n / 5)) "$rep"
    ((n <= seeded_max)) && run "$n" seeded 0 "$rep"
  done
done
info "wrote $csv"
