#!/usr/bin/env bash
# The docker compose deployment, run for real: installs Docker if missing, starts dockerd if none
# runs (and stops it again on every exit path), makes the Debian base image locally when no
# registry is reachable, then runs `docker-compose up --build` on the committed 3-party file and on
# a generated 5-party query deployment, once per coordinator protocol, and checks every result
# against the plaintext. Exit 0 ok, 1 failure, 77 when no Docker engine can run here (a skip for
# CTest's SKIP_RETURN_CODE; the one line before it says why).
set -euo pipefail
PROG=compose-test.sh
source "$(dirname "$0")/lib/common.sh"

# The coordinator's --protocol choices; a new protocol is one more word here (the script fails if
# the coordinator offers one that is missing).
PROTOCOLS=(secagg seeded full)
# The compose files' default (${MPCSTATS_PROTOCOL:-secagg}, the coordinator's own default): this
# one runs with MPCSTATS_PROTOCOL unset, so that the default itself is what is checked.
DEFAULT_PROTOCOL=secagg
# The base image is rebuilt when the newest one is older than this (security updates).
BASE_MAX_AGE_DAYS="${MPCSTATS_BASE_MAX_AGE_DAYS:-30}"

usage() {
  cat <<USAGE
Usage: $PROG [--plain-check BIN] [--protocols "${PROTOCOLS[*]}"] [--keep]

  --plain-check BIN  the plaintext reference checker (tests/mpcstats_plain_check of a build
                     directory; default: \$BUILD_DIR or build/, built if missing)
  --protocols LIST   coordinator protocols to run (default: "${PROTOCOLS[*]}")
  --keep             keep the work directory (certificates, results, logs) and print its path
Needs root (or a running Docker engine). The base image (mpcstats-base:bookworm-YYYYMMDD, tagged
debian:bookworm and debian:bookworm-slim) and Docker's build cache stay for the next run; a base
image older than $BASE_MAX_AGE_DAYS days (MPCSTATS_BASE_MAX_AGE_DAYS) is made again.
USAGE
}

plain_check="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --plain-check) need_value "$1" $#; plain_check="$2"; shift 2 ;;
    --protocols) need_value "$1" $#; read -r -a PROTOCOLS <<<"$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ ${#PROTOCOLS[@]} -gt 0 ]] || die_usage "--protocols is empty"

skip() { info "SKIP: $*"; exit 77; }

ensure_deps || true
for tool in docker-compose dockerd debootstrap; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh could not install it)"
done
# Debian's CLI (from docker.io) matches its dockerd; another docker earlier on PATH may not.
DOCKER=docker
[[ -x /usr/bin/docker ]] && DOCKER=/usr/bin/docker

if [[ -z "$plain_check" ]]; then
  build_dir="$(abs_path "${BUILD_DIR:-$MPC_ROOT/build}")"
  plain_check="$build_dir/tests/mpcstats_plain_check"
  [[ -x "$plain_check" ]] || cmake --build "$build_dir" --target mpcstats_plain_check >&2 \
    || die "cannot build mpcstats_plain_check in $build_dir (configure it with scripts/build.sh)"
fi
plain_check="$(abs_path "$plain_check")"  # the checks run in the deployment directories
[[ -x "$plain_check" ]] || die "plaintext checker not found: $plain_check"

# One run at a time on a machine: the daemon, the image tags and the build cache are shared.
exec 9>/tmp/mpcstats-compose-test.lock
flock -w 1800 9 || die "another compose-test.sh has held /tmp/mpcstats-compose-test.lock for 30 min"

tmp="$(mktemp -d /tmp/mpcstats-compose-test.XXXXXX)"
dockerd_pid="" containerd_pids="" projects=()

stop_dockerd() {
  [[ -n "$dockerd_pid" ]] || return 0
  kill -TERM "$dockerd_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$dockerd_pid" 2>/dev/null; then
    info "dockerd ($dockerd_pid) did not stop in 30 s: killing it"
    kill -KILL "$dockerd_pid" 2>/dev/null || true
  fi
  wait "$dockerd_pid" 2>/dev/null || true
  # Its managed containerd stops with it; make sure.
  local pid
  for pid in $containerd_pids; do
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  dockerd_pid=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local p
  for p in "${projects[@]}"; do
    [[ -f "$tmp/$p.compose" ]] || continue
    (cd "$(cat "$tmp/$p.dir")" && docker-compose -p "$p" -f "$(cat "$tmp/$p.compose")" down --remove-orphans \
      >/dev/null 2>&1) || true
  done
  stop_dockerd
  if ((keep)); then info "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the daemon -----------------------------------------------------------------------------
if ! "$DOCKER" info >/dev/null 2>&1; then
  [[ "$(id -u)" -eq 0 ]] || skip "no Docker engine is running and starting one needs root"
  info "starting dockerd (log: $tmp/dockerd.log)"
  # 9>&-: the lock stays ours; a containerd-shim left over from a killed run must not hold it.
  dockerd >"$tmp/dockerd.log" 2>&1 9>&- &
  dockerd_pid=$!
  for ((i = 0; i < 300; i++)); do
    "$DOCKER" info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! "$DOCKER" info >/dev/null 2>&1; then
    why="$(grep -iE 'failed|error' "$tmp/dockerd.log" | tail -1 | cut -c1-200)"
    stop_dockerd
    skip "dockerd cannot start here: ${why:-no answer on its socket within 30 s}"
  fi
  containerd_pids="$(pgrep -P "$dockerd_pid" containerd || true)"
fi

# ---- the base image -------------------------------------------------------------------------
# The Debian mirror apt uses here (one-line or deb822 sources), for debootstrap and the image's apt.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uri = ""; ok = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uri = u[1] }
             if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
           }
           if (ok && uri != "") { print uri; exit } }' "$f"
  done
}

