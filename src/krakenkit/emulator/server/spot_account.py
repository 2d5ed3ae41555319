"""Spot account endpoints: balances, orders, trades, ledgers, fee volume.

Listings are newest first with 50 entries a page (``ofs``) and a total ``count``; ``start`` and
``end`` take a unix time or an id of the listed kind (exclusive), as on Kraken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from krakenkit.emulator.accounts import ZERO
from krakenkit.emulator.engine import Order, reject
from krakenkit.emulator.fees import FeeSchedule
from krakenkit.emulator.server.params import Params, as_bool, as_int, as_list
from krakenkit.emulator.server.registry import Context, private
from krakenkit.emulator.server.views import fill_info, fixed, ledger_info, order_info

__all__: list[str] = []

PAGE = 50
T = TypeVar("T")


def _decimals(ctx: Context) -> dict[str, int]:
    return ctx.exchange.engine.asset_decimals


@private("Balance")
def balance(ctx: Context, params: Params) -> dict[str, str]:
    account = ctx.exchange.engine.account(ctx.account_id)
    decimals = _decimals(ctx)
    return {a: fixed(v, decimals.get(a, 8)) for a, v in sorted(account.balances.items())}


@private("BalanceEx")
def balance_ex(ctx: Context, params: Params) -> dict[str, dict[str, str]]:
    account = ctx.exchange.engine.account(ctx.account_id)
    decimals = _decimals(ctx)
    return {
        a: {
            "balance": fixed(v, decimals.get(a, 8)),
            "hold_trade": fixed(account.hold(a), decimals.get(a, 8)),
        }
        for a, v in sorted(account.balances.items())
    }


def _value_in(ctx: Context, asset: str, amount: Decimal, target: str) -> Decimal:
    """``amount`` of ``asset`` valued in ``target`` at last prices (0 when no route exists)."""
    if asset == target or not amount:
        return amount
    engine = ctx.exchange.engine
    for pair in engine.pairs.values():
        last = engine.last_price.get(pair.id)
        if not last:
            continue
        if pair.base == asset and pair.quote == target:
            return amount * last
        if pair.quote == asset and pair.base == target:
            return amount / last
    for pair in engine.pairs.values():  # one hop through USD
        if pair.base == asset and pair.quote == "ZUSD" and target != "ZUSD":
            usd = amount * (engine.last_price.get(pair.id) or ZERO)
            return _value_in(ctx, "ZUSD", usd, target)
    return ZERO


@private("TradeBalance")
def trade_balance(ctx: Context, params: Params) -> dict[str, str]:
    catalogue = ctx.exchange.catalogue
    target = catalogue.asset(str(params.get("asset") or "ZUSD")).id
    decimals = catalogue.assets[target].decimals
    account = ctx.exchange.engine.account(ctx.account_id)
    equivalent = sum((_value_in(ctx, a, v, target) for a, v in account.balances.items()), ZERO)
    unexecuted = ZERO
    for order in ctx.exchange.engine.open_orders.get(ctx.account_id, {}).values():
        price = order.limit_price or order.trigger_price or ZERO
        unexecuted += _value_in(ctx, order.pair.quote, order.remaining * price, target)
    zero = fixed(0, decimals)
    eb = fixed(equivalent, decimals)
    return {
        "eb": eb,
        "tb": eb,
        "m": zero,
        "uv": fixed(unexecuted, decimals),
        "n": zero,
        "c": zero,
        "v": zero,
        "e": eb,
        "mf": eb,
    }


# --- listings ------------------------------------------------------------------------------------


def _bound(value: object, ids: dict[str, float]) -> float | None:
    """``start``/``end``: a unix time, or an id whose time is used."""
    if value in (None, ""):
        return None
    text = str(value)
    if text in ids:
        return ids[text]
    try:
        return float(text)
    except ValueError:
        raise reject("EGeneral:Invalid arguments:start/end") from None


def _page(items: Sequence[T], params: Params) -> list[T]:
    ofs = as_int(params.get("ofs") or 0, name="ofs")
    if ofs < 0:
        raise reject("EGeneral:Invalid arguments:ofs")
    return list(items[ofs : ofs + PAGE])


def _window(
    items: Iterable[T], params: Params, when: Callable[[T], float], ids: dict[str, float]
) -> list[T]:
    start = _bound(params.get("start"), ids)
    end = _bound(params.get("end"), ids)
    out = [
        i for i in items if (start is None or when(i) > start) and (end is None or when(i) < end)
    ]
    out.sort(key=when, reverse=True)
    return out


def _orders(ctx: Context) -> list[Order]:
    return [o for o in ctx.exchange.engine.orders.values() if o.account_id == ctx.account_id]


def _filter_refs(orders: Iterable[Order], params: Params) -> list[Order]:
    out = list(orders)
    if params.get("userref") not in (None, ""):
        userref = as_int(params["userref"], name="userref")
        out = [o for o in out if o.userref == userref]
    if params.get("cl_ord_id") not in (None, ""):
        out = [o for o in out if o.cl_ord_id == str(params["cl_ord_id"])]
    return out


@private("OpenOrders")
def open_orders(ctx: Context, params: Params) -> dict[str, Any]:
    trades = as_bool(params.get("trades", False), name="trades")
    orders = ctx.exchange.engine.open_orders.get(ctx.account_id, {}).values()
    selected = sorted(_filter_refs(orders, params), key=lambda o: o.seq, reverse=True)
    return {"open": {o.txid: order_info(o, trades=trades) for o in selected}}


@private("ClosedOrders")
def closed_orders(ctx: Context, params: Params) -> dict[str, Any]:
    trades = as_bool(params.get("trades", False), name="trades")
    closetime = str(params.get("closetime") or "both")
    if closetime not in ("open", "close", "both"):
        raise reject("EGeneral:Invalid arguments:closetime")
    done = [o for o in _filter_refs(_orders(ctx), params) if not o.is_open]
    ids = {o.txid: o.opentm if closetime == "open" else o.closetm for o in done}

    def when(order: Order) -> float:
        return order.opentm if closetime == "open" else order.closetm

    listed = _window(done, params, when, ids)
    return {
        "closed": {o.txid: order_info(o, trades=trades) for o in _page(listed, params)},
        "count": len(listed),
    }


def _txids(params: Params, name: str, limit: int) -> list[str]:
    ids = [str(t) for t in as_list(params.get(name))]
    if not ids or len(ids) > limit:
        raise reject(f"EGeneral:Invalid arguments:{name}")
    return ids


@private("QueryOrders")
def query_orders(ctx: Context, params: Params) -> dict[str, Any]:
    trades = as_bool(params.get("trades", False), name="trades")
    orders = ctx.exchange.engine.orders
    out: dict[str, Any] = {}
    for txid in _txids(params, "txid", 50):
        order = orders.get(txid)
        if order is None or order.account_id != ctx.account_id:
            raise reject("EOrder:Invalid order")
        out[txid] = order_info(order, trades=trades)
    return out


@private("OrderAmends")
def order_amends(ctx: Context, params: Params) -> dict[str, Any]:
    txid = str(params.get("order_id") or "")
    order = ctx.exchange.engine.orders.get(txid)
    if order is None or order.account_id != ctx.account_id:
        raise reject("EOrder:Unknown order")
    pair = order.pair
    amends = []
    for record in order.amends:
        entry: dict[str, Any] = {
            "amend_id": record["amend_id"],
            "amend_type": record["amend_type"],
            "order_qty": fixed(Decimal(str(record["order_qty"])), pair.lot_decimals),
            "remaining_qty": fixed(Decimal(str(record["remaining_qty"])), pair.lot_decimals),
            "post_only": str(bool(record["post_only"])).lower(),
            "timestamp": int(float(record["timestamp"]) * 1000),
        }
        for name in ("display_qty", "limit_price", "trigger_price"):
            value = record.get(name)
            if value is not None:
                decimals = pair.lot_decimals if name == "display_qty" else pair.pair_decimals
                entry[name] = fixed(Decimal(str(value)), decimals)
        amends.append(entry)
    return {"amends": amends, "count": len(amends)}


@private("TradesHistory")
def trades_history(ctx: Context, params: Params) -> dict[str, Any]:
    kind = str(params.get("type") or "all")
    if kind not in ("all", "any position", "closed position", "closing position", "no position"):
        raise reject("EGeneral:Invalid arguments:type")
    ledgers = as_bool(params.get("ledgers", False), name="ledgers")
    fills = ctx.exchange.engine.account_fills.get(ctx.account_id, [])
    if kind in ("any position", "closed position", "closing position"):
        fills = []  # no margin positions on the emulator
    ids = {f.txid: f.time for f in fills}
    listed = _window(fills, params, lambda f: f.time, ids)
    return {
        "trades": {f.txid: fill_info(f, ledgers=ledgers) for f in _page(listed, params)},
        "count": len(listed),
    }


@private("QueryTrades")
def query_trades(ctx: Context, params: Params) -> dict[str, Any]:
    fills = ctx.exchange.engine.fills
    out: dict[str, Any] = {}
    for txid in _txids(params, "txid", 20):
        fill = fills.get(txid)
        if fill is None or fill.account_id != ctx.account_id:
            raise reject("EGeneral:Invalid arguments:txid")
        out[txid] = fill_info(fill)
    return out


@private("OpenPositions")
def open_positions(ctx: Context, params: Params) -> Any:
    if str(params.get("consolidation") or "") == "market":
        return []
    return {}


@private("Ledgers")
def ledgers(ctx: Context, params: Params) -> dict[str, Any]:
    account = ctx.exchange.engine.account(ctx.account_id)
    catalogue = ctx.exchange.catalogue
    entries = account.ledger
    assets = [a for a in as_list(params.get("asset")) if a and a != "all"]
    if assets:
        wanted = {catalogue.asset(str(a)).id for a in assets}
        entries = [e for e in entries if e.asset in wanted]
    kind = str(params.get("type") or "all")
    if kind != "all":
        entries = [e for e in entries if e.type == kind]
    ids = {e.id: e.time for e in account.ledger}
    listed = _window(entries, params, lambda e: e.time, ids)
    decimals = _decimals(ctx)
    return {
        "ledger": {e.id: ledger_info(e, decimals) for e in _page(listed, params)},
        "count": len(listed),
    }


@private("QueryLedgers")
def query_ledgers(ctx: Context, params: Params) -> dict[str, Any]:
    account = ctx.exchange.engine.account(ctx.account_id)
    by_id = {e.id: e for e in account.ledger}
    decimals = _decimals(ctx)
    out: dict[str, Any] = {}
    for entry_id in _txids(params, "id", 20):
        entry = by_id.get(entry_id)
        if entry is None:
            raise reject("EGeneral:Invalid arguments:id")
        out[entry_id] = ledger_info(entry, decimals)
    return out


def _schedule(tiers: Any, volume: Decimal) -> dict[str, str]:
    s = FeeSchedule.of(tiers, volume)
    out = {
        "fee": fixed(s.fee, 4),
        "minfee": fixed(s.minfee, 4),
        "maxfee": fixed(s.maxfee, 4),
        "tiervolume": fixed(s.tiervolume, 4),
    }
    if s.nextfee is not None and s.nextvolume is not None:
        out["nextfee"] = fixed(s.nextfee, 4)
        out["nextvolume"] = fixed(s.nextvolume, 4)
    return out


@private("TradeVolume")
def trade_volume(ctx: Context, params: Params) -> dict[str, Any]:
    account = ctx.exchange.engine.account(ctx.account_id)
    catalogue = ctx.exchange.catalogue
    pairs = [catalogue.pair(str(p)) for p in as_list(params.get("pair"))]
    result: dict[str, Any] = {"currency": "ZUSD", "volume": fixed(account.volume_30d, 4)}
    if pairs:
        result["fees"] = {p.id: _schedule(p.fees, account.volume_30d) for p in pairs}
        result["fees_maker"] = {p.id: _schedule(p.fees_maker, account.volume_30d) for p in pairs}
    return result
