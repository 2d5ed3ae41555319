"""Trading over WebSocket: v1 events and v2 methods, mapped onto the REST handlers.

A WS order is the same order as a REST one -- same checks, same error strings, same trading
counter -- so every request is translated to AddOrder / EditOrder / ... parameters and run through
:data:`~.registry.PRIVATE` with the token's API key, then committed before the answer is queued.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from krakenkit.emulator.server.auth import ApiKey, check_permission
from krakenkit.emulator.server.registry import PRIVATE, Context
from krakenkit.protocol.errors import InvalidArguments, api_error

if TYPE_CHECKING:
    from krakenkit.emulator.server.exchange import Exchange

__all__ = ["call", "v2_edit_params", "v2_order_params"]

_TRIGGERED = ("stop-loss", "take-profit", "trailing-stop")
_TRIGGERED_LIMIT = ("stop-loss-limit", "take-profit-limit", "trailing-stop-limit")


def call(exchange: Exchange, key: ApiKey, method: str, params: dict[str, Any]) -> Any:
    """Run the REST handler ``method`` for ``key``; raises APIError with Kraken's string."""
    check_permission(key, method)
    if exchange.system_status == "maintenance":
        raise api_error(["EService:Unavailable"])
    now = exchange.clock()
    try:
        return PRIVATE[method](Context(exchange, f"/0/private/{method}", now, key), params)
    finally:
        exchange.commit()


def _invalid(field: str) -> InvalidArguments:
    return InvalidArguments(f"EGeneral:Invalid arguments:{field}")


def _epoch(value: object, field: str) -> str:
    """An RFC 3339 time (v2) as the epoch seconds REST takes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    try:
        return str(datetime.fromisoformat(str(value)).timestamp())
    except ValueError:
        raise _invalid(field) from None


def _price(value: object, kind: object, ordertype: str) -> str:
    text = str(value)
    if kind in (None, "static"):
        return text
    if kind not in ("pct", "quote"):
        raise _invalid("price_type")
    sign = "" if text.startswith(("-", "+")) else "+"
    if ordertype.startswith("trailing") and sign == "":
        sign = "+"
    return f"{sign}{text}{'%' if kind == 'pct' else ''}"


def v2_order_params(p: Mapping[str, Any], *, symbol: object = None) -> dict[str, Any]:
    """add_order / batch_add parameters (protocol.md §5) as AddOrder parameters."""
    ordertype = str(p.get("order_type", ""))
    out: dict[str, Any] = {
        "ordertype": ordertype,
        "type": p.get("side"),
        "pair": p.get("symbol", symbol),
    }
    flags: list[str] = []
    if "cash_order_qty" in p:
        out["volume"] = p["cash_order_qty"]
        flags.append("viqc")
    else:
        out["volume"] = p.get("order_qty")
    triggers = p.get("triggers") or {}
    if not isinstance(triggers, Mapping):
        raise _invalid("triggers")
    limit = p.get("limit_price")
    limit_kind = p.get("limit_price_type")
    if ordertype in _TRIGGERED or ordertype in _TRIGGERED_LIMIT:
        if "price" not in triggers:
            raise _invalid("triggers")
        out["price"] = _price(triggers["price"], triggers.get("price_type"), ordertype)
        if ordertype in _TRIGGERED_LIMIT and limit is not None:
            out["price2"] = _price(limit, limit_kind, ordertype)
        if "reference" in triggers:
            out["trigger"] = triggers["reference"]
    elif limit is not None:
        out["price"] = _price(limit, limit_kind, ordertype)
    if "time_in_force" in p:
        out["timeinforce"] = str(p["time_in_force"]).upper()
    if p.get("post_only"):
        flags.append("post")
    fee = p.get("fee_preference")
    if fee is not None:
        if fee not in ("base", "quote"):
            raise _invalid("fee_preference")
        flags.append("fcib" if fee == "base" else "fciq")
    if p.get("no_mpp"):
        flags.append("nompp")
    if flags:
        out["oflags"] = ",".join(flags)
    if p.get("reduce_only"):
        out["reduce_only"] = True
    if "effective_time" in p:
        out["starttm"] = _epoch(p["effective_time"], "effective_time")
    if "expire_time" in p:
        out["expiretm"] = _epoch(p["expire_time"], "expire_time")
    for src, dst in (
        ("deadline", "deadline"),
        ("cl_ord_id", "cl_ord_id"),
        ("order_userref", "userref"),
        ("display_qty", "displayvol"),
        ("validate", "validate"),
    ):
        if src in p:
            out[dst] = p[src]
    if "stp_type" in p:
        out["stptype"] = str(p["stp_type"]).replace("_", "-")
    conditional = p.get("conditional")
    if conditional is not None:
        if not isinstance(conditional, Mapping) or "order_type" not in conditional:
            raise _invalid("conditional")
        close_type = str(conditional["order_type"])
        out["close[ordertype]"] = close_type
        if close_type in _TRIGGERED or close_type in _TRIGGERED_LIMIT:
            if "trigger_price" in conditional:
                out["close[price]"] = str(conditional["trigger_price"])
            if "limit_price" in conditional:
                out["close[price2]"] = str(conditional["limit_price"])
        elif "limit_price" in conditional:
            out["close[price]"] = str(conditional["limit_price"])
    return {k: v for k, v in out.items() if v is not None}


def v2_edit_params(p: Mapping[str, Any]) -> dict[str, Any]:
    """edit_order parameters as EditOrder parameters."""
    out: dict[str, Any] = {"txid": p.get("order_id"), "pair": p.get("symbol")}
    for src, dst in (
        ("order_qty", "volume"),
        ("limit_price", "price"),
        ("display_qty", "displayvol"),
        ("order_userref", "userref"),
        ("deadline", "deadline"),
        ("validate", "validate"),
    ):
        if src in p:
            out[dst] = p[src]
    triggers = p.get("triggers")
    if isinstance(triggers, Mapping) and "price" in triggers:
        if "price" in out:
            out["price2"] = out["price"]
        out["price"] = str(triggers["price"])
    flags = []
    if p.get("post_only"):
        flags.append("post")
    if p.get("fee_preference") in ("base", "quote"):
        flags.append("fcib" if p["fee_preference"] == "base" else "fciq")
    if flags:
        out["oflags"] = ",".join(flags)
    return {k: v for k, v in out.items() if v is not None}
