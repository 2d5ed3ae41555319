"""Private trading methods (orders, cancels, the dead man's switch), for both clients.

Prices and volumes may be ``Decimal``, ``int`` or ``str``: they are rendered at the pair's
precision from AssetPairs, and a value the pair cannot take raises before anything is sent, with
Kraken's own error string. Relative prices (``"+5"``, ``"-2%"``, ``"#10"``) pass unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal
from uuid import uuid4

from krakenkit.client._base import Calls, R
from krakenkit.client._market import Extra

__all__ = ["Amount", "OrderType", "Side", "TradingMethods"]

#: A price or volume: never a float.
Amount = Decimal | int | str
Side = Literal["buy", "sell"]
OrderType = Literal[
    "market",
    "limit",
    "iceberg",
    "stop-loss",
    "take-profit",
    "stop-loss-limit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
    "settle-position",
]
TimeInForce = Literal["GTC", "IOC", "GTD", "FOK"]
SelfTradePrevention = Literal["cancel-newest", "cancel-oldest", "cancel-both"]


def _with_ids(orders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies of batch orders, each without ``userref`` or ``cl_ord_id`` given a generated one."""
    out = [dict(o) for o in orders]
    for order in out:
        if order.get("cl_ord_id") in (None, "") and order.get("userref") in (None, ""):
            order["cl_ord_id"] = uuid4().hex
    return out


class TradingMethods(Calls[R]):
    """``/0/private/*`` calls that place, change and cancel orders."""

    def add_order(
        self,
        *,
        pair: str,
        type: Side,
        ordertype: OrderType,
        volume: Amount,
        price: Amount | None = None,
        price2: Amount | None = None,
        userref: int | None = None,
        cl_ord_id: str | None = None,
        displayvol: Amount | None = None,
        asset_class: str | None = None,
        trigger: Literal["last", "index"] | None = None,
        leverage: str | int | None = None,
        reduce_only: bool | None = None,
        stptype: SelfTradePrevention | None = None,
        oflags: str | Sequence[str] | None = None,
        timeinforce: TimeInForce | None = None,
        starttm: int | str | None = None,
        expiretm: int | str | None = None,
        close: Mapping[str, Any] | None = None,
        deadline: str | None = None,
        validate: bool | None = None,
        broker: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Place an order: ``{"descr": {"order": ...}, "txid": [...]}`` (AddOrder).

        ``close`` is the conditional close order, ``{"ordertype": ..., "price": ...,
        "price2": ...}``, sent as ``close[ordertype]=...``. ``oflags`` may be a list. An order
        without ``userref`` gets a generated ``cl_ord_id`` (32 hex digits) unless it has one, so
        that when its answer is lost the client finds it among the open and closed orders
        instead of sending it twice (see :class:`RetryPolicy`).
        """
        if oflags is not None and not isinstance(oflags, str):
            oflags = ",".join(oflags)
        if cl_ord_id is None and userref is None and not validate:
            # so that an unknown outcome can always be reconciled instead of re-sent blindly
            cl_ord_id = uuid4().hex
        return self._call("AddOrder", locals())

    def add_order_batch(
        self,
        *,
        pair: str,
        orders: Sequence[Mapping[str, Any]],
        deadline: str | None = None,
        validate: bool | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Place 2 to 15 orders on one pair, sent as JSON (AddOrderBatch).

        Each order is a mapping of AddOrder fields without ``pair``; prices and volumes are
        rendered like :meth:`add_order`'s. Every order without ``userref`` or ``cl_ord_id`` gets
        a generated ``cl_ord_id``, so that when the answer is lost the client looks the orders up
        instead of sending the batch twice: all found, their answer is returned; none, the batch
        is sent again; some, :class:`~krakenkit.protocol.errors.BatchPartiallyPlaced`.
        """
        orders = _with_ids(orders) if not validate else [dict(o) for o in orders]
        return self._call("AddOrderBatch", locals())

    def amend_order(
        self,
        *,
        txid: str | None = None,
        cl_ord_id: str | None = None,
        order_qty: Amount | None = None,
        display_qty: Amount | None = None,
        limit_price: Amount | None = None,
        trigger_price: Amount | None = None,
        pair: str | None = None,
        post_only: bool | None = None,
        deadline: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Change an order in place, keeping its txid and priority: ``{"amend_id"}`` (AmendOrder).

        Amounts are rendered at the pair's precision only when ``pair`` is given. When the
        answer is lost, the order's latest amend (OrderAmends) tells whether it went through:
        its ``amend_id`` is returned, or the amend is sent again while the order is open and
        does not carry it, or :class:`~krakenkit.protocol.errors.OutcomeUnknown` is raised.
        """
        return self._call("AmendOrder", locals())

    def edit_order(
        self,
        *,
        txid: str | int,
        pair: str,
        volume: Amount | None = None,
        displayvol: Amount | None = None,
        price: Amount | None = None,
        price2: Amount | None = None,
        oflags: str | None = None,
        deadline: str | None = None,
        cancel_response: bool | None = None,
        validate: bool | None = None,
        userref: int | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Cancel and replace an order; the new one has a new txid (EditOrder).

        When the answer is lost (``txid`` a txid, not a userref), the original is looked up: still
        open, the edit is sent again; cancelled with exactly one replacement opened as it closed,
        that replacement's answer is returned; otherwise
        :class:`~krakenkit.protocol.errors.OutcomeUnknown` carries what was found.
        """
        return self._call("EditOrder", locals())

    def cancel_order(
        self, *, txid: str | int | None = None, cl_ord_id: str | None = None, extra: Extra = None
    ) -> R:
        """Cancel by txid, by userref (an int: all orders with it) or cl_ord_id (CancelOrder)."""
        return self._call("CancelOrder", locals())

    def cancel_all(self, *, extra: Extra = None) -> R:
        """Cancel every open order: ``{"count": n, "pending": false}`` (CancelAll)."""
        return self._call("CancelAll", locals())

    def cancel_all_orders_after(self, *, timeout: int, extra: Extra = None) -> R:
        """Dead man's switch: cancel all in ``timeout`` s; 0 disarms (CancelAllOrdersAfter)."""
        return self._call("CancelAllOrdersAfter", locals())

    def cancel_order_batch(
        self,
        *,
        orders: Sequence[str | int] | None = None,
        cl_ord_ids: Sequence[str] | None = None,
        extra: Extra = None,
    ) -> R:
        """Cancel up to 50 orders by txid/userref or cl_ord_id, sent as JSON (CancelOrderBatch)."""
        orders = None if orders is None else list(orders)
        cl_ord_ids = None if cl_ord_ids is None else list(cl_ord_ids)
        return self._call("CancelOrderBatch", locals())

    def get_websockets_token(self, *, extra: Extra = None) -> R:
        """A token for the private WebSocket feeds, valid 15 minutes (GetWebSocketsToken)."""
        return self._call("GetWebSocketsToken", locals())
