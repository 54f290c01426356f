"""
Health of the Delta clients: the one-line statistics summary and its periodic log.

Each client's ``stats()`` returns a plain dict (``"ws"``: socket counters, ``"rest"``: REST counters by endpoint
with latency percentiles and the rate-limit view; the execution client adds ``"orders"`` and
``"circuit_breaker"``). :func:`summary_line` condenses such a dict into one log line;
:func:`log_stats_periodically` logs it every ``stats_log_interval_secs``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from nautilus_trader.common.component import Logger


def _ws_part(ws: Mapping[str, Any]) -> str:
    if not ws:
        return "ws: not connected"
    decode_errors = sum(ws.get("decode_errors", {}).values())
    age = ws.get("heartbeat_age_secs")
    heartbeat = "-" if age is None else f"{age:.1f}s"
    lag_ms = ws.get("lag_ns_max", 0) / 1e6
    return (
        f"ws: frames={ws.get('frames', 0)} reconnects={ws.get('reconnects', 0)} gaps={ws.get('gaps', 0)} "
        f"resyncs={ws.get('resyncs', 0)} decode_errors={decode_errors} heartbeat_age={heartbeat} "
        f"queue={ws.get('queue_depth', 0)}/{ws.get('queue_max_depth', 0)} lag_max={lag_ms:.2f}ms"
    )


def _rest_part(rest: Mapping[str, Any]) -> str:
    endpoints: Mapping[str, Mapping[str, Any]] = rest.get("endpoints", {})
    errors = sum(endpoint["calls"] - endpoint["ok"] for endpoint in endpoints.values())
    slowest = max(endpoints.items(), key=lambda item: item[1]["latency_ms_p99"], default=None)
    p99 = f" p99_max={slowest[1]['latency_ms_p99']:.1f}ms({slowest[0]})" if slowest is not None else ""
    quota = rest.get("rate_limit", {})
    return (
        f"rest: calls={rest.get('calls', 0)} errors={errors} 429s={rest.get('rate_limited', 0)}{p99} "
        f"units_used={quota.get('units_used', 0)} available_now={quota.get('remaining', 0)}/{quota.get('burst', 0)} "
        f"quota={quota.get('quota', 0)}{' backing_off' if quota.get('backing_off') else ''}"
    )


def summary_line(stats: Mapping[str, Any]) -> str:
    """
    Return one log line summarizing a client's ``stats()`` dict.

    Parameters
    ----------
    stats : Mapping[str, Any]
        The dict a Delta client's ``stats()`` returned.

    Returns
    -------
    str
        ``ws: ... | rest: ...`` plus ``| orders: ...`` and ``| circuit: ...`` when present.

    """
    parts = [_ws_part(stats.get("ws", {})), _rest_part(stats.get("rest", {}))]
    orders: Mapping[str, int] | None = stats.get("orders")
    if orders is not None:
        parts.append("orders: " + (" ".join(f"{k}={v}" for k, v in sorted(orders.items())) or "none"))
    circuit: Mapping[str, Any] | None = stats.get("circuit_breaker")
    if circuit is not None:
        parts.append(f"circuit: {circuit.get('state')}")
    return " | ".join(parts)


async def log_stats_periodically(
    interval_secs: float, read_stats: Callable[[], Mapping[str, Any]], log: Logger
) -> None:
    """
    Log :func:`summary_line` of ``read_stats()`` every ``interval_secs`` until cancelled.

    A failure to read or format the figures is logged and the loop goes on: statistics never stop a client.

    Parameters
    ----------
    interval_secs : float
        Seconds between two lines.
    read_stats : Callable[[], Mapping[str, Any]]
        The client's ``stats`` method.
    log : Logger
        The client's logger.

    """
    while True:
        await asyncio.sleep(interval_secs)
        try:
            log.info(f"Stats {summary_line(read_stats())}")
        except Exception as exc:
            log.warning(f"Could not summarize the client statistics: {exc!r}")
