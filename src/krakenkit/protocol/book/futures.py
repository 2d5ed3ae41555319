"""The futures L2 order book: a ``book_snapshot`` followed by one-level ``book`` deltas.

Kraken Futures has no book checksum; what keeps a local book honest is the ``seq`` number each
product's messages carry. Every delta must be exactly the previous ``seq`` + 1 (the snapshot's
included), otherwise a message was lost and the book silently diverges -- so a gap raises
:class:`SequenceGap` before anything is applied, and the caller resubscribes for a new snapshot.

Prices and quantities arrive as JSON numbers with no fixed precision and futures instruments have
no ``pair_decimals``, so the book keeps :class:`~decimal.Decimal` values, taking floats through
their shortest ``repr`` (the wire text for any value of up to 15 significant digits). The two
sides are :class:`~.ladder.Ladder` instances keyed by price (bids) and negated price (asks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from krakenkit.protocol.book.ladder import Ladder
from krakenkit.protocol.errors import ProtocolError, SequenceGap

__all__ = ["FuturesOrderBook", "to_decimal"]

_MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, InvalidOperation)


def to_decimal(value: Any) -> Decimal:
    """A futures wire number as an exact Decimal (floats via ``repr``)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, float | int | str):
        raise ProtocolError(f"not a number: {value!r}")
    result = Decimal(repr(value) if isinstance(value, float) else value)
    if not result.is_finite():
        raise ProtocolError(f"not a finite number: {value!r}")
    return result


class FuturesOrderBook:
    """The book of one futures product (``PF_XBTUSD``), optionally truncated to ``depth``."""

    __slots__ = ("_asks", "_bids", "depth", "product_id", "seq")

    def __init__(self, product_id: str, depth: int | None = None) -> None:
        if depth is not None and depth < 1:
            raise ValueError(f"depth must be positive, not {depth}")
        self.product_id = product_id
        self.depth = depth
        #: ``seq`` of the last message applied; ``None`` until a snapshot arrives
        self.seq: int | None = None
        self._asks: Ladder[Decimal] = Ladder()
        self._bids: Ladder[Decimal] = Ladder()

    def apply(self, message: Mapping[str, Any]) -> None:
        """Apply a ``book_snapshot`` or ``book`` message; other feeds raise ProtocolError."""
        feed = message.get("feed")
        if feed == "book":
            self.apply_delta(message)
        elif feed == "book_snapshot":
            self.apply_snapshot(message)
        else:
            raise ProtocolError(f"not a futures book message: feed {feed!r}")

    def apply_snapshot(self, message: Mapping[str, Any]) -> None:
        """Replace the book with a ``book_snapshot`` and take its ``seq`` as the new origin."""
        try:
            self._check_product(message)
            seq = int(message["seq"])
            self.clear()
            self._load(self._bids, message["bids"], 1)
            self._load(self._asks, message["asks"], -1)
            self.seq = seq
        except _MALFORMED as exc:
            raise ProtocolError(f"malformed futures book snapshot: {exc!r}") from exc

    def apply_delta(self, message: Mapping[str, Any]) -> None:
        """Apply one ``book`` delta after checking its ``seq`` follows the last one exactly."""
        try:
            self._check_product(message)
            seq = int(message["seq"])
            if self.seq is None:
                raise ProtocolError(f"book delta for {self.product_id} before its snapshot")
            if seq != self.seq + 1:
                raise SequenceGap(feed=f"book {self.product_id}", expected=self.seq + 1, got=seq)
            side = message["side"]
            if side == "buy":
                ladder, sign = self._bids, 1
            elif side == "sell":
                ladder, sign = self._asks, -1
            else:
                raise ProtocolError(f"unknown book side {side!r}")
            self._set(ladder, sign * to_decimal(message["price"]), to_decimal(message["qty"]))
            self.seq = seq
        except _MALFORMED as exc:
            raise ProtocolError(f"malformed futures book delta: {exc!r}") from exc

    def _check_product(self, message: Mapping[str, Any]) -> None:
        if message["product_id"] != self.product_id:
            raise ProtocolError(
                f"book message for {message['product_id']!r} sent to {self.product_id!r} book"
            )

    def _load(
        self, ladder: Ladder[Decimal], levels: Iterable[Mapping[str, Any]], sign: int
    ) -> None:
        for level in levels:
            self._set(ladder, sign * to_decimal(level["price"]), to_decimal(level["qty"]))

    def _set(self, ladder: Ladder[Decimal], key: Decimal, qty: Decimal) -> None:
        if qty > 0:
            ladder.set(key, qty)
            if self.depth is not None:
                ladder.truncate(self.depth)
        elif qty == 0:
            ladder.discard(key)
        else:
            raise ProtocolError(f"negative quantity {qty} at {abs(key)}")

    def clear(self) -> None:
        """Forget every level and the sequence (the next message must be a snapshot)."""
        self._asks.clear()
        self._bids.clear()
        self.seq = None

    def asks(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Asks best (lowest) first as ``(price, qty)``."""
        qty = self._asks.qty
        return [(-key, qty[key]) for key in self._asks.best(count)]

    def bids(self, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Bids best (highest) first as ``(price, qty)``."""
        qty = self._bids.qty
        return [(key, qty[key]) for key in self._bids.best(count)]

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        top = self.asks(1)
        return top[0] if top else None

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        top = self.bids(1)
        return top[0] if top else None

    def spread(self) -> Decimal | None:
        """Best ask minus best bid, or ``None`` while a side is empty."""
        if not self._asks.keys or not self._bids.keys:
            return None
        return -self._asks.keys[-1] - self._bids.keys[-1]

    def __len__(self) -> int:
        """Price levels held on both sides together."""
        return len(self._asks.keys) + len(self._bids.keys)

    def __repr__(self) -> str:
        return (
            f"FuturesOrderBook({self.product_id!r}, seq={self.seq}, bids={len(self._bids.keys)}, "
            f"asks={len(self._asks.keys)})"
        )
