"""The emulator's instrument catalogue: the spot pairs and assets it trades, and their prices.

The default catalogue is read from ``data/spot_pairs.json`` and ``data/spot_assets.json`` in this
package. The pair entries are Kraken's own ``/0/public/AssetPairs`` entries, copied from a real 2021
capture and completed with the fields Kraken has returned since (``cost_decimals``, ``costmin``,
``tick_size``, ``status``, position limits); SOL/USD, listed after the capture was taken, is
modelled on DOT/USD. The asset entries follow ``/0/public/Assets``. ``initial_prices`` gives each
pair a realistic starting price with exactly ``pair_decimals`` decimals.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from krakenkit.protocol.assets import PairInfo, PairRegistry, common_asset
from krakenkit.protocol.errors import InvalidArguments

__all__ = ["Asset", "Catalogue", "default_catalogue"]

#: Assets every catalogue keeps, whatever its pairs: the fee-volume currency and fee credits.
_ALWAYS_KEPT = ("ZUSD", "KFEE")


@dataclass(frozen=True, slots=True)
class Asset:
    """One ``/0/public/Assets`` entry; ``collateral_value`` is ``None`` when Kraken omits it."""

    id: str
    altname: str
    decimals: int
    display_decimals: int
    aclass: str
    status: str
    collateral_value: float | None

    @property
    def common(self) -> str:
        """The common name: ``XBT`` -> ``BTC``, ``XDG`` -> ``DOGE``, ``USD`` -> ``USD``."""
        return common_asset(self.altname)

    def to_kraken(self) -> dict[str, Any]:
        """The entry as ``/0/public/Assets`` returns it, keys in Kraken's order."""
        entry: dict[str, Any] = {
            "aclass": self.aclass,
            "altname": self.altname,
            "decimals": self.decimals,
            "display_decimals": self.display_decimals,
        }
        if self.collateral_value is not None:
            entry["collateral_value"] = self.collateral_value
        entry["status"] = self.status
        return entry

    @classmethod
    def from_kraken(cls, asset_id: str, entry: Mapping[str, Any]) -> Asset:
        """Parse one Assets entry; raises ValueError if a field is missing or mistyped."""

        def field(name: str, kind: type[Any]) -> Any:
            value = entry.get(name)
            if isinstance(value, bool) or not isinstance(value, kind):
                raise ValueError(f"Assets {asset_id}.{name}: expected {kind.__name__}: {value!r}")
            return value

        collateral = entry.get("collateral_value")
        if collateral is not None and (
            isinstance(collateral, bool) or not isinstance(collateral, int | float)
        ):
            raise ValueError(f"Assets {asset_id}.collateral_value: not a number: {collateral!r}")
        return cls(
            id=asset_id,
            altname=field("altname", str),
            decimals=field("decimals", int),
            display_decimals=field("display_decimals", int),
            aclass=str(entry.get("aclass", "currency")),
            status=str(entry.get("status", "enabled")),
            collateral_value=None if collateral is None else float(collateral),
        )


