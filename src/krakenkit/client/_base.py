"""What :class:`SpotClient` and :class:`AsyncSpotClient` share: settings and every pure step.

The two clients differ only in their send loop (``httpx.Client`` with ``time.sleep`` and a
``threading.Lock``, or ``httpx.AsyncClient`` with ``asyncio.sleep`` and an ``asyncio.Lock``);
everything a call needs before and after the network lives here, once. Neither client subclasses
the other.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, TypedDict, TypeVar

import httpx

from krakenkit.client._pacing import Pacer
from krakenkit.client._prepare import needs_pairs, pair_spellings, render_pairs, wire_params
from krakenkit.client._request import (
    PreparedRequest,
    build_request,
    decode_response,
    resolve_base_url,
)
from krakenkit.client._retry import RetryPolicy
from krakenkit.protocol.assets import PairRegistry
from krakenkit.protocol.endpoints import SPOT_BY_NAME, Endpoint, spot_endpoint
from krakenkit.protocol.errors import (
    AuthenticationError,
    ConnectError,
    KrakenError,
    RequestTimeout,
    TransportError,
)
from krakenkit.protocol.nonce import MonotonicNonce, NonceSource
from krakenkit.protocol.ratelimit import SpotTier
from krakenkit.protocol.signing import Credentials

__all__ = [
    "CLIENT_DOC",
    "DEFAULT_USER_AGENT",
    "Calls",
    "SpotBase",
    "SpotOptions",
    "http_settings",
    "key_lock",
    "shared_nonce",
    "translate_httpx",
]

R = TypeVar("R")


def _version() -> str:
    try:
        return version("krakenkit")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


DEFAULT_USER_AGENT = f"krakenkit/{_version()}"

_nonces: dict[str, MonotonicNonce] = {}
_nonces_lock = threading.Lock()


_key_locks: dict[str, threading.Lock] = {}


def key_lock(api_key: str) -> threading.Lock:
    """The send lock of one API key, shared by every client of the process (sync and async):
    held from taking a nonce until the answer is in, so the key's requests arrive in order."""
    with _nonces_lock:
        return _key_locks.setdefault(api_key, threading.Lock())


def shared_nonce(api_key: str) -> MonotonicNonce:
    """One :class:`MonotonicNonce` per API key for the whole process.

    Two clients on one key must not hand out the same value in the same microsecond.
    """
    with _nonces_lock:
        source = _nonces.get(api_key)
        if source is None:
            source = _nonces[api_key] = MonotonicNonce()
        return source


