"""Kraken's many names for one asset or market, and the conversions between them.

Kraken spells the same market five ways, and different endpoints answer with different ones::

    pair id     XXBTZUSD   keys of REST results, TradesHistory ``pair``, EditOrder ``descr``
    altname     XBTUSD     what REST accepts as ``pair``; OpenOrders ``descr.pair``
    wsname      XBT/USD    WebSocket v1
    v2 symbol   BTC/USD    WebSocket v2 and the newer REST docs (``XBT`` is rejected there)
    assets      XXBT/ZUSD (ids, Balance keys) - XBT/USD (altnames) - BTC/USD (common names)

Assets listed early carry an ``X`` (crypto) or ``Z`` (fiat) prefix on a three-letter altname.
The prefix cannot be stripped by rule, because real codes start with those letters too (``XTZ``,
``ZEC``, ``ZRX``; ``XRP`` has the id ``XXRP``), so :data:`LEGACY_ASSET_IDS` lists them. The list
was checked against the base/quote ids and wsname parts of a full AssetPairs capture and completed
with the ids Kraken retired since; a :class:`PairRegistry` also learns new ``X``/``Z`` ids from
the data it is built from. Common names then follow what every Kraken client does: ``XBT`` ->
``BTC`` and ``XDG`` -> ``DOGE``. Balance codes may carry a suffix (``XBT.M``, ``ETH2.S``,
``USD.HOLD``): the part before the dot is converted and the suffix kept.

Money stays :class:`~decimal.Decimal`. :func:`format_price` and :func:`format_volume` render a value
at the pair's precision for the wire. Kraken rejects an order with more decimals than the pair
allows, instead of rounding it, so these functions raise the error Kraken would send unless the
caller asks for rounding explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from krakenkit.protocol.errors import InvalidArguments, ProtocolError

__all__ = [
    "LEGACY_ASSET_IDS",
    "PairInfo",
    "PairRegistry",
    "common_asset",
    "format_price",
    "format_volume",
    "kraken_asset_id",
]

#: Prefixed asset id -> Kraken altname, for every id whose prefix must be stripped.
LEGACY_ASSET_IDS: Mapping[str, str] = {
    # crypto, seen in AssetPairs (base/quote id vs wsname part)
    "XETC": "ETC",
    "XETH": "ETH",
    "XLTC": "LTC",
    "XMLN": "MLN",
    "XREP": "REP",
    "XXBT": "XBT",
    "XXDG": "XDG",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XXRP": "XRP",
    "XZEC": "ZEC",
    # crypto, retired (old Assets answers)
    "XDAO": "DAO",
    "XICN": "ICN",
    "XNMC": "NMC",
    "XXVN": "XVN",
    # fiat
    "ZAUD": "AUD",
    "ZCAD": "CAD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZJPY": "JPY",
    "ZKRW": "KRW",
    "ZUSD": "USD",
    # read-only aliases: these assets' real ids carry no prefix (``XTZ``, ``CHF``)
    "XXTZ": "XTZ",
    "ZCHF": "CHF",
}
_READ_ONLY_ALIASES = frozenset({"XXTZ", "ZCHF"})
_ID_OF_ALTNAME: dict[str, str] = {
    alt: asset_id
    for asset_id, alt in LEGACY_ASSET_IDS.items()
    if asset_id not in _READ_ONLY_ALIASES
}
_COMMON_OF_ALTNAME: dict[str, str] = {"XBT": "BTC", "XDG": "DOGE"}
_ALTNAME_OF_COMMON: dict[str, str] = {common: alt for alt, common in _COMMON_OF_ALTNAME.items()}


def _is_prefixed(asset_id: str, altname: str) -> bool:
    """True for the legacy shape: one ``X``/``Z`` letter before a three-letter altname."""
    return len(asset_id) == 4 and asset_id[0] in "XZ" and asset_id[1:] == altname


def _common(code: str, learned: Mapping[str, str]) -> str:
    head, dot, suffix = code.strip().upper().partition(".")
    altname = learned.get(head) or LEGACY_ASSET_IDS.get(head, head)
    return _COMMON_OF_ALTNAME.get(altname, altname) + dot + suffix


def common_asset(code: str) -> str:
    """The common name of an asset id, altname or balance code.

    ``XXBT``/``XBT``/``BTC`` -> ``BTC``, ``XXDG``/``XDG`` -> ``DOGE``, ``ZUSD`` -> ``USD``,
    ``XBT.M`` -> ``BTC.M``; ``DOT``, ``XTZ``, ``ETH2.S`` stay. Input is case-insensitive (futures
    accounts use ``xbt``); the answer is upper case.
    """
    return _common(code, {})


def kraken_asset_id(common: str) -> str:
    """The Kraken asset id for a common name: ``BTC`` -> ``XXBT``, ``USD`` -> ``ZUSD``.

    Assets outside the legacy table are their own id (``DOT`` -> ``DOT``); an id is returned as it
    is (``XXBT`` -> ``XXBT``). Suffixed balance codes use the altname: ``BTC.M`` -> ``XBT.M``.
    """
    head, dot, suffix = common.strip().upper().partition(".")
    altname = _ALTNAME_OF_COMMON.get(head, head)
    if dot:
        return altname + dot + suffix
    return _ID_OF_ALTNAME.get(altname, altname)


# --- pairs -----------------------------------------------------------------------------------

FeeTier = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class PairInfo:
    """One spot pair as AssetPairs describes it, with every name it goes by.

    ``fees``/``fees_maker`` are ``(30-day volume, percent)`` tiers. Fields newer than older
    captures get Kraken's defaults: ``cost_decimals`` 5, ``tick_size`` one unit of
    ``pair_decimals``, ``status`` ``online``, ``fees_maker`` equal to ``fees``.
    """

    id: str
    altname: str
    wsname: str | None
    symbol: str
    base: str
    quote: str
    base_common: str
    quote_common: str
    pair_decimals: int
    lot_decimals: int
    cost_decimals: int
    ordermin: Decimal
    costmin: Decimal | None
    tick_size: Decimal
    fees: tuple[FeeTier, ...]
    fees_maker: tuple[FeeTier, ...]
    fee_volume_currency: str
    status: str
    leverage_buy: tuple[int, ...]
    leverage_sell: tuple[int, ...]

    @property
    def is_dark_pool(self) -> bool:
        """Dark-pool pairs (``XXBTZUSD.d``) have no wsname and are skipped by name lookups."""
        return self.id.endswith(".d")


def _decimal(value: Any, *, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ProtocolError(f"AssetPairs {where}: not a number: {value!r}")
    try:
        # str() first: a JSON float such as 0.26 must become Decimal("0.26"), not its binary value
        result = Decimal(value if isinstance(value, str | Decimal) else str(value))
    except InvalidOperation:
        raise ProtocolError(f"AssetPairs {where}: not a number: {value!r}") from None
    if not result.is_finite():
        raise ProtocolError(f"AssetPairs {where}: not a number: {value!r}")
    return result


def _fee_tiers(value: Any, *, where: str) -> tuple[FeeTier, ...]:
    if not isinstance(value, list):
        raise ProtocolError(f"AssetPairs {where}: fee tiers must be a list")
    tiers: list[FeeTier] = []
    for tier in value:
        if not isinstance(tier, list) or len(tier) != 2:
            raise ProtocolError(f"AssetPairs {where}: fee tier {tier!r} is not [volume, percent]")
        tiers.append((_decimal(tier[0], where=where), _decimal(tier[1], where=where)))
    return tuple(tiers)


def _int(entry: Mapping[str, Any], field: str, pair_id: str, default: int | None = None) -> int:
    value = entry.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"AssetPairs {pair_id}.{field}: expected an integer, got {value!r}")
    return value


def _str(entry: Mapping[str, Any], field: str, pair_id: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"AssetPairs {pair_id}.{field}: expected a string, got {value!r}")
    return value


def _leverage(entry: Mapping[str, Any], field: str, pair_id: str) -> tuple[int, ...]:
    value = entry.get(field, [])
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ProtocolError(f"AssetPairs {pair_id}.{field}: expected a list of integers")
    return tuple(value)


def _pair_info(pair_id: str, entry: Mapping[str, Any], learned: Mapping[str, str]) -> PairInfo:
    base, quote = _str(entry, "base", pair_id), _str(entry, "quote", pair_id)
    wsname = entry.get("wsname")
    if wsname is not None and not isinstance(wsname, str):
        raise ProtocolError(f"AssetPairs {pair_id}.wsname: expected a string")
    pair_decimals = _int(entry, "pair_decimals", pair_id)
    base_common, quote_common = _common(base, learned), _common(quote, learned)
    where = f"{pair_id}"
    fees = _fee_tiers(entry.get("fees", []), where=f"{where}.fees")
    costmin = entry.get("costmin")
    tick = entry.get("tick_size")
    return PairInfo(
        id=pair_id,
        altname=_str(entry, "altname", pair_id),
        wsname=wsname or None,
        symbol=f"{base_common}/{quote_common}",
        base=base,
        quote=quote,
        base_common=base_common,
        quote_common=quote_common,
        pair_decimals=pair_decimals,
        lot_decimals=_int(entry, "lot_decimals", pair_id),
        cost_decimals=_int(entry, "cost_decimals", pair_id, 5),
        ordermin=_decimal(entry.get("ordermin", "0"), where=f"{where}.ordermin"),
        costmin=None if costmin is None else _decimal(costmin, where=f"{where}.costmin"),
        tick_size=(
            Decimal(1).scaleb(-pair_decimals)
            if tick is None
            else _decimal(tick, where=f"{where}.tick_size")
        ),
        fees=fees,
        fees_maker=(
            _fee_tiers(entry["fees_maker"], where=f"{where}.fees_maker")
            if "fees_maker" in entry
            else fees
        ),
        fee_volume_currency=str(entry.get("fee_volume_currency", quote)),
        status=str(entry.get("status", "online")),
        leverage_buy=_leverage(entry, "leverage_buy", pair_id),
        leverage_sell=_leverage(entry, "leverage_sell", pair_id),
    )


def _learn_assets(
    result: Mapping[str, Mapping[str, Any]], assets: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, str]:
    """Legacy ``X``/``Z`` ids the data reveals (asset id vs wsname part, or Assets altname)."""
    learned: dict[str, str] = {}
    for entry in result.values():
        wsname = entry.get("wsname")
        if isinstance(wsname, str) and wsname.count("/") == 1:
            for asset_id, part in zip(
                (entry.get("base"), entry.get("quote")), wsname.upper().split("/"), strict=True
            ):
                if isinstance(asset_id, str) and _is_prefixed(asset_id, part):
                    learned[asset_id] = part
    for asset_id, info in (assets or {}).items():
        altname = info.get("altname") if isinstance(info, Mapping) else None
        if isinstance(altname, str) and _is_prefixed(asset_id, altname.upper()):
            learned[asset_id] = altname.upper()
    return learned


_SEPARATORS = re.compile(r"[\s/\-_:]+")


def _name_key(text: str) -> str | None:
    """``btc/usd``, ``XBT-USD``, ``BTC_USD`` -> ``BTC/USD``; ``btcusd`` -> ``BTCUSD``."""
    parts = [p for p in _SEPARATORS.split(text.strip().upper()) if p]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[0]}/{parts[1]}"
    return None


class _Index:
    """A name -> pair map that forgets names claimed by two different pairs."""

    __slots__ = ("_ambiguous", "_map")

    def __init__(self) -> None:
        self._map: dict[str, PairInfo] = {}
        self._ambiguous: set[str] = set()

    def add(self, key: str, pair: PairInfo) -> None:
        if key in self._ambiguous:
            return
        known = self._map.get(key)
        if known is None:
            self._map[key] = pair
        elif known.id != pair.id:
            del self._map[key]
            self._ambiguous.add(key)

    def get(self, key: str) -> PairInfo | None:
        return self._map.get(key)


class PairRegistry:
    """Every spot pair, found by any of its names.

    Build it from an AssetPairs ``result`` (``PairRegistry.from_asset_pairs(result)``), then
    :meth:`resolve` any spelling: pair id, altname, wsname, v2 symbol, or base and quote in any of
    their spellings joined by ``/``, ``-``, ``_``, ``:``, a space or nothing; case-insensitive.
    Kraken's own names (id, altname, wsname, v2 symbol) win over derived spellings; a derived
    spelling that two pairs share resolves to neither. Dark-pool pairs resolve only by exact id.
    """

    __slots__ = ("_derived", "_own", "assets", "by_id")

    def __init__(self, pairs: Iterable[PairInfo]) -> None:
        self.by_id: Mapping[str, PairInfo] = MappingProxyType({p.id: p for p in pairs})
        #: asset id -> common name, for every base and quote asset of the pairs
        self.assets: Mapping[str, str] = MappingProxyType(
            {
                asset_id: common
                for p in self.by_id.values()
                for asset_id, common in ((p.base, p.base_common), (p.quote, p.quote_common))
            }
        )
        self._own = _Index()
        self._derived = _Index()
        for pair in self.by_id.values():
            if pair.is_dark_pool:
                continue
            for name in (pair.id, pair.altname, pair.wsname, pair.symbol):
                key = _name_key(name) if name else None
                if key:
                    self._own.add(key, pair)
            for base in self._spellings(pair.base, pair.base_common, pair.wsname, 0):
                for quote in self._spellings(pair.quote, pair.quote_common, pair.wsname, 1):
                    self._derived.add(f"{base}/{quote}", pair)
                    self._derived.add(base + quote, pair)

    @staticmethod
    def _spellings(asset_id: str, common: str, wsname: str | None, side: int) -> set[str]:
        names = {asset_id.upper(), common, kraken_asset_id(common)}
        names.add(LEGACY_ASSET_IDS.get(asset_id.upper(), asset_id.upper()))
        names.add(_ALTNAME_OF_COMMON.get(common, common))
        if wsname and wsname.count("/") == 1:
            names.add(wsname.upper().split("/")[side])
        return names

    @classmethod
    def from_asset_pairs(
        cls,
        result: Mapping[str, Mapping[str, Any]],
        *,
        assets: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> PairRegistry:
        """Build from the ``result`` of ``/0/public/AssetPairs`` (and optionally ``Assets``)."""
        if not isinstance(result, Mapping):
            raise ProtocolError("AssetPairs result must be an object keyed by pair id")
        for pair_id, entry in result.items():
            if not isinstance(entry, Mapping):
                raise ProtocolError(f"AssetPairs {pair_id}: expected an object")
        learned = _learn_assets(result, assets)
        return cls(_pair_info(pair_id, entry, learned) for pair_id, entry in result.items())

    def pairs(self, *, dark_pool: bool = False) -> tuple[PairInfo, ...]:
        """All pairs in the order Kraken listed them; dark-pool pairs only if asked for."""
        return tuple(p for p in self.by_id.values() if dark_pool or not p.is_dark_pool)

    def get(self, name: str) -> PairInfo | None:
        """Like :meth:`resolve`, but ``None`` for an unknown pair."""
        exact = self.by_id.get(name.strip())
        if exact is not None:
            return exact
        key = _name_key(name)
        if key is None:
            return None
        return self._own.get(key) or self._derived.get(key)

    def resolve(self, name: str) -> PairInfo:
        """The pair a spelling names; raises ``InvalidArguments("EQuery:Unknown asset pair")``."""
        pair = self.get(name)
        if pair is None:
            raise InvalidArguments("EQuery:Unknown asset pair")
        return pair

    def __len__(self) -> int:
        """The number of pairs, dark-pool ones included (as in :attr:`by_id`)."""
        return len(self.by_id)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


# --- wire formatting -------------------------------------------------------------------------


def _render(
    value: object, *, step: Decimal, unit: Decimal, error: str, rounding: str | None
) -> str:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__} (never float money)")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount.adjusted() > 40:
        raise InvalidArguments(error)
    step = max(step, unit)
    with localcontext() as ctx:
        ctx.prec = 100
        ticks = amount / step
        whole = ticks.to_integral_value(rounding=rounding or ROUND_DOWN)
        if whole != ticks and rounding is None:
            off_grid = amount.quantize(unit) == amount  # right decimals, wrong tick
            raise InvalidArguments("EOrder:Tick size check failed" if off_grid else error)
        return f"{(whole * step).quantize(unit).copy_abs():f}"


def format_price(pair: PairInfo, price: Decimal | int, *, round: bool = False) -> str:
    """``price`` as Kraken wants it for ``pair``: exactly ``pair_decimals`` decimals.

    A price with more decimals than the pair allows raises ``InvalidArguments("EOrder:Invalid
    price")``, and one off the pair's ``tick_size`` grid ``"EOrder:Tick size check failed"`` (what
    Kraken answers), unless ``round=True``: then it is rounded to the nearest tick, half to even.
    Negative or non-finite prices always raise; relative prices (``+5%``) are not numbers and are
    not handled here.
    """
    unit = Decimal(1).scaleb(-pair.pair_decimals)
    return _render(
        price,
        step=pair.tick_size,
        unit=unit,
        error="EOrder:Invalid price",
        rounding=ROUND_HALF_EVEN if round else None,
    )


def format_volume(pair: PairInfo, volume: Decimal | int, *, round: bool = False) -> str:
    """``volume`` with exactly ``lot_decimals`` decimals.

    Extra decimals raise ``InvalidArguments("EGeneral:Invalid arguments:volume")`` unless
    ``round=True``: then the volume is rounded toward zero, so an order never asks for more than
    the caller has. Zero is allowed (Kraken uses it to close a margin position). The pair's
    ``ordermin`` is the engine's business, not checked here.
    """
    unit = Decimal(1).scaleb(-pair.lot_decimals)
    return _render(
        volume,
        step=unit,
        unit=unit,
        error="EGeneral:Invalid arguments:volume",
        rounding=ROUND_DOWN if round else None,
    )
