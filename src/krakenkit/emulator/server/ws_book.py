"""What a book subscriber holds, and the deltas that keep it equal to the engine.

A :class:`BookView` is the top ``depth`` levels of one side pair, exactly as subscribers of
``(pair, depth)`` hold them after applying everything sent so far. After the engine changed some
levels, :meth:`BookView.update` brings the view back to the engine's top levels and returns the
changes to send. The rules are Kraken's (protocol.md §4, §6): a level pushed below the subscribed
depth is not deleted on the wire (clients truncate), a level that comes back into view because a
better one was removed is republished (v1 marks it ``"r"``), and the checksum covers the ten best
levels of the view after the update.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from heapq import nlargest, nsmallest
from typing import NamedTuple

from krakenkit.emulator.engine.book import BookSide, PairBook
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.book import CHECKSUM_LEVELS, crc32_checksum

__all__ = ["DEPTHS", "BookView", "Change"]

DEPTHS = (10, 25, 100, 500, 1000)
_ZERO = Decimal(0)


class Change(NamedTuple):
    price: Decimal
    qty: Decimal  # zero deletes the level
    republished: bool = False


class BookView:
    """The levels subscribers of one ``(pair, depth)`` hold."""

    __slots__ = ("_pscale", "_qscale", "asks", "bids", "depth", "pair")

    def __init__(self, pair: PairInfo, depth: int, book: PairBook) -> None:
        self.pair = pair
        self.depth = depth
        self._pscale = Decimal(10) ** pair.pair_decimals
        self._qscale = Decimal(10) ** pair.lot_decimals
        self.bids: dict[Decimal, Decimal] = dict(book.bids.depth(depth))
        self.asks: dict[Decimal, Decimal] = dict(book.asks.depth(depth))

    def sorted_asks(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        keys = sorted(self.asks) if count is None else nsmallest(count, self.asks)
        return [(p, self.asks[p]) for p in keys]

    def sorted_bids(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        keys = sorted(self.bids, reverse=True) if count is None else nlargest(count, self.bids)
        return [(p, self.bids[p]) for p in keys]

    def checksum(self) -> int:
        ps, qs = self._pscale, self._qscale
        asks = [(int(p * ps), int(q * qs)) for p, q in self.sorted_asks(CHECKSUM_LEVELS)]
        bids = [(int(p * ps), int(q * qs)) for p, q in self.sorted_bids(CHECKSUM_LEVELS)]
        return crc32_checksum(asks, bids)

    def update(
        self, book: PairBook, dirty_asks: Iterable[Decimal], dirty_bids: Iterable[Decimal]
    ) -> tuple[list[Change], list[Change]]:
        """Follow the engine after the levels at the dirty prices changed."""
        asks = _follow(self.asks, book.asks, dirty_asks, self.depth, ascending=True)
        bids = _follow(self.bids, book.bids, dirty_bids, self.depth, ascending=False)
        return asks, bids


def _follow(
    view: dict[Decimal, Decimal],
    side: BookSide,
    dirty: Iterable[Decimal],
    depth: int,
    *,
    ascending: bool,
) -> list[Change]:
    # Deletions go first, then new and changed levels best first, then republished ones: a
    # client that truncates after every level (python-kraken-sdk does) ends with the same book
    # as one that truncates once per message, as Kraken specifies.
    deleted: list[Change] = []
    changed: list[Change] = []
    prices = sorted(dirty, reverse=not ascending)
    if not prices:
        return changed
    full = len(view) >= depth  # else the view holds every level the engine has
    worst = (max(view) if ascending else min(view)) if full else None
    for price in prices:
        qty = side.visible(price)
        if qty > _ZERO:
            beyond = worst is not None and ((price > worst) if ascending else (price < worst))
            if beyond and price not in view:
                continue  # below the subscribed depth: subscribers do not see it
            if view.get(price) != qty:
                view[price] = qty
                changed.append(Change(price, qty))
        elif price in view:
            del view[price]
            deleted.append(Change(price, _ZERO))
    excess = len(view) - depth
    if excess > 0:  # pushed out by better levels: clients truncate, nothing is sent
        drop = nlargest(excess, view) if ascending else nsmallest(excess, view)
        for price in drop:
            del view[price]
    elif excess < 0 and full:  # room again: levels below come back into view
        for price, qty in side.depth(depth):
            if price not in view:
                view[price] = qty
                changed.append(Change(price, qty, True))
    return deleted + changed
