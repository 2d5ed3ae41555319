"""Plans for AddOrder and AddOrderBatch (see :mod:`krakenkit.client._reconcile`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from krakenkit.client._reconcile._common import Plan, Query, given, same
from krakenkit.protocol.errors import BatchPartiallyPlaced, KrakenError

__all__ = ["add_order", "add_order_batch", "match_reconciled", "reconcile_queries"]


# --- AddOrder --------------------------------------------------------------------------------


def reconcile_queries(params: Mapping[str, Any]) -> list[Query]:
    """The look-ups that find an AddOrder by its reference: OpenOrders, then ClosedOrders."""
    if given(params.get("cl_ord_id")):
        ref: dict[str, Any] = {"cl_ord_id": params["cl_ord_id"]}
    else:
        ref = {"userref": params["userref"]}
    return [("OpenOrders", dict(ref)), ("ClosedOrders", dict(ref))]


def _add_answer(txid: str, info: Mapping[str, Any]) -> dict[str, Any]:
    descr = info.get("descr") or {}
    answer: dict[str, Any] = {"descr": {"order": descr.get("order", "")}, "txid": [txid]}
    if descr.get("close"):
        answer["descr"]["close"] = descr["close"]
    return answer


def match_reconciled(
    params: Mapping[str, Any], result: Mapping[str, Any], *, pair_names: frozenset[str]
) -> dict[str, Any] | None:
    """The AddOrder result for an order found by :func:`reconcile_queries`, or None.

    ``result`` is an OpenOrders or ClosedOrders result. With ``cl_ord_id`` the id alone decides
    (Kraken keeps it unique among open orders). A ``userref`` may be shared, so the order must
    also have this call's side, volume and pair (``pair_names``: every spelling of it).
    """
    orders = result.get("open") or result.get("closed") or {}
    for txid, info in orders.items():
        descr = info.get("descr") or {}
        if given(params.get("cl_ord_id")):
            if str(info.get("cl_ord_id")) != str(params["cl_ord_id"]):
                continue
        elif not (
            str(info.get("userref")) == str(params.get("userref"))
            and descr.get("type") == params.get("type")
            and same(info.get("vol"), params.get("volume"))
            and str(descr.get("pair", "")).upper() in pair_names
        ):
            continue
        return _add_answer(txid, info)
    return None


def add_order(params: Mapping[str, Any], pair_names: frozenset[str]) -> Plan:
    for query in reconcile_queries(params):
        result = yield query
        found = match_reconciled(params, result, pair_names=pair_names)
        if found is not None:
            return found
    return None


# --- AddOrderBatch ---------------------------------------------------------------------------


def add_order_batch(params: Mapping[str, Any], original: KrakenError) -> Plan:
    wanted = [str(o["cl_ord_id"]) for o in params["orders"]]
    found: dict[str, tuple[str, Mapping[str, Any]]] = {}

    def collect(orders: Mapping[str, Any]) -> None:
        for txid, info in orders.items():
            ref = str(info.get("cl_ord_id"))
            if ref in wanted and ref not in found:
                found[ref] = (txid, info)

    collect((yield "OpenOrders", {}).get("open") or {})
    if len(found) < len(set(wanted)):
        page = yield "ClosedOrders", {}  # the newest closed orders: one call finds most
        closed = page.get("closed") or {}
        collect(closed)
        if int(page.get("count") or 0) > len(closed):  # older pages exist: ask per order
            for ref in dict.fromkeys(w for w in wanted if w not in found):
                collect((yield "ClosedOrders", {"cl_ord_id": ref}).get("closed") or {})
    if not found:
        return None
    if len(found) == len(set(wanted)):
        orders = []
        for ref in wanted:
            txid, info = found[ref]
            entry = _add_answer(txid, info)
            orders.append({"txid": txid, "descr": entry["descr"]})
        return {"orders": orders}
    missing = [w for w in wanted if w not in found]
    placed = {ref: txid for ref, (txid, _) in found.items()}
    named = ", ".join(f"{ref} -> {txid}" for ref, txid in placed.items())
    raise BatchPartiallyPlaced(
        f"AddOrderBatch: answer lost ({original.message}); only {len(placed)} of "
        f"{len(wanted)} orders are on Kraken ({named}); missing cl_ord_id {', '.join(missing)}; "
        "not re-sent",
        path=original.path,
        placed=placed,
        missing=missing,
        found=dict(found.values()),
        original=original,
    ) from original
