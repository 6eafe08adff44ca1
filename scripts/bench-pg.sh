#!/usr/bin/env bash
# A party's local step on N visit rows (default 10,000,000) in one PostgreSQL table, side by side:
# --pg-mode pushdown (the database computes the payloads), --pg-mode stream (COPY into the
# in-memory aggregation) and the CSV path on the same rows exported to a file. Each repetition
# runs the three modes in turn, each in its own process (bench/pg_ingest.cc), so each peak RSS is
# that mode's own. Both the default run's payload and a grouped query with every
# metric are computed; the three modes must produce identical payloads. Prints medians.
set -euo pipefail
PROG=bench-pg.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG [--rows N] [--repetitions R] [--build-dir DIR] [--no-build]

  --rows N          rows in the table (default 10000000; about 1 GB of table, 0.6 GB of CSV)
  --repetitions R   runs of each mode (default 3); the medians are reported
  --build-dir DIR   build directory (default build-bench/; built with -DMPCSTATS_BENCH=ON)
  --no-build        use mpcstats-pg-ingest as it is
The server is scripts/pg-test-server.sh's (shared_buffers 128 MB, fsync off; the party's session
gets work_mem 256 MB through the connection string), stopped at exit; the table and the CSV file
are read from the page cache.
USAGE
}

rows=10000000 repetitions=3 build_dir="$MPC_ROOT/build-bench" build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) need_value "$1" $#; check_uint "$1" "$2" 1; rows=$((10#$2)); shift 2 ;;
    --repetitions) need_value "$1" $#; check_uint "$1" "$2" 1; repetitions=$((10#$2)); shift 2 ;;
    --build-dir) need_value "$1" $#; build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
ensure_deps
build_dir="$(abs_path "$build_dir")"
if ((build)); then
  "$MPC_SCRIPTS/build.sh" --build-dir "$build_dir" --type Release -- -DMPCSTATS_BENCH=ON -DBUILD_TESTING=OFF \
    || die "build failed"
fi
tool="$build_dir/bench/mpcstats-pg-ingest"
[[ -x "$tool" ]] || die "not built: $tool (configure with -DMPCSTATS_BENCH=ON)"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-pg.XXXXXX")"
state="$work/server.state"
trap '"$MPC_SCRIPTS/pg-test-server.sh" stop "$state"; rm -rf "$work"' EXIT
"$MPC_SCRIPTS/pg-test-server.sh" start "$state"
socket="$(sed -n 1p "$state")"
admin() { PGPASSWORD="$(cat "$(sed -n 2p "$state")")" psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -U postgres "$@"; }
password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '*:*:*:reader:%s\n' "$password" >"$work/pgpass"
chmod 600 "$work/pgpass"
admin -d postgres -c "CREATE DATABASE bench" -c "CREATE ROLE reader LOGIN PASSWORD '$password'"

info "generating $rows rows in PostgreSQL (1,000,000 users, 2026, spend in cents)"
t0=$(date +%s)
admin -d bench <<SQL
SELECT setseed(0.42);
CREATE TABLE visits AS
SELECT 'u' || (random() * 999999)::int AS user_id,
       (ARRAY['grocery','clothing','electronics','pharmacy','restaurant','home_garden','sports','beauty'])
         [1 + (random() * 7)::int] AS store_category,
       ts AS "timestamp",
       (ARRAY['downtown','north','south','east','west','harbor'])[1 + (random() * 5)::int] AS district,
       extract(isodow FROM ts) >= 6 AS is_weekend,
       round((random() * 250)::numeric, 2) AS spend
FROM (SELECT timestamp '2026-01-01' + (random() * 365 * 86400)::int * interval '1 second' AS ts
      FROM generate_series(1, $rows)) g;
GRANT SELECT ON visits TO reader;
ANALYZE visits;
SQL
admin -d bench -c "\\copy (SELECT user_id, store_category, to_char(\"timestamp\", 'YYYY-MM-DD\"T\"HH24:MI:SS') AS \"timestamp\", district, is_weekend::int AS is_weekend, spend FROM visits) TO '$work/visits.csv' WITH (FORMAT csv, HEADER)"
info "generated and exported in $(( $(date +%s) - t0 )) s; table $(admin -d bench -Atc "SELECT pg_size_pretty(pg_total_relation_size('visits'))"), CSV $(du -h "$work/visits.csv" | cut -f1)"

cat >"$work/query.json" <<'JSON'
{"group_by": ["store_category", "district", "hour_of_day"],
 "metrics": ["visits", "active_users", "visits_per_user", "visits_per_active_user", "var_visits_per_active_user",
             "stddev_visits_per_active_user", "weekend_share", "spend_sum", "spend_mean",
             {"histogram_visits_per_active_user": [1, 2, 5, 10]}]}
JSON
# work_mem as an operator would set it for this job (the server default of 4 MB makes the GROUP BY
# spill to disk); passed in the connection string, the party's own session only.
conninfo="host=$socket dbname=bench user=reader passfile=$work/pgpass options='-c work_mem=256MB'"
common=(--roster "$MPC_ROOT/deploy/roster.docker.json" --query "$work/query.json")
: >"$work/results.jsonl"
for ((r = 1; r <= repetitions; ++r)); do
  for mode in pushdown stream csv; do
    if [[ $mode == csv ]]; then args=(--data "$work/visits.csv"); else args=(--pg "$conninfo" --pg-table visits); fi
    "$tool" --mode "$mode" "${common[@]}" "${args[@]}" | tee -a "$work/results.jsonl" >&2 || die "$mode failed"
  done
done

"$MPC_PY" - "$work/results.jsonl" "$rows" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = int(sys.argv[2])
hashes = {r["payload_hash"] for r in runs}
if len(hashes) != 1:
    sys.exit(f"bench-pg.sh: error: the modes computed different payloads: {sorted(hashes)}")
med = lambda mode, key: statistics.median(r[key] for r in runs if r["mode"] == mode)
mb = 1e6
print(f"ingest from PostgreSQL: {rows} rows, {len(runs) // 3} repetition(s), medians (identical payloads):")
print(f"  {'mode':9} {'total s':>8} {'read s':>8} {'rows/s':>9} {'seed s':>7} {'query s':>8} {'peak RSS':>9}")
for mode in ("pushdown", "stream", "csv"):
    read = med(mode, "open_seconds") if mode == "pushdown" else med(mode, "load_seconds")
    rate = "-" if mode == "pushdown" else f"{rows / read / 1e6:.2f} M"
    print(f"  {mode:9} {med(mode, 'total_seconds'):8.2f} {read:8.2f} {rate:>9} {med(mode, 'seed_seconds'):7.2f} "
          f"{med(mode, 'query_seconds'):8.2f} {med(mode, 'peak_rss_bytes') / mb:7.0f} MB")
print("  (pushdown 'read s' is connect + probe + the validation query; seed/query: the two payloads)")
PY
