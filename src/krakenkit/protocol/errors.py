"""One exception tree for everything krakenkit raises.

::

    KrakenError                      root of every krakenkit exception
    ├── TransportError               no (complete) answer from the server; library errors land here
    │   ├── ConnectError             could not connect: nothing was sent           (retry safe)
    │   ├── RequestTimeout           sent, no answer: the outcome is unknown
    │   └── HTTPStatusError          a non-API HTTP answer (5xx, Cloudflare HTML page, ...)
    ├── APIError                     Kraken answered with an error string (spot) or status (futures)
    │   ├── AuthenticationError      EAPI:Invalid key / signature, EAuth:*, authenticationError
    │   │   └── InvalidNonce         EAPI:Invalid nonce, nonceBelowThreshold, nonceDuplicate
    │   ├── PermissionDenied         EGeneral:Permission denied, EAccount:Invalid permissions
    │   ├── RateLimitError           EAPI:/EOrder:Rate limit exceeded, EService:Throttled, 429, ...
    │   ├── ServiceUnavailable       EService:Unavailable/Busy, EGeneral:Internal error, ...
    │   │   └── MarketRestricted     EService:Market in cancel_only/post_only/limit_only mode
    │   ├── InvalidArguments         EGeneral:Invalid arguments*, EQuery:*, EAPI:Bad request, ...
    │   │   └── UnknownMethod        EGeneral:Unknown method
    │   ├── OrderError               EOrder:*, ETrade:*, futures order statuses
    │   │   ├── InsufficientFunds    EOrder:Insufficient funds/margin, insufficientAvailableFunds
    │   │   ├── UnknownOrder         EOrder:Unknown order, notFound, orderForEditNotFound
    │   │   ├── OrderRejected        post-only would take, IOC would not execute, self-fill, ...
    │   │   └── DeadlineElapsed      EService:Deadline elapsed, wouldProcessAfterSpecifiedTime
    │   ├── FundingError             EFunding:*
    │   └── EarnError                EEarnings:*
    ├── OutcomeUnknown               a write's answer was lost and looking it up did not settle it
    │   └── BatchPartiallyPlaced     only some orders of a lost AddOrderBatch are on Kraken
    └── ProtocolError                a message we cannot make sense of
        ├── ChecksumMismatch         local order book disagrees with Kraken's CRC32
        └── SequenceGap              a feed skipped a sequence number

Each class says with ``retry_safe`` whether re-sending the *same* request can do no harm: true where
Kraken certainly did not act on it (rate limited, unavailable, connection refused), false where it
may have (a timeout after sending) or where repeating cannot help (bad arguments).

Error strings are mapped by exact match first, then by the longest matching ``Category:Message``
prefix; never by substring guessing. Unknown strings become a plain :class:`APIError` that keeps the
raw text. No exception message or ``repr`` ever contains credentials: only the error strings, the
request path and an optional retry delay are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "FUTURES_ERRORS",
    "SPOT_ERRORS",
    "APIError",
    "AuthenticationError",
    "BatchPartiallyPlaced",
    "ChecksumMismatch",
    "ConnectError",
    "DeadlineElapsed",
    "EarnError",
    "FundingError",
    "HTTPStatusError",
    "InsufficientFunds",
    "InvalidArguments",
    "InvalidNonce",
    "KrakenError",
    "MarketRestricted",
    "OrderError",
    "OrderRejected",
    "OutcomeUnknown",
    "PermissionDenied",
    "ProtocolError",
    "RateLimitError",
    "RequestTimeout",
    "SequenceGap",
    "ServiceUnavailable",
    "TransportError",
    "UnknownMethod",
    "UnknownOrder",
    "api_error",
    "classify",
    "classify_futures",
    "futures_error",
]


class KrakenError(Exception):
    """Root of every exception krakenkit raises."""

    retry_safe: ClassVar[bool] = False

    def __init__(self, message: str = "", *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} (path {self.path})" if self.path else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, path={self.path!r})"


# --- transport -------------------------------------------------------------------------------


class TransportError(KrakenError):
    """No complete answer from the server."""


class ConnectError(TransportError):
    """The connection could not be made; the request was never sent."""

    retry_safe = True


class RequestTimeout(TransportError):
    """The request was sent but no answer arrived in time: Kraken may or may not have acted."""


class HTTPStatusError(TransportError):
    """A non-API HTTP answer: 5xx, 429 or an HTML page from Cloudflare in front of Kraken."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def is_retry_safe(self) -> bool:
        """429 and 5xx other than a gateway timeout mean the request was not executed."""
        return self.status_code == 429 or self.status_code in (500, 502, 503, 520, 521, 522, 525)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status_code={self.status_code}, "
            f"path={self.path!r})"
        )


