"""The synthetic market against the real engine: two-sided books, trades, determinism."""

from __future__ import annotations

from decimal import Decimal

import pytest

from krakenkit.emulator.engine import Engine, OrderRequest, PriceSpec
from krakenkit.emulator.instruments import default_catalogue
from krakenkit.emulator.market import MAKER_ID, TAKER_ID, MarketConfig, SyntheticMarket
from tests.emulator.engine.builders import Clock, fund, make_engine

T0 = 1_700_000_000.0
CATALOGUE = default_catalogue()
PAIRS = CATALOGUE.pairs()


def build(config: MarketConfig | None = None) -> tuple[Engine, SyntheticMarket]:
    engine = make_engine(Clock(T0), rate_limits=True)  # the market must not be rate limited
    market = SyntheticMarket(
        engine, PAIRS, config or MarketConfig(seed=3), start_prices=CATALOGUE.initial_prices
    )
    return engine, market


def assert_sound(engine: Engine, levels: int | None = None) -> None:
    for pair in PAIRS:
        book = engine.books[pair.id]
        bid, ask = book.bids.best(), book.asks.best()
        assert bid is not None, pair.id
        assert ask is not None, pair.id
        assert bid < ask, pair.id
        if levels is not None:
            assert len(book.bids.depth(levels + 1)) == levels, pair.id
            assert len(book.asks.depth(levels + 1)) == levels, pair.id


def test_accounts_are_internal_and_funded() -> None:
    engine, _ = build()
    for account_id in (MAKER_ID, TAKER_ID):
        account = engine.accounts[account_id]
        assert account.internal
        assert account.balance("XXBT") > 10**12
        assert account.balance("ZUSD") > 10**12


def test_one_step_builds_full_two_sided_books() -> None:
    engine, market = build()
    market.step(T0)
    assert_sound(engine, levels=10)
    for pair in PAIRS:
        book = engine.books[pair.id]
        mid = market.mid_price(pair.id)
        assert book.bids.best() < mid < book.asks.best()  # type: ignore[operator]
        start = CATALOGUE.initial_prices[pair.id]
        spread = book.asks.best() - book.bids.best()  # type: ignore[operator]
        assert spread <= max(start * Decimal("0.0004"), 2 * pair.tick_size), pair.id
        for price, volume in book.bids.depth(10) + book.asks.depth(10):
            assert price % pair.tick_size == 0
            assert volume >= pair.ordermin
            assert volume == volume.quantize(Decimal(1).scaleb(-pair.lot_decimals))
    assert len(engine.open_orders[MAKER_ID]) == 2 * 10 * len(PAIRS)


def test_levels_follow_config() -> None:
    engine, market = build(MarketConfig(seed=1, levels=3))
    market.run_steps(20, T0)
    assert_sound(engine, levels=3)


def test_trades_happen_on_every_pair_and_prices_stay_near_start() -> None:
    engine, market = build()
    market.run_steps(200, T0)
    for pair in PAIRS:
        tape = engine.tape[pair.id]
        assert len(tape) >= 10, pair.id
        assert len({t.price for t in tape}) > 1, pair.id
        assert {t.side for t in tape} == {"b", "s"}, pair.id
        start = CATALOGUE.initial_prices[pair.id]
        last = engine.last_price[pair.id]
        assert last != start, pair.id
        assert start * Decimal("0.8") < last < start * Decimal("1.2"), pair.id
        assert all(start * Decimal("0.8") < t.price < start * Decimal("1.2") for t in tape)


def test_no_activity_no_trades() -> None:
    engine, market = build(MarketConfig(activity=0))
    market.run_steps(50, T0)
    assert all(not engine.tape[p.id] for p in PAIRS)
    assert_sound(engine, levels=10)


def test_same_seed_same_tape_and_books() -> None:
    def run(seed: int) -> tuple[object, object]:
        engine, market = build(MarketConfig(seed=seed))
        market.run_steps(150, T0, dt=0.2)
        tapes = {pid: list(tape) for pid, tape in engine.tape.items()}
        books = {
            pid: (book.bids.depth(50), book.asks.depth(50)) for pid, book in engine.books.items()
        }
        return tapes, books

    first, second, other = run(11), run(11), run(12)
    assert first == second
    assert first[0] != other[0]


