"""
Notifications the execution client publishes on the message bus for strategies (issue 5, item 3).

Subscribe with ``self.msgbus.subscribe(topic=MMP_TOPIC, handler=...)`` in a strategy or actor: the handler
receives :class:`DeltaMmpTriggered` when Delta's market-maker protection freezes quoting on an asset, and
:class:`DeltaMmpThawed` when the freeze ends (its time passed or ``reset_mmp`` was called).

On ``CIRCUIT_TOPIC`` the handler receives :class:`DeltaCircuitOpened` when the execution client's circuit breaker
stops sending new orders (repeated order request failures, or Delta's maintenance) and :class:`DeltaCircuitClosed`
when a probe found Delta healthy again. Cancels are sent while the breaker is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MMP_TOPIC: Final[str] = "delta_exchange.mmp"
"""Message bus topic of :class:`DeltaMmpTriggered` and :class:`DeltaMmpThawed`."""

CIRCUIT_TOPIC: Final[str] = "delta_exchange.circuit"
"""Message bus topic of :class:`DeltaCircuitOpened` and :class:`DeltaCircuitClosed`."""


@dataclass(frozen=True, slots=True)
class DeltaMmpTriggered:
    """
    Delta's MMP froze quoting (orders tagged with an MMP group) on ``asset``.

    Parameters
    ----------
    asset : str
        The underlying asset (e.g. ``"BTC"``).
    frozen_till_ns : int, optional
        End of the freeze (UNIX ns); None when only a manual reset ends it (Delta's ``frozen_till: -1``).
    ts_event : int
        When Delta reported it (UNIX ns; the local receive time, the message carries none).
    ts_init : int
        When the client built this object (UNIX ns).

    """

    asset: str
    frozen_till_ns: int | None
    ts_event: int
    ts_init: int


@dataclass(frozen=True, slots=True)
class DeltaMmpThawed:
    """
    Quoting on ``asset`` is allowed again.

    Parameters
    ----------
    asset : str
        The underlying asset.
    ts : int
        When the freeze ended (UNIX ns).

    """

    asset: str
    ts: int


@dataclass(frozen=True, slots=True)
class DeltaCircuitOpened:
    """
    The execution client's circuit breaker opened: new orders are not sent until a probe finds Delta healthy.

    Submits are denied (``OrderDenied``) and modifies rejected (``OrderModifyRejected``), with reasons starting
    ``CIRCUIT_OPEN:``; cancels still go out.

    Parameters
    ----------
    reason : str
        Why: the consecutive order request failures with the last one, or Delta's maintenance.
    resume_probe_after_ns : int, optional
        When Delta will be probed (UNIX ns); None while maintenance holds the breaker open (the probe follows the
        end of maintenance).
    ts_event : int
        When the breaker opened (UNIX ns).
    ts_init : int
        When the client built this object (UNIX ns).

    """

    reason: str
    resume_probe_after_ns: int | None
    ts_event: int
    ts_init: int


@dataclass(frozen=True, slots=True)
class DeltaCircuitClosed:
    """
    The circuit breaker closed: a probe found Delta healthy and new orders are sent again.

    Parameters
    ----------
    ts_event : int
        When the breaker closed (UNIX ns).
    ts_init : int
        When the client built this object (UNIX ns).

    """

    ts_event: int
    ts_init: int
