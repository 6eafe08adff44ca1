#!/usr/bin/env bash
# Static check of the deployment files (no Docker engine needed): the committed docker-compose.yml
# and deploy/roster.docker.json equal what scripts/gen-compose.sh produces, and both it and a
# generated 5-party file pass `docker-compose config -q`. Exit 0 ok, 1 failure, 77 when
# docker-compose cannot be installed (a skip for CTest's SKIP_RETURN_CODE).
set -euo pipefail
PROG=check-compose.sh
source "$(dirname "$0")/lib/common.sh"

usage() { echo "Usage: $PROG   (no arguments; see the comment at the top of the script)"; }
case "${1:-}" in
  "") ;;
  -h|--help) usage; exit 0 ;;
  *) die_usage "unknown argument '$1'" ;;
esac

ensure_deps || true
command -v docker-compose >/dev/null || { info "SKIP: docker-compose is not installed"; exit 77; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# compose_ok FILE: docker-compose's own validation, run from the file's directory (relative mounts).
compose_ok() {
  (cd "$(dirname "$1")" && docker-compose -f "$(basename "$1")" config -q) 2>"$tmp/err" \
    || die "docker-compose config rejects $1: $(tr '\n' ' ' <"$tmp/err")"
  info "ok: $1"
}

# The committed files are generated ones, unchanged.
"$MPC_SCRIPTS/gen-compose.sh" --parties 3 --out "$tmp/c3/docker-compose.yml" --context . 2>/dev/null
for f in docker-compose.yml deploy/roster.docker.json; do
  diff -u "$MPC_ROOT/$f" "$tmp/c3/$f" >&2 \
    || die "$f differs from the output of scripts/gen-compose.sh --parties 3 (re-run it)"
done
compose_ok "$MPC_ROOT/docker-compose.yml"

# A generated 5-party deployment, with its build context pointing back at the repository.
"$MPC_SCRIPTS/gen-compose.sh" --parties 5 --out "$tmp/c5/docker-compose.yml" 2>/dev/null
compose_ok "$tmp/c5/docker-compose.yml"
services="$(cd "$tmp/c5" && docker-compose config --services | sort | tr '\n' ' ')"
[[ "$services" == "coordinator party1 party2 party3 party4 party5 " ]] \
  || die "the 5-party file has services '$services'"
# A deployment that runs a statistics query: the coordinator gets it mounted and passed as --query.
mkdir -p "$tmp/cq/queries"
cp "$MPC_ROOT/examples/queries/district_weekend.json" "$tmp/cq/queries/q.json"
"$MPC_SCRIPTS/gen-compose.sh" --parties 3 --out "$tmp/cq/docker-compose.yml" --query queries/q.json 2>/dev/null
compose_ok "$tmp/cq/docker-compose.yml"
command="$(cd "$tmp/cq" && docker-compose config | sed -n '/^  coordinator:/,/^  party1:/p')"
grep -q -- "--query" <<<"$command" && grep -q "/etc/mpcstats/query.json" <<<"$command" \
  || die "the query deployment's coordinator does not get --query: $command"
# party1 on PostgreSQL (examples/postgres): a valid file, party1 gets --pg and --pg-table, its
# password only through PGPASSFILE (no password= in its command), and only party1 is on the
# database's network.
pg_file="$MPC_ROOT/examples/postgres/docker-compose.yml"
compose_ok "$pg_file"
pg_config="$(cd "$(dirname "$pg_file")" && docker-compose config)"
services="$(cd "$(dirname "$pg_file")" && docker-compose config --services | sort | tr '\n' ' ')"
[[ "$services" == "coordinator party1 party2 party3 postgres " ]] || die "$pg_file has services '$services'"
party1="$(sed -n '/^  party1:/,/^  party2:/p' <<<"$pg_config")"
grep -q -- "--pg$" <<<"$party1" && grep -q -- "--pg-table" <<<"$party1" && grep -q "PGPASSFILE" <<<"$party1" \
  || die "$pg_file: party1 does not read from postgres with --pg, --pg-table and PGPASSFILE"
! grep -qi "password=" <<<"$party1" || die "$pg_file: a password in party1's configuration"
for other in coordinator party2 party3; do
  block="$(sed -n "/^  $other:/,/^  [a-z0-9]*:$/p" <<<"$pg_config" | sed '$d')"
  ! grep -q "shop" <<<"$block" || die "$pg_file: $other is on the database network"
done
info "compose files ok"
