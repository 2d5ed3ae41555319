"""v2 level3 (authenticated): order-by-order snapshot and add/modify/delete updates.

The test keeps its own order-level book from the messages and recomputes Kraken's level3
checksum (orders of the ten best levels per side in queue order, asks first) independently of
the emulator's code, then compares the book with the engine's queues.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

from krakenkit import AsyncSpotClient
from krakenkit.emulator import Emulator
from tests.emulator.ws.test_ws_book_consistency import PAIR, _trade_randomly

Side = dict[str, tuple[Decimal, Decimal]]  # order id -> (price, qty), in arrival order


def _apply(side: Side, events: list[dict[str, Any]]) -> None:
    for e in events:
        if e["event"] == "delete":
            side.pop(e["order_id"], None)
        elif e["event"] == "add":
            side[e["order_id"]] = (e["limit_price"], e["order_qty"])
        else:  # modify keeps the queue position
            side[e["order_id"]] = (e["limit_price"], e["order_qty"])


def _levels(side: Side, *, bids: bool) -> list[list[tuple[str, Decimal, Decimal]]]:
    prices = sorted({p for p, _ in side.values()}, reverse=bids)
    return [[(o, p, q) for o, (p, q) in side.items() if p == price] for price in prices]


def _checksum(asks: Side, bids: Side) -> int:
    text = ""
    for side, is_bids in ((asks, False), (bids, True)):
        for level in _levels(side, bids=is_bids)[:10]:
            for _, price, qty in level:
                text += f"{price:f}".replace(".", "").lstrip("0")
                text += f"{qty:f}".replace(".", "").lstrip("0")
    return zlib.crc32(text.encode())


async def test_level3_follows_the_engine_order_by_order(quiet: Emulator, connect: Any) -> None:
    await _trade_randomly(quiet, 40, seed=5)
    async with AsyncSpotClient(quiet.api_key, quiet.api_secret, base_url=quiet.url) as client:
        token = (await client.get_websockets_token())["token"]
    feed = await connect(quiet.ws_v2_url)
    await feed.recv()
    params = {"channel": "level3", "symbol": ["BTC/USD"], "depth": 10}
    await feed.send({"method": "subscribe", "params": params})
    refused = await feed.recv()
    assert refused["error"] == "ESession:Invalid session"
    await feed.send({"method": "subscribe", "params": {**params, "token": token}})
    ack = await feed.recv()
    assert ack["success"] is True
    assert ack["result"]["depth"] == 10
    snapshot = (await feed.recv())["data"][0]
    asks: Side = {o["order_id"]: (o["limit_price"], o["order_qty"]) for o in snapshot["asks"]}
    bids: Side = {o["order_id"]: (o["limit_price"], o["order_qty"]) for o in snapshot["bids"]}
    assert _checksum(asks, bids) == snapshot["checksum"]
    await _trade_randomly(quiet, 150, seed=6)
    updates = 0
    for message in await feed.drain():
        if message.get("channel") != "level3":
            continue
        data = message["data"][0]
        _apply(asks, data["asks"])
        _apply(bids, data["bids"])
        assert _checksum(asks, bids) == data["checksum"]
        updates += 1
    assert updates > 10
    assert quiet.exchange is not None
    book = quiet.exchange.engine.books[PAIR]
    for side, mine, is_bids in ((book.bids, bids, True), (book.asks, asks, False)):
        engine_levels = [
            [(o.txid, o.limit_price, o.visible) for o in side.levels[p] if o.visible > 0]
            for p in list(side.prices())[:10]
        ]
        assert _levels(mine, bids=is_bids) == engine_levels
