"""One side of the spot book, with the checksum text of its ten best levels kept ready.

Layout (see :mod:`.ladder` for why keys are signed and the best level is last):

* ``qty``  -- signed price ticks -> quantity ticks (O(1) lookups, existence test);
* ``keys`` -- the signed ticks, ascending, best last (bisect to find a position);
* ``top``  -- the checksum texts ``f"{price}{qty}"`` of the ten best levels, best first: exactly
  what Kraken hashes for this side, in its order;
* ``blob`` -- ``"".join(top)``, or ``None`` once a change reached the ten best.

Only the ten best levels ever need a text, so they live in their own ten-element list rather
than in a list aligned with all keys: a change deep in a 1000-level book then moves one list, not
two, and a quantity change below the ten best is a single dict store. A level gets its text when
it is set among the ten best, or when a deletion lifts it into tenth place.
"""

from __future__ import annotations

from bisect import bisect_left

from krakenkit.protocol.book.checksum import CHECKSUM_LEVELS
from krakenkit.protocol.errors import ProtocolError

__all__ = ["CheckedSide"]

_TOP = CHECKSUM_LEVELS


class CheckedSide:
    """Signed integer keys (price for bids, -price for asks) with the top-ten checksum texts."""

    __slots__ = ("blob", "keys", "qty", "sign", "top")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}
        self.top: list[str] = []
        self.blob: str | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def put(self, key: int, qty: int) -> None:
        """Set the level at ``key`` to ``qty`` ticks; 0 deletes it (absent levels are ignored)."""
        qtys = self.qty
        old = qtys.get(key)
        if qty > 0:
            if old is None:
                keys = self.keys
                index = bisect_left(keys, key)
                keys.insert(index, key)
                qtys[key] = qty
                rank = len(keys) - 1 - index
                if rank < _TOP:
                    top = self.top
                    top.insert(rank, f"{key * self.sign}{qty}")
                    if len(top) > _TOP:
                        del top[_TOP]
                    self.blob = None
            elif old != qty:
                qtys[key] = qty
                keys = self.keys
                tenth = len(keys) - _TOP
                if tenth <= 0:
                    index = bisect_left(keys, key)
                elif key >= keys[tenth]:
                    index = bisect_left(keys, key, tenth)
                else:
                    return  # below the ten best: nothing to redo
                self.top[len(keys) - 1 - index] = f"{key * self.sign}{qty}"
                self.blob = None
        elif qty == 0:
            if old is not None:
                del qtys[key]
                keys = self.keys
                index = bisect_left(keys, key)
                del keys[index]
                rank = len(keys) - index
                if rank < _TOP:
                    top = self.top
                    del top[rank]
                    tenth = len(keys) - _TOP
                    if tenth >= 0:  # the level moving up into tenth place joins the texts
                        risen = keys[tenth]
                        top.append(f"{risen * self.sign}{qtys[risen]}")
                    self.blob = None
        else:
            raise ProtocolError(f"negative quantity {qty} at price {abs(key)}")

    def truncate(self, depth: int) -> None:
        """Drop the worst levels beyond ``depth`` (in the top ten only when depth < 10)."""
        excess = len(self.keys) - depth
        if excess <= 0:
            return
        qtys = self.qty
        for key in self.keys[:excess]:
            del qtys[key]
        del self.keys[:excess]
        if depth < _TOP:
            del self.top[depth:]
            self.blob = None

    def top_text(self) -> str:
        """The checksum text of the ten best levels, best first."""
        blob = self.blob
        if blob is None:
            blob = self.blob = "".join(self.top)
        return blob

    def best(self, count: int | None = None) -> list[int]:
        """Keys best first; all of them, or the ``count`` best."""
        keys = self.keys
        if count is None or count >= len(keys):
            return keys[::-1]
        return keys[: -count - 1 : -1] if count > 0 else []

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
        self.top.clear()
        self.blob = None
