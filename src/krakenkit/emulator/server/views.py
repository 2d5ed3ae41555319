"""Engine objects rendered the way Kraken's REST API shows them.

Numbers are strings at fixed precision: volumes at the pair's ``lot_decimals``, prices at its
``pair_decimals``, costs and fees at its ``cost_decimals``, balances and ledger amounts at the
asset's ``decimals``. Times are float seconds. Order ``descr.pair`` is the altname, trade ``pair``
the pair id, as on Kraken.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from krakenkit.emulator.accounts import LedgerEntry
from krakenkit.emulator.engine import Fill, Order, PriceSpec
from krakenkit.emulator.engine.orders import CloseSpec
from krakenkit.protocol.assets import PairInfo

__all__ = ["describe", "fill_info", "fixed", "ledger_info", "order_descr", "order_info"]

_WORDS = {
    "market": "market",
    "limit": "limit",
    "iceberg": "iceberg",
    "stop-loss": "stop loss",
    "take-profit": "take profit",
    "stop-loss-limit": "stop loss",
    "take-profit-limit": "take profit",
    "trailing-stop": "trailing stop",
    "trailing-stop-limit": "trailing stop",
    "settle-position": "settle position",
}


def fixed(value: Decimal | int, decimals: int) -> str:
    """``value`` with exactly ``decimals`` places (half up)."""
    quantum = Decimal(1).scaleb(-decimals)
    return format(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def _spec(spec: PriceSpec | None, pair: PairInfo) -> str:
    return "0" if spec is None else spec.render(pair.pair_decimals)


def describe(
    side: str,
    ordertype: str,
    volume: Decimal | None,
    pair: PairInfo,
    price: PriceSpec | None,
    price2: PriceSpec | None,
) -> str:
    """``buy 2.12340000 XBTUSD @ limit 25000.1``, ``... @ stop loss 2677.0 -> limit 2577.0``."""
    head = f"{side} {fixed(volume, pair.lot_decimals)} {pair.altname} @ " if volume else ""
    words = _WORDS[ordertype]
    if ordertype == "market":
        return head + words
    text = f"{head}{words} {_spec(price, pair)}"
    if ordertype.endswith("-limit"):
        text += f" -> limit {_spec(price2, pair)}"
    return text


def _close_text(close: CloseSpec | None, pair: PairInfo) -> str:
    if close is None:
        return ""
    return "close position @ " + describe(
        "", close.ordertype, None, pair, close.price, close.price2
    )


def order_descr(order: Order) -> dict[str, Any]:
    request = order.request
    pair = request.pair
    volume = order.volume if not request.viqc else request.volume
    return {
        "pair": pair.altname,
        "type": request.side,
        "ordertype": request.ordertype,
        "price": _spec(request.price, pair),
        "price2": _spec(request.price2, pair),
        "leverage": "none",
        "order": describe(
            request.side, request.ordertype, volume, pair, request.price, request.price2
        ),
        "close": _close_text(request.close, pair),
    }


def add_order_descr(order: Order) -> dict[str, Any]:
    """The ``descr`` of an AddOrder answer: ``order`` and, with a conditional close, ``close``."""
    descr = order_descr(order)
    out = {"order": descr["order"]}
    if descr["close"]:
        out["close"] = descr["close"]
    return out


def order_info(order: Order, *, trades: bool = False) -> dict[str, Any]:
    """One entry of OpenOrders / ClosedOrders / QueryOrders."""
    request = order.request
    pair = request.pair
    info: dict[str, Any] = {
        "refid": order.parent,
        "userref": request.userref,
    }
    if request.cl_ord_id is not None:
        info["cl_ord_id"] = request.cl_ord_id
    info.update(
        {
            "status": order.status,
            "opentm": order.opentm,
            "starttm": request.starttm,
            "expiretm": request.expiretm,
            "descr": order_descr(order),
            "vol": fixed(order.volume, pair.lot_decimals),
            "vol_exec": fixed(order.vol_exec, pair.lot_decimals),
            "cost": fixed(order.cost, pair.cost_decimals),
            "fee": fixed(order.fee, pair.cost_decimals),
            "price": fixed(order.avg_price, pair.pair_decimals),
            "stopprice": fixed(order.trigger_price or 0, pair.pair_decimals),
            "limitprice": fixed(order.limit_price or 0, pair.pair_decimals),
            "misc": "",
            "oflags": ",".join(sorted(_shown_flags(order))),
        }
    )
    if request.ordertype in (
        "stop-loss",
        "take-profit",
        "stop-loss-limit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
    ):
        info["trigger"] = request.trigger
    if order.amends:
        info["amended"] = True
    if not order.is_open:
        info["closetm"] = order.closetm
        info["reason"] = order.reason
    if request.ordertype == "iceberg" and request.displayvol is not None:
        info["display_volume"] = fixed(request.displayvol, pair.lot_decimals)
    if trades and order.trades:
        info["trades"] = list(order.trades)
    return info


def _shown_flags(order: Order) -> set[str]:
    flags = set(order.request.oflags)
    if not flags & {"fcib", "fciq"}:
        flags.add("fcib" if order.fee_in_base else "fciq")
    return flags


def fill_info(fill: Fill, *, ledgers: bool = False) -> dict[str, Any]:
    """One entry of TradesHistory / QueryTrades."""
    pair = fill.pair
    info: dict[str, Any] = {
        "ordertxid": fill.ordertxid,
        "postxid": fill.postxid,
        "pair": pair.id,
        "time": fill.time,
        "type": fill.side,
        "ordertype": fill.ordertype,
        "price": fixed(fill.price, pair.pair_decimals),
        "cost": fixed(fill.cost, pair.cost_decimals),
        "fee": fixed(fill.fee, pair.cost_decimals),
        "vol": fixed(fill.volume, pair.lot_decimals),
        "margin": fixed(0, pair.cost_decimals),
        "leverage": "0",
        "misc": "",
        "trade_id": fill.trade_id,
        "maker": fill.maker,
    }
    if ledgers:
        info["ledgers"] = list(fill.ledgers)
    return info


def ledger_info(entry: LedgerEntry, asset_decimals: Mapping[str, int]) -> dict[str, Any]:
    """One entry of Ledgers / QueryLedgers."""
    decimals = asset_decimals.get(entry.asset, 8)
    return {
        "aclass": "currency",
        "amount": fixed(entry.amount, decimals),
        "asset": entry.asset,
        "balance": fixed(entry.balance, decimals),
        "fee": fixed(entry.fee, decimals),
        "refid": entry.refid,
        "time": entry.time,
        "type": entry.type,
        "subtype": entry.subtype,
    }
