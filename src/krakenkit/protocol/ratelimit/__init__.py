"""Kraken's own rate-limit models, pure and clock-injected (protocol.md §8).

Every Kraken limit is one machine (:mod:`.counter`): a counter raised by each call's cost that
decays continuously towards zero; a call is allowed while ``counter + cost <= ceiling``.

============================ ============ ================== ===============================
model                        ceiling      decay per second   refused with
============================ ============ ================== ===============================
SpotRestCounter (per key)    15/20/20     0.33 / 0.5 / 1     ``EAPI:Rate limit exceeded``
TradingCounter (per pair)    60/125/180   1 / 2.34 / 3.75    ``EOrder:Rate limit exceeded``
FuturesBudget                500          50                 ``apiLimitExceeded``
FuturesHistoryPool           100          1/6 (100 per 10m)  ``apiLimitExceeded``
============================ ============ ================== ===============================

(spot numbers for the Starter / Intermediate / Pro tiers, :class:`SpotTier`.) The same objects
serve both sides: a client asks ``wait_time(cost, now)``, sleeps that long and calls
``record(cost, now)``; the emulator calls ``try_acquire(cost, now)`` (or ``acquire``, which raises
:class:`~krakenkit.protocol.errors.RateLimitError` with the model's Kraken string). Built with the
same parameters, a client that paces itself is never refused: they agree by construction.

Nothing here reads a clock: every method takes ``now`` in seconds. A counter's whole state is
:class:`CounterState` (value, updated_at) with ``snapshot()``/``restore()``, and its arithmetic is
:func:`counter_value`, :func:`counter_wait` and :func:`counter_add`, which a Redis/Lua port mirrors.
Costs: spot REST per endpoint in :mod:`krakenkit.protocol.endpoints`; the trading table in
:mod:`.trading`; futures in :func:`futures_cost`.
"""

from __future__ import annotations

from krakenkit.protocol.ratelimit.counter import (
    TOLERANCE_S,
    CounterState,
    DecayingCounter,
    counter_add,
    counter_value,
    counter_wait,
)
from krakenkit.protocol.ratelimit.futures import (
    FuturesBudget,
    FuturesHistoryPool,
    account_log_cost,
    futures_cost,
)
from krakenkit.protocol.ratelimit.spot_rest import SpotRestCounter, spot_rest_counter
from krakenkit.protocol.ratelimit.tiers import SpotRestLimits, SpotTier, TradingLimits
from krakenkit.protocol.ratelimit.trading import (
    TradingCounter,
    TradingKind,
    TradingLimiter,
    amend_penalty,
    cancel_penalty,
    edit_penalty,
    fixed_cost,
    transaction_cost,
)

__all__ = [
    "TOLERANCE_S",
    "CounterState",
    "DecayingCounter",
    "FuturesBudget",
    "FuturesHistoryPool",
    "SpotRestCounter",
    "SpotRestLimits",
    "SpotTier",
    "TradingCounter",
    "TradingKind",
    "TradingLimiter",
    "TradingLimits",
    "account_log_cost",
    "amend_penalty",
    "cancel_penalty",
    "counter_add",
    "counter_value",
    "counter_wait",
    "edit_penalty",
    "fixed_cost",
    "futures_cost",
    "spot_rest_counter",
    "transaction_cost",
]
