"""Kraken Futures' two REST budgets and what each call costs (protocol.md §8.3).

``/derivatives`` calls spend a budget of 500 per 10 seconds; ``/api/history`` calls spend a pool of
100 tokens refilled at 100 per 10 minutes; public calls are free. Both refuse with
``apiLimitExceeded``.

Model: Kraken documents "500 every 10 seconds" without saying how it refills. We model both as
token buckets refilling continuously (500 tokens, 50 per second; 100 tokens, one per 6 s), which
is the decaying counter of :mod:`.counter` with a two-number state. A sliding 10-s window would
need a log of every call. The bucket allows a full burst of 500 and then 50 per second, so right
after a burst up to 1000 can pass in one 10-s window; should live Kraken turn out to count a
strict window, a client can pace itself with ``FuturesBudget(budget=250, window_s=10)`` (burst
plus ten seconds of refill never above 500). The client and the emulator build the same class,
so they agree by construction.

:func:`futures_cost` names endpoints the way :mod:`krakenkit.protocol.endpoints` does
(``sendorder``, ``orders/status``, ``history/account-log``), by full path, or by §8.3's own names
(``withdrawaltospotwallet``, ``historicalorders``, ``accountlog``, ...). Endpoints §8.3 does not
price cost 2 to read and 10 to write, as in the endpoint table.
"""

from __future__ import annotations

import re
from typing import ClassVar

from krakenkit.protocol.ratelimit.counter import CounterState, DecayingCounter

__all__ = ["FuturesBudget", "FuturesHistoryPool", "account_log_cost", "futures_cost"]


class FuturesBudget(DecayingCounter):
    """The ``/derivatives`` budget of a key: ``budget`` per ``window_s``, refilled continuously."""

    rejection: ClassVar[str] = "apiLimitExceeded"

    __slots__ = ()

    def __init__(
        self, *, budget: float = 500, window_s: float = 10, state: CounterState | None = None
    ) -> None:
        super().__init__(budget, budget / window_s, state=state)


class FuturesHistoryPool(DecayingCounter):
    """The ``/api/history`` pool of one key: ``tokens``, all refilled over ``refill_s``."""

    rejection: ClassVar[str] = "apiLimitExceeded"

    __slots__ = ()

    def __init__(
        self, *, tokens: float = 100, refill_s: float = 600, state: CounterState | None = None
    ) -> None:
        super().__init__(tokens, tokens / refill_s, state=state)


# -- costs ---------------------------------------------------------------------------------------

_COSTS: dict[str, int] = {
    # /derivatives, priced by §8.3
    "sendorder": 10,
    "editorder": 10,
    "cancelorder": 10,
    "batchorder": 9,  # + batch size
    "accounts": 2,
    "openpositions": 2,
    "fills": 2,  # 25 with lastFillTime
    "cancelallorders": 25,
    "cancelallordersafter": 25,
    "withdrawal": 100,
    "openorders": 2,
    "orders/status": 1,
    "unwindqueue": 200,
    "transfer": 10,
    "transfer/subaccount": 10,
    "subaccount/{subaccountUid}/trading-enabled": 2,  # GET and PUT
    "self-trade-strategy": 2,  # GET and PUT
    # /derivatives, not priced by §8.3: 2 to read, 10 to write
    "notifications": 2,
    "subaccounts": 2,
    "recentorders": 2,
    "transfers": 2,
    "feeschedules/volumes": 2,
    "assignmentprogram/current": 2,
    "assignmentprogram/history": 2,
    "assignmentprogram/add": 10,
    "assignmentprogram/delete": 10,
    # /api/history pool
    "history/orders": 1,
    "history/triggers": 1,
    "history/executions": 1,
    "history/accountlogcsv": 6,
    "history/account-log": 1,  # by count, see account_log_cost
}
_BY_METHOD: dict[str, dict[str, int]] = {
    "leveragepreferences": {"GET": 2, "PUT": 10},
    "pnlpreferences": {"GET": 2, "PUT": 10},
}
_ALIASES = {
    "withdrawaltospotwallet": "withdrawal",
    "historicalorders": "history/orders",
    "historicaltriggers": "history/triggers",
    "triggers": "history/triggers",
    "historicalexecutions": "history/executions",
    "executions": "history/executions",
    "accountlog": "history/account-log",
    "account-log": "history/account-log",
    "accountlogcsv": "history/accountlogcsv",
}
_PREFIXES = (
    ("derivatives/api/v3/", ""),
    ("derivatives/api/v4/", ""),
    ("api/v3/", ""),
    ("api/v4/", ""),
    ("api/history/v2/", "history/"),
    ("api/charts/v1/", "charts/"),
)
_PUBLIC = re.compile(
    r"(tickers(/[^/]+)?|orderbook|instruments|instruments(/[^/]+)?/status|history|feeschedules"
    r"|historicalfundingrates|charts/.*|history/market/.*)"
)
_TRADING_ENABLED = re.compile(r"subaccount/[^/]+/trading-enabled")

