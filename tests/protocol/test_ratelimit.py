"""Kraken's limit models replay the tables of protocol.md §8, with simulated time (no sleeping)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krakenkit.protocol.endpoints import FUTURES_ENDPOINTS, SPOT_BY_NAME, request_cost
from krakenkit.protocol.errors import RateLimitError, classify, classify_futures
from krakenkit.protocol.ratelimit import (
    TOLERANCE_S,
    CounterState,
    DecayingCounter,
    FuturesBudget,
    FuturesHistoryPool,
    SpotRestCounter,
    SpotRestLimits,
    SpotTier,
    TradingCounter,
    TradingKind,
    TradingLimiter,
    TradingLimits,
    account_log_cost,
    amend_penalty,
    cancel_penalty,
    counter_add,
    counter_value,
    counter_wait,
    edit_penalty,
    fixed_cost,
    futures_cost,
    spot_rest_counter,
    transaction_cost,
)

UNIX_NOW = 1_700_000_000.0

# -- §8.1 / §8.2 tier parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "rest", "trading"),
    [
        ("starter", SpotRestLimits(15, 0.33), TradingLimits(60, 1, 60)),
        ("intermediate", SpotRestLimits(20, 0.5), TradingLimits(125, 2.34, 80)),
        ("pro", SpotRestLimits(20, 1), TradingLimits(180, 3.75, 225)),
    ],
)
def test_tier_parameters(tier: str, rest: SpotRestLimits, trading: TradingLimits) -> None:
    assert SpotTier(tier).rest == rest
    assert SpotTier(tier).trading == trading
    rest_counter = SpotRestCounter(tier)
    assert (rest_counter.max_counter, rest_counter.decay_per_s) == (
        rest.max_counter,
        rest.decay_per_s,
    )
    trading_counter = TradingCounter(SpotTier(tier))
    assert (trading_counter.max_counter, trading_counter.decay_per_s) == (
        trading.threshold,
        trading.decay_per_s,
    )
    assert TradingLimiter(tier).limits.max_open_orders == trading.max_open_orders


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SpotRestLimits(0, 1)
    with pytest.raises(ValueError, match="positive"):
        SpotRestLimits(15, 0)
    with pytest.raises(ValueError, match="positive"):
        TradingLimits(60, 1, 0)
    with pytest.raises(ValueError, match="positive"):
        DecayingCounter(10, -1)
    with pytest.raises(ValueError, match="gold"):
        SpotRestCounter("gold")


# -- §8.1 spot REST counter ----------------------------------------------------------------------


def test_starter_allows_exactly_fifteen_then_the_sixteenth_waits() -> None:
    counter = SpotRestCounter(SpotTier.STARTER)
    for _ in range(15):
        assert counter.wait_time(1, UNIX_NOW) == 0
        assert counter.try_acquire(1, UNIX_NOW)
    assert not counter.try_acquire(1, UNIX_NOW)
    wait = counter.wait_time(1, UNIX_NOW)
    assert wait == pytest.approx(1 / 0.33)
    assert not counter.try_acquire(1, UNIX_NOW + wait - 0.01)
    assert counter.try_acquire(1, UNIX_NOW + wait)
    assert counter.value(UNIX_NOW + wait) == pytest.approx(15)


@pytest.mark.parametrize(("tier", "calls"), [("starter", 7), ("intermediate", 10), ("pro", 10)])
def test_ledgers_calls_cost_two(tier: str, calls: int) -> None:
    ledgers = SPOT_BY_NAME["Ledgers"].cost
    assert ledgers == 2
    assert SPOT_BY_NAME["Balance"].cost == 1
    counter = SpotRestCounter(tier)
    limits = counter.limits
    for _ in range(calls):
        assert counter.try_acquire(ledgers, 0.0)
    assert not counter.try_acquire(ledgers, 0.0)
    expected = (2 * calls + ledgers - limits.max_counter) / limits.decay_per_s
    assert counter.wait_time(ledgers, 0.0) == pytest.approx(expected)
    # a cost-1 call still fits where a cost-2 one does not (starter: 14 + 1 = 15)
    assert counter.try_acquire(1, 0.0) == (2 * calls + 1 <= limits.max_counter)


def test_decay_over_time_floors_at_zero_and_ignores_a_clock_going_back() -> None:
    counter = SpotRestCounter("intermediate")
    counter.record(20, 100.0)
    assert counter.value(100.0) == 20
    assert counter.value(110.0) == pytest.approx(15)
    assert counter.value(140.0) == 0
    assert counter.value(10_000.0) == 0
    assert counter.value(90.0) == 20  # a late, out-of-order request sees no decay, no rise
    counter.record(1, 90.0)
    assert counter.snapshot() == CounterState(21, 100.0)
    assert counter.value(102.0) == pytest.approx(20)


def test_client_record_is_unconditional_and_refusal_charges_nothing() -> None:
    counter = SpotRestCounter(SpotRestLimits(3, 1))
    for _ in range(5):
        counter.record(1, 0.0)
    assert counter.value(0.0) == 5
    assert counter.wait_time(1, 0.0) == pytest.approx(3)
    before = counter.snapshot()
    assert not counter.try_acquire(1, 1.0)
    assert counter.snapshot() == before


def test_impossible_and_free_costs() -> None:
    counter = SpotRestCounter(SpotRestLimits(3, 10))
    assert counter.wait_time(4, 0.0) == math.inf
    assert not counter.try_acquire(4, 0.0)
    with pytest.raises(RateLimitError) as refused:
        counter.acquire(4, 0.0)
    assert refused.value.retry_after is None
    counter.record(10, 0.0)
    assert counter.wait_time(0, 0.0) == 0  # public calls cost nothing and always pass
    assert counter.try_acquire(0, 0.0)
    assert counter.value(0.0) == 10
    with pytest.raises(ValueError, match="negative"):
        counter.record(-1, 0.0)


def test_spot_rest_counter_helper_builds_the_same_counter() -> None:
    counter = spot_rest_counter("pro")
    assert isinstance(counter, SpotRestCounter)
    assert counter.limits == SpotTier.PRO.rest


# -- the pure state functions (reference values for a Lua port) ----------------------------------


def test_pure_counter_functions() -> None:
    state = CounterState(10, 100.0)
    assert counter_value(state, 104.0, decay_per_s=0.5) == 8
    assert counter_value(state, 200.0, decay_per_s=0.5) == 0
    assert counter_value(state, 50.0, decay_per_s=0.5) == 10
    assert counter_wait(state, 8, 104.0, max_counter=15, decay_per_s=0.5) == pytest.approx(2)
    assert counter_wait(state, 7, 104.0, max_counter=15, decay_per_s=0.5) == 0
    assert counter_wait(state, 16, 104.0, max_counter=15, decay_per_s=0.5) == math.inf
    assert counter_add(state, 8, 104.0, decay_per_s=0.5) == CounterState(16, 104.0)
    assert counter_add(state, 1, 90.0, decay_per_s=0.5) == CounterState(11, 100.0)
    # the tolerance: a hair over the ceiling (less than 1 µs of decay) is still admitted
    hair = CounterState(15 + 0.5 * TOLERANCE_S / 2, 0.0)
    assert counter_wait(hair, 0.0001, 0.0, max_counter=15.0001, decay_per_s=0.5) == 0


def test_snapshot_restore_moves_a_counter() -> None:
    counter = SpotRestCounter("starter")
    counter.record(7, 50.0)
    state = counter.snapshot()
    assert state == CounterState(7, 50.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.value = 0  # type: ignore[misc]
    moved = SpotRestCounter("starter")
    moved.restore(state)
    for t in (50.0, 51.0, 60.0):
        assert moved.wait_time(9, t) == counter.wait_time(9, t)
        assert moved.try_acquire(9, t) == counter.try_acquire(9, t)
    assert moved.snapshot() == counter.snapshot()
    assert SpotRestCounter("starter", state=state).value(53.0) == pytest.approx(7 - 3 * 0.33)


@pytest.mark.parametrize(
    ("model", "error", "cost"),
    [
        (SpotRestCounter(SpotTier.STARTER), "EAPI:Rate limit exceeded", 1),
        (TradingCounter(SpotTier.STARTER), "EOrder:Rate limit exceeded", 8),
        (FuturesBudget(), "apiLimitExceeded", 10),
        (FuturesHistoryPool(), "apiLimitExceeded", 1),
    ],
)
def test_acquire_raises_krakens_own_error(model: DecayingCounter, error: str, cost: int) -> None:
    now = UNIX_NOW
    while model.try_acquire(cost, now):
        pass
    wait = model.wait_time(cost, now)
    with pytest.raises(RateLimitError) as refused:
        model.acquire(cost, now)
    assert refused.value.error == error
    assert refused.value.retry_after == pytest.approx(now + wait)
    assert refused.value.retry_safe
    assert issubclass(
        classify(error) if error.startswith("E") else classify_futures(error), RateLimitError
    )
    model.acquire(cost, now + wait)  # and then it passes


# -- §8.2 the penalty table, every cell ------------------------------------------------------------

# age bucket:     <5  <10 <15 <45 <90 <300 >=300
CANCEL_ROW = (8, 6, 5, 4, 2, 1, 0)
AMEND_ROW = (3, 2, 1, 0, 0, 0, 0)
EDIT_ROW = (6, 5, 4, 2, 1, 0, 0)
BUCKET_FIRST = (0.0, 5.0, 10.0, 15.0, 45.0, 90.0, 300.0)
BUCKET_LAST = (4.999, 9.999, 14.999, 44.999, 89.999, 299.999, 86_400.0)


@pytest.mark.parametrize("column", range(7))
def test_penalty_table_every_cell(column: int) -> None:
    for age in (BUCKET_FIRST[column], BUCKET_LAST[column]):
        assert cancel_penalty(age) == CANCEL_ROW[column]
        assert amend_penalty(age) == AMEND_ROW[column]
        assert edit_penalty(age) == EDIT_ROW[column]
        assert transaction_cost("add") == 1
        assert transaction_cost("amend", [age]) == 1 + AMEND_ROW[column]
        assert transaction_cost("edit", [age]) == 1 + EDIT_ROW[column]
        assert transaction_cost("cancel", [age]) == CANCEL_ROW[column]
        # batch cancel: n x the penalty when all orders are the same age
        assert transaction_cost("batch_cancel", [age] * 4) == 4 * CANCEL_ROW[column]


@pytest.mark.parametrize(("n", "cost"), [(1, 0.5), (2, 1), (3, 1.5), (10, 5), (15, 7.5)])
def test_batch_add_costs_half_per_order(n: int, cost: float) -> None:
    assert transaction_cost("batch_add", batch_size=n) == cost
    assert fixed_cost("batch_add", batch_size=n) == cost


def test_batch_cancel_charges_each_order_by_its_own_age() -> None:
    assert transaction_cost("batch_cancel", [1.0, 7.0, 12.0, 30.0, 60.0, 200.0, 400.0]) == (
        8 + 6 + 5 + 4 + 2 + 1 + 0
    )
    assert transaction_cost("batch_cancel", []) == 0


def test_transaction_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        transaction_cost("cancel")
    with pytest.raises(ValueError, match="exactly one"):
        transaction_cost("amend", [1.0, 2.0])
    with pytest.raises(ValueError, match="batch_size"):
        transaction_cost("batch_add")
    with pytest.raises(ValueError, match="unknown"):
        transaction_cost("dance")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "fixed"), [("add", 1), ("amend", 1), ("edit", 1), ("cancel", 0), ("batch_cancel", 0)]
)
def test_fixed_part_is_charged_even_over_the_threshold(kind: TradingKind, fixed: float) -> None:
    counter = TradingCounter(TradingLimits(5, 1, 10))
    counter.record(5, 0.0)
    assert not counter.try_acquire(1, 0.0)
    assert counter.charge_fixed(kind, 0.0) == fixed
    assert counter.value(0.0) == 5 + fixed


def test_trading_threshold_may_be_reached_not_exceeded() -> None:
    counter = TradingCounter(SpotTier.STARTER)
    for _ in range(52):
        assert counter.try_acquire(transaction_cost("add"), 0.0)
    fresh_cancel = transaction_cost("cancel", [0.5])
    assert counter.try_acquire(fresh_cancel, 0.0)  # 52 + 8 = 60: reaching is allowed
    assert counter.value(0.0) == 60
    assert not counter.try_acquire(transaction_cost("add"), 0.0)  # 61 would exceed
    assert counter.wait_time(fresh_cancel, 0.0) == pytest.approx(8.0)  # decay 1/s
    assert counter.wait_time(transaction_cost("cancel", [60.0]), 0.0) == pytest.approx(2.0)
    assert counter.wait_time(transaction_cost("cancel", [100.0]), 0.0) == pytest.approx(1.0)


def test_trading_limiter_keeps_one_counter_per_pair() -> None:
    limiter = TradingLimiter("starter")
    for _ in range(60):
        assert limiter.try_acquire("XXBTZUSD", 1, 0.0)
    assert not limiter.try_acquire("XXBTZUSD", 1, 0.0)
    assert limiter.try_acquire("XETHZUSD", 1, 0.0)
    assert limiter.wait_time("XXBTZUSD", 8, 0.0) == pytest.approx(8)
    assert limiter.wait_time("XETHZUSD", 8, 0.0) == 0
    limiter.record("XETHZUSD", 5, 0.0)
    assert limiter.charge_fixed("XETHZUSD", "edit", 0.0) == 1
    assert limiter.value("XETHZUSD", 0.0) == 7
    assert limiter.value("XXBTZUSD", 30.0) == pytest.approx(30)
    with pytest.raises(RateLimitError, match="EOrder:Rate limit exceeded"):
        limiter.acquire("XXBTZUSD", 1, 0.0)
    states = limiter.snapshot()
    assert states == {"XXBTZUSD": CounterState(60, 0.0), "XETHZUSD": CounterState(7, 0.0)}
    other = TradingLimiter(TradingLimits(60, 1, 60))
    other.restore(states)
    assert other.value("XXBTZUSD", 10.0) == pytest.approx(50)
    assert other.snapshot() == states


# -- §8.3 futures ---------------------------------------------------------------------------------


def test_futures_budget_fifty_sendorders_then_the_fifty_first_waits() -> None:
    cost = futures_cost("sendorder")
    assert cost == 10
    budget = FuturesBudget()
    for _ in range(50):
        assert budget.try_acquire(cost, UNIX_NOW)
    assert not budget.try_acquire(cost, UNIX_NOW)
    assert budget.wait_time(cost, UNIX_NOW) == pytest.approx(10 / 50)
    assert budget.value(UNIX_NOW + 10) == 0  # the whole budget is back after 10 s
    assert budget.try_acquire(cost, UNIX_NOW + 0.2)


def test_futures_batchorder_of_ten_costs_nineteen() -> None:
    assert futures_cost("batchorder", batch_size=10) == 19
    batch = next(e for e in FUTURES_ENDPOINTS if e.name == "batchorder")
    assert request_cost(batch, {"json": {"batchOrder": [{"order": "send"}] * 10}}) == 19
    with pytest.raises(ValueError, match="negative"):
        futures_cost("batchorder", batch_size=-1)


@pytest.mark.parametrize(
    ("name", "kwargs", "cost"),
    [
        ("sendorder", {}, 10),
        ("editorder", {}, 10),
        ("cancelorder", {}, 10),
        ("batchorder", {"batch_size": 1}, 10),
        ("accounts", {}, 2),
        ("openpositions", {}, 2),
        ("fills", {}, 2),
        ("fills", {"last_fill_time": True}, 25),
        ("cancelallorders", {}, 25),
        ("cancelallordersafter", {}, 25),
        ("withdrawaltospotwallet", {}, 100),
        ("openorders", {}, 2),
        ("orders/status", {}, 1),
        ("unwindqueue", {}, 200),
        ("leveragepreferences", {"method": "GET"}, 2),
        ("leveragepreferences", {"method": "put"}, 10),
        ("pnlpreferences", {"method": "GET"}, 2),
        ("pnlpreferences", {"method": "PUT"}, 10),
        ("transfer", {}, 10),
        ("transfer/subaccount", {}, 10),
        ("subaccount/3f2a-uid/trading-enabled", {"method": "PUT"}, 2),
        ("self-trade-strategy", {}, 2),
        ("tickers", {}, 0),
        ("/derivatives/api/v3/tickers/PF_XBTUSD", {}, 0),
        ("instruments/status", {}, 0),
        ("/api/charts/v1/trade/PF_XBTUSD/1h", {}, 0),
        ("/api/history/v2/market/PF_XBTUSD/executions", {}, 0),
        ("/derivatives/api/v3/sendorder", {}, 10),
        ("/api/v3/fills?lastFillTime=2024-01-01T00:00:00Z", {"last_fill_time": True}, 25),
        # /history pool
        ("historicalorders", {}, 1),
        ("triggers", {}, 1),
        ("executions", {}, 1),
        ("accountlogcsv", {}, 6),
        ("/api/history/v2/accountlogcsv", {}, 6),
        ("accountlog", {"count": 25}, 1),
    ],
)
def test_futures_cost_table(name: str, kwargs: dict[str, object], cost: int) -> None:
    assert futures_cost(name, **kwargs) == cost  # type: ignore[arg-type]


def test_futures_cost_refuses_guesses() -> None:
    with pytest.raises(ValueError, match="method"):
        futures_cost("leveragepreferences")
    with pytest.raises(ValueError, match="unknown"):
        futures_cost("sendordr")


@pytest.mark.parametrize(
    ("count", "cost"),
    [
        (1, 1),
        (25, 1),
        (26, 2),
        (50, 2),
        (51, 3),
        (1000, 3),
        (1001, 6),
        (5000, 6),
        (5001, 10),
        (100_000, 10),
        (None, 3),
    ],
)
def test_account_log_cost_by_count(count: int | None, cost: int) -> None:
    assert account_log_cost(count) == cost
    assert futures_cost("history/account-log", count=count) == cost
    log = next(e for e in FUTURES_ENDPOINTS if e.name == "history/account-log")
    assert request_cost(log, {} if count is None else {"count": str(count)}) == cost


def test_account_log_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        account_log_cost(0)


def test_futures_cost_agrees_with_the_endpoint_table() -> None:
    # client and emulator may price a call from either table: they must never disagree
    for endpoint in FUTURES_ENDPOINTS:
        expected = request_cost(endpoint)
        assert futures_cost(endpoint.name, method=endpoint.http_method) == expected, endpoint
        assert futures_cost(endpoint.path, method=endpoint.http_method) == expected, endpoint
    fills = next(e for e in FUTURES_ENDPOINTS if e.name == "fills")
    assert request_cost(fills, {"lastFillTime": "x"}) == futures_cost("fills", last_fill_time=True)


def test_futures_history_pool() -> None:
    pool = FuturesHistoryPool()
    cost = futures_cost("historicalorders")
    for _ in range(100):
        assert pool.try_acquire(cost, UNIX_NOW)
    assert not pool.try_acquire(cost, UNIX_NOW)
    assert pool.wait_time(cost, UNIX_NOW) == pytest.approx(6.0)  # 100 tokens per 600 s
    assert pool.wait_time(futures_cost("accountlogcsv"), UNIX_NOW) == pytest.approx(36.0)
    assert pool.value(UNIX_NOW + 300) == pytest.approx(50)
    assert pool.value(UNIX_NOW + 600) == 0


def test_futures_models_take_custom_budgets() -> None:
    strict = FuturesBudget(budget=250, window_s=10)
    assert (strict.max_counter, strict.decay_per_s) == (250, 25)
    small = FuturesHistoryPool(tokens=10, refill_s=10)
    assert (small.max_counter, small.decay_per_s) == (10, 1)


# -- pacing: a client that waits is never refused, and uses (nearly) all it is allowed ------------


def _pace(
    client: DecayingCounter, server: DecayingCounter, costs: list[float], gaps: list[float]
) -> tuple[float, float]:
    """Client waits then records; the server, same parameters, must admit every call.

    Returns (total cost sent, time of the last call). ``gaps`` are idle times between calls.
    """
    start = now = UNIX_NOW
    total = 0.0
    for i, cost in enumerate(costs):
        now += client.wait_time(cost, now)
        client.record(cost, now)
        assert server.try_acquire(cost, now), (i, cost, now, server.snapshot())
        total += cost
        now += gaps[i % len(gaps)]
    return total, now - start


@settings(max_examples=150, deadline=None)
@given(
    max_counter=st.floats(0.5, 600),
    decay=st.floats(0.01, 100),
    fractions=st.lists(st.floats(0, 1), min_size=1, max_size=200),
    gaps=st.lists(st.floats(0, 5) | st.just(0.0), min_size=1, max_size=10),
)
def test_paced_client_is_never_refused(
    max_counter: float, decay: float, fractions: list[float], gaps: list[float]
) -> None:
    client, server = DecayingCounter(max_counter, decay), DecayingCounter(max_counter, decay)
    _pace(client, server, [f * max_counter for f in fractions], gaps)
    assert client.snapshot() == server.snapshot()


@pytest.mark.parametrize(
    ("client", "server", "costs"),
    [
        (SpotRestCounter("starter"), SpotRestCounter("starter"), [1.0, 2.0, 1.0]),
        (TradingCounter("pro"), TradingCounter("pro"), [1.0, 8.0, 0.5, 7.0, 2.0]),
        (FuturesBudget(), FuturesBudget(), [10.0, 19.0, 2.0, 25.0, 200.0]),
        (FuturesHistoryPool(), FuturesHistoryPool(), [1.0, 6.0, 10.0]),
    ],
)
def test_every_model_paces_at_unix_time(
    client: DecayingCounter, server: DecayingCounter, costs: list[float]
) -> None:
    _pace(client, server, costs * 100, [0.0])


@settings(max_examples=60, deadline=None)
@given(
    max_counter=st.integers(1, 500),
    decay=st.floats(0.01, 100),
    fraction=st.floats(0.1, 1),
)
def test_paced_client_achieves_95_percent_of_the_maximum(
    max_counter: int, decay: float, fraction: float
) -> None:
    cost = fraction * max_counter
    horizon = 100 * max_counter / decay  # long against the burst: 100x the time to drain it
    calls = math.ceil((max_counter + decay * horizon) / cost)
    client, server = DecayingCounter(max_counter, decay), DecayingCounter(max_counter, decay)
    total, elapsed = _pace(client, server, [cost] * calls, [0.0])
    allowed = max_counter + decay * elapsed  # the initial burst plus the steady decay
    assert total >= 0.95 * allowed
    assert total <= allowed + calls * decay * TOLERANCE_S + 1e-6 * allowed  # never more
    steady = (total - max_counter) / elapsed
    assert steady >= 0.95 * decay
