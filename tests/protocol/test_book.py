"""The spot order book against Kraken's documented checksum examples and real captures.

Agreement with ourselves proves nothing, so every checksum here is either one Kraken published
(protocol.md §6) or one Kraken sent (the captures), plus a property test against a naive model
checked with the reference algorithm of protocol.md §14.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krakenkit.protocol.book import (
    OrderBook,
    checksum_text,
    crc32_checksum,
    format_ticks,
    level_text,
    ticks_to_decimal,
    to_ticks,
)
from krakenkit.protocol.errors import ChecksumMismatch, KrakenError, ProtocolError
from tests.fixtures import asset_pairs_result, iter_capture, load_json

# --- protocol.md §14 reference algorithm (strings in, CRC32 out) -----------------------------


def _strip(text: str) -> str:
    return text.replace(".", "").lstrip("0")


def reference_crc(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> int:
    """asks ascending, bids descending, as wire strings at full precision; top 10 each."""
    return zlib.crc32("".join(_strip(p) + _strip(q) for p, q in asks[:10] + bids[:10]).encode())


# --- documented examples (protocol.md §6.2) --------------------------------------------------

V1_DOC_ASKS = [(f"0.0{5005 + 5 * i}", "0.00000500") for i in range(10)]
V1_DOC_BID_PRICES = (
    "0.05000 0.04995 0.04990 0.04980 0.04975 0.04970 0.04965 0.04960 0.04955 0.04950"
)
V1_DOC_BIDS = [(p, "0.00000500") for p in V1_DOC_BID_PRICES.split(" ")]
V1_DOC_TEXT = (
    "50055005010500501550050205005025500503050050355005040500504550050505005000500499550049905004"
    "980500497550049705004965500496050049555004950500"
)

V2_DOC_ASKS = [
    ("45285.2", "0.00100000"), ("45286.4", "1.54571953"), ("45286.6", "1.54571109"),
    ("45289.6", "1.54560911"), ("45290.2", "0.15890660"), ("45291.8", "1.54553491"),
    ("45294.7", "0.04454749"), ("45296.1", "0.35380000"), ("45297.5", "0.09945542"),
    ("45299.5", "0.18772827"),
]  # fmt: skip
V2_DOC_BIDS = [
    ("45283.5", "0.10000000"), ("45283.4", "1.54582015"), ("45282.1", "0.10000000"),
    ("45281.0", "0.10000000"), ("45280.3", "1.54592586"), ("45279.0", "0.07990000"),
    ("45277.6", "0.03310103"), ("45277.5", "0.30000000"), ("45277.3", "1.54602737"),
    ("45276.6", "0.15445238"),
]  # fmt: skip

# Kraken's v2 book page snapshot (docs.kraken.com), as the JSON numbers it shows.
MATIC_BIDS = [
    (0.5666, 4831.75496356), (0.5665, 6658.22734739), (0.5664, 18724.91513344),
    (0.5663, 11563.92544914), (0.5662, 14006.65365711), (0.5661, 17454.85679807),
    (0.566, 18097.1547), (0.5659, 33644.89175666), (0.5658, 148.3464), (0.5657, 606.70854372),
]  # fmt: skip
MATIC_ASKS = [
    (0.5668, 4410.79769741), (0.5669, 4655.40412487), (0.567, 49844.89424998),
    (0.5671, 24306.41678), (0.5672, 29783.25223475), (0.5673, 57234.71239278),
    (0.5674, 45065.04744), (0.5675, 5912.76380354), (0.5676, 42514.92434778),
    (0.5677, 36304.0847022),
]  # fmt: skip


def v2_message(
    symbol: str, kind: str, asks: list[tuple[Any, Any]], bids: list[tuple[Any, Any]], checksum: int
) -> dict[str, Any]:
    return {
        "channel": "book",
        "type": kind,
        "data": [
            {
                "symbol": symbol,
                "bids": [{"price": p, "qty": q} for p, q in bids],
                "asks": [{"price": p, "qty": q} for p, q in asks],
                "checksum": checksum,
                "timestamp": "2023-10-06T17:35:55.440295Z",
            }
        ],
    }


def test_v1_documented_example_checksum() -> None:
    book = OrderBook("XBT/USD", 10, 5, 8)
    snapshot = [
        0,
        {
            "as": [[p, q, "1.0"] for p, q in V1_DOC_ASKS],
            "bs": [[p, q, "1.0"] for p, q in V1_DOC_BIDS],
        },
        "book-10",
        "XBT/USD",
    ]
    book.apply_v1(snapshot)
    assert checksum_text(book.ask_ticks(), book.bid_ticks()) == V1_DOC_TEXT
    assert book.checksum() == 974947235
    assert reference_crc(V1_DOC_ASKS, V1_DOC_BIDS) == 974947235


def test_v1_single_level_text_drops_dot_and_leading_zeros() -> None:
    assert level_text(to_ticks("0.05000", 5), to_ticks("0.00000304", 8)) == "5000304"


def test_v2_documented_example_checksum() -> None:
    asks = [(float(p), float(q)) for p, q in V2_DOC_ASKS]
    bids = [(float(p), float(q)) for p, q in V2_DOC_BIDS]
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply_v2(v2_message("BTC/USD", "snapshot", asks, bids, 3310070434))  # validates
    assert book.checksum() == 3310070434
    assert book.best_ask() == (Decimal("45285.2"), Decimal("0.00100000"))
    assert book.best_bid() == (Decimal("45283.5"), Decimal("0.10000000"))


def test_matic_example_needs_the_instrument_precision() -> None:
    message = v2_message("MATIC/USD", "snapshot", MATIC_ASKS, MATIC_BIDS, 2439117997)
    OrderBook("MATIC/USD", 10, 4, 8).apply_v2(message)  # price precision 4: Kraken's checksum
    with pytest.raises(ChecksumMismatch) as caught:
        OrderBook("MATIC/USD", 10, 5, 8).apply_v2(message)
    assert caught.value.expected == 2439117997
    assert caught.value.actual == 1472384375  # what 5 price decimals give (protocol.md §6.2)
    assert caught.value.symbol == "MATIC/USD"


@pytest.mark.parametrize("kind", ["float", "decimal", "str", "decimal-normalized"])
def test_v2_accepts_every_number_decoding(kind: str) -> None:
    def convert(text: str) -> Any:
        if kind == "float":
            return float(text)
        if kind == "decimal":
            return Decimal(text)
        if kind == "decimal-normalized":
            return Decimal(text).normalize()  # parse_float=Decimal on numbers without zeros
        return text

    asks = [(convert(p), convert(q)) for p, q in V2_DOC_ASKS]
    bids = [(convert(p), convert(q)) for p, q in V2_DOC_BIDS]
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply_v2(v2_message("BTC/USD", "snapshot", asks, bids, 3310070434))
    assert book.asks()[2] == (Decimal("45286.6"), Decimal("1.54571109"))


def test_crc32_checksum_from_ticks_matches_the_reference() -> None:
    asks = [(to_ticks(p, 1), to_ticks(q, 8)) for p, q in V2_DOC_ASKS]
    bids = [(to_ticks(p, 1), to_ticks(q, 8)) for p, q in V2_DOC_BIDS]
    assert crc32_checksum(asks, bids) == 3310070434
    # only ten levels per side count
    assert crc32_checksum([*asks, (1, 1)], [*bids, (1, 1)]) == 3310070434


# --- real captures ---------------------------------------------------------------------------


def _v1_book_messages() -> tuple[list[Any], list[list[Any]]]:
    data = load_json("ws-v1-book-btcusd.json")
    snapshot = next(m for m in data["init"] if isinstance(m, list))
    return snapshot, [m for m in data["updates"] if isinstance(m, list)]


def test_every_v1_btcusd_checksum_validates() -> None:
    snapshot, updates = _v1_book_messages()
    book = OrderBook("XBT/USD", 10, 1, 8)  # pair_decimals 1; the wire strings carry 5
    book.apply_v1(snapshot)
    assert book.price_decimals == 5
    checked = republished = 0
    for message in updates:
        book.apply_v1(message)  # raises on any disagreement
        checked += "c" in message[-3]
        republished += sum(len(level) == 4 for part in message[1:-2] for level in part.get("b", []))
        republished += sum(len(level) == 4 for part in message[1:-2] for level in part.get("a", []))
        assert len(book.bids()) <= 10
        assert len(book.asks()) <= 10
    assert checked == 979
    assert republished > 0  # the capture exercises "r" entries
    assert any(len(m) == 5 for m in updates)  # and updates split over two dicts


def test_every_v2_btcusd_checksum_validates() -> None:
    data = load_json("ws-v2-book-btcusd.json")
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply_v2(data["init"])  # the snapshot carries checksum 2785033588 too
    assert book.checksum() == 2785033588
    for message in data["updates"]:
        book.apply_v2(message)
    assert len(data["updates"]) == 509
    assert book.checksum() == data["updates"][-1]["data"][0]["checksum"]
    best_bid, best_ask = book.best_bid(), book.best_ask()
    assert best_bid is not None
    assert best_ask is not None
    assert best_bid[0] < best_ask[0]


def test_v2_btcusd_with_decimal_parsing_validates_too() -> None:
    data = load_json("ws-v2-book-btcusd.json", decimal=True)
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply_v2(data["init"])
    for message in data["updates"]:
        book.apply_v2(message)


def test_corrupted_v1_update_raises_checksum_mismatch() -> None:
    snapshot, updates = _v1_book_messages()
    book = OrderBook("XBT/USD", 10, 5, 8)
    book.apply_v1(snapshot)
    for message in updates[:20]:
        book.apply_v1(message)
    bad = copy.deepcopy(updates[20])
    part = bad[1]
    side = "a" if "a" in part else "b"
    level = next(lv for lv in part[side] if lv[1] != "0.00000000")
    level[1] = format_ticks(to_ticks(level[1], 8) + 1, 8)  # one satoshi more
    with pytest.raises(ChecksumMismatch) as caught:
        book.apply_v1(bad)
    assert caught.value.expected == int(bad[-3]["c"])
    assert caught.value.actual != caught.value.expected
    assert isinstance(caught.value, ProtocolError)
    assert isinstance(caught.value, KrakenError)


def test_corrupted_v2_update_raises_checksum_mismatch() -> None:
    data = load_json("ws-v2-book-btcusd.json")
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply_v2(data["init"])
    bad = copy.deepcopy(data["updates"][0])
    entry = bad["data"][0]
    levels = [lv for lv in entry["asks"] if lv["qty"]]
    target = min(levels, key=lambda lv: lv["price"])  # the best ask: surely among the ten best
    target["qty"] = round(target["qty"] + 0.00000001, 8)
    with pytest.raises(ChecksumMismatch):
        book.apply_v2(bad)


def _book1000() -> Iterator[list[Any]]:
    for record in iter_capture("ws-v1-book1000.capture"):
        if record.direction == "received" and isinstance(record.json, list):
            yield record.json


def test_every_book1000_checksum_validates_on_ten_pairs() -> None:
    pairs = {v["wsname"]: v for v in asset_pairs_result().values() if "wsname" in v}
    books: dict[str, OrderBook] = {}
    wire_decimals: dict[str, int] = {}
    updates = 0
    for message in _book1000():
        pair = message[-1]
        if pair not in books:
            info = pairs[pair]
            books[pair] = OrderBook(pair, 1000, info["pair_decimals"], info["lot_decimals"])
            wire_decimals[pair] = len(message[1]["as"][0][0].split(".")[1])
        books[pair].apply_v1(message)
        updates += "c" in message[-3]
    assert len(books) == 10
    assert updates == 4269
    for pair, book in books.items():
        assert book.price_decimals == wire_decimals[pair]
        assert 0 < len(book.bids()) <= 1000
        assert 0 < len(book.asks()) <= 1000
        spread = book.spread()
        assert spread is not None
        assert spread > 0


# --- behaviour -------------------------------------------------------------------------------


def test_levels_beyond_depth_are_dropped_and_republished_levels_return() -> None:
    book = OrderBook("X/Y", 3, 1, 0)
    asks = [("10.1", "1"), ("10.2", "2"), ("10.3", "3")]
    bids = [("9.9", "1"), ("9.8", "2"), ("9.7", "3")]
    book.apply_v2(v2_message("X/Y", "snapshot", asks, bids, _crc(asks, bids)))
    # a better ask pushes 10.3 out of the book
    asks2 = [("10.0", "5"), ("10.1", "1"), ("10.2", "2")]
    book.apply_v2(v2_message("X/Y", "update", [("10.0", "5")], [], _crc(asks2, bids)))
    assert [str(p) for p, _ in book.asks()] == ["10.0", "10.1", "10.2"]
    # deleting 10.0 leaves two levels until Kraken republishes one
    asks3 = [("10.1", "1"), ("10.2", "2"), ("10.4", "7")]
    book.apply_v2(
        v2_message("X/Y", "update", [("10.0", "0"), ("10.4", "7")], [], _crc(asks3, bids))
    )
    assert book.asks() == [(Decimal(p), Decimal(q)) for p, q in asks3]
    assert len(book) == 6


def _crc(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> int:
    return reference_crc(asks, bids)


def test_reading_an_empty_book() -> None:
    book = OrderBook("XBT/USD", 10, 1, 8)
    assert book.bids() == []
    assert book.asks() == []
    assert book.best_bid() is None
    assert book.best_ask() is None
    assert book.spread() is None
    assert len(book) == 0
    assert book.checksum() == zlib.crc32(b"")
    assert "XBT/USD" in repr(book)


def test_clear_forgets_every_level() -> None:
    snapshot, updates = _v1_book_messages()
    book = OrderBook("XBT/USD", 10, 5, 8)
    book.apply_v1(snapshot)
    assert len(book) == 20
    book.clear()
    assert len(book) == 0
    assert book.checksum() == zlib.crc32(b"")
    book.apply_v1(snapshot)
    book.apply_v1(updates[0])


def test_spread_and_best_levels_are_exact_decimals() -> None:
    snapshot, _ = _v1_book_messages()
    book = OrderBook("XBT/USD", 10, 5, 8)
    book.apply_v1(snapshot)
    assert book.best_ask() == (Decimal("27120.00000"), Decimal("4.28732553"))
    assert book.best_bid() == (Decimal("27119.90000"), Decimal("13.54067548"))
    assert book.spread() == Decimal("0.10000")
    assert book.bids(2) == book.bids()[:2]
    assert book.asks(0) == []


@pytest.mark.parametrize(
    "message",
    [
        [336, {"a": [["x.00000", "1.00000000", "1"]], "c": "1"}, "book-10", "XBT/USD"],
        [336, {"a": [["1.00000"]], "c": "1"}, "book-10", "XBT/USD"],
        [336, {"a": [["1.00000", "-1.00000000", "1"]], "c": "1"}, "book-10", "XBT/USD"],
        [336, {"a": [["1.000001", "1.00000000", "1"]], "c": "1"}, "book-10", "XBT/USD"],
        [336, {"b": [], "c": "not a number"}, "book-10", "XBT/USD"],
        [336, {"b": [], "c": "1"}, "book-10", "ETH/USD"],
        {"event": "heartbeat"},
    ],
)
def test_malformed_v1_messages_raise_protocol_error(message: Any) -> None:
    book = OrderBook("XBT/USD", 10, 5, 8)
    with pytest.raises(ProtocolError):
        book.apply_v1(message)


@pytest.mark.parametrize(
    "message",
    [
        {"channel": "book", "type": "update"},
        v2_message("ETH/USD", "update", [], [], 0),
        v2_message("BTC/USD", "update", [(1.5, "x")], [], 0),
        v2_message("BTC/USD", "snapshot", [(Decimal("1.55"), 1.0)], [], 0),
        v2_message("BTC/USD", "update", [(float("inf"), 1.0)], [], 0),
        v2_message("BTC/USD", "update", [(True, 1.0)], [], 0),
    ],
)
def test_malformed_v2_messages_raise_protocol_error(message: Any) -> None:
    book = OrderBook("BTC/USD", 10, 1, 8)
    with pytest.raises(ProtocolError):
        book.apply_v2(message)


def test_constructor_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match="depth"):
        OrderBook("XBT/USD", 0, 1, 8)
    with pytest.raises(ValueError, match="decimals"):
        OrderBook("XBT/USD", 10, -1, 8)


# --- ticks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticks", "decimals", "text"),
    [(2712000000, 5, "27120.00000"), (5, 8, "0.00000005"), (-15, 1, "-1.5"), (42, 0, "42")],
)
def test_format_ticks(ticks: int, decimals: int, text: str) -> None:
    assert format_ticks(ticks, decimals) == text
    assert to_ticks(text, decimals) == ticks
    assert ticks_to_decimal(ticks, decimals) == Decimal(text)
    assert format(ticks_to_decimal(ticks, decimals), "f") == text


def test_every_float_in_the_v2_capture_converts_exactly() -> None:
    data = load_json("ws-v2-book-btcusd.json")
    entries = [data["init"]["data"][0]] + [m["data"][0] for m in data["updates"]]
    seen = 0
    for entry in entries:
        for level in entry["bids"] + entry["asks"]:
            assert to_ticks(level["price"], 1) == int(Decimal(repr(level["price"])).scaleb(1))
            assert to_ticks(level["qty"], 8) == int(Decimal(repr(level["qty"])).scaleb(8))
            seen += 1
    assert seen > 600


def test_float_limits() -> None:
    assert to_ticks(0.1, 1) == 1
    assert to_ticks(4831.75496356, 8) == 483175496356
    assert to_ticks(9999999.99999999, 8) == 999999999999999  # 15 digits: still exact
    assert to_ticks(50_000_000.0, 8) == 5_000_000_000_000_000  # large but few digits: exact
    with pytest.raises(ProtocolError, match="parse_float=Decimal"):
        to_ticks(12345678.123456789, 8)  # 17 digits: a float cannot be trusted
    with pytest.raises(ProtocolError):
        to_ticks(float("nan") * 10**20, 0)


@pytest.mark.parametrize(
    ("value", "decimals", "ticks"),
    [
        ("1.2300", 2, 123),
        ("1", 3, 1000),
        (Decimal("1.20"), 1, 12),
        (Decimal("1E+2"), 0, 100),
        (7, 2, 700),
        ("0.00000000", 8, 0),
    ],
)
def test_to_ticks_exact_inputs(value: Any, decimals: int, ticks: int) -> None:
    assert to_ticks(value, decimals) == ticks


@pytest.mark.parametrize(
    "value", ["1.005", Decimal("1.005"), "abc", "", "1.2.3", Decimal("NaN"), None, False, "١.٥"]
)
def test_to_ticks_refuses_inexact_or_non_numbers(value: Any) -> None:
    with pytest.raises(ProtocolError):
        to_ticks(value, 2)


# --- property: the book equals a naive model -------------------------------------------------

# (side, price ticks, qty ticks); qty 0 deletes
level_change = st.tuples(st.sampled_from("ab"), st.integers(1, 40), st.integers(0, 5))
messages = st.lists(st.lists(level_change, min_size=1, max_size=4), min_size=1, max_size=25)


class NaiveBook:
    """dict + sort, truncated after each message; checksum by protocol.md §14 on strings."""

    def __init__(self, depth: int, pd: int, qd: int) -> None:
        self.depth, self.pd, self.qd = depth, pd, qd
        self.side: dict[str, dict[int, int]] = {"a": {}, "b": {}}

    def apply(self, changes: list[tuple[str, int, int]]) -> None:
        for side, price, qty in changes:
            if qty:
                self.side[side][price] = qty
            else:
                self.side[side].pop(price, None)
        for side in "ab":
            keep = self.levels(side)[: self.depth]
            self.side[side] = dict(keep)

    def levels(self, side: str) -> list[tuple[int, int]]:
        return sorted(self.side[side].items(), reverse=side == "b")

    def strings(self, side: str) -> list[tuple[str, str]]:
        return [(format_ticks(p, self.pd), format_ticks(q, self.qd)) for p, q in self.levels(side)]

    def checksum(self) -> int:
        return reference_crc(self.strings("a"), self.strings("b"))

    def decimals(self, side: str) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(q)) for p, q in self.strings(side)]


@settings(max_examples=150, deadline=None)
@given(
    depth=st.integers(1, 12),
    pd=st.integers(0, 4),
    qd=st.integers(0, 8),
    initial=st.lists(level_change, max_size=30),
    updates=messages,
    qty_scale=st.sampled_from([1, 10**7 + 1, 123_456_789]),
    encoding=st.sampled_from(["float", "decimal", "str"]),
)
def test_book_matches_naive_model(
    depth: int,
    pd: int,
    qd: int,
    initial: list[tuple[str, int, int]],
    updates: list[list[tuple[str, int, int]]],
    qty_scale: int,
    encoding: str,
) -> None:
    def scaled(changes: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        return [(s, p * 997, q * qty_scale) for s, p, q in changes]  # multi-digit ticks

    def number(ticks: int, decimals: int) -> Any:
        text = format_ticks(ticks, decimals)
        return {"float": float, "decimal": Decimal, "str": str}[encoding](text)

    model = NaiveBook(depth, pd, qd)
    v1 = OrderBook("XBT/USD", depth, pd, qd)
    v2 = OrderBook("BTC/USD", depth, pd, qd)

    model.apply([c for c in scaled(initial) if c[2]])
    snapshot_v1 = {"as": [[p, q, "0"] for p, q in model.strings("a")]}
    snapshot_v1["bs"] = [[p, q, "0"] for p, q in model.strings("b")]
    v1.apply_v1([0, snapshot_v1, f"book-{depth}", "XBT/USD"])
    v2_levels = {s: [(number(p, pd), number(q, qd)) for p, q in model.levels(s)] for s in "ab"}
    v2.apply_v2(v2_message("BTC/USD", "snapshot", v2_levels["a"], v2_levels["b"], model.checksum()))

    for raw in updates:
        changes = scaled(raw)
        model.apply(changes)
        expected = model.checksum()
        per_side = {
            s: [
                (format_ticks(p, pd), format_ticks(q, qd), "0")
                for side, p, q in changes
                if side == s
            ]
            for s in "ab"
        }
        parts: list[dict[str, Any]] = [
            {s: [list(lv) for lv in per_side[s]]} for s in "ab" if per_side[s]
        ]
        parts[-1]["c"] = str(expected)
        v1.apply_v1([0, *parts, f"book-{depth}", "XBT/USD"])
        asks = [(number(p, pd), number(q, qd)) for side, p, q in changes if side == "a"]
        bids = [(number(p, pd), number(q, qd)) for side, p, q in changes if side == "b"]
        v2.apply_v2(v2_message("BTC/USD", "update", asks, bids, expected))
        for book in (v1, v2):
            assert book.checksum() == expected
            assert book.asks() == model.decimals("a")
            assert book.bids() == model.decimals("b")
