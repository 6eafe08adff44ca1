#!/usr/bin/env bash
# Writes a roster JSON: the coordinator and N parties with host and port (or ids only, for
# protocol secagg, where parties only dial the coordinator).
set -euo pipefail
PROG=make-roster.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG --parties N [--host H | --host-per-id] [--base-port P|auto] [--no-party-endpoints] [--out FILE]

  --parties N        number of parties (party1..partyN), >= 1
  --host H           host of every process (default 127.0.0.1)
  --host-per-id      each process's host is its own id ("coordinator", "party1", ...),
                     as on a Docker network where the service names resolve
  --base-port P      coordinator on P, partyI on P+I
  --base-port auto   (default) N+1 currently free TCP ports on the loopback interface
  --no-party-endpoints  parties get only their id (protocol secagg: they listen on nothing)
  --out FILE         write there instead of stdout

Roster format: {"coordinator":{"host":H,"port":P},"parties":[{"id":"party1","host":H,"port":P1},...]}
USAGE
}

parties="" host=127.0.0.1 base=auto out="" endpoints=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parties) need_value "$1" $#; check_uint "$1" "$2" 1; parties=$((10#$2)); shift 2 ;;
    --host) need_value "$1" $#; host="$2"; shift 2 ;;
    --host-per-id) host=@id; shift ;;
    --base-port) need_value "$1" $#; base="$2"; shift 2 ;;
    --no-party-endpoints) endpoints=0; shift ;;
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ -n "$parties" ]] || die_usage "--parties is required"
[[ "$host" == @id || "$host" =~ ^[A-Za-z0-9.:_-]+$ ]] || die_usage "--host '$host' is not a host name or IP address"
if [[ "$base" != auto ]]; then
  check_uint --base-port "$base" 1
  (( 10#$base + parties <= 65535 )) || die_usage "--base-port $base leaves no room for $parties parties"
fi
ensure_deps

roster="$("$MPC_PY" - "$parties" "$host" "$base" "$endpoints" <<'PY'
import json, socket, sys
n, host, base, endpoints = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if base == "auto":
    # Bind all N+1 sockets before closing any, so the ports are distinct.
    socks = []
    for _ in range(n + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
else:
    ports = [int(base) + i for i in range(n + 1)]
ids = ["coordinator"] + [f"party{i}" for i in range(1, n + 1)]
hosts = ids if host == "@id" else [host] * (n + 1)
roster = {
    "coordinator": {"host": hosts[0], "port": ports[0]},
    "parties": [{"id": ids[i], "host": hosts[i], "port": ports[i]} if endpoints else {"id": ids[i]}
                for i in range(1, n + 1)],
}
print(json.dumps(roster, indent=2))
PY
)" || die "could not build the roster"

if [[ -n "$out" ]]; then
  mkdir -p "$(dirname "$out")"
  printf '%s\n' "$roster" >"$out"
else
  printf '%s\n' "$roster"
fi
