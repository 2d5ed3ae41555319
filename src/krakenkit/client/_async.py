"""The asyncio send loop: :class:`AsyncSpotClient` (exported from :mod:`krakenkit.client.spot`).

The same client as :class:`~krakenkit.client.spot.SpotClient` (not a subclass of it): the endpoint
methods return awaitables, sleeps are ``asyncio.sleep`` and the per-key nonce lock is an
``asyncio.Lock``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Coroutine, Mapping
from types import TracebackType
from typing import Any, Literal, Unpack

import httpx

from krakenkit.client._account import AccountMethods, Time
from krakenkit.client._base import (
    CLIENT_DOC,
    SpotBase,
    SpotOptions,
    http_settings,
    key_lock,
    translate_httpx,
)
from krakenkit.client._funding import FundingMethods
from krakenkit.client._market import Interval, MarketMethods
from krakenkit.client._paging import OffsetPages, SincePages
from krakenkit.client._reconcile import arun_plan, reconcile_plan
from krakenkit.client._retry import Decision
from krakenkit.client._trading import TradingMethods
from krakenkit.client.deadman import AsyncDeadMansSwitch
from krakenkit.protocol.endpoints import SPOT_BY_NAME, Endpoint
from krakenkit.protocol.errors import KrakenError

__all__ = ["AsyncSpotClient"]

Pending = Coroutine[Any, Any, Any]


class AsyncSpotClient(
    SpotBase,
    MarketMethods[Pending],
    AccountMethods[Pending],
    TradingMethods[Pending],
    FundingMethods[Pending],
):
    __doc__ = "An asyncio Kraken spot REST client (one event loop).\n" + CLIENT_DOC

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        timeout: float | httpx.Timeout = 10.0,
        proxy: str | None = None,
        max_connections: int = 20,
        keepalive: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Unpack[SpotOptions],
    ) -> None:
        super().__init__(api_key, api_secret, **options)
        settings = http_settings(
            timeout=timeout,
            proxy=proxy,
            max_connections=max_connections,
            keepalive=keepalive,
            user_agent=self.user_agent,
        )
        self._http = httpx.AsyncClient(transport=transport, **settings)
        self._nonce_lock = asyncio.Lock()
        self._key_lock = key_lock(self.credentials.key if self.credentials else "")
        self._pairs_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncSpotClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- generic entry points ----------------------------------------------------------------

    async def call(
        self, name: str, params: Mapping[str, Any] | None = None, /, **kwargs: Any
    ) -> Any:
        """Any spot endpoint by Kraken's name (``"AddOrder"``, ``"Earn/Strategies"``)."""
        return await self._call(name, {**(params or {}), **kwargs})

    async def request(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, *, json: bool = False
    ) -> Any:
        """Escape hatch: ``await request("POST", "/0/private/NewThing", {...})``."""
        endpoint = self._raw_endpoint(method, path, json=json)
        return await self._run(endpoint, dict(params or {}))

    # -- the send loop -----------------------------------------------------------------------

    def dead_mans_switch(self, *, timeout: int = 60, every: float = 15) -> AsyncDeadMansSwitch:
        """A keeper of CancelAllOrdersAfter: ``async with client.dead_mans_switch(): ...``."""
        return AsyncDeadMansSwitch(self, timeout=timeout, every=every)

    def _call(self, name: str, args: Mapping[str, Any]) -> Pending:
        return self._call_async(name, dict(args))

    async def _call_async(self, name: str, args: Mapping[str, Any]) -> Any:
        endpoint, params = self._prepare(name, args)
        return await self._run(endpoint, params)

    async def _run(self, endpoint: Endpoint, params: dict[str, Any]) -> Any:
        if self._wants_pairs(endpoint, params, time.monotonic()):
            await self._load_pairs()
        params = self._render(endpoint, params)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send(endpoint, params)
            except KrakenError as exc:
                decision = self.retry.decide(endpoint, params, exc, attempt, time.time())
                if decision is Decision.RAISE:
                    raise
                await asyncio.sleep(self.retry.delay(attempt, exc, time.time(), self._rng))
                if decision is Decision.RECONCILE:
                    found = await self._reconcile(endpoint, params, exc)
                    if found is not None:
                        return found

    async def _reconcile(
        self, endpoint: Endpoint, params: Mapping[str, Any], original: KrakenError
    ) -> Any:
        names = self._pair_names(str(params.get("pair", "")))
        plan = reconcile_plan(endpoint.name, params, original, pair_names=names)
        return await arun_plan(
            plan, lambda name, query: self._run(SPOT_BY_NAME[name], query), original
        )

    async def _send(self, endpoint: Endpoint, params: Mapping[str, Any]) -> Any:
        if endpoint.auth and self.nonce_window == 0:
            async with self._nonce_lock:  # this client's tasks, in turn
                # and then the key's process-wide lock, which sync clients in threads also take;
                # polled, so the event loop never blocks on a thread's request
                while not self._key_lock.acquire(blocking=False):
                    await asyncio.sleep(0.0002)
                try:
                    return await self._send_now(endpoint, params)
                finally:
                    self._key_lock.release()
        return await self._send_now(endpoint, params)

    async def _send_now(self, endpoint: Endpoint, params: Mapping[str, Any]) -> Any:
        if self.pacer is not None:
            charges = self.pacer.charges(endpoint, params, time.monotonic())
            while (wait := self.pacer.reserve(charges, time.monotonic())) > 0:
                await asyncio.sleep(wait)
        request = self._build(endpoint, params, self._next_nonce() if endpoint.auth else None)
        try:
            response = await self._http.request(
                request.method, request.url, content=request.content, headers=request.headers
            )
        except httpx.HTTPError as exc:
            raise translate_httpx(exc, endpoint.path) from exc
        result = self._decode(endpoint, response, time.time())
        if self.pacer is not None:
            self.pacer.note_result(endpoint, params, result, time.monotonic())
        return result

    async def _load_pairs(self) -> None:
        async with self._pairs_lock:
            now = time.monotonic()
            if not self._pairs_due(now):
                return
            self._store_pairs(await self._run(SPOT_BY_NAME["AssetPairs"], {}), now)

    # -- pagination --------------------------------------------------------------------------

    async def iter_closed_orders(
        self,
        *,
        trades: bool | None = None,
        userref: int | None = None,
        cl_ord_id: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        closetime: Literal["open", "close", "both"] | None = None,
    ) -> AsyncIterator[tuple[str, Any]]:
        """Every closed order as ``(txid, order)``, newest first, page by page."""
        async for item in self._offset_pages("ClosedOrders", "closed", locals()):
            yield item

    async def iter_trades_history(
        self,
        *,
        type: str | None = None,
        trades: bool | None = None,
        start: Time | None = None,
        end: Time | None = None,
        ledgers: bool | None = None,
    ) -> AsyncIterator[tuple[str, Any]]:
        """Every own trade as ``(txid, trade)``, newest first."""
        async for item in self._offset_pages("TradesHistory", "trades", locals()):
            yield item

    async def iter_ledgers(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        type: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
    ) -> AsyncIterator[tuple[str, Any]]:
        """Every ledger entry as ``(id, entry)``, newest first."""
        async for item in self._offset_pages("Ledgers", "ledger", locals()):
            yield item

    async def iter_ohlc(
        self, *, pair: str, interval: Interval | None = None, since: int | str | None = None
    ) -> AsyncIterator[list[Any]]:
        """Committed candles after ``since`` (the open candle excluded), oldest first."""
        endpoint, params = self._prepare("OHLC", {"pair": pair, "interval": interval})
        pages = SincePages("ohlc", since)
        while not pages.done:
            for row in pages.feed(await self._run(endpoint, {**params, **pages.params()})):
                yield row

    async def iter_trades(
        self, *, pair: str, since: int | str | None = None, count: int | None = None
    ) -> AsyncIterator[list[Any]]:
        """Public trades after ``since``, oldest first, until caught up."""
        endpoint, params = self._prepare("Trades", {"pair": pair, "count": count})
        pages = SincePages("trades", since, count)
        while not pages.done:
            for row in pages.feed(await self._run(endpoint, {**params, **pages.params()})):
                yield row

    async def _offset_pages(
        self, name: str, key: Literal["closed", "trades", "ledger"], args: Mapping[str, Any]
    ) -> AsyncIterator[tuple[str, Any]]:
        endpoint, params = self._prepare(name, args)
        pages = OffsetPages(key)
        while not pages.done:
            for item in pages.feed(await self._run(endpoint, {**params, **pages.params()})):
                yield item
