"""Public channel messages, v1 and v2, as Kraken lays them out (protocol.md §4 and §5).

Each function returns the finished JSON text, so the hub encodes a message once per topic and
hands the same string to every subscriber.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.emulator.engine import PublicTrade
from krakenkit.emulator.instruments import Catalogue
from krakenkit.emulator.marketdata import Candle, MarketData
from krakenkit.emulator.server.views import fixed
from krakenkit.emulator.server.ws_book import BookView, Change
from krakenkit.emulator.server.ws_render import dumps, iso, quantize, v1_time
from krakenkit.protocol.assets import PairInfo

__all__ = [
    "V1_VERSION",
    "V2_VERSION",
    "v1_book_snapshot",
    "v1_book_update",
    "v1_ohlc",
    "v1_spread",
    "v1_status",
    "v1_ticker",
    "v1_trade",
    "v2_book",
    "v2_instrument",
    "v2_ohlc",
    "v2_status",
    "v2_ticker",
    "v2_trade",
]

_ZERO = Decimal(0)


V1_VERSION = "1.9.5"
V2_VERSION = "2.0.10"


# -- status ---------------------------------------------------------------------------------


def v1_status(connection_id: int, status: str) -> str:
    """v1 ``systemStatus``: on connect and whenever the status changes."""
    return dumps(
        {
            "connectionID": connection_id,
            "event": "systemStatus",
            "status": status,
            "version": V1_VERSION,
        }
    )


def v2_status(connection_id: int, status: str) -> str:
    """v2 ``status`` channel: on connect and whenever the status changes."""
    data = {
        "api_version": "v2",
        "connection_id": connection_id,
        "system": status,
        "version": V2_VERSION,
    }
    return dumps({"channel": "status", "data": [data], "type": "update"})


# -- book -----------------------------------------------------------------------------------


def _v1_levels(
    pair: PairInfo, levels: Iterable[tuple[Decimal, Decimal]], ts: str
) -> list[list[str]]:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    return [[fixed(p, pd), fixed(q, qd), ts] for p, q in levels]


def _v1_changes(pair: PairInfo, changes: Sequence[Change], ts: str) -> list[list[str]]:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    out: list[list[str]] = []
    for change in changes:
        entry = [fixed(change.price, pd), fixed(change.qty, qd), ts]
        if change.republished:
            entry.append("r")
        out.append(entry)
    return out


def v1_book_snapshot(view: BookView, channel_id: int, now: float) -> str:
    ts = v1_time(now)
    name = f"book-{view.depth}"
    payload = {
        "as": _v1_levels(view.pair, view.sorted_asks(), ts),
        "bs": _v1_levels(view.pair, view.sorted_bids(), ts),
    }
    return dumps([channel_id, payload, name, view.pair.wsname])


def v1_book_update(
    view: BookView, asks: Sequence[Change], bids: Sequence[Change], channel_id: int, now: float
) -> str:
    """One update; two dicts when both sides changed, the checksum ``c`` in the last one."""
    ts = v1_time(now)
    checksum = str(view.checksum())
    parts: list[Any] = [channel_id]
    if asks and bids:
        parts.append({"a": _v1_changes(view.pair, asks, ts)})
        parts.append({"b": _v1_changes(view.pair, bids, ts), "c": checksum})
    elif asks:
        parts.append({"a": _v1_changes(view.pair, asks, ts), "c": checksum})
    else:
        parts.append({"b": _v1_changes(view.pair, bids, ts), "c": checksum})
    parts.extend((f"book-{view.depth}", view.pair.wsname))
    return dumps(parts)


def _v2_levels(pair: PairInfo, levels: Iterable[tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    return [{"price": quantize(p, pd), "qty": quantize(q, qd)} for p, q in levels]


def v2_book(
    view: BookView,
    now: float,
    asks: Sequence[Change] | None = None,
    bids: Sequence[Change] | None = None,
) -> str:
    """A snapshot (no changes given) or an update; both carry the checksum."""
    snapshot = asks is None and bids is None
    if snapshot:
        ask_levels = view.sorted_asks()
        bid_levels = view.sorted_bids()
    else:
        ask_levels = [(c.price, c.qty) for c in asks or ()]
        bid_levels = [(c.price, c.qty) for c in bids or ()]
    entry = {
        "symbol": view.pair.symbol,
        "bids": _v2_levels(view.pair, bid_levels),
        "asks": _v2_levels(view.pair, ask_levels),
        "checksum": view.checksum(),
        "timestamp": iso(now),
    }
    kind = "snapshot" if snapshot else "update"
    return dumps({"channel": "book", "type": kind, "data": [entry]})


# -- ticker, spread --------------------------------------------------------------------------


def v1_ticker(marketdata: MarketData, pair: PairInfo, channel_id: int) -> str:
    return dumps([channel_id, marketdata.ticker(pair, ws=True), "ticker", pair.wsname])


def v2_ticker(marketdata: MarketData, pair: PairInfo, kind: str = "update") -> str:
    t = marketdata.ticker(pair, ws=True)
    pd, qd = pair.pair_decimals, pair.lot_decimals
    last = Decimal(t["c"][0])
    opened = Decimal(t["o"][1])
    change = last - opened
    change_pct = (change / opened * 100).quantize(Decimal("0.01")) if opened else _ZERO
    entry = {
        "symbol": pair.symbol,
        "bid": quantize(Decimal(t["b"][0]), pd),
        "bid_qty": quantize(Decimal(t["b"][2]), qd),
        "ask": quantize(Decimal(t["a"][0]), pd),
        "ask_qty": quantize(Decimal(t["a"][2]), qd),
        "last": quantize(last, pd),
        "volume": quantize(Decimal(t["v"][1]), qd),
        "vwap": quantize(Decimal(t["p"][1]), pd),
        "low": quantize(Decimal(t["l"][1]), pd),
        "high": quantize(Decimal(t["h"][1]), pd),
        "change": quantize(change, pd),
        "change_pct": change_pct,
        "timestamp": iso(marketdata.engine.clock()),
    }
    return dumps({"channel": "ticker", "type": kind, "data": [entry]})


def v1_spread(marketdata: MarketData, pair: PairInfo, channel_id: int, now: float) -> str | None:
    book = marketdata.engine.books[pair.id]
    bids, asks = book.bids.depth(1), book.asks.depth(1)
    if not bids or not asks:
        return None
    pd, qd = pair.pair_decimals, pair.lot_decimals
    row = [
        fixed(bids[0][0], pd),
        fixed(asks[0][0], pd),
        v1_time(now),
        fixed(bids[0][1], qd),
        fixed(asks[0][1], qd),
    ]
    return dumps([channel_id, row, "spread", pair.wsname])


# -- trades ----------------------------------------------------------------------------------


def v1_trade(pair: PairInfo, trades: Sequence[PublicTrade], channel_id: int) -> str:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    rows = [
        [fixed(t.price, pd), fixed(t.volume, qd), v1_time(t.time), t.side, t.ordertype, ""]
        for t in trades
    ]
    return dumps([channel_id, rows, "trade", pair.wsname])


def v2_trade(pair: PairInfo, trades: Sequence[PublicTrade], kind: str = "update") -> str:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    data = [
        {
            "symbol": pair.symbol,
            "side": "buy" if t.side == "b" else "sell",
            "price": quantize(t.price, pd),
            "qty": quantize(t.volume, qd),
            "ord_type": "market" if t.ordertype == "m" else "limit",
            "trade_id": t.trade_id,
            "timestamp": iso(t.time),
        }
        for t in trades
    ]
    return dumps({"channel": "trade", "type": kind, "data": data})


# -- ohlc ------------------------------------------------------------------------------------


def v1_ohlc(pair: PairInfo, candle: Candle, interval: int, channel_id: int, now: float) -> str:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    row = [
        v1_time(now),
        v1_time(candle.time + interval * 60),
        *(fixed(v, pd) for v in (candle.open, candle.high, candle.low, candle.close)),
        fixed(candle.vwap, pd),
        fixed(candle.volume, qd),
        candle.count,
    ]
    return dumps([channel_id, row, f"ohlc-{interval}", pair.wsname])


def v2_ohlc(
    pair: PairInfo, candles: Sequence[Candle], interval: int, now: float, kind: str = "update"
) -> str:
    pd, qd = pair.pair_decimals, pair.lot_decimals
    data = [
        {
            "symbol": pair.symbol,
            "open": quantize(c.open, pd),
            "high": quantize(c.high, pd),
            "low": quantize(c.low, pd),
            "close": quantize(c.close, pd),
            "trades": c.count,
            "volume": quantize(c.volume, qd),
            "vwap": quantize(c.vwap, pd),
            "interval_begin": iso(c.time),
            "interval": interval,
            "timestamp": iso(c.time + interval * 60),
        }
        for c in candles
    ]
    return dumps({"channel": "ohlc", "type": kind, "timestamp": iso(now), "data": data})


# -- instrument ------------------------------------------------------------------------------


def v2_instrument(catalogue: Catalogue, kind: str = "snapshot") -> str:
    assets = [
        {
            "id": asset.common,
            "status": "enabled" if asset.status == "enabled" else asset.status,
            "precision": asset.decimals,
            "precision_display": asset.display_decimals,
            "borrowable": False,
            "collateral_value": asset.collateral_value or 0.0,
            "margin_rate": 0.0,
        }
        for asset in catalogue.assets.values()
    ]
    pairs = []
    for pair in catalogue.pairs():
        increment = Decimal(1).scaleb(-pair.pair_decimals)
        pairs.append(
            {
                "symbol": pair.symbol,
                "base": pair.base_common,
                "quote": pair.quote_common,
                "status": pair.status,
                "qty_precision": pair.lot_decimals,
                "qty_increment": Decimal(1).scaleb(-pair.lot_decimals),
                "price_precision": pair.pair_decimals,
                "cost_precision": pair.cost_decimals,
                "marginable": bool(pair.leverage_buy or pair.leverage_sell),
                "has_index": True,
                "cost_min": pair.costmin if pair.costmin is not None else _ZERO,
                "tick_size": pair.tick_size or increment,
                "price_increment": pair.tick_size or increment,
                "qty_min": pair.ordermin,
            }
        )
    return dumps(
        {"channel": "instrument", "type": kind, "data": {"assets": assets, "pairs": pairs}}
    )
