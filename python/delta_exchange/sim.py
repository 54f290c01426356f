"""
Start and control a local ``delta-sim`` (the Delta Exchange simulator built from this repository).

Tests, examples and benchmarks use :class:`DeltaSim` to run the simulator as a subprocess on a free
loopback port, read the three URL lines it prints, and talk to its ``/sim/*`` control endpoints::

    with DeltaSim(rate=200) as sim:
        print(sim.rest_url, sim.public_ws_url)
        sim.set_faults(skip_seq=1)
        print(sim.stats()["sent"])

The binary is found through ``DELTA_SIM_BIN``, else the newest of ``target/release/delta-sim`` and
``target/debug/delta-sim`` in the repository this package was installed from, else ``delta-sim`` on ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_API_KEY = "delta-sim-key"
DEFAULT_API_SECRET = "delta-sim-secret-not-for-production"
_START_TIMEOUT_SECS = 30.0


class DeltaSimError(RuntimeError):
    """The simulator could not be found, did not start, or refused a control request."""


def find_binary(name: str, env_var: str) -> Path:
    """
    Locate a binary of this repository's workspace (``delta-sim``, ``delta-recorder``).

    ``env_var`` names it explicitly; else the newest of ``target/release/<name>`` and ``target/debug/<name>`` in
    the repository this package was installed from; else ``<name>`` on ``PATH``.

    Raises
    ------
    DeltaSimError
        When no binary exists; the message says how to build it.

    """
    explicit = os.environ.get(env_var)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise DeltaSimError(f"{env_var}={explicit} does not exist: point it at a built {name} binary or unset it")
        return path
    repo = Path(__file__).resolve().parents[2]
    built = [p for p in (repo / "target" / "release" / name, repo / "target" / "debug" / name) if p.is_file()]
    if built:
        return max(built, key=lambda p: p.stat().st_mtime)
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    raise DeltaSimError(f"{name} not found: run `cargo build --release -p {name}` or set {env_var}")


def find_sim_binary() -> Path:
    """
    Locate the ``delta-sim`` binary (``DELTA_SIM_BIN``, else the workspace's build, else ``PATH``).

    Raises
    ------
    DeltaSimError
        When no binary exists; build it with ``cargo build --release -p delta-sim``.

    """
    return find_binary("delta-sim", "DELTA_SIM_BIN")


class DeltaSim:
    """
    A ``delta-sim`` subprocess on ``127.0.0.1`` and a free port.

    Parameters
    ----------
    rate : int, optional
        Public market messages per second in total (``--rate``); ``None`` keeps the sim's default.
    symbols : list[str], optional
        Products to list (``--symbols``); ``None`` lists the sim's default set.
    seed : int, optional
        Seed of the market generator (``--seed``).
    api_key, api_secret : str
        The account's credentials (``--api-key`` / ``--api-secret``).
    extra_args : list[str], optional
        Further command-line flags (fault switches, heartbeat timing, ...).
    binary : Path, optional
        The binary to run; found by :func:`find_sim_binary` when ``None``.

    """

    def __init__(
        self,
        *,
        rate: int | None = None,
        symbols: list[str] | None = None,
        seed: int | None = None,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        extra_args: list[str] | None = None,
        binary: Path | None = None,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self._binary = binary
        self._args = ["--port", "0", "--api-key", api_key, "--api-secret", api_secret]
        if rate is not None:
            self._args += ["--rate", str(rate)]
        if symbols:
            self._args += ["--symbols", ",".join(symbols)]
        if seed is not None:
            self._args += ["--seed", str(seed)]
        self._args += list(extra_args or [])
        self._process: subprocess.Popen[str] | None = None
        self._stderr_lines: list[str] = []
        self.rest_url = ""
        self.ws_url = ""
        self.public_ws_url = ""

    def __repr__(self) -> str:
        return f"DeltaSim(rest_url={self.rest_url!r}, running={self.running})"

    @property
    def running(self) -> bool:
        """Whether the subprocess is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The subprocess's process id (None before start)."""
        return None if self._process is None else self._process.pid

    @property
    def stderr_lines(self) -> list[str]:
        """What the simulator logged so far (its stderr, one entry per line)."""
        return list(self._stderr_lines)

    def start(self) -> DeltaSim:
        """Start the subprocess and wait for its three URL lines."""
        binary = self._binary or find_sim_binary()
        self._process = subprocess.Popen(
            [str(binary), *self._args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "RUST_LOG": os.environ.get("DELTA_SIM_LOG", "warn")},
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        urls = self._read_urls()
        self.rest_url = urls["rest_url"]
        self.ws_url = urls["ws_url"]
        self.public_ws_url = urls["public_ws_url"]
        return self

    def _read_urls(self) -> dict[str, str]:
        assert self._process is not None and self._process.stdout is not None
        urls: dict[str, str] = {}
        timer = threading.Timer(_START_TIMEOUT_SECS, self._process.kill)
        timer.start()
        try:
            while len(urls) < 3:
                line = self._process.stdout.readline()
                if not line:
                    raise DeltaSimError(
                        f"delta-sim exited before printing its URLs: {self._stderr_lines[-5:]}: fix what its stderr "
                        f"names (a port in use, a bad option); it has {_START_TIMEOUT_SECS} s to start",
                    )
                key, _, value = line.strip().partition("=")
                if key in ("rest_url", "ws_url", "public_ws_url"):
                    urls[key] = value
        finally:
            timer.cancel()
        return urls

    def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr_lines.append(line.rstrip("\n"))

    def stop(self) -> int | None:
        """Stop the subprocess with SIGTERM (SIGKILL after 10 s); return its exit code."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode

    def __enter__(self) -> DeltaSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.rest_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "User-Agent": "delta-sim-control"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer: dict[str, Any] = json.loads(response.read())  # every /sim/ endpoint answers an object
                return answer
        except OSError as exc:
            raise DeltaSimError(
                f"{method} {path} failed: {exc}: check that delta-sim still runs at {self.rest_url}",
            ) from exc

    def stats(self) -> dict[str, Any]:
        """``GET /sim/stats``: frames sent per channel and symbol, orders received, rate limits, faults."""
        return self._call("GET", "/sim/stats")

    def set_faults(self, **switches: Any) -> dict[str, Any]:
        """
        ``POST /sim/faults`` with the given switches; answers the current switches.

        Socket switches: ``drop_every``, ``skip_seq``, ``skip_seq_every``, ``corrupt_checksum``, ``malformed``,
        ``stall``, ``book_error``; REST: ``latency_ms``, ``error_rate``, ``force_429``; market:
        ``pause_market``; trading: ``drop_order_reply=N`` (the next N ``POST /v2/orders`` are placed but never
        answered), ``private_delay_ms=M`` (private event frames M ms late, order kept) and
        ``skip_private_seq=N`` (the next N private ``orders`` frames left out: a ``seq_no`` gap); exchange:
        ``maintenance=True`` (``system_status`` subscribers get ``maintenance_started``, ``GET /v2/settings`` says
        ``under_maintenance: "true"``, order placement and edits answer HTTP 503 ``unavailable`` while cancels
        work) until ``maintenance=False`` (``maintenance_finished``).
        """
        return self._call("POST", "/sim/faults", switches)

    def rotate_keys(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        revoke: list[str] | None = None,
    ) -> list[str]:
        """
        ``POST /sim/keys``: issue ``api_key``/``api_secret`` for the default account and revoke the keys in ``revoke``.

        The revoked keys are refused from the next request or ``key-auth`` on; sockets already authenticated stay
        so. Returns the API keys now valid (never a secret).
        """
        body: dict[str, Any] = {"revoke": revoke or []}
        if api_key is not None or api_secret is not None:
            body.update(api_key=api_key, api_secret=api_secret)
        keys: list[str] = self._call("POST", "/sim/keys", body)["api_keys"]
        return keys

    def restart(self) -> dict[str, Any]:
        """``POST /sim/restart``: drop every socket (public and private); orders, positions and balances stay."""
        return self._call("POST", "/sim/restart", {})

    def trade(self, symbol: str, side: str, size: int) -> dict[str, Any]:
        """
        ``POST /sim/trade``: one synthetic taker trade of up to ``size`` contracts on ``side``.

        ``"buy"`` takes asks, ``"sell"`` takes bids, like the market generator's: resting user orders it reaches
        fill as makers in price-time priority, and stops trigger. Answers ``{"fills": [[price, size], ...],
        "maker_fills": [{"order_id", "price", "size"}, ...]}``.
        """
        return self._call("POST", "/sim/trade", {"symbol": symbol, "side": side, "size": size})

    def mmp_trigger(self, asset: str, frozen_till: int) -> dict[str, Any]:
        """``POST /sim/mmp_trigger``: emit an ``mmp_trigger`` event (µs, -1 = until reset) without freezing."""
        return self._call("POST", "/sim/mmp_trigger", {"asset": asset, "frozen_till": frozen_till})

    def book(self, symbol: str) -> dict[str, Any]:
        """``GET /sim/book/{symbol}``: the sim's true book as ``{"a": [...], "b": [...], "seq": N}``."""
        return self._call("GET", f"/sim/book/{symbol}")
