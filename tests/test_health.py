"""
Health and operations: the clients' ``stats()`` dicts and their one-line summary, the REST counters of the native
client, and API credential rotation in a running node (the sim issues a new key and revokes the old one mid-run;
REST and the private socket move to the new key while market data keeps streaming).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide

from delta_exchange import _native, rotate_credentials
from delta_exchange.health import log_stats_periodically, summary_line
from delta_exchange.sim import DeltaSim
from exec_harness import SIM_ARGS, ExecNode, Recorder, recorder_config

NEW_KEY = "rotated-key"
NEW_SECRET = "rotated-secret-not-for-production"

WS = {
    "frames": 120,
    "reconnects": 1,
    "gaps": 2,
    "resyncs": 2,
    "decode_errors": {"trades": 1, "?": 2},
    "heartbeat_age_secs": 0.25,
    "queue_depth": 0,
    "queue_max_depth": 7,
    "lag_ns_max": 1_500_000,
}
REST = {
    "calls": 9,
    "rate_limited": 1,
    "endpoints": {
        "GET /v2/tickers/{symbol}": {"calls": 4, "ok": 4, "latency_ms_p99": 3.5},
        "POST /v2/orders": {"calls": 5, "ok": 3, "latency_ms_p99": 12.25},
    },
    "rate_limit": {"units_used": 40, "remaining": 4960, "burst": 5000, "quota": 10000, "backing_off": True},
}


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))


def test_summary_line_condenses_every_part() -> None:
    line = summary_line({"ws": WS, "rest": REST, "orders": {"submitted": 3, "accepted": 2}, "circuit_breaker": {}})
    assert line.startswith("ws: frames=120 reconnects=1 gaps=2 resyncs=2 decode_errors=3 heartbeat_age=0.2s")
    assert "queue=0/7 lag_max=1.50ms" in line
    assert "rest: calls=9 errors=2 429s=1 p99_max=12.2ms(POST /v2/orders)" in line
    assert "units_used=40 available_now=4960/5000 quota=10000 backing_off" in line
    assert "orders: accepted=2 submitted=3" in line
    assert line.endswith("circuit: None")


def test_summary_line_of_a_client_not_connected_yet() -> None:
    assert summary_line({"ws": {}, "rest": {}}) == (
        "ws: not connected | rest: calls=0 errors=0 429s=0 units_used=0 available_now=0/0 quota=0"
    )


def test_periodic_log_goes_on_after_a_failing_read() -> None:
    log = _Log()
    reads = iter([RuntimeError("boom"), {"ws": WS, "rest": REST}])

    def read() -> dict[str, Any]:
        value = next(reads)
        if isinstance(value, Exception):
            raise value
        return value

    async def run() -> None:
        task = asyncio.create_task(log_stats_periodically(0.01, read, log))  # type: ignore[arg-type]
        while len(log.lines) < 2:
            await asyncio.sleep(0.005)
        task.cancel()

    asyncio.run(run())
    assert log.lines[0][0] == "warning" and "boom" in log.lines[0][1]
    assert log.lines[1] == ("info", f"Stats {summary_line({'ws': WS, 'rest': REST})}")


@pytest.mark.sim
def test_rest_stats_count_attempts_by_endpoint_template(sim: DeltaSim) -> None:
    """Every attempt is counted under its path template, with its outcome and latency."""
    client = _native.HttpClient(sim.rest_url, sim.api_key, sim.api_secret)

    async def calls() -> None:
        await client.ticker("BTCUSD")
        await client.ticker("ETHUSD")
        await client.wallet_balances()
        with pytest.raises(_native.DeltaApiError):
            await client.ticker("NOSUCHSYMBOL")

    asyncio.run(calls())
    stats = client.stats()
    tickers = stats["endpoints"]["GET /v2/tickers/{symbol}"]
    assert (tickers["calls"], tickers["ok"], tickers["api_errors"]) == (3, 2, 1)
    assert 0 < tickers["latency_ms_p50"] <= tickers["latency_ms_p99"] <= tickers["latency_ms_max"]
    assert stats["endpoints"]["GET /v2/wallet/balances"]["ok"] == 1
    assert stats["calls"] == 4 and stats["rate_limited"] == 0 and stats["orders"]["calls"] == 0
    assert stats["rate_limit"]["units_used"] > 0


@pytest.mark.sim
def test_rest_client_rotation_refuses_an_empty_pair_and_signs_with_the_new_one(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url, sim.api_key, sim.api_secret)
    with pytest.raises(ValueError, match="empty"):
        client.rotate_credentials(NEW_KEY, "")
    assert sim.rotate_keys(NEW_KEY, NEW_SECRET, revoke=[sim.api_key]) == [NEW_KEY]

    async def wallet() -> Any:
        return await client.wallet_balances()

    with pytest.raises(_native.DeltaAuthError):
        asyncio.run(wallet())
    client.rotate_credentials(NEW_KEY, NEW_SECRET)
    assert asyncio.run(wallet())
    assert NEW_SECRET not in repr(client)


@pytest.fixture(scope="module")
def node() -> Iterator[ExecNode]:
    with DeltaSim(rate=200, seed=7, extra_args=list(SIM_ARGS)) as sim:
        running = ExecNode(sim, stats_log_interval_secs=0.5).start()
        try:
            yield running
        finally:
            running.stop()


@pytest.mark.sim
def test_key_change_mid_run_keeps_market_data_and_private_streams(
    node: ExecNode,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The sim revokes the old key; after ``rotate_credentials`` orders go out and fills stream on the same sockets."""
    strategy = node.add(Recorder(recorder_config(subscribe_quotes=True)))
    data_ws = node.data_client.stats()["ws"]
    node.wait(lambda: node.data_client.stats()["ws"]["frames"] > data_ws["frames"] + 20, "market data streaming")

    old_key = node.sim.api_key
    assert node.sim.rotate_keys(NEW_KEY, NEW_SECRET, revoke=[old_key]) == [NEW_KEY]
    assert rotate_credentials(node.node, NEW_KEY, NEW_SECRET) == ["DELTA_EXCHANGE", "DELTA_EXCHANGE"]

    frames_at_rotation = node.data_client.stats()["ws"]["frames"]
    order = strategy.market(OrderSide.BUY, 1)
    strategy.submit_order(order)
    node.wait_events(strategy, order, ["OrderInitialized", "OrderSubmitted", "OrderAccepted", "OrderFilled"])
    close = strategy.market(OrderSide.SELL, 1, reduce_only=True)
    strategy.submit_order(close)
    node.wait_events(strategy, close, ["OrderInitialized", "OrderSubmitted", "OrderAccepted", "OrderFilled"])
    node.wait(lambda: node.data_client.stats()["ws"]["frames"] > frames_at_rotation + 20, "market data after rotation")

    exec_stats = node.client.stats()
    assert exec_stats["ws"]["reconnects"] == 0, "the private socket re-authenticated on its live connection"
    assert node.data_client.stats()["ws"]["reconnects"] == 0
    assert exec_stats["orders"]["submitted"] >= 2 and exec_stats["orders"]["filled"] >= 2
    assert exec_stats["rest"]["endpoints"]["POST /v2/orders"]["ok"] >= 2
    assert exec_stats["ws"]["heartbeat_age_secs"] is not None
    assert exec_stats["ws"]["messages"]["v2/user_trades"] >= 2, exec_stats["ws"]["messages"]
    assert node.data_client.stats()["ws"]["messages"]["ob_l1"] > 0
    assert set(exec_stats) >= {"ws", "rest", "orders", "risk", "circuit_breaker", "reconciliations"}
    assert exec_stats["circuit_breaker"]["state"] == "closed"
    node.stop_strategy(strategy)
    node.remove(strategy)
    logged = "".join(capfd.readouterr())
    assert "API credentials rotated" in logged
    assert NEW_SECRET not in logged, "the new secret never reaches a log"


@pytest.mark.sim
def test_rotation_with_an_empty_secret_changes_nothing(node: ExecNode) -> None:
    with pytest.raises(ValueError, match="nothing was changed"):
        rotate_credentials(node.node, NEW_KEY, " ")
