"""Typed views of the most used spot REST results, built from Kraken's JSON with ``from_kraken``.

The clients return Kraken's ``result`` as it is (dicts and lists; prices and volumes are JSON
strings, fractional numbers ``Decimal``). These models are the explicit conversion step on top:
every amount becomes a :class:`~decimal.Decimal`, times stay Kraken's unix seconds
(``Decimal`` where Kraken sends fractions), and unknown extra fields are ignored, so a field
Kraken adds tomorrow breaks nothing. A missing or malformed field raises
:class:`~krakenkit.protocol.errors.ProtocolError` naming it.

==========  =====================================  ============================================
model       from                                   ``from_kraken`` arguments
==========  =====================================  ============================================
Ticker      Ticker ``result[pair]``                ``(pair, entry)``; ``Ticker.all(result)``
BookLevel   Depth rows, GroupedBook levels         ``(row)``; ``BookLevel.sides(result[pair])``
Candle      OHLC rows                              ``(row)``; ``Candle.all(result)``
PublicTrade Trades rows                            ``(row)``
Order       Open/Closed/QueryOrders entries        ``(txid, entry)``
Trade       TradesHistory / QueryTrades entries    ``(txid, entry)``
Balance     Balance or BalanceEx entries           ``(asset, entry)``; ``Balance.all(result)``
==========  =====================================  ============================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from krakenkit.protocol.errors import ProtocolError

__all__ = ["Balance", "BookLevel", "Candle", "Order", "PublicTrade", "Ticker", "Trade"]


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise ProtocolError(f"{where}: expected a number, got {value!r}")
    try:
        number = Decimal(value if not isinstance(value, float) else repr(value))
    except InvalidOperation:
        raise ProtocolError(f"{where}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ProtocolError(f"{where}: expected a number, got {value!r}")
    return number


def _opt_dec(value: Any, where: str) -> Decimal | None:
    return None if value in (None, "") else _dec(value, where)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ProtocolError(f"{where}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    number = _dec(value, where)
    if number != number.to_integral_value():
        raise ProtocolError(f"{where}: expected an integer, got {value!r}")
    return int(number)


def _field(entry: Mapping[str, Any], name: str, where: str) -> Any:
    if not isinstance(entry, Mapping) or name not in entry:
        raise ProtocolError(f"{where}: missing field {name!r}")
    return entry[name]


def _row(row: Any, size: int, where: str) -> Sequence[Any]:
    if not isinstance(row, list | tuple) or len(row) < size:
        raise ProtocolError(f"{where}: expected a list of at least {size} items, got {row!r}")
    return row


@dataclass(frozen=True, slots=True)
class Ticker:
    """One pair's ticker; ``*_today`` since midnight UTC, ``*_24h`` over the last 24 hours."""

    pair: str
    ask: Decimal
    ask_volume: Decimal
    bid: Decimal
    bid_volume: Decimal
    last: Decimal
    last_volume: Decimal
    volume_today: Decimal
    volume_24h: Decimal
    vwap_today: Decimal
    vwap_24h: Decimal
    trades_today: int
    trades_24h: int
    low_today: Decimal
    low_24h: Decimal
    high_today: Decimal
    high_24h: Decimal
    open: Decimal

    @classmethod
    def from_kraken(cls, pair: str, entry: Mapping[str, Any]) -> Ticker:
        w = f"Ticker {pair}"

        def pair_of(name: str, size: int = 2) -> Sequence[Any]:
            return _row(_field(entry, name, w), size, f"{w}.{name}")

        a, b, c = pair_of("a", 3), pair_of("b", 3), pair_of("c")
        v, p, t, low, high = (pair_of(n) for n in ("v", "p", "t", "l", "h"))
        opening = _field(entry, "o", w)
        if isinstance(opening, list):  # the WS v1 ticker sends [today, 24h]
            opening = _row(opening, 1, f"{w}.o")[0]
        return cls(
            pair=pair,
            ask=_dec(a[0], f"{w}.a"),
            ask_volume=_dec(a[2], f"{w}.a"),
            bid=_dec(b[0], f"{w}.b"),
            bid_volume=_dec(b[2], f"{w}.b"),
            last=_dec(c[0], f"{w}.c"),
            last_volume=_dec(c[1], f"{w}.c"),
            volume_today=_dec(v[0], f"{w}.v"),
            volume_24h=_dec(v[1], f"{w}.v"),
            vwap_today=_dec(p[0], f"{w}.p"),
            vwap_24h=_dec(p[1], f"{w}.p"),
            trades_today=_int(t[0], f"{w}.t"),
            trades_24h=_int(t[1], f"{w}.t"),
            low_today=_dec(low[0], f"{w}.l"),
            low_24h=_dec(low[1], f"{w}.l"),
            high_today=_dec(high[0], f"{w}.h"),
            high_24h=_dec(high[1], f"{w}.h"),
            open=_dec(opening, f"{w}.o"),
        )

    @classmethod
    def all(cls, result: Mapping[str, Any]) -> dict[str, Ticker]:
        """Every ticker of a Ticker result, by pair id."""
        return {pair: cls.from_kraken(pair, entry) for pair, entry in result.items()}

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level: Depth rows ``[price, volume, time]`` or GroupedBook ``{price, qty}``."""

    price: Decimal
    volume: Decimal
    time: int | None = None

    @classmethod
    def from_kraken(cls, row: Any) -> BookLevel:
        if isinstance(row, Mapping):
            return cls(
                _dec(_field(row, "price", "book"), "book price"),
                _dec(_field(row, "qty", "book"), "book qty"),
            )
        row = _row(row, 2, "book level")
        when = _int(row[2], "book level time") if len(row) > 2 else None
        return cls(_dec(row[0], "book level price"), _dec(row[1], "book level volume"), when)

    @classmethod
    def sides(cls, book: Mapping[str, Any]) -> tuple[list[BookLevel], list[BookLevel]]:
        """``(bids, asks)``, best first, of a Depth ``result[pair]`` or a GroupedBook result."""
        return (
            [cls.from_kraken(r) for r in _field(book, "bids", "book")],
            [cls.from_kraken(r) for r in _field(book, "asks", "book")],
        )


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLC row: ``[time, open, high, low, close, vwap, volume, count]``."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    volume: Decimal
    count: int

    @classmethod
    def from_kraken(cls, row: Any) -> Candle:
        r = _row(row, 8, "OHLC row")
        o, h, low, c, vwap, vol = (_dec(v, "OHLC row") for v in r[1:7])
        return cls(_int(r[0], "OHLC time"), o, h, low, c, vwap, vol, _int(r[7], "OHLC count"))

    @classmethod
    def all(cls, result: Mapping[str, Any]) -> list[Candle]:
        """The candles of a single-pair OHLC result (``last`` skipped), oldest first."""
        rows = next((v for k, v in result.items() if k != "last" and isinstance(v, list)), [])
        return [cls.from_kraken(r) for r in rows]


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One Trades row: ``[price, volume, time, b|s, m|l, misc, trade_id]``."""

    price: Decimal
    volume: Decimal
    time: Decimal
    side: str
    ordertype: str
    misc: str
    trade_id: int | None

    @classmethod
    def from_kraken(cls, row: Any) -> PublicTrade:
        r = _row(row, 6, "Trades row")
        side = {"b": "buy", "s": "sell"}.get(str(r[3]), str(r[3]))
        kind = {"m": "market", "l": "limit"}.get(str(r[4]), str(r[4]))
        trade_id = _int(r[6], "Trades trade_id") if len(r) > 6 else None
        return cls(
            _dec(r[0], "Trades price"),
            _dec(r[1], "Trades volume"),
            _dec(r[2], "Trades time"),
            side,
            kind,
            str(r[5]),
            trade_id,
        )


