"""
Risk checks, market-maker protection and the dead-man switch through a ``TradingNode`` against delta-sim.

Each risk rule set in ``DeltaExchangeExecClientConfig`` rejects an order before it leaves the process:
``OrderSubmitted`` then ``OrderRejected`` with the reason ``"risk <rule>: <message naming the numbers>"``, and the
sim never sees the order. Nautilus's own risk engine stays on here (no bypass): the client's checks come on top.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus

from delta_exchange import DeltaInstrumentRiskLimits
from delta_exchange.sim import DeltaSim
from exec_harness import (
    CONTRACT_VALUE,
    MMP_TOPIC,
    PRODUCT_ID,
    SIM_ARGS,
    TAKER_FEE,
    ExecNode,
    Recorder,
    SimTruth,
    recorder_config,
    sim_request,
    ticks,
)

pytestmark = pytest.mark.sim

ACCEPTED = ["OrderInitialized", "OrderSubmitted", "OrderAccepted"]
FILLED = [*ACCEPTED, "OrderFilled"]
REJECTED = ["OrderInitialized", "OrderSubmitted", "OrderRejected"]
FAR = ticks(500)


def make_tester(node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    """Recording strategies on ``node``; afterwards each stops (cancel, close) and the account must be flat."""
    made: list[Recorder] = []

    def make(**overrides: Any) -> Recorder:
        strategy = node.add(Recorder(recorder_config(**overrides)))
        made.append(strategy)
        return strategy

    yield make
    for strategy in made:
        if strategy.is_running:
            node.stop_strategy(strategy)
        node.remove(strategy)
    assert (node.truth.open_orders(), node.truth.position_size()) == ([], 0)
    node.assert_matches_sim()


def rejected_reason(node: ExecNode, strategy: Recorder, order: Any) -> str:
    """Wait for Submitted -> Rejected and return the reason; the sim never received the order."""
    node.wait_events(strategy, order, REJECTED)
    return strategy.order_events(order.client_order_id)[-1].reason


# -- size, price band, open orders, position ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limits_node() -> Iterator[ExecNode]:
    with DeltaSim(rate=50, seed=41, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        node = ExecNode(
            sim,
            bypass_risk=False,
            max_order_size=100,
            price_band_pct=Decimal(5),
            max_open_orders=3,
            max_position=50,
        ).start()
        try:
            yield node
        finally:
            node.stop()


@pytest.fixture
def limits(limits_node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    yield from make_tester(limits_node)


def test_risk_max_order_size(limits_node: ExecNode, limits: Callable[..., Recorder]) -> None:
    """max_order_size: a 120-contract limit is rejected naming the rule, the size and the limit of 100; the sim
    never sees it; a 50-contract limit passes."""
    node, strategy = limits_node, limits()
    received = node.sim.stats()["orders_received"]
    order = strategy.limit(OrderSide.BUY, 120, node.truth.top().bid - FAR)
    strategy.submit_order(order)
    reason = rejected_reason(node, strategy, order)
    assert reason.startswith("risk max_order_size:") and "120" in reason and "100" in reason
    assert node.sim.stats()["orders_received"] == received
    ok = strategy.limit(OrderSide.BUY, 50, node.truth.top().bid - FAR)  # 50: max_position allows no more
    strategy.submit_order(ok)
    node.wait_events(strategy, ok, ACCEPTED)


def test_risk_price_band(limits_node: ExecNode, limits: Callable[..., Recorder]) -> None:
    """price_band: a limit 10% under the market is rejected naming the band of 5%; 2% under is accepted."""
    node, strategy = limits_node, limits()
    bid = node.truth.top().bid
    far = (bid * Decimal("0.90") / ticks(1)).to_integral_value() * ticks(1)
    near = (bid * Decimal("0.98") / ticks(1)).to_integral_value() * ticks(1)
    order = strategy.limit(OrderSide.BUY, 1, far)
    strategy.submit_order(order)
    reason = rejected_reason(node, strategy, order)
    assert reason.startswith("risk price_band:") and "5" in reason, reason
    inside = strategy.limit(OrderSide.BUY, 1, near)
    strategy.submit_order(inside)
    node.wait_events(strategy, inside, ACCEPTED)


def test_risk_max_open_orders(limits_node: ExecNode, limits: Callable[..., Recorder]) -> None:
    """max_open_orders: three resting limits are accepted, the fourth is rejected naming the limit of 3; after
    one cancel a new order passes again."""
    node, strategy = limits_node, limits()
    bid = node.truth.top().bid
    orders = [strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(i)) for i in range(4)]
    for order in orders[:3]:
        strategy.submit_order(order)
        node.wait_events(strategy, order, ACCEPTED)
    strategy.submit_order(orders[3])
    reason = rejected_reason(node, strategy, orders[3])
    assert reason.startswith("risk max_open_orders:") and "3" in reason
    strategy.cancel_order(orders[0])
    node.wait_status(orders[0], OrderStatus.CANCELED)
    again = strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(9))
    strategy.submit_order(again)
    node.wait_events(strategy, again, ACCEPTED)
    assert len(node.truth.open_orders()) == 3


def test_risk_max_position(limits_node: ExecNode, limits: Callable[..., Recorder]) -> None:
    """max_position: long 40, a buy of 20 (60 > 50 after fill) is rejected naming 50; a reducing sell passes."""
    node, strategy = limits_node, limits()
    opening = strategy.market(OrderSide.BUY, 40)
    strategy.submit_order(opening)
    node.wait_events(strategy, opening, FILLED)
    more = strategy.market(OrderSide.BUY, 20)
    strategy.submit_order(more)
    reason = rejected_reason(node, strategy, more)
    assert reason.startswith("risk max_position:") and "50" in reason and "60" in reason, reason
    reducing = strategy.market(OrderSide.SELL, 30)
    strategy.submit_order(reducing)
    node.wait_events(strategy, reducing, FILLED)
    assert node.truth.position_size() == 10
    node.assert_matches_sim()


def test_risk_instrument_override() -> None:
    """instrument_risk_limits: BTCUSD's own max_order_size of 10 (account 100) rejects 20 contracts naming 10,
    and its own price band of 1% (account 5%) rejects a limit 3% under the market; 10 contracts 0.5% under pass."""
    with DeltaSim(rate=50, seed=47, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        node = ExecNode(
            sim,
            bypass_risk=False,
            max_order_size=100,
            price_band_pct=Decimal(5),
            instrument_risk_limits={
                "BTCUSD": DeltaInstrumentRiskLimits(max_order_size=10, price_band_pct=Decimal(1)),
            },
        ).start()
        try:
            strategy = node.add(Recorder(recorder_config()))
            bid = node.truth.top().bid
            near = (bid * Decimal("0.995") / ticks(1)).to_integral_value() * ticks(1)
            far = (bid * Decimal("0.97") / ticks(1)).to_integral_value() * ticks(1)
            big = strategy.limit(OrderSide.BUY, 20, near)
            strategy.submit_order(big)
            reason = rejected_reason(node, strategy, big)
            assert reason.startswith("risk max_order_size:") and "20" in reason and "10" in reason, reason
            outside = strategy.limit(OrderSide.BUY, 1, far)
            strategy.submit_order(outside)
            reason = rejected_reason(node, strategy, outside)
            assert reason.startswith("risk price_band:") and "1" in reason, reason
            ok = strategy.limit(OrderSide.BUY, 10, near)
            strategy.submit_order(ok)
            node.wait_events(strategy, ok, ACCEPTED)
            node.stop_strategy(strategy)
            assert node.truth.open_orders() == []
        finally:
            node.stop()


# -- notional, order rate, daily loss ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loss_node() -> Iterator[ExecNode]:
    """Notional 5,000 USD, 5 orders/s, and a daily loss limit halfway between the fees of two trades."""
    with DeltaSim(rate=50, seed=43, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        top = SimTruth(sim).top()
        first = Decimal(10) * CONTRACT_VALUE * top.ask * TAKER_FEE
        second = Decimal(5) * CONTRACT_VALUE * top.bid * TAKER_FEE
        limit = (first + second / 2).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        node = ExecNode(
            sim,
            bypass_risk=False,
            max_order_notional=Decimal(5000),
            max_orders_per_second=5,
            daily_loss_limit=limit,
            cancel_on_daily_loss=True,
        ).start()
        try:
            yield node
        finally:
            node.stop()


@pytest.fixture
def losses(loss_node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    yield from make_tester(loss_node)


def test_risk_max_order_notional(loss_node: ExecNode, losses: Callable[..., Recorder]) -> None:
    """max_order_notional: 80 contracts (~5,400 USD) are rejected naming 5000; 60 contracts pass."""
    node, strategy = loss_node, losses()
    price = node.truth.top().bid - FAR
    order = strategy.limit(OrderSide.BUY, 80, price)
    strategy.submit_order(order)
    reason = rejected_reason(node, strategy, order)
    assert reason.startswith("risk max_order_notional:") and "5000" in reason, reason
    smaller = strategy.limit(OrderSide.BUY, 60, price)
    strategy.submit_order(smaller)
    node.wait_events(strategy, smaller, ACCEPTED)


def test_risk_order_rate(loss_node: ExecNode, losses: Callable[..., Recorder]) -> None:
    """order_rate: eight orders at once at 5 per second: five accepted, three rejected naming the rate."""
    node, strategy = loss_node, losses()
    node.run_for(1.1)  # a fresh one-second window (the previous test's orders counted in theirs)
    bid = node.truth.top().bid
    orders = [strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(i)) for i in range(8)]
    for order in orders:
        strategy.submit_order(order)
    node.wait(lambda: all(len(strategy.order_events(o.client_order_id)) >= 3 for o in orders), "eight outcomes")
    outcomes = [strategy.names(o.client_order_id)[-1] for o in orders]
    assert outcomes == ["OrderAccepted"] * 5 + ["OrderRejected"] * 3
    for order in orders[5:]:
        reason = strategy.order_events(order.client_order_id)[-1].reason
        assert reason.startswith("risk order_rate:") and "5" in reason, reason


def test_risk_daily_loss_reduce_only_and_cancel(loss_node: ExecNode, losses: Callable[..., Recorder]) -> None:
    """daily_loss (+ cancel_on_daily_loss): fees of a buy then a partial sell breach the limit: open orders are
    cancelled, a new opening order is rejected naming the limit, a reducing order still fills."""
    node, strategy = loss_node, losses()
    node.run_for(1.1)  # out of the order-rate window
    resting = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(resting)
    node.wait_events(strategy, resting, ACCEPTED)
    buy = strategy.market(OrderSide.BUY, 10)
    strategy.submit_order(buy)
    node.wait_events(strategy, buy, FILLED)
    node.assert_matches_sim()
    assert node.order(resting.client_order_id).status == OrderStatus.ACCEPTED
    sell = strategy.market(OrderSide.SELL, 5)
    strategy.submit_order(sell)
    node.wait_events(strategy, sell, FILLED)
    node.wait_status(resting, OrderStatus.CANCELED)
    opening = strategy.market(OrderSide.BUY, 1)
    strategy.submit_order(opening)
    reason = rejected_reason(node, strategy, opening)
    assert reason.startswith("risk daily_loss:") and str(node.exec_config.daily_loss_limit) in reason, reason
    reducing = strategy.market(OrderSide.SELL, 5)
    strategy.submit_order(reducing)
    node.wait_events(strategy, reducing, FILLED)
    assert node.truth.position_size() == 0


# -- market-maker protection and the dead-man switch ----------------------------------------------------------------

MMP_FREEZE_SECS = 2


@pytest.fixture(scope="module")
def mmp_node() -> Iterator[ExecNode]:
    """MMP group mmp1 on BTC: 200 USD traded within 10 s freezes quoting for 2 s; dead-man switch 30 s;
    BTCUSD leverage 25."""
    with DeltaSim(rate=50, seed=47, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        node = ExecNode(
            sim,
            mmp_group="mmp1",
            mmp_window_secs=10,
            mmp_freeze_secs=MMP_FREEZE_SECS,
            mmp_trade_limit=Decimal(200),
            dead_man_ttl_ms=30_000,
            leverage={"BTCUSD": 25},
        ).start()
        try:
            yield node
        finally:
            node.stop()


@pytest.fixture
def quoter(mmp_node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    yield from make_tester(mmp_node)


def test_mmp_topic_constant() -> None:
    """The strategies here listen on the topic the client publishes MMP events on."""
    from delta_exchange.events import MMP_TOPIC as PUBLISHED  # noqa: PLC0415

    assert PUBLISHED == MMP_TOPIC


def test_mmp_configured_and_quotes_tagged(mmp_node: ExecNode, quoter: Callable[..., Recorder]) -> None:
    """MMP config reaches the venue (trading preferences) and quotes carry the mmp1 tag."""
    node, strategy = mmp_node, quoter()
    preferences = sim_request(node.sim, "GET", "/v2/users/trading_preferences")
    config = preferences["mmp_config"]  # by asset on the sim; a list or one entry are accepted too
    entries = config if isinstance(config, list) else [config] if "asset" in config else list(config.values())
    btc = next(entry for entry in entries if entry.get("asset") == "BTC")
    assert Decimal(str(btc["trade_limit"])) == Decimal(200)
    assert int(btc["window_interval"]) == 10 and int(btc["freeze_interval"]) == MMP_FREEZE_SECS
    quote = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(quote)
    node.wait_events(strategy, quote, ACCEPTED)
    venue_id = node.order(quote.client_order_id).venue_order_id.value
    assert node.truth.order(venue_id).get("mmp") == "mmp1"


def test_mmp_trigger_event_freeze_and_thaw(mmp_node: ExecNode, quoter: Callable[..., Recorder]) -> None:
    """An `mmp_trigger` (sent by the sim) reaches the strategy as DeltaMmpTriggered on `delta_exchange.mmp`;
    quotes are rejected locally (mmp_frozen) until frozen_till, then DeltaMmpThawed and quoting resumes."""
    from delta_exchange.events import DeltaMmpThawed, DeltaMmpTriggered  # noqa: PLC0415

    node, strategy = mmp_node, quoter()
    frozen_till_us = int(time.time() * 1_000_000) + MMP_FREEZE_SECS * 1_000_000
    node.sim.mmp_trigger("BTC", frozen_till_us)
    node.wait(lambda: any(isinstance(e, DeltaMmpTriggered) for e in strategy.mmp), "DeltaMmpTriggered")
    triggered = next(e for e in strategy.mmp if isinstance(e, DeltaMmpTriggered))
    assert triggered.asset == "BTC" and triggered.frozen_till_ns == frozen_till_us * 1_000
    quote = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(quote)
    reason = rejected_reason(node, strategy, quote)
    assert reason.startswith("risk mmp_frozen:") and "BTC" in reason
    node.wait(lambda: any(isinstance(e, DeltaMmpThawed) for e in strategy.mmp), "DeltaMmpThawed", MMP_FREEZE_SECS + 10)
    again = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(again)
    node.wait_events(strategy, again, ACCEPTED)


def test_mmp_tripped_by_trades(mmp_node: ExecNode, quoter: Callable[..., Recorder]) -> None:
    """The sim trips MMP itself: mmp1 fills of about 270 USD pass the 200 USD trade limit: the resting quote is
    cancelled by the venue, the strategy gets DeltaMmpTriggered, new quotes are rejected locally until the
    freeze ends, then quoting resumes."""
    from delta_exchange.events import DeltaMmpThawed, DeltaMmpTriggered  # noqa: PLC0415

    node, strategy = mmp_node, quoter()
    quote = strategy.limit(OrderSide.SELL, 1, node.truth.top().ask + FAR)
    strategy.submit_order(quote)
    node.wait_events(strategy, quote, ACCEPTED)
    taker = strategy.limit(OrderSide.BUY, 4, node.truth.top().ask + ticks(2))
    strategy.submit_order(taker)
    node.wait(lambda: any(isinstance(e, DeltaMmpTriggered) for e in strategy.mmp), "DeltaMmpTriggered")
    node.wait_status(quote, OrderStatus.CANCELED)
    blocked = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(blocked)
    assert rejected_reason(node, strategy, blocked).startswith("risk mmp_frozen:")
    node.wait(lambda: any(isinstance(e, DeltaMmpThawed) for e in strategy.mmp), "DeltaMmpThawed", MMP_FREEZE_SECS + 10)
    again = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    strategy.submit_order(again)
    node.wait_events(strategy, again, ACCEPTED)


def test_dead_man_switch_heartbeat_created(mmp_node: ExecNode) -> None:
    """dead_man_ttl_ms: the client creates a heartbeat on the venue at start and keeps acknowledging it."""
    heartbeats = sim_request(mmp_node.sim, "GET", "/v2/heartbeat")
    assert heartbeats, "no heartbeat configured on the venue"
    assert all(h.get("heartbeat_id") for h in heartbeats)


def test_leverage_from_config(mmp_node: ExecNode) -> None:
    """Per-instrument leverage from the config is set on the venue at start."""
    leverage = sim_request(mmp_node.sim, "GET", f"/v2/products/{PRODUCT_ID}/orders/leverage")
    assert Decimal(str(leverage["leverage"])) == 25
