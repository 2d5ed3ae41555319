"""SpotWebSocket against a real emulator: public channels, local books, checksum resync, v1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from krakenkit import SpotWebSocket
from krakenkit.client import BookStale, BookSynced, Connected, ConnectLimiter
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import APIError
from krakenkit.protocol.ws_messages import ChannelMessage, Response, Status
from tests.client.ws_helpers import (
    book_matches,
    change_book,
    client,
    engine_top,
    eventually,
    next_of,
)


async def test_connect_reports_status_and_connected(emulator: Emulator) -> None:
    async with client(emulator) as ws:
        assert ws.connected
        assert isinstance(await next_of(ws, Connected), Connected)
        await eventually(lambda: ws.system_status == "online")
    assert not ws.connected


async def test_books_equal_engine_top_levels(emulator: Emulator) -> None:
    change_book(emulator, 80, seed=1)
    async with client(emulator) as ws:
        await ws.subscribe("book", ["BTC/USD"], depth=10)
        await ws.subscribe("book", ["ETH/USD"], depth=25)
        book = await ws.wait_book("BTC/USD")
        assert (book.price_decimals, book.qty_decimals) == (1, 8)  # from the instrument channel
        assert book_matches(ws, "BTC/USD", emulator, 10)
        change_book(emulator, 300, seed=2)  # every update is checksum-checked by the client
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))
        assert len(ws.book("BTC/USD").bids()) == 10
        assert ws.book_synced("ETH/USD")


async def test_typed_messages_carry_decimals(emulator: Emulator) -> None:
    change_book(emulator, 20, seed=3)
    async with client(emulator) as ws:
        await ws.subscribe("ticker", ["BTC/USD"])
        ticker = await next_of(ws, ChannelMessage, channel="ticker")
        assert ticker.type == "snapshot"
        entry = ticker.data[0]
        assert entry["symbol"] == "BTC/USD"
        bids, asks = engine_top(emulator, 1)
        assert (entry["bid"], entry["ask"]) == (bids[0][0], asks[0][0])
        assert isinstance(entry["bid_qty"], Decimal)


async def test_subscribe_unsubscribe_resubscribe(emulator: Emulator) -> None:
    async with client(emulator) as ws:
        await ws.subscribe("trade", ["BTC/USD"], snapshot=True)
        await ws.subscribe("ohlc", ["BTC/USD"], interval=5)
        await ws.subscribe("instrument")
        instrument = await next_of(ws, ChannelMessage, channel="instrument")
        assert any(p["symbol"] == "BTC/USD" for p in instrument.data[0]["pairs"])
        await ws.unsubscribe("trade", ["BTC/USD"], snapshot=True)
        await ws.unsubscribe("instrument")
        with pytest.raises(APIError, match="Subscription Not Found"):
            await ws.unsubscribe("trade", ["BTC/USD"])
        await ws.subscribe("trade", ["BTC/USD"])  # again, after the unsubscribe
        await ws.subscribe("book", ["BTC/USD"])
        await ws.wait_book("BTC/USD")
        await ws.unsubscribe("book", ["BTC/USD"])
        with pytest.raises(KeyError):
            ws.book("BTC/USD")


async def test_refused_subscription_raises_and_is_not_kept(emulator: Emulator) -> None:
    async with client(emulator) as ws:
        with pytest.raises(APIError, match="Currency pair not supported"):
            await ws.subscribe("ticker", ["BTC/USD", "NOPE/USD"])
        with pytest.raises(APIError, match="Invalid depth"):
            await ws.subscribe("book", ["BTC/USD"], depth=7)
        with pytest.raises(KeyError):
            ws.book("BTC/USD")
        await ws.unsubscribe("ticker", ["BTC/USD"])  # the good symbol was subscribed


async def test_checksum_mismatch_resubscribes_the_symbol(emulator: Emulator) -> None:
    change_book(emulator, 60, seed=4)
    async with client(emulator) as ws:
        await ws.subscribe("book", ["BTC/USD"], depth=10)
        book = await ws.wait_book("BTC/USD")
        # Tamper with the local book: a wrong quantity on the best bid, no checksum to catch it.
        price, qty = book.bids()[0]
        wrong = {"symbol": "BTC/USD", "bids": [{"price": price, "qty": qty + 1}], "asks": []}
        book.apply_v2({"type": "update", "data": [wrong]})
        change_book(emulator, 5, seed=5)  # the next real update disagrees with the checksum
        stale = await next_of(ws, BookStale, symbol="BTC/USD")
        assert stale.reason == "checksum"
        synced = await next_of(ws, BookSynced, symbol="BTC/USD")
        assert synced.resync is True
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))


async def test_corrupted_frame_resyncs(emulator: Emulator) -> None:
    """A frame damaged on the way (checksum changed) makes the client fetch a new snapshot."""
    change_book(emulator, 60, seed=6)
    async with client(emulator) as ws:
        await ws.subscribe("book", ["BTC/USD"], depth=10)
        await ws.wait_book("BTC/USD")
        original = ws._on_frame
        damaged = []

        def corrupt(frame: str | bytes) -> None:
            text = frame if isinstance(frame, str) else frame.decode()
            if not damaged and '"channel":"book","type":"update"' in text:
                damaged.append(text)
                text = text.replace('"checksum":', '"checksum":1', 1)
            original(text)

        ws._on_frame = corrupt  # type: ignore[method-assign]
        change_book(emulator, 5, seed=7)
        assert (await next_of(ws, BookStale, symbol="BTC/USD")).reason == "checksum"
        await next_of(ws, BookSynced, symbol="BTC/USD")
        change_book(emulator, 50, seed=8)
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))
        assert damaged


async def test_on_message_callback_without_stream(emulator: Emulator) -> None:
    seen: list[object] = []
    async with client(emulator, on_message=seen.append, stream=False) as ws:
        await ws.subscribe("book", ["BTC/USD"])
        await ws.wait_book("BTC/USD")
        assert any(isinstance(m, Status) for m in seen)
        assert any(isinstance(m, BookSynced) for m in seen)
        assert ws._queue.empty()


async def test_v1_book_and_ticker(emulator: Emulator) -> None:
    change_book(emulator, 80, seed=9)
    limiter = ConnectLimiter(1000, 60)
    async with SpotWebSocket(emulator.ws_url, version="v1", limiter=limiter) as ws:
        await ws.subscribe("book", ["XBT/USD"], depth=10)
        await ws.subscribe("ticker", ["XBT/USD"])
        book = await ws.wait_book("XBT/USD")
        assert (book.bids(), book.asks()) == engine_top(emulator, 10)
        ticker = await next_of(ws, ChannelMessage, channel="ticker")
        assert ticker.symbol == "XBT/USD"
        assert Decimal(ticker.data[0]["b"][0]) == engine_top(emulator, 1)[0][0][0]
        change_book(emulator, 200, seed=10)
        await eventually(lambda: book_matches(ws, "XBT/USD", emulator, 10))
        await ws.unsubscribe("ticker", ["XBT/USD"])
        with pytest.raises(APIError):
            await ws.subscribe("book", ["XBT/USD"], depth=7)
        answers = await ws.request("ping-me", {})  # unknown events are answered with an error
        assert isinstance(answers[0], Response)
        assert answers[0].success is False
