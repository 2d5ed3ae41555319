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

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from krakenkit.client._reconcile import adds, edits
from krakenkit.client._reconcile._common import Plan, given, is_txid
from krakenkit.client._reconcile.adds import match_reconciled, reconcile_queries
from krakenkit.protocol.errors import KrakenError

__all__ = [
    "Plan",
    "arun_plan",
    "match_reconciled",
    "reconcilable",
    "reconcile_plan",
    "reconcile_queries",
    "run_plan",
]


def reconcilable(name: str, params: Mapping[str, Any]) -> bool:
    """Whether a lost ``name`` call with ``params`` can be looked up (see the module doc)."""
    if name == "AddOrder":
        return given(params.get("cl_ord_id")) or given(params.get("userref"))
    if name == "AddOrderBatch":
        orders = params.get("orders")
        return (
            isinstance(orders, list | tuple)
            and len(orders) > 0
            and all(isinstance(o, Mapping) and given(o.get("cl_ord_id")) for o in orders)
        )
    if name == "EditOrder":
        return is_txid(params.get("txid"))
    if name == "AmendOrder":
        return is_txid(params.get("txid")) or given(params.get("cl_ord_id"))
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
        return adds.add_order(params, pair_names)
    if name == "AddOrderBatch":
        return adds.add_order_batch(params, original)
    if name == "EditOrder":
        return edits.edit_order(params, original)
    if name == "AmendOrder":
        return edits.amend_order(params, original)
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
