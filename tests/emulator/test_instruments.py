"""The emulator's default catalogue, checked against the real AssetPairs capture."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest

from krakenkit.emulator.instruments import Asset, Catalogue, default_catalogue
from krakenkit.protocol.errors import InvalidArguments
from tests.fixtures import asset_pairs_result

PAIR_IDS = [
    "XXBTZUSD",
    "XXBTZEUR",
    "XXBTZGBP",
    "XBTUSDT",
    "XETHZUSD",
    "XETHZEUR",
    "XETHXXBT",
    "ETHUSDT",
    "XDGUSD",
    "USDTZUSD",
    "ADAUSD",
    "DOTUSD",
    "XXRPZUSD",
    "LINKUSD",
    "XLTCZUSD",
    "SOLUSD",
]
KEY_ORDER = [
    "altname",
    "wsname",
    "aclass_base",
    "base",
    "aclass_quote",
    "quote",
    "lot",
    "cost_decimals",
    "pair_decimals",
    "lot_decimals",
    "lot_multiplier",
    "leverage_buy",
    "leverage_sell",
    "fees",
    "fees_maker",
    "fee_volume_currency",
    "margin_call",
    "margin_stop",
    "ordermin",
    "costmin",
    "tick_size",
    "status",
    "long_position_limit",
    "short_position_limit",
]
# pair id, altname, wsname, v2 symbol
REQUIRED = [
    ("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"),
    ("XXBTZEUR", "XBTEUR", "XBT/EUR", "BTC/EUR"),
    ("XETHZUSD", "ETHUSD", "ETH/USD", "ETH/USD"),
    ("XETHXXBT", "ETHXBT", "ETH/XBT", "ETH/BTC"),
    ("SOLUSD", "SOLUSD", "SOL/USD", "SOL/USD"),
    ("XDGUSD", "XDGUSD", "XDG/USD", "DOGE/USD"),
    ("USDTZUSD", "USDTUSD", "USDT/USD", "USDT/USD"),
]


def _data(name: str) -> Any:
    return json.loads((files("krakenkit.emulator") / "data" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def capture() -> dict[str, Any]:
    return asset_pairs_result()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


def test_pairs_in_file_order(catalogue: Catalogue) -> None:
    assert [p.id for p in catalogue.pairs()] == PAIR_IDS
    assert list(_data("spot_pairs.json")["pairs"]) == PAIR_IDS
    assert list(catalogue.initial_prices) == PAIR_IDS


@pytest.mark.parametrize("pair_id", PAIR_IDS)
def test_entry_matches_capture(catalogue: Catalogue, capture: dict[str, Any], pair_id: str) -> None:
    entry = catalogue.asset_pairs_entry(pair_id)
    assert list(entry) == KEY_ORDER
    if pair_id == "SOLUSD":
        assert pair_id not in capture
        assert not any(e.get("wsname") == "SOL/USD" for e in capture.values())
        return
    real = capture[pair_id]
    for field, value in real.items():
        assert entry[field] == value, field
        assert type(entry[field]) is type(value), field


def test_solusd_shape(catalogue: Catalogue, capture: dict[str, Any]) -> None:
    sol = catalogue.asset_pairs_entry("SOLUSD")
    dot = capture["DOTUSD"]
    changed = {
        "altname": "SOLUSD",
        "wsname": "SOL/USD",
        "base": "SOL",
        "quote": "ZUSD",
        "pair_decimals": 2,
        "lot_decimals": 8,
        "ordermin": "0.02",
    }
    for field, value in dot.items():
        assert sol[field] == changed.get(field, value), field
    assert sol["tick_size"] == "0.01"
    assert sol["cost_decimals"] == 5
    assert sol["costmin"] == "0.5"


@pytest.mark.parametrize("pair_id", PAIR_IDS)
def test_modern_fields(catalogue: Catalogue, pair_id: str) -> None:
    entry = catalogue.asset_pairs_entry(pair_id)
    quote = entry["quote"]
    assert entry["cost_decimals"] == (8 if quote in ("XXBT", "XETH") else 5)
    assert entry["costmin"] == ("0.00002" if quote == "XXBT" else "0.5")
    assert Decimal(entry["tick_size"]) == Decimal(1).scaleb(-entry["pair_decimals"])
    assert "E" not in entry["tick_size"]
    assert entry["status"] == "online"
    for field in ("long_position_limit", "short_position_limit"):
        assert isinstance(entry[field], int)
    if entry["base"] == "XXBT":
        assert (entry["long_position_limit"], entry["short_position_limit"]) == (270, 180)
    pair = catalogue.pair(pair_id)
    assert pair.tick_size == Decimal(entry["tick_size"])
    assert pair.cost_decimals == entry["cost_decimals"]
    assert pair.costmin == Decimal(entry["costmin"])


def test_every_pair_asset_is_listed(catalogue: Catalogue) -> None:
    assets = _data("spot_assets.json")
    for pair in catalogue.pairs():
        assert pair.base in assets
        assert pair.quote in assets
        assert catalogue.assets[pair.base].common == pair.base_common
        assert catalogue.assets[pair.quote].common == pair.quote_common
    assert set(catalogue.assets) == set(assets)


@pytest.mark.parametrize(("pair_id", "altname", "wsname", "symbol"), REQUIRED)
def test_required_pairs_resolve(
    catalogue: Catalogue, pair_id: str, altname: str, wsname: str, symbol: str
) -> None:
    pair = catalogue.pair(pair_id)
    assert pair.id == pair_id
    assert pair.altname == altname
    assert pair.wsname == wsname
    assert pair.symbol == symbol
    for name in (pair_id, altname, wsname, symbol, symbol.lower(), symbol.replace("/", "-")):
        assert catalogue.pair(name) is pair, name
        assert catalogue.pair_or_none(name) is pair, name


@pytest.mark.parametrize("pair_id", PAIR_IDS)
def test_initial_prices(catalogue: Catalogue, pair_id: str) -> None:
    price = catalogue.initial_prices[pair_id]
    pair = catalogue.pair(pair_id)
    assert isinstance(price, Decimal)
    assert price > 0
    assert -price.as_tuple().exponent == pair.pair_decimals == catalogue.price_decimals(pair_id)
    assert price % pair.tick_size == 0
    raw = _data("spot_pairs.json")["initial_prices"][pair_id]
    assert raw == str(price)


def test_initial_price_values(catalogue: Catalogue) -> None:
    assert catalogue.initial_prices["XXBTZUSD"] == Decimal("90000.0")
    assert catalogue.initial_prices["XETHXXBT"] == Decimal("0.03330")
    assert catalogue.initial_prices["SOLUSD"] == Decimal("140.00")


def test_asset_names(catalogue: Catalogue) -> None:
    btc = catalogue.asset("BTC")
    assert btc is catalogue.asset("XBT") is catalogue.asset("XXBT") is catalogue.asset("xbt")
    assert btc.id == "XXBT"
    assert btc.common == "BTC"
    doge = catalogue.asset("DOGE")
    assert doge is catalogue.asset("XDG") is catalogue.asset("XXDG")
    assert doge.common == "DOGE"
    assert catalogue.asset("usd").id == "ZUSD"
    assert catalogue.asset("FEE").id == "KFEE"
    assert catalogue.asset("SOL").id == "SOL"
    assert catalogue.asset_or_none("BTC") is btc
    assert catalogue.asset_or_none("NOPE") is None


def test_unknown_names_raise(catalogue: Catalogue) -> None:
    with pytest.raises(InvalidArguments) as pair_error:
        catalogue.pair("NOPEUSD")
    assert pair_error.value.error == "EQuery:Unknown asset pair"
    assert catalogue.pair_or_none("NOPEUSD") is None
    with pytest.raises(InvalidArguments) as asset_error:
        catalogue.asset("NOPE")
    assert asset_error.value.error == "EQuery:Unknown asset"
    with pytest.raises(InvalidArguments, match="Unknown asset pair"):
        catalogue.subset(["BTC/USD", "NOPE/USD"])
    with pytest.raises(InvalidArguments, match="Unknown asset pair"):
        default_catalogue(["NOPE/USD"])


def test_subset(catalogue: Catalogue) -> None:
    small = catalogue.subset(["BTC/USD"])
    assert [p.id for p in small.pairs()] == ["XXBTZUSD"]
    assert set(small.assets) == {"XXBT", "ZUSD", "KFEE"}
    assert dict(small.initial_prices) == {"XXBTZUSD": Decimal("90000.0")}
    assert small.pair_or_none("ETH/USD") is None
    assert small.asset_or_none("ETH") is None
    assert small.asset_pairs_entry("XBTUSD") == catalogue.asset_pairs_entry("XXBTZUSD")


def test_subset_keeps_file_order(catalogue: Catalogue) -> None:
    small = default_catalogue(["SOL/USD", "eth/btc", "XBTUSD"])
    assert [p.id for p in small.pairs()] == ["XXBTZUSD", "XETHXXBT", "SOLUSD"]
    assert list(small.assets) == ["XXBT", "ZUSD", "XETH", "SOL", "KFEE"]
    assert small is not catalogue


def test_default_catalogue_is_cached(catalogue: Catalogue) -> None:
    assert default_catalogue() is catalogue
    assert default_catalogue(["BTC/USD"]) is not catalogue


@pytest.mark.parametrize("asset_id", list(_data("spot_assets.json")))
def test_asset_round_trips(catalogue: Catalogue, asset_id: str) -> None:
    raw = _data("spot_assets.json")[asset_id]
    asset = catalogue.assets[asset_id]
    assert list(asset.to_kraken().items()) == list(raw.items())
    assert Asset.from_kraken(asset_id, raw) == asset
    assert catalogue.assets_entry(asset_id) == raw
    assert catalogue.assets_entry(asset.altname) == raw


def test_asset_fields(catalogue: Catalogue) -> None:
    assert catalogue.asset("XBT") == Asset(
        id="XXBT",
        altname="XBT",
        decimals=10,
        display_decimals=5,
        aclass="currency",
        status="enabled",
        collateral_value=1.0,
    )
    assert catalogue.asset("ADA").collateral_value == 0.5
    fee = catalogue.asset("KFEE")
    assert fee.collateral_value is None
    assert "collateral_value" not in fee.to_kraken()


def test_entries_are_copies(catalogue: Catalogue) -> None:
    entry = catalogue.asset_pairs_entry("XXBTZUSD")
    entry["fees"].clear()
    entry["altname"] = "changed"
    assert catalogue.asset_pairs_entry("XXBTZUSD")["fees"]
    assert catalogue.asset_pairs_entry("XXBTZUSD")["altname"] == "XBTUSD"
    asset = catalogue.assets_entry("XXBT")
    asset["altname"] = "changed"
    assert catalogue.assets_entry("XXBT")["altname"] == "XBT"


def test_catalogue_rejects_inconsistent_data(catalogue: Catalogue) -> None:
    pairs = {"XXBTZUSD": catalogue.asset_pairs_entry("XXBTZUSD")}
    assets = {"XXBT": catalogue.assets_entry("XXBT")}
    with pytest.raises(ValueError, match="ZUSD"):
        Catalogue(pairs, assets, {})
    assets["ZUSD"] = catalogue.assets_entry("ZUSD")
    with pytest.raises(ValueError, match="XETHZUSD"):
        Catalogue(pairs, assets, {"XETHZUSD": Decimal("3000.00")})
    built = Catalogue(pairs, assets, {"XXBTZUSD": Decimal("1.0")})
    assert built.pair("BTC/USD").id == "XXBTZUSD"
