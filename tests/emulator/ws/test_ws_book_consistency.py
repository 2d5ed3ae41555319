"""Book feeds follow the engine: every subscriber holds exactly its top levels, checksums verify.

Orders are placed, amended, filled and cancelled directly on the engine (same event loop as the
server), between which v1 and v2 subscribers at several depths receive the deltas over real
WebSockets and apply them with krakenkit's OrderBook, which checks every checksum.
"""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from krakenkit import OrderBook
from krakenkit.emulator import Emulator
from krakenkit.emulator.engine import OrderRequest, PriceSpec
from tests.emulator.ws.conftest import Feed

PAIR = "XXBTZUSD"


def _engine_top(ex: Emulator, depth: int) -> tuple[list[tuple[Decimal, Decimal]], ...]:
    assert ex.exchange is not None
    book = ex.exchange.engine.books[PAIR]
    return book.bids.depth(depth), book.asks.depth(depth)


async def _trade_randomly(ex: Emulator, steps: int, seed: int) -> None:
    assert ex.exchange is not None
    exchange = ex.exchange
    account = exchange.create_account({"ZUSD": 10**9, "XXBT": 10**5}, rate_limits=False)
    pair = exchange.catalogue.pair(PAIR)
    rng = random.Random(seed)
    engine = exchange.engine
    mid = 50_000
    for step in range(steps):
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            mine = list(engine.open_orders.get(account, {}).values())
            if roll < 0.55 or not mine:
                side = rng.choice(("buy", "sell"))
                offset = rng.randint(1, 150)  # 150 ticks of 0.1: many levels beyond depth 10/25
                price = mid - offset if side == "buy" else mid + offset
                if rng.random() < 0.1:  # crossing: fills against the other side
                    price = mid + 200 if side == "buy" else mid - 200
                volume = Decimal(rng.randint(1, 50)) / 100
                request = OrderRequest(
                    pair=pair,
                    side=side,
                    ordertype="limit",
                    volume=volume,
                    price=PriceSpec("", Decimal(price) + Decimal(rng.randint(0, 9)) / 10),
                )
                engine.place(account, request, now=exchange.clock())
            elif roll < 0.9:
                engine.cancel(account, rng.choice(mine).txid, now=exchange.clock())
            else:
                order = rng.choice(mine)
                engine.amend(
                    account,
                    order.txid,
                    order_qty=order.volume + Decimal("0.01"),
                    display_qty=None,
                    limit_price=None,
                    trigger_price=None,
                    post_only=False,
                    now=exchange.clock(),
                )
        if step % 3 == 0:
            await asyncio.sleep(0)  # let the hub flush some batches separately


async def _v2_book(feed: Feed, depth: int) -> OrderBook:
    book = OrderBook("BTC/USD", depth, 1, 8)
    await feed.recv()  # status
    await feed.send(
        {
            "method": "subscribe",
            "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": depth},
        }
    )
    ack = await feed.recv()
    assert ack["success"] is True, ack
    book.apply_v2(await feed.recv())
    return book


async def _v1_book(feed: Feed, depth: int) -> OrderBook:
    book = OrderBook("XBT/USD", depth, 1, 8)
    await feed.recv()  # systemStatus
    await feed.send(
        {
            "event": "subscribe",
            "pair": ["XBT/USD"],
            "subscription": {"name": "book", "depth": depth},
        }
    )
    status = await feed.recv()
    assert status["status"] == "subscribed", status
    book.apply_v1(await feed.recv())
    return book


