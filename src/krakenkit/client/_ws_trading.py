"""Trading over WebSocket v2: one method per Kraken method, each returning its answer.

Every call is sent with a fresh ``req_id`` and returns the :class:`Response` Kraken matched to it
(``cancel_order`` returns one per order named). An answer with ``success: false`` raises the
krakenkit error its error string maps to (:func:`krakenkit.protocol.errors.classify`), e.g.
:class:`~krakenkit.protocol.errors.InsufficientFunds` or
:class:`~krakenkit.protocol.errors.UnknownOrder`. The token is added for you.

Numbers may be Decimal (sent as exact JSON numbers), int or float. Any v2 parameter not named
in a signature is passed as a keyword (``post_only=True``, ``triggers={...}``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.protocol.ws_messages import Response

__all__ = ["WsTradingMethods"]

Number = Decimal | int | float


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class WsTradingMethods:
    """The v2 trading methods; the class using it provides :meth:`_trade`."""

    async def _trade(
        self, method: str, params: Mapping[str, Any], *, itemised_errors: bool = False
    ) -> list[Response]:
        raise NotImplementedError

    async def add_order(
        self,
        *,
        order_type: str,
        side: str,
        order_qty: Number,
        symbol: str,
        limit_price: Number | None = None,
        cl_ord_id: str | None = None,
        **params: Any,
    ) -> Response:
        """Place an order (``add_order``); ``result`` holds ``order_id`` (and ``cl_ord_id``)."""
        body = _params(
            order_type=order_type,
            side=side,
            order_qty=order_qty,
            symbol=symbol,
            limit_price=limit_price,
            cl_ord_id=cl_ord_id,
            **params,
        )
        return (await self._trade("add_order", body))[0]

    async def amend_order(
        self,
        *,
        order_id: str | None = None,
        cl_ord_id: str | None = None,
        order_qty: Number | None = None,
        limit_price: Number | None = None,
        **params: Any,
    ) -> Response:
        """Change an order in place, keeping queue priority where Kraken can (``amend_order``)."""
        body = _params(
            order_id=order_id,
            cl_ord_id=cl_ord_id,
            order_qty=order_qty,
            limit_price=limit_price,
            **params,
        )
        return (await self._trade("amend_order", body))[0]

    async def edit_order(
        self,
        *,
        order_id: str,
        symbol: str,
        order_qty: Number | None = None,
        limit_price: Number | None = None,
        **params: Any,
    ) -> Response:
        """Replace an order by a new one (``edit_order``): ``order_id``, ``original_order_id``."""
        body = _params(
            order_id=order_id,
            symbol=symbol,
            order_qty=order_qty,
            limit_price=limit_price,
            **params,
        )
        return (await self._trade("edit_order", body))[0]

    async def cancel_order(
        self,
        *,
        order_id: Sequence[str] | None = None,
        cl_ord_id: Sequence[str] | None = None,
        order_userref: Sequence[int] | None = None,
    ) -> list[Response]:
        """Cancel orders (``cancel_order``): one answer per order; the first failure raises."""
        body = _params(
            order_id=None if order_id is None else list(order_id),
            cl_ord_id=None if cl_ord_id is None else list(cl_ord_id),
            order_userref=None if order_userref is None else list(order_userref),
        )
        return await self._trade("cancel_order", body, itemised_errors=True)

    async def cancel_all(self) -> Response:
        """Cancel every open order (``cancel_all``); ``result["count"]``."""
        return (await self._trade("cancel_all", {}))[0]

    async def cancel_all_orders_after(self, timeout: int) -> Response:
        """Arm (or with 0 disarm) the dead man's switch: ``currentTime``, ``triggerTime``."""
        return (await self._trade("cancel_all_orders_after", {"timeout": timeout}))[0]

    async def batch_add(
        self, *, symbol: str, orders: Sequence[Mapping[str, Any]], **params: Any
    ) -> Response:
        """Place 2..15 orders on one symbol (``batch_add``); ``result`` is a list, one per order."""
        body = {"symbol": symbol, "orders": [dict(o) for o in orders], **params}
        return (await self._trade("batch_add", body))[0]

    async def batch_cancel(
        self,
        *,
        orders: Sequence[str] | None = None,
        cl_ord_id: Sequence[str] | None = None,
        **params: Any,
    ) -> Response:
        """Cancel 2..50 orders by id/userref (``orders``) or ``cl_ord_id``; ``result["count"]``."""
        body = _params(
            orders=None if orders is None else list(orders),
            cl_ord_id=None if cl_ord_id is None else list(cl_ord_id),
            **params,
        )
        return (await self._trade("batch_cancel", body))[0]
