"""The emulator's public market data, kept from engine events.

:class:`MarketData` listens to an :class:`~krakenkit.emulator.engine.Engine` and keeps, per pair,
what Kraken's public REST endpoints show: OHLC candles for every interval, the trade tape with
nanosecond ids, the spread history and when each book level last changed. Its rendering methods
return the ``result`` pieces of Ticker, OHLC, Trades, Spread, Depth and GroupedBook exactly as
Kraken sends them: numbers are strings at the pair's precision, timestamps ints or floats.

Like Kraken, candles exist only for intervals that saw a trade (gaps are not filled). Ticker
statistics are summed from the 1-minute candles, which are kept for ``history_days`` days (only the
last 720 are ever rendered), so the 24 h window has minute granularity. Money is never float.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from itertools import islice
from typing import Any

from krakenkit.emulator.engine import Engine, Event, LevelEvent, PublicTrade, TradeEvent
from krakenkit.emulator.engine.book import BookSide
from krakenkit.protocol.assets import PairInfo, format_price, format_volume
from krakenkit.protocol.errors import api_error

__all__ = [
    "GROUPED_DEPTHS",
    "GROUPINGS",
    "INTERVALS",
    "Candle",
    "MarketData",
    "since_ns",
]

#: OHLC intervals in minutes.
INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
GROUPED_DEPTHS = (10, 25, 100, 250, 1000)
GROUPINGS = (1, 5, 10, 25, 50, 100, 250, 500, 1000)
OHLC_SIZE = 720
SPREAD_SIZE = 200
TAPE_SIZE = 5000
_DAY = 86_400
_NS = 1_000_000_000
_ZERO = Decimal(0)
_INVALID = "EGeneral:Invalid arguments"

Rows = list[list[Any]]
Since = int | float | str | Decimal | None


@dataclass(slots=True)
class Candle:
    """One OHLC candle; ``time`` is its start (seconds), ``value`` the sum of price * volume."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = _ZERO
    value: Decimal = _ZERO
    count: int = 0

    @property
    def vwap(self) -> Decimal:
        return self.value / self.volume if self.volume else self.close

    def add(self, price: Decimal, volume: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += volume
        self.value += price * volume
        self.count += 1


class _Stats:
    """Volume, value, count, low and high summed over candles (one ticker window)."""

    __slots__ = ("count", "high", "low", "open", "value", "volume")

    def __init__(self) -> None:
        self.volume = self.value = _ZERO
        self.count = 0
        self.low: Decimal | None = None
        self.high: Decimal | None = None
        self.open: Decimal | None = None  # of the earliest candle added (added newest first)

    def add(self, candle: Candle) -> None:
        self.volume += candle.volume
        self.value += candle.value
        self.count += candle.count
        self.low = candle.low if self.low is None else min(self.low, candle.low)
        self.high = candle.high if self.high is None else max(self.high, candle.high)
        self.open = candle.open


class _PairState:
    __slots__ = ("candles", "last_id", "last_trade", "level_times", "seed_price", "spreads", "tape")

    def __init__(self, minutes: int) -> None:
        self.candles: dict[int, deque[Candle]] = {
            iv: deque(maxlen=minutes if iv == 1 else OHLC_SIZE) for iv in INTERVALS
        }
        self.tape: deque[tuple[int, PublicTrade]] = deque(maxlen=TAPE_SIZE)
        self.last_id = 0
        self.last_trade: PublicTrade | None = None
        self.seed_price: Decimal | None = None
        self.spreads: deque[tuple[int, Decimal, Decimal]] = deque(maxlen=SPREAD_SIZE)
        self.level_times: dict[str, dict[Decimal, float]] = {"buy": {}, "sell": {}}


def since_ns(since: Since) -> int | None:
    """A ``since`` value in nanoseconds, its unit guessed by magnitude (s, ms, µs or ns)."""
    if since is None or since == "" or isinstance(since, bool):
        return None
    try:
        value = Decimal(str(since).strip())
    except InvalidOperation:
        raise api_error([_INVALID]) from None
    if not value.is_finite():
        raise api_error([_INVALID])
    if value <= 0:
        return 0
    for limit, scale in ((Decimal("1e11"), _NS), (Decimal("1e14"), 10**6), (Decimal("1e17"), 1000)):
        if value < limit:
            return int(value * scale)
    return int(value)


def _ns_of(time: float) -> int:
    return int(Decimal(repr(time)) * _NS)


def _px(pair: PairInfo, price: Decimal) -> str:
    return format_price(pair, price, round=True)


def _vol(pair: PairInfo, volume: Decimal) -> str:
    return format_volume(pair, volume, round=True)


class MarketData:
    """Public market data of every pair of ``engine``, updated from its events once attached."""

    def __init__(self, engine: Engine, *, history_days: int = 1) -> None:
        self.engine = engine
        self.history_days = max(1, history_days)
        self._minutes = max(OHLC_SIZE, self.history_days * 1440 + 1)
        self._pairs: dict[str, _PairState] = {}

    # -- recording -----------------------------------------------------------------------------

    def attach(self) -> None:
        """Start listening to the engine (once)."""
        if self._on_event not in self.engine.listeners:
            self.engine.listeners.append(self._on_event)

    def detach(self) -> None:
        if self._on_event in self.engine.listeners:
            self.engine.listeners.remove(self._on_event)

    def _state(self, pair_id: str) -> _PairState:
        state = self._pairs.get(pair_id)
        if state is None:
            state = self._pairs[pair_id] = _PairState(self._minutes)
        return state

    def _on_event(self, event: Event) -> None:
        if isinstance(event, TradeEvent):
            self._record_trade(event.trade)
            self._record_spread(event.trade.pair_id, event.trade.time)
        elif isinstance(event, LevelEvent):
            now = self.engine.clock()
            times = self._state(event.pair_id).level_times[event.side]
            if event.price in self.engine.books[event.pair_id].side(event.side).levels:
                times[event.price] = now
            else:
                times.pop(event.price, None)
            self._record_spread(event.pair_id, now)

    def _record_trade(self, trade: PublicTrade) -> None:
        state = self._state(trade.pair_id)
        price, volume, time = trade.price, trade.volume, trade.time
        for interval, candles in state.candles.items():
            seconds = interval * 60
            start = int(time // seconds) * seconds
            if candles and start <= candles[-1].time:
                candles[-1].add(price, volume)  # a clock going back stays in the current candle
            else:
                candles.append(Candle(start, price, price, price, price, volume, price * volume, 1))
        trade_ns = max(_ns_of(time), state.last_id + 1)
        state.last_id = trade_ns
        state.tape.append((trade_ns, trade))
        state.last_trade = trade

    def _record_spread(self, pair_id: str, now: float) -> None:
        book = self.engine.books[pair_id]
        bid, ask = book.bids.best(), book.asks.best()
        if bid is None or ask is None:
            return
        spreads = self._state(pair_id).spreads
        if spreads and spreads[-1][1] == bid and spreads[-1][2] == ask:
            return
        spreads.append((int(now), bid, ask))

    def seed(self, pair_id: str, price: Decimal, now: float) -> None:
        """Give ``pair_id`` a flat first candle at ``price`` in every interval still empty."""
        state = self._state(pair_id)
        state.seed_price = price
        for interval, candles in state.candles.items():
            if not candles:
                start = int(now // (interval * 60)) * interval * 60
                candles.append(Candle(start, price, price, price, price))

    # -- reading -------------------------------------------------------------------------------

    def _pair(self, pair: PairInfo | str) -> PairInfo:
        if isinstance(pair, PairInfo):
            return pair
        try:
            return self.engine.pairs[pair]
        except KeyError:
            raise api_error(["EQuery:Unknown asset pair"]) from None

    def last_price(self, pair_id: str) -> Decimal:
        """The last trade price, else the seeded one, else the engine's reference or zero."""
        state = self._state(pair_id)
        if state.last_trade is not None:
            return state.last_trade.price
        if state.seed_price is not None:
            return state.seed_price
        known = self.engine.last_price.get(pair_id)
        if known is not None:
            return known
        return self.engine.books[pair_id].mid() or _ZERO

    def candles(self, pair_id: str, interval: int) -> deque[Candle]:
        """The stored candles of one interval, oldest first (the last is the current one)."""
        if interval not in INTERVALS:
            raise api_error([_INVALID])
        return self._state(pair_id).candles[interval]

    def ticker(self, pair: PairInfo | str, *, ws: bool = False) -> dict[str, Any]:
        """Ticker's entry for one pair; ``ws=True`` gives the WS v1 variant (ints, ``o`` pair)."""
        pair = self._pair(pair)
        state = self._state(pair.id)
        now = self.engine.clock()
        last = self.last_price(pair.id)
        midnight = int(now // _DAY) * _DAY
        today, day = _Stats(), _Stats()
        for candle in reversed(state.candles[1]):
            if candle.time + 60 <= now - _DAY:
                break
            if candle.count:
                day.add(candle)
                if candle.time >= midnight:
                    today.add(candle)
        book = self.engine.books[pair.id]

        def top(side: BookSide) -> list[Any]:
            level = side.depth(1)
            price, qty = level[0] if level else (last, _ZERO)
            return [_px(pair, price), int(qty) if ws else str(int(qty)), _vol(pair, qty)]

        def both(today_value: Decimal | None, day_value: Decimal | None) -> list[str]:
            return [_px(pair, last if v is None else v) for v in (today_value, day_value)]

        trade = state.last_trade
        opens = both(today.open, day.open)
        return {
            "a": top(book.asks),
            "b": top(book.bids),
            "c": [_px(pair, last), _vol(pair, trade.volume if trade else _ZERO)],
            "v": [_vol(pair, today.volume), _vol(pair, day.volume)],
            "p": [_px(pair, s.value / s.volume if s.volume else last) for s in (today, day)],
            "t": [today.count, day.count],
            "l": both(today.low, day.low),
            "h": both(today.high, day.high),
            "o": opens if ws else opens[0],
        }

    def ohlc(
        self, pair: PairInfo | str, interval: int = 1, since: Since = None
    ) -> tuple[Rows, int]:
        """OHLC rows (at most 720, the current candle always last) and ``last``."""
        pair = self._pair(pair)
        candles = self.candles(pair.id, interval)
        if not candles:
            self.seed(pair.id, self.last_price(pair.id), self.engine.clock())
        recent = list(islice(reversed(candles), OHLC_SIZE))[::-1]
        after = since_ns(since)
        rows = [
            [
                c.time,
                *(_px(pair, v) for v in (c.open, c.high, c.low, c.close, c.vwap)),
                _vol(pair, c.volume),
                c.count,
            ]
            for c in recent
            if after is None or c.time * _NS > after or c is recent[-1]
        ]
        return rows, recent[-2].time if len(recent) > 1 else recent[-1].time

    def trades(
        self, pair: PairInfo | str, since: Since = None, count: int = 1000
    ) -> tuple[Rows, str]:
        """Trades rows oldest first and ``last`` (a string nanosecond id).

        Without ``since`` the latest ``count`` trades; with it, the first ``count`` newer ones.
        """
        pair = self._pair(pair)
        state = self._state(pair.id)
        after = since_ns(since)
        picked: list[tuple[int, PublicTrade]]
        if after is None:
            picked = list(islice(reversed(state.tape), max(count, 0)))[::-1]
        else:
            newer: list[tuple[int, PublicTrade]] = []
            for entry in reversed(state.tape):
                if entry[0] <= after:
                    break
                newer.append(entry)
            picked = newer[::-1][: max(count, 0)]
        rows: Rows = [
            [
                _px(pair, t.price),
                _vol(pair, t.volume),
                float(t.time),
                t.side,
                t.ordertype,
                "",
                t.trade_id,
            ]
            for _, t in picked
        ]
        if picked:
            last = picked[-1][0]
        else:
            last = state.last_id if after is None else max(after, state.last_id)
        return rows, str(last)

    def spread(self, pair: PairInfo | str, since: Since = None) -> tuple[Rows, int]:
        """Spread rows ``[time, bid, ask]`` (the last 200 top-of-book changes) and ``last``."""
        pair = self._pair(pair)
        spreads = self._state(pair.id).spreads
        after = since_ns(since)
        rows: Rows = [
            [time, _px(pair, bid), _px(pair, ask)]
            for time, bid, ask in spreads
            if after is None or time * _NS > after
        ]
        if spreads:
            return rows, spreads[-1][0]
        return rows, 0 if after is None else after // _NS

    def depth(self, pair: PairInfo | str, count: int = 100) -> dict[str, Rows]:
        """Depth's entry: ``asks`` and ``bids`` as ``[price, volume, int time]``, best first."""
        pair = self._pair(pair)
        state = self._state(pair.id)
        book = self.engine.books[pair.id]
        now = self.engine.clock()
        out: dict[str, Rows] = {}
        for key, side in (("asks", book.asks), ("bids", book.bids)):
            times = state.level_times[side.side]
            levels = side.depth(count) if count > 0 else []
            out[key] = [
                [_px(pair, price), _vol(pair, qty), int(times.get(price, now))]
                for price, qty in levels
            ]
        return out

    def grouped_book(
        self, pair: PairInfo | str, depth: int = 10, grouping: int = 1
    ) -> dict[str, Any]:
        """GroupedBook's result: levels of ``grouping`` ticks, asks rounded up and bids down."""
        pair = self._pair(pair)
        if depth not in GROUPED_DEPTHS or grouping not in GROUPINGS:
            raise api_error([_INVALID])
        book = self.engine.books[pair.id]
        step = pair.tick_size * grouping
        return {
            "pair": pair.symbol,
            "grouping": grouping,
            "bids": _groups(pair, book.bids, step, depth, ROUND_FLOOR),
            "asks": _groups(pair, book.asks, step, depth, ROUND_CEILING),
        }


def _groups(
    pair: PairInfo, side: BookSide, step: Decimal, depth: int, rounding: str
) -> list[dict[str, str]]:
    groups: list[list[Decimal]] = []
    for price in side.prices():
        qty = side.visible(price)
        if qty <= 0:
            continue
        level = (price / step).to_integral_value(rounding=rounding) * step
        if groups and groups[-1][0] == level:
            groups[-1][1] += qty
        elif len(groups) >= depth:
            break
        else:
            groups.append([level, qty])
    return [{"price": _px(pair, price), "qty": _vol(pair, qty)} for price, qty in groups]
