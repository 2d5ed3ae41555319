"""From a method's keyword arguments to wire parameters: names, pairs, prices and volumes.

Pure, shared by both clients. The steps, in order:

1. :func:`wire_params` -- Python names to Kraken's (``fee_info`` -> ``fee-info``, ``from_`` ->
   ``from``), ``extra`` merged in, ``None`` dropped, lists joined with commas where Kraken wants a
   comma list (``txid``, ``pair``, ``asset``, ``id``) and the body is a form, and required
   parameters checked (``EGeneral:Invalid arguments:<name>``, as Kraken would answer);
2. :func:`render_pairs` -- with a :class:`~krakenkit.protocol.assets.PairRegistry`, every ``pair``
   argument (any spelling: ``BTC/USD``, ``xbt-usd``, ``XXBTZUSD``) goes out as Kraken's altname,
   and prices and volumes given as ``Decimal``/``int``/``str`` are rendered at the pair's
   precision. A price or volume the pair cannot take raises here, with the string Kraken's
   server would send, before anything is signed. Relative prices (``+5``, ``-2%``, ``#10``) pass
   as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from krakenkit.protocol.assets import PairInfo, PairRegistry, format_price, format_volume
from krakenkit.protocol.endpoints import Endpoint
from krakenkit.protocol.errors import InvalidArguments

__all__ = ["pair_spellings", "render_pairs", "wire_params"]

_RENAMED = {"fee_info": "fee-info"}
_COMMA_LISTS = frozenset({"txid", "pair", "asset", "id"})
_PRICES = frozenset({"price", "price2", "limit_price", "trigger_price"})
_VOLUMES = frozenset({"volume", "displayvol", "order_qty", "display_qty"})
# Endpoints whose ``pair`` is a name to resolve (AssetPairs itself is how pairs are learnt).
_PAIR_ENDPOINTS = frozenset(
    {
        "Ticker",
        "OHLC",
        "Depth",
        "Trades",
        "Spread",
        "GroupedBook",
        "TradeVolume",
        "AddOrder",
        "AddOrderBatch",
        "AmendOrder",
        "EditOrder",
    }
)


def _wire_name(name: str) -> str:
    return _RENAMED.get(name, name.rstrip("_"))


def wire_params(
    endpoint: Endpoint, args: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Kraken's parameter names and shapes for one call (step 1 of the module docstring)."""
    params: dict[str, Any] = {}
    for name, value in args.items():
        if value is None or name in ("self", "extra"):
            continue
        params[_wire_name(name)] = value
    params.update({k: v for k, v in (extra or {}).items() if v is not None})
    if not endpoint.json_body:
        for name in _COMMA_LISTS & params.keys():
            value = params[name]
            if isinstance(value, list | tuple):
                params[name] = ",".join(str(v) for v in value)
    missing = endpoint.missing(params)
    if missing:
        raise InvalidArguments(f"EGeneral:Invalid arguments:{missing[0]}", path=endpoint.path)
    return params


def needs_pairs(endpoint: Endpoint, params: Mapping[str, Any]) -> bool:
    """Whether rendering this call wants the pair metadata."""
    return endpoint.name in _PAIR_ENDPOINTS and params.get("pair") not in (None, "")


def _decimal(value: object) -> Decimal | None:
    """A plain number from ``Decimal``/``int``/``str``; None for relative prices and odd text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        raise TypeError("floats are not sent to Kraken: use Decimal or str (never float money)")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or text[0] in "+-#" or text.endswith("%"):
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _price(pair: PairInfo, value: object) -> object:
    number = _decimal(value)
    if number is None:
        return value
    if _decimals(number) > pair.pair_decimals:
        raise InvalidArguments(
            f"EOrder:Invalid price:{pair.altname} price can only be specified up to "
            f"{pair.pair_decimals} decimals."
        )
    return format_price(pair, number)


def _volume(pair: PairInfo, value: object, field: str) -> object:
    number = _decimal(value)
    if number is None:
        return value
    try:
        return format_volume(pair, number)
    except InvalidArguments:
        raise InvalidArguments(f"EGeneral:Invalid arguments:{field}") from None


def _render_order(pair: PairInfo | None, order: Mapping[str, Any]) -> dict[str, Any]:
    """Prices and volumes of one order's fields (AddOrder, one AddOrderBatch item, ...)."""
    out = dict(order)
    if pair is None:
        return out
    in_quote = "viqc" in str(order.get("oflags") or "")  # volume in quote currency
    for name, value in order.items():
        if name in _PRICES or name in ("close[price]", "close[price2]"):
            out[name] = _price(pair, value)
        elif name in _VOLUMES and not (in_quote and name == "volume"):
            out[name] = _volume(pair, value, name)
        elif name == "close" and isinstance(value, Mapping):
            out[name] = _render_order(pair, value)
    return out


def render_pairs(
    endpoint: Endpoint, params: Mapping[str, Any], registry: PairRegistry | None
) -> dict[str, Any]:
    """Pair names to altnames and amounts at the pair's precision (step 2).

    Without a registry, or for a pair it does not know, names and amounts go out as given
    (decimals in plain notation) and Kraken judges them.
    """
    out = dict(params)
    if registry is None or not needs_pairs(endpoint, params):
        return out
    names = [n.strip() for n in str(params["pair"]).split(",")]
    found = [registry.get(n) for n in names]
    out["pair"] = ",".join(p.altname if p else n for p, n in zip(found, names, strict=True))
    pair = found[0] if len(found) == 1 else None
    if endpoint.name == "AddOrderBatch" and isinstance(params.get("orders"), list | tuple):
        out["orders"] = [
            _render_order(pair, o) if isinstance(o, Mapping) else o for o in params["orders"]
        ]
        return out
    return _render_order(pair, out)


def pair_spellings(registry: PairRegistry | None, name: str) -> frozenset[str]:
    """Every upper-case spelling of one pair Kraken may answer with (id, altname, wsname)."""
    pair = registry.get(name) if registry is not None else None
    if pair is None:
        return frozenset({name.upper()})
    names = {pair.id, pair.altname, pair.symbol, name}
    if pair.wsname:
        names.add(pair.wsname)
    return frozenset(n.upper() for n in names)
