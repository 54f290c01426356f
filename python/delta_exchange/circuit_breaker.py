"""
The execution client's circuit breaker: stop sending new orders while Delta is failing or under maintenance.

States::

    CLOSED ──(threshold consecutive failures, or maintenance)──> OPEN
    OPEN ──(cooldown elapsed, not under maintenance)──> HALF_OPEN (one probe in flight)
    HALF_OPEN ──(probe succeeded)──> CLOSED
    HALF_OPEN ──(probe failed, or maintenance)──> OPEN (another cooldown)

A *failure* is an order request (place, batch, bracket, edit) that ended in a timeout, a transport error, HTTP 5xx,
HTTP 429 or an unknown outcome; a *success* is any answer of Delta's, a business rejection included. The breaker
itself is pure state (no I/O, no timers): the caller asks :meth:`CircuitBreaker.due_for_probe`, runs the probe and
reports its outcome. Time comes from an injected clock (UNIX nanoseconds), so tests drive every transition.

While Delta's ``system_status`` says ``maintenance`` (:meth:`CircuitBreaker.set_maintenance`) the breaker stays
open and does not probe; when maintenance ends the probe is due at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

_NANOS_PER_SECOND: Final = 1_000_000_000


class CircuitState(Enum):
    """The breaker's state; ``value`` is the name :meth:`CircuitBreaker.stats` reports."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """
    Closed -> open -> half-open (probing) -> closed state machine over order-request outcomes.

    Parameters
    ----------
    failure_threshold : int, optional
        Consecutive failures that open the breaker; None disables the failure count (only maintenance opens it).
    cooldown_secs : float
        Time between opening (or a failed probe) and the next probe.
    clock : Callable[[], int]
        The current time in UNIX nanoseconds.

    Raises
    ------
    ValueError
        If ``failure_threshold`` is below 1 or ``cooldown_secs`` is not a positive finite number.

    """

    def __init__(self, failure_threshold: int | None, cooldown_secs: float, clock: Callable[[], int]) -> None:
        if failure_threshold is not None and failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1 (or None to disable it), got {failure_threshold}")
        if not 0 < cooldown_secs < float("inf"):
            raise ValueError(f"cooldown_secs must be a positive finite number, got {cooldown_secs}")
        self._threshold = failure_threshold
        self._cooldown_ns = int(cooldown_secs * _NANOS_PER_SECOND)
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._consecutive_failures = 0
        self._failures_total = 0
        self._times_opened = 0
        self._probes = 0
        self._probe_failures = 0
        self._maintenance = False
        self._open_reason: str | None = None
        self._last_reason: str | None = None
        self._open_since_ns: int | None = None
        self._probe_after_ns: int | None = None

    @property
    def state(self) -> CircuitState:
        """The current state."""
        return self._state

    @property
    def under_maintenance(self) -> bool:
        """Whether the last maintenance report said Delta is under maintenance."""
        return self._maintenance

    @property
    def open_reason(self) -> str | None:
        """Why the breaker is open (None while closed)."""
        return self._open_reason if self._state != CircuitState.CLOSED else None

    @property
    def open_since_ns(self) -> int | None:
        """When the breaker opened (UNIX ns); None while closed. A failed probe does not move it."""
        return self._open_since_ns if self._state != CircuitState.CLOSED else None

    @property
    def resume_probe_after_ns(self) -> int | None:
        """
        When the next probe is due (UNIX ns).

        None while closed or while maintenance holds the breaker open (the probe is then due as soon as maintenance
        ends).
        """
        if self._state == CircuitState.CLOSED or self._maintenance:
            return None
        return self._probe_after_ns

    def allow_new_orders(self) -> bool:
        """Whether new orders (submits, modifies) may be sent: only while closed. Cancels are always allowed."""
        return self._state == CircuitState.CLOSED

    def record_success(self) -> None:
        """Delta answered an order request (a business rejection included): the consecutive failures restart."""
        self._consecutive_failures = 0

    def record_failure(self, reason: str) -> bool:
        """
        Count one failed order request.

        Returns
        -------
        bool
            True when this failure opened the breaker (closed -> open).

        """
        self._consecutive_failures += 1
        self._failures_total += 1
        self._last_reason = reason
        if self._state != CircuitState.CLOSED or self._threshold is None:
            return False
        if self._consecutive_failures < self._threshold:
            return False
        self._open(f"{self._consecutive_failures} consecutive order request failures (last: {reason})")
        return True

    def set_maintenance(self, active: bool, reason: str = "Delta is under maintenance") -> bool:
        """
        Record Delta's maintenance status.

        Maintenance opens the breaker (a probe in flight loses: the breaker stays open) and suspends probing; its
        end makes the probe due at once, and only the probe closes the breaker.

        Returns
        -------
        bool
            True when this report opened the breaker (closed -> open).

        """
        was_active, self._maintenance = self._maintenance, active
        if not active:
            if was_active and self._state != CircuitState.CLOSED:
                self._probe_after_ns = self._clock()
            return False
        self._last_reason = reason
        if self._state == CircuitState.CLOSED:
            self._open(reason)
            return True
        self._open_reason = reason
        self._state = CircuitState.OPEN
        return False

    def due_for_probe(self) -> bool:
        """Whether the breaker is open, not held by maintenance, and its cooldown has elapsed."""
        return (
            self._state == CircuitState.OPEN
            and not self._maintenance
            and self._probe_after_ns is not None
            and self._clock() >= self._probe_after_ns
        )

    def begin_probe(self) -> None:
        """
        Enter HALF_OPEN: the caller sends one probe now.

        The caller reports the probe's outcome with :meth:`probe_succeeded` or :meth:`probe_failed`.

        Raises
        ------
        RuntimeError
            If no probe is due (:meth:`due_for_probe` is False).

        """
        if not self.due_for_probe():
            raise RuntimeError(f"no probe is due (state {self._state.value}, maintenance {self._maintenance})")
        self._state = CircuitState.HALF_OPEN
        self._probes += 1

    def probe_succeeded(self) -> bool:
        """
        Close after a successful probe (HALF_OPEN -> CLOSED), unless maintenance began meanwhile.

        Returns
        -------
        bool
            True when the breaker closed.

        """
        if self._state != CircuitState.HALF_OPEN or self._maintenance:
            return False
        self._state = CircuitState.CLOSED
        self._consecutive_failures = 0
        self._open_since_ns = None
        self._probe_after_ns = None
        return True

    def probe_failed(self, reason: str) -> None:
        """Open again for another cooldown after a failed probe (HALF_OPEN -> OPEN)."""
        if self._state != CircuitState.HALF_OPEN:
            return
        self._probe_failures += 1
        self._last_reason = reason
        self._open_reason = f"probe failed: {reason}"
        self._state = CircuitState.OPEN
        self._probe_after_ns = self._clock() + self._cooldown_ns

    def denial_reason(self) -> str:
        """Return the reason given to an order refused while open: ``CIRCUIT_OPEN: <why>; <when it probes>``."""
        if self._state == CircuitState.HALF_OPEN:
            when = "a probe of Delta is in progress"
        elif self._maintenance:
            when = "Delta will be probed when its system_status is live again"
        elif self._probe_after_ns is not None:
            when = f"Delta will be probed at {_iso(self._probe_after_ns)}"
        else:
            when = "Delta will be probed soon"
        why = self._open_reason or self._last_reason
        return f"CIRCUIT_OPEN: {why}; new orders resume after a successful probe ({when})"

    def stats(self) -> dict[str, Any]:
        """
        Return the breaker's state and counters as a plain dict.

        Keys: ``state`` (``"closed"``, ``"open"``, ``"half_open"``), ``consecutive_failures``, ``failures_total``,
        ``times_opened``, ``probes``, ``probe_failures``, ``under_maintenance``, ``last_reason``, ``open_reason``,
        ``open_since_ns``, ``resume_probe_after_ns``, ``failure_threshold``, ``cooldown_secs``.
        """
        return {
            "state": self._state.value,
            "consecutive_failures": self._consecutive_failures,
            "failures_total": self._failures_total,
            "times_opened": self._times_opened,
            "probes": self._probes,
            "probe_failures": self._probe_failures,
            "under_maintenance": self._maintenance,
            "last_reason": self._last_reason,
            "open_reason": self.open_reason,
            "open_since_ns": self._open_since_ns,
            "resume_probe_after_ns": self.resume_probe_after_ns,
            "failure_threshold": self._threshold,
            "cooldown_secs": self._cooldown_ns / _NANOS_PER_SECOND,
        }

    def _open(self, reason: str) -> None:
        now = self._clock()
        self._state = CircuitState.OPEN
        self._times_opened += 1
        self._open_reason = reason
        self._open_since_ns = now
        self._probe_after_ns = now + self._cooldown_ns


def _iso(ns: int) -> str:
    """UNIX nanoseconds as an ISO-8601 UTC time with milliseconds."""
    return datetime.fromtimestamp(ns / _NANOS_PER_SECOND, tz=UTC).isoformat(timespec="milliseconds")
