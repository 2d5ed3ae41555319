"""Public WebSocket v1 and v2 against the running emulator: greetings, ping, errors, channels."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from krakenkit.emulator import Emulator
from tests.emulator.ws.conftest import Feed


async def _v1(connect: Any, ex: Emulator) -> Feed:
    feed: Feed = await connect(ex.ws_url)
    hello = await feed.recv()
    assert hello["event"] == "systemStatus"
    assert hello["status"] == "online"
    assert isinstance(hello["connectionID"], int)
    assert hello["version"]
    return feed


async def _v2(connect: Any, ex: Emulator) -> Feed:
    feed: Feed = await connect(ex.ws_v2_url)
    hello = await feed.recv()
    assert hello["channel"] == "status"
    assert hello["type"] == "update"
    assert hello["data"][0]["api_version"] == "v2"
    assert hello["data"][0]["system"] == "online"
    return feed


# -- v1 ---------------------------------------------------------------------------------------


async def test_v1_ping_and_heartbeat(quiet: Emulator, connect: Any) -> None:
    feed = await _v1(connect, quiet)
    await feed.send({"event": "ping", "reqid": 1693415329704})
    assert await feed.recv() == {"event": "pong", "reqid": 1693415329704}
    assert await feed.recv(timeout=3) == {"event": "heartbeat"}


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"event": "subscribe", "pair": ["XBT/USD"]}, "Subscription field must be an object"),
        (
            {"event": "subscribe", "pair": ["XBT/USD"], "subscription": {"name": "nope"}},
            "Subscription name invalid",
        ),
        (
            {"event": "subscribe", "pair": "XBT/USD", "subscription": {"name": "ticker"}},
            "Pair field must be an array",
        ),
        (
            {
                "event": "subscribe",
                "pair": ["XBT/USD"],
                "subscription": {"name": "book", "depth": 42},
            },
            "Subscription depth not supported",
        ),
        (
            {
                "event": "subscribe",
                "pair": ["XBT/USD"],
                "subscription": {"name": "book", "depth": "10"},
            },
            "Subscription book depth must be an integer",
        ),
        (
            {
                "event": "subscribe",
                "pair": ["XBT/USD"],
                "subscription": {"name": "ohlc", "interval": 2},
            },
            "Subscription ohlc interval not supported",
        ),
        (
            {
                "event": "subscribe",
                "pair": ["XBT/USD"],
                "subscription": {"name": "ohlc", "interval": "5"},
            },
            "Subscription ohlc interval must be an integer",
        ),
        (
            {"event": "subscribe", "pair": ["XBT/USD"], "subscription": {"name": "ticker", "x": 1}},
            "Subscription object unsupported field",
        ),
        (
            {"event": "subscribe", "pair": ["XBTUSD"], "subscription": {"name": "ticker"}},
            "Currency pair not in ISO 4217-A3 format",
        ),
        (
            {"event": "subscribe", "pair": ["ABC/XYZ"], "subscription": {"name": "ticker"}},
            "Pair(s) not found",
        ),
        (
            {"event": "subscribe", "pair": ["XBT/USD"], "subscription": {"name": "ownTrades"}},
            "Pair field unsupported for this subscription type",
        ),
        (
            {"event": "subscribe", "subscription": {"name": "ownTrades", "token": "bad"}},
            "ESession:Invalid session",
        ),
    ],
)
async def test_v1_subscription_errors(
    quiet: Emulator, connect: Any, request_: dict[str, Any], error: str
) -> None:
    feed = await _v1(connect, quiet)
    await feed.send({**request_, "reqid": 7})
    reply = await feed.recv()
    assert reply["event"] == "subscriptionStatus"
    assert reply["status"] == "error"
    assert reply["errorMessage"] == error
    assert reply["reqid"] == 7


async def test_v1_unknown_event_and_malformed(quiet: Emulator, connect: Any) -> None:
    feed = await _v1(connect, quiet)
    await feed.send({"event": "dance"})
    assert await feed.recv() == {"errorMessage": "Event(s) not found", "event": "error"}
    await feed.ws.send_str("{not json")
    assert await feed.recv() == {"errorMessage": "Malformed request", "event": "error"}


async def test_v1_one_status_per_pair_and_unsubscribe(quiet: Emulator, connect: Any) -> None:
    feed = await _v1(connect, quiet)
    sub = {"name": "ohlc", "interval": 5}
    await feed.send({"event": "subscribe", "pair": ["XBT/USD", "XBT/EUR"], "subscription": sub})
    got = [await feed.recv() for _ in range(4)]
    statuses = [m for m in got if isinstance(m, dict)]
    candles = [m for m in got if isinstance(m, list)]
    assert [s["pair"] for s in statuses] == ["XBT/USD", "XBT/EUR"]
    assert all(s["channelName"] == "ohlc-5" and s["status"] == "subscribed" for s in statuses)
    assert statuses[0]["subscription"] == {"name": "ohlc", "interval": 5}
    # snapshot = the last candle: [time, etime, o, h, l, c, vwap, volume, count]
    assert len(candles) == 2
    assert candles[0][2] == "ohlc-5"
    assert len(candles[0][1]) == 9
    await feed.send({"event": "subscribe", "pair": ["XBT/USD"], "subscription": sub})
    assert (await feed.recv())["errorMessage"] == "Already subscribed"
    await feed.send({"event": "unsubscribe", "pair": ["XBT/EUR"], "subscription": sub, "reqid": 3})
    reply = await feed.recv()
    assert reply["status"] == "unsubscribed"
    assert reply["pair"] == "XBT/EUR"
    assert reply["reqid"] == 3
    await feed.send({"event": "unsubscribe", "pair": ["XBT/EUR"], "subscription": sub})
    assert (await feed.recv())["errorMessage"] == "Subscription Not Found"


async def test_v1_channels_of_a_live_market(busy: Emulator, connect: Any) -> None:
    feed = await _v1(connect, busy)
    for name in ("ticker", "trade", "spread"):
        await feed.send({"event": "subscribe", "pair": ["XBT/USD"], "subscription": {"name": name}})
    seen: dict[str, list[Any]] = {}
    loop = asyncio.get_running_loop()
    end = loop.time() + 8
    while loop.time() < end and len(seen) < 3:
        message = await feed.recv()
        if isinstance(message, list):
            assert message[-1] == "XBT/USD"  # channel name before pair
            seen.setdefault(message[-2], []).append(message[1])
    ticker = seen["ticker"][0]
    assert set(ticker) == {"a", "b", "c", "v", "p", "t", "l", "h", "o"}
    assert isinstance(ticker["a"][1], int)
    assert len(ticker["o"]) == 2
    trade = seen["trade"][0][0]
    assert len(trade) == 6
    assert trade[3] in ("b", "s")
    assert trade[4] in ("m", "l")
    bid, ask, ts, bid_vol, _ask_vol = seen["spread"][0]
    assert Decimal(bid) < Decimal(ask)
    assert "." in ts
    assert Decimal(bid_vol) > 0


# -- v2 ---------------------------------------------------------------------------------------


async def test_v2_ping_pong_and_heartbeat(quiet: Emulator, connect: Any) -> None:
    feed = await _v2(connect, quiet)
    await feed.send({"method": "ping", "req_id": 101})
    pong = await feed.recv()
    assert pong["method"] == "pong"
    assert pong["req_id"] == 101
    assert pong["time_in"].endswith("Z")
    assert pong["time_out"] >= pong["time_in"]
    params = {"channel": "ticker", "symbol": ["BTC/USD"]}
    await feed.send({"method": "subscribe", "params": params})
    await feed.until(lambda m: m.get("channel") == "heartbeat", timeout=4)


async def test_v2_errors(quiet: Emulator, connect: Any) -> None:
    feed = await _v2(connect, quiet)
    params = {"channel": "book", "symbol": ["XBT/USD"], "depth": 10}
    await feed.send({"method": "subscribe", "params": params, "req_id": 5})
    reply = await feed.recv()
    assert reply["success"] is False
    assert reply["error"] == "Currency pair not supported XBT/USD"
    assert reply["symbol"] == "XBT/USD"
    assert reply["req_id"] == 5
    await feed.send(
        {"method": "subscribe", "params": {**params, "symbol": ["BTC/USD"], "depth": 7}}
    )
    assert (await feed.recv())["error"] == "Invalid depth"
    await feed.send({"method": "subscribe", "params": {"channel": "nope"}})
    assert (await feed.recv())["error"] == "Channel not found"
    await feed.send({"method": "fly"})
    assert (await feed.recv())["error"] == "Method not found"
    params = {"channel": "executions", "token": "not-a-token"}
    await feed.send({"method": "subscribe", "params": params})
    assert (await feed.recv())["error"] == "ESession:Invalid session"


async def test_v2_book_numbers_carry_the_instrument_precision(busy: Emulator, connect: Any) -> None:
    feed = await _v2(connect, busy)
    params = {"channel": "book", "symbol": ["BTC/USD"], "depth": 10}
    await feed.send({"method": "subscribe", "params": params})
    await feed.recv()
    raw = await feed.raw()
    assert '"type":"snapshot"' in raw
    assert '"checksum":' in raw
    # every qty has exactly 8 decimals, every price exactly 1, as JSON numbers
    qtys = re.findall(r'"qty":([0-9.]+)', raw)
    prices = re.findall(r'"price":([0-9.]+)', raw)
    assert qtys
    assert all(len(q.split(".")[1]) == 8 for q in qtys)
    assert prices
    assert all(len(p.split(".")[1]) == 1 for p in prices)


async def test_v2_resubscribe_on_the_same_connection(quiet: Emulator, connect: Any) -> None:
    feed = await _v2(connect, quiet)
    params = {"channel": "book", "symbol": ["ETH/USD"], "depth": 25}
    for _ in range(2):
        await feed.send({"method": "subscribe", "params": params, "req_id": 1})
        ack = await feed.recv()
        assert ack["success"]
        assert ack["result"]["symbol"] == "ETH/USD"
        assert (await feed.recv())["type"] == "snapshot"
        await feed.send({"method": "unsubscribe", "params": params, "req_id": 2})
        ack = await feed.recv()
        assert (ack["method"], ack["success"]) == ("unsubscribe", True), ack
    await feed.send({"method": "unsubscribe", "params": params})
    assert (await feed.recv())["error"] == "Subscription Not Found"


async def test_v2_channels_of_a_live_market(busy: Emulator, connect: Any) -> None:
    feed = await _v2(connect, busy)
    for params in (
        {"channel": "ticker", "symbol": ["BTC/USD"]},
        {"channel": "trade", "symbol": ["BTC/USD"], "snapshot": True},
        {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 1},
        {"channel": "instrument"},
    ):
        await feed.send({"method": "subscribe", "params": params})
    seen: dict[tuple[str, str], Any] = {}
    loop = asyncio.get_running_loop()
    end = loop.time() + 8
    while loop.time() < end and len(seen) < 7:
        message = await feed.recv()
        if "channel" in message and message["channel"] not in ("heartbeat", "status"):
            seen.setdefault((message["channel"], message["type"]), message["data"])
    ticker = seen[("ticker", "snapshot")][0]
    assert ticker["symbol"] == "BTC/USD"
    assert ticker["bid"] < ticker["ask"]
    assert {"bid_qty", "ask_qty", "last", "volume", "vwap", "low", "high", "change"} <= set(ticker)
    assert ("ticker", "update") in seen
    trade = seen[("trade", "update")][0]
    assert trade["side"] in ("buy", "sell")
    assert isinstance(trade["trade_id"], int)
    assert trade["ord_type"] in ("market", "limit")
    candle = seen[("ohlc", "update")][0]
    assert candle["interval"] == 1
    assert candle["interval_begin"].endswith("Z")
    instrument = seen[("instrument", "snapshot")]
    btc = next(p for p in instrument["pairs"] if p["symbol"] == "BTC/USD")
    assert btc["price_precision"] == 1
    assert btc["qty_precision"] == 8
    assert any(a["id"] == "BTC" for a in instrument["assets"])


async def test_status_changes_are_announced_and_drop_cuts_connections(
    quiet: Emulator, connect: Any
) -> None:
    v1 = await _v1(connect, quiet)
    v2 = await _v2(connect, quiet)
    async with aiohttp.ClientSession() as http:
        await http.post(f"{quiet.url}/_emulator/status", json={"status": "maintenance"})
        assert (await v1.recv())["status"] == "maintenance"
        assert (await v2.recv())["data"][0]["system"] == "maintenance"
        await http.post(f"{quiet.url}/_emulator/status", json={"status": "online"})
        reply = await http.post(f"{quiet.url}/_emulator/ws/drop", json={"version": "v2"})
        assert await reply.json() == {"dropped": 1}
    assert (await v1.recv())["status"] == "online"
    closed = await v2.ws.receive(timeout=5)
    while closed.type == aiohttp.WSMsgType.TEXT:  # what was queued before the cut
        closed = await v2.ws.receive(timeout=5)
    assert closed.type in (
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
        aiohttp.WSMsgType.CLOSE,
    )
