"""The pure WebSocket pieces: v1/v2 codecs, exact JSON numbers, correlation, subscriptions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from krakenkit.protocol.errors import ProtocolError
from krakenkit.protocol.ws_messages import (
    ChannelMessage,
    Heartbeat,
    Pong,
    Response,
    Status,
    dumps,
    loads,
)
from krakenkit.protocol.ws_requests import Correlator, Subscriptions
from krakenkit.protocol.ws_v1 import V1Codec, channel_base
from krakenkit.protocol.ws_v2 import V2Codec, answers_expected


def test_dumps_keeps_decimal_digits_as_numbers() -> None:
    text = dumps({"order_qty": Decimal("0.00100000"), "limit_price": Decimal("45285.2"), "n": 3})
    assert text == '{"order_qty":0.00100000,"limit_price":45285.2,"n":3}'
    assert loads(text)["order_qty"] == Decimal("0.00100000")
    assert dumps(["a\\u0000b"]) == '["a\\\\u0000b"]'  # text that looks like a marker survives


def test_v2_requests() -> None:
    codec = V2Codec()
    request, answers = codec.subscribe("book", ["BTC/USD", "ETH/USD"], {"depth": 25}, 7)
    assert request == {
        "method": "subscribe",
        "params": {"channel": "book", "symbol": ["BTC/USD", "ETH/USD"], "depth": 25},
        "req_id": 7,
    }
    assert answers == 2
    request, answers = codec.subscribe("executions", [], {}, 8, token="T", unsubscribe=True)
    assert request["params"] == {"channel": "executions", "token": "T"}
    assert (request["method"], answers) == ("unsubscribe", 1)
    assert codec.request("cancel_all", {}, 9, token="T") == {
        "method": "cancel_all",
        "params": {"token": "T"},
        "req_id": 9,
    }
    assert answers_expected("cancel_order", {"order_id": ["A", "B"], "cl_ord_id": ["c"]}) == 3
    assert answers_expected("add_order", {}) == 1


def test_v2_frames_are_typed() -> None:
    codec = V2Codec()
    status = codec.parse(
        loads(
            '{"channel":"status","data":[{"api_version":"v2","connection_id":1,'
            '"system":"online","version":"2.0.0"}],"type":"update"}'
        )
    )
    assert status == Status("online", "2.0.0", 1, "v2")
    assert codec.parse({"channel": "heartbeat"}) == Heartbeat()
    assert codec.parse({"method": "pong", "req_id": 3}) == Pong(3)
    book = codec.parse(
        loads(
            '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD",'
            '"bids":[{"price":45283.5,"qty":0.10000000}],"asks":[],"checksum":1}]}'
        )
    )
    assert isinstance(book, ChannelMessage)
    assert (book.channel, book.type, book.symbol) == ("book", "update", "BTC/USD")
    assert book.data[0]["bids"][0]["qty"] == Decimal("0.10000000")
    failed = codec.parse(
        {"method": "subscribe", "success": False, "error": "Currency pair not supported X/Y",
         "symbol": "X/Y", "req_id": 5}
    )  # fmt: skip
    assert failed == Response("subscribe", False, 5, None, "Currency pair not supported X/Y", "X/Y")
    instrument = codec.parse({"channel": "instrument", "type": "snapshot", "data": {"pairs": []}})
    assert isinstance(instrument, ChannelMessage)
    assert instrument.data == ({"pairs": []},)
    with pytest.raises(ProtocolError):
        codec.parse([1, 2])


def test_v1_requests_and_frames() -> None:
    codec = V1Codec()
    request, answers = codec.subscribe("book", ["XBT/USD", "XBT/EUR"], {"depth": 10}, 42)
    assert request == {
        "event": "subscribe",
        "pair": ["XBT/USD", "XBT/EUR"],
        "subscription": {"name": "book", "depth": 10},
        "reqid": 42,
    }
    assert answers == 2
    request, _ = codec.subscribe("ownTrades", [], {}, 1, token="T")
    assert request["subscription"] == {"name": "ownTrades", "token": "T"}
    order = codec.request("addOrder", {"volume": Decimal("0.5"), "pair": "XBT/USD"}, 3, token="T")
    assert order == {"event": "addOrder", "volume": "0.5", "pair": "XBT/USD", "token": "T",
                     "reqid": 3}  # fmt: skip
    assert codec.parse({"event": "heartbeat"}) == Heartbeat()
    assert codec.parse({"event": "pong", "reqid": 4}) == Pong(4)
    assert codec.parse(
        {"connectionID": 9, "event": "systemStatus", "status": "online", "version": "1.9"}
    ) == Status("online", "1.9", 9, "v1")
    error = codec.parse(
        {"errorMessage": "Subscription depth not supported", "event": "subscriptionStatus",
         "pair": "XBT/USD", "status": "error", "reqid": 42}
    )  # fmt: skip
    assert isinstance(error, Response)
    assert (error.success, error.symbol, error.req_id) == (False, "XBT/USD", 42)
    ok = codec.parse({"event": "subscriptionStatus", "status": "subscribed", "pair": "XBT/USD"})
    assert isinstance(ok, Response)
    assert ok.success
    assert codec.parse({"Error": "Exceeded msg rate"}) == Response(
        "error", False, None, {"Error": "Exceeded msg rate"}, "Exceeded msg rate"
    )


def test_v1_channel_layouts() -> None:
    codec = V1Codec()
    snapshot = codec.parse([336, {"as": [], "bs": []}, "book-10", "XBT/USD"])
    assert isinstance(snapshot, ChannelMessage)
    assert (snapshot.channel, snapshot.type, snapshot.symbol) == ("book", "snapshot", "XBT/USD")
    both = codec.parse([336, {"a": []}, {"b": [], "c": "1"}, "book-10", "XBT/USD"])
    assert isinstance(both, ChannelMessage)
    assert (both.type, len(both.data)) == ("update", 2)
    own = codec.parse([[{"T1": {"pair": "XBT/USD"}}], "ownTrades", {"sequence": 4}])
    assert isinstance(own, ChannelMessage)
    assert (own.channel, own.sequence, own.data) == ("ownTrades", 4, ({"T1": {"pair": "XBT/USD"}},))
    assert channel_base("ohlc-5") == "ohlc"
    assert channel_base("ticker") == "ticker"
    with pytest.raises(ProtocolError):
        codec.parse([1])


def test_correlator_counts_answers() -> None:
    c = Correlator()
    c.expect(1, 2)
    first = Response("subscribe", True, 1, symbol="A")
    assert c.feed(first) is None
    assert c.feed(Response("subscribe", True, 2)) is None  # not ours
    second = Response("subscribe", False, 1, error="Currency pair not supported B", symbol="B")
    assert c.feed(second) == [first, second]
    assert 1 not in c
    # a failure about the whole request ends it at once
    c.expect(3, 2)
    whole = Response("subscribe", False, 3, error="Invalid depth")
    assert c.feed(whole) == [whole]
    # cancel_order's errors name no symbol but are still one answer per order
    c.expect(4, 2, itemised_errors=True)
    assert c.feed(Response("cancel_order", False, 4, error="EOrder:Unknown order")) is None
    assert c.feed(Response("cancel_order", True, 4)) is not None
    with pytest.raises(ValueError, match="at least one"):
        c.expect(5, 0)


def test_subscriptions_group_by_options() -> None:
    subs = Subscriptions()
    subs.add("book", ["BTC/USD"], {"depth": 10})
    subs.add("book", ["ETH/USD"], {"depth": 10})
    subs.add("book", ["SOL/USD"], {"depth": 25})
    subs.add("executions", [], {"snap_trades": True, "token": "never kept"})
    groups = {(s.channel, s.symbols): s.params() for s in subs}
    assert groups == {
        ("book", ("BTC/USD", "ETH/USD")): {"depth": 10},
        ("book", ("SOL/USD",)): {"depth": 25},
        ("executions", ()): {"snap_trades": True},
    }
    found = subs.find("book", "ETH/USD")
    assert found is not None
    assert (found.symbols, found.params()) == (("ETH/USD",), {"depth": 10})
    subs.remove("book", ["BTC/USD", "ETH/USD"], {"depth": 10})
    subs.remove("executions", [], {"snap_trades": True})
    assert not subs.has("book", "BTC/USD")
    assert subs.has("book")
    assert len(subs) == 1
