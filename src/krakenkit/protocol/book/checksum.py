"""Kraken's order book CRC32, computed from integer ticks.

Kraken hashes the ten best asks (lowest price first) and then the ten best bids (highest first);
each level contributes its price text and then its quantity text, both rendered at the pair's
precision with the ``.`` removed and leading zeros stripped (protocol.md §6). A value rendered with
exactly ``d`` decimals, stripped of its dot and leading zeros, is precisely ``str(ticks)`` -- so
from integer ticks the checksum needs no decimals and no formatting at all. That is why these
functions take ticks only: the book, the emulator (which must send the checksum of what it
renders) and the tests all compute the same text the same way.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from itertools import islice

__all__ = ["CHECKSUM_LEVELS", "checksum_text", "crc32_checksum", "level_text"]

#: Levels per side that enter the checksum, whatever the subscribed depth.
CHECKSUM_LEVELS = 10

TickLevel = tuple[int, int]


def level_text(price_ticks: int, qty_ticks: int) -> str:
    """One level's text: ``level_text(5000, 304)`` is ``"5000304"`` (0.05000 / 0.00000304)."""
    return f"{price_ticks}{qty_ticks}"


def checksum_text(asks: Iterable[TickLevel], bids: Iterable[TickLevel]) -> str:
    """The string Kraken hashes, from ``(price_ticks, qty_ticks)`` levels given best first.

    Only the first :data:`CHECKSUM_LEVELS` of each side are used.
    """
    top_asks = islice(asks, CHECKSUM_LEVELS)
    top_bids = islice(bids, CHECKSUM_LEVELS)
    return "".join([f"{p}{q}" for p, q in top_asks] + [f"{p}{q}" for p, q in top_bids])


def crc32_checksum(asks: Iterable[TickLevel], bids: Iterable[TickLevel]) -> int:
    """Kraken's unsigned CRC32 of ``(price_ticks, qty_ticks)`` levels given best first."""
    return zlib.crc32(checksum_text(asks, bids).encode("ascii"))
