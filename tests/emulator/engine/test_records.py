"""Fills and public trades: built by a faster ``__init__``, still plain frozen dataclasses."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from krakenkit.emulator.engine import Fill, PublicTrade
from krakenkit.emulator.instruments import default_catalogue


def _fill(**changes: object) -> Fill:
    values: dict[str, object] = {
        "txid": "TAAAAA-BBBBB-CCCCCC",
        "account_id": "A",
        "ordertxid": "OAAAAA-BBBBB-CCCCCC",
        "postxid": "TKH2SE-M7IF5-CFI7LT",
        "pair": default_catalogue().pair("XBT/USD"),
        "time": 1.5,
        "side": "buy",
        "ordertype": "limit",
        "price": D("90000.0"),
        "volume": D("0.01"),
        "cost": D("900.00000"),
        "fee": D("2.34000"),
        "fee_asset": "ZUSD",
        "fee_amount": D("2.34000"),
        "maker": False,
        "trade_id": 7,
        "ledgers": ("L1", "L2"),
    }
    values.update(changes)
    return Fill(**values)  # type: ignore[arg-type]


def test_fill_keeps_every_field_and_stays_frozen() -> None:
    fill = _fill()
    assert fill.txid == "TAAAAA-BBBBB-CCCCCC"
    assert fill.ledgers == ("L1", "L2")
    assert fill == _fill()
    assert hash(fill) == hash(_fill())
    assert fill != _fill(trade_id=8)
    assert dataclasses.replace(fill, maker=True).maker is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        fill.price = D(1)  # type: ignore[misc]


def test_fill_arguments_are_checked() -> None:
    with pytest.raises(TypeError):
        Fill("T")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _fill(nonsense=1)


def test_public_trade_positional_and_keyword() -> None:
    args = ("XXBTZUSD", D("90000.0"), D("0.01"), 1.5, "b", "l", 3)
    trade = PublicTrade(*args)
    assert trade == PublicTrade(
        pair_id="XXBTZUSD",
        price=D("90000.0"),
        volume=D("0.01"),
        time=1.5,
        side="b",
        ordertype="l",
        trade_id=3,
    )
    assert dataclasses.astuple(trade) == args
    with pytest.raises(dataclasses.FrozenInstanceError):
        trade.side = "s"  # type: ignore[misc]
