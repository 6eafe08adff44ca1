#!/usr/bin/env bash
# Ingestion throughput against the requirement "at least 1 million rows per second per core, measured
# with a 10-million-row file": data_bench's BM_ReadVisitsCsv writes a 10,000,000-row visit CSV (with
# spend) once, then streams it with ReadVisitsCsv on one thread, R repetitions. Prints the medians.
set -euo pipefail
PROG=bench-ingest.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--repetitions R] [--build-dir DIR] [--no-build] [--min-rows-per-second N]

  --repetitions R          benchmark repetitions (default 3); the medians are reported
  --build-dir DIR          build directory (default build-bench/ in the repository)
  --no-build               use data_bench as it is (default: scripts/build.sh, Release, -DMPCSTATS_BENCH=ON)
  --min-rows-per-second N  exit 1 if the median rows/s (real time) is below N (default 1000000)

Needs about 0.5 GB in the temporary directory (\$TMPDIR or /tmp) for the CSV file, removed at exit,
and about 1.5 GB of memory while the file is generated. The file is read from the page cache after
it is written, so the numbers are the parser's (one core), not the disk's. The last line printed is
median_rows_per_second=N.
USAGE
}

build_dir="$MPC_ROOT/build-bench" build=1 repetitions=3 min_rate=1000000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repetitions) need_value "$1" $#; check_uint "$1" "$2" 1; repetitions=$((10#$2)); shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --min-rows-per-second) need_value "$1" $#; check_uint "$1" "$2"; min_rate=$((10#$2)); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done

ensure_deps
build_dir="$(abs_path "$build_dir")"
if ((build)); then
  # The same configuration as scripts/bench.sh, so the two do not re-configure each other's tree.
  "$MPC_SCRIPTS/build.sh" --build-dir "$build_dir" --type Release -- -DMPCSTATS_BENCH=ON -DBUILD_TESTING=OFF \
    || die "build failed"
fi
bench_bin="$build_dir/bench/data_bench"
[[ -x "$bench_bin" ]] || die "not built: $bench_bin (configure with -DMPCSTATS_BENCH=ON)"

json="$(mktemp "${TMPDIR:-/tmp}/bench-ingest.XXXXXX.json")"
trap 'rm -f "$json"' EXIT
info "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
info "BM_ReadVisitsCsv, 10,000,000 rows, $repetitions repetition(s) (writing the file first takes a while)"
"$bench_bin" --benchmark_filter='^BM_ReadVisitsCsv/' --benchmark_repetitions="$repetitions" \
  --benchmark_out="$json" --benchmark_out_format=json >&2 || die "data_bench failed"

# Medians over the repetitions' own runs (Google Benchmark adds no aggregates for one repetition).
"$MPC_PY" - "$json" "$min_rate" <<'PY'
import json
import statistics
import sys

runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"]
        if b["name"].startswith("BM_ReadVisitsCsv/") and b.get("run_type", "iteration") == "iteration"
        and not b.get("error_occurred")]
if not runs:
    sys.exit("bench-ingest.sh: error: no successful BM_ReadVisitsCsv run in the benchmark output")
med = lambda key: statistics.median(float(b[key]) for b in runs)
rows = int(runs[0]["name"].split("/")[1])
real, cpu = med("items_per_second"), med("rows_per_cpu_second")
mb = 1e6
print(f"ingest: {rows} rows, file {med('file_bytes') / mb:.1f} MB, {len(runs)} repetition(s), medians:")
print(f"  rows/s (real time) {real / 1e6:.2f} M    rows/s (CPU time) {cpu / 1e6:.2f} M    "
      f"MB/s (real time) {med('bytes_per_second') / mb:.1f}")
peak = med("peak_rss_growth")  # -1 where the kernel does not let a process reset its peak RSS
peak_text = f"{peak / mb:.1f} MB" if peak >= 0 else "n/a"
print(f"  memory: table {med('table_bytes') / mb:.1f} MB, peak RSS growth of one read {peak_text}, "
      f"file {med('file_bytes') / mb:.1f} MB")
minimum = int(sys.argv[2])
verdict = "met" if real >= minimum else "NOT met"
print(f"  requirement >= {minimum} rows/s per core (real time, one thread): {verdict}")
print(f"median_rows_per_second={real:.0f}")
sys.exit(0 if real >= minimum else 1)
PY
