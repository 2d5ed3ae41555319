"""The spot trading-engine counter, one per pair and account (protocol.md §8.2).

Shared by REST, WebSocket and FIX. Each transaction adds a fixed part and, for amend, edit and
cancel, a penalty that shrinks with the age of the order it touches (seconds since the order was
created or last amended); the counter decays at the tier's rate, and a transaction is refused with
``EOrder:Rate limit exceeded`` when it would take the counter above the threshold. We allow
*reaching* the threshold exactly (``counter + cost <= threshold``), as for every other counter.

========== ===== ==== ==== ==== ==== ==== =====
kind       fixed <5s  <10s <15s <45s <90s <300s
========== ===== ==== ==== ==== ==== ==== =====
add        1
amend      1     3    2    1
edit       1     6    5    4    2    1
cancel           8    6    5    4    2    1
batch_add  n/2
batch_cancel     the cancel penalty of each order, by its own age
========== ===== ==== ==== ==== ==== ==== =====

Kraken charges the fixed part on receipt even when the request then fails validation. The
emulator therefore does, per transaction:

* the request is valid -> ``counter.try_acquire(transaction_cost(kind, ages), now)``; refused ->
  answer ``EOrder:Rate limit exceeded`` and charge nothing;
* the request fails validation (unknown order, bad price, ...) -> ``counter.charge_fixed(kind,
  now)``, unconditionally, and answer the validation error.

A client records the full :func:`transaction_cost` after waiting :meth:`TradingCounter.wait_time`;
when Kraken then refuses the order it has over-counted, which only makes it more careful. The ages
a client measures from its own send times differ from Kraken's by the latency jitter, which can
move an order across a bucket edge; a careful client passes ages a little younger than it measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar, Literal

from krakenkit.protocol.ratelimit.counter import CounterState, DecayingCounter
from krakenkit.protocol.ratelimit.tiers import SpotTier, TradingLimits

__all__ = [
    "TradingCounter",
    "TradingKind",
    "TradingLimiter",
    "amend_penalty",
    "cancel_penalty",
    "edit_penalty",
    "fixed_cost",
    "transaction_cost",
]

TradingKind = Literal["add", "amend", "edit", "cancel", "batch_add", "batch_cancel"]

# (age bound in seconds, penalty): the first row whose bound the age is strictly below applies;
# an order at least as old as the last bound costs nothing more.
_CANCEL = ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1))
_AMEND = ((5, 3), (10, 2), (15, 1))
_EDIT = ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1))
_ONE_ORDER: frozenset[str] = frozenset({"amend", "edit", "cancel"})


def _penalty(table: tuple[tuple[int, int], ...], age_s: float) -> int:
    return next((penalty for bound, penalty in table if age_s < bound), 0)


def cancel_penalty(age_s: float) -> int:
    """Penalty for cancelling an order ``age_s`` s old: 8/6/5/4/2/1 below 5/10/15/45/90/300 s."""
    return _penalty(_CANCEL, age_s)


def amend_penalty(age_s: float) -> int:
    """Age-based part of an amend: 3/2/1 below 5/10/15 s (the fixed +1 is separate)."""
    return _penalty(_AMEND, age_s)


def edit_penalty(age_s: float) -> int:
    """Age-based part of an edit: 6/5/4/2/1 below 5/10/15/45/90 s (the fixed +1 is separate)."""
    return _penalty(_EDIT, age_s)


def fixed_cost(kind: TradingKind, *, batch_size: int = 0) -> float:
    """The part charged on receipt, even when the request then fails validation."""
    if kind in ("add", "amend", "edit"):
        return 1
    if kind == "batch_add":
        if batch_size < 1:
            raise ValueError("batch_add needs batch_size >= 1")
        return batch_size / 2
    if kind in ("cancel", "batch_cancel"):
        return 0
    raise ValueError(f"unknown trading transaction {kind!r}")


def transaction_cost(
    kind: TradingKind, ages: Iterable[float] = (), *, batch_size: int = 0
) -> float:
    """Counter increase of one valid transaction: the fixed part plus the age-based penalties.

    ``ages`` are the ages in seconds of the orders touched: exactly one for amend, edit and
    cancel, one per order for batch_cancel, none for add and batch_add (which take
    ``batch_size``).
    """
    ages = tuple(ages)
    if kind in _ONE_ORDER and len(ages) != 1:
        raise ValueError(f"{kind} touches exactly one order, got {len(ages)} ages")
    fixed = fixed_cost(kind, batch_size=batch_size)
    if kind == "amend":
        return fixed + amend_penalty(ages[0])
    if kind == "edit":
        return fixed + edit_penalty(ages[0])
    if kind in ("cancel", "batch_cancel"):
        return fixed + sum(cancel_penalty(age) for age in ages)
    return fixed


class TradingCounter(DecayingCounter):
    """The trading counter of one pair: ``TradingCounter(SpotTier.PRO)`` or custom limits."""

    rejection: ClassVar[str] = "EOrder:Rate limit exceeded"

    __slots__ = ("limits",)

    def __init__(
        self, limits: TradingLimits | SpotTier | str, *, state: CounterState | None = None
    ) -> None:
        self.limits = limits if isinstance(limits, TradingLimits) else SpotTier(limits).trading
        super().__init__(self.limits.threshold, self.limits.decay_per_s, state=state)

    def charge_fixed(self, kind: TradingKind, now: float, *, batch_size: int = 0) -> float:
        """Charge only the fixed part (the request failed validation); return what was charged."""
        cost = fixed_cost(kind, batch_size=batch_size)
        self.record(cost, now)
        return cost


class TradingLimiter:
    """One :class:`TradingCounter` per pair for one account, created on first use."""

    __slots__ = ("_counters", "limits")

    def __init__(self, limits: TradingLimits | SpotTier | str) -> None:
        self.limits = limits if isinstance(limits, TradingLimits) else SpotTier(limits).trading
        self._counters: dict[str, TradingCounter] = {}

    def counter(self, pair: str) -> TradingCounter:
        counter = self._counters.get(pair)
        if counter is None:
            counter = self._counters[pair] = TradingCounter(self.limits)
        return counter

    def value(self, pair: str, now: float) -> float:
        return self.counter(pair).value(now)

    def wait_time(self, pair: str, cost: float, now: float) -> float:
        return self.counter(pair).wait_time(cost, now)

    def record(self, pair: str, cost: float, now: float) -> None:
        self.counter(pair).record(cost, now)

    def try_acquire(self, pair: str, cost: float, now: float) -> bool:
        return self.counter(pair).try_acquire(cost, now)

    def acquire(self, pair: str, cost: float, now: float) -> None:
        self.counter(pair).acquire(cost, now)

    def charge_fixed(
        self, pair: str, kind: TradingKind, now: float, *, batch_size: int = 0
    ) -> float:
        return self.counter(pair).charge_fixed(kind, now, batch_size=batch_size)

    def snapshot(self) -> dict[str, CounterState]:
        """Every pair's state (pairs never used are absent)."""
        return {pair: counter.snapshot() for pair, counter in self._counters.items()}

    def restore(self, states: Mapping[str, CounterState]) -> None:
        """Replace all state with ``states`` (pairs not listed start again from zero)."""
        self._counters = {
            pair: TradingCounter(self.limits, state=state) for pair, state in states.items()
        }
