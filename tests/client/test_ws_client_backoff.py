"""Reconnect timing, pure: full-jitter backoff and the connection-attempt limiter."""

from __future__ import annotations

import itertools
import random

import pytest

from krakenkit.client import ConnectLimiter
from krakenkit.client._ws_backoff import CONNECT_LIMITER, backoff_delays


def test_full_jitter_stays_under_a_growing_capped_ceiling() -> None:
    delays = list(itertools.islice(backoff_delays(initial=1, cap=8, rng=random.Random(1)), 200))
    ceilings = [1, 2, 4, 8] + [8] * 196
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert max(delays[4:]) > 4  # reaches above the previous ceiling once capped
    assert len(set(delays)) == len(delays)  # jittered, not in lockstep
    with pytest.raises(ValueError, match="initial"):
        next(backoff_delays(initial=0))


def test_limiter_allows_a_budget_per_rolling_window() -> None:
    limiter = ConnectLimiter(max_attempts=3, window=600)
    assert [limiter.try_acquire(t) for t in (0, 10, 20)] == [0, 0, 0]
    assert limiter.try_acquire(30) == 570  # the first attempt leaves the window at 600
    assert limiter.attempts(30) == 3  # a refused attempt is not counted
    assert limiter.wait_time(599) == 1
    assert limiter.try_acquire(600) == 0
    assert limiter.attempts(600) == 3


def test_default_limiter_is_krakens_and_shared() -> None:
    assert (CONNECT_LIMITER.max_attempts, CONNECT_LIMITER.window) == (150, 600)
