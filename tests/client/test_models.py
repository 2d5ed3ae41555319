"""Typed models from Kraken's own examples and captures (protocol.md §1), not from ourselves."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import pytest

from krakenkit.client import Balance, BookLevel, Candle, Order, PublicTrade, Ticker, Trade
from krakenkit.protocol.errors import ProtocolError
from tests.fixtures import load_capture


def _kraken(text: str) -> Any:
    """Decode as the clients do: fractional JSON numbers become Decimal."""
    return json.loads(text, parse_float=D)


TICKER = _kraken(
    """{"XXBTZUSD":{"a":["27948.00000","3","3.000"],"b":["27947.90000","1","1.000"],
    "c":["27947.90000","0.00842808"],"v":["3564.58017484","4138.93906134"],
    "p":["28351.31431","28329.55480"],"t":[33574,43062],"l":["27813.10000","27813.10000"],
    "h":["28792.30000","28792.30000"],"o":"28173.00000"}}"""
)

ORDER = _kraken(
    """{"OXVPSU-Q726F-L3SDEP":{"refid":null,"userref":0,"status":"open",
    "opentm":1706893367.4656649,"starttm":0,"expiretm":0,"descr":{"pair":"XRPEUR","type":"sell",
    "ordertype":"trailing-stop","price":"+50.0000%","price2":"0","leverage":"none",
    "order":"sell 10.00000000 XRPEUR @ trailing stop +50.0000%","close":""},
    "vol":"10.00000000","vol_exec":"0.00000000","cost":"0.00000000","fee":"0.00000000",
    "price":"0.00000000","stopprice":"0.23424000","limitprice":"0.46847000","misc":"",
    "oflags":"fciq","trigger":"index"}}"""
)


def test_ticker_from_the_documented_example() -> None:
    ticker = Ticker.all(TICKER)["XXBTZUSD"]
    assert ticker.ask == D("27948.00000")
    assert ticker.ask_volume == D("3.000")
    assert ticker.bid == D("27947.90000")
    assert ticker.last == D("27947.90000")
    assert ticker.last_volume == D("0.00842808")
    assert (ticker.volume_today, ticker.volume_24h) == (D("3564.58017484"), D("4138.93906134"))
    assert (ticker.trades_today, ticker.trades_24h) == (33574, 43062)
    assert ticker.high_24h == D("28792.30000")
    assert ticker.open == D("28173.00000")
    assert ticker.spread == D("0.1")


def test_ticker_from_a_real_websocket_capture() -> None:
    """The WS v1 ticker (captured from Kraken) has the same fields, ``o`` as [today, 24h]."""
    for record in load_capture("ws-v1-ticker.capture"):
        message = record.json
        if record.direction == "received" and isinstance(message, list):
            ticker = Ticker.from_kraken(message[-1], message[1])
            assert ticker.ask > ticker.bid > 0
            assert ticker.open > 0
            return
    pytest.fail("no ticker message in the capture")


def test_depth_and_grouped_book_levels() -> None:
    depth = _kraken(
        """{"XXBTZUSD":{"asks":[["28000.00000","1.091",1680714417]],
        "bids":[["27999.90000","2.240",1680714419]]}}"""
    )
    bids, asks = BookLevel.sides(depth["XXBTZUSD"])
    assert asks == [BookLevel(D("28000.00000"), D("1.091"), 1680714417)]
    assert bids[0].price == D("27999.90000")
    grouped = {"bids": [{"price": "90400.00000", "qty": "19.83057746"}], "asks": []}
    assert BookLevel.sides(grouped)[0] == [BookLevel(D("90400.00000"), D("19.83057746"))]


def test_candles_and_public_trades() -> None:
    ohlc = _kraken(
        """{"XXBTZUSD":[[1688671200,"30306.1","30306.2","30305.7","30305.7","30306.1",
        "3.39243896",23]],"last":1688672160}"""
    )
    [candle] = Candle.all(ohlc)
    assert candle == Candle(
        1688671200,
        D("30306.1"),
        D("30306.2"),
        D("30305.7"),
        D("30305.7"),
        D("30306.1"),
        D("3.39243896"),
        23,
    )
    trades = _kraken(
        """{"XXBTZUSD":[["27980.90000","0.00071054",1680712703.2524643,"b","l","",57811127]],
        "last":"1680714601123456789"}"""
    )
    trade = PublicTrade.from_kraken(trades["XXBTZUSD"][0])
    assert trade.time == D("1680712703.2524643")  # exact: never through float
    assert (trade.side, trade.ordertype, trade.trade_id) == ("buy", "limit", 57811127)
    old = PublicTrade.from_kraken(["1.0", "2.0", 1, "s", "m", ""])  # six-element rows
    assert (old.side, old.trade_id) == ("sell", None)


def test_order_from_the_documented_example() -> None:
    [(txid, entry)] = ORDER.items()
    order = Order.from_kraken(txid, entry)
    assert order.txid == "OXVPSU-Q726F-L3SDEP"
    assert order.is_open
    assert (order.pair, order.type, order.ordertype) == ("XRPEUR", "sell", "trailing-stop")
    assert order.price == "+50.0000%"  # relative prices stay text
    assert order.volume == D("10")
    assert order.volume_executed == 0
    assert order.opentm == D("1706893367.4656649")
    assert order.closetm is None
    assert order.userref == 0
    assert order.cl_ord_id is None
    assert order.description == "sell 10.00000000 XRPEUR @ trailing stop +50.0000%"


def test_trade_and_balances() -> None:
    trade = Trade.from_kraken(
        "TPLJ5E-NONOU-5LH7JL",
        _kraken(
            """{"ordertxid":"OQCLML-BW3P3-BUCMWZ","postxid":"TKH2SE-M7IF5-CFI7LT",
            "pair":"XETHZUSD","time":1688667796.8802,"type":"buy","ordertype":"limit",
            "price":"1850.00000","cost":"185.00000","fee":"0.29600","vol":"0.10000000",
            "margin":"0.00000","misc":"","trade_id":40274859,"maker":true,"ledgers":["L1"]}"""
        ),
    )
    assert trade.pair == "XETHZUSD"
    assert trade.price * trade.volume == trade.cost
    assert trade.maker is True
    plain = Balance.all({"ZUSD": "241983.1415", "XXBT": "0.5"})
    assert plain["ZUSD"].available == D("241983.1415")
    assert plain["XXBT"].hold is None
    extended = Balance.all({"XXBT": {"balance": "2.1031709100", "hold_trade": "0.1401000000"}})
    assert extended["XXBT"].available == D("1.9630709100")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Ticker.from_kraken("X", {"a": ["1", "1", "1"]}), "missing field 'b'"),
        (lambda: Candle.from_kraken([1, "2"]), "at least 8"),
        (lambda: Balance.from_kraken("ZUSD", "lots"), "expected a number"),
        (lambda: Order.from_kraken("O", {"status": "open"}), "missing field 'descr'"),
        (lambda: BookLevel.from_kraken(["NaN", "1"]), "expected a number"),
    ],
)
def test_malformed_answers_raise_protocol_errors(build: Any, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        build()
