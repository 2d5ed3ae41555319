"""The streaming client's local order books: one :class:`OrderBook` per subscribed symbol.

No I/O here: book messages go in, :mod:`._ws_events` come out, and the client acts on them (a
stale book gets its symbol resubscribed). A book is *synced* from its snapshot on; an update to a
book that is not synced is ignored, since it cannot be applied to anything meaningful -- the next
snapshot replaces the book anyway.

v2 prices and quantities are ticks at the instrument's precision (``price_precision`` /
``qty_precision`` from the instrument channel, remembered in :attr:`LocalBooks.precision`); v1
books take their precision from the snapshot strings (see :class:`OrderBook`).
"""

from __future__ import annotations

from typing import Any

from krakenkit.client._ws_events import BookStale, BookSynced, ClientEvent
from krakenkit.protocol.book import OrderBook
from krakenkit.protocol.errors import ChecksumMismatch, ProtocolError
from krakenkit.protocol.ws_messages import ChannelMessage

__all__ = ["LocalBooks"]


class LocalBooks:
    def __init__(self, version: str) -> None:
        self.version = version
        self.precision: dict[str, tuple[int, int]] = {}
        self._books: dict[str, OrderBook] = {}
        self._synced: set[str] = set()
        self._ever_synced: set[str] = set()

    # -- which books -----------------------------------------------------------------------

    def learn_instruments(self, message: ChannelMessage) -> None:
        """Remember each pair's ``(price_precision, qty_precision)`` from an instrument message."""
        for entry in message.data:
            pairs = entry.get("pairs") if isinstance(entry, dict) else None
            for pair in pairs or ():
                try:
                    self.precision[pair["symbol"]] = (
                        int(pair["price_precision"]),
                        int(pair["qty_precision"]),
                    )
                except (KeyError, TypeError, ValueError):
                    continue

    def track(self, symbol: str, depth: int) -> OrderBook:
        """The book for ``symbol`` at ``depth`` (a new, unsynced one if the depth changed)."""
        book = self._books.get(symbol)
        if book is not None and book.depth == depth:
            return book
        price_decimals, qty_decimals = self.precision.get(symbol, (0, 0))
        book = self._books[symbol] = OrderBook(symbol, depth, price_decimals, qty_decimals)
        self._synced.discard(symbol)
        return book

    def forget(self, symbol: str) -> None:
        self._books.pop(symbol, None)
        self._synced.discard(symbol)
        self._ever_synced.discard(symbol)

    def get(self, symbol: str) -> OrderBook | None:
        return self._books.get(symbol)

    def symbols(self) -> list[str]:
        return list(self._books)

    def is_synced(self, symbol: str) -> bool:
        return symbol in self._synced

    def mark_stale(self, symbol: str) -> None:
        self._synced.discard(symbol)
        book = self._books.get(symbol)
        if book is not None:
            book.clear()

    def mark_all_stale(self) -> list[str]:
        """Every synced book becomes stale (the connection was lost); returns their symbols."""
        stale = [s for s in self._books if s in self._synced]
        for symbol in self._books:
            self.mark_stale(symbol)
        return stale

    # -- messages --------------------------------------------------------------------------

    def apply(self, message: ChannelMessage) -> list[ClientEvent]:
        """Apply one ``book`` message; the events it causes (synced, stale)."""
        if self.version == "v1":
            if message.symbol is None:
                return []
            return self._apply(message.symbol, message.type, message.raw)
        events: list[ClientEvent] = []
        for entry in message.data:
            symbol = entry.get("symbol") if isinstance(entry, dict) else None
            if isinstance(symbol, str):
                one = {"type": message.type, "data": [entry]}
                events.extend(self._apply(symbol, message.type, one))
        return events

    def _apply(self, symbol: str, kind: str, payload: Any) -> list[ClientEvent]:
        book = self._books.get(symbol)
        if book is None or (kind != "snapshot" and symbol not in self._synced):
            return []
        try:
            if self.version == "v1":
                book.apply_v1(payload)
            else:
                book.apply_v2(payload)
        except ChecksumMismatch as exc:
            self.mark_stale(symbol)
            return [BookStale(symbol, "checksum", str(exc))]
        except ProtocolError as exc:
            self.mark_stale(symbol)
            return [BookStale(symbol, "malformed", str(exc))]
        if kind != "snapshot":
            return []
        resync = symbol in self._ever_synced
        self._synced.add(symbol)
        self._ever_synced.add(symbol)
        return [BookSynced(symbol, resync=resync)]
