"""
Execution under faults (spec "Ambiguous outcome failures" TC-E74..TC-E77, reconnect and private sequence gaps),
and the check that no API secret reaches any log of a whole trading run.

Outcomes that the client cannot know (a reply that never comes, a request the sim never executes) must not turn
into rejections: the order stays in flight until a socket event, a query or reconciliation resolves it, and
every event reaches the strategy exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus
from nautilus_trader.model.events import OrderCancelRejected, OrderModifyRejected, OrderRejected
from nautilus_trader.model.orders import Order

from delta_exchange.sim import DeltaSim
from exec_harness import PRODUCT_ID, SIM_ARGS, ExecNode, Recorder, px, recorder_config, sim_request, ticks

pytestmark = pytest.mark.sim

ACCEPTED = ["OrderInitialized", "OrderSubmitted", "OrderAccepted"]
FILLED = [*ACCEPTED, "OrderFilled"]
CANCELED = [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"]
FAR = ticks(500)
TIMEOUT_SECS = 1.0
TESTS = Path(__file__).resolve().parent

# The engine's in-flight check runs soon after start and queries an order in flight for 2.5 s.
INFLIGHT = {
    "reconciliation_startup_delay_secs": 0.5,
    "inflight_check_interval_ms": 500,
    "inflight_check_threshold_ms": 2500,
    "inflight_check_retries": 3,
}


@pytest.fixture(scope="module")
def node() -> Iterator[ExecNode]:
    """A node whose REST calls time out after 1 s, on a sim whose market stands still."""
    with DeltaSim(rate=50, seed=31, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        running = ExecNode(sim, http_timeout_secs=TIMEOUT_SECS, exec_engine=INFLIGHT).start()
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def tester(node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    made: list[Recorder] = []

    def make(**overrides: Any) -> Recorder:
        strategy = node.add(Recorder(recorder_config(**overrides)))
        made.append(strategy)
        return strategy

    yield make
    node.sim.set_faults(latency_ms=0, error_rate=0.0, drop_order_reply=0, private_delay_ms=0, skip_private_seq=0)
    for strategy in made:
        if strategy.is_running:
            node.stop_strategy(strategy)
        node.remove(strategy)
    assert (node.truth.open_orders(), node.truth.position_size()) == ([], 0)
    node.assert_matches_sim()


def no_rejections(strategy: Recorder) -> None:
    rejections = (OrderRejected, OrderCancelRejected, OrderModifyRejected)
    assert [e for e in strategy.events if isinstance(e, rejections)] == []


def barrier(node: ExecNode, strategy: Recorder) -> None:
    """Place and cancel one more order: every private event sent before has then reached the node."""
    order = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR - ticks(7))
    strategy.submit_order(order)
    node.wait_events(strategy, order, ACCEPTED)
    strategy.cancel_order(order)
    node.wait_events(strategy, order, CANCELED)


def client_order_ids_on_venue(node: ExecNode, order: Order) -> list[str]:
    venue_id = node.order(order.client_order_id).venue_order_id
    return [str(o["id"]) for o in node.truth.open_orders() if str(o["id"]) == venue_id.value]


def test_tc_e74_submit_reply_lost_limit(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E74: the sim executes the limit but never answers; the client times out, finds the order by its
    client_order_id and accepts it: one order on the venue, one set of events, no OrderRejected."""
    strategy = tester()
    received = node.sim.stats()["orders_received"]
    node.sim.set_faults(drop_order_reply=1)
    order = strategy.limit(OrderSide.BUY, 2, node.truth.top().bid - FAR)
    strategy.submit_order(order)
    node.wait_events(strategy, order, ACCEPTED, timeout=30)
    assert node.sim.stats()["faults_injected"].get("drop_order_reply") == 1
    barrier(node, strategy)
    assert strategy.names(order.client_order_id) == ACCEPTED
    assert len(client_order_ids_on_venue(node, order)) == 1
    assert node.sim.stats()["orders_received"] == received + 2  # this order once, and the barrier's
    no_rejections(strategy)
    node.assert_matches_sim()


