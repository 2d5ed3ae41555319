"""AddOrder parameters (REST and WS v1 share the names) -> an engine :class:`OrderRequest`.

Everything that can be judged from the request alone is judged here, with Kraken's strings:
``EGeneral:Invalid arguments:<field>`` for malformed fields, ``EOrder:Invalid price:...`` for
prices finer than the pair allows, ``EService:Deadline elapsed`` for a past ``deadline``. What needs
balances or the market (minimums, funds, relative prices) is the engine's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from krakenkit.emulator.engine import CloseSpec, OrderRequest, PriceSpec, reject
from krakenkit.emulator.engine.orders import LIMIT_TYPES, ORDER_TYPES, TRIGGER_TYPES
from krakenkit.emulator.instruments import Catalogue
from krakenkit.emulator.server.params import as_bool, as_decimal, as_int, as_list
from krakenkit.protocol.assets import PairInfo

__all__ = [
    "check_deadline",
    "parse_cl_ord_id",
    "parse_order",
    "parse_price",
    "parse_time",
    "parse_volume",
]

_OFLAGS = frozenset({"post", "fcib", "fciq", "nompp", "viqc"})
_TIF = frozenset({"GTC", "IOC", "GTD", "FOK"})
_STP = frozenset({"cancel-newest", "cancel-oldest", "cancel-both"})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_FREE = re.compile(r"^[\x21-\x7e]{1,18}$")
_INT32 = (-(2**31), 2**31 - 1)
_MONTH = 31 * 86400


def _invalid(field: str) -> Exception:
    return reject(f"EGeneral:Invalid arguments:{field}")


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_price(value: object, pair: PairInfo, field: str = "price") -> PriceSpec:
    """``25000.1``, ``+5``, ``-2.5%``, ``#100`` -> :class:`PriceSpec` (absolute ones checked)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = str(as_decimal(value, name=field))
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _invalid(field)
    sign = ""
    if text[:1] in ("+", "-", "#"):
        sign, text = text[0], text[1:]
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    number = as_decimal(text, name=field)
    if number < 0 or (percent and not sign):
        raise _invalid(field)
    if not sign and _decimals(number) > pair.pair_decimals:
        raise reject(
            f"EOrder:Invalid price:{pair.altname} price can only be specified up to "
            f"{pair.pair_decimals} decimals."
        )
    return PriceSpec(sign, number, percent)


def parse_volume(value: object, pair: PairInfo, field: str = "volume") -> Decimal:
    volume = as_decimal(value, name=field)
    if volume < 0 or _decimals(volume) > pair.lot_decimals:
        raise _invalid(field)
    return volume


def parse_time(value: object, now: float, field: str) -> float:
    """``0`` (none), ``<n>`` (unix time) or ``+<n>`` (seconds from now).

    A ``+`` that a client forgot to percent-encode arrives as a space; it still means relative.
    """
    if value is None:
        return 0.0
    text = str(value)
    relative = text.startswith(("+", " "))
    text = text.strip().lstrip("+")
    number = as_decimal(text, name=field)
    if number < 0:
        raise _invalid(field)
    if number == 0:
        return 0.0
    return now + float(number) if relative else float(number)


def parse_cl_ord_id(value: object) -> str:
    text = str(value)
    if _UUID.match(text) or _HEX32.match(text) or _FREE.match(text):
        return text
    raise _invalid("cl_ord_id")


def check_deadline(value: object, now: float) -> None:
    """``deadline`` (RFC 3339) must lie ahead, at most 60 s; a past one is ``Deadline elapsed``."""
    if value is None:
        return
    try:
        when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _invalid("deadline") from None
    if when < now:
        raise reject("EService:Deadline elapsed")
    if when > now + 60:
        raise _invalid("deadline")


def _oflags(value: object) -> frozenset[str]:
    flags = frozenset(str(f).strip() for f in as_list(value) if str(f).strip())
    if flags - _OFLAGS or {"fcib", "fciq"} <= flags:
        raise _invalid("oflags")
    return flags - {"nompp"}


def _close(params: Mapping[str, Any], pair: PairInfo) -> CloseSpec | None:
    close = params.get("close")
    if close is None:
        flat = {k[6:-1]: v for k, v in params.items() if k.startswith("close[")}
        close = flat or None
    if close is None:
        return None
    if not isinstance(close, Mapping):
        raise _invalid("close")
    kind = str(close.get("ordertype", ""))
    if kind not in ORDER_TYPES - {"settle-position", "iceberg"}:
        raise _invalid("close[ordertype]")
    price = close.get("price")
    price2 = close.get("price2")
    if kind != "market" and price is None:
        raise _invalid("close[price]")
    return CloseSpec(
        ordertype=kind,
        price=None if price is None else parse_price(price, pair, "close[price]"),
        price2=None if price2 is None else parse_price(price2, pair, "close[price2]"),
    )


