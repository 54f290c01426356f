#!/usr/bin/env bash
# Starts delta-sim on a free port, runs the REST round-trip example against it, and stops the sim.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
sim_log="$(mktemp)"
api_key="demo-api-key"
api_secret="demo-api-secret-not-for-production"
coproc SIM { exec "$target_dir/release/delta-sim" --port 0 --api-key "$api_key" --api-secret "$api_secret" 2>"$sim_log"; }
sim_pid=$SIM_PID
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -f "$sim_log"' EXIT

rest_url=""
for _ in 1 2 3; do
  IFS= read -r -t 30 line <&"${SIM[0]}" || { echo "delta-sim did not start; its log:" >&2; cat "$sim_log" >&2; exit 1; }
  echo "sim: $line"
  case "$line" in rest_url=*) rest_url="${line#rest_url=}" ;; esac
done
[ -n "$rest_url" ] || { echo "delta-sim printed no rest_url line" >&2; exit 1; }

DELTA_API_KEY="$api_key" DELTA_API_SECRET="$api_secret" \
  "$target_dir/release/examples/rest_round_trip" --rest-url "$rest_url"
