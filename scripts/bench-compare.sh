#!/usr/bin/env bash
# Protocol time of this checkout against a baseline checkout, measured in the same session:
# R alternating rounds of scripts/bench.sh (one limit/run pair each), the baseline's own
# bench.sh and binaries first in each round, then this checkout's. Prints the medians of both
# and their ratio; alternation keeps the machine's drifting load out of the ratio.
set -euo pipefail
PROG=bench-compare.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG --baseline DIR [--repeats R] [--out DIR] [-- BENCH_ARGS...]

  --baseline DIR  another checkout of mpcstats (e.g. \`git worktree add DIR COMMIT\`), with its
                  benchmarks built in DIR/build-bench (its scripts/bench.sh builds them if absent)
  --repeats R     rounds (default 3)
  --out DIR       output directory (default results/bench-compare): baseline-<i>/, current-<i>/,
                  compare.csv
  -- ARGS         passed to both bench.sh runs (e.g. --vector-length 1e7 --parties 3 --protocol full)
Builds this checkout's benchmarks once (build-bench/). The last line printed is
ratio=R (median current protocol seconds / median baseline protocol seconds).
USAGE
}

baseline="" repeats=3 out="$MPC_ROOT/results/bench-compare" extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --baseline) need_value "$1" $#; baseline="$2"; shift 2 ;;
    --repeats) need_value "$1" $#; check_uint "$1" "$2" 1; repeats=$((10#$2)); shift 2 ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ -n "$baseline" ]] || die_usage "--baseline DIR is required"
baseline="$(abs_path "$baseline")" out="$(abs_path "$out")"
[[ -x "$baseline/scripts/bench.sh" ]] || die_usage "--baseline: no scripts/bench.sh in $baseline"

build_flag() { [[ -x "$1/build-bench/bench/mpcstats-tls-limit" ]] && echo --no-build || true; }
mkdir -p "$out"
echo "round,version,protocol_s,limit_s" > "$out/compare.csv"
for ((r = 1; r <= repeats; r++)); do
  for version in baseline current; do
    root="$MPC_ROOT"; [[ $version == baseline ]] && root="$baseline"
    dir="$out/$version-$r"
    # shellcheck disable=SC2046
    "$root/scripts/bench.sh" --repeats 1 --no-kernels $(build_flag "$root") --build-dir "$root/build-bench" \
      --out "$dir" "${extra[@]}" > "$dir.log" 2>&1 || die "$version round $r failed; see $dir.log"
    "$MPC_PY" - "$dir/runs.csv" "$r" "$version" >> "$out/compare.csv" <<'PY'
import csv, sys
row = next(csv.DictReader(open(sys.argv[1])))
print(f"{sys.argv[2]},{sys.argv[3]},{row['protocol_s']},{row['limit_s']}")
PY
    info "round $r/$repeats: $version $(tail -n 1 "$out/compare.csv" | cut -d, -f3) s"
  done
done
"$MPC_PY" - "$out/compare.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
med = {v: statistics.median(float(r["protocol_s"]) for r in rows if r["version"] == v) for v in ("baseline", "current")}
lim = {v: statistics.median(float(r["limit_s"]) for r in rows if r["version"] == v) for v in ("baseline", "current")}
for v in ("baseline", "current"):
    print(f"{v:9} median protocol {med[v]:.3f} s, median limit {lim[v]:.3f} s, ratio to limit {med[v] / lim[v]:.3f}")
print(f"ratio={med['current'] / med['baseline']:.3f}")
PY