def translate_httpx(exc: httpx.HTTPError, path: str) -> KrakenError:
    """The one place httpx's exceptions become krakenkit's (never with credentials in them)."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectError(f"could not connect ({name})", path=path)  # nothing was sent
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"no answer in time ({name})", path=path)
    return TransportError(f"transport failure ({name}: {exc})", path=path)


CLIENT_DOC = """
    ``api_key``/``api_secret`` are needed for private calls only. ``base_url`` is ``"live"``
    (https://api.kraken.com, the default) or any URL, such as an emulator's. HTTP: one pooled
    keep-alive connection pool (``max_connections``, ``keepalive``), ``timeout`` in seconds or an
    ``httpx.Timeout``, an optional ``proxy`` URL, ``user_agent``, and ``transport`` to plug in any
    httpx transport. Behaviour: ``retry`` (:class:`RetryPolicy`), ``pacing`` (True: pace with
    Kraken's counters for ``tier``; False: don't; or a shared :class:`Pacer`), ``resolve_pairs``
    (fetch AssetPairs once per ``pairs_ttl`` seconds to resolve pair names and render prices and
    volumes at the pair's precision), ``otp`` (2FA), ``nonce`` (a :class:`NonceSource`; by default
    one per API key for the whole process).

    Nonce ordering, and what it costs. Kraken refuses a nonce that is not above the last one it
    saw for the key, so it must *receive* the requests of one key in nonce order; strictly
    increasing values are not enough, since two requests can overtake each other on the way.
    With ``nonce_window=0`` (the default) the client paces, takes the nonce, signs and sends
    under one per-key lock held until the answer is in (a ``threading.Lock`` shared by every
    SpotClient of the process on that key; an ``asyncio.Lock`` per AsyncSpotClient). Private
    calls of one key then run strictly one at a time, whatever the number of threads or tasks:
    never an ``EAPI:Invalid nonce``, but at most one private call per round trip. If the key has
    a nonce window on Kraken (API key settings), pass the same ``nonce_window``: the lock is
    dropped and private calls of the key run concurrently. Our nonces are microseconds, so a
    window of ``w`` tolerates requests overtaking each other by up to ``w`` µs; one refused
    anyway is signed again with a fresh nonce and re-sent (Kraken refused it before acting, so
    that is always safe, within ``retry.max_attempts``). Public calls never take the lock. Two
    clients that share a key without sharing the lock (two AsyncSpotClients, or processes)
    need a window too.
"""


class Calls(Generic[R]):
    """The one hook the endpoint methods call; each client implements it."""

    def _call(self, name: str, args: Mapping[str, Any]) -> R:
        raise NotImplementedError


class SpotOptions(TypedDict, total=False):
    """The settings both clients take besides the HTTP ones (see :class:`SpotClient`)."""

    base_url: str | None
    nonce: NonceSource | None
    nonce_window: int
    otp: str | None
    retry: RetryPolicy | None
    pacing: bool | Pacer
    tier: SpotTier | str
    resolve_pairs: bool
    pairs_ttl: float
    user_agent: str | None


class SpotBase:
    """Settings and the pure steps of a call (see :class:`SpotClient` for the arguments)."""

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        base_url: str | None = "live",
        nonce: NonceSource | None = None,
        nonce_window: int = 0,
        otp: str | None = None,
        retry: RetryPolicy | None = None,
        pacing: bool | Pacer = True,
        tier: SpotTier | str = SpotTier.INTERMEDIATE,
        resolve_pairs: bool = True,
        pairs_ttl: float = 3600.0,
        user_agent: str | None = None,
    ) -> None:
        if (api_key is None) != (api_secret is None):
            raise AuthenticationError("give both the API key and its secret, or neither")
        if nonce_window < 0:
            raise ValueError("nonce_window must not be negative")
        self.base_url = resolve_base_url(base_url)
        self.credentials = (
            None if api_key is None or api_secret is None else Credentials(api_key, api_secret)
        )
        self.nonce: NonceSource | None = nonce
        if nonce is None and self.credentials is not None:
            self.nonce = shared_nonce(self.credentials.key)
        self.nonce_window = nonce_window
        self.otp = otp
        self.retry = retry or RetryPolicy()
        self.pacer: Pacer | None = (
            pacing if isinstance(pacing, Pacer) else Pacer(tier) if pacing else None
        )
        self.resolve_pairs = resolve_pairs
        self.pairs_ttl = pairs_ttl
        self.user_agent = user_agent or DEFAULT_USER_AGENT
        self._registry: PairRegistry | None = None
        self._registry_at = float("-inf")
        self._rng = random.Random()

    def __repr__(self) -> str:
        key = self.credentials.key[:4] + "…" if self.credentials else None
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={key!r})"

    # -- before the network ------------------------------------------------------------------

    @staticmethod
    def _endpoint(name: str) -> Endpoint:
        return spot_endpoint(name)

    def _prepare(self, name: str, args: Mapping[str, Any]) -> tuple[Endpoint, dict[str, Any]]:
        endpoint = self._endpoint(name)
        extra = args.get("extra")
        params = wire_params(endpoint, args, extra if isinstance(extra, Mapping) else None)
        if endpoint.auth and self.credentials is None:
            raise AuthenticationError(f"{endpoint.name} is private: this client has no API key")
        return endpoint, params

    def _wants_pairs(self, endpoint: Endpoint, params: Mapping[str, Any], now: float) -> bool:
        return self.resolve_pairs and needs_pairs(endpoint, params) and self._pairs_due(now)

    def _pairs_due(self, now: float) -> bool:
        return now - self._registry_at >= self.pairs_ttl

    def _store_pairs(self, result: Any, now: float) -> None:
        self._registry = PairRegistry.from_asset_pairs(result)
        self._registry_at = now

    @property
    def pairs(self) -> PairRegistry | None:
        """The cached AssetPairs metadata (None until a call needed it)."""
        return self._registry

    def _render(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return render_pairs(endpoint, params, self._registry if self.resolve_pairs else None)
        except KrakenError as exc:
            exc.path = endpoint.path
            raise

    def _pair_names(self, name: str) -> frozenset[str]:
        return pair_spellings(self._registry, name)

    def _build(
        self, endpoint: Endpoint, params: Mapping[str, Any], nonce: int | None
    ) -> PreparedRequest:
        return build_request(
            self.base_url,
            endpoint,
            params,
            credentials=self.credentials if endpoint.auth else None,
            nonce=nonce,
            otp=self.otp if endpoint.auth else None,
        )

    def _next_nonce(self) -> int:
        assert self.nonce is not None  # private calls are refused without credentials
        return self.nonce.next()

    @staticmethod
    def _decode(endpoint: Endpoint, response: httpx.Response, now: float) -> Any:
        return decode_response(
            response.status_code,
            response.headers,
            response.content,
            path=endpoint.path,
            now=now,
            raw=endpoint.name == "RetrieveExport",
        )

    @staticmethod
    def _raw_endpoint(method: str, path: str, *, json: bool) -> Endpoint:
        """A known endpoint for ``path``, or an ad-hoc one (for :meth:`request`)."""
        path = "/" + path.lstrip("/")
        for prefix, private in (("/0/private/", True), ("/0/public/", False)):
            if path.startswith(prefix):
                name = path[len(prefix) :]
                known = SPOT_BY_NAME.get(name)
                if known is not None and known.auth == private:
                    return known
                return Endpoint(
                    name=name,
                    api="spot",
                    http_method="POST" if private else "GET" if method.upper() == "GET" else "POST",
                    path=path,
                    auth=private,
                    cost=1 if private else 0,
                    pool="spot_rest" if private else None,
                    params=(),
                    required=(),
                    json_body=json,
                    python_name="request",
                    category="account" if private else "market",
                    doc="An endpoint krakenkit does not list.",
                )
        raise ValueError(
            f"not a spot REST path: {path!r} (expected /0/public/... or /0/private/...)"
        )


def http_settings(
    *,
    timeout: float | httpx.Timeout,
    proxy: str | None,
    max_connections: int,
    keepalive: int,
    user_agent: str,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client``/``httpx.AsyncClient`` (both take the same)."""
    return {
        "timeout": timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
        "proxy": proxy,
        "limits": httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=keepalive
        ),
        "headers": {"User-Agent": user_agent},
    }