@dataclass(frozen=True, slots=True)
class Order:
    """An order as OpenOrders, ClosedOrders and QueryOrders describe it.

    ``price``/``price2`` are the order's own (``descr``); ``average_price`` is what it filled at.
    """

    txid: str
    status: str
    pair: str
    type: str
    ordertype: str
    price: str
    price2: str
    volume: Decimal
    volume_executed: Decimal
    cost: Decimal
    fee: Decimal
    average_price: Decimal
    description: str
    opentm: Decimal
    closetm: Decimal | None
    userref: int | None
    cl_ord_id: str | None
    oflags: str
    reason: str | None
    trades: tuple[str, ...]

    @classmethod
    def from_kraken(cls, txid: str, entry: Mapping[str, Any]) -> Order:
        w = f"order {txid}"
        descr = _field(entry, "descr", w)
        userref = entry.get("userref")
        return cls(
            txid=txid,
            status=str(_field(entry, "status", w)),
            pair=str(_field(descr, "pair", w)),
            type=str(_field(descr, "type", w)),
            ordertype=str(_field(descr, "ordertype", w)),
            price=str(descr.get("price", "0")),
            price2=str(descr.get("price2", "0")),
            volume=_dec(_field(entry, "vol", w), f"{w}.vol"),
            volume_executed=_dec(_field(entry, "vol_exec", w), f"{w}.vol_exec"),
            cost=_dec(entry.get("cost", "0"), f"{w}.cost"),
            fee=_dec(entry.get("fee", "0"), f"{w}.fee"),
            average_price=_dec(entry.get("price", "0"), f"{w}.price"),
            description=str(descr.get("order", "")),
            opentm=_dec(_field(entry, "opentm", w), f"{w}.opentm"),
            closetm=_opt_dec(entry.get("closetm"), f"{w}.closetm"),
            userref=None if userref in (None, "") else _int(userref, f"{w}.userref"),
            cl_ord_id=entry.get("cl_ord_id") or None,
            oflags=str(entry.get("oflags", "")),
            reason=entry.get("reason") or None,
            trades=tuple(str(t) for t in entry.get("trades") or ()),
        )

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "open")


