"""Random order flow on two pairs: after every step the engine's books and accounts add up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from krakenkit.emulator.accounts import Account
from krakenkit.emulator.engine import CloseSpec, Order, PriceSpec
from krakenkit.emulator.engine.orders import LIMIT_TYPES, TRIGGER_TYPES
from krakenkit.protocol.errors import APIError
from tests.emulator.engine.builders import Clock, make_engine, req

BTC = "XXBTZUSD"
ETH = "XETHZUSD"
#: pair -> (reference price, price step of one "tick" here, volume of one lot)
MARKETS = {BTC: (D("90000"), D("10"), D("0.01")), ETH: (D("3000"), D("1"), D("0.1"))}
TRADERS = ("A", "B", "C")
INTERNAL = "MM"
ACCOUNTS = (*TRADERS, INTERNAL)
FUNDS = {"XXBT": D("1"), "XETH": D("20"), "ZUSD": D("100000")}
#: small odd amounts added to volumes so that costs and fees need rounding
ODD = (D(0), D(0), D("0.00000001"), D("0.00012345"), D("0.00777777"))

accounts = st.sampled_from(ACCOUNTS)
pairs = st.sampled_from(sorted(MARKETS))
sides = st.sampled_from(["buy", "sell"])
ticks = st.integers(-12, 12)
lots = st.integers(1, 60)
odd = st.sampled_from(ODD)
picks = st.integers(0, 10_000)


def _price(pair: str, tick: int) -> str:
    reference, step, _ = MARKETS[pair]
    return str(reference + tick * step)


def _volume(pair: str, count: int, extra: D) -> str:
    return str(MARKETS[pair][2] * count + extra)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.engine = make_engine(self.clock)
        self.deposited: dict[str, D] = defaultdict(D)
        for name in ACCOUNTS:
            account = self.engine.add_account(
                Account(name, internal=name == INTERNAL, rate_limits=False)
            )
            for asset, amount in FUNDS.items():
                self.engine.post(
                    account,
                    refid="Q-TEST",
                    now=self.clock.now,
                    type="deposit",
                    asset=asset,
                    amount=amount,
                )
                self.deposited[asset] += amount

    # -- helpers -------------------------------------------------------------------------------

    def attempt(self, action: Callable[[], Any]) -> None:
        """Run ``action``; a refusal must come before anything executed."""
        trades = self.engine.trade_seq
        try:
            action()
        except APIError:
            assert self.engine.trade_seq == trades, "refused after trading"

    def pick(self, account: str, index: int) -> Order | None:
        mine = sorted(self.engine.open_orders[account].values(), key=lambda o: o.seq)
        return mine[index % len(mine)] if mine else None

    # -- rules ---------------------------------------------------------------------------------

    @rule(
        account=accounts,
        pair=pairs,
        side=sides,
        tick=ticks,
        count=lots,
        extra=odd,
        variant=st.sampled_from(
            ["", "", "", "post", "fcib", "fciq", "IOC", "FOK", "start", "GTD", "close", "stp"]
        ),
    )
    def limit(
        self, account: str, pair: str, side: str, tick: int, count: int, extra: D, variant: str
    ) -> None:
        kwargs: dict[str, Any] = {}
        if variant in ("post", "fcib", "fciq"):
            kwargs["oflags"] = variant
        elif variant in ("IOC", "FOK"):
            kwargs["timeinforce"] = variant
        elif variant == "start":
            kwargs["starttm"] = self.clock.now + 5
        elif variant == "GTD":
            kwargs["timeinforce"] = "GTD"
            kwargs["expiretm"] = self.clock.now + 7
        elif variant == "close":
            other = "sell" if side == "buy" else "buy"
            offset = 20 if other == "sell" else -20
            kwargs["close"] = CloseSpec("limit", PriceSpec("", D(_price(pair, tick + offset))))
        elif variant == "stp":
            kwargs["stptype"] = "cancel-oldest" if tick % 2 else "cancel-both"
        request = req(
            side, volume=_volume(pair, count, extra), price=_price(pair, tick), pair=pair, **kwargs
        )
        self.attempt(lambda: self.engine.place(account, request))

    @rule(account=accounts, pair=pairs, side=sides, count=lots, extra=odd, viqc=st.booleans())
    def market(self, account: str, pair: str, side: str, count: int, extra: D, viqc: bool) -> None:
        volume = _volume(pair, count, extra)
        oflags = ""
        if viqc and side == "buy":
            volume, oflags = str(MARKETS[pair][0] * D(volume)), "viqc"
        request = req(side, "market", volume=volume, pair=pair, oflags=oflags)
        self.attempt(lambda: self.engine.place(account, request))

    @rule(
        account=accounts,
        pair=pairs,
        side=sides,
        tick=ticks,
        count=st.integers(3, 60),
        shown=st.integers(1, 3),
    )
    def iceberg(
        self, account: str, pair: str, side: str, tick: int, count: int, shown: int
    ) -> None:
        lot = MARKETS[pair][2]
        request = req(
            side,
            "iceberg",
            volume=str(lot * count),
            price=_price(pair, tick),
            pair=pair,
            displayvol=str(lot * shown),
        )
        self.attempt(lambda: self.engine.place(account, request))

    @rule(
        account=accounts,
        pair=pairs,
        side=sides,
        kind=st.sampled_from(sorted(TRIGGER_TYPES)),
        tick=ticks,
        tick2=st.integers(-3, 3),
        count=lots,
        extra=odd,
        index=st.booleans(),
    )
    def stop(
        self,
        account: str,
        pair: str,
        side: str,
        kind: str,
        tick: int,
        tick2: int,
        count: int,
        extra: D,
        index: bool,
    ) -> None:
        step = MARKETS[pair][1]
        if kind.startswith("trailing"):
            price = f"+{step * (abs(tick) + 1)}"
            price2: str | None = f"-{step * abs(tick2)}" if kind.endswith("-limit") else None
        else:
            price = _price(pair, tick)
            price2 = _price(pair, tick + tick2) if kind.endswith("-limit") else None
        request = req(
            side,
            kind,
            volume=_volume(pair, count, extra),
            price=price,
            price2=price2,
            pair=pair,
            trigger="index" if index else "last",
        )
        self.attempt(lambda: self.engine.place(account, request))

    @rule(account=accounts, index=picks)
    def cancel(self, account: str, index: int) -> None:
        order = self.pick(account, index)
        if order is not None:
            self.attempt(lambda: self.engine.cancel(account, order.txid))

    @rule(account=accounts)
    def cancel_all(self, account: str) -> None:
        self.engine.cancel_all(account)

    @rule(
        account=accounts,
        index=picks,
        count=st.none() | lots,
        tick=st.none() | ticks,
        post_only=st.booleans(),
    )
    def amend(
        self, account: str, index: int, count: int | None, tick: int | None, post_only: bool
    ) -> None:
        order = self.pick(account, index)
        if order is None:
            return
        pair = order.pair.id
        qty = None if count is None else MARKETS[pair][2] * count
        price = None if tick is None else PriceSpec("", D(_price(pair, tick)))
        waiting = order.ordertype in TRIGGER_TYPES and not order.triggered
        limit = None if waiting and not order.ordertype.endswith("-limit") else price
        trigger = price if waiting and not order.ordertype.startswith("trailing") else None
        self.attempt(
            lambda: self.engine.amend(
                account,
                order.txid,
                order_qty=qty,
                limit_price=limit,
                trigger_price=trigger,
                post_only=post_only,
            )
        )

    @rule(account=accounts, index=picks, tick=ticks, count=lots)
    def edit(self, account: str, index: int, tick: int, count: int) -> None:
        order = self.pick(account, index)
        if order is None or order.ordertype not in LIMIT_TYPES:
            return
        pair = order.pair.id
        request = req(
            order.side, volume=_volume(pair, count, D(0)), price=_price(pair, tick), pair=pair
        )
        self.attempt(lambda: self.engine.edit(account, order.txid, request))

    @rule(seconds=st.sampled_from([0.5, 1.0, 3.0, 6.0]))
    def wait(self, seconds: float) -> None:
        self.clock.now += seconds
        self.engine.tick()

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def book_is_sane(self) -> None:
        engine = self.engine
        for pair_id in MARKETS:
            book = engine.books[pair_id]
            bid, ask = book.bids.best(), book.asks.best()
            assert bid is None or ask is None or bid < ask, f"{pair_id} crossed: {bid} >= {ask}"
            for side in (book.bids, book.asks):
                for price, queue in side.levels.items():
                    assert queue, f"empty level {price}"
                    for order in queue:
                        assert order.status == "open"
                        assert order.remaining > 0
                        assert order.limit_price == price
                        assert order.side == side.side
        resting: set[int] = set()
        waiting: set[int] = set()
        for mine in engine.open_orders.values():
            for order in mine.values():
                assert order.is_open
                if order.status != "open":
                    continue
                if order.ordertype in TRIGGER_TYPES and not order.triggered:
                    waiting.add(id(order))
                else:
                    assert order.limit_price is not None, "an open order that is not resting"
                    resting.add(id(order))
        in_books = {
            id(o)
            for pair_id in MARKETS
            for side in (engine.books[pair_id].bids, engine.books[pair_id].asks)
            for queue in side.levels.values()
            for o in queue
        }
        assert in_books == resting
        assert {id(o) for pair_id in MARKETS for o in engine.stops[pair_id]} == waiting

    @invariant()
    def holds_match_open_orders(self) -> None:
        for name, account in self.engine.accounts.items():
            expected: dict[str, D] = defaultdict(D)
            for order in self.engine.open_orders[name].values():
                assert order.hold >= 0
                if order.hold:
                    expected[order.hold_asset] += order.hold
            for asset in set(expected) | set(account.holds):
                assert account.hold(asset) == expected[asset], (name, asset)
                if not account.internal:
                    assert 0 <= account.hold(asset) <= account.balance(asset), (name, asset)
        for order in self.engine.orders.values():
            if not order.is_open:
                assert order.hold == 0

    @invariant()
    def balances_add_up(self) -> None:
        engine = self.engine
        totals: dict[str, D] = defaultdict(D)
        for account in engine.accounts.values():
            ledger: dict[str, D] = defaultdict(D)
            for entry in account.ledger:
                ledger[entry.asset] += entry.amount - entry.fee
            for asset in set(ledger) | set(account.balances):
                assert ledger[asset] == account.balance(asset), (account.id, asset)
            for asset, balance in account.balances.items():
                totals[asset] += balance
                if not account.internal:
                    assert balance >= 0, (account.id, asset, balance)
        for asset in set(totals) | set(engine.fees_collected):
            collected = engine.fees_collected.get(asset, D(0))
            assert totals[asset] + collected == self.deposited[asset], asset

    @invariant()
    def fills_explain_executions(self) -> None:
        executed: dict[str, D] = defaultdict(D)
        for fill in self.engine.fills.values():
            executed[fill.ordertxid] += fill.volume
        for order in self.engine.orders.values():
            assert 0 <= order.vol_exec <= order.volume, order.txid
            if not order.internal:
                assert executed[order.txid] == order.vol_exec, order.txid


EngineMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestEngineInvariants = EngineMachine.TestCase
