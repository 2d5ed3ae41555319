"""A steady stream of book changes at a chosen rate: load for feed benchmarks and soak tests.

One dedicated account places resting limit orders a few ticks behind the best price and cancels
them again, alternately, on the given pairs. Each operation changes exactly one price level, so
``rate`` is the number of level changes per second the WebSocket feeds must carry. Started with
``POST /_emulator/churn`` (``{"rate": 1000, "seconds": 10, "pairs": ["XBT/USD"]}``).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from krakenkit.emulator.engine import OrderRequest, PriceSpec
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.errors import APIError

if TYPE_CHECKING:
    from krakenkit.emulator.server.exchange import Exchange

__all__ = ["Churn"]

_TICK = 0.01  # seconds between batches


@dataclass
class Churn:
    """The running (or last) churn of one exchange."""

    exchange: Exchange
    ops: int = 0
    running: bool = False
    account_id: str | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start(self, rate: float, seconds: float, pairs: list[PairInfo], seed: int = 0) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.account_id is None:
            funds = dict.fromkeys(self.exchange.catalogue.assets, 10**12)
            self.account_id = self.exchange.create_account(funds, rate_limits=False)
        self.running = True
        self._task = asyncio.get_running_loop().create_task(self._run(rate, seconds, pairs, seed))

    async def _run(self, rate: float, seconds: float, pairs: list[PairInfo], seed: int) -> None:
        rng = random.Random(seed)
        engine = self.exchange.engine
        account = self.account_id
        assert account is not None
        mine: list[str] = []
        start = time.monotonic()
        attempts = 0
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                await asyncio.sleep(_TICK)
                now = self.exchange.clock()
                while attempts < rate * elapsed:  # paced by the clock, not by sleep's accuracy
                    attempts += 1
                    try:
                        if len(mine) > 200 or (mine and rng.random() < 0.5):
                            txid = mine.pop(rng.randrange(len(mine)))
                            engine.cancel(account, txid, now=now)
                        else:
                            order = self._order(rng, rng.choice(pairs))
                            if order is None:
                                continue
                            mine.append(engine.place(account, order, now=now).txid)
                    except APIError:  # e.g. post-only refused after the book moved
                        continue
                    self.ops += 1
                self.exchange.commit()
        finally:
            for txid in mine:
                engine.cancel(account, txid, now=self.exchange.clock())
            self.exchange.commit()
            self.running = False

    def _order(self, rng: random.Random, pair: PairInfo) -> OrderRequest | None:
        book = self.exchange.engine.books[pair.id]
        side = rng.choice(("buy", "sell"))
        best = (book.bids if side == "buy" else book.asks).best()
        reference = best or self.exchange.engine.last_price.get(pair.id)
        if reference is None:
            return None
        ticks = rng.randint(1, 40) * pair.tick_size
        price = reference - ticks if side == "buy" else reference + ticks
        if price <= 0:
            return None
        volume = max(pair.ordermin, Decimal(rng.randint(1, 100)) * pair.ordermin)
        return OrderRequest(
            pair=pair,
            side=side,
            ordertype="limit",
            volume=volume,
            price=PriceSpec("", price),
            oflags=frozenset({"post"}),
        )