@dataclass(frozen=True, slots=True)
class Trade:
    """One own trade (TradesHistory, QueryTrades). ``pair`` is Kraken's pair id here."""

    txid: str
    ordertxid: str
    pair: str
    time: Decimal
    type: str
    ordertype: str
    price: Decimal
    cost: Decimal
    fee: Decimal
    volume: Decimal
    margin: Decimal
    misc: str
    trade_id: int | None
    maker: bool | None

    @classmethod
    def from_kraken(cls, txid: str, entry: Mapping[str, Any]) -> Trade:
        w = f"trade {txid}"
        trade_id = entry.get("trade_id")
        maker = entry.get("maker")
        return cls(
            txid=txid,
            ordertxid=str(_field(entry, "ordertxid", w)),
            pair=str(_field(entry, "pair", w)),
            time=_dec(_field(entry, "time", w), f"{w}.time"),
            type=str(_field(entry, "type", w)),
            ordertype=str(_field(entry, "ordertype", w)),
            price=_dec(_field(entry, "price", w), f"{w}.price"),
            cost=_dec(_field(entry, "cost", w), f"{w}.cost"),
            fee=_dec(_field(entry, "fee", w), f"{w}.fee"),
            volume=_dec(_field(entry, "vol", w), f"{w}.vol"),
            margin=_dec(entry.get("margin", "0"), f"{w}.margin"),
            misc=str(entry.get("misc", "")),
            trade_id=None if trade_id is None else _int(trade_id, f"{w}.trade_id"),
            maker=maker if isinstance(maker, bool) else None,
        )


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance; ``hold`` (held by open orders) is known from BalanceEx only."""

    asset: str
    total: Decimal
    hold: Decimal | None = None

    @classmethod
    def from_kraken(cls, asset: str, entry: Any) -> Balance:
        if isinstance(entry, Mapping):  # BalanceEx
            w = f"balance {asset}"
            total = _dec(_field(entry, "balance", w), f"{w}.balance")
            return cls(asset, total, _dec(entry.get("hold_trade", "0"), f"{w}.hold_trade"))
        return cls(asset, _dec(entry, f"balance {asset}"))

    @classmethod
    def all(cls, result: Mapping[str, Any]) -> dict[str, Balance]:
        """Every balance of a Balance or BalanceEx result, by asset id."""
        return {asset: cls.from_kraken(asset, entry) for asset, entry in result.items()}

    @property
    def available(self) -> Decimal:
        """What is free to trade or withdraw (``total`` when the hold is unknown)."""
        return self.total - (self.hold or Decimal(0))
