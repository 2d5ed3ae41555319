"""Synthetic liquidity: a market maker quoting every pair and a taker trading against it.

:class:`SyntheticMarket` drives two internal accounts through the engine's public API only. On each
:meth:`~SyntheticMarket.step` every pair's mid takes one step of a seeded, slightly mean-reverting
random walk in log space; with a probability scaled by ``activity`` the taker sends a small market
order against the current book (so trades, last prices and OHLC move); then the maker re-quotes a
ladder of ``levels`` limit orders per side at ``mid -/+ spread -/+ k * level_step``.

Re-quoting is incremental: a quote stays while it sits within one level step of a free rung of the
new ladder (and no nearer to the mid than the spread), so a small move of the mid changes a few
levels rather than the whole book. Cancels go first and new quotes after, so the maker never
crosses its own quotes and every book stays two-sided. Prices are kept as integer tick counts.

Everything random comes from one ``random.Random(seed)``, drawn in a fixed order, so the same seed
and the same sequence of ``now`` values give the same books and the same tape.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from krakenkit.emulator.accounts import Account
from krakenkit.emulator.engine import Engine, Order, OrderRequest, PriceSpec
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.errors import APIError

__all__ = ["MAKER_ID", "TAKER_ID", "MarketConfig", "SyntheticMarket"]

MAKER_ID = "MM-0001"
TAKER_ID = "TK-0001"
_FUNDING = Decimal(10) ** 15  # per asset; internal accounts may go negative anyway
_SIDES = (("buy", -1), ("sell", 1))


@dataclass(frozen=True)
class MarketConfig:
    """How the synthetic market moves and quotes. Sizes are multiples of the pair's ``ordermin``."""

    seed: int = 0
    volatility: float = 0.0005  # relative std-dev of the mid per step
    reversion: float = 0.002  # share of the log-distance to the start price undone per step
    activity: float = 1.0  # scales the taker's trade probability
    trade_probability: float = 0.25  # per pair and step, at activity 1
    levels: int = 10  # quotes per side
    spread_bps: float = 2.0  # target distance best bid - best ask
    spread_ticks: int = 1  # least distance of the best quotes from the mid
    level_step_bps: float = 2.0  # distance between two levels (at least one tick)
    min_size: float = 1.0  # quote sizes, from ordermin * min_size ...
    max_size: float = 10.0  # ... to ordermin * max_size
    taker_max_size: float = 3.0  # taker sizes, from ordermin to ordermin * taker_max_size

    def __post_init__(self) -> None:
        if self.levels < 1 or self.spread_ticks < 1:
            raise ValueError("levels and spread_ticks must be at least 1")
        if self.volatility < 0 or self.activity < 0 or self.trade_probability < 0:
            raise ValueError("volatility, activity and trade_probability must not be negative")
        if not 0 <= self.reversion < 1:
            raise ValueError("reversion must be in [0, 1)")
        if self.spread_bps < 0 or self.level_step_bps < 0:
            raise ValueError("spread_bps and level_step_bps must not be negative")
        if not 1 <= self.min_size <= self.max_size or self.taker_max_size < 1:
            raise ValueError("sizes must satisfy 1 <= min_size <= max_size and taker_max_size >= 1")


def _lots(value: Decimal, factor: float, lot_decimals: int, rounding: str) -> int:
    """``value * factor`` in lots (``10 ** -lot_decimals``), rounded as told."""
    lots = (value * Decimal(str(factor))).scaleb(lot_decimals)
    return int(lots.to_integral_value(rounding=rounding))


class _PairState:
    """The walk and the maker's live quotes of one pair; prices in integer ticks."""

    __slots__ = (
        "half",
        "log_floor",
        "log_mid",
        "log_start",
        "lot_decimals",
        "max_lots",
        "mid",
        "min_lots",
        "pair",
        "quotes",
        "step",
        "taker_lots",
        "tick",
    )

    def __init__(self, pair: PairInfo, start: Decimal, config: MarketConfig) -> None:
        self.pair = pair
        self.tick = pair.tick_size
        self.anchor(start, config)
        self.lot_decimals = decimals = pair.lot_decimals
        least = max(1, _lots(pair.ordermin, 1.0, decimals, ROUND_CEILING))
        self.min_lots = max(least, _lots(pair.ordermin, config.min_size, decimals, ROUND_CEILING))
        self.max_lots = max(
            self.min_lots, _lots(pair.ordermin, config.max_size, decimals, ROUND_FLOOR)
        )
        self.taker_lots = (
            least,
            max(least, _lots(pair.ordermin, config.taker_max_size, decimals, ROUND_FLOOR)),
        )
        self.quotes: dict[str, list[tuple[int, Order]]] = {"buy": [], "sell": []}

    def anchor(self, price: Decimal, config: MarketConfig) -> None:
        """Centre the walk, the spread and the level step on ``price``."""
        ticks = float(price / self.tick)
        self.half = max(config.spread_ticks, round(ticks * config.spread_bps / 20_000))
        self.step = max(1, round(ticks * config.level_step_bps / 10_000))
        floor = max(10, self.half + config.levels * self.step)  # the lowest bid stays >= 1 tick
        self.log_floor = math.log(floor)
        self.log_start = self.log_mid = math.log(max(ticks, floor))
        self.mid = round(math.exp(self.log_mid))