# ours BASE: true if the image was made by this script (labelled), false for a registry image.
ours() { [[ "$("$DOCKER" image inspect -f '{{index .Config.Labels "org.mpcstats.base"}}' "$1" 2>/dev/null)" == bookworm ]]; }

ensure_base_image() {
  local have=1 t
  for t in debian:bookworm debian:bookworm-slim; do
    "$DOCKER" image inspect "$t" >/dev/null 2>&1 || have=0
  done
  if ((have)) && ! ours debian:bookworm; then
    info "using the registry's debian:bookworm images"
    return 0
  fi
  local newest today tag
  newest="$("$DOCKER" images mpcstats-base --format '{{.Tag}}' | grep -E '^bookworm-[0-9]{8}$' | sort | tail -1 || true)"
  today="$(date -u +%Y%m%d)"
  if [[ -n "$newest" ]] &&
     (( ($(date -u -d "$today" +%s) - $(date -u -d "${newest#bookworm-}" +%s)) / 86400 <= BASE_MAX_AGE_DAYS )); then
    tag="mpcstats-base:$newest"
    info "base image $tag (cached)"
  else
    local mirror
    mirror="$(debian_mirror | head -1)"
    [[ -n "$mirror" ]] || die "no bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d"
    tag="mpcstats-base:bookworm-$today"
    info "making base image $tag: debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
      || die "debootstrap failed: $(tail -1 "$tmp/debootstrap.log")"
    tar -C "$tmp/rootfs" -c . | "$DOCKER" import --change 'LABEL org.mpcstats.base=bookworm' - "$tag" >/dev/null \
      || die "docker import of the base image failed"
    rm -rf "$tmp/rootfs"
    local old
    for old in $("$DOCKER" images mpcstats-base --format '{{.Tag}}' | grep -E '^bookworm-[0-9]{8}$' | grep -vx "bookworm-$today" || true); do
      "$DOCKER" rmi "mpcstats-base:$old" >/dev/null 2>&1 || true
    done
  fi
  "$DOCKER" tag "$tag" debian:bookworm
  "$DOCKER" tag "$tag" debian:bookworm-slim
}
ensure_base_image

# ---- the deployments ------------------------------------------------------------------------
# A clean copy of the working tree (tracked and untracked, not ignored files): the build context
# is what a fresh clone has, and certificates and results stay out of the source tree.
work="$tmp/repo"
mkdir -p "$work"
if git -C "$MPC_ROOT" rev-parse --show-toplevel >/dev/null 2>&1; then
  (cd "$MPC_ROOT" && git ls-files -z --cached --others --exclude-standard |
     tar --null -T - --ignore-failed-read -c 2>/dev/null) | tar -C "$work" -x
else
  tar -C "$MPC_ROOT" --exclude=./build --exclude='./build-*' --exclude='./results*' --exclude=./deploy/certs -c . |
    tar -C "$work" -x
fi

# The coordinator's protocol choices, from its own --help in the image: every one must be tested.
check_protocol_list() {
  local offered p
  offered="$("$DOCKER" run --rm mpcstats:latest mpcstats-coordinator --help |
    sed -n 's/.*--protocol[^{]*{\([^}]*\)}.*/\1/p' | tr ',' ' ')"
  [[ -n "$offered" ]] || die "cannot read the coordinator's --protocol choices from its --help"
  for p in $offered; do
    [[ " ${PROTOCOLS[*]} " == *" $p "* ]] || die "the coordinator offers --protocol $p, which this script does not run (add it to PROTOCOLS)"
  done
}

