"""Orders over time: triggers, scheduling, expiry, conditional closes, cancel, amend, edit,
limits."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from krakenkit.emulator.accounts import Account
from krakenkit.emulator.engine import CloseSpec, Engine, Order, OrderEvent
from krakenkit.protocol.errors import APIError
from tests.emulator.engine.builders import Clock, fund, make_engine, req, spec

BTC = "XXBTZUSD"
ETH = "XETHZUSD"
TAKER = D("0.0026")


def trade_at(engine: Engine, price: str, volume: str = "0.01", *, pair: str = BTC) -> None:
    """Print one public trade at ``price`` between two bystanders (the book must not be in the
    way: no bid at or above ``price``, no ask below it)."""
    if "PM" not in engine.accounts:
        fund(engine, "PM", XXBT=1000, XETH=10_000, ZUSD=100_000_000)
        fund(engine, "PT", XXBT=1000, XETH=10_000, ZUSD=100_000_000)
    engine.place("PM", req("sell", volume=volume, price=price, pair=pair))
    taker = engine.place("PT", req("buy", volume=volume, price=price, pair=pair, timeinforce="IOC"))
    assert taker.vol_exec == D(volume)
    assert taker.avg_price == D(price)


def liquidity(engine: Engine, bid: str = "80000", ask: str = "100000", volume: str = "5") -> None:
    """A far-away bid and ask for triggered market orders to execute against."""
    fund(engine, "L", XXBT=100, ZUSD=10_000_000)
    engine.place("L", req("buy", volume=volume, price=bid))
    engine.place("L", req("sell", volume=volume, price=ask))


def in_book(engine: Engine, order: Order) -> bool:
    side = engine.books[order.pair.id].side(order.side)
    return any(order in queue for queue in side.levels.values())


def queue_at(engine: Engine, side: str, price: str, pair: str = BTC) -> list[str]:
    return [o.txid for o in engine.books[pair].side(side).levels.get(D(price), [])]


def error_of(info: pytest.ExceptionInfo[APIError]) -> str:
    return str(info.value.error)


# -- stop-loss and take-profit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "ordertype", "trigger", "miss", "hit", "fill"),
    [
        ("sell", "stop-loss", "89000", "89000.1", "89000", "80000"),
        ("buy", "stop-loss", "91000", "90999.9", "91000", "100000"),
        ("sell", "take-profit", "91000", "90999.9", "91000", "80000"),
        ("buy", "take-profit", "89000", "89000.1", "89000", "100000"),
    ],
)
def test_trigger_fires_as_market_when_a_trade_reaches_it(
    engine: Engine, side: str, ordertype: str, trigger: str, miss: str, hit: str, fill: str
) -> None:
    liquidity(engine)
    account = fund(engine, "S", XXBT=2, ZUSD=1_000_000)
    order = engine.place("S", req(side, ordertype, volume="1", price=trigger))
    assert order.status == "open"
    assert not order.triggered
    assert order.trigger_price == D(trigger)
    assert order in engine.stops[BTC]
    assert not in_book(engine, order)
    if side == "sell":  # base held, fee in base
        assert account.hold("XXBT") == D(1) + TAKER
    else:  # quote held at the trigger price, taker fee included
        assert account.hold("ZUSD") == D(trigger) * (1 + TAKER)

    trade_at(engine, miss)
    assert not order.triggered
    assert order.status == "open"

    trade_at(engine, hit)
    assert order.triggered
    assert order.status == "closed"
    assert order.limit_price is None
    assert order.vol_exec == D(1)
    assert order.avg_price == D(fill)
    assert order not in engine.stops[BTC]
    assert account.hold("XXBT") == 0
    assert account.hold("ZUSD") == 0
    assert engine.tape[BTC][-1].ordertype == "m"
    assert engine.tape[BTC][-1].price == D(fill)


def test_triggered_event_is_emitted(engine: Engine) -> None:
    liquidity(engine)
    fund(engine, "S", XXBT=2)
    kinds: list[tuple[str, str]] = []
    engine.listeners.append(
        lambda e: kinds.append((e.order.txid, e.kind)) if isinstance(e, OrderEvent) else None
    )
    order = engine.place("S", req("sell", "stop-loss", volume="1", price="89000"))
    trade_at(engine, "89000")
    mine = [kind for txid, kind in kinds if txid == order.txid]
    assert mine[:2] == ["pending", "new"]
    assert "triggered" in mine
    assert mine[-1] == "closed"
    assert mine.index("triggered") < mine.index("fill")


@pytest.mark.parametrize(
    ("price2", "limit"), [("88900", "88900"), ("-100", "88900"), ("-1%", "88110.0")]
)
def test_stop_loss_limit_sell_rests_at_price2_after_trigger(
    engine: Engine, price2: str, limit: str
) -> None:
    liquidity(engine)
    account = fund(engine, "S", XXBT=2)
    order = engine.place(
        "S", req("sell", "stop-loss-limit", volume="1", price="89000", price2=price2)
    )
    assert order.limit_price is None
    assert account.hold("XXBT") == D(1) + TAKER
    trade_at(engine, "89000")
    assert order.triggered
    assert order.status == "open"
    assert order.limit_price == D(limit)
    assert engine.books[BTC].asks.best() == D(limit)
    assert queue_at(engine, "sell", limit) == [order.txid]
    assert account.hold("XXBT") == D(1) + TAKER


def test_stop_loss_limit_buy_holds_at_price2_and_rests_there(engine: Engine) -> None:
    liquidity(engine)
    account = fund(engine, "B", ZUSD=200_000)
    order = engine.place(
        "B", req("buy", "stop-loss-limit", volume="1", price="91000", price2="+100")
    )
    assert account.hold("ZUSD") == D("91100") * (1 + TAKER)
    trade_at(engine, "91000")
    assert order.triggered
    assert order.limit_price == D("91100")
    assert engine.books[BTC].bids.best() == D("91100")
    assert account.hold("ZUSD") == D("91100") * (1 + TAKER)


def test_stop_loss_limit_that_partly_fills_on_trigger_holds_only_the_rest(engine: Engine) -> None:
    fund(engine, "L", ZUSD=1_000_000)
    engine.place("L", req("buy", volume="0.4", price="88950"))
    account = fund(engine, "S", XXBT=2)
    order = engine.place(
        "S", req("sell", "stop-loss-limit", volume="1", price="89000", price2="88900")
    )
    trade_at(engine, "89000")
    assert order.vol_exec == D("0.4")
    assert order.avg_price == D("88950")
    assert order.status == "open"
    assert engine.books[BTC].asks.best() == D("88900")
    assert account.hold("XXBT") == D("0.6") * (1 + TAKER)


def test_index_trigger_uses_the_mid_not_the_last_trade(engine: Engine) -> None:
    fund(engine, "L", XXBT=10, ZUSD=1_000_000)
    engine.place("L", req("buy", volume="1", price="85000"))
    engine.place("L", req("sell", volume="1", price="85200"))
    fund(engine, "S", XXBT=2)
    # the last trade (90000) is far above 86000: a "last" stop waits
    last = engine.place("S", req("sell", "stop-loss", volume="1", price="86000"))
    assert last.status == "open"
    assert not last.triggered
    engine.cancel("S", last.txid)
    # the mid (85100) is below 86000: an "index" stop fires at once
    index = engine.place("S", req("sell", "stop-loss", volume="1", price="86000", trigger="index"))
    assert index.triggered
    assert index.status == "closed"
    assert index.avg_price == D("85000")


@pytest.mark.parametrize(
    ("side", "ordertype", "trigger", "fill"),
    [
        ("sell", "stop-loss", "91000", "80000"),
        ("buy", "stop-loss", "89000", "100000"),
        ("sell", "take-profit", "89000", "80000"),
        ("buy", "take-profit", "91000", "100000"),
    ],
)
def test_trigger_already_reached_at_placement_fires_at_once(
    engine: Engine, side: str, ordertype: str, trigger: str, fill: str
) -> None:
    liquidity(engine)
    account = fund(engine, "S", XXBT=2, ZUSD=1_000_000)
    order = engine.place("S", req(side, ordertype, volume="1", price=trigger))
    assert order.triggered
    assert order.status == "closed"
    assert order.avg_price == D(fill)
    assert not engine.stops[BTC]
    assert account.hold("XXBT") == 0
    assert account.hold("ZUSD") == 0


def test_triggered_stop_buy_may_spend_what_its_hold_reserved(engine: Engine) -> None:
    """Once triggered a stop-loss buy is a market order: it holds nothing, so a sweep over
    several levels is limited by the balance only, not by a hold it re-creates for itself."""
    fund(engine, "L", XXBT=10)
    engine.place("L", req("sell", volume="0.5", price="91050"))
    engine.place("L", req("sell", volume="0.5", price="91100"))
    account = fund(engine, "B", ZUSD=92_000)
    order = engine.place("B", req("buy", "stop-loss", volume="1", price="91000"))
    assert account.hold("ZUSD") == D("91000") * (1 + TAKER)
    trade_at(engine, "91000")
    assert order.status == "closed"
    assert order.vol_exec == D(1)
    assert len(order.trades) == 2  # one fill per level
    assert account.hold("ZUSD") == 0
    assert account.balance("XXBT") == D(1)


# -- trailing stops ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "initial", "followed"),
    [("+1000", "89000", "90000"), ("+1%", "89100.0", "90090.0")],
)
def test_trailing_stop_sell_follows_the_high_and_fires_after_the_drop(
    engine: Engine, price: str, initial: str, followed: str
) -> None:
    liquidity(engine)
    fund(engine, "S", XXBT=2)
    order = engine.place("S", req("sell", "trailing-stop", volume="1", price=price))
    assert order.trigger_price == D(initial)
    assert order.watermark == D("90000")
    trade_at(engine, "91000")
    assert order.watermark == D("91000")
    assert order.trigger_price == D(followed)
    trade_at(engine, "90500")  # lower prints do not move it back
    assert order.watermark == D("91000")
    assert order.trigger_price == D(followed)
    trade_at(engine, str(D(followed) + D("0.1")))
    assert not order.triggered
    trade_at(engine, followed)
    assert order.triggered
    assert order.status == "closed"
    assert order.avg_price == D("80000")


def test_trailing_stop_buy_follows_the_low(engine: Engine) -> None:
    liquidity(engine, bid="70000")
    fund(engine, "B", ZUSD=500_000)
    order = engine.place("B", req("buy", "trailing-stop", volume="1", price="+1000"))
    assert order.trigger_price == D("91000")
    trade_at(engine, "89000")
    assert order.trigger_price == D("90000")
    trade_at(engine, "89999.9")
    assert not order.triggered
    trade_at(engine, "90000")
    assert order.status == "closed"
    assert order.avg_price == D("100000")


def test_trailing_stop_limit_rests_at_its_offset_from_the_trigger(engine: Engine) -> None:
    liquidity(engine)
    account = fund(engine, "S", XXBT=2)
    order = engine.place(
        "S", req("sell", "trailing-stop-limit", volume="1", price="+1000", price2="-100")
    )
    trade_at(engine, "91000")
    assert order.trigger_price == D("90000")
    trade_at(engine, "90000")
    assert order.triggered
    assert order.status == "open"
    assert order.limit_price == D("89900")
    assert engine.books[BTC].asks.best() == D("89900")
    assert account.hold("XXBT") == D(1) + TAKER


# -- scheduled start and expiry ------------------------------------------------------------------


def test_future_starttm_waits_pending_until_tick(engine: Engine, clock: Clock) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    start = clock.now + 60
    order = engine.place("A", req("buy", volume="1", price="89000", starttm=start))
    assert order.status == "pending"
    assert not engine.books[BTC].bids
    assert account.hold("ZUSD") == D("89000") * (1 + TAKER)  # reserved while waiting
    engine.tick(start - 1)
    assert order.status == "pending"
    engine.tick(start)
    assert order.status == "open"
    assert engine.books[BTC].bids.best() == D("89000")
    assert account.hold("ZUSD") == D("89000") * (1 + TAKER)


def test_scheduled_order_that_crosses_executes_on_activation(engine: Engine, clock: Clock) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="90000", starttm=clock.now + 10))
    fund(engine, "M", XXBT=2)
    ask = engine.place("M", req("sell", volume="1", price="90000"))
    assert ask.status == "open"  # the pending buy is not in the book
    engine.tick(clock.now + 10)
    assert order.status == "closed"
    assert ask.status == "closed"
    assert account.hold("ZUSD") == 0


def test_scheduled_order_canceled_before_start_never_activates(
    engine: Engine, clock: Clock
) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000", starttm=clock.now + 10))
    assert engine.cancel("A", order.txid) == 1
    assert account.hold("ZUSD") == 0
    engine.tick(clock.now + 20)
    assert order.status == "canceled"
    assert not engine.books[BTC].bids


def test_scheduled_market_order_whose_funds_went_meanwhile_is_canceled(
    engine: Engine, clock: Clock
) -> None:
    fund(engine, "L", ZUSD=1_000_000)
    engine.place("L", req("buy", volume="5", price="89000"))
    account = fund(engine, "A", XXBT=1)
    scheduled = engine.place("A", req("sell", "market", volume="1", starttm=clock.now + 10))
    # the same bitcoin is then committed to a resting order
    resting = engine.place("A", req("sell", volume="1", price="95000", oflags="fciq"))
    engine.tick(clock.now + 10)
    assert scheduled.status == "canceled"
    assert scheduled.vol_exec == 0
    assert resting.status == "open"
    assert account.balance("XXBT") == D(1)
    assert account.hold("XXBT") == D(1)


@pytest.mark.parametrize("timeinforce", ["GTD", "GTC"])
def test_expiretm_expires_on_tick_and_releases_the_hold(
    engine: Engine, clock: Clock, timeinforce: str
) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    expire = clock.now + 60
    order = engine.place(
        "A", req("buy", volume="1", price="89000", timeinforce=timeinforce, expiretm=expire)
    )
    assert order.status == "open"
    engine.tick(expire - 0.5)
    assert order.status == "open"
    engine.tick(expire)
    assert order.status == "expired"
    assert order.closetm == expire
    assert account.hold("ZUSD") == 0
    assert not engine.books[BTC].bids
    assert not engine.open_orders["A"]


def test_scheduled_order_can_expire_after_starting(engine: Engine, clock: Clock) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    order = engine.place(
        "A",
        req("buy", volume="1", price="89000", starttm=clock.now + 10, expiretm=clock.now + 20),
    )
    engine.tick(clock.now + 10)
    assert order.status == "open"
    engine.tick(clock.now + 20)
    assert order.status == "expired"
    assert account.hold("ZUSD") == 0


@pytest.mark.parametrize("offset", [-1.0, 0.0, None])
def test_gtd_without_a_future_expiretm_is_rejected(
    engine: Engine, clock: Clock, offset: float | None
) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    expiretm = 0.0 if offset is None else clock.now + offset
    with pytest.raises(APIError) as info:
        engine.place("A", req("buy", price="89000", timeinforce="GTD", expiretm=expiretm))
    assert error_of(info) == "EGeneral:Invalid arguments:expiretm"
    assert not engine.orders
    assert account.hold("ZUSD") == 0


def test_expiretm_before_starttm_is_rejected(engine: Engine, clock: Clock) -> None:
    fund(engine, "A", ZUSD=200_000)
    with pytest.raises(APIError, match="expiretm"):
        engine.place(
            "A",
            req("buy", price="89000", starttm=clock.now + 20, expiretm=clock.now + 10),
        )


# -- conditional close ---------------------------------------------------------------------------


def test_conditional_close_is_placed_when_the_primary_fills(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    fund(engine, "M", XXBT=5)
    primary = engine.place(
        "A",
        req("buy", volume="1", price="90000", userref=42, close=CloseSpec("limit", spec("95000"))),
    )
    assert primary.status == "open"
    assert len(engine.open_orders["A"]) == 1  # nothing until it fills
    engine.place("M", req("sell", volume="1", price="90000"))
    assert primary.status == "closed"
    (child,) = engine.open_orders["A"].values()
    assert child.side == "sell"
    assert child.ordertype == "limit"
    assert child.volume == primary.vol_exec == D(1)
    assert child.limit_price == D("95000")
    assert child.userref == 42
    assert child.parent == primary.txid
    assert child.request.close is None
    assert engine.books[BTC].asks.best() == D("95000")
    assert account.hold("XXBT") == D(1)  # the bought coin; not enough left for a base fee


def test_conditional_close_after_a_partial_fill_and_cancel(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    fund(engine, "M", XXBT=5)
    close = CloseSpec("stop-loss-limit", spec("85000"), spec("84000"))
    primary = engine.place("A", req("buy", volume="1", price="90000", userref=7, close=close))
    engine.place("M", req("sell", volume="0.4", price="90000"))
    assert primary.vol_exec == D("0.4")
    assert primary.status == "open"
    assert len(engine.open_orders["A"]) == 1  # the close waits for the primary to finish
    assert engine.cancel("A", primary.txid) == 1
    assert primary.status == "canceled"
    (child,) = engine.open_orders["A"].values()
    assert child.side == "sell"
    assert child.ordertype == "stop-loss-limit"
    assert child.volume == D("0.4")
    assert child.trigger_price == D("85000")
    assert child.userref == 7
    assert child.parent == primary.txid
    assert child in engine.stops[BTC]


def test_no_conditional_close_without_a_fill(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    primary = engine.place(
        "A", req("buy", volume="1", price="89000", close=CloseSpec("limit", spec("95000")))
    )
    engine.cancel("A", primary.txid)
    assert not engine.open_orders["A"]
    assert len(engine.orders) == 1


# -- cancel --------------------------------------------------------------------------------------


def test_cancel_by_txid_releases_the_hold_and_leaves_the_book(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    assert engine.cancel("A", order.txid) == 1
    assert order.status == "canceled"
    assert order.reason == "User requested"
    assert not engine.books[BTC].bids
    assert account.hold("ZUSD") == 0
    assert not engine.open_orders["A"]
    assert engine.orders[order.txid] is order  # still queryable


def test_cancel_by_userref_cancels_every_order_with_it(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=1_000_000, ZEUR=1_000_000, XXBT=5)
    same = [
        engine.place("A", req("buy", volume="1", price="89000", userref=7)),
        engine.place("A", req("sell", volume="1", price="91000", userref=7)),
        engine.place("A", req("buy", volume="1", price="80000", userref=7, pair="XXBTZEUR")),
    ]
    other = engine.place("A", req("buy", volume="1", price="88000", userref=8))
    assert engine.cancel("A", 7) == 3
    assert all(o.status == "canceled" for o in same)
    assert other.status == "open"
    assert account.hold("XXBT") == 0
    assert account.hold("ZEUR") == 0
    assert account.hold("ZUSD") == D("88000") * (1 + TAKER)
    assert engine.books[BTC].bids.best() == D("88000")
    assert not engine.books[BTC].asks


def test_cancel_by_cl_ord_id(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000", cl_ord_id="my-order-1"))
    assert engine.cancel("A", "my-order-1") == 1
    assert order.status == "canceled"


@pytest.mark.parametrize("ref", ["OAAAAA-BBBBB-CCCCCC", 99, "no-such-id"])
def test_cancel_unknown_order(engine: Engine, ref: str | int) -> None:
    fund(engine, "A", ZUSD=200_000)
    engine.place("A", req("buy", volume="1", price="89000", userref=1, cl_ord_id="x"))
    with pytest.raises(APIError) as info:
        engine.cancel("A", ref)
    assert error_of(info) == "EOrder:Unknown order"


def test_cancel_someone_elses_order_is_unknown(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    fund(engine, "B", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        engine.cancel("B", order.txid)
    assert order.status == "open"


def test_cancel_a_closed_order_is_unknown(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    engine.cancel("A", order.txid)
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        engine.cancel("A", order.txid)


def test_cancel_all_counts_every_open_order(engine: Engine, clock: Clock) -> None:
    account = fund(engine, "A", ZUSD=1_000_000, XXBT=5)
    engine.place("A", req("buy", volume="1", price="89000"))
    engine.place("A", req("sell", "stop-loss", volume="1", price="85000"))
    engine.place("A", req("buy", volume="1", price="88000", starttm=clock.now + 100))
    assert engine.cancel_all("A") == 3
    assert not engine.open_orders["A"]
    assert not engine.stops[BTC]
    assert not engine.books[BTC].bids
    assert not account.holds
    assert engine.cancel_all("A") == 0


def test_cancel_batch_counts_unique_orders(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=1_000_000)
    one = engine.place("A", req("buy", volume="1", price="89000", userref=5))
    two = engine.place("A", req("buy", volume="1", price="88000", userref=5, cl_ord_id="two"))
    three = engine.place("A", req("buy", volume="1", price="87000"))
    count = engine.cancel_batch("A", [one.txid, one.txid, 5, "two", "unknown"])
    assert count == 2
    assert one.status == two.status == "canceled"
    assert three.status == "open"
    assert account.hold("ZUSD") == D("87000") * (1 + TAKER)
    assert engine.books[BTC].bids.best() == D("87000")


# -- amend ---------------------------------------------------------------------------------------


@pytest.fixture
def two_asks(engine: Engine) -> tuple[Order, Order]:
    """A's ask then B's ask, both 1 @ 90000: A is first in the queue."""
    fund(engine, "A", XXBT=10)
    fund(engine, "B", XXBT=10)
    fund(engine, "T", ZUSD=10_000_000)
    a = engine.place("A", req("sell", volume="1", price="90000"))
    b = engine.place("B", req("sell", volume="1", price="90000"))
    return a, b


def test_amend_quantity_down_keeps_queue_priority(
    engine: Engine, two_asks: tuple[Order, Order]
) -> None:
    a, b = two_asks
    txid = a.txid
    engine.amend("A", a.txid, order_qty=D("0.5"))
    assert a.txid == txid
    assert a.volume == D("0.5")
    assert queue_at(engine, "sell", "90000") == [a.txid, b.txid]
    assert engine.accounts["A"].hold("XXBT") == D("0.5") * (1 + TAKER)
    engine.place("T", req("buy", volume="0.5", price="90000"))
    assert a.status == "closed"
    assert b.vol_exec == 0


def test_amend_quantity_up_loses_queue_priority(
    engine: Engine, two_asks: tuple[Order, Order]
) -> None:
    a, b = two_asks
    engine.amend("A", a.txid, order_qty=D("2"))
    assert queue_at(engine, "sell", "90000") == [b.txid, a.txid]
    assert engine.accounts["A"].hold("XXBT") == D(2) * (1 + TAKER)
    engine.place("T", req("buy", volume="1", price="90000"))
    assert b.status == "closed"
    assert a.vol_exec == 0


def test_amend_price_loses_queue_priority(engine: Engine, two_asks: tuple[Order, Order]) -> None:
    a, b = two_asks
    engine.amend("A", a.txid, limit_price=spec("90000.1"))
    engine.amend("A", a.txid, limit_price=spec("90000"))
    assert queue_at(engine, "sell", "90000") == [b.txid, a.txid]
    assert queue_at(engine, "sell", "90000.1") == []


def test_amend_price_that_crosses_executes(engine: Engine, clock: Clock) -> None:
    fund(engine, "M", XXBT=5)
    account = fund(engine, "A", ZUSD=200_000)
    ask = engine.place("M", req("sell", volume="0.4", price="90000"))
    bid = engine.place("A", req("buy", volume="1", price="89000"))
    clock.now += 1
    engine.amend("A", bid.txid, limit_price=spec("90000"))
    assert ask.status == "closed"
    assert bid.vol_exec == D("0.4")
    assert bid.status == "open"
    assert bid.limit_price == D("90000")
    assert engine.books[BTC].bids.best() == D("90000")
    assert not engine.books[BTC].asks
    assert account.hold("ZUSD") == D("0.6") * D("90000") * (1 + TAKER)
    assert bid.priority == clock.now


@pytest.mark.parametrize("flag", ["amend", "order"])
def test_post_only_amend_that_would_cross_is_refused_unchanged(engine: Engine, flag: str) -> None:
    fund(engine, "M", XXBT=5)
    account = fund(engine, "A", ZUSD=500_000)
    fund(engine, "C", ZUSD=500_000)
    ask = engine.place("M", req("sell", volume="1", price="90000"))
    oflags = "post" if flag == "order" else ""
    bid = engine.place("A", req("buy", volume="1", price="89000", oflags=oflags))
    behind = engine.place("C", req("buy", volume="1", price="89000"))
    hold = account.hold("ZUSD")
    with pytest.raises(APIError) as info:
        engine.amend(
            "A",
            bid.txid,
            order_qty=D("2"),
            limit_price=spec("90000"),
            post_only=flag == "amend",
        )
    assert error_of(info) == "EOrder:Post only order"
    assert bid.limit_price == D("89000")
    assert bid.volume == D(1)
    assert bid.status == "open"
    assert queue_at(engine, "buy", "89000") == [bid.txid, behind.txid]
    assert account.hold("ZUSD") == hold
    assert ask.vol_exec == 0
    assert [a["amend_type"] for a in bid.amends] in ([], ["original"])


def test_amend_below_the_executed_volume_finishes_the_order(
    engine: Engine, two_asks: tuple[Order, Order]
) -> None:
    a, b = two_asks
    engine.place("T", req("buy", volume="0.6", price="90000"))
    assert a.vol_exec == D("0.6")
    engine.amend("A", a.txid, order_qty=D("0.5"))
    assert not a.is_open
    assert a.status == "closed"
    assert a.vol_exec <= a.volume
    assert a.remaining == 0
    assert queue_at(engine, "sell", "90000") == [b.txid]
    assert engine.accounts["A"].hold("XXBT") == 0


def test_amend_to_exactly_the_executed_volume_closes_it(
    engine: Engine, two_asks: tuple[Order, Order]
) -> None:
    a, _ = two_asks
    engine.place("T", req("buy", volume="0.6", price="90000"))
    engine.amend("A", a.txid, order_qty=D("0.6"))
    assert a.status == "closed"
    assert a.volume == D("0.6")


def test_amend_history_has_the_original_then_user_records(
    engine: Engine, clock: Clock, two_asks: tuple[Order, Order]
) -> None:
    a, _ = two_asks
    first = engine.amend("A", a.txid, order_qty=D("0.8"))
    clock.now += 1
    second = engine.amend("A", a.txid, limit_price=spec("90100"))
    assert first != second
    kinds = [(r["amend_type"], r["order_qty"], r["limit_price"]) for r in a.amends]
    assert kinds == [
        ("original", D(1), D("90000")),
        ("user", D("0.8"), D("90000")),
        ("user", D("0.8"), D("90100")),
    ]
    assert a.amends[0]["amend_id"] == a.txid
    assert [r["amend_id"] for r in a.amends[1:]] == [first, second]
    assert a.amends[2]["timestamp"] == clock.now


def test_amend_by_cl_ord_id(engine: Engine) -> None:
    fund(engine, "A", ZUSD=500_000)
    order = engine.place("A", req("buy", volume="1", price="89000", cl_ord_id="mine"))
    engine.amend("A", "mine", order_qty=D("2"))
    assert order.volume == D(2)


def test_amend_unknown_or_closed_order(engine: Engine, two_asks: tuple[Order, Order]) -> None:
    a, _ = two_asks
    with pytest.raises(APIError) as info:
        engine.amend("A", "OAAAAA-BBBBB-CCCCCC", order_qty=D(1))
    assert error_of(info) == "EOrder:Unknown order"
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        engine.amend("B", a.txid, order_qty=D(1))  # not B's
    engine.cancel("A", a.txid)
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        engine.amend("A", a.txid, order_qty=D(1))


def test_amend_increase_without_funds_is_refused_unchanged(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=100_000)
    fund(engine, "C", ZUSD=100_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    behind = engine.place("C", req("buy", volume="1", price="89000"))
    hold = account.hold("ZUSD")
    with pytest.raises(APIError) as info:
        engine.amend("A", order.txid, order_qty=D(2))
    assert error_of(info) == "EOrder:Insufficient funds"
    with pytest.raises(APIError, match="EOrder:Insufficient funds"):
        engine.amend("A", order.txid, limit_price=spec("99900"))
    assert order.volume == D(1)
    assert order.limit_price == D("89000")
    assert account.hold("ZUSD") == hold == order.hold
    assert queue_at(engine, "buy", "89000") == [order.txid, behind.txid]
    assert all(r["amend_type"] == "original" for r in order.amends)


def test_amend_trigger_price_of_a_waiting_stop(engine: Engine) -> None:
    liquidity(engine)
    account = fund(engine, "S", XXBT=2)
    order = engine.place("S", req("sell", "stop-loss", volume="1", price="85000"))
    engine.amend("S", order.txid, trigger_price=spec("86000"))
    assert order.trigger_price == D("86000")
    assert not order.triggered
    assert account.hold("XXBT") == D(1) + TAKER
    # moved past the last trade: fires at once
    engine.amend("S", order.txid, trigger_price=spec("90000"))
    assert order.triggered
    assert order.status == "closed"


def test_amend_limit_price_of_a_waiting_stop_limit(engine: Engine) -> None:
    liquidity(engine)
    account = fund(engine, "B", ZUSD=500_000)
    order = engine.place(
        "B", req("buy", "stop-loss-limit", volume="1", price="91000", price2="91100")
    )
    engine.amend("B", order.txid, limit_price=spec("91500"))
    assert account.hold("ZUSD") == D("91500") * (1 + TAKER)
    assert order.request.price2 == spec("91500")
    trade_at(engine, "91000")
    assert order.triggered
    assert order.limit_price == D("91500")
    assert engine.books[BTC].bids.best() == D("91500")


def test_amend_limit_price_of_a_plain_stop_is_refused(engine: Engine) -> None:
    fund(engine, "S", XXBT=2)
    order = engine.place("S", req("sell", "stop-loss", volume="1", price="85000"))
    with pytest.raises(APIError, match="limit_price"):
        engine.amend("S", order.txid, limit_price=spec("84000"))


def test_amend_iceberg_display_quantity(engine: Engine) -> None:
    fund(engine, "I", XXBT=10)
    ice = engine.place("I", req("sell", "iceberg", volume="3", price="90000", displayvol="1"))
    engine.amend("I", ice.txid, display_qty=D("0.5"))
    assert engine.books[BTC].asks.depth(1) == [(D("90000"), D("0.5"))]
    assert ice.amends[-1]["display_qty"] == D("0.5")
    fund(engine, "A", XXBT=2)
    plain = engine.place("A", req("sell", volume="1", price="90000"))
    with pytest.raises(APIError, match="display_qty"):
        engine.amend("A", plain.txid, display_qty=D("0.5"))


def test_amend_below_the_order_minimum_is_refused(engine: Engine) -> None:
    fund(engine, "A", ZUSD=200_000)
    order = engine.place("A", req("buy", volume="1", price="89000"))
    with pytest.raises(APIError, match="EOrder:Order minimum not met"):
        engine.amend("A", order.txid, order_qty=D("0.0001"))
    assert order.volume == D(1)


# -- edit ----------------------------------------------------------------------------------------


def test_edit_replaces_the_order_with_a_new_txid(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=500_000)
    old = engine.place("A", req("buy", volume="1", price="89000", userref=3))
    before, new = engine.edit("A", old.txid, req("buy", volume="2", price="88000", userref=3))
    assert before is old
    assert old.status == "canceled"
    assert old.reason == "Order replaced"
    assert new.txid != old.txid
    assert new.status == "open"
    assert new.volume == D(2)
    assert new.limit_price == D("88000")
    assert engine.open_orders["A"] == {new.txid: new}
    assert queue_at(engine, "buy", "88000") == [new.txid]
    assert queue_at(engine, "buy", "89000") == []
    assert account.hold("ZUSD") == D(2) * D("88000") * (1 + TAKER)


def test_edit_may_use_the_funds_the_old_order_holds(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=100_000)
    old = engine.place("A", req("buy", volume="1", price="89000"))
    _, new = engine.edit("A", old.txid, req("buy", volume="1", price="99000"))
    assert new.status == "open"
    assert account.hold("ZUSD") == D("99000") * (1 + TAKER)


def test_edit_with_validate_changes_nothing(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=500_000)
    old = engine.place("A", req("buy", volume="1", price="89000"))
    hold = account.hold("ZUSD")
    orders = dict(engine.orders)
    _, new = engine.edit("A", old.txid, req("buy", volume="2", price="88000"), validate=True)
    assert new.txid == ""
    assert new.limit_price == D("88000")
    assert old.status == "open"
    assert engine.orders == orders
    assert account.hold("ZUSD") == hold
    assert queue_at(engine, "buy", "89000") == [old.txid]
    assert not engine.books[BTC].bids.levels.get(D("88000"))


def test_edit_that_fails_validation_changes_nothing(engine: Engine) -> None:
    account = fund(engine, "A", ZUSD=100_000)
    old = engine.place("A", req("buy", volume="1", price="89000"))
    hold = account.hold("ZUSD")
    with pytest.raises(APIError, match="EOrder:Insufficient funds"):
        engine.edit("A", old.txid, req("buy", volume="2", price="89000"))
    assert old.status == "open"
    assert account.hold("ZUSD") == hold


def test_edit_of_an_order_with_a_conditional_close_is_refused(engine: Engine) -> None:
    fund(engine, "A", ZUSD=500_000)
    old = engine.place(
        "A", req("buy", volume="1", price="89000", close=CloseSpec("limit", spec("95000")))
    )
    with pytest.raises(APIError, match="EOrder:"):
        engine.edit("A", old.txid, req("buy", volume="2", price="88000"))
    assert old.status == "open"
    assert len(engine.orders) == 1


def test_edit_of_a_triggered_stop_is_refused(engine: Engine) -> None:
    fund(engine, "S", XXBT=2)
    order = engine.place(
        "S", req("sell", "stop-loss-limit", volume="1", price="91000", price2="95000")
    )
    assert order.triggered
    with pytest.raises(APIError, match="EOrder:"):
        engine.edit("S", order.txid, req("sell", volume="1", price="96000"))
    assert order.status == "open"


def test_edit_unknown_order(engine: Engine) -> None:
    fund(engine, "A", ZUSD=500_000)
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        engine.edit("A", "OAAAAA-BBBBB-CCCCCC", req("buy", volume="1", price="88000"))


# -- rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def limited(clock: Clock) -> Engine:
    engine = make_engine(clock, rate_limits=True)
    fund(engine, "A", tier="starter", ZUSD=10_000_000, XETH=1000, XXBT=100)
    return engine


def counter(engine: Engine, pair: str = BTC, account: str = "A") -> float:
    limiter = engine.limiter(engine.accounts[account])
    assert limiter is not None
    return limiter.value(pair, engine.clock())


def ioc(pair: str = BTC) -> object:
    """A valid add that does not rest (nothing to match, IOC)."""
    return req("buy", volume="0.01", price="1000", pair=pair, timeinforce="IOC")


def test_adds_in_one_instant_hit_the_rate_limit_then_decay(limited: Engine, clock: Clock) -> None:
    results: list[str] = []
    for _ in range(65):
        try:
            limited.place("A", ioc())  # type: ignore[arg-type]
            results.append("ok")
        except APIError as exc:
            results.append(str(exc.error))
    assert results[:60] == ["ok"] * 60  # 60 x 1 reaches the threshold exactly
    assert results[60:] == ["EOrder:Rate limit exceeded"] * 5
    assert counter(limited) == 60  # refused adds cost nothing
    # another pair has its own counter
    limited.place("A", ioc(ETH))  # type: ignore[arg-type]
    clock.now += 3
    assert counter(limited) == 57
    for _ in range(3):
        limited.place("A", ioc())  # type: ignore[arg-type]
    with pytest.raises(APIError, match="EOrder:Rate limit exceeded"):
        limited.place("A", ioc())  # type: ignore[arg-type]


def test_cancel_cost_depends_on_the_order_age(limited: Engine, clock: Clock) -> None:
    young = limited.place("A", req("buy", volume="1", price="89000"))
    assert counter(limited) == 1
    limited.cancel("A", young.txid)
    assert counter(limited) == 9  # +8 below 5 s
    old = limited.place("A", req("buy", volume="1", price="89000"))
    clock.now += 20
    assert counter(limited) == 0
    limited.cancel("A", old.txid)
    assert counter(limited) == 4  # +4 below 45 s


def test_cancel_refused_by_the_rate_limit_keeps_the_order(limited: Engine) -> None:
    order = limited.place("A", req("buy", volume="1", price="89000"))
    for _ in range(52):
        limited.place("A", ioc())  # type: ignore[arg-type]
    assert counter(limited) == 53
    with pytest.raises(APIError, match="EOrder:Rate limit exceeded"):
        limited.cancel("A", order.txid)
    assert order.status == "open"


def test_failed_validation_still_charges_the_fixed_part(limited: Engine) -> None:
    with pytest.raises(APIError, match="EOrder:Tick size check failed"):
        limited.place("A", req("buy", volume="1", price="89000.05"))
    assert counter(limited) == 1
    with pytest.raises(APIError, match="EOrder:Insufficient funds"):
        limited.place("A", req("buy", volume="1000", price="89000"))
    assert counter(limited) == 2
    assert not limited.orders


def test_amend_costs_the_fixed_part_plus_the_age_penalty(limited: Engine, clock: Clock) -> None:
    order = limited.place("A", req("buy", volume="1", price="89000"))
    limited.amend("A", order.txid, order_qty=D(2))
    assert counter(limited) == 1 + 1 + 3  # add, amend fixed, amend below 5 s
    clock.now += 20
    limited.amend("A", order.txid, order_qty=D("1.5"))
    assert counter(limited) == 1  # decayed to zero, then only the fixed part
    young = limited.place("A", req("buy", volume="1", price="88000"))
    with pytest.raises(APIError, match="EOrder:Insufficient funds"):
        limited.amend("A", young.txid, order_qty=D(1000))
    assert counter(limited) == 3  # refused: the fixed part only, no age penalty
    with pytest.raises(APIError, match="EOrder:Unknown order"):
        limited.amend("A", "OAAAAA-BBBBB-CCCCCC", order_qty=D(1))
    assert counter(limited) == 3


def test_orders_limit_per_pair(limited: Engine, clock: Clock) -> None:
    for i in range(60):
        limited.place("A", req("buy", volume="0.001", price=str(50000 + i)))
        clock.now += 1
    with pytest.raises(APIError) as info:
        limited.place("A", req("buy", volume="0.001", price="49000"))
    assert error_of(info) == "EOrder:Orders limit exceeded"
    assert len(limited.open_orders["A"]) == 60
    eth = limited.place("A", req("buy", volume="0.1", price="2000", pair=ETH))
    assert eth.status == "open"
    # another account is not affected
    fund(limited, "B", tier="starter", ZUSD=100_000)
    assert limited.place("B", req("buy", volume="0.001", price="49000")).status == "open"
    # freeing a slot lets the next one in
    limited.cancel("A", next(iter(limited.open_orders["A"])))
    clock.now += 10
    assert limited.place("A", req("buy", volume="0.001", price="49000")).status == "open"


def test_accounts_without_rate_limits_are_never_limited(clock: Clock) -> None:
    engine = make_engine(clock, rate_limits=True)
    account = engine.add_account(Account("X", tier="starter", rate_limits=False))
    fund(engine, "X", ZUSD=10_000_000)
    assert account.rate_limits is False
    for _ in range(70):
        engine.place("X", ioc())  # type: ignore[arg-type]
    assert engine.limiter(account) is None


# -- cl_ord_id -----------------------------------------------------------------------------------


def test_duplicate_cl_ord_id_of_an_open_order_is_refused(engine: Engine) -> None:
    fund(engine, "A", ZUSD=500_000)
    fund(engine, "B", ZUSD=500_000)
    first = engine.place("A", req("buy", volume="1", price="89000", cl_ord_id="abc"))
    with pytest.raises(APIError) as info:
        engine.place("A", req("buy", volume="1", price="88000", cl_ord_id="abc"))
    assert error_of(info) == "EOrder:Duplicate cl_ord_id"
    assert len(engine.orders) == 1
    # other accounts have their own ids; a finished order frees its id
    assert engine.place("B", req("buy", volume="1", price="88000", cl_ord_id="abc")).is_open
    engine.cancel("A", first.txid)
    assert engine.place("A", req("buy", volume="1", price="88000", cl_ord_id="abc")).is_open


# -- market order corner cases -------------------------------------------------------------------


def test_viqc_market_buy_sweeps_several_levels(engine: Engine) -> None:
    fund(engine, "M", XXBT=5)
    taker = fund(engine, "T", ZUSD=100_000)
    engine.place("M", req("sell", volume="0.05", price="90000"))
    engine.place("M", req("sell", volume="1", price="90010"))
    order = engine.place("T", req("buy", "market", volume="9000", oflags="viqc"))
    assert order.status == "closed"
    assert order.vol_exec > D("0.05")
    spent = D(100_000) - taker.balance("ZUSD")
    assert D("8990") < spent <= D(9000)
    assert order.volume == order.vol_exec


def test_viqc_market_buy_without_liquidity_is_canceled(engine: Engine) -> None:
    fund(engine, "T", ZUSD=100_000)
    order = engine.place("T", req("buy", "market", volume="9000", oflags="viqc"))
    assert order.status == "canceled"
    assert order.reason == "Insufficient liquidity"
    assert order.vol_exec == 0


def test_market_sell_with_fee_in_base_needs_the_fee_too(engine: Engine) -> None:
    fund(engine, "L", ZUSD=1_000_000)
    maker = engine.place("L", req("buy", volume="2", price="90000"))
    seller = fund(engine, "S", XXBT=1)
    with pytest.raises(APIError, match="EOrder:Insufficient funds"):
        engine.place("S", req("sell", "market", volume="1", oflags="fcib"))
    assert maker.vol_exec == 0
    assert seller.balance("XXBT") == D(1)
    order = engine.place("S", req("sell", "market", volume="0.99", oflags="fcib"))
    assert order.status == "closed"
    assert seller.balance("XXBT") == D("0.01") - D("0.99") * TAKER
