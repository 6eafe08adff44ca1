# shellcheck shell=bash
# Launching, waiting for and cleaning up the processes of an mpcstats run; sourced (after common.sh) by
# run-local.sh and scale.sh.
#
# Every process is started under `timeout`, which puts itself at the head of a new process group and
# kills the command after a watchdog delay; cleanup signals that whole group. Call rj_install_traps
# once, before the first launch: on any exit path (normal, error, INT, TERM, HUP) every launched
# process still running is sent TERM, then KILL after 3 s, and reaped.
#
# These functions run with `set -e` suspended when called in a condition, so every step checks itself.

declare -a RJ_PIDS=() RJ_NAMES=() RJ_LOGS=() RJ_RCS=()
declare -A RJ_ALIVE=()

rj_install_traps() {
  trap rj_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# rj_signal PID SIGNAL: signal the process group led by PID (or PID alone if it has no group yet).
rj_signal() { kill -"$2" -- "-$1" 2>/dev/null || kill -"$2" "$1" 2>/dev/null || true; }

# rj_launch NAME LOG WATCHDOG_SECONDS COMMAND...: start COMMAND in the background. LOG "-" keeps this
# script's stdout and stderr, anything else receives both. Stdin is /dev/null.
rj_launch() {
  local name="$1" log="$2" watchdog="$3"
  shift 3
  if [[ "$log" == - ]]; then
    timeout --kill-after=5 "$watchdog" "$@" </dev/null &
  else
    timeout --kill-after=5 "$watchdog" "$@" </dev/null >"$log" 2>&1 &
  fi
  RJ_PIDS+=("$!") RJ_NAMES+=("$name") RJ_LOGS+=("$log") RJ_RCS+=("")
  RJ_ALIVE[$!]=1
}

# rj_describe RC: what an exit status means.
rj_describe() {
  case "$1" in
    0) echo "ok" ;;
    1) echo "exit 1 (run failed)" ;;
    2) echo "exit 2 (bad input)" ;;
    124) echo "exit 124 (killed by the watchdog)" ;;
    126|127) echo "exit $1 (could not be started)" ;;
    *) if (($1 > 128)); then echo "exit $1 (signal $(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128))))"; else echo "exit $1"; fi ;;
  esac
}

