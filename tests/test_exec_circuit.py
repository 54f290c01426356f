"""
The execution client's circuit breaker against delta-sim: repeated order request failures and Delta's maintenance
stop new orders (``OrderDenied`` / ``OrderModifyRejected`` with ``CIRCUIT_OPEN: ...``) while cancels still go out;
the strategy hears ``DeltaCircuitOpened`` / ``DeltaCircuitClosed`` on ``CIRCUIT_TOPIC``; a probe of
``GET /v2/settings`` closes the breaker once Delta is healthy. Also which failures count (unit).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderDenied, OrderModifyRejected
from nautilus_trader.model.orders import Order

from delta_exchange import DeltaCircuitClosed, DeltaCircuitOpened, _native
from delta_exchange.execution import _answered_by_delta, _circuit_failure
from delta_exchange.sim import DeltaSim
from exec_harness import ExecNode, Recorder, px, recorder_config, ticks

ACCEPTED = ["OrderInitialized", "OrderSubmitted", "OrderAccepted"]
CANCELED = [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"]
DENIED = ["OrderInitialized", "OrderDenied"]
FAILURES = 3
COOLDOWN_SECS = 1.0
FAR = ticks(500)
NANOS_PER_SECOND = 1_000_000_000


@pytest.fixture
def node(sim: DeltaSim) -> Iterator[ExecNode]:
    """A node on ``sim`` (market still) whose breaker opens after 3 failures and probes after 1 s."""
    sim.set_faults(pause_market=True)
    running = ExecNode(
        sim,
        circuit_breaker_failures=FAILURES,
        circuit_breaker_cooldown_secs=COOLDOWN_SECS,
    ).start()
    try:
        yield running
    finally:
        running.stop()


def strategy_on(node: ExecNode) -> Recorder:
    strategy = Recorder(recorder_config(cancel_orders_on_stop=False, close_positions_on_stop=False))
    node.add(strategy)
    return strategy


def working_bid(node: ExecNode, strategy: Recorder, bid: Decimal) -> tuple[Order, str]:
    """A bid resting far below ``bid``, accepted; with its venue order id."""
    working = strategy.limit(OrderSide.BUY, 1, bid - FAR)
    strategy.submit_order(working)
    node.wait_events(strategy, working, ACCEPTED)
    return working, node.order(working.client_order_id).venue_order_id.value


def breaker(node: ExecNode) -> dict[str, Any]:
    return node.client.circuit_breaker_stats()


def last_event(node: ExecNode, order: Order) -> Any:
    return node.order(order.client_order_id).events[-1]


def of_type(strategy: Recorder, kind: type) -> list[Any]:
    return [event for event in strategy.circuit if isinstance(event, kind)]


def accept_and_cancel(node: ExecNode, strategy: Recorder, order: Order) -> None:
    """Submit ``order``, see it accepted on the node and open on the sim, then cancel it."""
    strategy.submit_order(order)
    node.wait_events(strategy, order, ACCEPTED)
    venue_id = node.order(order.client_order_id).venue_order_id.value
    assert node.truth.order(venue_id)["state"] == "open"
    strategy.cancel_order(order)
    node.wait_events(strategy, order, CANCELED)


@pytest.mark.sim
def test_failed_submits_open_the_breaker_cancels_go_out_and_the_probe_closes_it(node: ExecNode) -> None:
    """Three submits answered HTTP 5xx open the breaker: the next submit is denied and a modify rejected without
    reaching Delta, the strategy hears DeltaCircuitOpened, a cancel still reaches the sim; with the faults off the
    probe after the cooldown closes the breaker (DeltaCircuitClosed) and a new submit is accepted."""
    strategy = strategy_on(node)
    bid = node.truth.top().bid
    working, working_id = working_bid(node, strategy, bid)
    assert breaker(node)["state"] == "closed"

    node.sim.set_faults(error_rate=1.0)
    for n in range(1, FAILURES + 1):
        failing = strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(n))
        strategy.submit_order(failing)
        node.wait(lambda n=n: breaker(node)["failures_total"] == n, f"failure {n} counted ({breaker(node)})")
    stats = breaker(node)
    assert (stats["state"], stats["consecutive_failures"], stats["times_opened"]) == ("open", FAILURES, 1)
    assert stats["open_reason"].startswith(f"{FAILURES} consecutive order request failures (last: POST /v2/orders:")
    node.wait(lambda: of_type(strategy, DeltaCircuitOpened) != [], "DeltaCircuitOpened on the message bus")
    [opened] = of_type(strategy, DeltaCircuitOpened)
    assert opened.reason == stats["open_reason"]
    assert opened.ts_event == stats["open_since_ns"]
    assert opened.resume_probe_after_ns == stats["open_since_ns"] + int(COOLDOWN_SECS * NANOS_PER_SECOND)

    received = node.sim.stats()["orders_received"]
    denied = strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(10))
    strategy.submit_order(denied)
    node.wait_events(strategy, denied, DENIED)
    denial = last_event(node, denied)
    assert isinstance(denial, OrderDenied)
    assert denial.reason.startswith(f"CIRCUIT_OPEN: {FAILURES} consecutive order request failures")
    assert "new orders resume after a successful probe" in denial.reason
    strategy.modify_order(working, price=px(bid - FAR + ticks(1)))
    node.wait(lambda: isinstance(last_event(node, working), OrderModifyRejected), "modify rejected")
    assert last_event(node, working).reason.startswith("CIRCUIT_OPEN: ")

    # Faults off; the breaker is still open (its probe comes after the cooldown): the cancel goes out anyway.
    node.sim.set_faults(error_rate=0.0)
    assert breaker(node)["state"] in ("open", "half_open")
    strategy.cancel_order(working)
    node.wait_sim(lambda truth: truth.order(working_id)["state"] == "cancelled", "the cancel reached the sim")
    node.wait(lambda: node.order(working.client_order_id).is_closed, "the cancel reached the node")
    assert node.sim.stats()["orders_received"] == received  # neither the denied order nor the modify was sent
    assert denied.client_order_id.value not in [o.get("client_order_id") for o in node.truth.open_orders()]
    assert Decimal(node.truth.order(working_id)["limit_price"]) == bid - FAR  # the modify never reached the sim

    node.wait(lambda: of_type(strategy, DeltaCircuitClosed) != [], lambda: f"DeltaCircuitClosed ({breaker(node)})")
    [closed] = of_type(strategy, DeltaCircuitClosed)
    assert closed.ts_event >= opened.resume_probe_after_ns
    stats = breaker(node)
    assert (stats["state"], stats["consecutive_failures"], stats["times_opened"]) == ("closed", 0, 1)
    assert stats["probes"] == stats["probe_failures"] + 1
    accept_and_cancel(node, strategy, strategy.limit(OrderSide.BUY, 1, bid - FAR))


@pytest.mark.sim
def test_maintenance_opens_the_breaker_until_delta_is_live_again(node: ExecNode) -> None:
    """Delta's system_status says maintenance: the breaker opens with that reason and does not probe, submits are
    denied, a cancel still reaches the sim; back to live, the probe closes it and a new submit is accepted."""
    strategy = strategy_on(node)
    bid = node.truth.top().bid
    working, working_id = working_bid(node, strategy, bid)

    node.sim.set_faults(maintenance=True)
    node.wait(lambda: of_type(strategy, DeltaCircuitOpened) != [], lambda: f"DeltaCircuitOpened ({breaker(node)})")
    [opened] = of_type(strategy, DeltaCircuitOpened)
    assert opened.reason == "Delta system_status: maintenance (maintenance_started)"
    assert opened.resume_probe_after_ns is None
    stats = breaker(node)
    assert (stats["state"], stats["under_maintenance"], stats["consecutive_failures"]) == ("open", True, 0)

    denied = strategy.limit(OrderSide.SELL, 1, node.truth.top().ask + FAR)
    strategy.submit_order(denied)
    node.wait_events(strategy, denied, DENIED)
    reason = last_event(node, denied).reason
    assert reason.startswith("CIRCUIT_OPEN: Delta system_status: maintenance")
    assert "when its system_status is live again" in reason
    strategy.cancel_order(working)
    node.wait_events(strategy, working, CANCELED)
    assert node.truth.order(working_id)["state"] == "cancelled"
    assert breaker(node)["probes"] == 0  # maintenance holds the breaker open without probing
    assert node.sim.stats()["faults_injected"].get("maintenance") is None  # no order entry reached the sim

    node.sim.set_faults(maintenance=False)
    node.wait(lambda: of_type(strategy, DeltaCircuitClosed) != [], lambda: f"DeltaCircuitClosed ({breaker(node)})")
    stats = breaker(node)
    assert (stats["state"], stats["under_maintenance"], stats["probes"], stats["times_opened"]) == (
        "closed",
        False,
        1,
        1,
    )
    accept_and_cancel(node, strategy, strategy.limit(OrderSide.BUY, 1, bid - FAR))


@pytest.mark.sim
def test_rest_maintenance_503s_open_the_breaker_and_the_probe_waits_for_delta(sim: DeltaSim) -> None:
    """Without the system_status socket: order entry answered HTTP 503 (maintenance) counts as failures, a
    business rejection (post-only cross) restarts the count; once open, probes see ``under_maintenance`` and keep
    it open while a cancel goes out; after maintenance the next probe closes it."""
    sim.set_faults(pause_market=True)
    node = ExecNode(
        sim,
        circuit_breaker_failures=FAILURES,
        circuit_breaker_cooldown_secs=COOLDOWN_SECS,
        watch_system_status=False,
    ).start()
    try:
        strategy = strategy_on(node)
        top = node.truth.top()
        working = strategy.limit(OrderSide.BUY, 1, top.bid - FAR)
        strategy.submit_order(working)
        node.wait_events(strategy, working, ACCEPTED)
        working_id = node.order(working.client_order_id).venue_order_id.value

        sim.set_faults(maintenance=True)
        for n in range(1, FAILURES):
            strategy.submit_order(strategy.limit(OrderSide.BUY, 1, top.bid - FAR - ticks(n)))
            node.wait(lambda n=n: breaker(node)["consecutive_failures"] == n, f"failure {n} ({breaker(node)})")
        sim.set_faults(maintenance=False)
        crossing = strategy.limit(OrderSide.BUY, 1, top.ask + ticks(2), post_only=True)
        strategy.submit_order(crossing)
        node.wait_events(strategy, crossing, ["OrderInitialized", "OrderSubmitted", "OrderRejected"])
        stats = breaker(node)
        assert (stats["state"], stats["consecutive_failures"], stats["failures_total"]) == ("closed", 0, FAILURES - 1)

        sim.set_faults(maintenance=True)
        for n in range(1, FAILURES + 1):
            strategy.submit_order(strategy.limit(OrderSide.BUY, 1, top.bid - FAR - ticks(10 + n)))
            node.wait(lambda n=n: breaker(node)["consecutive_failures"] == n, f"failure {n} ({breaker(node)})")
        node.wait(lambda: of_type(strategy, DeltaCircuitOpened) != [], "DeltaCircuitOpened")
        [opened] = of_type(strategy, DeltaCircuitOpened)
        assert opened.reason == (
            f"{FAILURES} consecutive order request failures (last: POST /v2/orders: HTTP 503 unavailable)"
        )
        assert sim.stats()["faults_injected"]["maintenance"] == 2 * FAILURES - 1
        node.wait(lambda: breaker(node)["probe_failures"] >= 1, lambda: f"a failed probe ({breaker(node)})")
        stats = breaker(node)
        assert stats["state"] in ("open", "half_open")
        assert stats["last_reason"] == "GET /v2/settings reports under_maintenance"

        # Held open by the maintenance the probes see: the cancel still goes out (DELETE works in maintenance).
        strategy.cancel_order(working)
        node.wait_events(strategy, working, CANCELED)
        assert node.truth.order(working_id)["state"] == "cancelled"
        assert breaker(node)["state"] != "closed"

        sim.set_faults(maintenance=False)
        node.wait(lambda: of_type(strategy, DeltaCircuitClosed) != [], lambda: f"DeltaCircuitClosed ({breaker(node)})")
        assert breaker(node)["state"] == "closed"
        accept_and_cancel(node, strategy, strategy.limit(OrderSide.BUY, 1, top.bid - FAR))
    finally:
        node.stop()


def api_error(status: int, code: str, kind: type = _native.DeltaApiError) -> Exception:
    error = kind(f"HTTP {status}: {code}")
    error.status = status
    error.code = code
    return error


@pytest.mark.parametrize(
    ("error", "answered", "failure"),
    [
        (api_error(400, "insufficient_margin"), True, None),
        (api_error(400, "immediate_execution_post_only"), True, None),
        (api_error(401, "unauthorized", _native.DeltaAuthError), True, None),
        (api_error(503, "unavailable"), False, "HTTP 503 unavailable"),
        (api_error(500, "unavailable"), False, "HTTP 500 unavailable"),
        (api_error(429, "rate_limited", _native.DeltaRateLimitError), False, "HTTP 429 rate_limited"),
        (_native.DeltaError("request timed out after 1 s"), False, "request timed out after 1 s"),
        (_native.DeltaOrderStateUnknownError("lost"), False, "outcome unknown (lost)"),
        (_native.DeltaRiskError("max_order_size: too big"), False, None),
        (ValueError("invalid request"), False, None),
    ],
)
def test_which_order_request_errors_count(error: Exception, answered: bool, failure: str | None) -> None:
    """A business rejection is Delta answering; 5xx, 429, timeouts and unknown outcomes are failures; a request
    that never left the process is neither."""
    assert _answered_by_delta(error) is answered
    if not answered:
        assert _circuit_failure(error) == failure
