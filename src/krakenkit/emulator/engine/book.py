"""Price-time priority books: one :class:`PairBook` (bids and asks) per pair.

A side keeps its price levels in a sorted list (best first) and each level's orders in arrival
order. Levels are few compared with orders, so ``bisect`` insertion into a plain list is faster in
CPython than any tree. Only open, untriggered-or-limit orders with a ``limit_price`` are here.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Iterator
from decimal import Decimal

from krakenkit.emulator.engine.orders import Order

__all__ = ["BookSide", "PairBook"]

LevelListener = Callable[[str, str, Decimal], None]


class BookSide:
    """One side: ``levels[price]`` is a FIFO queue; ``_keys`` sorts best first."""

    __slots__ = ("_keys", "_sign", "levels", "side")

    def __init__(self, side: str) -> None:
        self.side = side  # "buy" (bids) or "sell" (asks)
        # a Decimal, so keys are made without converting an int each time (same values)
        self._sign = Decimal(-1 if side == "buy" else 1)
        self._keys: list[Decimal] = []  # price * sign, ascending = best first
        self.levels: dict[Decimal, deque[Order]] = {}

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def best(self) -> Decimal | None:
        return self._keys[0] * self._sign if self._keys else None

    def prices(self) -> Iterator[Decimal]:
        """Prices best first."""
        sign = self._sign
        return (key * sign for key in self._keys)

    def add(self, order: Order) -> None:
        price = order.limit_price
        assert price is not None
        queue = self.levels.get(price)
        if queue is None:
            queue = self.levels[price] = deque()
            insort(self._keys, price * self._sign)
        queue.append(order)

    def remove(self, order: Order) -> None:
        price = order.limit_price
        assert price is not None
        queue = self.levels[price]
        queue.remove(order)
        if not queue:
            self._drop(price)

    def discard(self, order: Order) -> bool:
        """Remove ``order`` if it is in this side (one scan of its level); True if it was."""
        price = order.limit_price
        queue = self.levels.get(price)  # type: ignore[arg-type]
        if queue is None:
            return False
        try:
            queue.remove(order)
        except ValueError:
            return False
        if not queue:
            self._drop(price)  # type: ignore[arg-type]
        return True

    def _drop(self, price: Decimal) -> None:
        del self.levels[price]
        key = price * self._sign
        del self._keys[bisect_left(self._keys, key)]

    def pop_front(self, price: Decimal) -> None:
        queue = self.levels[price]
        queue.popleft()
        if not queue:
            self._drop(price)

    def requeue(self, order: Order) -> None:
        """Send ``order`` to the back of its level (an iceberg refreshing its tip)."""
        queue = self.levels[order.limit_price]  # type: ignore[index]
        queue.remove(order)
        queue.append(order)

    def visible(self, price: Decimal) -> Decimal:
        """Total displayed quantity at ``price``."""
        queue = self.levels.get(price)
        if not queue:
            return Decimal(0)
        return sum((o.visible for o in queue), Decimal(0))

    def depth(self, count: int) -> list[tuple[Decimal, Decimal]]:
        """The best ``count`` levels as ``(price, displayed quantity)``, skipping empty tips."""
        out: list[tuple[Decimal, Decimal]] = []
        for price in self.prices():
            qty = self.visible(price)
            if qty > 0:
                out.append((price, qty))
                if len(out) >= count:
                    break
        return out


class PairBook:
    """Bids and asks of one pair."""

    __slots__ = ("asks", "bids", "pair_id")

    def __init__(self, pair_id: str) -> None:
        self.pair_id = pair_id
        self.bids = BookSide("buy")
        self.asks = BookSide("sell")

    def side(self, side: str) -> BookSide:
        return self.bids if side == "buy" else self.asks

    def opposite(self, side: str) -> BookSide:
        return self.asks if side == "buy" else self.bids

    def mid(self) -> Decimal | None:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2
