"""What became of an order write whose answer was lost: asked of Kraken, never guessed.

Pure. A *plan* is a generator that yields look-ups, ``(method, params)`` of private read
endpoints, receives each ``result``, and returns what the call returns: the answer Kraken would
have sent, rebuilt from its own records, or ``None`` when the write certainly did not happen and
may be sent again. When the records do not settle it, the plan raises
:class:`~krakenkit.protocol.errors.OutcomeUnknown` carrying what it found. Both clients drive the
same plans (:func:`run_plan`, :func:`arun_plan`); a look-up that fails re-raises the error that
left the outcome unknown.

``AddOrder``       found by ``cl_ord_id`` (or ``userref`` with side, volume and pair) among the
                   open, then the closed orders; not found: sent again.
``AddOrderBatch``  every order carries a ``cl_ord_id`` (the client generates them). All found
                   (open or closed): the batch answer is rebuilt from them. None: sent again.
                   Some: :class:`~krakenkit.protocol.errors.BatchPartiallyPlaced`. Kraken checks
                   the whole batch before placing any order, but it can still refuse single
                   orders of a checked batch (funds used up by an earlier one), so "some" is not
                   impossible; it is never re-sent.
``EditOrder``      an edit cancels the original and places a new order. The original still open:
                   the edit did not happen, sent again (it is the same single edit). Cancelled, and
                   exactly one new order opened when it closed with its pair, side, type,
                   userref and the edit's volume and price: the EditOrder answer is rebuilt from
                   it. Otherwise (filled, or no single successor): ``OutcomeUnknown``.
``AmendOrder``     an amend sets absolute values, so repeating one leaves the order as asked;
                   but a repeat after the amend went through can fail (the order meanwhile
                   filled) or re-resolve a relative price against a moved market, and it adds a
                   second amend. So it is reconciled through OrderAmends: the order's latest user
                   amend carries the requested values: its ``amend_id`` is returned. Otherwise,
                   the order still open: sent again; closed, or a relative price that cannot be
                   compared: ``OutcomeUnknown``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.protocol.errors import BatchPartiallyPlaced, KrakenError, OutcomeUnknown

__all__ = [
    "Plan",
    "arun_plan",
    "match_reconciled",
    "reconcilable",
    "reconcile_plan",
    "reconcile_queries",
    "run_plan",
]

Query = tuple[str, dict[str, Any]]
#: Yields look-ups, receives their results, returns the call's answer or None (send again).
Plan = Generator[Query, Any, dict[str, Any] | None]

_OPEN = ("open", "pending")
#: Seconds between an edited order's close and its successor's open on Kraken's clock.
_EDIT_SLACK = 2.0


def _given(value: object) -> bool:
    return value not in (None, "")


def _is_txid(value: object) -> bool:
    """A txid, not a userref (EditOrder and AmendOrder also take an int userref)."""
    return isinstance(value, str) and value.strip() != "" and not value.lstrip("-").isdigit()


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _same(a: object, b: object) -> bool:
    x, y = _decimal(a), _decimal(b)
    return x is not None and x == y


def _relative(value: object) -> bool:
    text = str(value).strip()
    return text[:1] in ("+", "-", "#") or text.endswith("%")


def reconcilable(name: str, params: Mapping[str, Any]) -> bool:
    """Whether a lost ``name`` call with ``params`` can be looked up (see the module doc)."""
    if name == "AddOrder":
        return _given(params.get("cl_ord_id")) or _given(params.get("userref"))
    if name == "AddOrderBatch":
        orders = params.get("orders")
        return (
            isinstance(orders, list | tuple)
            and len(orders) > 0
            and all(isinstance(o, Mapping) and _given(o.get("cl_ord_id")) for o in orders)
        )
    if name == "EditOrder":
        return _is_txid(params.get("txid"))
    if name == "AmendOrder":
        return _is_txid(params.get("txid")) or _given(params.get("cl_ord_id"))
    return False


def reconcile_plan(
    name: str,
    params: Mapping[str, Any],
    original: KrakenError,
    *,
    pair_names: frozenset[str] = frozenset(),
) -> Plan:
    """The plan that settles a lost ``name`` call (only for :func:`reconcilable` ones)."""
    if name == "AddOrder":
        return _add_order(params, pair_names)
    if name == "AddOrderBatch":
        return _add_order_batch(params, original)
    if name == "EditOrder":
        return _edit_order(params, original)
    if name == "AmendOrder":
        return _amend_order(params, original)
    raise ValueError(f"{name} is not reconciled")


def run_plan(
    plan: Plan, lookup: Callable[[str, dict[str, Any]], Any], original: KrakenError
) -> Any:
    """Drive ``plan`` with a blocking ``lookup(method, params) -> result``."""
    try:
        query = next(plan)
        while True:
            try:
                result = lookup(*query)
            except KrakenError as failed:
                raise original from failed  # the outcome stays unknown: say so
            query = plan.send(result)
    except StopIteration as done:
        return done.value


async def arun_plan(
    plan: Plan, lookup: Callable[[str, dict[str, Any]], Awaitable[Any]], original: KrakenError
) -> Any:
    """:func:`run_plan` with an awaitable ``lookup``."""
    try:
        query = next(plan)
        while True:
            try:
                result = await lookup(*query)
            except KrakenError as failed:
                raise original from failed
            query = plan.send(result)
    except StopIteration as done:
        return done.value


# --- AddOrder --------------------------------------------------------------------------------


def reconcile_queries(params: Mapping[str, Any]) -> list[Query]:
    """The look-ups that find an AddOrder by its reference: OpenOrders, then ClosedOrders."""
    if _given(params.get("cl_ord_id")):
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
        if _given(params.get("cl_ord_id")):
            if str(info.get("cl_ord_id")) != str(params["cl_ord_id"]):
                continue
        elif not (
            str(info.get("userref")) == str(params.get("userref"))
            and descr.get("type") == params.get("type")
            and _same(info.get("vol"), params.get("volume"))
            and str(descr.get("pair", "")).upper() in pair_names
        ):
            continue
        return _add_answer(txid, info)
    return None


def _add_order(params: Mapping[str, Any], pair_names: frozenset[str]) -> Plan:
    for query in reconcile_queries(params):
        result = yield query
        found = match_reconciled(params, result, pair_names=pair_names)
        if found is not None:
            return found
    return None


# --- AddOrderBatch ---------------------------------------------------------------------------


def _add_order_batch(params: Mapping[str, Any], original: KrakenError) -> Plan:
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


# --- EditOrder -------------------------------------------------------------------------------


def _successor(params: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether ``new`` can be the order an edit of ``old`` with ``params`` placed."""
    was, now = old.get("descr") or {}, new.get("descr") or {}
    closed, opened = _decimal(old.get("closetm")), _decimal(new.get("opentm"))
    if closed is None or opened is None or abs(opened - closed) > Decimal(str(_EDIT_SLACK)):
        return False
    if any(now.get(k) != was.get(k) for k in ("pair", "type", "ordertype")):
        return False
    userref = params.get("userref") if _given(params.get("userref")) else old.get("userref")
    if str(new.get("userref")) != str(userref):
        return False
    if _given(params.get("volume")) and not _same(new.get("vol"), params["volume"]):
        return False
    price = params.get("price")
    return not (_given(price) and not _relative(price) and not _same(now.get("price"), price))