class SyntheticMarket:
    """A seeded market maker and taker for ``pairs`` of ``engine`` (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        pairs: Iterable[PairInfo],
        config: MarketConfig | None = None,
        *,
        start_prices: Mapping[str, Decimal],
    ) -> None:
        self.engine = engine
        self.config = config or MarketConfig()
        self.rng = random.Random(self.config.seed)
        self.maker_id = MAKER_ID
        self.taker_id = TAKER_ID
        self._states: list[_PairState] = []
        for pair in pairs:
            start = start_prices.get(pair.id) or engine.last_price.get(pair.id)
            if start is None or start <= 0:
                raise ValueError(f"no start price for {pair.id}")
            self._states.append(_PairState(pair, start, self.config))
        assets = sorted({a for s in self._states for a in (s.pair.base, s.pair.quote)})
        for account_id in (MAKER_ID, TAKER_ID):
            if account_id in engine.accounts:
                continue
            account = engine.add_account(Account(account_id, rate_limits=False, internal=True))
            for asset in assets:
                engine.post(
                    account,
                    refid="SYNTHETIC",
                    now=0.0,
                    type="deposit",
                    asset=asset,
                    amount=_FUNDING,
                )

    def _state(self, pair_id: str) -> _PairState:
        for state in self._states:
            if state.pair.id == pair_id:
                return state
        raise KeyError(pair_id)

    def mid_price(self, pair_id: str) -> Decimal:
        """The current synthetic mid of ``pair_id`` (a multiple of its tick size)."""
        state = self._state(pair_id)
        return Decimal(state.mid) * state.tick

    def set_mid(self, pair_id: str, price: Decimal) -> None:
        """Move the mid of ``pair_id`` to ``price`` and revert to it from now on.

        The quotes follow at the next :meth:`step`.
        """
        if price <= 0:
            raise ValueError(f"price must be positive: {price}")
        self._state(pair_id).anchor(price, self.config)

    def run_steps(self, n: int, start: float, dt: float = 0.2) -> float:
        """Call :meth:`step` ``n`` times at ``start``, ``start + dt``, ...; return the next time."""
        for i in range(n):
            self.step(start + i * dt)
        return start + n * dt

    def step(self, now: float) -> None:
        """Move every mid, maybe trade, and re-quote every pair."""
        config = self.config
        rng = self.rng
        probability = min(1.0, config.activity * config.trade_probability)
        for state in self._states:
            log_mid = state.log_mid + config.reversion * (state.log_start - state.log_mid)
            log_mid += config.volatility * rng.gauss(0.0, 1.0)
            state.log_mid = max(log_mid, state.log_floor)
            state.mid = round(math.exp(state.log_mid))
            if rng.random() < probability:
                self._trade(state, now)
            self._requote(state, now)

    # -- internals ------------------------------------------------------------------------------

    def _trade(self, state: _PairState, now: float) -> None:
        buy = self.rng.random() < 0.5
        lots = self.rng.randint(*state.taker_lots)
        book = self.engine.books[state.pair.id]
        if not (book.asks if buy else book.bids):
            return
        request = OrderRequest(
            pair=state.pair,
            side="buy" if buy else "sell",
            ordertype="market",
            volume=Decimal(lots).scaleb(-state.lot_decimals),
        )
        with contextlib.suppress(APIError):
            self.engine.place(TAKER_ID, request, now=now, charge=False)

    def _requote(self, state: _PairState, now: float) -> None:
        levels = self.config.levels
        step, half, mid = state.step, state.half, state.mid
        ordermin = state.pair.ordermin
        cancels: list[tuple[str, int, Order]] = []
        places: list[tuple[str, int]] = []
        for side, sign in _SIDES:
            base = mid + sign * half  # the best rung
            slots: list[tuple[int, Order] | None] = [None] * levels
            candidates: list[tuple[int, int, int, int]] = []  # distance, offset, index, rung
            quotes = state.quotes[side]
            for index, (ticks, order) in enumerate(quotes):
                if not order.is_open:
                    continue
                offset = sign * (ticks - base)  # > 0: further from the mid than the best rung
                rung = min((offset + step // 2) // step, levels - 1)
                distance = abs(offset - rung * step)
                if offset < 0 or distance > step or order.remaining < ordermin:
                    cancels.append((side, ticks, order))
                else:
                    candidates.append((distance, offset, index, rung))
            candidates.sort()
            for _, _, index, rung in candidates:
                if slots[rung] is None:
                    slots[rung] = quotes[index]
                else:
                    cancels.append((side, *quotes[index]))
            state.quotes[side] = [quote for quote in slots if quote is not None]
            places.extend(
                (side, base + sign * rung * step)
                for rung, quote in enumerate(slots)
                if quote is None and base + sign * rung * step > 0
            )
        engine = self.engine
        for side, ticks, order in cancels:  # first, so new quotes never meet old ones
            try:
                engine.cancel(MAKER_ID, order.txid, now=now)
            except APIError:
                if order.is_open:  # keep it and try again next step
                    state.quotes[side].append((ticks, order))
        rng = self.rng
        for side, ticks in places:
            lots = rng.randint(state.min_lots, state.max_lots)
            request = OrderRequest(
                pair=state.pair,
                side=side,
                ordertype="limit",
                volume=Decimal(lots).scaleb(-state.lot_decimals),
                price=PriceSpec("", Decimal(ticks) * state.tick),
            )
            try:
                order = engine.place(MAKER_ID, request, now=now, charge=False)
            except APIError:
                continue
            if order.is_open:
                state.quotes[side].append((ticks, order))
