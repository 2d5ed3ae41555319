"""Asset and pair naming (protocol.md §9, §1.2 AssetPairs), checked against a real capture."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from krakenkit.protocol.assets import (
    LEGACY_ASSET_IDS,
    PairInfo,
    PairRegistry,
    common_asset,
    format_price,
    format_volume,
    kraken_asset_id,
)
from krakenkit.protocol.errors import InvalidArguments, ProtocolError, classify
from tests.fixtures import asset_pairs_result

RESULT = asset_pairs_result()
REGISTRY = PairRegistry.from_asset_pairs(RESULT)
LIT = [p for p in REGISTRY.pairs() if not p.is_dark_pool]
ASSET_IDS = sorted({e["base"] for e in RESULT.values()} | {e["quote"] for e in RESULT.values()})

# The AssetPairs example of protocol.md §1.2 (a current answer, with the fields 2021 lacked).
MODERN_XBTUSD: dict[str, Any] = {
    "altname": "XBTUSD",
    "wsname": "XBT/USD",
    "aclass_base": "currency",
    "base": "XXBT",
    "aclass_quote": "currency",
    "quote": "ZUSD",
    "lot": "unit",
    "cost_decimals": 5,
    "pair_decimals": 1,
    "lot_decimals": 8,
    "lot_multiplier": 1,
    "leverage_buy": [2, 3, 4, 5],
    "leverage_sell": [2, 3, 4, 5],
    "fees": [[0, 0.26], [50000, 0.24], [10000000, 0.1]],
    "fees_maker": [[0, 0.16], [50000, 0.14], [10000000, 0.0]],
    "fee_volume_currency": "ZUSD",
    "margin_call": 80,
    "margin_stop": 40,
    "ordermin": "0.0001",
    "costmin": "0.5",
    "tick_size": "0.1",
    "status": "online",
    "long_position_limit": 270,
    "short_position_limit": 180,
}


def _pair(**changes: Any) -> PairInfo:
    return PairRegistry.from_asset_pairs({"XXBTZUSD": {**MODERN_XBTUSD, **changes}}).by_id[
        "XXBTZUSD"
    ]


# --- the capture -----------------------------------------------------------------------------


def test_capture_is_the_full_answer() -> None:
    assert len(REGISTRY) == len(RESULT) == 304
    assert len(LIT) == 293  # 11 dark-pool pairs


@pytest.mark.parametrize("pair_id", sorted(RESULT))
def test_every_pair_resolves_by_its_own_names(pair_id: str) -> None:
    pair = REGISTRY.by_id[pair_id]
    assert REGISTRY.resolve(pair_id) is pair
    if pair.is_dark_pool:
        return
    assert pair.wsname is not None
    for name in (pair.altname, pair.wsname, pair.symbol):
        assert REGISTRY.resolve(name) is pair, name


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("XXBTZUSD", "BTC/USD"),
        ("XDGUSD", "DOGE/USD"),
        ("XXDGXXBT", "DOGE/BTC"),
        ("ETH/XBT", "ETH/BTC"),
        ("XETHZEUR", "ETH/EUR"),
        ("XTZUSD", "XTZ/USD"),
        ("XXRPZUSD", "XRP/USD"),
        ("XZECZUSD", "ZEC/USD"),
        ("ETH2.SETH", "ETH2.S/ETH"),
        ("USDTZUSD", "USDT/USD"),
    ],
)
def test_v2_symbols(name: str, symbol: str) -> None:
    assert REGISTRY.resolve(name).symbol == symbol


def test_new_style_pair_keeps_unprefixed_ids() -> None:
    pair = REGISTRY.resolve("XBTUSDT")
    assert (pair.id, pair.base, pair.quote) == ("XBTUSDT", "XXBT", "USDT")
    assert (pair.base_common, pair.quote_common) == ("BTC", "USDT")
    assert REGISTRY.resolve("BTC/USDT") is pair


def test_pair_fields_from_capture() -> None:
    pair = REGISTRY.resolve("BTC/USD")
    assert (pair.id, pair.altname, pair.wsname) == ("XXBTZUSD", "XBTUSD", "XBT/USD")
    assert (pair.pair_decimals, pair.lot_decimals) == (1, 8)
    assert pair.ordermin == Decimal("0.0002")
    assert pair.fees[0] == (Decimal(0), Decimal("0.26"))
    assert pair.fees_maker[-1] == (Decimal(10000000), Decimal(0))
    assert pair.fee_volume_currency == "ZUSD"
    assert pair.leverage_buy == (2, 3, 4, 5)
    # fields the 2021 answer lacks get Kraken's defaults
    assert pair.cost_decimals == 5
    assert pair.tick_size == Decimal("0.1")
    assert pair.costmin is None
    assert pair.status == "online"


def test_legacy_table_covers_the_capture() -> None:
    """Every asset id whose wsname part differs is a legacy id mapped to exactly that part."""
    seen = 0
    for entry in RESULT.values():
        if "wsname" not in entry:
            continue
        for asset_id, part in zip(
            (entry["base"], entry["quote"]), entry["wsname"].split("/"), strict=True
        ):
            if asset_id != part:
                assert LEGACY_ASSET_IDS[asset_id] == part
                seen += 1
            else:
                assert asset_id not in LEGACY_ASSET_IDS
    assert seen > 100


@pytest.mark.parametrize("asset_id", ASSET_IDS)
def test_every_capture_asset_has_a_common_name_and_round_trips(asset_id: str) -> None:
    common = common_asset(asset_id)
    assert common
    assert kraken_asset_id(common) == asset_id
    assert REGISTRY.assets[asset_id] == common


# --- common names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "common"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("BTC", "BTC"),
        ("xbt", "BTC"),
        ("XXDG", "DOGE"),
        ("XDG", "DOGE"),
        ("ZUSD", "USD"),
        ("XETH", "ETH"),
        ("XXRP", "XRP"),
        ("XRP", "XRP"),
        ("XTZ", "XTZ"),
        ("XXTZ", "XTZ"),
        ("XZEC", "ZEC"),
        ("ZEC", "ZEC"),
        ("ZRX", "ZRX"),
        ("DOT", "DOT"),
        ("KFEE", "KFEE"),
        ("CHF", "CHF"),
        ("ZCHF", "CHF"),
        ("XBT.M", "BTC.M"),
        ("XXBT.M", "BTC.M"),
        ("ETH2.S", "ETH2.S"),
        ("DOT.S", "DOT.S"),
        ("USD.HOLD", "USD.HOLD"),
    ],
)
def test_common_asset(code: str, common: str) -> None:
    assert common_asset(code) == common


@pytest.mark.parametrize(
    ("common", "asset_id"),
    [
        ("BTC", "XXBT"),
        ("XBT", "XXBT"),
        ("XXBT", "XXBT"),
        ("btc", "XXBT"),
        ("DOGE", "XXDG"),
        ("USD", "ZUSD"),
        ("EUR", "ZEUR"),
        ("ETH", "XETH"),
        ("ZEC", "XZEC"),
        ("DOT", "DOT"),
        ("XTZ", "XTZ"),
        ("CHF", "CHF"),
        ("USDT", "USDT"),
        ("BTC.M", "XBT.M"),
        ("ETH2.S", "ETH2.S"),
    ],
)
def test_kraken_asset_id(common: str, asset_id: str) -> None:
    assert kraken_asset_id(common) == asset_id


@pytest.mark.parametrize("asset_id", sorted(LEGACY_ASSET_IDS))
def test_legacy_ids_round_trip(asset_id: str) -> None:
    expected = {"XXTZ": "XTZ", "ZCHF": "CHF"}.get(asset_id, asset_id)  # their ids are unprefixed
    assert kraken_asset_id(common_asset(asset_id)) == expected


# --- lookups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["FOOBAR", "", "   ", "BTC/USD/EUR", "XBTUSD.d", "xxbtzusd.d", "BTC/", "USD/BTC", "XBTXBT"],
)
def test_unknown_pair_raises_krakens_error(name: str) -> None:
    with pytest.raises(InvalidArguments) as caught:
        REGISTRY.resolve(name)
    assert caught.value.error == "EQuery:Unknown asset pair"
    assert classify(caught.value.error) is InvalidArguments
    assert REGISTRY.get(name) is None
    assert name not in REGISTRY


@pytest.mark.parametrize(
    "name",
    ["XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "BTCUSD", "btc/usd", "XBT-USD", "xbt_usd",
     "BTC:USD", "btc usd", " XBTUSD ", "XXBT/ZUSD", "XXBTZUSD".lower(), "BTC-ZUSD"],
)  # fmt: skip
def test_spellings_of_btc_usd(name: str) -> None:
    assert REGISTRY.resolve(name).id == "XXBTZUSD"
    assert name in REGISTRY


def test_dark_pool_pairs_only_by_exact_id() -> None:
    dark = REGISTRY.resolve("XXBTZUSD.d")
    assert dark.is_dark_pool
    assert dark.wsname is None
    assert dark.altname == "XBTUSD.d"
    assert REGISTRY.resolve("XBTUSD").id == "XXBTZUSD"
    assert dark not in REGISTRY.pairs()
    assert dark in REGISTRY.pairs(dark_pool=True)
    assert len(REGISTRY.pairs(dark_pool=True)) == len(REGISTRY)


def test_registry_mappings_are_read_only() -> None:
    with pytest.raises(TypeError):
        REGISTRY.by_id["X"] = REGISTRY.by_id["XXBTZUSD"]  # type: ignore[index]


def _flip_case(text: str, mask: list[bool]) -> str:
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, mask, strict=False))


@given(
    pair=st.sampled_from(LIT),
    which=st.sampled_from(["id", "altname", "wsname", "symbol"]),
    mask=st.lists(st.booleans(), min_size=16, max_size=16),
)
def test_any_case_resolves(pair: PairInfo, which: str, mask: list[bool]) -> None:
    name = getattr(pair, which)
    assert REGISTRY.resolve(_flip_case(name, mask)) is pair


def _spellings(asset_id: str, common: str, ws_part: str) -> list[str]:
    return sorted({asset_id, common, ws_part})


@given(
    pair=st.sampled_from(LIT),
    data=st.data(),
    separator=st.sampled_from(["/", "-", "_", ":", " ", "", " / ", "--"]),
    mask=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_any_separator_and_asset_spelling_resolves(
    pair: PairInfo, data: st.DataObject, separator: str, mask: list[bool]
) -> None:
    assert pair.wsname is not None
    ws_base, ws_quote = pair.wsname.split("/")
    base = data.draw(st.sampled_from(_spellings(pair.base, pair.base_common, ws_base)))
    quote = data.draw(st.sampled_from(_spellings(pair.quote, pair.quote_common, ws_quote)))
    assert REGISTRY.resolve(_flip_case(f"{base}{separator}{quote}", mask)) is pair


# --- building from data ----------------------------------------------------------------------


def test_modern_fields_are_parsed_exactly() -> None:
    pair = _pair()
    assert pair.costmin == Decimal("0.5")
    assert pair.ordermin == Decimal("0.0001")
    assert pair.tick_size == Decimal("0.1")
    assert pair.cost_decimals == 5
    # JSON floats become the decimal Kraken wrote, not their binary approximation
    assert pair.fees[1] == (Decimal(50000), Decimal("0.24"))
    assert str(pair.fees[0][1]) == "0.26"


def test_status_and_tick_size_come_from_data() -> None:
    pair = _pair(status="cancel_only", tick_size="0.5", cost_decimals=2)
    assert (pair.status, pair.tick_size, pair.cost_decimals) == ("cancel_only", Decimal("0.5"), 2)


def test_missing_fees_maker_means_maker_pays_taker_fee() -> None:
    entry = dict(MODERN_XBTUSD)
    del entry["fees_maker"]
    pair = PairRegistry.from_asset_pairs({"XXBTZUSD": entry}).by_id["XXBTZUSD"]
    assert pair.fees_maker == pair.fees


def test_registry_learns_new_legacy_ids_from_wsname() -> None:
    entry = {**MODERN_XBTUSD, "altname": "ABCUSD", "wsname": "ABC/USD", "base": "XABC"}
    registry = PairRegistry.from_asset_pairs({"XABCZUSD": entry})
    pair = registry.resolve("ABC/USD")
    assert (pair.base_common, pair.symbol) == ("ABC", "ABC/USD")
    assert registry.assets["XABC"] == "ABC"
    assert common_asset("XABC") == "XABC"  # the module-level table does not guess


def test_registry_learns_from_assets_but_only_the_legacy_shape() -> None:
    entries = {
        "XABCZUSD": {**MODERN_XBTUSD, "altname": "ABCUSD", "wsname": None, "base": "XABC"},
        "KFEEZUSD": {**MODERN_XBTUSD, "altname": "KFEEUSD", "wsname": None, "base": "KFEE"},
    }
    assets = {"XABC": {"altname": "ABC"}, "KFEE": {"altname": "FEE"}}
    registry = PairRegistry.from_asset_pairs(entries, assets=assets)
    assert registry.by_id["XABCZUSD"].base_common == "ABC"
    assert registry.by_id["KFEEZUSD"].base_common == "KFEE"
    assert registry.by_id["XABCZUSD"].wsname is None


def test_shared_derived_spelling_resolves_to_neither() -> None:
    # "AB"+"CUSD" and "ABC"+"USD" both concatenate to ABCUSD; only separators can tell them apart.
    one = {
        **MODERN_XBTUSD,
        "altname": "ABCUSDX",
        "wsname": "AB/CUSD",
        "base": "AB",
        "quote": "CUSD",
    }
    two = {**MODERN_XBTUSD, "altname": "ABCUSDY", "wsname": "ABC/USD", "base": "ABC"}
    registry = PairRegistry.from_asset_pairs({"P1": one, "P2": two})
    assert registry.resolve("AB/CUSD").id == "P1"
    assert registry.resolve("ABC-USD").id == "P2"
    assert registry.get("ABCUSD") is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"base": None}, "base"),
        ({"pair_decimals": "1"}, "pair_decimals"),
        ({"lot_decimals": True}, "lot_decimals"),
        ({"fees": {"0": 0.26}}, "fees"),
        ({"fees": [[0]]}, "fees"),
        ({"ordermin": "lots"}, "ordermin"),
        ({"costmin": "NaN"}, "costmin"),
        ({"leverage_buy": ["2"]}, "leverage_buy"),
        ({"wsname": 5}, "wsname"),
    ],
)
def test_malformed_entries_raise_protocol_error(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ProtocolError, match=field):
        _pair(**change)


def test_result_must_be_an_object_of_objects() -> None:
    with pytest.raises(ProtocolError):
        PairRegistry.from_asset_pairs({"XXBTZUSD": ["not", "an", "object"]})  # type: ignore[dict-item]
    with pytest.raises(ProtocolError):
        PairRegistry.from_asset_pairs([])  # type: ignore[arg-type]


# --- wire formatting -------------------------------------------------------------------------

XBTUSD = REGISTRY.resolve("XBTUSD")  # pair_decimals 1, lot_decimals 8


@pytest.mark.parametrize(
    ("price", "text"),
    [
        (Decimal("30000.1"), "30000.1"),
        (Decimal(30000), "30000.0"),
        (30000, "30000.0"),
        (Decimal("100.10"), "100.1"),
        (Decimal("1E+2"), "100.0"),
        (Decimal(0), "0.0"),
        (Decimal("-0"), "0.0"),
    ],
)
def test_format_price(price: Decimal, text: str) -> None:
    assert format_price(XBTUSD, price) == text


@pytest.mark.parametrize(
    ("price", "text"),
    [
        (Decimal("30000.15"), "30000.2"),  # half to even
        (Decimal("30000.25"), "30000.2"),
        (Decimal("30000.26"), "30000.3"),
        (Decimal("30000.04"), "30000.0"),
    ],
)
def test_format_price_rounds_only_when_asked(price: Decimal, text: str) -> None:
    with pytest.raises(InvalidArguments) as caught:
        format_price(XBTUSD, price)
    assert caught.value.error == "EOrder:Invalid price"
    assert format_price(XBTUSD, price, round=True) == text


def test_format_price_respects_a_coarser_tick() -> None:
    pair = _pair(tick_size="0.5")
    assert format_price(pair, Decimal("100.5")) == "100.5"
    with pytest.raises(InvalidArguments) as caught:
        format_price(pair, Decimal("100.3"))
    assert caught.value.error == "EOrder:Tick size check failed"
    assert format_price(pair, Decimal("100.3"), round=True) == "100.5"
    assert format_price(pair, Decimal("100.2"), round=True) == "100.0"
    with pytest.raises(InvalidArguments, match="Invalid price"):
        format_price(pair, Decimal("100.25"))


@pytest.mark.parametrize(
    "price", [Decimal(-1), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+50")]
)
def test_format_price_rejects_impossible_prices(price: Decimal) -> None:
    with pytest.raises(InvalidArguments, match="EOrder:Invalid price"):
        format_price(XBTUSD, price, round=True)


@pytest.mark.parametrize("value", [1.5, "1.5", True, None])
def test_formatting_refuses_non_decimal_money(value: object) -> None:
    with pytest.raises(TypeError):
        format_price(XBTUSD, value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_volume(XBTUSD, value)  # type: ignore[arg-type]


def test_format_volume() -> None:
    assert format_volume(XBTUSD, Decimal("1.5")) == "1.50000000"
    assert format_volume(XBTUSD, Decimal(0)) == "0.00000000"
    assert format_volume(XBTUSD, 2) == "2.00000000"
    with pytest.raises(InvalidArguments) as caught:
        format_volume(XBTUSD, Decimal("0.123456789"))
    assert caught.value.error == "EGeneral:Invalid arguments:volume"
    assert classify(caught.value.error) is InvalidArguments
    # rounding goes toward zero: never more than the caller has
    assert format_volume(XBTUSD, Decimal("0.123456789"), round=True) == "0.12345678"
    with pytest.raises(InvalidArguments, match="volume"):
        format_volume(XBTUSD, Decimal("-1"))


@given(
    units=st.integers(min_value=0, max_value=10**15),
    decimals=st.integers(min_value=0, max_value=10),
)
def test_exact_prices_render_exactly(units: int, decimals: int) -> None:
    pair = _pair(pair_decimals=decimals, tick_size=None)
    price = Decimal(units).scaleb(-decimals)
    text = format_price(pair, price)
    assert Decimal(text) == price
    assert len(text.partition(".")[2]) == decimals


@given(
    price=st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False),
    decimals=st.integers(min_value=0, max_value=8),
)
def test_rounded_prices_are_within_half_a_unit(price: Decimal, decimals: int) -> None:
    pair = _pair(pair_decimals=decimals, tick_size=None)
    text = format_price(pair, price, round=True)
    assert abs(Decimal(text) - price) <= Decimal(1).scaleb(-decimals) / 2
    volume = Decimal(format_volume(_pair(lot_decimals=decimals), price, round=True))
    assert 0 <= price - volume < Decimal(1).scaleb(-decimals)