def test_books_never_cross_and_maker_orders_stay_bounded() -> None:
    engine, market = build(MarketConfig(seed=5, volatility=0.002, activity=3.0))
    bound = 2 * 10 * len(PAIRS)
    for i in range(300):
        market.step(T0 + i * 0.2)
        assert_sound(engine, levels=10)
        assert len(engine.open_orders[MAKER_ID]) <= bound
        assert not engine.open_orders[TAKER_ID]
    assert len(engine.orders) <= bound  # finished internal orders are not kept


def test_book_changes_a_little_each_step() -> None:
    engine, market = build()
    market.step(T0)
    kept = total = 0
    for i in range(1, 100):
        before = {p.id: set(engine.books[p.id].bids.prices()) for p in PAIRS}
        market.step(T0 + i * 0.2)
        for pair in PAIRS:
            after = set(engine.books[pair.id].bids.prices())
            kept += len(before[pair.id] & after)
            total += len(after)
    assert kept / total > 0.5


def test_human_market_buy_fills_against_synthetic_book() -> None:
    engine, market = build()
    market.step(T0)
    human = fund(engine, "H", ZUSD=1_000_000)
    pair = CATALOGUE.pair("XXBTZUSD")
    best_ask = engine.books[pair.id].asks.best()
    order = engine.place(
        "H",
        OrderRequest(pair=pair, side="buy", ordertype="market", volume=pair.ordermin),
        now=T0 + 0.1,
    )
    assert order.status == "closed"
    assert order.vol_exec == pair.ordermin
    assert human.balance("XXBT") == pair.ordermin
    [fill] = engine.account_fills["H"]
    assert (fill.price, fill.maker) == (best_ask, False)
    market.run_steps(5, T0 + 0.2)
    assert_sound(engine, levels=10)


def test_human_resting_order_is_filled_by_synthetic_flow() -> None:
    engine, market = build()
    market.step(T0)
    fund(engine, "H", XXBT=1)
    pair = CATALOGUE.pair("XXBTZUSD")
    best_ask = engine.books[pair.id].asks.best()
    assert best_ask is not None
    order = engine.place(
        "H",
        OrderRequest(
            pair=pair,
            side="sell",
            ordertype="limit",
            volume=pair.ordermin,
            price=PriceSpec("", best_ask - pair.tick_size),
        ),
        now=T0 + 0.1,
    )
    assert order.status == "open"
    market.run_steps(200, T0 + 0.2)
    assert order.status == "closed"
    assert engine.account_fills["H"][0].price == best_ask - pair.tick_size
    assert_sound(engine)


def test_set_mid_moves_the_market_and_keeps_it_there() -> None:
    engine, market = build()
    market.run_steps(5, T0)
    market.set_mid("XETHZUSD", Decimal("3300.00"))
    assert market.mid_price("XETHZUSD") == Decimal("3300.00")
    market.step(T0 + 1)
    assert_sound(engine, levels=10)
    book = engine.books["XETHZUSD"]
    assert book.bids.best() > Decimal("3250")  # type: ignore[operator]
    market.run_steps(200, T0 + 2)
    assert Decimal("3100") < market.mid_price("XETHZUSD") < Decimal("3500")
    assert Decimal("3100") < engine.last_price["XETHZUSD"] < Decimal("3500")
    with pytest.raises(KeyError):
        market.set_mid("NOPE", Decimal(1))
    with pytest.raises(ValueError, match="positive"):
        market.set_mid("XETHZUSD", Decimal(0))


def test_unknown_start_price_and_bad_config_are_refused() -> None:
    engine = make_engine(Clock(T0))
    engine.last_price.pop("XXBTZUSD")
    with pytest.raises(ValueError, match="XXBTZUSD"):
        SyntheticMarket(engine, PAIRS, start_prices={})
    for bad in ({"levels": 0}, {"volatility": -1.0}, {"min_size": 0.5}, {"reversion": 1.0}):
        with pytest.raises(ValueError, match="must"):
            MarketConfig(**bad)
