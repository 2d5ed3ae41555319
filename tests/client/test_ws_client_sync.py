"""SyncSpotWebSocket: the blocking front, against an emulator running on its own thread."""

from __future__ import annotations

import queue
from decimal import Decimal

import pytest

from krakenkit import SyncSpotWebSocket
from krakenkit.client import BookSynced, ConnectLimiter
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import ConnectError, UnknownOrder
from krakenkit.protocol.ws_messages import ChannelMessage


def _drain(ws: SyncSpotWebSocket) -> list[object]:
    out: list[object] = []
    try:
        while True:
            out.append(ws.recv(timeout=0.3))
    except queue.Empty:
        return out


def test_sync_book_ticker_and_trading(background: Emulator) -> None:
    account = background.add_account({"ZUSD": 100_000}, rate_limits=False)
    with SyncSpotWebSocket(
        background.ws_v2_url,
        api_key=account.api_key,
        api_secret=account.api_secret,
        rest_url=background.url,
        limiter=ConnectLimiter(1000, 60),
    ) as ws:
        ws.subscribe("book", ["BTC/USD"], depth=10)
        synced = next(m for m in ws if isinstance(m, BookSynced))
        assert synced.symbol == "BTC/USD"
        bids, asks = ws.levels("BTC/USD")
        assert (bids, asks) == (ws.book("BTC/USD").bids(), ws.book("BTC/USD").asks())
        added = ws.add_order(
            order_type="limit",
            side="buy",
            order_qty=Decimal("0.5"),
            symbol="BTC/USD",
            limit_price=Decimal("30000.0"),
        )
        update = next(m for m in ws if isinstance(m, ChannelMessage) and m.type == "update")
        assert update.channel == "book"
        assert ws.levels("BTC/USD", 1)[0] == [(Decimal("30000.0"), Decimal("0.5"))]
        assert len(ws.cancel_order(order_id=[added.result["order_id"]])) == 1
        with pytest.raises(UnknownOrder):
            ws.cancel_order(order_id=[added.result["order_id"]])
        assert any(isinstance(m, ChannelMessage) for m in _drain(ws))
        with pytest.raises(queue.Empty):
            ws.recv(timeout=0.1)
    assert list(ws) == []


def test_sync_connect_failure_raises() -> None:
    with pytest.raises(ConnectError):
        SyncSpotWebSocket("ws://127.0.0.1:9/v2", open_timeout=1).connect()
