"""
Per-order state that turns Delta's overlapping reports into each Nautilus order event exactly once, in order.

An order's state reaches the client several times: the REST reply (the acknowledgement), private-socket
``orders`` events (possibly before the REST reply), ``v2/user_trades`` fills, and REST look-ups during
reconciliation. :class:`TrackedOrder` remembers what was already emitted (accepted, triggered, the venue's
size and prices, fill ids, terminal) and :meth:`OrderTracker.apply` / :meth:`OrderTracker.fill` return only the
steps still due, in Nautilus's order: accepted -> triggered -> updated -> filled -> canceled. The module is
pure (no Nautilus calls), so every rule is unit-tested; the client turns the steps into ``generate_*`` calls.

Rules:

- accepted: the first report in any venue state (open, pending, closed, cancelled), or a fill, whichever comes
  first;
- triggered: a stop or take-profit order leaves ``pending`` (state open/closed, or ``reason: stop_trigger``);
  only STOP_LIMIT and LIMIT_IF_TOUCHED have a Nautilus triggered state, the other types only record it;
- updated: size, limit price or stop price differ from the last ones known (edits, bracket legs resized; a
  bracket leg Delta holds at size 0 before its entry fills keeps its Nautilus quantity);
  the stop price of a trailing stop moves with the market and is not reported, and a bracket take-profit
  LIMIT child has no trigger price in Nautilus (its Delta leg's ``stop_price`` is ignored);
- filled: a fill id not seen before;
- canceled: state ``cancelled`` once every fill the venue counted (``size - unfilled_size``) has been emitted;
  until then the cancel waits and the client is told fills are missing (it fetches them from REST);
- nothing after a terminal step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, NamedTuple

from nautilus_trader.model.enums import OrderSide, OrderType
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, StrategyId

from delta_exchange.reports import VenueOrder

_LIVE_STATES: Final = ("open", "pending", "closed", "cancelled")
_CONDITIONAL: Final = (
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED,
    OrderType.TRAILING_STOP_MARKET,
)
_FIXED_TRIGGER: Final = (
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED,
)
TRIGGERABLE: Final = (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)
"""Order types with a Nautilus TRIGGERED state (``OrderTriggered`` is invalid for the others)."""


class Accepted(NamedTuple):
    """Emit ``OrderAccepted`` with this venue order id."""

    venue_order_id: str


class Triggered(NamedTuple):
    """Emit ``OrderTriggered``."""


class Updated(NamedTuple):
    """Emit ``OrderUpdated`` (prices as Delta's text; None = unchanged / not applicable)."""

    quantity: int
    price: str | None
    trigger_price: str | None
    venue_order_id_modified: bool


class Filled(NamedTuple):
    """Emit ``OrderFilled`` for the fill being applied."""


class Canceled(NamedTuple):
    """Emit ``OrderCanceled``."""


class FillsMissing(NamedTuple):
    """The venue counts more filled contracts than fills seen: fetch the order's fills from REST."""

    venue_filled: int


Step = Accepted | Triggered | Updated | Filled | Canceled | FillsMissing


def _same_price(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(a) == Decimal(b)


@dataclass
class TrackedOrder:
    """
    What the client knows and has emitted about one Nautilus order.

    ``placeholder`` marks a bracket child whose Delta leg has not been seen yet; ``leg_type``/``leg_stop_price``
    are what its leg will look like on the socket. ``venue_order_id`` is Delta's id (for requests);
    ``reported_id`` the venue id Nautilus knows (a placeholder until the leg's id is reported). A leg Delta
    holds at size 0 while its entry works is linked silently (``id_unreported``): its id is reported with the
    next update (an edit, or the resize when the entry fills), so a modify yields exactly one OrderUpdated.
    """

    client_order_id: ClientOrderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    side: OrderSide
    order_type: OrderType
    quantity: int
    price: str | None = None
    trigger_price: str | None = None
    delta_client_order_id: str | None = None
    venue_order_id: str | None = None
    accepted: bool = False
    triggered: bool = False
    closed: bool = False
    filled: int = 0
    venue_filled: int = 0
    cancel_waiting: bool = False
    awaiting_update: bool = False
    reported_id: str | None = None
    id_unreported: bool = False
    fill_ids: set[str] = field(default_factory=set)
    placeholder: bool = False
    parent: ClientOrderId | None = None
    children: list[ClientOrderId] = field(default_factory=list)
    leg_type: str | None = None
    leg_stop_price: str | None = None

    @property
    def has_trigger_price(self) -> bool:
        """Whether Delta's ``stop_price`` is this order's trigger price (a fixed stop or take-profit)."""
        return self.order_type in _FIXED_TRIGGER

    @property
    def open_size(self) -> int:
        """Contracts still working (0 once closed)."""
        return 0 if self.closed else max(self.quantity - self.filled, 0)


class OrderTracker:
    """The tracked orders, indexed by Nautilus id, Delta order id and Delta ``client_order_id``."""

    def __init__(self) -> None:
        self._by_client: dict[ClientOrderId, TrackedOrder] = {}
        self._by_venue: dict[str, TrackedOrder] = {}
        self._by_delta_cid: dict[str, TrackedOrder] = {}

    def __len__(self) -> int:
        return len(self._by_client)

    def __iter__(self) -> Iterator[TrackedOrder]:
        return iter(list(self._by_client.values()))

    def add(self, tracked: TrackedOrder) -> TrackedOrder:
        """Track ``tracked`` (replacing an earlier entry of the same Nautilus id)."""
        self._by_client[tracked.client_order_id] = tracked
        if tracked.delta_client_order_id:
            self._by_delta_cid[tracked.delta_client_order_id] = tracked
        if tracked.venue_order_id and not tracked.placeholder:
            self._by_venue[tracked.venue_order_id] = tracked
        return tracked

    def get(self, client_order_id: ClientOrderId) -> TrackedOrder | None:
        """Return the tracked order of a Nautilus id."""
        return self._by_client.get(client_order_id)

    def find(self, venue_order_id: str | None, delta_client_order_id: str | None) -> TrackedOrder | None:
        """Return the tracked order of a Delta order id, else of a Delta ``client_order_id``."""
        if venue_order_id is not None:
            tracked = self._by_venue.get(venue_order_id)
            if tracked is not None:
                return tracked
        if delta_client_order_id:
            return self._by_delta_cid.get(delta_client_order_id)
        return None

    def open_orders(self, instrument_id: InstrumentId | None = None) -> list[TrackedOrder]:
        """Tracked orders not closed (of one instrument)."""
        return [
            t
            for t in self._by_client.values()
            if not t.closed and (instrument_id is None or t.instrument_id == instrument_id)
        ]

    def match_leg(self, order: VenueOrder, instrument_id: InstrumentId) -> TrackedOrder | None:
        """
        Return the placeholder bracket child a new Delta bracket leg belongs to, or None.

        A leg matches a placeholder child of the same instrument, side and leg type (``stop_loss_order`` /
        ``take_profit_order``) whose entry is submitted or accepted (a leg may be reported before its entry's
        acknowledgement); a child whose expected stop price equals the leg's wins, else the oldest (Delta's legs
        carry no client id or link to their entry).
        """
        if not order.bracket_order or order.stop_order_type is None or order.side is None:
            return None
        side = OrderSide.BUY if order.side == "buy" else OrderSide.SELL
        candidates = [
            t
            for t in self._by_client.values()
            if t.placeholder
            and not t.closed
            and t.instrument_id == instrument_id
            and t.side == side
            and t.leg_type == order.stop_order_type
            and self._parent_working(t)
        ]
        for tracked in candidates:
            if tracked.leg_stop_price is not None and _same_price(tracked.leg_stop_price, order.stop_price):
                return tracked
        return candidates[0] if candidates else None

    def _parent_working(self, tracked: TrackedOrder) -> bool:
        parent = self._by_client.get(tracked.parent) if tracked.parent is not None else None
        return parent is not None and (parent.accepted or not parent.closed)

    def link_leg(self, tracked: TrackedOrder, order: VenueOrder) -> list[Step]:
        """Attach a placeholder child to its Delta leg: it takes the leg's id, size and prices (one update)."""
        tracked.placeholder = False
        tracked.venue_order_id = order.order_id
        self._by_venue[order.order_id] = tracked
        if order.size:  # a leg Delta holds at size 0 until its entry fills keeps the child's quantity
            tracked.quantity = order.size
        if order.limit_price is not None:
            tracked.price = order.limit_price
        if order.stop_price is not None and tracked.has_trigger_price:
            tracked.trigger_price = order.stop_price
        if not order.size:
            # Accepted already under its placeholder id: report the real id with the next update. Not accepted
            # yet (the leg came before its entry's acknowledgement): it is accepted with the real id below.
            tracked.id_unreported = tracked.accepted
            return self.apply(tracked, order)
        steps: list[Step] = [Updated(tracked.quantity, tracked.price, tracked.trigger_price, True)]
        return steps + self.apply(tracked, order)

    def apply(self, tracked: TrackedOrder, order: VenueOrder, *, force_update: bool = False) -> list[Step]:
        """
        Return the steps a venue report of ``tracked`` makes due, and record them as done.

        Parameters
        ----------
        tracked : TrackedOrder
            The order the report is about.
        order : VenueOrder
            The report (REST reply, socket event, look-up).
        force_update : bool, default False
            Report an update even when nothing changed, if none was reported since the edit was sent
            (``awaiting_update``): a successful edit must end Nautilus's PENDING_UPDATE exactly once.

        """
        if tracked.closed or order.state not in _LIVE_STATES:
            return []
        steps: list[Step] = []
        if tracked.venue_order_id != order.order_id and not tracked.placeholder:
            tracked.venue_order_id = order.order_id
            self._by_venue[order.order_id] = tracked
        if not tracked.accepted:
            tracked.accepted = True
            steps.append(Accepted(order.order_id))
        if order.filled_size is not None:
            tracked.venue_filled = max(tracked.venue_filled, order.filled_size)
        if (
            tracked.order_type in _CONDITIONAL
            and not tracked.triggered
            and (order.state in ("open", "closed") or order.reason == "stop_trigger")
        ):
            tracked.triggered = True
            if tracked.order_type in TRIGGERABLE:
                steps.append(Triggered())
        if order.state in ("open", "pending"):
            update = self._update(tracked, order)
            if update is None and force_update and tracked.awaiting_update:
                update = Updated(tracked.quantity, tracked.price, tracked.trigger_price, False)
            if update is not None:
                tracked.awaiting_update = False
                steps.append(update)
        if order.state == "cancelled":
            if tracked.filled >= tracked.venue_filled:
                tracked.closed = True
                tracked.cancel_waiting = False
                steps.append(Canceled())
            else:
                tracked.cancel_waiting = True
                steps.append(FillsMissing(tracked.venue_filled))
        elif order.state == "closed" and tracked.filled < tracked.venue_filled:
            steps.append(FillsMissing(tracked.venue_filled))
        return steps

    @staticmethod
    def _update(tracked: TrackedOrder, order: VenueOrder) -> Updated | None:
        changed = False
        if order.size and order.size != tracked.quantity:
            tracked.quantity = order.size
            changed = True
        if order.limit_price is not None and not _same_price(order.limit_price, tracked.price):
            tracked.price = order.limit_price
            changed = True
        if (
            order.stop_price is not None
            and tracked.has_trigger_price
            and not _same_price(order.stop_price, tracked.trigger_price)
        ):
            tracked.trigger_price = order.stop_price
            changed = True
        report_id = tracked.id_unreported and bool(order.size)
        if not changed and not report_id:
            return None
        tracked.id_unreported = tracked.id_unreported and not report_id
        return Updated(tracked.quantity, tracked.price, tracked.trigger_price, report_id)

    def fill(self, tracked: TrackedOrder, fill_id: str, size: int, venue_order_id: str) -> list[Step]:
        """
        Return the steps a fill makes due.

        Nothing for a fill id already seen, else (accepted,) filled (, canceled when a cancel was waiting for
        this fill).
        """
        if fill_id in tracked.fill_ids:
            return []
        tracked.fill_ids.add(fill_id)
        steps: list[Step] = []
        if not tracked.accepted:
            tracked.accepted = True
            steps.append(Accepted(venue_order_id))
        if tracked.venue_order_id is None or tracked.placeholder:
            tracked.placeholder = False
            tracked.venue_order_id = venue_order_id
            self._by_venue[venue_order_id] = tracked
        steps.append(Filled())
        tracked.filled += size
        tracked.venue_filled = max(tracked.venue_filled, tracked.filled)
        if tracked.filled >= tracked.quantity:
            tracked.closed = True
        elif tracked.cancel_waiting and tracked.filled >= tracked.venue_filled:
            tracked.closed = True
            tracked.cancel_waiting = False
            steps.append(Canceled())
        return steps

    def close(self, tracked: TrackedOrder) -> None:
        """Mark ``tracked`` terminal (rejected, denied, or canceled by the client itself)."""
        tracked.closed = True
