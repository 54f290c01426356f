"""
Soak: delta-sim streaming at a high rate into ``delta-recorder`` for a minute; reports the recorder's message
rate, peak RSS and lost messages (frames the sim sent that are not in the recording), ending with a ``RESULT``
line. DESIGN 9 targets: nothing lost, RSS <= 64 MB steady.

Run ``make soak`` (builds both binaries in release), or::

    .venv/bin/python benches/soak_recorder.py --rate 100000 --seconds 60
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import machine, result_line
from delta_exchange.recording import Recorder
from delta_exchange.sim import DeltaSim


def rss_kb(pid: int, key: str) -> int:
    """``VmRSS`` / ``VmHWM`` of a process, KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100_000, help="sim public messages per second (default 100000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to record (default 60)")
    parser.add_argument("--memory-mb", type=int, default=32, help="the recorder's row buffer budget (default 32)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    channels = ["ob_updates", "trades", "ob_l1", "mark_price", "funding_rate", "spot_price", "candlestick_1m"]
    with DeltaSim(rate=args.rate) as sim, tempfile.TemporaryDirectory(prefix="delta-soak-") as out:
        recorder = Recorder(
            Path(out),
            rest_url=sim.rest_url,
            ws_url=sim.public_ws_url,
            symbols=[],
            channels=channels,
            extra_args=["--contract-types", "perpetual_futures,futures", "--memory-mb", str(args.memory_mb)],
        ).start()
        assert recorder.pid is not None
        started = time.monotonic()
        rss_samples = []
        while time.monotonic() - started < args.seconds:
            time.sleep(1.0)
            rss_samples.append(rss_kb(recorder.pid, "VmRSS:"))
        elapsed = time.monotonic() - started
        sent_during = sum(sum(by_symbol.values()) for by_symbol in sim.stats()["sent"].values())
        peak_kb = rss_kb(recorder.pid, "VmHWM:")
        # Freeze the stream so the sim's counts are final, let the last frames arrive, then stop cleanly.
        sim.set_faults(pause_market=True)
        time.sleep(0.5)
        sim.set_faults(stall=True)
        time.sleep(1.0)
        summary = recorder.stop()
        sent = sum(sum(by_symbol.values()) for by_symbol in sim.stats()["sent"].values())
        steady = sorted(rss_samples[len(rss_samples) // 4 :])
        steady_kb = steady[len(steady) // 2] if steady else 0
        files = sum(1 for _ in Path(out).rglob("*.parquet"))
        size_mb = sum(p.stat().st_size for p in Path(out).rglob("*.parquet")) / 2**20
    for line in recorder.stderr_lines[-3:]:
        print(f"recorder: {line}")
    rate = sent_during / elapsed
    print(f"sim sent {sent} frames ({rate:,.0f}/s asked {args.rate:,}/s); recorded {summary.messages} frames")
    print(f"rows {summary.rows}, files {files} ({size_mb:.1f} MiB), gaps {summary.gaps}")
    print(f"RSS: steady median {steady_kb / 1024:.1f} MiB, peak {peak_kb / 1024:.1f} MiB")
    print(
        result_line(
            {
                "seconds": round(elapsed, 1),
                "asked_msg_per_s": args.rate,
                "msg_per_s": rate,
                "rows_per_s": summary.rows / elapsed,
                "lost": sent - summary.messages,
                "peak_rss_mb": peak_kb / 1024,
                "steady_rss_mb": steady_kb / 1024,
                "gaps": summary.gaps,
            },
        ),
    )


if __name__ == "__main__":
    main()
