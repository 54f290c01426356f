"""The circuit breaker's state machine: every transition, driven by an injected clock."""

from __future__ import annotations

import pytest

from delta_exchange.circuit_breaker import CircuitBreaker, CircuitState

SECOND = 1_000_000_000
START = 1_700_000_000 * SECOND


class Clock:
    """A clock the test moves by hand (UNIX ns)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * SECOND)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def breaker(clock: Clock, threshold: int | None = 3, cooldown: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(threshold, cooldown, clock)


def open_by_failures(b: CircuitBreaker, count: int = 3) -> None:
    for n in range(count):
        b.record_failure(f"HTTP 503 unavailable #{n + 1}")


def test_starts_closed_and_allows_orders(clock: Clock) -> None:
    b = breaker(clock)
    assert b.state == CircuitState.CLOSED
    assert b.allow_new_orders()
    assert not b.due_for_probe()
    stats = b.stats()
    assert stats["state"] == "closed"
    assert (stats["consecutive_failures"], stats["times_opened"], stats["last_reason"]) == (0, 0, None)
    assert (stats["open_since_ns"], stats["resume_probe_after_ns"]) == (None, None)
    assert (stats["failure_threshold"], stats["cooldown_secs"]) == (3, 10.0)


def test_closed_to_open_after_the_threshold_of_consecutive_failures(clock: Clock) -> None:
    b = breaker(clock)
    assert not b.record_failure("timeout")
    assert not b.record_failure("HTTP 500 unavailable")
    assert b.allow_new_orders()
    assert b.record_failure("HTTP 429 rate_limited")
    assert b.state == CircuitState.OPEN
    assert not b.allow_new_orders()
    stats = b.stats()
    assert (stats["state"], stats["consecutive_failures"], stats["times_opened"]) == ("open", 3, 1)
    assert stats["last_reason"] == "HTTP 429 rate_limited"
    assert stats["open_reason"] == "3 consecutive order request failures (last: HTTP 429 rate_limited)"
    assert stats["open_since_ns"] == START
    assert stats["resume_probe_after_ns"] == START + 10 * SECOND


def test_a_success_restarts_the_consecutive_count(clock: Clock) -> None:
    b = breaker(clock)
    b.record_failure("timeout")
    b.record_failure("timeout")
    b.record_success()
    assert b.stats()["consecutive_failures"] == 0
    assert not b.record_failure("timeout")
    assert not b.record_failure("timeout")
    assert b.state == CircuitState.CLOSED
    assert b.stats()["failures_total"] == 4


def test_failures_while_open_do_not_open_again(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    assert not b.record_failure("late timeout of an order sent before")
    assert b.stats()["times_opened"] == 1
    assert b.stats()["last_reason"] == "late timeout of an order sent before"


def test_no_threshold_never_opens_on_failures(clock: Clock) -> None:
    b = breaker(clock, threshold=None)
    for _ in range(100):
        assert not b.record_failure("timeout")
    assert b.state == CircuitState.CLOSED
    assert b.stats()["consecutive_failures"] == 100


def test_open_to_half_open_only_after_the_cooldown(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    clock.advance(9.999)
    assert not b.due_for_probe()
    with pytest.raises(RuntimeError, match="no probe is due"):
        b.begin_probe()
    clock.advance(0.001)
    assert b.due_for_probe()
    b.begin_probe()
    assert b.state == CircuitState.HALF_OPEN
    assert not b.allow_new_orders()
    assert not b.due_for_probe()
    assert b.stats()["probes"] == 1
    assert "a probe of Delta is in progress" in b.denial_reason()


def test_half_open_to_closed_on_a_successful_probe(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    clock.advance(10)
    b.begin_probe()
    assert b.probe_succeeded()
    assert b.state == CircuitState.CLOSED
    assert b.allow_new_orders()
    stats = b.stats()
    assert (stats["consecutive_failures"], stats["open_since_ns"], stats["open_reason"]) == (0, None, None)
    # A fresh run of failures is needed to open it again.
    assert not b.record_failure("timeout")


def test_half_open_to_open_on_a_failed_probe_with_another_cooldown(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    clock.advance(12)
    b.begin_probe()
    clock.advance(1)
    b.probe_failed("GET /v2/settings: HTTP 503 unavailable")
    assert b.state == CircuitState.OPEN
    stats = b.stats()
    assert stats["probe_failures"] == 1
    assert stats["times_opened"] == 1  # still the same opening
    assert stats["open_since_ns"] == START
    assert stats["resume_probe_after_ns"] == START + 23 * SECOND
    assert stats["open_reason"] == "probe failed: GET /v2/settings: HTTP 503 unavailable"
    clock.advance(9.9)
    assert not b.due_for_probe()
    clock.advance(0.1)
    assert b.due_for_probe()


def test_probe_outcomes_outside_half_open_change_nothing(clock: Clock) -> None:
    b = breaker(clock)
    assert not b.probe_succeeded()
    b.probe_failed("ignored")
    assert b.state == CircuitState.CLOSED
    assert b.stats()["probe_failures"] == 0


def test_denial_reason_says_why_and_when_it_probes(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    reason = b.denial_reason()
    assert reason.startswith("CIRCUIT_OPEN: 3 consecutive order request failures (last: HTTP 503 unavailable #3)")
    assert "Delta will be probed at 2023-11-14T22:13:30.000+00:00" in reason


def test_maintenance_opens_a_closed_breaker_and_holds_it_without_probing(clock: Clock) -> None:
    b = breaker(clock)
    assert b.set_maintenance(True, "Delta system_status: maintenance")
    assert b.state == CircuitState.OPEN
    assert b.under_maintenance
    assert b.resume_probe_after_ns is None
    stats = b.stats()
    assert (stats["times_opened"], stats["open_reason"], stats["under_maintenance"]) == (
        1,
        "Delta system_status: maintenance",
        True,
    )
    clock.advance(3600)
    assert not b.due_for_probe()
    assert b.denial_reason() == (
        "CIRCUIT_OPEN: Delta system_status: maintenance; new orders resume after a successful probe "
        "(Delta will be probed when its system_status is live again)"
    )
    # A repeated report is no new opening.
    assert not b.set_maintenance(True, "Delta system_status: maintenance")
    assert b.stats()["times_opened"] == 1


def test_maintenance_end_makes_the_probe_due_at_once_and_the_probe_closes(clock: Clock) -> None:
    b = breaker(clock)
    b.set_maintenance(True)
    clock.advance(1)
    assert not b.set_maintenance(False)
    assert b.state == CircuitState.OPEN  # only the probe closes it
    assert b.resume_probe_after_ns == clock.now
    assert b.due_for_probe()
    b.begin_probe()
    assert b.probe_succeeded()
    assert b.state == CircuitState.CLOSED
    assert not b.under_maintenance


def test_maintenance_on_an_open_breaker_renames_the_reason_without_a_new_opening(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    assert not b.set_maintenance(True, "Delta system_status: maintenance")
    assert b.open_reason == "Delta system_status: maintenance"
    assert b.stats()["times_opened"] == 1
    assert not b.due_for_probe()


def test_maintenance_during_a_probe_keeps_the_breaker_open(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    clock.advance(10)
    b.begin_probe()
    b.set_maintenance(True)
    assert b.state == CircuitState.OPEN
    assert not b.probe_succeeded()
    assert b.state == CircuitState.OPEN
    b.set_maintenance(False)
    assert b.due_for_probe()


def test_live_without_maintenance_changes_nothing(clock: Clock) -> None:
    b = breaker(clock)
    assert not b.set_maintenance(False)
    assert b.state == CircuitState.CLOSED
    open_by_failures(b)
    assert not b.set_maintenance(False)
    assert b.resume_probe_after_ns == START + 10 * SECOND  # the cooldown still applies
    assert not b.due_for_probe()


def test_reopens_after_closing(clock: Clock) -> None:
    b = breaker(clock, threshold=1)
    assert b.record_failure("timeout")
    clock.advance(10)
    b.begin_probe()
    b.probe_succeeded()
    clock.advance(5)
    assert b.record_failure("HTTP 500")
    stats = b.stats()
    assert (stats["times_opened"], stats["open_since_ns"]) == (2, START + 15 * SECOND)


@pytest.mark.parametrize(
    ("threshold", "cooldown", "message"),
    [
        (0, 1.0, "failure_threshold must be at least 1"),
        (3, 0.0, "cooldown_secs must be a positive finite number"),
        (3, float("inf"), "cooldown_secs must be a positive finite number"),
    ],
)
def test_invalid_settings_are_refused(threshold: int, cooldown: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CircuitBreaker(threshold, cooldown, Clock())


def test_open_since_is_kept_across_failed_probes_and_cleared_on_close(clock: Clock) -> None:
    b = breaker(clock)
    assert b.open_since_ns is None
    open_by_failures(b)
    clock.advance(10)
    b.begin_probe()
    b.probe_failed("timeout")
    assert b.open_since_ns == START
    clock.advance(10)
    b.begin_probe()
    b.probe_succeeded()
    assert b.open_since_ns is None


def test_a_cancelled_probe_counts_as_failed_and_the_next_one_is_due_after_a_cooldown(clock: Clock) -> None:
    b = breaker(clock)
    open_by_failures(b)
    clock.advance(10)
    b.begin_probe()
    b.probe_failed("probe cancelled (client disconnecting)")
    assert b.state == CircuitState.OPEN
    assert not b.due_for_probe()
    clock.advance(10)
    assert b.due_for_probe()