# rj_wait_all: wait for every launched process. The first failure stops the others at once (they
# would only wait for their timeout). Prints one line per failed process and the log tail of the
# first one. Returns 0 when every process exited 0. Resets the launch list.
rj_wait_all() {
  local -A index=()
  local i pid rc first="" live
  for i in "${!RJ_PIDS[@]}"; do index[${RJ_PIDS[$i]}]=$i; done
  # Polling, not `wait -n`: bash reaps children as they exit and keeps their status for `wait PID`,
  # whereas `wait -n PIDS` fails with "no such job" once bash has cleaned a finished job up.
  while ((${#RJ_ALIVE[@]})); do
    for pid in "${!RJ_ALIVE[@]}"; do
      kill -0 "$pid" 2>/dev/null && continue
      rc=0
      wait "$pid" 2>/dev/null || rc=$?
      unset "RJ_ALIVE[$pid]"
      i=${index[$pid]}
      RJ_RCS[i]=$rc
      if ((rc != 0)) && [[ -z "$first" ]]; then
        first=$i
        for live in "${!RJ_ALIVE[@]}"; do rj_signal "$live" TERM; done
      fi
    done
    ((${#RJ_ALIVE[@]} == 0)) || sleep 0.1
  done
  if [[ -n "$first" ]]; then
    echo "$PROG: ${RJ_NAMES[first]} failed: $(rj_describe "${RJ_RCS[first]}")" >&2
    for i in "${!RJ_PIDS[@]}"; do
      [[ $i == "$first" || ${RJ_RCS[i]} == 0 ]] && continue
      echo "$PROG: ${RJ_NAMES[i]}: $(rj_describe "${RJ_RCS[i]}") (stopped after ${RJ_NAMES[first]} failed, or failed too)" >&2
    done
    if [[ "${RJ_LOGS[first]}" != - && -f "${RJ_LOGS[first]}" ]]; then
      echo "----- last lines of ${RJ_LOGS[first]} -----" >&2
      tail -n 20 "${RJ_LOGS[first]}" >&2
      echo "-----" >&2
    fi
  fi
  RJ_PIDS=() RJ_NAMES=() RJ_LOGS=() RJ_RCS=()
  [[ -z "$first" ]]
}

# rj_cleanup: stop and reap whatever is still running (EXIT trap).
rj_cleanup() {
  local rc=$? pid killer
  if ((${#RJ_ALIVE[@]})); then
    for pid in "${!RJ_ALIVE[@]}"; do rj_signal "$pid" TERM; done
    # A helper sends KILL after 3 s to anything that ignores TERM; wait returns when all are gone.
    ( sleep 3; for pid in "${!RJ_ALIVE[@]}"; do rj_signal "$pid" KILL; done ) &
    killer=$!
    wait "${!RJ_ALIVE[@]}" 2>/dev/null || true
    kill "$killer" 2>/dev/null || true
    wait "$killer" 2>/dev/null || true
    RJ_ALIVE=()
  fi
  return "$rc"
}

# rj_mpc_run RUN_DIR BUILD_DIR CERT_DIR N USERS SEED TIMEOUT [COORDINATOR_ARGS...]
# One real run on loopback: a roster with free ports, N parties with synthetic data (--users, --seed)
# and the coordinator. Leaves RUN_DIR/roster.json, RUN_DIR/logs/<id>.log, RUN_DIR/locals/local_<id>.json
# and RUN_DIR/run.json. Returns 0 when every process exited 0 and run.json exists.
# MPC_LOG_LEVEL, when set, is passed as --log-level.
# MPC_VECTOR_LENGTH, when set and > 0, selects the vector workload instead: every party gets
# --vector-length M --seed SEED (USERS is ignored, no local_<id>.json is written) and the coordinator
# --vector-length M.
rj_mpc_run() {
  local dir="$1" build="$2" certs="$3" n="$4" users="$5" seed="$6" timeout="$7"
  shift 7
  local party coordinator i watchdog=$((2 * timeout + 10))
  party="$(party_bin "$build")" coordinator="$(coordinator_bin "$build")"
  rm -rf "$dir/logs" "$dir/locals" "$dir/run.json"
  mkdir -p "$dir/logs" "$dir/locals" || return 1
  # shellcheck disable=SC2046
  "$MPC_SCRIPTS/make-roster.sh" --parties "$n" $(roster_flags "$@") --out "$dir/roster.json" || return 1

  local common=(--roster "$dir/roster.json" --ca "$certs/ca.crt" --timeout "$timeout")
  [[ -z "${MPC_LOG_LEVEL:-}" ]] || common+=(--log-level "$MPC_LOG_LEVEL")
  local vector_length="${MPC_VECTOR_LENGTH:-0}" data workload=()
  if ((vector_length > 0)); then
    data=(--vector-length "$vector_length" --seed "$seed")
    workload=(--vector-length "$vector_length")
    info "run: $n parties x $vector_length vector values, seed $seed, logs in $dir/logs"
  else
    data=(--users "$users" --seed "$seed")
    info "run: $n parties x $users users, seed $seed, logs in $dir/logs"
  fi
  for ((i = 1; i <= n; i++)); do
    rj_launch "party$i" "$dir/logs/party$i.log" "$watchdog" "$party" "${common[@]}" --id "party$i" \
      --cert "$certs/party$i.crt" --key "$certs/party$i.key" "${data[@]}" --out "$dir/locals"
  done
  rj_launch coordinator "$dir/logs/coordinator.log" "$watchdog" "$coordinator" "${common[@]}" \
    --cert "$certs/coordinator.crt" --key "$certs/coordinator.key" --out "$dir" "${workload[@]}" "$@"
  rj_wait_all || return 1
  [[ -f "$dir/run.json" ]] || { echo "$PROG: the coordinator exited 0 but wrote no $dir/run.json" >&2; return 1; }
}
