#!/usr/bin/env bash
# Protocol time against the machine's limit: R alternating pairs of (a) mpcstats-tls-limit for the
# protocol's bulk work and (b) a real N-party loopback run with M values, then medians and the ratio.
set -euo pipefail
PROG=bench.sh
source "$(dirname "$0")/lib/common.sh"
source "$MPC_SCRIPTS/lib/run-job.sh"
source "$MPC_SCRIPTS/lib/bench-run.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--vector-length M] [--parties N] [--repeats R] [--protocol seeded|full|secagg] [--out DIR]
                [--build-dir DIR] [--no-build] [--timeout S] [--seed S] [--no-kernels]

  --vector-length M  values per party (default 10000000; 1e7 is accepted)
  --parties N        number of parties (default 3)
  --repeats R        limit/run pairs, in alternation (default 3)
  --protocol P       seeded (default), full or secagg
  --out DIR          output directory (default results/bench)
  --build-dir DIR    build directory (default build-bench/ in the repository)
  --no-build         use the binaries as they are (default: scripts/build.sh, Release, -DMPCSTATS_BENCH=ON)
  --timeout S        the processes' timeout in seconds (default 120)
  --seed S           data seed (default 42)
  --no-kernels       skip the kernel micro-benchmarks

The limit (what one run's bulk work costs at best on this machine, see BENCHMARKS.md):
  seeded: TLS bytes = N*M*8 (the partial sums sent to the coordinator),
          PRG bytes = 2*(N-1)*M*8 (what each party expands with AES-CTR)
  full:   TLS bytes = N*M*8 + N*(N-1)*M*8 (partial sums plus the share vectors between parties),
          PRG bytes = (N-1)*M*8 (the random shares each party draws)
  secagg: TLS bytes = N*M*8 (the masked inputs sent to the coordinator),
          PRG bytes = 2*N*M*8 (each party's N-1 pairwise masks and self mask, then the
          coordinator's N self masks when unmasking)
  limit_seconds = prg_seconds + tls_seconds, measured by mpcstats-tls-limit with party1's certificate.
Protocol time = run.json metrics.phase_seconds_by_process.coordinator.aggregation (Start broadcast
until every partial sum arrived and verified; for secagg plus the coordinator's share_distribution,
its key rounds: Start until the unmasked sum is verified). Writes DIR/runs.csv, DIR/limit-<i>.json,
DIR/run-<i>/ (roster, logs, run.json) and DIR/kernels.txt. The last line printed is
ratio_to_limit=R (median protocol time / median limit time).
USAGE
}

m=10000000 parties=3 repeats=3 protocol=seeded out="$MPC_ROOT/results/bench" build_dir="$MPC_ROOT/build-bench"
build=1 timeout=120 seed=42 kernels=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --vector-length)
      need_value "$1" $#
      # 1e7 style is convenient for large M.
      if [[ "$2" =~ ^([0-9]+)[eE]([0-9]+)$ ]]; then m=$((10#${BASH_REMATCH[1]} * 10 ** 10#${BASH_REMATCH[2]})); else check_uint "$1" "$2" 1; m=$((10#$2)); fi
      shift 2 ;;
    --parties) need_value "$1" $#; check_uint "$1" "$2" 2; parties=$((10#$2)); shift 2 ;;
    --repeats) need_value "$1" $#; check_uint "$1" "$2" 1; repeats=$((10#$2)); shift 2 ;;
    --protocol) need_value "$1" $#; protocol="$2"; shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --timeout) need_value "$1" $#; check_uint "$1" "$2" 1; timeout=$((10#$2)); shift 2 ;;
    --seed) need_value "$1" $#; check_uint "$1" "$2"; seed="$2"; shift 2 ;;
    --no-kernels) kernels=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
case "$protocol" in seeded|full|secagg) ;; *) die_usage "--protocol must be seeded, full or secagg, got '$protocol'" ;; esac
((m >= 1 && m <= 2147483648)) || die_usage "--vector-length must be in 1..2^31, got $m"

