#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks: initdb into a new temporary
# directory as an unprivileged user (postgres when run as root), Unix socket only
# (listen_addresses=''), the socket in that directory, so two servers (two build trees, two
# suites at once) never meet. The superuser "postgres" authenticates with a password (scram).
#   pg-test-server.sh start STATE   starts one, writes STATE: line 1 the socket directory (PGHOST),
#                                   line 2 the superuser's password file. A server left by an
#                                   earlier STATE (a killed run) is stopped first.
#   pg-test-server.sh stop STATE    stops it and removes its directory and STATE (no-op if absent).
set -euo pipefail
PROG=pg-test-server.sh
source "$(dirname "$0")/lib/common.sh"

usage() { echo "Usage: $PROG start|stop STATE_FILE"; }

[[ $# -ge 1 && ( "$1" == -h || "$1" == --help ) ]] && { usage; exit 0; }
[[ $# -eq 2 ]] || die_usage "expected start|stop STATE_FILE"
action="$1" state="$(abs_path "$2")"

bin_dir() {
  local initdb
  initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$initdb" ]] || die "PostgreSQL server not installed (scripts/install-deps.sh installs 'postgresql')"
  dirname "$initdb"
}

# as_owner CMD...: runs a server command as the unprivileged owner (initdb refuses root).
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [[ -f "$state" ]] || return 0
  local dir
  dir="$(sed -n 1p "$state")"
  if [[ -n "$dir" && -d "$dir/data" ]]; then
    as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ "$dir" == */mpcstats-pg.* ]] && rm -rf -- "$dir"
  rm -f -- "$state"
}

case "$action" in
  stop) stop ;;
  start)
    stop
    bin="$(bin_dir)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/mpcstats-pg.XXXXXX")"
    [[ "$(id -u)" -eq 0 ]] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner sh -c "umask 077; head -c 18 /dev/urandom | base64 > '$dir/superuser.pw'"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=scram-sha-256 --auth-host=reject \
      --pwfile="$dir/superuser.pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; rm -rf -- "$dir"; die "initdb failed"; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c unix_socket_permissions=0777 -c fsync=off -c log_statement=none" \
      start >/dev/null \
      || { cat "$dir/server.log" >&2; rm -rf -- "$dir"; die "the server did not start"; }
    printf '%s\n%s\n' "$dir" "$dir/superuser.pw" >"$state"
    info "PostgreSQL running, socket in $dir"
    ;;
  *) die_usage "unknown action '$action'" ;;
esac