def parse_order(
    params: Mapping[str, Any],
    catalogue: Catalogue,
    now: float,
    *,
    pair: PairInfo | None = None,
) -> OrderRequest:
    """Decode one AddOrder (or one AddOrderBatch item, with the batch's ``pair``)."""
    if pair is None:
        if "pair" not in params:
            raise _invalid("pair")
        pair = catalogue.pair_or_none(str(params["pair"]))
        if pair is None:
            raise reject("EQuery:Unknown asset pair")
    kind = str(params.get("ordertype", "")).strip().lower()
    if kind not in ORDER_TYPES:
        raise _invalid("ordertype")
    side = str(params.get("type", "")).strip().lower()
    if side not in ("buy", "sell"):
        raise _invalid("type")
    if "volume" not in params:
        raise _invalid("volume")
    volume = parse_volume(params["volume"], pair)
    oflags = _oflags(params.get("oflags"))
    price = params.get("price")
    price2 = params.get("price2")
    needs_price = kind in LIMIT_TYPES or kind in TRIGGER_TYPES
    if needs_price and price in (None, ""):
        raise _invalid("price")
    if kind.endswith("-limit") and price2 in (None, ""):
        raise _invalid("price2")
    price_spec = parse_price(price, pair) if needs_price else None
    price2_spec = parse_price(price2, pair, "price2") if kind.endswith("-limit") else None
    if kind.startswith("trailing") and (price_spec is None or price_spec.sign != "+"):
        raise _invalid("price")
    if kind == "trailing-stop-limit" and price2_spec is not None and price2_spec.sign not in "+-":
        raise _invalid("price2")
    if "post" in oflags and kind not in LIMIT_TYPES and not kind.endswith("-limit"):
        raise _invalid("oflags")
    if "viqc" in oflags and (kind != "market" or side != "buy"):
        raise _invalid("oflags")
    displayvol = None
    if kind == "iceberg":
        raw = params.get("displayvol")
        if raw is None:
            raise _invalid("displayvol")
        displayvol = parse_volume(raw, pair, "displayvol")
        if displayvol * 15 < volume or displayvol > volume:
            raise _invalid("displayvol")
    elif params.get("displayvol") not in (None, ""):
        raise _invalid("displayvol")
    tif = str(params.get("timeinforce") or "GTC").strip().upper()
    if tif not in _TIF:
        raise _invalid("timeinforce")
    starttm = parse_time(params.get("starttm"), now, "starttm")
    expiretm = parse_time(params.get("expiretm"), now, "expiretm")
    if tif == "GTD" and not expiretm:
        raise _invalid("expiretm")
    if expiretm and expiretm > now + _MONTH + 60:
        raise _invalid("expiretm")
    if tif in ("IOC", "FOK") and "post" in oflags:
        raise _invalid("timeinforce")
    userref = 0
    cl_ord_id = None
    if params.get("userref") not in (None, ""):
        userref = as_int(params["userref"], name="userref")
        if not _INT32[0] <= userref <= _INT32[1]:
            raise _invalid("userref")
    if params.get("cl_ord_id") not in (None, ""):
        if userref:
            raise _invalid("cl_ord_id")
        cl_ord_id = parse_cl_ord_id(params["cl_ord_id"])
    stptype = str(params.get("stptype") or "cancel-newest").strip()
    if stptype not in _STP:
        raise _invalid("stptype")
    trigger = str(params.get("trigger") or "last").strip()
    if trigger not in ("last", "index"):
        raise _invalid("trigger")
    leverage = params.get("leverage")
    return OrderRequest(
        pair=pair,
        side=side,
        ordertype=kind,
        volume=volume,
        price=price_spec,
        price2=price2_spec,
        displayvol=displayvol,
        trigger=trigger,
        oflags=oflags,
        timeinforce=tif,
        starttm=starttm,
        expiretm=expiretm,
        userref=userref,
        cl_ord_id=cl_ord_id,
        stptype=stptype,
        reduce_only=as_bool(params.get("reduce_only", False), name="reduce_only"),
        close=_close(params, pair),
        leverage=None if leverage in (None, "") else str(leverage),
    )
