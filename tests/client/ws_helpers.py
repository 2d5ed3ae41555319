"""Helpers for the streaming client tests: engine-side book changes and waiting for the client."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from krakenkit import SpotWebSocket
from krakenkit.client import ConnectLimiter
from krakenkit.emulator import Emulator
from krakenkit.emulator.engine import OrderRequest, PriceSpec

PAIR = "XXBTZUSD"


def engine_top(ex: Emulator, depth: int) -> tuple[list[tuple[Decimal, Decimal]], ...]:
    """The engine's ``depth`` best bids and asks (what a synced local book must hold)."""
    assert ex.exchange is not None
    book = ex.exchange.engine.books[PAIR]
    return book.bids.depth(depth), book.asks.depth(depth)


def change_book(ex: Emulator, steps: int, seed: int) -> None:
    """Place, cancel and cross orders straight on the engine (many levels, both sides)."""
    assert ex.exchange is not None
    exchange = ex.exchange
    account = exchange.create_account({"ZUSD": 10**9, "XXBT": 10**5}, rate_limits=False)
    pair = exchange.catalogue.pair(PAIR)
    engine = exchange.engine
    rng = random.Random(seed)
    for _ in range(steps):
        mine = list(engine.open_orders.get(account, {}).values())
        if rng.random() < 0.7 or not mine:
            side = rng.choice(("buy", "sell"))
            offset = rng.randint(1, 100)
            price = 50_000 - offset if side == "buy" else 50_000 + offset
            if rng.random() < 0.1:
                price = 50_200 if side == "buy" else 49_800  # crosses: fills
            request = OrderRequest(
                pair=pair,
                side=side,
                ordertype="limit",
                volume=Decimal(rng.randint(1, 50)) / 100,
                price=PriceSpec("", Decimal(price) + Decimal(rng.randint(0, 9)) / 10),
            )
            engine.place(account, request, now=exchange.clock())
        else:
            engine.cancel(account, rng.choice(mine).txid, now=exchange.clock())


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds (the client applies what the server sent meanwhile)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def book_matches(ws: SpotWebSocket, symbol: str, ex: Emulator, depth: int) -> bool:
    book = ws.book(symbol)
    bids, asks = engine_top(ex, depth)
    return ws.book_synced(symbol) and (book.bids(), book.asks()) == (bids, asks)


async def next_of(ws: SpotWebSocket, kind: type[Any], timeout: float = 5.0, **fields: Any) -> Any:
    """The next stream item of type ``kind`` whose attributes equal ``fields``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        item = await ws.recv(max(0.01, end - loop.time()))
        if isinstance(item, kind) and all(getattr(item, k) == v for k, v in fields.items()):
            return item


async def drop_connections(ex: Emulator, version: str | None = None) -> int:
    """POST /_emulator/ws/drop: cut WebSocket connections as a network failure would."""
    body = {} if version is None else {"version": version}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{ex.url}/_emulator/ws/drop", json=body)
    response.raise_for_status()
    dropped: int = response.json()["dropped"]
    return dropped


def client(ex: Emulator, *, private: bool = False, **options: Any) -> SpotWebSocket:
    """A v2 client of ``ex`` (with a fresh funded account when ``private``)."""
    keys: dict[str, Any] = {}
    if private:
        account = ex.add_account({"ZUSD": 1_000_000, "XXBT": 10}, rate_limits=False)
        keys = {"api_key": account.api_key, "api_secret": account.api_secret}
    options.setdefault("limiter", ConnectLimiter(1000, 60))  # tests must not share a budget
    return SpotWebSocket(ex.ws_v2_url, rest_url=ex.url, **keys, **options)
