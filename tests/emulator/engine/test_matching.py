"""Price-time priority matching, fees, holds and the order types that execute at once."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from krakenkit.emulator.engine import Engine, LevelEvent, TradeEvent
from krakenkit.protocol.errors import APIError, InsufficientFunds
from tests.emulator.engine.builders import fund, req


def test_limit_order_rests_and_holds_quote_with_taker_fee(engine: Engine) -> None:
    alice = fund(engine, "A", ZUSD=100_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    assert order.status == "open"
    assert order.txid[0] == "O"
    assert [len(g) for g in order.txid.split("-")] == [6, 5, 6]
    assert engine.books["XXBTZUSD"].bids.depth(5) == [(D("89000"), D("1"))]
    assert alice.hold("ZUSD") == D("89000") * D("1.0026")
    assert alice.available("ZUSD") == D(100_000) - D("89000") * D("1.0026")


def test_cross_executes_at_maker_price_with_maker_and_taker_fees(engine: Engine) -> None:
    maker = fund(engine, "M", XXBT=2)
    taker = fund(engine, "T", ZUSD=200_000)
    ask = engine.place("M", req("sell", volume="1", price="90000", oflags="fciq"))
    bid = engine.place("T", req("buy", volume="1", price="90500"))
    assert ask.status == "closed"
    assert bid.status == "closed"
    assert bid.avg_price == D("90000")
    # taker pays 0.26 % in quote, maker receives cost minus 0.16 % (fee in quote asked)
    assert taker.balance("ZUSD") == D(200_000) - D("90000") - D("234.0000")
    assert taker.balance("XXBT") == D(1)
    assert maker.balance("ZUSD") == D("90000") - D("144.0000")
    assert maker.balance("XXBT") == D(1)
    assert taker.hold("ZUSD") == 0
    assert maker.hold("XXBT") == 0
    assert engine.fees_collected == {"ZUSD": D("378.0000")}
    fills = engine.account_fills["T"]
    assert len(fills) == 1
    assert not fills[0].maker
    assert engine.account_fills["M"][0].maker
    assert fills[0].fee == D("234.0000")
    assert fills[0].trade_id == 1
    # ledger explains balances
    assert sum(e.amount - e.fee for e in taker.ledger if e.asset == "ZUSD") == taker.balance("ZUSD")


def test_sell_pays_fee_in_base_by_default(engine: Engine) -> None:
    seller = fund(engine, "S", XXBT=2)
    fund(engine, "B", ZUSD=200_000)
    engine.place("B", req("buy", volume="1", price="90000"))
    engine.place("S", req("sell", volume="1", price="90000"))
    assert seller.balance("XXBT") == D(2) - D(1) - D("0.0026")
    assert seller.balance("ZUSD") == D(90000)


def test_price_time_priority_across_levels_and_within_a_level(engine: Engine) -> None:
    for name in "ABC":
        fund(engine, name, XXBT=5)
    fund(engine, "T", ZUSD=1_000_000)
    a = engine.place("A", req("sell", volume="1", price="90001"))
    b = engine.place("B", req("sell", volume="1", price="90000"))
    c = engine.place("C", req("sell", volume="1", price="90000"))
    engine.place("T", req("buy", volume="1.5", price="90001"))
    assert b.status == "closed"
    assert c.vol_exec == D("0.5")
    assert c.status == "open"
    assert a.vol_exec == 0


def test_market_buy_sweeps_levels_and_cancels_what_the_book_lacks(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    fund(engine, "T", ZUSD=1_000_000)
    engine.place("M", req("sell", volume="1", price="90000"))
    engine.place("M", req("sell", volume="1", price="90010"))
    order = engine.place("T", req("buy", "market", volume="3"))
    assert order.vol_exec == D(2)
    assert order.status == "canceled"
    assert order.cost == D("180010")
    assert not engine.books["XXBTZUSD"].asks


def test_market_buy_without_funds_is_refused(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    fund(engine, "T", ZUSD=1000)
    engine.place("M", req("sell", volume="1", price="90000"))
    with pytest.raises(InsufficientFunds, match="EOrder:Insufficient funds"):
        engine.place("T", req("buy", "market", volume="1"))


def test_viqc_market_buy_spends_quote(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    taker = fund(engine, "T", ZUSD=10_000)
    engine.place("M", req("sell", volume="1", price="90000"))
    order = engine.place("T", req("buy", "market", volume="9000", oflags="viqc"))
    assert order.status == "closed"
    assert order.vol_exec == D("0.09974067")  # 9000 / (90000 * 1.0026), floored to lot
    assert taker.balance("ZUSD") >= D(10_000) - D(9000)


def test_post_only_that_would_cross_is_canceled(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    fund(engine, "T", ZUSD=1_000_000)
    engine.place("M", req("sell", volume="1", price="90000"))
    order = engine.place("T", req("buy", volume="1", price="90000", oflags="post"))
    assert order.status == "canceled"
    assert order.reason == "Post only order"
    assert order.vol_exec == 0
    resting = engine.place("T", req("buy", volume="1", price="89999", oflags="post"))
    assert resting.status == "open"


def test_ioc_and_fok(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    fund(engine, "T", ZUSD=1_000_000)
    engine.place("M", req("sell", volume="1", price="90000"))
    fok = engine.place("T", req("buy", volume="2", price="90000", timeinforce="FOK"))
    assert fok.status == "canceled"
    assert fok.vol_exec == 0
    ioc = engine.place("T", req("buy", volume="2", price="90000", timeinforce="IOC"))
    assert ioc.status == "canceled"
    assert ioc.vol_exec == D(1)
    engine.place("M", req("sell", volume="1", price="90000"))
    ok = engine.place("T", req("buy", volume="1", price="90000", timeinforce="FOK"))
    assert ok.status == "closed"


@pytest.mark.parametrize(
    ("stptype", "taker_open", "maker_open"),
    [("cancel-newest", False, True), ("cancel-oldest", True, False), ("cancel-both", False, False)],
)
def test_self_trade_prevention(
    engine: Engine, stptype: str, taker_open: bool, maker_open: bool
) -> None:
    fund(engine, "A", XXBT=5, ZUSD=1_000_000)
    maker = engine.place("A", req("sell", volume="1", price="90000"))
    taker = engine.place("A", req("buy", volume="1", price="90000", stptype=stptype))
    assert taker.is_open is taker_open
    assert maker.is_open is maker_open
    assert taker.vol_exec == 0
    assert maker.vol_exec == 0
    if taker_open:
        assert engine.books["XXBTZUSD"].bids.best() == D("90000")


def test_iceberg_shows_its_tip_and_fills_fully_losing_priority(engine: Engine) -> None:
    fund(engine, "I", XXBT=10)
    fund(engine, "O", XXBT=10)
    fund(engine, "T", ZUSD=10_000_000)
    ice = engine.place("I", req("sell", "iceberg", volume="3", price="90000", displayvol="1"))
    other = engine.place("O", req("sell", volume="1", price="90000"))
    assert engine.books["XXBTZUSD"].asks.depth(1) == [(D("90000"), D("2"))]
    engine.place("T", req("buy", volume="1", price="90000"))
    assert ice.vol_exec == 1
    assert other.vol_exec == 0
    engine.place("T", req("buy", volume="1", price="90000"))
    assert other.vol_exec == 1  # the refreshed tip queued behind
    engine.place("T", req("buy", volume="2", price="90000"))
    assert ice.status == "closed"


def test_listeners_see_levels_and_trades(engine: Engine) -> None:
    events: list[object] = []
    engine.listeners.append(events.append)
    fund(engine, "M", XXBT=5)
    fund(engine, "T", ZUSD=1_000_000)
    engine.place("M", req("sell", volume="1", price="90000"))
    engine.place("T", req("buy", volume="1", price="90000"))
    levels = [e for e in events if isinstance(e, LevelEvent)]
    trades = [e for e in events if isinstance(e, TradeEvent)]
    assert levels[0].price == D("90000")
    assert levels[-1].side == "sell"
    assert trades[0].trade.side == "b"
    assert trades[0].trade.ordertype == "l"
    assert engine.tape["XXBTZUSD"][-1].price == D("90000")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"volume": "0.0001"}, "EOrder:Order minimum not met"),
        ({"price": "90000.05"}, "EOrder:Tick size check failed"),
        ({"price": "0"}, "EOrder:Invalid price"),
        ({"volume": "1000"}, "EOrder:Insufficient funds"),
        ({"reduce_only": True}, "EOrder:Reduce only:No position exists"),
        ({"leverage": "5"}, "EOrder:Margin allowance exceeded"),
    ],
)
def test_rejections_use_krakens_strings(
    engine: Engine, kwargs: dict[str, object], error: str
) -> None:
    fund(engine, "T", ZUSD=100_000)
    with pytest.raises(APIError) as info:
        engine.place("T", req("buy", **kwargs))  # type: ignore[arg-type]
    assert info.value.error == error
    assert not engine.orders


def test_cost_minimum(engine: Engine) -> None:
    fund(engine, "T", ZUSD=100_000)
    with pytest.raises(APIError, match="EOrder:Cost minimum not met"):
        engine.place("T", req("buy", volume="0.0002", price="1000", pair="XXBTZUSD"))


def test_validate_creates_nothing(engine: Engine) -> None:
    account = fund(engine, "T", ZUSD=100_000)
    order = engine.place("T", req("buy"), validate=True)
    assert order.txid == ""
    assert not engine.orders
    assert account.hold("ZUSD") == 0
    assert not engine.books["XXBTZUSD"].bids


def test_relative_limit_price_is_resolved_against_the_last_trade(engine: Engine) -> None:
    fund(engine, "T", ZUSD=200_000)
    order = engine.place("T", req("buy", price="-1%"))
    assert order.limit_price == D("89100.0")
    hashed = engine.place("T", req("buy", price="#100"))
    assert hashed.limit_price == D("89900.0")