def _like(value: object, model: object) -> object:
    """``value`` with as many decimals as ``model`` (EditOrder renders both prices alike)."""
    number, shape = _decimal(value), _decimal(model)
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


def _edit_order(params: Mapping[str, Any], original: KrakenError) -> Plan:
    txid = str(params["txid"])
    info = (yield "QueryOrders", {"txid": txid}).get(txid)
    if info is None:
        raise OutcomeUnknown(
            f"EditOrder: answer lost ({original.message}); {txid} is not listed by QueryOrders",
            path=original.path,
            original=original,
        ) from original
    status = info.get("status")
    if status in _OPEN:
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
        if latest is None or (_decimal(amend.get("timestamp")) or 0) >= (
            _decimal(latest.get("timestamp")) or 0
        ):
            latest = amend
    return latest


def _amend_order(params: Mapping[str, Any], original: KrakenError) -> Plan:
    info: Mapping[str, Any] | None = None
    if _is_txid(params.get("txid")):
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
    asked = {k: params[k] for k in _AMOUNTS if _given(params.get(k))}
    comparable = not any(_relative(v) for k, v in asked.items() if k.endswith("price"))
    if latest is not None and comparable and all(_same(latest.get(k), v) for k, v in asked.items()):
        return {"amend_id": latest["amend_id"]}
    if info.get("status") in _OPEN and (comparable or latest is None):
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
