"""Kraken's limit models replay the tables of protocol.md §8, with simulated time."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krakenkit.protocol.endpoints import FUTURES_ENDPOINTS, SPOT_BY_NAME, request_cost
from krakenkit.protocol.ratelimit import (
    FUTURES_BUDGET,
    FUTURES_HISTORY,
    CounterState,
    DecayingCounter,
    RateParams,
    SpotTier,
    TradingLimiter,
    TradingLimits,
    amend_penalty,
    cancel_penalty,
    edit_penalty,
    fixed_cost,
    futures_budget,
    futures_history_pool,
    spot_rest_counter,
    transaction_cost,
)

# -- §8.1 and §8.2 tier tables -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "ceiling", "decay", "threshold", "tdecay", "max_open"),
    [
        ("starter", 15, 0.33, 60, 1.0, 60),
        ("intermediate", 20, 0.5, 125, 2.34, 80),
        ("pro", 20, 1.0, 180, 3.75, 225),
    ],
)
def test_tier_parameters(
    tier: str, ceiling: float, decay: float, threshold: float, tdecay: float, max_open: int
) -> None:
    t = SpotTier(tier)
    assert (t.rest.ceiling, t.rest.decay_per_s) == (ceiling, decay)
    assert (t.trading.threshold, t.trading.decay_per_s, t.trading.max_open_orders) == (
        threshold,
        tdecay,
        max_open,
    )


def test_starter_allows_fifteen_then_waits() -> None:
    counter = spot_rest_counter("starter")
    for _ in range(15):
        assert counter.try_acquire(1, 100.0)
    assert not counter.try_acquire(1, 100.0)
    wait = counter.wait_time(1, 100.0)
    assert wait == pytest.approx(1 / 0.33)
    assert not counter.try_acquire(1, 100.0 + wait - 0.01)
    assert counter.try_acquire(1, 100.0 + wait)


def test_history_calls_cost_two() -> None:
    assert SPOT_BY_NAME["Ledgers"].cost == 2
    assert SPOT_BY_NAME["TradesHistory"].cost == 2
    assert SPOT_BY_NAME["QueryLedgers"].cost == 2
    assert SPOT_BY_NAME["Balance"].cost == 1
    counter = spot_rest_counter("pro")
    for _ in range(10):
        assert counter.try_acquire(SPOT_BY_NAME["Ledgers"].cost, 0.0)
    assert counter.wait_time(2, 0.0) == pytest.approx(2.0)


def test_decay_over_time_and_floor_at_zero() -> None:
    counter = spot_rest_counter("intermediate")
    counter.record(20, 0.0)
    assert counter.value(10.0) == pytest.approx(15.0)
    assert counter.value(1000.0) == 0.0
    # a clock going backwards does not raise the counter
    assert counter.value(-5.0) == 20.0


def test_custom_parameters_and_impossible_cost() -> None:
    counter = spot_rest_counter(RateParams(3, 10))
    assert counter.try_acquire(3, 0.0)
    assert counter.wait_time(1, 0.0) == pytest.approx(0.1)
    assert counter.wait_time(4, 0.0) == math.inf
    with pytest.raises(ValueError, match="positive"):
        RateParams(0, 1)


def test_snapshot_restore() -> None:
    counter = spot_rest_counter("starter")
    counter.record(7, 50.0)
    state = counter.snapshot()
    other = DecayingCounter(SpotTier.STARTER.rest)
    other.restore(state)
    assert other.value(51.0) == counter.value(51.0)
    assert state == CounterState(7, 50.0)


# -- §8.2 penalty table, every cell ---------------------------------------------------------------

#           age:  <5  <10 <15 <45 <90 <300  >=300
CANCEL = (8, 6, 5, 4, 2, 1, 0)
AMEND = (3, 2, 1, 0, 0, 0, 0)
EDIT = (6, 5, 4, 2, 1, 0, 0)
AGES = (0.0, 5.0, 10.0, 15.0, 45.0, 90.0, 300.0)
JUST_BELOW = (4.99, 9.99, 14.99, 44.99, 89.99, 299.99)


@pytest.mark.parametrize(("i", "age"), list(enumerate(AGES)))
def test_penalty_table(i: int, age: float) -> None:
    assert cancel_penalty(age) == CANCEL[i]
    assert amend_penalty(age) == AMEND[i]
    assert edit_penalty(age) == EDIT[i]
    if i < len(JUST_BELOW):
        assert cancel_penalty(JUST_BELOW[i]) == CANCEL[i]
        assert edit_penalty(JUST_BELOW[i]) == EDIT[i]
        assert amend_penalty(JUST_BELOW[i]) == AMEND[i]


def test_transaction_costs() -> None:
    assert transaction_cost("add") == 1
    assert transaction_cost("amend", [2.0]) == 1 + 3
    assert transaction_cost("amend", [100.0]) == 1
    assert transaction_cost("edit", [12.0]) == 1 + 4
    assert transaction_cost("cancel", [1.0]) == 8
    assert transaction_cost("cancel", [400.0]) == 0
    assert transaction_cost("batch_add", n=10) == 5
    assert transaction_cost("batch_cancel", [1.0, 7.0, 50.0]) == 8 + 6 + 2
    assert fixed_cost("add") == 1
    assert fixed_cost("batch_add", n=6) == 3
    assert fixed_cost("cancel") == 0
    with pytest.raises(ValueError, match="unknown"):
        transaction_cost("dance")  # type: ignore[arg-type]


def test_trading_limiter_is_per_pair() -> None:
    limiter = TradingLimiter("starter")
    # Starter threshold 60: 60 adds, then place-and-cancel-at-once costs 8 more each
    for _ in range(60):
        assert limiter.try_acquire("XXBTZUSD", transaction_cost("add"), 0.0)
    assert not limiter.try_acquire("XXBTZUSD", 1, 0.0)
    assert limiter.try_acquire("XETHZUSD", 1, 0.0)  # another pair has its own counter
    assert limiter.wait_time("XXBTZUSD", 8, 0.0) == pytest.approx(8.0)
    assert limiter.value("XXBTZUSD", 30.0) == pytest.approx(30.0)
    assert TradingLimiter(TradingLimits(10, 1, 5)).limits.max_open_orders == 5


# -- §8.3 futures --------------------------------------------------------------------------------


def test_futures_budget_fifty_sendorders_then_wait() -> None:
    send = next(e for e in FUTURES_ENDPOINTS if e.name == "sendorder")
    cost = request_cost(send)
    assert cost == 10
    budget = futures_budget()
    for _ in range(50):
        assert budget.try_acquire(cost, 0.0)
    assert not budget.try_acquire(cost, 0.0)
    assert budget.wait_time(cost, 0.0) == pytest.approx(10 / 50)
    assert FUTURES_BUDGET.ceiling == 500


def test_futures_batch_of_ten_costs_nineteen() -> None:
    batch = next(e for e in FUTURES_ENDPOINTS if e.name == "batchorder")
    orders = [{"order": "send"}] * 10
    assert request_cost(batch, {"json": {"batchOrder": orders}}) == 19


def test_futures_history_pool_refills_in_ten_minutes() -> None:
    pool = futures_history_pool()
    for _ in range(100):
        assert pool.try_acquire(1, 0.0)
    assert not pool.try_acquire(1, 0.0)
    assert pool.wait_time(1, 0.0) == pytest.approx(6.0)
    assert pool.value(600.0) == 0.0
    assert FUTURES_HISTORY.ceiling == 100


# -- the pacing property: a paced client is never refused, and uses the allowed rate -------------


@settings(max_examples=60, deadline=None)
@given(
    ceiling=st.integers(2, 200),
    decay=st.floats(0.1, 50),
    costs=st.lists(st.integers(1, 2), min_size=50, max_size=400),
    jitter=st.lists(st.floats(0, 0.5), min_size=1, max_size=20),
)
def test_paced_client_is_never_refused(
    ceiling: int, decay: float, costs: list[int], jitter: list[float]
) -> None:
    params = RateParams(ceiling, decay)
    client, server = DecayingCounter(params), DecayingCounter(params)
    now = 0.0
    for i, cost in enumerate(costs):
        now += client.wait_time(cost, now)
        client.record(cost, now)
        assert server.try_acquire(cost, now)
        # requests arrive at the server no earlier than the client sent them
        now += jitter[i % len(jitter)] / decay * (i % 3 == 0)


@settings(max_examples=30, deadline=None)
@given(ceiling=st.integers(5, 200), decay=st.floats(0.2, 20))
def test_paced_client_achieves_at_least_95_percent(ceiling: int, decay: float) -> None:
    params = RateParams(ceiling, decay)
    client, server = DecayingCounter(params), DecayingCounter(params)
    now = 0.0
    calls = int(ceiling * 20 + decay * 200)
    for _ in range(calls):
        now += client.wait_time(1, now)
        client.record(1, now)
        assert server.try_acquire(1, now)
    # theoretical maximum over [0, now]: the initial burst plus the decay rate
    allowed = ceiling + decay * now
    assert calls >= 0.95 * allowed
