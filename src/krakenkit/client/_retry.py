"""When a failed spot call may be sent again, and how long to wait first.

Pure: the send loops of both clients ask :meth:`RetryPolicy.decide` after every failure and do
what it answers; the random source and the clock are arguments.

Three kinds of call (:func:`call_kind`):

``read``   public market data and private queries (Balance, OpenOrders, Ledgers, ...). Sending
           one twice does no harm, so any transport error, non-API HTTP answer (5xx, 429,
           Cloudflare page), ``EService:Unavailable``/``Busy``, rate limit or invalid nonce is
           retried, up to ``max_attempts``.
``write``  everything else that changes state (cancels, amends, withdrawals, transfers). Retried
           only when Kraken certainly did not act: the connection was refused (nothing was
           sent), an API error that is ``retry_safe`` (rate limited, unavailable), an invalid
           nonce (refused before execution; the retry is signed with a new nonce), or HTTP 429.
           A timeout or a 5xx after sending leaves the outcome unknown and is raised, except
           for EditOrder (by txid) and AmendOrder, which are *reconciled* first (see
           :mod:`krakenkit.client._reconcile`).
``add``    AddOrder and AddOrderBatch: never re-sent blindly, because a duplicate order costs
           money. Re-sent at once only when the request certainly was not executed (refused
           connection, invalid nonce, ``EAPI``/``EOrder:Rate limit exceeded``). When the outcome is
           unknown (timeout, 5xx, ``EService:Unavailable``/``Busy``, broken connection), an AddOrder
           that carries a ``cl_ord_id`` or ``userref`` is *reconciled*: the client looks the order
           up in OpenOrders and ClosedOrders and returns it if Kraken placed it, and re-sends
           only if it did not. A batch is reconciled the same way when every order carries a
           ``cl_ord_id`` (the client generates them). Without identifiers it is raised.

Backoff: ``base_delay * 2**(attempt-1)``, capped at ``max_delay``, plus up to ``jitter`` of itself
at random; a server's ``Retry-After`` (or the time in ``EService: Throttled: <ts>``) is a floor.
A server that asks for more than ``max_retry_after`` seconds gets its error raised instead.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from krakenkit.client._reconcile import reconcilable
from krakenkit.protocol.endpoints import Endpoint
from krakenkit.protocol.errors import (
    APIError,
    ConnectError,
    DeadlineElapsed,
    HTTPStatusError,
    InvalidNonce,
    KrakenError,
    MarketRestricted,
    RateLimitError,
    ServiceUnavailable,
    TransportError,
)

__all__ = [
    "CallKind",
    "Decision",
    "RetryPolicy",
    "call_kind",
]

CallKind = Literal["read", "write", "add"]

#: Private endpoints that only read: safe to repeat.
_PRIVATE_READS = frozenset(
    {
        "Balance",
        "BalanceEx",
        "TradeBalance",
        "OpenOrders",
        "ClosedOrders",
        "QueryOrders",
        "OrderAmends",
        "TradesHistory",
        "QueryTrades",
        "OpenPositions",
        "Ledgers",
        "QueryLedgers",
        "TradeVolume",
        "ExportStatus",
        "RetrieveExport",
        "GetWebSocketsToken",
        "DepositMethods",
        "DepositStatus",
        "WithdrawMethods",
        "WithdrawAddresses",
        "WithdrawInfo",
        "WithdrawStatus",
        "Earn/AllocateStatus",
        "Earn/DeallocateStatus",
        "Earn/Strategies",
        "Earn/Allocations",
    }
)
_ADDS = frozenset({"AddOrder", "AddOrderBatch"})
# Kraken refused these before the engine saw the order.
_NOT_EXECUTED = ("EAPI:Rate limit exceeded", "EOrder:Rate limit exceeded")


def call_kind(endpoint: Endpoint) -> CallKind:
    """``read``, ``write`` or ``add`` (see the module docstring)."""
    if endpoint.name in _ADDS:
        return "add"
    if not endpoint.auth or endpoint.name in _PRIVATE_READS:
        return "read"
    return "write"


class Decision(Enum):
    """What the send loop does after a failure."""

    RAISE = "raise"
    RETRY = "retry"
    RECONCILE = "reconcile"


def _certainly_not_executed(exc: KrakenError) -> bool:
    if isinstance(exc, ConnectError | InvalidNonce):
        return True
    if isinstance(exc, HTTPStatusError):
        return exc.status_code == 429
    if isinstance(exc, APIError):
        return exc.error.startswith(_NOT_EXECUTED)
    return False


def _outcome_unknown(exc: KrakenError) -> bool:
    if isinstance(exc, MarketRestricted):
        return False
    return isinstance(exc, TransportError | ServiceUnavailable)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry; ``RetryPolicy(max_attempts=1)`` never retries."""

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    reconcile_orders: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("delays must not be negative and jitter must be in [0, 1]")

    def decide(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any],
        exc: KrakenError,
        attempt: int,
        now: float = 0.0,
    ) -> Decision:
        """After failure number ``attempt`` (1-based) of one call: raise, retry or reconcile."""
        if attempt >= self.max_attempts:
            return Decision.RAISE
        wait = _server_wait(exc, now)
        if wait is not None and wait > self.max_retry_after:
            return Decision.RAISE
        kind = call_kind(endpoint)
        if kind == "read":
            retryable = isinstance(exc, TransportError | RateLimitError | InvalidNonce)
            retryable |= isinstance(exc, ServiceUnavailable) and exc.retry_safe
            return Decision.RETRY if retryable else Decision.RAISE
        if _certainly_not_executed(exc):
            return Decision.RETRY
        if self.reconcile_orders and reconcilable(endpoint.name, params):
            # EditOrder and AmendOrder: Unavailable/Busy stays a plain retry (not executed)
            lost = isinstance(exc, TransportError) if kind == "write" else _outcome_unknown(exc)
            if lost:
                return Decision.RECONCILE
        if kind == "write":
            safe = isinstance(exc, APIError) and exc.retry_safe
            # a retry would carry the same, elapsed deadline
            return (
                Decision.RETRY if safe and not isinstance(exc, DeadlineElapsed) else Decision.RAISE
            )
        return Decision.RAISE

    def delay(
        self, attempt: int, exc: KrakenError, now: float, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempt - 1))
        backoff += backoff * self.jitter * (rng or random).random()
        floor = _server_wait(exc, now) or 0.0
        return max(backoff, min(floor, self.max_retry_after))


def _server_wait(exc: KrakenError, now: float) -> float | None:
    """The wait the server asked for, in seconds from ``now``.

    ``HTTPStatusError.retry_after`` is already relative (Retry-After); an API error's comes from
    ``EService: Throttled: <unix time>`` and is absolute. With ``now == 0`` an absolute time is
    read as "some wait", never as "too long".
    """
    value: float | None = getattr(exc, "retry_after", None)
    if value is None or not math.isfinite(value):
        return None
    if isinstance(exc, APIError) and value > 1e9:  # an absolute unix time
        return max(0.0, value - now) if now else 0.0
    return max(0.0, float(value))
