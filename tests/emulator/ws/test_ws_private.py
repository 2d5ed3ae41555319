"""Private WebSocket channels and trading over v1 and v2, with tokens from GetWebSocketsToken."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from krakenkit import AsyncSpotClient
from krakenkit.emulator import AccountKeys, Emulator, ExchangeConfig
from tests.emulator.ws.conftest import Feed


async def _token(ex: Emulator, keys: AccountKeys) -> str:
    async with AsyncSpotClient(keys.api_key, keys.api_secret, base_url=ex.url) as client:
        result = await client.get_websockets_token()
    token = result["token"] if isinstance(result, dict) else result.raw["token"]
    assert isinstance(token, str)
    return token


def _account(ex: Emulator) -> AccountKeys:
    return ex.add_account({"ZUSD": 100_000, "XXBT": 10}, rate_limits=False)


async def _v2(connect: Any, ex: Emulator) -> Feed:
    feed: Feed = await connect(ex.ws_v2_url)
    await feed.recv()
    return feed


async def _v1(connect: Any, ex: Emulator) -> Feed:
    feed: Feed = await connect(ex.ws_url)
    await feed.recv()
    return feed


async def _collect(feed: Feed, wanted: list[str]) -> dict[str, Any]:
    """The first message of each wanted method or channel, in whatever order they come."""
    seen: dict[str, Any] = {}
    while len(seen) < len(wanted):
        message = await feed.recv()
        name = message.get("method") or message.get("channel")
        if name in wanted and name not in seen:
            seen[name] = message
    return seen


# -- v2 ---------------------------------------------------------------------------------------


async def test_v2_trading_and_executions(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v2(connect, quiet)
    await feed.send({"method": "subscribe", "params": {"channel": "executions", "token": token}})
    ack = await feed.recv()
    assert ack["success"] is True
    assert ack["result"]["maxratecount"] == 125
    snapshot = await feed.recv()
    assert (snapshot["channel"], snapshot["type"], snapshot["data"]) == (
        "executions",
        "snapshot",
        [],
    )
    assert snapshot["sequence"] == 1

    order = {
        "order_type": "limit",
        "side": "buy",
        "order_qty": 0.5,
        "symbol": "BTC/USD",
        "limit_price": 40000.5,
        "cl_ord_id": "my-first",
        "token": token,
    }
    await feed.send({"method": "add_order", "params": order, "req_id": 11})
    messages = [await feed.recv() for _ in range(3)]
    response = next(m for m in messages if m.get("method") == "add_order")
    assert response["success"] is True
    assert response["req_id"] == 11
    order_id = response["result"]["order_id"]
    assert response["result"]["cl_ord_id"] == "my-first"
    reports = [r for m in messages if m.get("channel") == "executions" for r in m["data"]]
    assert [r["exec_type"] for r in reports] == ["pending_new", "new"]
    assert reports[-1]["order_id"] == order_id
    assert reports[-1]["limit_price"] == Decimal("40000.5")
    assert reports[-1]["cl_ord_id"] == "my-first"

    amend = {"order_id": order_id, "order_qty": 0.75, "token": token}
    await feed.send({"method": "amend_order", "params": amend, "req_id": 12})
    got = await feed.until(lambda m: m.get("method") == "amend_order")
    assert got["success"] is True
    assert got["result"]["amend_id"]

    # a seller crosses: the order fills, the executions channel reports the trade
    seller = _account(quiet)
    seller_token = await _token(quiet, seller)
    other = await _v2(connect, quiet)
    sell = {
        "order_type": "market",
        "side": "sell",
        "order_qty": 0.25,
        "symbol": "BTC/USD",
        "token": seller_token,
    }
    await other.send({"method": "add_order", "params": sell})
    assert (await other.until(lambda m: m.get("method") == "add_order"))["success"] is True
    trade = await feed.until(
        lambda m: m.get("channel") == "executions" and m["data"][0]["exec_type"] == "trade"
    )
    report = trade["data"][0]
    assert report["order_id"] == order_id
    assert report["last_qty"] == Decimal("0.25000000")
    assert report["liquidity_ind"] == "m"
    assert report["order_status"] == "partially_filled"
    assert report["fees"][0]["asset"] == "USD"

    await feed.send({"method": "cancel_order", "params": {"order_id": [order_id], "token": token}})
    seen = await _collect(feed, ["cancel_order", "executions"])
    assert seen["cancel_order"]["result"] == {"order_id": order_id}
    assert seen["executions"]["data"][0]["exec_type"] == "canceled"
    await feed.send({"method": "cancel_order", "params": {"order_id": [order_id], "token": token}})
    again = await feed.until(lambda m: m.get("method") == "cancel_order")
    assert again["success"] is False
    assert again["error"] == "EOrder:Unknown order"


async def test_v2_errors_carry_krakens_strings(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v2(connect, quiet)
    too_big = {
        "order_type": "limit",
        "side": "buy",
        "order_qty": 1000,
        "symbol": "BTC/USD",
        "limit_price": 50000,
        "token": token,
    }
    await feed.send({"method": "add_order", "params": too_big, "req_id": 1})
    reply = await feed.recv()
    assert reply["success"] is False
    assert reply["error"] == "EOrder:Insufficient funds"
    tiny = {**too_big, "order_qty": 0.00000001}
    await feed.send({"method": "add_order", "params": tiny})
    assert (await feed.recv())["error"] == "EOrder:Order minimum not met"
    await feed.send({"method": "add_order", "params": {**too_big, "token": "nope"}})
    assert (await feed.recv())["error"] == "ESession:Invalid session"


async def test_v2_batch_cancel_all_and_dead_mans_switch(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v2(connect, quiet)
    orders = [
        {"order_type": "limit", "side": "buy", "order_qty": 0.1, "limit_price": 30000 + i}
        for i in range(3)
    ]
    params = {"symbol": "BTC/USD", "orders": orders, "token": token}
    await feed.send({"method": "batch_add", "params": params, "req_id": 5})
    reply = await feed.recv()
    assert reply["success"] is True, reply
    ids = [r["order_id"] for r in reply["result"]]
    assert len(set(ids)) == 3
    await feed.send({"method": "batch_cancel", "params": {"orders": ids[:2], "token": token}})
    assert (await feed.recv())["result"] == {"count": 2}
    await feed.send({"method": "cancel_all", "params": {"token": token}})
    assert (await feed.recv())["result"] == {"count": 1}
    await feed.send(
        {"method": "cancel_all_orders_after", "params": {"timeout": 60, "token": token}}
    )
    armed = await feed.recv()
    assert armed["result"]["triggerTime"] != "0"
    assert armed["result"]["currentTime"].endswith("Z")
    assert quiet.exchange is not None
    assert keys.account_id in quiet.exchange.dms


async def test_v2_balances_snapshot_and_ledger_updates(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v2(connect, quiet)
    await feed.send({"method": "subscribe", "params": {"channel": "balances", "token": token}})
    assert (await feed.recv())["success"] is True
    snapshot = await feed.recv()
    balances = {b["asset"]: b["balance"] for b in snapshot["data"]}
    assert balances["USD"] == Decimal("100000.0000")
    assert balances["BTC"] == Decimal("10.0000000000")
    assert quiet.exchange is not None
    quiet.exchange.deposit(keys.account_id, "XBT", Decimal("0.5"))
    update = await feed.recv()
    entry = update["data"][0]
    assert (entry["type"], entry["asset"], entry["amount"]) == ("deposit", "BTC", Decimal("0.5"))
    assert entry["balance"] == Decimal("10.5")
    assert update["sequence"] == snapshot["sequence"] + 1


async def test_an_expired_token_is_refused(connect: Any) -> None:
    async with Emulator(config=ExchangeConfig(market=False, token_ttl=0.5)) as ex:
        keys = _account(ex)
        token = await _token(ex, keys)
        used = await _v2(connect, ex)
        params = {"channel": "executions", "token": token}
        await used.send({"method": "subscribe", "params": params})
        assert (await used.recv())["success"] is True
        await asyncio.sleep(0.7)
        late = await _v2(connect, ex)
        await late.send({"method": "subscribe", "params": params})
        assert (await late.recv())["error"] == "ESession:Invalid session"
        # the connection that used it in time keeps its session
        await used.send({"method": "cancel_all", "params": {"token": token}})
        assert (await used.until(lambda m: m.get("method") == "cancel_all"))["success"] is True


# -- v1 ---------------------------------------------------------------------------------------


async def test_v1_trading_own_trades_and_open_orders(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v1(connect, quiet)
    for name in ("openOrders", "ownTrades"):
        await feed.send({"event": "subscribe", "subscription": {"name": name, "token": token}})
        status = await feed.recv()
        assert status == {
            "channelName": name,
            "event": "subscriptionStatus",
            "status": "subscribed",
            "subscription": {"name": name},
        }
        snapshot = await feed.recv()
        assert snapshot == [[], name, {"sequence": 1}]
    add = {
        "event": "addOrder",
        "token": token,
        "ordertype": "limit",
        "type": "buy",
        "pair": "XBT/USD",
        "price": "45000",
        "volume": "0.2",
        "userref": "12",
        "reqid": 3,
    }
    await feed.send(add)
    got = await feed.drain()
    status = next(m for m in got if isinstance(m, dict) and m.get("event") == "addOrderStatus")
    assert status["status"] == "ok"
    assert status["descr"] == "buy 0.20000000 XBTUSD @ limit 45000.0"
    assert status["reqid"] == 3
    txid = status["txid"]
    opened = [m for m in got if isinstance(m, list) and m[1] == "openOrders"][-1]
    assert txid in opened[0][0]
    assert opened[2]["sequence"] >= 2

    seller = _account(quiet)
    seller_feed = await _v1(connect, quiet)
    sell = {**add, "token": await _token(quiet, seller), "type": "sell", "ordertype": "market"}
    del sell["price"]
    await seller_feed.send(sell)
    sold = await seller_feed.until(
        lambda m: isinstance(m, dict) and m.get("event") == "addOrderStatus"
    )
    assert sold["status"] == "ok", sold
    got = await feed.drain()
    own = next(m for m in got if isinstance(m, list) and m[1] == "ownTrades")
    (trade,) = own[0][0].values()
    assert (trade["ordertxid"], trade["pair"], trade["vol"]) == (txid, "XBT/USD", "0.20000000")
    assert trade["userref"] == 12
    closed = [
        m
        for m in got
        if isinstance(m, list) and m[1] == "openOrders" and m[0][0][txid].get("status") == "closed"
    ]
    assert closed[0][2]["sequence"] > opened[2]["sequence"]

    await feed.send({"event": "cancelOrder", "token": token, "txid": [txid], "reqid": 4})
    refused = await feed.until(
        lambda m: isinstance(m, dict) and m.get("event") == "cancelOrderStatus"
    )
    assert refused == {
        "errorMessage": "EOrder:Unknown order",
        "event": "cancelOrderStatus",
        "reqid": 4,
        "status": "error",
    }
    await feed.send({"event": "cancelAll", "token": token})
    count = await feed.until(lambda m: isinstance(m, dict) and m.get("event") == "cancelAllStatus")
    assert count == {"count": 0, "event": "cancelAllStatus", "status": "ok"}
    await feed.send({"event": "cancelAllOrdersAfter", "token": token, "timeout": 0, "reqid": 9})
    off = await feed.until(
        lambda m: isinstance(m, dict) and m.get("event") == "cancelAllOrdersAfterStatus"
    )
    assert (off["status"], off["triggerTime"], off["reqid"]) == ("ok", "0", 9)


async def test_v1_edit_order(quiet: Emulator, connect: Any) -> None:
    keys = _account(quiet)
    token = await _token(quiet, keys)
    feed = await _v1(connect, quiet)
    await feed.send(
        {
            "event": "addOrder",
            "token": token,
            "ordertype": "limit",
            "type": "buy",
            "pair": "XBT/USD",
            "price": "30000",
            "volume": "0.1",
        }
    )
    txid = (await feed.until(lambda m: m.get("event") == "addOrderStatus"))["txid"]
    edit = {"event": "editOrder", "token": token, "orderid": txid, "pair": "XBT/USD"}
    await feed.send({**edit, "price": "31000", "reqid": 3})
    edited = await feed.until(lambda m: m.get("event") == "editOrderStatus")
    assert edited["status"] == "ok", edited
    assert edited["originaltxid"] == txid
    assert edited["txid"] != txid
    assert edited["descr"] == "order edited price = 31000.0"
    await feed.send({"event": "addOrder", "token": token, "pair": "XBT/USD", "type": "buy"})
    error = await feed.until(lambda m: m.get("event") == "addOrderStatus")
    assert error["status"] == "error"
    assert error["errorMessage"].startswith("EGeneral:Invalid arguments")


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_trading_needs_a_token(quiet: Emulator, connect: Any, version: str) -> None:
    if version == "v1":
        feed = await _v1(connect, quiet)
        await feed.send({"event": "cancelAll"})
        reply = await feed.recv()
        assert reply["errorMessage"] == "ESession:Invalid session"
    else:
        feed = await _v2(connect, quiet)
        await feed.send({"method": "cancel_all", "params": {}})
        assert (await feed.recv())["error"] == "ESession:Invalid session"
