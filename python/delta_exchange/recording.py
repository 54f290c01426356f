"""
Run ``delta-recorder`` (this repository's Parquet recorder) as a subprocess and read its summary.

The recorder writes a raw capture and a Nautilus catalog under ``out``; see ``docs/recorder.md``::

    with DeltaSim(rate=200) as sim:
        recorder = Recorder(out, rest_url=sim.rest_url, ws_url=sim.public_ws_url, symbols=["BTCUSD"]).start()
        time.sleep(10)
        summary = recorder.stop()  # SIGTERM: every file is flushed; the process exits 0
        print(summary.messages, summary.rows, summary.files, summary.gaps)

The binary is found through ``DELTA_RECORDER_BIN``, else the newest of ``target/release/delta-recorder`` and
``target/debug/delta-recorder`` of this repository, else ``delta-recorder`` on ``PATH``.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from delta_exchange.sim import find_binary

_SUMMARY = re.compile(r"^recorded messages=(\d+) rows=(\d+) files=(\d+) gaps=(\d+)$")


class RecorderError(RuntimeError):
    """The recorder failed, or ended without its summary line."""


class RecordingSummary(NamedTuple):
    """The recorder's last stdout line: ``recorded messages=N rows=M files=F gaps=G``."""

    messages: int
    rows: int
    files: int
    gaps: int


def find_recorder_binary() -> Path:
    """Locate the ``delta-recorder`` binary (see the module docstring)."""
    return find_binary("delta-recorder", "DELTA_RECORDER_BIN")


def parse_summary(stdout: str) -> RecordingSummary:
    """
    Return the summary from the recorder's stdout (its last line).

    Raises
    ------
    RecorderError
        When the last line is not the summary line.

    """
    lines = stdout.strip().splitlines()
    match = _SUMMARY.match(lines[-1]) if lines else None
    if match is None:
        raise RecorderError(
            f"no summary line in the recorder's output: {lines[-3:]}: the recorder did not finish normally; see "
            "its stderr for the cause",
        )
    return RecordingSummary(*(int(group) for group in match.groups()))


class Recorder:
    """
    A ``delta-recorder`` subprocess.

    Parameters
    ----------
    out : Path
        The output directory (catalog root; the raw capture goes to ``out/raw``).
    rest_url, ws_url : str
        The REST base URL and the public socket URL (``DeltaSim.rest_url`` / ``DeltaSim.public_ws_url``).
    symbols : Sequence[str]
        Product symbols (empty: pass ``--contract-types`` in ``extra_args`` instead).
    channels : Sequence[str], optional
        Channels (the recorder's default set when omitted).
    extra_args : Sequence[str], optional
        Further flags (``--rotate-secs``, ``--format``, ``--duration``, ...).

    """

    def __init__(
        self,
        out: Path,
        *,
        rest_url: str,
        ws_url: str,
        symbols: Sequence[str],
        channels: Sequence[str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.out = Path(out)
        self._args = ["--env", "local", "--rest-url", rest_url, "--ws-url", ws_url]
        if symbols:
            self._args += ["--symbols", ",".join(symbols)]
        self._args += ["--out", str(self.out), *extra_args]
        if channels:
            self._args += ["--channels", ",".join(channels)]
        self._process: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []

    @property
    def stderr_lines(self) -> list[str]:
        """What the recorder logged so far (status lines and warnings)."""
        return list(self._stderr)

    @property
    def pid(self) -> int | None:
        """The subprocess's process id (None before start)."""
        return None if self._process is None else self._process.pid

    def start(self) -> Recorder:
        """Start the subprocess."""
        self._process = subprocess.Popen(
            [str(find_recorder_binary()), *self._args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        return self

    def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def wait(self, timeout: float = 60.0) -> RecordingSummary:
        """
        Wait for the recorder to end by itself (``--duration``) and return its summary.

        Raises
        ------
        RecorderError
            When it exits with an error or prints no summary.

        """
        assert self._process is not None, "start() first"
        stdout, _ = self._process.communicate(timeout=timeout)
        if self._process.returncode != 0:
            raise RecorderError(
                f"delta-recorder exited with {self._process.returncode}: {self._stderr[-5:]}: fix the arguments or "
                "URLs its stderr names (delta-recorder --help lists them)",
            )
        return parse_summary(stdout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> RecordingSummary:
        """Send ``sig`` (SIGTERM or SIGINT flush every file) and return the summary."""
        assert self._process is not None, "start() first"
        self._process.send_signal(sig)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the crash case (files being written stay as ``*.parquet.tmp``)."""
        assert self._process is not None, "start() first"
        self._process.kill()
        self._process.wait()
