"""Spot trading endpoints: AddOrder, AddOrderBatch, AmendOrder, EditOrder and the cancels."""

from __future__ import annotations

import time
from typing import Any

from krakenkit.emulator.engine import reject
from krakenkit.emulator.server.order_params import (
    check_deadline,
    parse_cl_ord_id,
    parse_order,
    parse_price,
    parse_volume,
)
from krakenkit.emulator.server.params import Params, as_bool, as_int, as_list
from krakenkit.emulator.server.registry import Context, private
from krakenkit.emulator.server.views import add_order_descr, fixed
from krakenkit.protocol.errors import APIError

__all__: list[str] = []


def _market_mode(ctx: Context, *, post_only: bool = False) -> None:
    """Refuse new orders as Kraken does when the exchange is cancel-only or post-only."""
    status = ctx.exchange.system_status
    if status == "cancel_only":
        raise reject("EService:Market in cancel_only mode")
    if status == "post_only" and not post_only:
        raise reject("EService:Market in post_only mode")


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@private("AddOrder")
def add_order(ctx: Context, params: Params) -> dict[str, Any]:
    exchange = ctx.exchange
    check_deadline(params.get("deadline"), ctx.now)
    validate = as_bool(params.get("validate", False), name="validate")
    try:
        request = parse_order(params, exchange.catalogue, ctx.now)
    except APIError:
        pair = exchange.catalogue.pair_or_none(str(params.get("pair", "")))
        if pair is not None:
            exchange.engine.charge_fixed(
                exchange.engine.account(ctx.account_id), pair.id, 1, ctx.now
            )
        raise
    _market_mode(ctx, post_only=request.post_only)
    order = exchange.engine.place(ctx.account_id, request, now=ctx.now, validate=validate)
    result: dict[str, Any] = {"descr": add_order_descr(order)}
    if not validate:
        result["txid"] = [order.txid]
    return result


@private("AddOrderBatch")
def add_order_batch(ctx: Context, params: Params) -> dict[str, Any]:
    exchange = ctx.exchange
    engine = exchange.engine
    check_deadline(params.get("deadline"), ctx.now)
    validate = as_bool(params.get("validate", False), name="validate")
    pair = exchange.catalogue.pair_or_none(str(params.get("pair", "")))
    if pair is None:
        raise reject("EQuery:Unknown asset pair")
    items = as_list(params.get("orders"))
    if not 2 <= len(items) <= 15 or not all(isinstance(i, dict) for i in items):
        raise reject("EGeneral:Invalid arguments:orders")
    account = exchange.engine.account(ctx.account_id)
    engine.charge(account, pair.id, len(items) / 2, ctx.now)
    # the whole batch is refused when any order fails validation
    requests = [parse_order(item, exchange.catalogue, ctx.now, pair=pair) for item in items]
    _market_mode(ctx, post_only=all(r.post_only for r in requests))
    for request in requests:
        engine.place(ctx.account_id, request, now=ctx.now, validate=True, charge=False)
    results: list[dict[str, Any]] = []
    for request in requests:
        if validate:
            order = engine.place(ctx.account_id, request, now=ctx.now, validate=True, charge=False)
            results.append({"descr": add_order_descr(order)})
            continue
        try:
            order = engine.place(ctx.account_id, request, now=ctx.now, charge=False)
        except APIError as exc:  # e.g. funds used up by an earlier order of the batch
            results.append({"error": exc.error})
            continue
        entry: dict[str, Any] = {"txid": order.txid, "descr": add_order_descr(order)}
        results.append(entry)
    return {"orders": results}


@private("AmendOrder")
def amend_order(ctx: Context, params: Params) -> dict[str, Any]:
    exchange = ctx.exchange
    check_deadline(params.get("deadline"), ctx.now)
    txid = params.get("txid")
    cl_ord_id = params.get("cl_ord_id")
    if (txid in (None, "")) == (cl_ord_id in (None, "")):
        raise reject("EGeneral:Invalid arguments:txid or cl_ord_id")
    ref = str(txid) if txid not in (None, "") else parse_cl_ord_id(cl_ord_id)
    _market_mode(ctx, post_only=True)
    orders = exchange.engine.find_open(ctx.account_id, ref)
    if len(orders) != 1:
        raise reject("EOrder:Unknown order")
    pair = orders[0].pair
    amend_id = exchange.engine.amend(
        ctx.account_id,
        orders[0].txid,
        order_qty=None
        if params.get("order_qty") is None
        else parse_volume(params["order_qty"], pair, "order_qty"),
        display_qty=None
        if params.get("display_qty") is None
        else parse_volume(params["display_qty"], pair, "display_qty"),
        limit_price=None
        if params.get("limit_price") is None
        else parse_price(params["limit_price"], pair, "limit_price"),
        trigger_price=None
        if params.get("trigger_price") is None
        else parse_price(params["trigger_price"], pair, "trigger_price"),
        post_only=as_bool(params.get("post_only", False), name="post_only"),
        now=ctx.now,
    )
    return {"amend_id": amend_id}