ensure_deps
build_dir="$(abs_path "$build_dir")" out="$(abs_path "$out")"
if ((build)); then
  # Tests are not needed here; the benchmarks are.
  "$MPC_SCRIPTS/build.sh" --build-dir "$build_dir" --type Release -- -DMPCSTATS_BENCH=ON -DBUILD_TESTING=OFF \
    || die "build failed"
fi
check_binaries "$build_dir"
limit_bin="$build_dir/bench/mpcstats-tls-limit" kernels_bin="$build_dir/bench/kernels_bench"
[[ -x "$limit_bin" ]] || die "not built: $limit_bin (configure with -DMPCSTATS_BENCH=ON)"
((kernels == 0)) || [[ -x "$kernels_bin" ]] || die "not built: $kernels_bin (configure with -DMPCSTATS_BENCH=ON)"

values=$((m * 8))
if [[ $protocol == seeded ]]; then
  tls_bytes=$((parties * values)) prg_bytes=$((2 * (parties - 1) * values))
elif [[ $protocol == secagg ]]; then
  # Each party: N-1 pairwise masks and its self mask; then the coordinator: the N self masks again.
  tls_bytes=$((parties * values)) prg_bytes=$((2 * parties * values))
else
  tls_bytes=$((parties * values + parties * (parties - 1) * values)) prg_bytes=$(((parties - 1) * values))
fi

mkdir -p "$out"
rm -rf "$out"/run-* "$out"/limit-*.json "$out/runs.csv" "$out/kernels.txt"
rj_install_traps
"$MPC_SCRIPTS/gen-certs.sh" --out "$out/certs" --parties "$parties"

info "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
if ((kernels)); then
  info "kernel micro-benchmarks (short)"
  rj_launch kernels_bench "$out/kernels.txt" 300 "$kernels_bin" --benchmark_min_time=0.1
  rj_wait_all || die "kernels_bench failed; see $out/kernels.txt"
  # Google Benchmark prints bytes/s in binary units (G/s = GiB/s).
  # bytes/s is per CPU second of the benchmark thread (Google Benchmark's default), so it is less
  # sensitive to other load on the machine than wall time.
  awk '/^BM_/ { for (i = 2; i <= NF; i++) if ($i ~ /^bytes_per_second=/) { sub(/bytes_per_second=/, "", $i);
         printf "kernel %-28s %10s %-3s cpu  %s\n", $1, $4, $5, $i } }' "$out/kernels.txt"
fi

info "$parties parties x $m values, protocol $protocol, $repeats repeat(s); limit = PRG $prg_bytes B + TLS $tls_bytes B"
for ((r = 1; r <= repeats; r++)); do
  rj_launch tls-limit "$out/limit-$r.json" 300 "$limit_bin" --bytes "$tls_bytes" --prg-bytes "$prg_bytes" \
    --cert "$out/certs/party1.crt" --key "$out/certs/party1.key" --ca "$out/certs/ca.crt" --id party1
  rj_wait_all || die "mpcstats-tls-limit failed: $(tail -n 1 "$out/limit-$r.json")"
  bench_vector_run "$out/run-$r" "$build_dir" "$out/certs" "$parties" "$m" "$seed" "$timeout" --protocol "$protocol" \
    || die "run $r failed; logs in $out/run-$r/logs"
  "$MPC_PY" "$MPC_SCRIPTS/lib/bench_report.py" row --csv "$out/runs.csv" --repeat "$r" --limit "$out/limit-$r.json" \
    --run "$out/run-$r/run.json" --parties "$parties" --vector-length "$m" || die "cannot read the results of run $r"
  info "repeat $r/$repeats done"
done
"$MPC_PY" "$MPC_SCRIPTS/lib/bench_report.py" summary --csv "$out/runs.csv" --parties "$parties" --vector-length "$m"
