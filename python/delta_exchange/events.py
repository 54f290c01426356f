"""
Notifications the execution client publishes on the message bus for strategies (issue 5, item 3).

Subscribe with ``self.msgbus.subscribe(topic=MMP_TOPIC, handler=...)`` in a strategy or actor: the handler
receives :class:`DeltaMmpTriggered` when Delta's market-maker protection freezes quoting on an asset, and
:class:`DeltaMmpThawed` when the freeze ends (its time passed or ``reset_mmp`` was called).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MMP_TOPIC: Final[str] = "delta_exchange.mmp"
"""Message bus topic of :class:`DeltaMmpTriggered` and :class:`DeltaMmpThawed`."""


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
