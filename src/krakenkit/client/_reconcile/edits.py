"""Plans for EditOrder and AmendOrder (see :mod:`krakenkit.client._reconcile`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.client._reconcile._common import OPEN, Plan, decimal, given, is_txid, relative, same
from krakenkit.protocol.errors import KrakenError, OutcomeUnknown

__all__ = ["amend_order", "edit_order"]

#: Seconds between an edited order's close and its successor's open on Kraken's clock.
_EDIT_SLACK = 2.0


# --- EditOrder -------------------------------------------------------------------------------


def _successor(params: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether ``new`` can be the order an edit of ``old`` with ``params`` placed."""
    was, now = old.get("descr") or {}, new.get("descr") or {}
    closed, opened = decimal(old.get("closetm")), decimal(new.get("opentm"))
    if closed is None or opened is None or abs(opened - closed) > Decimal(str(_EDIT_SLACK)):
        return False
    if any(now.get(k) != was.get(k) for k in ("pair", "type", "ordertype")):
        return False
    userref = params.get("userref") if given(params.get("userref")) else old.get("userref")
    if str(new.get("userref")) != str(userref):
        return False
    if given(params.get("volume")) and not same(new.get("vol"), params["volume"]):
        return False
    price = params.get("price")
    return not (given(price) and not relative(price) and not same(now.get("price"), price))


def _like(value: object, model: object) -> object:
    """``value`` with as many decimals as ``model`` (EditOrder renders both prices alike)."""
    number, shape = decimal(value), decimal(model)
    exponent = None if shape is None else shape.as_tuple().exponent
    if number is None or not isinstance(exponent, int):
        return value
    return f"{number.quantize(Decimal(1).scaleb(min(0, exponent))):f}"


def _edit_answer(txid: str, original: str, info: Mapping[str, Any]) -> dict[str, Any]:
    descr = info.get("descr") or {}
    return {
        "status": "ok",
        "txid": txid,
        "originaltxid": original,
        "volume": info.get("vol"),
        "price": descr.get("price"),
        "price2": _like(descr.get("price2"), descr.get("price")),
        "orders_cancelled": 1,
        "descr": {"order": descr.get("order", "")},
    }


def edit_order(params: Mapping[str, Any], original: KrakenError) -> Plan:
    txid = str(params["txid"])
    info = (yield "QueryOrders", {"txid": txid}).get(txid)
    if info is None:
        raise OutcomeUnknown(
            f"EditOrder: answer lost ({original.message}); {txid} is not listed by QueryOrders",
            path=original.path,
            original=original,
        ) from original
    status = info.get("status")
    if status in OPEN:
        return None  # an edit closes the original: this one did not happen
    candidates: dict[str, Any] = {}
    if status == "canceled":
        listed = dict((yield "OpenOrders", {}).get("open") or {})
        listed.update((yield "ClosedOrders", {}).get("closed") or {})
        candidates = {t: o for t, o in listed.items() if t != txid and _successor(params, info, o)}
        if len(candidates) == 1:
            [(new, found)] = candidates.items()
            return _edit_answer(new, txid, found)
    raise OutcomeUnknown(
        f"EditOrder: answer lost ({original.message}); {txid} is {status} "
        f"({info.get('reason') or 'no reason given'}) and "
        + (
            f"{len(candidates)} orders could be its replacement"
            if candidates
            else "no order replacing it was found"
        )
        + "; not re-sent",
        path=original.path,
        found={"original": {txid: info}, "candidates": candidates},
        original=original,
    ) from original


# --- AmendOrder ------------------------------------------------------------------------------

_AMOUNTS = ("order_qty", "display_qty", "limit_price", "trigger_price")


def _latest_user_amend(amends: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    latest: Mapping[str, Any] | None = None
    for amend in amends:  # oldest first; the timestamp decides if they are not
        if amend.get("amend_type") != "user":
            continue
        if latest is None or (decimal(amend.get("timestamp")) or 0) >= (
            decimal(latest.get("timestamp")) or 0
        ):
            latest = amend
    return latest


def amend_order(params: Mapping[str, Any], original: KrakenError) -> Plan:
    info: Mapping[str, Any] | None = None
    if is_txid(params.get("txid")):
        txid = str(params["txid"])
        info = (yield "QueryOrders", {"txid": txid}).get(txid)
    else:
        ref = str(params["cl_ord_id"])
        for name, key in (("OpenOrders", "open"), ("ClosedOrders", "closed")):
            orders = (yield name, {"cl_ord_id": ref}).get(key) or {}
            if orders:
                txid, info = next(iter(orders.items()))
                break
        else:
            txid = ref
    if info is None:
        raise OutcomeUnknown(
            f"AmendOrder: answer lost ({original.message}); no order {txid} was found",
            path=original.path,
            original=original,
        ) from original
    amends = (yield "OrderAmends", {"order_id": txid}).get("amends") or []
    latest = _latest_user_amend(amends)
    asked = {k: params[k] for k in _AMOUNTS if given(params.get(k))}
    comparable = not any(relative(v) for k, v in asked.items() if k.endswith("price"))
    if latest is not None and comparable and all(same(latest.get(k), v) for k, v in asked.items()):
        return {"amend_id": latest["amend_id"]}
    if info.get("status") in OPEN and (comparable or latest is None):
        return None  # not amended as asked (or never amended): the amend did not happen
    raise OutcomeUnknown(
        f"AmendOrder: answer lost ({original.message}); {txid} is {info.get('status')} and "
        + (
            "its latest amend cannot be compared with a relative price"
            if not comparable
            else "does not carry the amend"
        )
        + "; not re-sent",
        path=original.path,
        found={txid: {**info, "amends": amends}},
        original=original,
    ) from original