# (largest count, cost) for history/account-log; Kraken's default count is 500.
_ACCOUNT_LOG = ((25, 1), (50, 2), (1000, 3), (5000, 6))
_ACCOUNT_LOG_ABOVE = 10
_ACCOUNT_LOG_DEFAULT_COUNT = 500


def account_log_cost(count: int | None = None) -> int:
    """History-pool cost of ``history/account-log`` for ``count`` entries (None: default 500).

    1-25: 1, 26-50: 2, 51-1000: 3, 1001-5000: 6, 5001-100000: 10.
    """
    if count is None:
        count = _ACCOUNT_LOG_DEFAULT_COUNT
    if count < 1:
        raise ValueError("count must be at least 1")
    return next((cost for largest, cost in _ACCOUNT_LOG if count <= largest), _ACCOUNT_LOG_ABOVE)


def _canonical(endpoint_name: str) -> str:
    name = endpoint_name.strip().split("?", 1)[0].strip("/")
    for prefix, replacement in _PREFIXES:
        if name.startswith(prefix):
            name = replacement + name[len(prefix) :]
            break
    if _TRADING_ENABLED.fullmatch(name):
        return "subaccount/{subaccountUid}/trading-enabled"
    return _ALIASES.get(name, name)


def futures_cost(
    endpoint_name: str,
    *,
    method: str | None = None,
    batch_size: int = 0,
    last_fill_time: bool = False,
    count: int | None = None,
) -> int:
    """What one futures call costs in its pool (§8.3); 0 for public endpoints.

    ``method`` (GET/PUT) is required only where it changes the price (leveragepreferences,
    pnlpreferences). ``batch_size`` is the number of items of a ``batchorder`` (9 + n),
    ``last_fill_time`` whether ``fills`` was asked for a ``lastFillTime`` (25 instead of 2), and
    ``count`` the ``count`` of ``history/account-log`` (see :func:`account_log_cost`). Extras that
    do not apply to the endpoint are ignored. Unknown names raise :class:`ValueError`.
    """
    name = _canonical(endpoint_name)
    by_method = _BY_METHOD.get(name)
    if by_method is not None:
        if method is None or method.upper() not in by_method:
            raise ValueError(f"{name} costs differ by method: pass method='GET' or 'PUT'")
        return by_method[method.upper()]
    cost = _COSTS.get(name)
    if cost is None:
        if _PUBLIC.fullmatch(name):
            return 0
        raise ValueError(f"unknown futures endpoint {endpoint_name!r}")
    if name == "batchorder":
        if batch_size < 0:
            raise ValueError("batch_size must not be negative")
        return cost + batch_size
    if name == "fills" and last_fill_time:
        return 25
    if name == "history/account-log":
        return account_log_cost(count)
    return cost
