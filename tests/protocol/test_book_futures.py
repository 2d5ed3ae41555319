"""The futures order book against the real futures WebSocket capture (ten products, 7014 deltas)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from krakenkit.protocol.book import FuturesOrderBook
from krakenkit.protocol.errors import KrakenError, ProtocolError, SequenceGap
from tests.fixtures import iter_capture


def _book_messages() -> list[dict[str, Any]]:
    return [
        record.json
        for record in iter_capture("futures-ws.capture")
        if record.direction == "received"
        and isinstance(record.json, dict)
        and record.json.get("feed") in ("book", "book_snapshot")
        and "product_id" in record.json  # subscription acks also say feed "book"
    ]


@pytest.fixture(scope="module")
def book_messages() -> list[dict[str, Any]]:
    return _book_messages()


def test_every_delta_of_the_capture_applies_without_gap(
    book_messages: list[dict[str, Any]],
) -> None:
    books: dict[str, FuturesOrderBook] = {}
    deltas = 0
    for message in book_messages:
        product = message["product_id"]
        book = books.setdefault(product, FuturesOrderBook(product))
        book.apply(message)
        assert book.seq == message["seq"]
        deltas += message["feed"] == "book"
    assert len(books) == 10
    assert deltas == 7014
    for book in books.values():
        best_bid, best_ask = book.best_bid(), book.best_ask()
        assert best_bid is not None
        assert best_ask is not None
        assert best_bid[0] < best_ask[0]  # a book that lost a delta tends to cross
        spread = book.spread()
        assert spread is not None
        assert spread == best_ask[0] - best_bid[0]


def test_a_skipped_delta_raises_sequence_gap(book_messages: list[dict[str, Any]]) -> None:
    product = "PI_ETHUSD"
    mine = [m for m in book_messages if m["product_id"] == product]
    book = FuturesOrderBook(product)
    book.apply(mine[0])  # snapshot
    book.apply(mine[1])
    with pytest.raises(SequenceGap) as caught:
        book.apply(mine[3])  # mine[2] was lost
    assert caught.value.expected == mine[1]["seq"] + 1
    assert caught.value.got == mine[3]["seq"]
    assert product in caught.value.feed
    assert isinstance(caught.value, KrakenError)
    assert book.seq == mine[1]["seq"]  # nothing applied


def test_a_replayed_delta_is_a_gap_too(book_messages: list[dict[str, Any]]) -> None:
    product = "PI_XRPUSD"
    mine = [m for m in book_messages if m["product_id"] == product]
    book = FuturesOrderBook(product)
    book.apply(mine[0])
    book.apply(mine[1])
    with pytest.raises(SequenceGap):
        book.apply(mine[1])


def test_snapshot_then_deltas_update_levels() -> None:
    book = FuturesOrderBook("PF_XBTUSD")
    book.apply(
        {
            "feed": "book_snapshot",
            "product_id": "PF_XBTUSD",
            "seq": 10,
            "bids": [{"price": 34892.5, "qty": 6385}, {"price": 34890.0, "qty": 1.5}],
            "asks": [{"price": 34911.5, "qty": 20598}],
        }
    )
    assert book.bids() == [
        (Decimal("34892.5"), Decimal(6385)),
        (Decimal("34890.0"), Decimal("1.5")),
    ]
    delta = {"feed": "book", "product_id": "PF_XBTUSD", "side": "sell", "price": 34900.5}
    book.apply(delta | {"seq": 11, "qty": 7})
    book.apply({**delta, "side": "buy", "price": 34892.5, "seq": 12, "qty": 0})
    assert book.asks() == [(Decimal("34900.5"), Decimal(7)), (Decimal("34911.5"), Decimal(20598))]
    assert book.best_bid() == (Decimal("34890.0"), Decimal("1.5"))
    assert len(book) == 3
    assert "seq=12" in repr(book)
    book.clear()
    assert book.seq is None
    assert book.best_ask() is None
    assert book.spread() is None


def test_depth_truncates_each_side() -> None:
    book = FuturesOrderBook("PI_XBTUSD", depth=2)
    levels = [{"price": 100 + i, "qty": 1} for i in range(5)]
    book.apply(
        {
            "feed": "book_snapshot",
            "product_id": "PI_XBTUSD",
            "seq": 1,
            "bids": levels,
            "asks": levels,
        }
    )
    assert [p for p, _ in book.bids()] == [Decimal(104), Decimal(103)]
    assert [p for p, _ in book.asks()] == [Decimal(100), Decimal(101)]


@pytest.mark.parametrize(
    "message",
    [
        {"feed": "ticker_lite", "product_id": "PI_XBTUSD"},
        {"feed": "book", "product_id": "PI_XBTUSD", "seq": 1, "side": "buy", "price": 1, "qty": 1},
        {"feed": "book_snapshot", "product_id": "PI_ETHUSD", "seq": 1, "bids": [], "asks": []},
        {
            "feed": "book_snapshot",
            "product_id": "PI_XBTUSD",
            "seq": 1,
            "bids": [{"price": "x", "qty": 1}],
            "asks": [],
        },
        {"feed": "book_snapshot", "product_id": "PI_XBTUSD", "bids": [], "asks": []},
    ],
)
def test_bad_messages_raise_protocol_error(message: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        FuturesOrderBook("PI_XBTUSD").apply(message)


@pytest.mark.parametrize(
    "change", [{"side": "both"}, {"qty": -1}, {"price": None}, {"qty": float("nan")}]
)
def test_bad_deltas_raise_protocol_error(change: dict[str, Any]) -> None:
    book = FuturesOrderBook("PI_XBTUSD")
    book.apply(
        {"feed": "book_snapshot", "product_id": "PI_XBTUSD", "seq": 1, "bids": [], "asks": []}
    )
    delta = {
        "feed": "book",
        "product_id": "PI_XBTUSD",
        "seq": 2,
        "side": "buy",
        "price": 1,
        "qty": 1,
    }
    with pytest.raises(ProtocolError):
        book.apply(delta | change)


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        FuturesOrderBook("PI_XBTUSD", depth=0)
