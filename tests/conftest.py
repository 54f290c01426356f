"""Shared pytest fixtures: a delta-sim subprocess on a free loopback port, torn down after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from delta_exchange.sim import DeltaSim

# The execution tests' shared harness asserts too: show the compared values when one fails.
pytest.register_assert_rewrite("exec_harness")


@pytest.fixture
def sim() -> Iterator[DeltaSim]:
    """A quiet simulator (market generator at 50 msg/s) for one test."""
    with DeltaSim(rate=50) as running:
        yield running


@pytest.fixture
def busy_sim() -> Iterator[DeltaSim]:
    """A simulator whose market generator sends 400 msg/s, for streaming tests."""
    with DeltaSim(rate=400) as running:
        yield running