# --- API errors ------------------------------------------------------------------------------


class APIError(KrakenError):
    """Kraken answered, and the answer is an error.

    ``errors`` holds every raw error string of the answer (spot may send several); ``error`` is the
    first, which chose the class.
    """

    def __init__(
        self,
        message: str = "",
        *,
        path: str | None = None,
        errors: Sequence[str] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.errors: tuple[str, ...] = tuple(errors) if errors else ((message,) if message else ())
        self.retry_after = retry_after

    @property
    def error(self) -> str:
        return self.errors[0] if self.errors else self.message


class AuthenticationError(APIError):
    """The key, signature or account state was refused."""


class InvalidNonce(AuthenticationError):
    """The nonce was not greater than the last one Kraken saw for this key.

    Re-sending the same bytes can never succeed; the request has to be signed again with a new
    nonce, which the clients do.
    """


class PermissionDenied(APIError):
    """The API key lacks the permission the call needs."""


class RateLimitError(APIError):
    """A rate limit was hit; Kraken did not act on the request."""

    retry_safe = True


class ServiceUnavailable(APIError):
    """Kraken is unavailable or busy; the request was not executed."""

    retry_safe = True


class MarketRestricted(ServiceUnavailable):
    """The market is in a restricted mode (cancel_only, post_only, limit_only)."""

    retry_safe = False


class InvalidArguments(APIError):
    """The request itself is wrong; re-sending it unchanged cannot help."""


class UnknownMethod(InvalidArguments):
    """The endpoint does not exist."""


class OrderError(APIError):
    """The trading engine refused an order operation."""


class InsufficientFunds(OrderError):
    """Not enough funds or margin for the order."""


class UnknownOrder(OrderError):
    """No such order (or it is not open any more)."""


class OrderRejected(OrderError):
    """The order was refused by its own conditions (post-only, IOC/FOK, self-trade, reduce-only)."""


class DeadlineElapsed(OrderError):
    """The request's deadline passed before the engine could act; nothing was done."""

    retry_safe = True


class FundingError(APIError):
    """A deposit, withdrawal or transfer was refused."""


class EarnError(APIError):
    """An Earn allocation or deallocation was refused."""


# --- lost answers ---------------------------------------------------------------------------


class OutcomeUnknown(KrakenError):
    """A write was sent, its answer was lost, and Kraken's own records did not settle what it did.

    Raised by the clients' reconciliation instead of re-sending blindly. ``original`` is the error
    that left the outcome unknown (also the ``__cause__``); ``found`` is what the look-up saw,
    Kraken's order records by txid (and, for EditOrder, ``"original"``/``"candidates"``).
    """

    def __init__(
        self,
        message: str = "",
        *,
        path: str | None = None,
        found: Mapping[str, Any] | None = None,
        original: KrakenError | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.found: dict[str, Any] = dict(found or {})
        self.original = original


class BatchPartiallyPlaced(OutcomeUnknown):
    """Only some orders of an AddOrderBatch whose answer was lost are on Kraken.

    ``placed`` maps the ``cl_ord_id`` of each order found to its txid; ``missing`` lists the
    ``cl_ord_id`` of the others. The batch is not re-sent: that would place the found ones twice.
    """

    def __init__(
        self,
        message: str = "",
        *,
        path: str | None = None,
        placed: Mapping[str, str] | None = None,
        missing: Sequence[str] = (),
        found: Mapping[str, Any] | None = None,
        original: KrakenError | None = None,
    ) -> None:
        super().__init__(message, path=path, found=found, original=original)
        self.placed: dict[str, str] = dict(placed or {})
        self.missing: tuple[str, ...] = tuple(missing)


# --- protocol errors -------------------------------------------------------------------------


class ProtocolError(KrakenError):
    """A message from the server that does not fit the protocol."""


class ChecksumMismatch(ProtocolError):
    """The local order book's CRC32 disagrees with the checksum Kraken sent."""

    def __init__(
        self, message: str = "", *, symbol: str = "", expected: int = 0, actual: int = 0
    ) -> None:
        super().__init__(message or f"checksum mismatch on {symbol}: {expected} != {actual}")
        self.symbol = symbol
        self.expected = expected
        self.actual = actual


class SequenceGap(ProtocolError):
    """A sequenced feed skipped one or more messages."""

    def __init__(self, message: str = "", *, feed: str = "", expected: int = 0, got: int = 0):
        super().__init__(message or f"sequence gap on {feed}: expected {expected}, got {got}")
        self.feed = feed
        self.expected = expected
        self.got = got


# --- the spot error table --------------------------------------------------------------------
#
# Keys are exact error strings or ``Category:Message`` prefixes. An error string matches a key if
# it equals it or starts with the key followed by ":" or " " (Kraken appends details such as
# ``EGeneral:Invalid arguments:ordertype`` or ``EService: Throttled: 1700000000``).

SPOT_ERRORS: dict[str, type[APIError]] = {
    # General
    "EGeneral:Invalid arguments": InvalidArguments,
    "EGeneral:Invalid arguments:Index unavailable": InvalidArguments,
    "EGeneral:Temporary lockout": AuthenticationError,
    "EGeneral:Permission denied": PermissionDenied,
    "EGeneral:Internal error": ServiceUnavailable,
    "EGeneral:Too many requests": RateLimitError,
    "EGeneral:Unknown method": UnknownMethod,
    # Service
    "EService:Unavailable": ServiceUnavailable,
    "EService:Busy": ServiceUnavailable,
    "EService:Throttled": RateLimitError,
    "EService: Throttled": RateLimitError,  # Kraken's literal form: "EService: Throttled: <ts>"
    "EService:Market in cancel_only mode": MarketRestricted,
    "EService:Market in post_only mode": MarketRestricted,
    "EService:Market in limit_only mode": MarketRestricted,
    "EService:Deadline elapsed": DeadlineElapsed,
    "EDatabase:Internal error": ServiceUnavailable,
    # API / auth
    "EAPI:Invalid key": AuthenticationError,
    "EAPI:Invalid signature": AuthenticationError,
    "EAPI:Invalid nonce": InvalidNonce,
    "EAPI:Rate limit exceeded": RateLimitError,
    "EAPI:Bad request": InvalidArguments,
    "EAPI:Feature disabled": PermissionDenied,
    "EAccount:Invalid permissions": PermissionDenied,
    "EAuth:Account temporary disabled": AuthenticationError,
    "EAuth:Account unconfirmed": AuthenticationError,
    "EAuth:Rate limit exceeded": RateLimitError,
    "EAuth:Too many requests": RateLimitError,
    "EAuth:Failed": AuthenticationError,
    "ESession:Invalid session": AuthenticationError,
    # Orders
    "EOrder:Cannot open opposing position": OrderError,
    "EOrder:Cannot open position": OrderError,
    "EOrder:Margin allowance exceeded": InsufficientFunds,
    "EOrder:Margin level too low": InsufficientFunds,
    "EOrder:Margin position size exceeded": OrderError,
    "EOrder:Insufficient margin": InsufficientFunds,
    "EOrder:Insufficient funds": InsufficientFunds,
    "EOrder:Order minimum not met": InvalidArguments,
    "EOrder:Cost minimum not met": InvalidArguments,
    "EOrder:Tick size check failed": InvalidArguments,
    "EOrder:Orders limit exceeded": OrderError,
    "EOrder:Rate limit exceeded": RateLimitError,
    "EOrder:Domain rate limit exceeded": RateLimitError,
    "EOrder:Invalid price": InvalidArguments,
    "EOrder:Invalid order": InvalidArguments,
    "EOrder:Unknown order": UnknownOrder,
    "EOrder:Unknown position": UnknownOrder,
    "EOrder:Positions limit exceeded": OrderError,
    "EOrder:Reduce only:Non-PC": OrderRejected,
    "EOrder:Reduce only:No position exists": OrderRejected,
    "EOrder:Reduce only:Position is closed": OrderRejected,
    "EOrder:Scheduled orders limit exceeded": OrderError,
    "EOrder:Post only order": OrderRejected,
    "EOrder:Self trade": OrderRejected,
    "ETrade:Invalid request": InvalidArguments,
    "ETrade:User Locked": AuthenticationError,
    "EBM:limit exceeded:CAL": OrderError,
    # Queries
    "EQuery:Unknown asset": InvalidArguments,
    "EQuery:Unknown asset pair": InvalidArguments,
    "EQuery:Invalid asset pair": InvalidArguments,
    # Funding
    "EFunding:Max fee exceeded": FundingError,
    "EFunding:Unknown withdraw key": FundingError,
    "EFunding:Invalid amount": FundingError,
    "EFunding:Unknown asset": FundingError,
    "EFunding:No funding method": FundingError,
    "EFunding:Invalid reference id": FundingError,
    "EFunding:Unknown reference id": FundingError,
    "EFunding:Too many addresses": FundingError,
    "EFunding:Insufficient funds": InsufficientFunds,
    # Earn
    "EEarnings:Below min": EarnError,
    "EEarnings:Busy": EarnError,
    "EEarnings:Permission denied": PermissionDenied,
    "EEarnings:Insufficient funds": InsufficientFunds,
    "EEarnings:Above max": EarnError,
    "EGeneral:Invalid arguments:Invalid strategy ID": InvalidArguments,
}

# Category fallbacks: an unlisted ``EOrder:Something new`` is still an OrderError.
_CATEGORY_FALLBACK: dict[str, type[APIError]] = {
    "EGeneral": APIError,
    "EService": ServiceUnavailable,
    "EAPI": APIError,
    "EAuth": AuthenticationError,
    "EAccount": PermissionDenied,
    "EOrder": OrderError,
    "ETrade": OrderError,
    "EQuery": InvalidArguments,
    "EFunding": FundingError,
    "EEarnings": EarnError,
}

# Futures: the envelope's ``error`` values and the per-order ``status`` values that mean failure.
FUTURES_ERRORS: dict[str, type[APIError]] = {
    "accountInactive": AuthenticationError,
    "apiLimitExceeded": RateLimitError,
    "authenticationError": AuthenticationError,
    "insufficientFunds": InsufficientFunds,
    "insufficientPrivileges": PermissionDenied,
    "invalidAccount": InvalidArguments,
    "invalidAmount": InvalidArguments,
    "invalidArgument": InvalidArguments,
    "invalidUnit": InvalidArguments,
    "Json Parse Error": InvalidArguments,
    "Bad Request": InvalidArguments,
    "marketUnavailable": ServiceUnavailable,
    "nonceBelowThreshold": InvalidNonce,
    "nonceDuplicate": InvalidNonce,
    "notFound": UnknownOrder,
    "requiredArgumentMissing": InvalidArguments,
    "Server Error": ServiceUnavailable,
    "Unavailable": ServiceUnavailable,
    "unknownError": APIError,
    # sendStatus / editStatus / cancelStatus / batchStatus values
    "marketSuspended": MarketRestricted,
    "marketInactive": MarketRestricted,
    "marketIsPostOnly": MarketRestricted,
    "invalidPrice": InvalidArguments,
    "invalidSize": InvalidArguments,
    "invalidOrderType": InvalidArguments,
    "invalidSide": InvalidArguments,
    "tooManySmallOrders": OrderError,
    "tooManyOrders": OrderError,
    "insufficientAvailableFunds": InsufficientFunds,
    "wouldCauseLiquidation": InsufficientFunds,
    "clientOrderIdAlreadyExist": OrderRejected,
    "clientOrderIdTooBig": InvalidArguments,
    "clientOrderIdTooLong": InvalidArguments,
    "clientOrderIdInvalid": InvalidArguments,
    "maxPositionViolation": OrderRejected,
    "outsidePriceCollar": OrderRejected,
    "wouldIncreasePriceDislocation": OrderRejected,
    "orderForEditNotAStop": InvalidArguments,
    "orderForEditNotFound": UnknownOrder,
    "postWouldExecute": OrderRejected,
    "iocWouldNotExecute": OrderRejected,
    "selfFill": OrderRejected,
    "wouldNotReducePosition": OrderRejected,
    "fixedLeverageTooHigh": InvalidArguments,
    "cannotEditTriggerPriceOfTrailingStop": InvalidArguments,
    "cannotEditLimitPriceOfTrailingStop": InvalidArguments,
    "wouldProcessAfterSpecifiedTime": DeadlineElapsed,
}

#: Futures per-order statuses that mean success.
FUTURES_OK_STATUSES = frozenset(
    {"placed", "partiallyFilled", "filled", "cancelled", "edited", "attempted"}
)


def classify(error: str) -> type[APIError]:
    """The exception class for one spot error string (exact, then longest prefix, then category)."""
    text = error.strip()
    if text.startswith("W"):  # warnings are not errors; callers filter them first
        return APIError
    exact = SPOT_ERRORS.get(text)
    if exact is not None:
        return exact
    # Longest listed key that is a prefix of the text at a ":" or " " boundary.
    best: type[APIError] | None = None
    best_len = -1
    for key, cls in SPOT_ERRORS.items():
        n = len(key)
        if n > best_len and text.startswith(key) and text[n : n + 1] in (":", " "):
            best, best_len = cls, n
    if best is not None:
        return best
    # "EService: Throttled: 1700000000" has a space after the colon.
    category, _, rest = text.partition(":")
    normalised = f"{category}:{rest.strip()}"
    if normalised != text:
        return classify(normalised)
    return _CATEGORY_FALLBACK.get(category, APIError)


def _retry_after(error: str) -> float | None:
    """``EService: Throttled: <unix ts>`` carries the time to retry after (absolute)."""
    head, _, tail = error.rpartition(":")
    if "Throttled" in head:
        try:
            return float(tail.strip())
        except ValueError:
            return None
    return None


def api_error(errors: Iterable[str], *, path: str | None = None) -> APIError:
    """Build the exception for the ``error`` list of a spot answer (warnings are skipped)."""
    all_errors = [e for e in errors if isinstance(e, str)]
    real = [e for e in all_errors if not e.startswith("W")] or all_errors or ["EGeneral:Unknown"]
    first = real[0]
    cls = classify(first)
    return cls(first, path=path, errors=real, retry_after=_retry_after(first))


def classify_futures(value: str) -> type[APIError]:
    """The exception class for a futures ``error`` value or a failed order ``status``."""
    return FUTURES_ERRORS.get(value.strip(), APIError)


def futures_error(value: str, *, path: str | None = None) -> APIError:
    """Build the exception for a futures error value or failed order status."""
    return classify_futures(value)(value, path=path, errors=[value])
