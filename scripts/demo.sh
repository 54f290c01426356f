#!/usr/bin/env bash
# The demo against a local delta-sim, in two parts:
#  1. examples/node_sim.py: a Nautilus TradingNode streaming BTCUSD market data; fails when any data type
#     arrived zero times.
#  2. examples/node_trade_sim.py: a small market maker with risk limits quoting, re-pricing, cancelling and
#     getting filled for 30 s; prints orders, fills, position and PnL next to the exchange's own position and
#     balance, and fails unless they agree.
# Either part fails the demo when its node logged an ERROR. `make demo` builds target/release/delta-sim and
# installs the wheel first.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
if [ -z "${DELTA_SIM_BIN:-}" ] && [ -x "$target_dir/release/delta-sim" ]; then
  export DELTA_SIM_BIN="$target_dir/release/delta-sim"
fi
python="${VENV_PY:-.venv/bin/python}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs one example with its output teed into $log; fails on a non-zero exit or an ERROR line.
run_example() {
  local status=0
  echo "demo: running $*"
  "$python" "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "demo: $1 exited with status $status" >&2
    exit "$status"
  fi
  if grep -q '\[ERROR\]' "$log"; then
    echo "demo: $1 logged errors:" >&2
    grep '\[ERROR\]' "$log" >&2
    exit 1
  fi
}

run_example examples/node_sim.py --seconds 20
counts="$(grep '^counts:' "$log" || true)"
if [ -z "$counts" ]; then
  echo "demo: the data example printed no counts" >&2
  exit 1
fi
if grep -Eq '=0( |$)' <<<"$counts"; then
  echo "demo: some data types never arrived: $counts" >&2
  exit 1
fi

run_example examples/node_trade_sim.py --seconds 30
if ! grep -q '^account consistent: yes' "$log"; then
  echo "demo: the node's account does not match the exchange's" >&2
  exit 1
fi
echo "demo: ok"
