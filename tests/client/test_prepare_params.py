"""Parameters to wire form: names, pair spellings and precision, on the real AssetPairs capture."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from krakenkit.client._prepare import pair_spellings, render_pairs, wire_params
from krakenkit.protocol.assets import PairRegistry
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import InvalidArguments
from tests.fixtures import asset_pairs_result

ADD = SPOT_BY_NAME["AddOrder"]


@pytest.fixture(scope="module")
def registry() -> PairRegistry:
    return PairRegistry.from_asset_pairs(asset_pairs_result())


def _order(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": "1"}
    return {**base, **overrides}


def test_wire_names_extra_and_comma_lists() -> None:
    params = wire_params(
        SPOT_BY_NAME["TradeVolume"],
        {"self": object(), "pair": ["XBTUSD", "ETHUSD"], "fee_info": True, "extra": None},
        {"new_field": "x", "dropped": None},
    )
    assert params == {"pair": "XBTUSD,ETHUSD", "fee-info": True, "new_field": "x"}
    transfer = wire_params(
        SPOT_BY_NAME["WalletTransfer"],
        {"asset": "XBT", "amount": "1", "from_": "Spot Wallet", "to": "Futures Wallet"},
    )
    assert transfer["from"] == "Spot Wallet"
    # a JSON body keeps its lists
    batch = wire_params(SPOT_BY_NAME["CancelOrderBatch"], {"orders": ["A", "B"]})
    assert batch == {"orders": ["A", "B"]}


def test_missing_required_parameters_raise_like_kraken() -> None:
    with pytest.raises(InvalidArguments, match="EGeneral:Invalid arguments:pair"):
        wire_params(SPOT_BY_NAME["OHLC"], {"interval": 5})
    with pytest.raises(InvalidArguments, match=r"txid\|cl_ord_id"):
        wire_params(SPOT_BY_NAME["CancelOrder"], {})


@pytest.mark.parametrize("spelling", ["BTC/USD", "xbt-usd", "XXBTZUSD", "XBT/USD", "btcusd"])
def test_any_pair_spelling_goes_out_as_the_altname(registry: PairRegistry, spelling: str) -> None:
    out = render_pairs(ADD, _order(pair=spelling), registry)
    assert out["pair"] == "XBTUSD"


def test_comma_lists_of_pairs_are_resolved_one_by_one(registry: PairRegistry) -> None:
    out = render_pairs(SPOT_BY_NAME["Ticker"], {"pair": "BTC/USD,eth-usd,NOPE"}, registry)
    assert out["pair"] == "XBTUSD,ETHUSD,NOPE"


def test_prices_and_volumes_at_the_pair_precision(registry: PairRegistry) -> None:
    out = render_pairs(
        ADD,
        _order(
            volume=Decimal("0.5"),
            price=Decimal(50000),
            price2="49999.5",
            displayvol=1,
            close={"ordertype": "limit", "price": 60000},
        ),
        registry,
    )
    assert out["volume"] == "0.50000000"
    assert out["price"] == "50000.0"
    assert out["price2"] == "49999.5"
    assert out["displayvol"] == "1.00000000"
    assert out["close"] == {"ordertype": "limit", "price": "60000.0"}
    eth = render_pairs(ADD, _order(pair="ETH/USD", price="2000.1"), registry)
    assert eth["price"] == "2000.10"


def test_too_many_decimals_raise_kraken_strings_before_sending(registry: PairRegistry) -> None:
    with pytest.raises(InvalidArguments) as price:
        render_pairs(ADD, _order(price=Decimal("90000.25")), registry)
    assert price.value.error == (
        "EOrder:Invalid price:XBTUSD price can only be specified up to 1 decimals."
    )
    with pytest.raises(InvalidArguments, match=r"^EGeneral:Invalid arguments:volume$"):
        render_pairs(ADD, _order(volume="0.000000001"), registry)
    amend = SPOT_BY_NAME["AmendOrder"]
    with pytest.raises(InvalidArguments, match=r"^EGeneral:Invalid arguments:order_qty$"):
        render_pairs(amend, {"txid": "O", "pair": "XBTUSD", "order_qty": "1e-9"}, registry)


def test_tick_size_is_checked_when_the_pair_has_one() -> None:
    pairs = asset_pairs_result()
    pairs["XXBTZUSD"]["tick_size"] = "0.5"
    coarse = PairRegistry.from_asset_pairs(pairs)
    assert render_pairs(ADD, _order(price="100.5"), coarse)["price"] == "100.5"
    with pytest.raises(InvalidArguments, match="EOrder:Tick size check failed"):
        render_pairs(ADD, _order(price="100.2"), coarse)


def test_relative_prices_viqc_and_unknown_pairs_pass_unchanged(registry: PairRegistry) -> None:
    out = render_pairs(
        ADD, _order(price="+1.25%", price2="#5", ordertype="stop-loss-limit"), registry
    )
    assert (out["price"], out["price2"]) == ("+1.25%", "#5")
    quote = render_pairs(ADD, _order(volume="12.345678901", oflags="viqc"), registry)
    assert quote["volume"] == "12.345678901"
    unknown = render_pairs(ADD, _order(pair="NOPEUSD", price=Decimal("1.123456789")), registry)
    assert unknown == _order(pair="NOPEUSD", price=Decimal("1.123456789"))
    assert render_pairs(ADD, _order(price=Decimal(5)), None)["price"] == Decimal(5)


def test_batch_orders_are_rendered_each(registry: PairRegistry) -> None:
    batch = SPOT_BY_NAME["AddOrderBatch"]
    out = render_pairs(
        batch,
        {
            "pair": "btc/usd",
            "orders": [{"volume": 1, "price": 50000}, {"volume": "2", "price": "1"}],
        },
        registry,
    )
    assert out["pair"] == "XBTUSD"
    assert out["orders"] == [
        {"volume": "1.00000000", "price": "50000.0"},
        {"volume": "2.00000000", "price": "1.0"},
    ]
    with pytest.raises(InvalidArguments, match="EOrder:Invalid price"):
        render_pairs(batch, {"pair": "XBTUSD", "orders": [{"price": "1.55"}]}, registry)


def test_floats_are_refused(registry: PairRegistry) -> None:
    with pytest.raises(TypeError, match="float"):
        render_pairs(ADD, _order(price=50000.0), registry)


def test_pair_spellings_cover_what_kraken_answers_with(registry: PairRegistry) -> None:
    names = pair_spellings(registry, "btc/usd")
    assert {"XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"} <= names
    assert pair_spellings(None, "xbtusd") == {"XBTUSD"}