@private("EditOrder")
def edit_order(ctx: Context, params: Params) -> dict[str, Any]:
    exchange = ctx.exchange
    engine = exchange.engine
    check_deadline(params.get("deadline"), ctx.now)
    if params.get("cl_ord_id") not in (None, ""):
        raise reject("EGeneral:Invalid arguments:cl_ord_id")
    ref_raw = params.get("txid")
    if ref_raw in (None, ""):
        raise reject("EGeneral:Invalid arguments:txid")
    ref: str | int = ref_raw if isinstance(ref_raw, int) else str(ref_raw)
    if isinstance(ref, str) and ref.lstrip("-").isdigit():
        ref = int(ref)
    found = engine.find_open(ctx.account_id, ref)
    if len(found) != 1:
        raise reject("EOrder:Unknown order")
    old = found[0]
    pair = exchange.catalogue.pair_or_none(str(params.get("pair", "")))
    if pair is None or pair is not old.pair:
        raise reject("EQuery:Unknown asset pair" if pair is None else "EOrder:Invalid order")
    r = old.request
    merged: dict[str, Any] = {
        "ordertype": r.ordertype,
        "type": r.side,
        "volume": params.get("volume", fixed(old.volume, pair.lot_decimals)),
        "price": params.get("price", r.price.render(pair.pair_decimals) if r.price else None),
        "price2": params.get("price2", r.price2.render(pair.pair_decimals) if r.price2 else None),
        "oflags": params.get("oflags", ",".join(sorted(r.oflags))),
        "displayvol": params.get("displayvol", r.displayvol),
        "timeinforce": r.timeinforce,
        "trigger": r.trigger,
        "stptype": r.stptype,
        "userref": params.get("userref", r.userref or None),
    }
    if r.expiretm:
        merged["expiretm"] = str(r.expiretm)
    request = parse_order(merged, exchange.catalogue, ctx.now, pair=pair)
    _market_mode(ctx, post_only=request.post_only)
    validate = as_bool(params.get("validate", False), name="validate")
    old, new = engine.edit(ctx.account_id, old.txid, request, now=ctx.now, validate=validate)
    result: dict[str, Any] = {
        "status": "ok",
        "originaltxid": old.txid,
        "volume": fixed(new.volume, pair.lot_decimals),
        "price": fixed(new.limit_price or new.trigger_price or 0, pair.pair_decimals),
        "price2": fixed(0, pair.pair_decimals)
        if new.request.price2 is None
        else new.request.price2.render(pair.pair_decimals),
        "orders_cancelled": 0 if validate else 1,
        "descr": {"order": add_order_descr(new)["order"]},
    }
    if not validate:
        result["txid"] = new.txid
    if r.userref != new.userref:
        result["newuserref"] = new.userref
        result["olduserref"] = r.userref
    return result


def _ref(value: object) -> str | int:
    if isinstance(value, bool):
        raise reject("EGeneral:Invalid arguments:txid")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text


@private("CancelOrder")
def cancel_order(ctx: Context, params: Params) -> dict[str, Any]:
    txid = params.get("txid")
    cl_ord_id = params.get("cl_ord_id")
    if txid in (None, "") and cl_ord_id in (None, ""):
        raise reject("EGeneral:Invalid arguments:txid")
    ref = _ref(txid) if txid not in (None, "") else str(cl_ord_id)
    count = ctx.exchange.engine.cancel(ctx.account_id, ref, now=ctx.now)
    return {"count": count, "pending": False}


@private("CancelAll")
def cancel_all(ctx: Context, params: Params) -> dict[str, Any]:
    count = ctx.exchange.engine.cancel_all(ctx.account_id, now=ctx.now)
    return {"count": count, "pending": False}


@private("CancelAllOrdersAfter")
def cancel_all_orders_after(ctx: Context, params: Params) -> dict[str, Any]:
    if "timeout" not in params:
        raise reject("EGeneral:Invalid arguments:timeout")
    timeout = as_int(params["timeout"], name="timeout")
    if timeout < 0 or timeout > 86400:
        raise reject("EGeneral:Invalid arguments:timeout")
    trigger = ctx.exchange.arm_dms(ctx.account_id, timeout, ctx.now)
    return {"currentTime": _iso(ctx.now), "triggerTime": _iso(trigger) if trigger else "0"}


@private("CancelOrderBatch")
def cancel_order_batch(ctx: Context, params: Params) -> dict[str, Any]:
    refs: list[str | int] = []
    for item in as_list(params.get("orders")):
        value = item.get("txid", item.get("cl_ord_id")) if isinstance(item, dict) else item
        refs.append(_ref(value))
    refs.extend(str(c) for c in as_list(params.get("cl_ord_ids")))
    if not refs or len(set(refs)) > 50:
        raise reject("EGeneral:Invalid arguments:orders")
    count = ctx.exchange.engine.cancel_batch(ctx.account_id, refs, now=ctx.now)
    return {"count": count}