def test_tc_e74_submit_reply_lost_market(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E74: a market order whose reply is lost fills exactly once: one fill on the venue, one OrderFilled."""
    strategy = tester()
    top = node.truth.top()
    node.sim.set_faults(drop_order_reply=1)
    order = strategy.market(OrderSide.BUY, 3)
    strategy.submit_order(order)
    node.wait_events(strategy, order, FILLED, timeout=30)
    barrier(node, strategy)
    assert strategy.names(order.client_order_id) == FILLED
    fill = strategy.fills(order.client_order_id)[0]
    assert fill.last_px == px(top.ask)
    assert [str(f["id"]) for f in node.truth.fills(fill.venue_order_id.value)] == [fill.trade_id.value]
    assert node.truth.position_size() == 3
    no_rejections(strategy)
    node.assert_matches_sim()


def test_tc_e75_cancel_times_out(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E75: a cancel that times out (the sim never executes it) emits no OrderCancelRejected; the order stays
    pending until the engine's query finds it open again; a second cancel then succeeds."""
    strategy = tester()
    order = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(order)
    node.wait_events(strategy, order, ACCEPTED)
    node.sim.set_faults(latency_ms=int(TIMEOUT_SECS * 3000))
    strategy.cancel_order(order)
    node.wait_status(order, OrderStatus.PENDING_CANCEL)
    node.run_for(TIMEOUT_SECS * 2)  # the client gives up meanwhile
    node.sim.set_faults(latency_ms=0)
    node.wait(lambda: node.order(order.client_order_id).status == OrderStatus.ACCEPTED, "query resolves to ACCEPTED")
    no_rejections(strategy)
    assert len(client_order_ids_on_venue(node, order)) == 1
    strategy.cancel_order(order)
    node.wait_status(order, OrderStatus.CANCELED)
    no_rejections(strategy)
    node.assert_matches_sim()


def test_tc_e76_modify_times_out(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E76: a modify that times out emits no OrderModifyRejected; the order keeps its venue price until the
    query resolves it; a second modify then succeeds."""
    strategy = tester()
    price = node.truth.top().bid - FAR
    order = strategy.limit(OrderSide.BUY, 1, price)
    strategy.submit_order(order)
    node.wait_events(strategy, order, ACCEPTED)
    node.sim.set_faults(latency_ms=int(TIMEOUT_SECS * 3000))
    strategy.modify_order(order, price=px(price + ticks(3)))
    node.wait_status(order, OrderStatus.PENDING_UPDATE)
    node.run_for(TIMEOUT_SECS * 2)
    node.sim.set_faults(latency_ms=0)
    node.wait(lambda: node.order(order.client_order_id).status == OrderStatus.ACCEPTED, "query resolves to ACCEPTED")
    no_rejections(strategy)
    (record,) = node.truth.open_orders()
    assert str(record["limit_price"]) in (str(price), f"{price:.1f}")
    strategy.modify_order(order, price=px(price + ticks(3)))
    node.wait(lambda: "OrderUpdated" in strategy.names(order.client_order_id), "OrderUpdated")
    no_rejections(strategy)
    node.assert_matches_sim()


def test_tc_e77_whole_batch_failure(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E77: a batch whose request fails as a whole (HTTP 503, no per-order result) emits no OrderRejected
    from the client; the orders stay SUBMITTED until the engine resolves them (its own reason, UNKNOWN)."""
    strategy = tester()
    bid = node.truth.top().bid
    orders = [strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(i)) for i in range(3)]
    injected = node.sim.stats()["injected_errors"]
    node.sim.set_faults(error_rate=1.0)
    strategy.submit_order_list(strategy.order_factory.create_list(orders))
    node.wait(lambda: node.sim.stats()["injected_errors"] > injected, "the batch answered 503")
    node.sim.set_faults(error_rate=0.0)
    assert all(strategy.names(o.client_order_id) == ["OrderInitialized", "OrderSubmitted"] for o in orders)
    node.wait(lambda: all(node.order(o.client_order_id).is_closed for o in orders), "engine resolution", 30)
    for order in orders:
        reasons = [e.reason for e in strategy.order_events(order.client_order_id) if isinstance(e, OrderRejected)]
        assert reasons == ["UNKNOWN"], reasons
    assert node.truth.open_orders() == []


def test_rest_and_socket_events_deduplicated(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Private events 400 ms late (REST replies first): a fill and a cancel still reach the strategy once."""
    strategy = tester()
    delayed = node.sim.stats()["faults_injected"].get("private_delay_ms", 0)
    node.sim.set_faults(private_delay_ms=400)
    market = strategy.market(OrderSide.SELL, 2)
    limit = strategy.limit(OrderSide.SELL, 1, node.truth.top().ask + FAR)
    strategy.submit_order(market)
    strategy.submit_order(limit)
    node.wait_events(strategy, market, FILLED)
    node.wait_events(strategy, limit, ACCEPTED)
    strategy.cancel_order(limit)
    node.wait_events(strategy, limit, CANCELED)
    node.sim.set_faults(private_delay_ms=0)
    assert node.sim.stats()["faults_injected"]["private_delay_ms"] > delayed
    barrier(node, strategy)
    assert strategy.names(market.client_order_id) == FILLED
    assert strategy.names(limit.client_order_id) == CANCELED
    no_rejections(strategy)
    node.assert_matches_sim()


def test_reconnect_reconciles_missed_fill_and_cancel(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Reconnect: a fill and a cancel whose private events die with the dropped sockets (`/sim/restart` while
    they are delayed) reach the strategy exactly once, through the reconciliation after the reconnect."""
    strategy = tester()
    resting = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(resting)
    node.wait_events(strategy, resting, ACCEPTED)
    venue_id = node.order(resting.client_order_id).venue_order_id.value
    node.sim.set_faults(private_delay_ms=3000)
    market = strategy.market(OrderSide.BUY, 2)
    strategy.submit_order(market)
    node.wait(lambda: "OrderAccepted" in strategy.names(market.client_order_id), "market accepted over REST")
    sim_request(node.sim, "DELETE", "/v2/orders", body={"id": int(venue_id), "product_id": PRODUCT_ID})
    restarts, connections = node.sim.stats()["restarts"], node.sim.stats()["ws_connections"]
    node.sim.restart()
    node.sim.set_faults(private_delay_ms=0)
    assert node.sim.stats()["restarts"] == restarts + 1
    node.wait(lambda: node.sim.stats()["ws_connections"] >= connections + 2, "both sockets reconnected", 30)
    node.wait(lambda: node.order(market.client_order_id).status == OrderStatus.FILLED, "missed fill reconciled", 30)
    node.wait(lambda: node.order(resting.client_order_id).status == OrderStatus.CANCELED, "missed cancel", 30)
    barrier(node, strategy)
    assert strategy.names(market.client_order_id) == FILLED
    assert strategy.names(resting.client_order_id)[-1] == "OrderCanceled"
    assert strategy.names(resting.client_order_id).count("OrderCanceled") == 1
    fill = strategy.fills(market.client_order_id)[0]
    assert [str(f["id"]) for f in node.truth.fills(fill.venue_order_id.value)] == [fill.trade_id.value]
    no_rejections(strategy)
    node.assert_matches_sim()


def test_private_seq_gap_reconciles_missed_cancel(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """A private `orders` seq_no gap: a cancel made behind the node's back whose event the sim skipped is found
    by the reconciliation the gap starts, and emitted exactly once."""
    strategy = tester()
    first = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(first)
    node.wait_events(strategy, first, ACCEPTED)
    node.sim.set_faults(skip_private_seq=1)
    venue_id = node.order(first.client_order_id).venue_order_id.value
    sim_request(node.sim, "DELETE", "/v2/orders", body={"id": int(venue_id), "product_id": PRODUCT_ID})
    second = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR - ticks(1))
    strategy.submit_order(second)
    node.wait_events(strategy, second, ACCEPTED)
    node.wait(lambda: node.order(first.client_order_id).status == OrderStatus.CANCELED, "gap reconciled", 30)
    barrier(node, strategy)
    assert strategy.names(first.client_order_id).count("OrderCanceled") == 1
    assert strategy.names(second.client_order_id) == ACCEPTED
    assert node.sim.stats()["faults_injected"].get("skip_private_seq") == 1
    no_rejections(strategy)
    node.assert_matches_sim()


# -- secrets ---------------------------------------------------------------------------------------------------------


def test_no_api_secret_in_any_log(tmp_path: Path) -> None:
    """A whole trading run in a subprocess (orders, fills, modify, cancel, MMP and dead-man config, reconnect,
    restart with reconciliation), its stdout, stderr, the node's log files and the sim's log: no API secret."""
    secret = f"sim-secret-{uuid.uuid4().hex}"
    script = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import exec_harness; "
        f"exec_harness.secret_scenario({secret!r}, {str(tmp_path)!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "DELTA_SIM_LOG": "debug"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "SCENARIO OK" in result.stdout
    logs = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert logs, "the node wrote no log file"
    for text in (result.stdout, result.stderr, *logs):
        assert secret not in text
        assert secret[:16] not in text
