"""L2 order books for Kraken's feeds: spot v1/v2 with CRC32 checksums, futures with sequences.

Everything here is pure: messages in, state and exceptions out. The package is split by what each
module holds -- :mod:`.ticks` (exact wire number <-> integer conversion), :mod:`.checksum` (the
CRC32 text, shared with the emulator), :mod:`.ladder` (one sorted side), :mod:`.spot`
(:class:`OrderBook`) and :mod:`.futures` (:class:`FuturesOrderBook`).
"""

from __future__ import annotations

from krakenkit.protocol.book.checksum import (
    CHECKSUM_LEVELS,
    checksum_text,
    crc32_checksum,
    level_text,
)
from krakenkit.protocol.book.futures import FuturesOrderBook
from krakenkit.protocol.book.spot import OrderBook
from krakenkit.protocol.book.ticks import format_ticks, ticks_to_decimal, to_ticks

__all__ = [
    "CHECKSUM_LEVELS",
    "FuturesOrderBook",
    "OrderBook",
    "checksum_text",
    "crc32_checksum",
    "format_ticks",
    "level_text",
    "ticks_to_decimal",
    "to_ticks",
]
