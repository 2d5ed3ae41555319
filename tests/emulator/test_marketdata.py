"""Public market data recorded from a real engine: candles, ticker, trades, spread and books."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from krakenkit.emulator.engine import Engine
from krakenkit.emulator.marketdata import MarketData, since_ns
from krakenkit.protocol.errors import InvalidArguments
from tests.emulator.engine.builders import Clock, fund, make_engine, req

MIDNIGHT = 1_700_006_400  # 2023-11-15 00:00:00 UTC
BASE = MIDNIGHT - 4 * 3600  # 20:00 UTC, aligned to every interval up to 4 h
BTC = "XXBTZUSD"
ETH = "XETHZUSD"


@pytest.fixture
def clock() -> Clock:
    return Clock(float(BASE))


@pytest.fixture
def engine(clock: Clock) -> Engine:
    engine = make_engine(clock)
    for account in ("M", "T"):
        fund(engine, account, XXBT=1000, XETH=10_000, ZUSD=1_000_000_000)
    return engine


@pytest.fixture
def md(engine: Engine) -> MarketData:
    data = MarketData(engine)
    data.attach()
    data.attach()  # attaching twice listens once
    return data


def trade(
    engine: Engine,
    clock: Clock,
    price: str,
    volume: str = "0.5",
    *,
    at: float | None = None,
    side: str = "buy",
    pair: str = BTC,
) -> None:
    """One public trade: M rests an order at ``price`` and T takes it."""
    if at is not None:
        clock.now = at
    maker = "sell" if side == "buy" else "buy"
    engine.place("M", req(maker, volume=volume, price=price, pair=pair))
    taker = engine.place("T", req(side, volume=volume, price=price, pair=pair))
    assert taker.status == "closed"


def rest(engine: Engine, side: str, price: str, volume: str = "1", pair: str = BTC) -> None:
    order = engine.place("M", req(side, volume=volume, price=price, pair=pair))
    assert order.status == "open"


# -- OHLC ------------------------------------------------------------------------------------


def test_candles_bucket_per_interval_and_roll_over(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    trade(engine, clock, "90000", "0.5", at=BASE + 10)
    trade(engine, clock, "91000", "0.25", at=BASE + 30)
    trade(engine, clock, "89000", "1", at=BASE + 70)

    rows, last = md.ohlc(BTC, 1)
    assert rows == [
        [BASE, "90000.0", "91000.0", "90000.0", "91000.0", "90333.3", "0.75000000", 2],
        [BASE + 60, "89000.0", "89000.0", "89000.0", "89000.0", "89000.0", "1.00000000", 1],
    ]
    assert last == BASE
    rows, last = md.ohlc(BTC, 5)
    assert rows == [[BASE, "90000.0", "91000.0", "89000.0", "89000.0", "89571.4", "1.75000000", 3]]
    assert last == BASE  # no predecessor yet: the current candle's own time

    trade(engine, clock, "92000", "0.1", at=BASE + 300)  # a new 5-minute candle
    rows, last = md.ohlc(BTC, 5)
    assert [r[0] for r in rows] == [BASE, BASE + 300]
    assert rows[-1][1:] == ["92000.0"] * 5 + ["0.10000000", 1]
    assert last == BASE
    for interval in (15, 30, 60, 240):
        rows, _ = md.ohlc(BTC, interval)
        assert len(rows) == 1
        assert rows[0][0] == BASE
        assert rows[0][4:] == ["92000.0", "89702.7", "1.85000000", 4]
    rows, _ = md.ohlc(BTC, 1440)
    assert rows[0][0] == MIDNIGHT - 86_400
    rows, _ = md.ohlc(BTC, 10080)
    assert rows[0][0] % (10080 * 60) == 0
    assert rows[0][0] <= BASE < rows[0][0] + 10080 * 60
    with pytest.raises(InvalidArguments):
        md.ohlc(BTC, 2)


def test_ohlc_since_filters_but_keeps_the_current_candle(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    for minute in range(3):
        trade(engine, clock, str(90000 + minute), at=BASE + 60 * minute + 1)
    for since in (BASE, BASE * 1000, BASE * 10**9, str(BASE)):
        rows, last = md.ohlc(BTC, 1, since)
        assert [r[0] for r in rows] == [BASE + 60, BASE + 120]
        assert last == BASE + 60
    rows, last = md.ohlc(BTC, 1, BASE + 120)
    assert [r[0] for r in rows] == [BASE + 120]  # nothing newer, the current candle stays
    rows, _ = md.ohlc(BTC, 1, (BASE + 500) * 10**9)
    assert [r[0] for r in rows] == [BASE + 120]


def test_ohlc_keeps_at_most_720_rows(engine: Engine, clock: Clock, md: MarketData) -> None:
    for minute in range(725):
        trade(engine, clock, "90000", "0.001", at=BASE + 60 * minute)
    rows, last = md.ohlc(BTC, 1)
    assert len(rows) == 720
    assert rows[0][0] == BASE + 5 * 60
    assert rows[-1][0] == BASE + 724 * 60
    assert last == BASE + 723 * 60


def test_seed_gives_a_flat_candle_and_ticker_before_any_trade(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    md.seed(BTC, D("90000.0"), BASE + 30)
    rows, last = md.ohlc(BTC, 1)
    assert rows == [[BASE, "90000.0", "90000.0", "90000.0", "90000.0", "90000.0", "0.00000000", 0]]
    assert last == BASE
    ticker = md.ticker(BTC)
    assert ticker["c"] == ["90000.0", "0.00000000"]
    assert ticker["t"] == [0, 0]
    assert ticker["o"] == "90000.0"
    # the first trade extends the flat candle
    trade(engine, clock, "90100", "0.5", at=BASE + 40)
    rows, _ = md.ohlc(BTC, 1)
    assert rows == [[BASE, "90000.0", "90100.0", "90000.0", "90100.0", "90100.0", "0.50000000", 1]]
    md.seed(BTC, D("1"), BASE + 50)  # a later seed leaves existing candles alone
    assert md.ohlc(BTC, 1)[0] == rows
    # an unseeded pair answers from the engine's reference price
    eth_rows, _ = md.ohlc(ETH, 60)
    assert eth_rows == [[BASE, *["3000.00"] * 5, "0.00000000", 0]]


# -- Ticker ----------------------------------------------------------------------------------


def test_ticker_today_and_24h_windows_across_utc_midnight(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    trade(engine, clock, "90000", "1", at=MIDNIGHT - 3600)
    trade(engine, clock, "92000", "0.5", at=MIDNIGHT - 60, side="sell")
    trade(engine, clock, "91000", "0.25", at=MIDNIGHT + 60)
    trade(engine, clock, "90500", "0.25", at=MIDNIGHT + 120)
    rest(engine, "buy", "89000", "1.5")
    rest(engine, "sell", "95000", "2.25")
    clock.now = MIDNIGHT + 300

    ticker = md.ticker(BTC)
    assert ticker == {
        "a": ["95000.0", "2", "2.25000000"],
        "b": ["89000.0", "1", "1.50000000"],
        "c": ["90500.0", "0.25000000"],
        "v": ["0.50000000", "2.00000000"],
        "p": ["90750.0", "90687.5"],
        "t": [2, 4],
        "l": ["90500.0", "90000.0"],
        "h": ["91000.0", "92000.0"],
        "o": "91000.0",
    }
    ws = md.ticker(BTC, ws=True)
    assert ws["a"] == ["95000.0", 2, "2.25000000"]
    assert ws["o"] == ["91000.0", "90000.0"]

    clock.now = MIDNIGHT - 3600 + 86_400 + 60  # the first trade left the 24 h window
    ticker = md.ticker(BTC)
    assert ticker["t"] == [2, 3]
    assert ticker["v"] == ["0.50000000", "1.00000000"]
    assert ticker["h"] == ["91000.0", "92000.0"]
    assert ticker["l"] == ["90500.0", "90500.0"]

    clock.now = MIDNIGHT + 86_400 + 10  # a new UTC day without trades
    ticker = md.ticker(BTC)
    assert ticker["t"] == [0, 2]
    assert ticker["v"] == ["0.00000000", "0.50000000"]
    assert ticker["o"] == "90500.0"  # today's open is the last price
    assert ticker["l"][0] == ticker["h"][0] == ticker["p"][0] == "90500.0"


def test_ticker_types_match_kraken(engine: Engine, clock: Clock, md: MarketData) -> None:
    trade(engine, clock, "3001.25", "0.3", pair=ETH, at=BASE + 5)
    ticker = md.ticker(ETH)
    assert list(ticker) == ["a", "b", "c", "v", "p", "t", "l", "h", "o"]
    for key in ("a", "b"):
        assert len(ticker[key]) == 3
        assert all(isinstance(x, str) for x in ticker[key])
    assert ticker["c"] == ["3001.25", "0.30000000"]
    for key in ("v", "p", "l", "h"):
        assert len(ticker[key]) == 2
        assert all(isinstance(x, str) for x in ticker[key])
    assert all(type(x) is int for x in ticker["t"])
    assert isinstance(ticker["o"], str)
    assert ticker["a"] == ["3001.25", "0", "0.00000000"]  # empty side: the last price


# -- Trades ----------------------------------------------------------------------------------


def test_trades_rows_last_and_since(engine: Engine, clock: Clock, md: MarketData) -> None:
    rows, last = md.trades(BTC)
    assert rows == []
    assert last == "0"
    trade(engine, clock, "90000", "0.5", at=BASE + 0.25)
    rest(engine, "sell", "90001", "0.1")
    rest(engine, "sell", "90002", "0.2")
    clock.now = BASE + 1.5
    engine.place("T", req("buy", "market", volume="0.3"))  # two trades at one instant

    rows, last = md.trades(BTC)
    assert rows == [
        ["90000.0", "0.50000000", BASE + 0.25, "b", "l", "", 1],
        ["90001.0", "0.10000000", BASE + 1.5, "b", "m", "", 2],
        ["90002.0", "0.20000000", BASE + 1.5, "b", "m", "", 3],
    ]
    for row in rows:
        assert [type(x) for x in row] == [str, str, float, str, str, str, int]
    assert isinstance(last, str)
    assert last == str((BASE + 1) * 10**9 + 500_000_001)  # ids stay strictly increasing

    first, first_last = md.trades(BTC, count=1)
    assert first == rows[-1:]
    assert first_last == last
    newer, newer_last = md.trades(BTC, str((BASE + 1) * 10**9))
    assert newer == rows[1:]
    assert newer_last == last
    newer, _ = md.trades(BTC, BASE + 1)  # seconds work too
    assert newer == rows[1:]
    oldest, oldest_last = md.trades(BTC, BASE, count=2)
    assert oldest == rows[:2]
    assert int(oldest_last) == (BASE + 1) * 10**9 + 500_000_000
    none, none_last = md.trades(BTC, last)
    assert none == []
    assert none_last == last

    trade(engine, clock, "89000", "0.1", at=BASE + 2, side="sell")
    newer, newer_last = md.trades(BTC, last)
    assert newer == [["89000.0", "0.10000000", BASE + 2.0, "s", "l", "", 4]]
    assert int(newer_last) > int(last)


def test_since_magnitudes() -> None:
    seconds = 1_700_000_000
    assert since_ns(None) is None
    assert since_ns("") is None
    assert since_ns(seconds) == seconds * 10**9
    assert since_ns("1700000000.5") == seconds * 10**9 + 500_000_000
    assert since_ns(seconds * 1000) == seconds * 10**9
    assert since_ns(seconds * 10**6) == seconds * 10**9
    assert since_ns(str(seconds * 10**9 + 7)) == seconds * 10**9 + 7
    with pytest.raises(InvalidArguments):
        since_ns("yesterday")


# -- Spread ----------------------------------------------------------------------------------


def test_spread_records_top_of_book_changes_only(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    rest(engine, "buy", "89000")
    assert md.spread(BTC) == ([], 0)  # one-sided book: no spread yet
    clock.now = BASE + 1.7
    rest(engine, "sell", "91000")
    rest(engine, "buy", "88000")  # below the best bid: no change
    rest(engine, "sell", "91000", "2")  # more at the best ask: no change
    clock.now = BASE + 5
    rest(engine, "buy", "89500")
    trade(engine, clock, "91000", "1", at=BASE + 9)  # trades at the best ask, which stays

    rows, last = md.spread(BTC)
    assert rows == [
        [BASE + 1, "89000.0", "91000.0"],
        [BASE + 5, "89500.0", "91000.0"],
    ]
    for row in rows:
        assert [type(x) for x in row] == [int, str, str]
    assert last == BASE + 5
    assert md.spread(BTC, BASE + 1) == ([[BASE + 5, "89500.0", "91000.0"]], BASE + 5)
    assert md.spread(BTC, BASE + 5) == ([], BASE + 5)
    clock.now = BASE + 20
    engine.cancel_all("M")
    assert md.spread(BTC)[0] == rows  # an empty book records nothing


# -- Depth and GroupedBook --------------------------------------------------------------------


def test_depth_renders_levels_at_pair_precision(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    rest(engine, "buy", "2990.5", "1.5", pair=ETH)
    clock.now = BASE + 3.9
    rest(engine, "buy", "2995", "0.25", pair=ETH)
    rest(engine, "buy", "2980", "2", pair=ETH)
    clock.now = BASE + 7
    rest(engine, "sell", "3010.01", "0.123", pair=ETH)
    rest(engine, "sell", "3010.01", "0.1", pair=ETH)

    book = md.depth(ETH, 2)
    assert list(book) == ["asks", "bids"]
    assert book == {
        "asks": [["3010.01", "0.22300000", BASE + 7]],
        "bids": [["2995.00", "0.25000000", BASE + 3], ["2990.50", "1.50000000", BASE]],
    }
    for row in book["asks"] + book["bids"]:
        assert [type(x) for x in row] == [str, str, int]
    assert len(md.depth(ETH, 100)["bids"]) == 3
    # a partial fill changes the level and its time
    clock.now = BASE + 30
    engine.place("T", req("sell", volume="0.1", price="2995", pair=ETH))
    clock.now = BASE + 31
    assert md.depth(ETH, 1)["bids"] == [["2995.00", "0.15000000", BASE + 30]]


def test_grouped_book_rounds_asks_up_and_bids_down(
    engine: Engine, clock: Clock, md: MarketData
) -> None:
    for price, volume in (("89000.5", "1"), ("89000.3", "0.5"), ("88999.9", "2"), ("88990", "1")):
        rest(engine, "buy", price, volume)
    for price, volume in (("91000.1", "0.1"), ("91000.9", "0.2"), ("91001", "0.3")):
        rest(engine, "sell", price, volume)
    rest(engine, "sell", "91020", "1")

    grouped = md.grouped_book(BTC, 10, 10)  # 10 ticks of 0.1: levels of 1.0
    assert grouped == {
        "pair": "BTC/USD",
        "grouping": 10,
        "bids": [
            {"price": "89000.0", "qty": "1.50000000"},
            {"price": "88999.0", "qty": "2.00000000"},
            {"price": "88990.0", "qty": "1.00000000"},
        ],
        "asks": [
            {"price": "91001.0", "qty": "0.60000000"},
            {"price": "91020.0", "qty": "1.00000000"},
        ],
    }
    coarse = md.grouped_book(BTC, 10, 100)  # levels of 10.0
    assert coarse["bids"] == [
        {"price": "89000.0", "qty": "1.50000000"},
        {"price": "88990.0", "qty": "3.00000000"},
    ]
    assert coarse["asks"] == [
        {"price": "91010.0", "qty": "0.60000000"},
        {"price": "91020.0", "qty": "1.00000000"},
    ]
    fine = md.grouped_book(BTC, 10, 1)
    assert [level["price"] for level in fine["bids"]] == [
        "89000.5",
        "89000.3",
        "88999.9",
        "88990.0",
    ]
    with pytest.raises(InvalidArguments):
        md.grouped_book(BTC, 10, 3)
    with pytest.raises(InvalidArguments):
        md.grouped_book(BTC, 7, 1)


def test_grouped_book_keeps_only_depth_groups(engine: Engine, md: MarketData) -> None:
    for i in range(12):
        rest(engine, "sell", str(91000 + i), "0.01")
    asks = md.grouped_book(BTC, 10, 1)["asks"]
    assert len(asks) == 10
    assert asks[0] == {"price": "91000.0", "qty": "0.01000000"}
    assert asks[-1]["price"] == "91009.0"