async def test_books_equal_engine_at_every_depth(quiet: Emulator, connect) -> None:  # type: ignore[no-untyped-def]
    # seed a deep book first so that depth 10 and 25 views have levels beyond them
    await _trade_randomly(quiet, 60, seed=1)
    depths = (10, 25, 100, 1000)
    v2 = {d: (await connect(quiet.ws_v2_url)) for d in depths}
    v1 = {d: (await connect(quiet.ws_url)) for d in depths}
    books2 = {d: await _v2_book(v2[d], d) for d in depths}
    books1 = {d: await _v1_book(v1[d], d) for d in depths}
    await _trade_randomly(quiet, 400, seed=2)
    for d in depths:
        for message in await v2[d].drain():
            if message.get("channel") == "book":
                books2[d].apply_v2(message)  # raises ChecksumMismatch on any disagreement
        for message in await v1[d].drain():
            if isinstance(message, list):
                books1[d].apply_v1(message)
        bids, asks = _engine_top(quiet, d)
        assert (books2[d].bids(), books2[d].asks()) == (bids, asks), d
        assert (books1[d].bids(), books1[d].asks()) == (bids, asks), d
        assert len(bids) == min(d, len(quiet.exchange.engine.books[PAIR].bids))  # type: ignore[union-attr]


async def test_v1_republishes_levels_that_come_back_into_view(quiet: Emulator, connect) -> None:  # type: ignore[no-untyped-def]
    await _trade_randomly(quiet, 60, seed=3)
    feed = await connect(quiet.ws_url)
    book = await _v1_book(feed, 10)
    assert quiet.exchange is not None
    engine = quiet.exchange.engine
    best = engine.books[PAIR].bids.best()
    for orders in list(engine.books[PAIR].bids.levels[best]):  # type: ignore[index]
        engine.cancel(orders.account_id, orders.txid, now=quiet.exchange.clock())
    update = await feed.recv()
    entries = update[1]["b"]
    assert entries[0][1] == "0.00000000"
    assert entries[-1][3] == "r"  # the level that entered depth 10 from below
    book.apply_v1(update)
    assert book.bids() == _engine_top(quiet, 10)[0]


async def test_both_sides_in_one_update_are_two_dicts(quiet: Emulator, connect) -> None:  # type: ignore[no-untyped-def]
    await _trade_randomly(quiet, 30, seed=4)
    feed = await connect(quiet.ws_url)
    book = await _v1_book(feed, 10)
    assert quiet.exchange is not None
    exchange = quiet.exchange
    account = exchange.create_account({"ZUSD": 10**7, "XXBT": 100}, rate_limits=False)
    pair = exchange.catalogue.pair(PAIR)
    bid = exchange.engine.books[PAIR].bids.best()
    ask = exchange.engine.books[PAIR].asks.best()
    assert bid is not None
    assert ask is not None
    for side, price in (("buy", bid), ("sell", ask)):
        request = OrderRequest(
            pair=pair, side=side, ordertype="limit", volume=Decimal(1), price=PriceSpec("", price)
        )
        exchange.engine.place(account, request, now=exchange.clock())
    update = await feed.recv()
    assert len(update) == 5
    assert "a" in update[1]
    assert "b" in update[2]
    assert "c" not in update[1]
    assert isinstance(update[2]["c"], str)
    book.apply_v1(update)


async def test_churn_load_keeps_every_subscriber_exact(quiet: Emulator, connect) -> None:  # type: ignore[no-untyped-def]
    import httpx

    feeds = [await connect(quiet.ws_v2_url) for _ in range(4)]
    books = [
        await _v2_book(feed, depth) for feed, depth in zip(feeds, (10, 25, 100, 10), strict=True)
    ]
    async with httpx.AsyncClient(base_url=quiet.url) as http:
        body = {"rate": 800, "seconds": 1.5, "pairs": ["XBT/USD"]}
        assert (await http.post("/_emulator/churn", json=body)).json()["started"] is True
        await asyncio.sleep(1.8)
        churned = (await http.get("/_emulator/churn")).json()
    assert churned["running"] is False
    assert churned["ops"] > 800
    for feed, book in zip(feeds, books, strict=True):
        for message in await feed.drain():
            if message.get("channel") == "book":
                book.apply_v2(message)
        bids, asks = _engine_top(quiet, book.depth)
        assert (book.bids(), book.asks()) == (bids, asks)
