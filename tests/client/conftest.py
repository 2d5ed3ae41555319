"""Real emulators for the client tests: in-process for async tests, on a thread for sync ones."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.client import RetryPolicy
from krakenkit.emulator import Emulator, ExchangeConfig

RICH = {"ZUSD": "1000000", "XXBT": "10", "XETH": "100"}

#: No retries: a test must see every error the server sends.
NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(config=ExchangeConfig(market=False)) as ex:
        yield ex


@pytest.fixture
def background() -> Iterator[Emulator]:
    with Emulator.background(config=ExchangeConfig(market=False)) as ex:
        yield ex


def keys(
    ex: Emulator,
    balances: dict[str, Any] | None = None,
    *,
    tier: str = "intermediate",
    nonce_window: int = 0,
    rate_limits: bool = True,
) -> tuple[str, str]:
    account = ex.add_account(
        RICH if balances is None else balances,
        tier=tier,
        nonce_window=nonce_window,
        rate_limits=rate_limits,
    )
    return account.api_key, account.api_secret


def async_client(
    ex: Emulator, *, account: dict[str, Any] | None = None, **options: Any
) -> AsyncSpotClient:
    """A client on a new funded account (``account``: arguments of :func:`keys`)."""
    key, secret = keys(ex, **(account or {}))
    return AsyncSpotClient(key, secret, base_url=ex.url, **options)


def sync_client(
    ex: Emulator, *, account: dict[str, Any] | None = None, **options: Any
) -> SpotClient:
    key, secret = keys(ex, **(account or {}))
    return SpotClient(key, secret, base_url=ex.url, **options)


class FaultAfterSend(httpx.BaseTransport):
    """A real transport that loses the first request to ``path`` (or none, to just record).

    ``deliver=True``: the request reaches the server (and is acted on), then the client sees
    ``fault``; ``deliver=False``: the request is dropped before it is sent. Every request is
    recorded as ``(path, body)``. ``jitter`` delays each request by up to that many seconds
    before it goes out, as a network would (so that concurrent requests can overtake each
    other). ``then`` runs once, after the lost request reached the server (or was dropped) and
    before the client sees the fault: what else happens on the exchange meanwhile. It blocks
    the calling thread (use it with the ``background`` emulator).
    """

    def __init__(
        self,
        path: str = "",
        fault: Exception | None = None,
        *,
        deliver: bool = True,
        jitter: float = 0.0,
        then: Callable[[], object] | None = None,
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.jitter = jitter
        self.path = path
        self.fault = fault
        self.deliver = deliver
        self.then = then
        self.sent: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def _take_fault(self, request: httpx.Request) -> Exception | None:
        with self._lock:
            self.sent.append((request.url.path, request.read()))
            fault = self.fault if request.url.path == self.path else None
            if fault is not None:
                self.fault = None
            return fault

    def lose(self, fault: Exception) -> Exception:
        if self.then is not None:
            self.then()
        return fault

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._take_fault(request)
        if fault is not None and not self.deliver:
            raise self.lose(fault)
        time.sleep(random.uniform(0, self.jitter))
        response = self.inner.handle_request(request)
        if fault is not None:
            response.read()
            response.close()
            raise self.lose(fault)
        return response

    def close(self) -> None:
        self.inner.close()

    def paths(self) -> list[str]:
        return [path for path, _ in self.sent]


class AsyncFaultAfterSend(httpx.AsyncBaseTransport):
    """:class:`FaultAfterSend` for the async client."""

    def __init__(
        self,
        path: str = "",
        fault: Exception | None = None,
        *,
        deliver: bool = True,
        jitter: float = 0.0,
        then: Callable[[], object] | None = None,
    ) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.recorder = FaultAfterSend(path, fault, deliver=deliver, jitter=jitter, then=then)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fault = self.recorder._take_fault(request)
        if fault is not None and not self.recorder.deliver:
            raise self.recorder.lose(fault)
        await asyncio.sleep(random.uniform(0, self.recorder.jitter))
        response = await self.inner.handle_async_request(request)
        if fault is not None:
            await response.aread()
            await response.aclose()
            raise self.recorder.lose(fault)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
        self.recorder.close()

    def paths(self) -> list[str]:
        return self.recorder.paths()


class Driven:
    """A SpotClient, or an AsyncSpotClient run on its own event loop: called the same way."""

    def __init__(
        self,
        kind: str,
        ex: Emulator,
        key: str | None,
        secret: str | None,
        *,
        lose: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        """``lose``: arguments of :class:`FaultAfterSend`; ``options``: the client's."""
        self.runner: asyncio.Runner | None = None
        self.client: SpotClient | AsyncSpotClient
        if kind == "sync":
            self.transport: Any = FaultAfterSend(**(lose or {}))
            self.client = SpotClient(
                key, secret, base_url=ex.url, transport=self.transport, **options
            )
        else:
            self.transport = AsyncFaultAfterSend(**(lose or {}))
            self.runner = asyncio.Runner()
            self.client = AsyncSpotClient(
                key, secret, base_url=ex.url, transport=self.transport, **options
            )

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        runner = self.runner
        if runner is None:
            return method  # type: ignore[no-any-return]
        return lambda *args, **kwargs: runner.run(method(*args, **kwargs))

    def sent(self, path: str) -> list[Any]:
        """The bodies of every request to ``path``, decoded."""
        recorder = self.transport if self.runner is None else self.transport.recorder
        out: list[Any] = []
        for sent_path, body in recorder.sent:
            if sent_path == path:
                text = body.decode()
                out.append(json.loads(text) if text.startswith("{") else text)
        return out

    def paths(self) -> list[str]:
        return self.transport.paths()  # type: ignore[no-any-return]

    def close(self) -> None:
        if isinstance(self.client, SpotClient):
            self.client.close()
        elif self.runner is not None:
            self.runner.run(self.client.aclose())
            self.runner.close()


class Clock:
    """A settable clock for an emulator (history at chosen times)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
