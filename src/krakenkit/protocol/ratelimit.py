"""Kraken's rate-limit models, pure and clock-injected (protocol.md §8).

Every Kraken limit is the same machine: a counter that each call raises by its cost and that decays
continuously at a fixed rate towards zero; a call is refused when it would take the counter above
its ceiling. (A token bucket is the same thing seen from the other side: tokens = ceiling -
counter.)

- spot REST, per key (§8.1): ceiling 15 / 20 / 20, decay 0.33 / 0.5 / 1 per s,
  refused with ``EAPI:Rate limit exceeded``;
- spot trading, per pair (§8.2): ceiling 60 / 125 / 180, decay 1 / 2.34 / 3.75 per s,
  refused with ``EOrder:Rate limit exceeded``;
- futures ``/derivatives`` (§8.3): 500, decay 50 per s; futures ``/history``: 100, refilled at
  100 per 10 minutes; both refused with ``apiLimitExceeded``

(tiers Starter / Intermediate / Pro). The client asks :meth:`DecayingCounter.wait_time` and sleeps
that long before :meth:`DecayingCounter.record`; the emulator calls
:meth:`DecayingCounter.try_acquire` and refuses when it answers ``False``. Both use the same class
with the same parameters, so a client that paces itself is never refused: they agree by
construction. The state is two numbers (:class:`CounterState`) and the arithmetic is
:func:`decayed`, so a Redis/Lua port keeps the same model.

A call is allowed while ``counter + cost <= ceiling``: reaching the ceiling exactly is allowed,
going above it is not. Costs per endpoint come from :mod:`krakenkit.protocol.endpoints`
(``Endpoint.cost`` and ``request_cost``); the trading counter's age-based penalties are here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

__all__ = [
    "FUTURES_BUDGET",
    "FUTURES_HISTORY",
    "CounterState",
    "DecayingCounter",
    "RateParams",
    "SpotTier",
    "TradingLimiter",
    "TradingLimits",
    "TradingTransaction",
    "amend_penalty",
    "cancel_penalty",
    "decayed",
    "edit_penalty",
    "fixed_cost",
    "futures_budget",
    "futures_history_pool",
    "spot_rest_counter",
    "transaction_cost",
]


@dataclass(frozen=True, slots=True)
class RateParams:
    """A counter's ceiling and its decay per second."""

    ceiling: float
    decay_per_s: float

    def __post_init__(self) -> None:
        if self.ceiling <= 0 or self.decay_per_s <= 0:
            raise ValueError("ceiling and decay must be positive")

    @property
    def sustained_rate(self) -> float:
        """Cost units per second a perfectly paced sender can keep up forever."""
        return self.decay_per_s


@dataclass(frozen=True, slots=True)
class TradingLimits:
    """The per-pair trading-engine limits of one tier (§8.2)."""

    threshold: float
    decay_per_s: float
    max_open_orders: int

    @property
    def params(self) -> RateParams:
        return RateParams(self.threshold, self.decay_per_s)


class SpotTier(Enum):
    """Kraken's verification tiers and their limits (§8.1, §8.2)."""

    STARTER = "starter"
    INTERMEDIATE = "intermediate"
    PRO = "pro"

    @property
    def rest(self) -> RateParams:
        return _REST[self]

    @property
    def trading(self) -> TradingLimits:
        return _TRADING[self]


_REST = {
    SpotTier.STARTER: RateParams(15, 0.33),
    SpotTier.INTERMEDIATE: RateParams(20, 0.5),
    SpotTier.PRO: RateParams(20, 1.0),
}
_TRADING = {
    SpotTier.STARTER: TradingLimits(60, 1.0, 60),
    SpotTier.INTERMEDIATE: TradingLimits(125, 2.34, 80),
    SpotTier.PRO: TradingLimits(180, 3.75, 225),
}

#: Futures ``/derivatives`` budget: 500 per 10 seconds (§8.3).
FUTURES_BUDGET = RateParams(500, 50.0)
#: Futures ``/history`` pool: 100 tokens, refilled at 100 per 10 minutes (§8.3).
FUTURES_HISTORY = RateParams(100, 100 / 600)


@dataclass(slots=True)
class CounterState:
    """All a counter remembers: its value when it was last updated, and when."""

    value: float = 0.0
    updated_at: float = 0.0


def decayed(state: CounterState, now: float, decay_per_s: float) -> float:
    """The counter's value at ``now`` (never below zero; time going back changes nothing)."""
    elapsed = now - state.updated_at
    if elapsed <= 0:
        return state.value
    return max(0.0, state.value - elapsed * decay_per_s)


_EPSILON = 1e-9


