"""Spot public market data: Assets, AssetPairs, Ticker, OHLC, Depth, Trades, Spread, GroupedBook.

Results are keyed by pair id (``XXBTZUSD``) whatever spelling the client used, as on Kraken --
except AssetPairs, which keys a pair requested as ``BASE/QUOTE`` by that name.
"""

from __future__ import annotations

from typing import Any

from krakenkit.emulator.engine import reject
from krakenkit.emulator.server.params import Params, as_int, as_list
from krakenkit.emulator.server.registry import Context, public
from krakenkit.protocol.assets import PairInfo

__all__: list[str] = []

_INTERVALS = frozenset({1, 5, 15, 30, 60, 240, 1440, 10080, 21600})
_INFO = frozenset({"info", "leverage", "fees", "margin"})
_INFO_FIELDS = {
    "leverage": ("leverage_buy", "leverage_sell"),
    "fees": ("fees", "fees_maker", "fee_volume_currency"),
    "margin": ("margin_call", "margin_stop", "margin_level"),
}


def _pairs(ctx: Context, params: Params, *, required: bool) -> list[PairInfo]:
    names = as_list(params.get("pair"))
    if not names:
        if required:
            raise reject("EGeneral:Invalid arguments:pair")
        return list(ctx.exchange.catalogue.pairs())
    out = []
    for name in names:
        pair = ctx.exchange.catalogue.pair_or_none(str(name))
        if pair is None:
            raise reject("EQuery:Unknown asset pair")
        out.append(pair)
    return out


def _one_pair(ctx: Context, params: Params) -> PairInfo:
    pairs = _pairs(ctx, params, required=True)
    if len(pairs) != 1:
        raise reject("EGeneral:Invalid arguments:pair")
    return pairs[0]


@public("Assets")
def assets(ctx: Context, params: Params) -> dict[str, Any]:
    catalogue = ctx.exchange.catalogue
    aclass = str(params.get("aclass") or "currency")
    if aclass != "currency":
        return {}
    names = as_list(params.get("asset"))
    if not names:
        return {a: catalogue.assets_entry(a) for a in catalogue.assets}
    out = {}
    for name in names:
        asset = catalogue.asset_or_none(str(name))
        if asset is None:
            raise reject("EQuery:Unknown asset")
        out[asset.id] = catalogue.assets_entry(asset.id)
    return out


@public("AssetPairs")
def asset_pairs(ctx: Context, params: Params) -> dict[str, Any]:
    info = str(params.get("info") or "info")
    if info not in _INFO:
        raise reject("EGeneral:Invalid arguments:info")
    if str(params.get("aclass_base") or "currency") != "currency":
        return {}
    catalogue = ctx.exchange.catalogue
    out: dict[str, Any] = {}
    names = [str(n) for n in as_list(params.get("pair"))]
    for index, pair in enumerate(_pairs(ctx, params, required=False)):
        entry = catalogue.asset_pairs_entry(pair.id)
        if info != "info":
            entry = {k: entry[k] for k in _INFO_FIELDS[info] if k in entry}
        # a pair asked for as BASE/QUOTE comes back under that name (clients such as
        # python-kraken-sdk's book client index the answer with it); other spellings by id
        name = names[index] if index < len(names) else pair.id
        out[name if "/" in name else pair.id] = entry
    return out


@public("Ticker")
def ticker(ctx: Context, params: Params) -> dict[str, Any]:
    data = ctx.exchange.marketdata
    return {p.id: data.ticker(p) for p in _pairs(ctx, params, required=False)}


@public("OHLC")
def ohlc(ctx: Context, params: Params) -> dict[str, Any]:
    pair = _one_pair(ctx, params)
    interval = as_int(params.get("interval") or 1, name="interval")
    if interval not in _INTERVALS:
        raise reject("EGeneral:Invalid arguments:interval")
    since = params.get("since")
    rows, last = ctx.exchange.marketdata.ohlc(pair, interval, since)
    return {pair.id: rows, "last": last}


@public("Depth")
def depth(ctx: Context, params: Params) -> dict[str, Any]:
    pair = _one_pair(ctx, params)
    count = as_int(params.get("count") or 100, name="count")
    if not 1 <= count <= 500:
        raise reject("EGeneral:Invalid arguments:count")
    return {pair.id: ctx.exchange.marketdata.depth(pair, count)}


@public("Trades")
def trades(ctx: Context, params: Params) -> dict[str, Any]:
    pair = _one_pair(ctx, params)
    count = as_int(params.get("count") or 1000, name="count")
    if not 1 <= count <= 1000:
        raise reject("EGeneral:Invalid arguments:count")
    rows, last = ctx.exchange.marketdata.trades(pair, params.get("since"), count)
    return {pair.id: rows, "last": last}


@public("Spread")
def spread(ctx: Context, params: Params) -> dict[str, Any]:
    pair = _one_pair(ctx, params)
    rows, last = ctx.exchange.marketdata.spread(pair, params.get("since"))
    return {pair.id: rows, "last": last}


@public("GroupedBook")
def grouped_book(ctx: Context, params: Params) -> dict[str, Any]:
    pair = _one_pair(ctx, params)
    depth_ = as_int(params.get("depth") or 10, name="depth")
    grouping = as_int(params.get("grouping") or 1, name="grouping")
    return ctx.exchange.marketdata.grouped_book(pair, depth_, grouping)
