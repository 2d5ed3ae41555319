"""python-kraken-sdk's SpotWSClient and order book client against the emulator's v2 feeds.

Only URLs change: the WebSocket endpoint (``ws_url``, or the endpoint attribute of the order book
client, which takes no URL argument) and the REST URL its book client reads AssetPairs from. The
SDK parses JSON floats and re-renders them at AssetPairs precision to check every checksum, so
this proves our v2 numbers and checksums agree with an independent implementation.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kraken.spot import Market, SpotOrderBookClient, SpotWSClient

from krakenkit.emulator import Emulator, ExchangeConfig


class _Books(SpotOrderBookClient):
    def __init__(self, depth: int) -> None:
        super().__init__(depth=depth)
        self.updates = 0
        self.errors: list[Any] = []

    async def on_book_update(self, pair: str, message: dict[str, Any]) -> None:
        if "error" in message:
            self.errors.append(message)
        else:
            self.updates += 1


def _point_at(client: SpotWSClient, ex: Emulator) -> None:
    conn = client._pub_conn
    assert conn is not None
    conn._ConnectSpotWebsocketBase__ws_endpoint = ex.ws_v2_url  # type: ignore[attr-defined]


async def test_sdk_book_client_validates_every_checksum() -> None:
    config = ExchangeConfig(market_interval=0.02, activity=3.0)
    # its own thread: the SDK's book client reads AssetPairs with a blocking HTTP call
    with Emulator.background(config=config) as ex:
        books = _Books(depth=10)
        _point_at(books, ex)
        books._SpotOrderBookClient__market = Market(url=ex.url)  # type: ignore[attr-defined]
        deep = _Books(depth=100)
        _point_at(deep, ex)
        deep._SpotOrderBookClient__market = Market(url=ex.url)  # type: ignore[attr-defined]
        for client in (books, deep):
            await client.start()
            await client.add_book(pairs=["BTC/USD", "ETH/USD"])
        await asyncio.sleep(4)
        for client in (books, deep):
            await client.close()
        assert books.errors == []
        assert deep.errors == []
        assert books.updates > 50
        assert deep.updates > 50
        mine = books.get("BTC/USD")
        assert mine is not None
        assert len(mine["bid"]) == 10
        assert len(mine["ask"]) == 10


async def test_sdk_ws_client_receives_trades_and_tickers() -> None:
    async with Emulator(config=ExchangeConfig(market_interval=0.02, activity=3.0)) as ex:
        seen: list[dict[str, Any]] = []

        async def on_message(message: dict[str, Any]) -> None:
            seen.append(message)

        client = SpotWSClient(callback=on_message, ws_url=f"ws://{ex.host}:{ex.port}")
        await client.start()
        await client.subscribe(params={"channel": "trade", "symbol": ["BTC/USD"]})
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await asyncio.sleep(3)
        await client.close()
        acks = [m for m in seen if m.get("method") == "subscribe"]
        assert len(acks) == 2
        assert all(a["success"] for a in acks)
        trades = [t for m in seen if m.get("channel") == "trade" for t in m["data"]]
        assert trades
        assert all(t["symbol"] == "BTC/USD" for t in trades)
        assert any(m.get("channel") == "ticker" for m in seen)
        assert not client.exception_occur
