"""Trading and account endpoints over real signed HTTP against an in-process emulator."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from tests.emulator.server.conftest import Live, Trader

RICH = {"ZUSD": "1000000", "XXBT": "10", "XETH": "100"}


async def _maker(live: Live) -> Trader:
    maker = live.trader(RICH, rate_limits=False)
    for price in ("90000", "90010", "90020"):
        await maker.call(
            "AddOrder", pair="XBTUSD", type="sell", ordertype="limit", volume="1", price=price
        )
    for price in ("89990", "89980"):
        await maker.call(
            "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="1", price=price
        )
    return maker


async def test_add_order_limit_form_and_json(live: Live) -> None:
    trader = live.trader(RICH)
    result = await trader.call(
        "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.5", price="80000.1"
    )
    assert result["descr"] == {"order": "buy 0.50000000 XBTUSD @ limit 80000.1"}
    [txid] = result["txid"]
    assert txid[0] == "O"
    same = await trader.call(
        "AddOrder",
        json=True,
        pair="BTC/USD",
        type="buy",
        ordertype="limit",
        volume=0.5,
        price=80000,
        validate=False,
    )
    assert same["descr"]["order"] == "buy 0.50000000 XBTUSD @ limit 80000.0"
    opened = (await trader.call("OpenOrders"))["open"]
    assert set(opened) == {txid, same["txid"][0]}
    info = opened[txid]
    assert info["status"] == "open"
    assert info["descr"]["pair"] == "XBTUSD"
    assert info["vol"] == "0.50000000"
    assert info["vol_exec"] == "0.00000000"
    assert info["limitprice"] == "80000.1"
    assert info["oflags"] == "fciq"
    balance_ex = await trader.call("BalanceEx")
    hold = D(balance_ex["ZUSD"]["hold_trade"])
    exact = (D("80000.1") * D("0.5") + D(80000) * D("0.5")) * D("1.0026")
    assert hold == exact.quantize(D("0.0001"))


async def test_validate_returns_descr_without_txid_and_creates_nothing(live: Live) -> None:
    trader = live.trader(RICH)
    result = await trader.call(
        "AddOrder",
        pair="XBTUSD",
        type="sell",
        ordertype="stop-loss-limit",
        volume="1",
        price="85000",
        price2="84000",
        validate="True",
    )
    assert result == {
        "descr": {"order": "sell 1.00000000 XBTUSD @ stop loss 85000.0 -> limit 84000.0"}
    }
    assert (await trader.call("OpenOrders"))["open"] == {}


async def test_conditional_close_is_described_and_placed_after_the_fill(live: Live) -> None:
    await _maker(live)
    trader = live.trader(RICH)
    result = await trader.call(
        "AddOrder",
        pair="XBTUSD",
        type="buy",
        ordertype="limit",
        volume="1",
        price="90000",
        **{"close[ordertype]": "limit", "close[price]": "95000"},
    )
    assert result["descr"]["close"] == "close position @ limit 95000.0"
    opened = (await trader.call("OpenOrders"))["open"]
    [close] = opened.values()
    assert close["descr"]["type"] == "sell"
    assert close["descr"]["price"] == "95000.0"
    assert close["refid"] == result["txid"][0]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"ordertype": "limt"}, "EGeneral:Invalid arguments:ordertype"),
        ({"type": "hold"}, "EGeneral:Invalid arguments:type"),
        ({"pair": "NOPE"}, "EQuery:Unknown asset pair"),
        (
            {"price": "90000.25"},
            "EOrder:Invalid price:XBTUSD price can only be specified up to 1 decimals.",
        ),
        ({"volume": "0.000000001"}, "EGeneral:Invalid arguments:volume"),
        ({"volume": "0.00001"}, "EOrder:Order minimum not met"),
        ({"volume": "1000"}, "EOrder:Insufficient funds"),
        ({"oflags": "post,fcib,fciq"}, "EGeneral:Invalid arguments:oflags"),
        ({"timeinforce": "GTD"}, "EGeneral:Invalid arguments:expiretm"),
        ({"userref": "99999999999"}, "EGeneral:Invalid arguments:userref"),
        ({"cl_ord_id": "this one is far too long"}, "EGeneral:Invalid arguments:cl_ord_id"),
        ({"deadline": "2001-01-01T00:00:00Z"}, "EService:Deadline elapsed"),
        (
            {"ordertype": "settle-position"},
            "EGeneral:Invalid arguments:settle-position needs margin, not emulated",
        ),
    ],
)
async def test_add_order_errors(live: Live, params: dict[str, str], error: str) -> None:
    trader = live.trader({"ZUSD": "1000"})
    base = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.001",
        "price": "90000",
    }
    assert await trader.error("AddOrder", **{**base, **params}) == error


async def test_market_order_fills_and_shows_in_history_and_ledgers(live: Live) -> None:
    await _maker(live)
    trader = live.trader(RICH)
    result = await trader.call(
        "AddOrder", pair="XBTUSD", type="buy", ordertype="market", volume="1.5"
    )
    txid = result["txid"][0]
    order = (await trader.call("QueryOrders", txid=txid, trades=True))[txid]
    assert order["status"] == "closed"
    assert order["vol_exec"] == "1.50000000"
    assert order["price"] == "90003.3"  # (90000 + 0.5 * 90010) / 1.5, at pair precision
    assert len(order["trades"]) == 2
    history = await trader.call("TradesHistory", ledgers=True)
    assert history["count"] == 2
    trade = history["trades"][order["trades"][0]]
    assert trade["pair"] == "XXBTZUSD"
    assert trade["ordertxid"] == txid
    assert trade["type"] == "buy"
    assert trade["maker"] is False
    assert isinstance(trade["trade_id"], int)
    queried = await trader.call("QueryTrades", txid=",".join(order["trades"]))
    assert set(queried) == set(order["trades"])
    ledgers = await trader.call("Ledgers", asset="XBT")
    assert ledgers["count"] == 3  # the deposit and two trades
    some = next(iter(ledgers["ledger"]))
    assert (await trader.call("QueryLedgers", id=some))[some]["asset"] == "XXBT"
    balance = await trader.call("Balance")
    assert balance["XXBT"] == "11.5000000000"
    volume = await trader.call("TradeVolume", pair="XBTUSD")
    assert volume["currency"] == "ZUSD"
    assert D(volume["volume"]) == D("135005.0000")  # the taker's 30-day volume in USD
    assert volume["fees"]["XXBTZUSD"]["fee"] == "0.2200"  # the 100k tier
    assert volume["fees"]["XXBTZUSD"]["tiervolume"] == "100000.0000"
    assert volume["fees"]["XXBTZUSD"]["nextfee"] == "0.2000"
    assert volume["fees_maker"]["XXBTZUSD"]["fee"] == "0.1200"
    tb = await trader.call("TradeBalance")
    assert set(tb) == {"eb", "tb", "m", "uv", "n", "c", "v", "e", "mf"}


async def test_cancel_by_txid_userref_and_cl_ord_id(live: Live) -> None:
    trader = live.trader(RICH)
    add = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    a = (await trader.call("AddOrder", **add, price="50000", userref=7))["txid"][0]
    await trader.call("AddOrder", **add, price="50001", userref=7)
    await trader.call("AddOrder", **add, price="50002", cl_ord_id="my-order-1")
    await trader.call("AddOrder", **add, price="50003")
    assert await trader.call("CancelOrder", txid=7) == {"count": 2, "pending": False}
    assert await trader.call("CancelOrder", cl_ord_id="my-order-1") == {
        "count": 1,
        "pending": False,
    }
    assert await trader.error("CancelOrder", txid=a) == "EOrder:Unknown order"
    closed = await trader.call("ClosedOrders")
    assert closed["count"] == 3
    assert closed["closed"][a]["status"] == "canceled"
    assert await trader.call("CancelAll") == {"count": 1, "pending": False}


async def test_cancel_order_batch_json_and_form(live: Live) -> None:
    trader = live.trader(RICH)
    add = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    txids = [
        (await trader.call("AddOrder", **add, price=str(50000 + i)))["txid"][0] for i in range(4)
    ]
    assert await trader.call("CancelOrderBatch", json=True, orders=txids[:2]) == {"count": 2}
    assert await trader.call("CancelOrderBatch", orders=txids[2:]) == {"count": 2}


async def test_add_order_batch_json_and_bracket_form(live: Live) -> None:
    trader = live.trader(RICH)
    orders = [
        {"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "50000"},
        {
            "ordertype": "limit",
            "type": "sell",
            "volume": "0.01",
            "price": "150000",
            "cl_ord_id": "batch-2",
        },
    ]
    result = await trader.call("AddOrderBatch", json=True, pair="XBTUSD", orders=orders)
    assert [o["descr"]["order"] for o in result["orders"]] == [
        "buy 0.01000000 XBTUSD @ limit 50000.0",
        "sell 0.01000000 XBTUSD @ limit 150000.0",
    ]
    assert all(o["txid"].startswith("O") for o in result["orders"])
    orders[1]["cl_ord_id"] = "batch-3"
    form = await trader.call("AddOrderBatch", pair="XBTUSD", orders=orders)
    assert len(form["orders"]) == 2
    bad = [orders[0], {**orders[1], "ordertype": "nope"}]
    assert await trader.error("AddOrderBatch", json=True, pair="XBTUSD", orders=bad) == (
        "EGeneral:Invalid arguments:ordertype"
    )
    assert len((await trader.call("OpenOrders"))["open"]) == 4
    orders[1].pop("cl_ord_id")
    validated = await trader.call(
        "AddOrderBatch", json=True, pair="XBTUSD", orders=orders, validate=True
    )
    assert all("txid" not in o for o in validated["orders"])


async def test_amend_keeps_txid_and_records_amends(live: Live) -> None:
    trader = live.trader(RICH)
    txid = (
        await trader.call(
            "AddOrder",
            pair="XBTUSD",
            type="buy",
            ordertype="limit",
            volume="0.5",
            price="80000",
            cl_ord_id="amend-me",
        )
    )["txid"][0]
    amend = await trader.call("AmendOrder", txid=txid, order_qty="0.4", limit_price="80001")
    assert set(amend) == {"amend_id"}
    await trader.call("AmendOrder", cl_ord_id="amend-me", limit_price="80002.5")
    info = (await trader.call("QueryOrders", txid=txid))[txid]
    assert info["vol"] == "0.40000000"
    assert info["limitprice"] == "80002.5"
    assert info["amended"] is True
    amends = await trader.call("OrderAmends", order_id=txid)
    assert amends["count"] == 3
    assert [a["amend_type"] for a in amends["amends"]] == ["original", "user", "user"]
    assert await trader.error("AmendOrder", txid="OAAAAA-BBBBB-CCCCCC", order_qty="1") == (
        "EOrder:Unknown order"
    )


async def test_edit_order_replaces_with_a_new_txid(live: Live) -> None:
    trader = live.trader(RICH)
    txid = (
        await trader.call(
            "AddOrder",
            pair="XBTUSD",
            type="buy",
            ordertype="limit",
            volume="0.5",
            price="80000",
            userref=5,
        )
    )["txid"][0]
    result = await trader.call("EditOrder", txid=txid, pair="XBTUSD", volume="0.3", price="79000")
    assert result["status"] == "ok"
    assert result["originaltxid"] == txid
    assert result["txid"] != txid
    assert result["volume"] == "0.30000000"
    assert result["price"] == "79000.0"
    assert result["orders_cancelled"] == 1
    assert result["descr"]["order"] == "buy 0.30000000 XBTUSD @ limit 79000.0"
    old = (await trader.call("QueryOrders", txid=txid))[txid]
    assert old["status"] == "canceled"
    assert (await trader.call("OpenOrders", userref=5))["open"].keys() == {result["txid"]}


async def test_cancel_all_orders_after_is_a_real_timer(live: Live) -> None:
    trader = live.trader(RICH)
    await trader.call(
        "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.5", price="80000"
    )
    armed = await trader.call("CancelAllOrdersAfter", timeout=1)
    assert armed["currentTime"].endswith("Z")
    assert armed["triggerTime"] > armed["currentTime"]
    await asyncio.sleep(0.5)
    assert len((await trader.call("OpenOrders"))["open"]) == 1
    await asyncio.sleep(1.0)
    assert (await trader.call("OpenOrders"))["open"] == {}
    disarmed = await trader.call("CancelAllOrdersAfter", timeout=0)
    assert disarmed["triggerTime"] == "0"


async def test_trading_rate_limit_and_open_order_cap(live: Live) -> None:
    trader = live.trader(RICH, tier="starter")
    add = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.001"}
    errors = []
    for i in range(70):
        body = await trader.raw("AddOrder", **add, price=str(50000 + i))
        errors.extend(body["error"])
    assert "EOrder:Orders limit exceeded" in errors or "EOrder:Rate limit exceeded" in errors
    # another pair has its own counter and cap
    assert await trader.call(
        "AddOrder", pair="ETHUSD", type="buy", ordertype="limit", volume="0.01", price="1000"
    )


async def test_accounts_are_isolated(live: Live) -> None:
    alice = live.trader(RICH)
    bob = live.trader(RICH)
    txid = (
        await alice.call(
            "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.5", price="80000"
        )
    )["txid"][0]
    assert await bob.error("CancelOrder", txid=txid) == "EOrder:Unknown order"
    assert await bob.error("QueryOrders", txid=txid) == "EOrder:Invalid order"
    assert (await bob.call("OpenOrders"))["open"] == {}
    assert await bob.error("AmendOrder", txid=txid, order_qty="0.1") == "EOrder:Unknown order"


async def test_permission_denied_per_endpoint(live: Live) -> None:
    reader = live.trader(RICH, permissions=frozenset({"funds:query"}))
    assert "ZUSD" in await reader.call("Balance")
    for method in (
        "AddOrder",
        "CancelAll",
        "OpenOrders",
        "Ledgers",
        "GetWebSocketsToken",
        "Withdraw",
    ):
        assert await reader.error(method) == "EGeneral:Permission denied"


async def test_open_positions_is_empty_without_margin(live: Live) -> None:
    trader = live.trader(RICH)
    assert await trader.call("OpenPositions") == {}
    assert await trader.call("OpenPositions", consolidation="market") == []