class DecayingCounter:
    """One Kraken rate counter. Every method takes ``now`` in seconds."""

    __slots__ = ("params", "state")

    def __init__(self, params: RateParams, state: CounterState | None = None) -> None:
        self.params = params
        self.state = state or CounterState()

    def value(self, now: float) -> float:
        return decayed(self.state, now, self.params.decay_per_s)

    def wait_time(self, cost: float, now: float) -> float:
        """Seconds until a call of ``cost`` is allowed (0 = now; ``inf`` = never)."""
        if cost > self.params.ceiling:
            return math.inf
        excess = self.value(now) + cost - self.params.ceiling
        if excess <= _EPSILON:
            return 0.0
        return excess / self.params.decay_per_s

    def record(self, cost: float, now: float) -> None:
        """Count a call that was sent (client side: unconditionally)."""
        value = self.value(now)
        self.state = CounterState(value + cost, max(now, self.state.updated_at))

    def try_acquire(self, cost: float, now: float) -> bool:
        """Count the call if it is allowed now (emulator side); say whether it was."""
        if self.wait_time(cost, now) > 0:
            return False
        self.record(cost, now)
        return True

    def snapshot(self) -> CounterState:
        return CounterState(self.state.value, self.state.updated_at)

    def restore(self, state: CounterState) -> None:
        self.state = CounterState(state.value, state.updated_at)


def spot_rest_counter(tier: SpotTier | str | RateParams) -> DecayingCounter:
    """The per-key REST call counter of a tier (or custom parameters)."""
    if isinstance(tier, RateParams):
        return DecayingCounter(tier)
    return DecayingCounter(SpotTier(tier).rest)


def futures_budget() -> DecayingCounter:
    return DecayingCounter(FUTURES_BUDGET)


def futures_history_pool() -> DecayingCounter:
    return DecayingCounter(FUTURES_HISTORY)


# -- the trading-engine counter (§8.2) ---------------------------------------------------------

TradingTransaction = Literal["add", "amend", "edit", "cancel", "batch_add", "batch_cancel"]

# (age upper bound in seconds, penalty): the first row whose bound the age is below applies.
_CANCEL = ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1))
_AMEND = ((5, 3), (10, 2), (15, 1))
_EDIT = ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1))


def _penalty(table: tuple[tuple[int, int], ...], age_s: float) -> int:
    for bound, penalty in table:
        if age_s < bound:
            return penalty
    return 0


def cancel_penalty(age_s: float) -> int:
    """Decaying penalty for cancelling an order ``age_s`` seconds after it was placed/amended."""
    return _penalty(_CANCEL, age_s)


def amend_penalty(age_s: float) -> int:
    return _penalty(_AMEND, age_s)


def edit_penalty(age_s: float) -> int:
    return _penalty(_EDIT, age_s)


def transaction_cost(kind: TradingTransaction, ages: Iterable[float] = (), *, n: int = 0) -> float:
    """Counter increase of one transaction: fixed part plus the age-based part.

    ``ages`` are the ages in seconds of the orders it touches (amend/edit/cancel: one;
    batch_cancel: each); ``n`` is the batch size of ``batch_add``.
    """
    ages = list(ages)
    if kind == "add":
        return 1
    if kind == "batch_add":
        return max(n, len(ages)) / 2
    if kind == "amend":
        return 1 + sum(amend_penalty(a) for a in ages)
    if kind == "edit":
        return 1 + sum(edit_penalty(a) for a in ages)
    if kind in ("cancel", "batch_cancel"):
        return sum(cancel_penalty(a) for a in ages)
    raise ValueError(f"unknown trading transaction {kind!r}")


def fixed_cost(kind: TradingTransaction, *, n: int = 0) -> float:
    """The part charged on receipt, even when the order then fails validation."""
    if kind in ("add", "amend", "edit"):
        return 1
    if kind == "batch_add":
        return n / 2
    return 0


class TradingLimiter:
    """One trading counter per pair for one account (or key), with the tier's open-order cap."""

    __slots__ = ("_counters", "limits")

    def __init__(self, limits: TradingLimits | SpotTier | str) -> None:
        if isinstance(limits, TradingLimits):
            self.limits = limits
        else:
            self.limits = SpotTier(limits).trading
        self._counters: dict[str, DecayingCounter] = {}

    def counter(self, pair: str) -> DecayingCounter:
        counter = self._counters.get(pair)
        if counter is None:
            counter = self._counters[pair] = DecayingCounter(self.limits.params)
        return counter

    def wait_time(self, pair: str, cost: float, now: float) -> float:
        return self.counter(pair).wait_time(cost, now)

    def record(self, pair: str, cost: float, now: float) -> None:
        self.counter(pair).record(cost, now)

    def try_acquire(self, pair: str, cost: float, now: float) -> bool:
        return self.counter(pair).try_acquire(cost, now)

    def value(self, pair: str, now: float) -> float:
        return self.counter(pair).value(now)