# compose_run NAME DIR PROTOCOL CHECK...: docker-compose up --build in DIR with MPCSTATS_PROTOCOL
# (unset for DEFAULT_PROTOCOL), every container must exit 0, run.json must be a PROTOCOL run, then
# CHECK runs in DIR, then down: nothing of the project may remain.
compose_run() {
  local name="$1" dir="$2" protocol="$3" project
  shift 3
  project="mpcstats-test-$name-$protocol-$$"
  projects+=("$project")
  echo "$dir" >"$tmp/$project.dir"
  echo "$dir/docker-compose.yml" >"$tmp/$project.compose"
  rm -rf "$dir/results" "$dir/results-local"
  local started=$SECONDS env_args=(MPCSTATS_PROTOCOL="$protocol")
  [[ "$protocol" != "$DEFAULT_PROTOCOL" ]] || env_args=(-u MPCSTATS_PROTOCOL)
  info "== $name, protocol $protocol: docker-compose up --build (log: $tmp/$project.log)"
  (cd "$dir" && env "${env_args[@]}" timeout 1800 docker-compose -p "$project" up --build --no-color) \
    >"$tmp/$project.log" 2>&1 || die "docker-compose up failed: $(tail -3 "$tmp/$project.log" | tr '\n' ' ')"
  local ids id state bad=""
  ids="$(cd "$dir" && docker-compose -p "$project" ps -q)"
  [[ -n "$ids" ]] || die "$name: no containers after up"
  for id in $ids; do
    state="$("$DOCKER" inspect -f '{{.Name}} {{.State.Status}} {{.State.ExitCode}}' "$id")"
    [[ "$state" == *" exited 0" ]] || bad+="$state; "
  done
  [[ -z "$bad" ]] || die "$name ($protocol): containers did not all exit 0: $bad (log: $(tail -5 "$tmp/$project.log" | tr '\n' ' '))"
  [[ "$("$MPC_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["protocol"])' "$dir/results/run.json")" == "$protocol" ]] \
    || die "$name: results/run.json is not a $protocol run"
  (cd "$dir" && "$@") >"$tmp/$project.check" 2>&1 || die "$name ($protocol): check failed: $(tail -5 "$tmp/$project.check" | tr '\n' ' ')"
  (cd "$dir" && docker-compose -p "$project" down --remove-orphans) >>"$tmp/$project.log" 2>&1 \
    || die "docker-compose down failed for $project"
  local left
  left="$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$project")$("$DOCKER" network ls -q --filter "label=com.docker.compose.project=$project")"
  [[ -z "$left" ]] || die "$project left containers or networks behind: $left"
  info "ok: $name, protocol $protocol ($((SECONDS - started)) s)"
}

# Checks write only under results/ (dockerignored): anything new in the build context would cost
# the next `up --build` its cached build layer.
compare_default() {
  "$MPC_PY" scripts/report.py compare --run results/run.json --locals results-local --out results \
    >results/report.txt 2>&1 || { cat results/report.txt; return 1; }
  grep -q '^MATCH' results/report.txt || { cat results/report.txt; return 1; }
}
compare_query() {
  [[ -f results/result.csv ]] || { echo "no results/result.csv"; return 1; }
  "$plain_check" --run results/run.json --roster deploy/roster.docker.json --users 1000 --seed 42
}

# 1. The committed 3-party file, as the README runs it.
"$work/scripts/gen-certs.sh" --out "$work/deploy/certs" --parties 3 --hosts coordinator,party1,party2,party3 \
  >"$tmp/certs3.log" 2>&1 || die "gen-certs failed: $(tail -1 "$tmp/certs3.log")"
for protocol in "${PROTOCOLS[@]}"; do
  compose_run default "$work" "$protocol" compare_default
  [[ "$protocol" != "${PROTOCOLS[0]}" ]] || check_protocol_list
done

# 2. A generated 5-party deployment running a query, in its own directory (build context: the copy).
q5="$tmp/query5"
mkdir -p "$q5/examples/queries"
cp "$work/examples/queries/district_weekend.json" "$q5/examples/queries/"
"$work/scripts/gen-compose.sh" --parties 5 --out "$q5/docker-compose.yml" \
  --query examples/queries/district_weekend.json >"$tmp/gen5.log" 2>&1 || die "gen-compose failed: $(tail -1 "$tmp/gen5.log")"
"$work/scripts/gen-certs.sh" --out "$q5/deploy/certs" --parties 5 \
  --hosts coordinator,party1,party2,party3,party4,party5 >"$tmp/certs5.log" 2>&1 \
  || die "gen-certs failed: $(tail -1 "$tmp/certs5.log")"
for protocol in "${PROTOCOLS[@]}"; do
  compose_run query5 "$q5" "$protocol" compare_query
done

# 3. The daemon this script started stops, and nothing of ours runs.
if [[ -n "$dockerd_pid" ]]; then
  pid="$dockerd_pid"
  stop_dockerd
  ! kill -0 "$pid" 2>/dev/null || die "dockerd ($pid) still runs"
  "$DOCKER" info >/dev/null 2>&1 && die "a Docker engine still answers after stopping the one this script started"
fi
info "all compose runs passed (${PROTOCOLS[*]})"
