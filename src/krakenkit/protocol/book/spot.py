"""The spot L2 order book: applies WebSocket v1 and v2 ``book`` messages and checks Kraken's CRC32.

Why it looks the way it does:

* **Integer ticks.** Prices and quantities are stored as integers at the book's precision (see
  :mod:`.ticks`). Sorting is integer comparison and each level's checksum text is just
  ``f"{price_ticks}{qty_ticks}"`` (see :mod:`.checksum`); no float ever enters the state.
* **Flat cost in depth.** Each side is a :class:`~.side.CheckedSide` (dict + ascending list, best
  last): a level update is a dict store plus one bisect and at most one list move, never a sort.
* **Checksum caching.** Only the ten best levels of each side enter the checksum. Each side keeps
  their texts (best first) and their joined text, redone only when a change reaches its ten best
  -- an update at level 500 of a 1000-level book costs no checksum work at all.
* **v1 precision comes from the wire.** v1 sends decimal strings, and Kraken's checksum hashes those
  strings, which for some pairs carry more decimals than the pair's ``pair_decimals`` (XBT/USD
  prices arrive as ``"27120.00000"``). A v1 snapshot therefore re-bases the book on the number of
  decimals its strings carry; later strings at that precision take a fast path (drop the dot,
  ``int()``), anything else is converted exactly by :func:`.ticks.to_ticks`.
* **v2 precision comes from the instrument.** v2 sends JSON numbers without trailing zeros; the
  ``price_decimals`` / ``qty_decimals`` given to the constructor (the instrument's
  ``price_precision`` / ``qty_precision``) decide the ticks. Floats are converted as documented in
  :mod:`.ticks` (exact for values of up to 15 significant digits).

After :class:`ChecksumMismatch` or :class:`ProtocolError` the book may hold a partly applied
message and must not be trusted: the caller resubscribes (the streaming client does) and the next
snapshot resets it. Applying a message is not atomic on purpose -- copying the book to roll back
would cost more than every message it protects.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.protocol.book.side import CheckedSide
from krakenkit.protocol.book.ticks import (
    FLOAT_FAST_LIMIT,
    str_decimals,
    ticks_to_decimal,
    to_ticks,
)
from krakenkit.protocol.errors import ChecksumMismatch, ProtocolError

__all__ = ["OrderBook"]

_MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)


def _put_v1(side: CheckedSide, levels: Sequence[Sequence[str]], pd: int, qd: int) -> None:
    """Apply ``[[price, volume, timestamp(, "r")], ...]`` (decimal strings) to ``side``."""
    put = side.put
    sign = side.sign
    pcut = -pd - 1
    qcut = -qd - 1
    for level in levels:
        ps = level[0]
        qs = level[1]
        # v1 renders every value with a fixed number of decimals: drop the dot, read the int.
        try:
            fast = ps[pcut] == "." and qs[qcut] == "."
        except IndexError:  # shorter than the precision: let to_ticks() judge it
            fast = False
        if fast:
            put(int(ps.replace(".", "", 1)) * sign, int(qs.replace(".", "", 1)))
        else:
            put(to_ticks(ps, pd) * sign, to_ticks(qs, qd))


def _put_v2(side: CheckedSide, levels: Sequence[Mapping[str, Any]], pd: int, qd: int) -> None:
    """Apply ``[{"price": .., "qty": ..}, ...]`` (floats, ints, Decimals or strings) to ``side``."""
    put = side.put
    sign = side.sign
    pscale = 10**pd
    qscale = 10**qd
    limit = FLOAT_FAST_LIMIT
    for level in levels:
        x = level["price"]
        y = level["qty"]
        # Floats below the limit are exact this way (see .ticks); everything else goes the slow way.
        if type(x) is float and -limit < (price := round(x * pscale)) < limit:
            pass
        else:
            price = to_ticks(x, pd)
        if type(y) is float and -limit < (qty := round(y * qscale)) < limit:
            pass
        else:
            qty = to_ticks(y, qd)
        put(price * sign, qty)


class OrderBook:
    """A Kraken spot L2 book for one symbol, kept at ``depth`` levels per side.

    ``price_decimals`` / ``qty_decimals`` are the pair's precision (v2: the instrument's
    ``price_precision`` / ``qty_precision``; v1: whatever the snapshot strings carry, adopted
    automatically). :meth:`apply_v1` and :meth:`apply_v2` raise :class:`ChecksumMismatch` when
    Kraken's checksum disagrees with the book and :class:`ProtocolError` for a message they cannot
    read; after either the book is not trusted until the next snapshot.
    """

    __slots__ = ("_asks", "_bids", "_crc", "_pd", "_qd", "depth", "symbol")

    def __init__(self, symbol: str, depth: int, price_decimals: int, qty_decimals: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be positive, not {depth}")
        if price_decimals < 0 or qty_decimals < 0:
            raise ValueError("decimals must not be negative")
        self.symbol = symbol
        self.depth = depth
        self._pd = price_decimals
        self._qd = qty_decimals
        self._asks = CheckedSide(-1)
        self._bids = CheckedSide(1)
        self._crc: int | None = None

    # --- precision ------------------------------------------------------------------------

    @property
    def price_decimals(self) -> int:
        return self._pd

    @property
    def qty_decimals(self) -> int:
        return self._qd

    # --- applying messages ----------------------------------------------------------------

    def apply_v1(self, message: Sequence[Any]) -> None:
        """Apply one decoded v1 ``book-N`` message (snapshot or update) and check its checksum.

        Layout: ``[channelID, {"as": .., "bs": ..}, "book-10", pair]`` (snapshot) or
        ``[channelID, {"a": ..}(, {"b": .., "c": ".."}), "book-10", pair]`` (update).
        """
        # The hot path of every streaming client: locals over attributes, no helper calls.
        try:
            if message[-1] != self.symbol:
                raise ProtocolError(f"v1 message for {message[-1]!r} sent to {self.symbol!r} book")
            first = message[1]
            if "c" not in first and ("as" in first or "bs" in first):
                self._snapshot_v1(first)
                return
            pd = self._pd
            qd = self._qd
            expected = None
            for part in message[1:-2]:
                levels = part.get("a")
                if levels:
                    _put_v1(self._asks, levels, pd, qd)
                levels = part.get("b")
                if levels:
                    _put_v1(self._bids, levels, pd, qd)
                expected = part.get("c", expected)
            depth = self.depth
            if len(self._asks.keys) > depth:
                self._asks.truncate(depth)
            if len(self._bids.keys) > depth:
                self._bids.truncate(depth)
            if expected is not None:
                self._verify(int(expected))
        except _MALFORMED as exc:
            raise ProtocolError(f"malformed v1 book message: {exc!r}") from exc

    def apply_v2(self, message: Mapping[str, Any]) -> None:
        """Apply one decoded v2 ``book`` message (snapshot or update) and check its checksum."""
        try:
            snapshot = message["type"] == "snapshot"
            for entry in message["data"]:
                if entry["symbol"] != self.symbol:
                    raise ProtocolError(
                        f"v2 message for {entry['symbol']!r} sent to {self.symbol!r} book"
                    )
                if snapshot:
                    self.clear()
                pd = self._pd
                qd = self._qd
                levels = entry["asks"]
                if levels:
                    _put_v2(self._asks, levels, pd, qd)
                levels = entry["bids"]
                if levels:
                    _put_v2(self._bids, levels, pd, qd)
                depth = self.depth
                if len(self._asks.keys) > depth:
                    self._asks.truncate(depth)
                if len(self._bids.keys) > depth:
                    self._bids.truncate(depth)
                expected = entry.get("checksum")
                if expected is not None:
                    self._verify(int(expected))
        except _MALFORMED as exc:
            raise ProtocolError(f"malformed v2 book message: {exc!r}") from exc

    def _snapshot_v1(self, payload: Mapping[str, Any]) -> None:
        asks = payload.get("as") or []
        bids = payload.get("bs") or []
        self.clear()
        levels = [*asks, *bids]
        if levels:
            self._pd = max(str_decimals(level[0]) for level in levels)
            self._qd = max(str_decimals(level[1]) for level in levels)
        _put_v1(self._asks, asks, self._pd, self._qd)
        _put_v1(self._bids, bids, self._pd, self._qd)
        self._asks.truncate(self.depth)
        self._bids.truncate(self.depth)

    def _verify(self, expected: int) -> None:
        actual = self.checksum()
        if actual != expected:
            raise ChecksumMismatch(symbol=self.symbol, expected=expected, actual=actual)

    def clear(self) -> None:
        """Forget every level (the next message should be a snapshot)."""
        self._asks.clear()
        self._bids.clear()
        self._crc = None

    # --- reading --------------------------------------------------------------------------

    def checksum(self) -> int:
        """Kraken's CRC32 of the current book (ten best asks, then ten best bids)."""
        asks = self._asks
        bids = self._bids
        crc = self._crc
        if crc is None or asks.blob is None or bids.blob is None:
            # One CRC over the concatenation: zlib's per-call cost dominates at ~300 bytes.
            text = asks.top_text() + bids.top_text()
            crc = self._crc = zlib.crc32(text.encode("ascii"))
        return crc

    def ask_ticks(self, count: int | None = None) -> list[tuple[int, int]]:
        """Asks best (lowest) first as ``(price_ticks, qty_ticks)``."""
        qty = self._asks.qty
        return [(-key, qty[key]) for key in self._asks.best(count)]

    def bid_ticks(self, count: int | None = None) -> list[tuple[int, int]]:
        """Bids best (highest) first as ``(price_ticks, qty_ticks)``."""
        qty = self._bids.qty
        return [(key, qty[key]) for key in self._bids.best(count)]

    def asks(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Asks best (lowest) first as ``(price, qty)`` Decimals at the book's precision."""
        return [self._decimals(p, q) for p, q in self.ask_ticks(count)]

    def bids(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Bids best (highest) first as ``(price, qty)`` Decimals at the book's precision."""
        return [self._decimals(p, q) for p, q in self.bid_ticks(count)]

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        top = self.ask_ticks(1)
        return self._decimals(*top[0]) if top else None

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        top = self.bid_ticks(1)
        return self._decimals(*top[0]) if top else None

    def spread(self) -> Decimal | None:
        """Best ask minus best bid, or ``None`` while a side is empty."""
        if not self._asks.keys or not self._bids.keys:
            return None
        return ticks_to_decimal(-self._asks.keys[-1] - self._bids.keys[-1], self._pd)

    def _decimals(self, price: int, qty: int) -> tuple[Decimal, Decimal]:
        return ticks_to_decimal(price, self._pd), ticks_to_decimal(qty, self._qd)

    def __len__(self) -> int:
        """Price levels held on both sides together."""
        return len(self._asks.keys) + len(self._bids.keys)

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.symbol!r}, depth={self.depth}, bids={len(self._bids.keys)}, "
            f"asks={len(self._asks.keys)}, best_bid={self.best_bid()}, best_ask={self.best_ask()})"
        )