class Catalogue:
    """The pairs and assets an emulated exchange lists, found by any of their names.

    Built from an AssetPairs ``result`` (``pairs_raw``), an Assets ``result`` (``assets_raw``) and
    a starting price per pair id. Every base and quote asset of a pair must be in ``assets_raw``
    and every priced pair in ``pairs_raw``; otherwise ValueError. The raw entries are copied, so
    the caller's mappings may change afterwards, and callers only ever get copies back.
    """

    __slots__ = ("_assets_raw", "_by_name", "_pairs_raw", "assets", "initial_prices", "registry")

    def __init__(
        self,
        pairs_raw: Mapping[str, Mapping[str, Any]],
        assets_raw: Mapping[str, Mapping[str, Any]],
        initial_prices: Mapping[str, Decimal],
    ) -> None:
        self._pairs_raw: dict[str, dict[str, Any]] = {
            pair_id: copy.deepcopy(dict(entry)) for pair_id, entry in pairs_raw.items()
        }
        self._assets_raw: dict[str, dict[str, Any]] = {
            asset_id: copy.deepcopy(dict(entry)) for asset_id, entry in assets_raw.items()
        }
        self.registry: PairRegistry = PairRegistry.from_asset_pairs(
            self._pairs_raw, assets=self._assets_raw
        )
        self.assets: Mapping[str, Asset] = MappingProxyType(
            {
                asset_id: Asset.from_kraken(asset_id, entry)
                for asset_id, entry in self._assets_raw.items()
            }
        )
        by_name: dict[str, Asset] = {}
        # ids win over altnames, altnames over common names
        for names in (
            ((a.id, a) for a in self.assets.values()),
            ((a.altname, a) for a in self.assets.values()),
            ((a.common, a) for a in self.assets.values()),
        ):
            for name, asset in names:
                by_name.setdefault(name.upper(), asset)
        self._by_name = by_name
        for pair in self.registry.pairs(dark_pool=True):
            missing = [a for a in (pair.base, pair.quote) if a not in self.assets]
            if missing:
                raise ValueError(f"pair {pair.id}: assets {missing} are not in the catalogue")
        unknown = [pair_id for pair_id in initial_prices if pair_id not in self.registry.by_id]
        if unknown:
            raise ValueError(f"initial prices for pairs not in the catalogue: {unknown}")
        self.initial_prices: Mapping[str, Decimal] = MappingProxyType(dict(initial_prices))

    def __repr__(self) -> str:
        return f"<Catalogue: {len(self._pairs_raw)} pairs, {len(self.assets)} assets>"

    # --- pairs ---------------------------------------------------------------------------------

    def pair(self, name: str) -> PairInfo:
        """The pair any spelling names; raises ``InvalidArguments("EQuery:Unknown asset pair")``."""
        return self.registry.resolve(name)

    def pair_or_none(self, name: str) -> PairInfo | None:
        """Like :meth:`pair`, but ``None`` for an unknown pair."""
        return self.registry.get(name)

    def pairs(self) -> tuple[PairInfo, ...]:
        """Every pair, in the order of the data file."""
        return self.registry.pairs(dark_pool=True)

    def asset_pairs_entry(self, pair_id: str) -> dict[str, Any]:
        """A copy of the pair's raw AssetPairs entry (any spelling of the pair is accepted)."""
        return copy.deepcopy(self._pairs_raw[self.pair(pair_id).id])

    def price_decimals(self, pair_id: str) -> int:
        """The pair's ``pair_decimals``: how many decimals its prices carry."""
        return self.pair(pair_id).pair_decimals

    # --- assets --------------------------------------------------------------------------------

    def asset(self, name: str) -> Asset:
        """The asset an id, altname or common name names (``XXBT``, ``XBT``, ``btc``).

        Raises ``InvalidArguments("EQuery:Unknown asset")`` for an unknown name.
        """
        asset = self.asset_or_none(name)
        if asset is None:
            raise InvalidArguments("EQuery:Unknown asset")
        return asset

    def asset_or_none(self, name: str) -> Asset | None:
        """Like :meth:`asset`, but ``None`` for an unknown name."""
        return self._by_name.get(name.strip().upper())

    def assets_entry(self, asset_id: str) -> dict[str, Any]:
        """A copy of the asset's raw Assets entry (any name of the asset is accepted)."""
        return copy.deepcopy(self._assets_raw[self.asset(asset_id).id])

    # --- derived catalogues --------------------------------------------------------------------

    def subset(self, names: Iterable[str]) -> Catalogue:
        """A catalogue of only the named pairs (any spelling), the assets they use, ZUSD and KFEE.

        Pairs and assets keep the order of this catalogue; an unknown name raises
        ``InvalidArguments("EQuery:Unknown asset pair")``.
        """
        wanted = {self.pair(name).id for name in names}
        pairs = {pid: entry for pid, entry in self._pairs_raw.items() if pid in wanted}
        used = {entry[side] for entry in pairs.values() for side in ("base", "quote")}
        used.update(_ALWAYS_KEPT)
        assets = {aid: entry for aid, entry in self._assets_raw.items() if aid in used}
        prices = {pid: price for pid, price in self.initial_prices.items() if pid in wanted}
        return Catalogue(pairs, assets, prices)


def _price(pair_id: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"initial price of {pair_id}: not a number: {value!r}")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"initial price of {pair_id}: not a number: {value!r}") from None
    if not price.is_finite() or price <= 0:
        raise ValueError(f"initial price of {pair_id}: must be positive: {value!r}")
    return price


def _read_data(name: str) -> str:
    return (files("krakenkit.emulator") / "data" / name).read_text(encoding="utf-8")


@cache
def _load_default() -> Catalogue:
    text = _read_data("spot_pairs.json")
    # the AssetPairs entries keep JSON's own types (fee percents are floats on the wire); prices
    # are read a second time with decimal numbers, so that one written as a JSON number stays exact
    pairs_raw: dict[str, dict[str, Any]] = json.loads(text)["pairs"]
    raw_prices: dict[str, Any] = json.loads(text, parse_float=Decimal)["initial_prices"]
    assets_raw: dict[str, dict[str, Any]] = json.loads(_read_data("spot_assets.json"))
    prices = {pair_id: _price(pair_id, value) for pair_id, value in raw_prices.items()}
    return Catalogue(pairs_raw, assets_raw, prices)


def default_catalogue(pairs: Iterable[str] | None = None) -> Catalogue:
    """The built-in catalogue (16 spot pairs), loaded once; ``pairs`` narrows it via ``subset``."""
    catalogue = _load_default()
    return catalogue if pairs is None else catalogue.subset(pairs)
