"""One side of an order book: a price -> quantity dict plus the prices kept sorted.

Used as is by the futures book; the spot book's :class:`~.side.CheckedSide` has the same layout
plus checksum caches. Keys are *signed* so both sides sort the same way: bids use the price, asks
its negation. The sorted list is ascending, so the best level of either side is at the **end**. Most
book traffic touches the top of the book, and inserting or deleting near the end of a Python list
moves almost nothing; the rare change deep in a 1000-level book moves at most a few kilobytes with
one ``memmove``. Finding a position is a ``bisect`` (O(log n)) and an update of an existing level
is a dict store (O(1)), so the cost per message stays flat from depth 10 to depth 1000 -- unlike
re-sorting the side on every update.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import Generic, TypeVar

__all__ = ["Ladder"]

K = TypeVar("K", int, Decimal)


class Ladder(Generic[K]):
    """Signed keys in ascending order (best last) and the quantity at each key."""

    __slots__ = ("keys", "qty")

    def __init__(self) -> None:
        self.keys: list[K] = []
        self.qty: dict[K, K] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def set(self, key: K, qty: K) -> None:
        """Store ``qty`` at ``key``, inserting the level if it is new."""
        if key not in self.qty:
            keys = self.keys
            keys.insert(bisect_left(keys, key), key)
        self.qty[key] = qty

    def discard(self, key: K) -> None:
        """Remove the level at ``key`` if there is one."""
        if self.qty.pop(key, None) is not None:
            keys = self.keys
            del keys[bisect_left(keys, key)]

    def truncate(self, depth: int) -> None:
        """Drop the worst levels beyond ``depth``."""
        excess = len(self.keys) - depth
        if excess > 0:
            qty = self.qty
            for key in self.keys[:excess]:
                del qty[key]
            del self.keys[:excess]

    def best(self, count: int | None = None) -> list[K]:
        """Keys best first; all of them, or the ``count`` best."""
        keys = self.keys
        if count is None or count >= len(keys):
            return keys[::-1]
        return keys[: -count - 1 : -1] if count > 0 else []

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
