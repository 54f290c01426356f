#!/usr/bin/env bash
# Runs examples/node_sim.py: a Nautilus TradingNode streaming BTCUSD market data from a local delta-sim.
# Fails (non-zero) when the node logged an ERROR or any data type arrived zero times.
# `make demo` builds target/release/delta-sim and installs the wheel first; extra arguments go to the example
# (for example `./scripts/demo.sh --seconds 30`).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
if [ -z "${DELTA_SIM_BIN:-}" ] && [ -x "$target_dir/release/delta-sim" ]; then
  export DELTA_SIM_BIN="$target_dir/release/delta-sim"
fi
python="${VENV_PY:-.venv/bin/python}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

status=0
"$python" examples/node_sim.py "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "demo: the node example exited with status $status" >&2
  exit "$status"
fi
if grep -q '\[ERROR\]' "$log"; then
  echo "demo: the node logged errors:" >&2
  grep '\[ERROR\]' "$log" >&2
  exit 1
fi
counts="$(grep '^counts:' "$log" || true)"
if [ -z "$counts" ]; then
  echo "demo: the example printed no counts" >&2
  exit 1
fi
if grep -Eq '=0( |$)' <<<"$counts"; then
  echo "demo: some data types never arrived: $counts" >&2
  exit 1
fi
echo "demo: ok"
