# shellcheck shell=bash
# One real run of the large-vector workload for scripts/bench.sh; sourced after common.sh and
# run-job.sh (it launches through rj_launch, so run-job.sh's traps clean up on any exit).

# bench_vector_run RUN_DIR BUILD_DIR CERT_DIR N M SEED TIMEOUT [COORDINATOR_ARGS...]
# N parties with --vector-length M (values derived from --seed) and the coordinator, on loopback with
# mutual TLS and a fresh roster of free ports. Leaves RUN_DIR/roster.json, RUN_DIR/logs/<id>.log and
# RUN_DIR/run.json. Returns 0 when every process exited 0 and run.json exists (the coordinator has
# then checked the parties' check vectors: every share arrived and added up).
bench_vector_run() {
  local dir="$1" build="$2" certs="$3" n="$4" m="$5" seed="$6" timeout="$7"
  shift 7
  local party coordinator i watchdog=$((2 * timeout + 10))
  party="$(party_bin "$build")" coordinator="$(coordinator_bin "$build")"
  rm -rf "$dir/logs" "$dir/run.json"
  mkdir -p "$dir/logs" || return 1
  # shellcheck disable=SC2046
  "$MPC_SCRIPTS/make-roster.sh" --parties "$n" $(roster_flags "$@") --out "$dir/roster.json" || return 1
  local common=(--roster "$dir/roster.json" --ca "$certs/ca.crt" --timeout "$timeout" --log-level warn)
  for ((i = 1; i <= n; i++)); do
    rj_launch "party$i" "$dir/logs/party$i.log" "$watchdog" "$party" "${common[@]}" --id "party$i" \
      --cert "$certs/party$i.crt" --key "$certs/party$i.key" --vector-length "$m" --seed "$seed" --out "$dir"
  done
  rj_launch coordinator "$dir/logs/coordinator.log" "$watchdog" "$coordinator" "${common[@]}" \
    --cert "$certs/coordinator.crt" --key "$certs/coordinator.key" --out "$dir" --vector-length "$m" "$@"
  rj_wait_all || return 1
  [[ -f "$dir/run.json" ]] || { echo "$PROG: the coordinator exited 0 but wrote no $dir/run.json" >&2; return 1; }
}
