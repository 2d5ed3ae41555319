"""Text for the WebSocket feeds: exact numbers, Kraken's timestamps, one JSON encoder.

v2 feeds carry prices and quantities as JSON *numbers* rendered at the instrument's precision
(``"qty": 0.00100000``), because Kraken's checksum is computed over exactly those digits and
Decimal-parsing clients must see them. orjson cannot write a number with trailing zeros, so a
:class:`~decimal.Decimal` is written through a marker: the encoder turns it into a string wrapped
in NUL characters, and :func:`dumps` removes the quotes and markers again. Nothing else in our
payloads contains a NUL.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["dumps", "iso", "quantize", "v1_time"]

_MARK_OPEN = b'"\\u0000'
_MARK_CLOSE = b'\\u0000"'
_QUANTA: dict[int, Decimal] = {}


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return f"\x00{value:f}\x00"
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(payload: Any) -> str:
    """JSON text; every Decimal becomes a bare number with exactly its own digits."""
    raw = orjson.dumps(payload, default=_default)
    if b"\\u0000" in raw:
        raw = raw.replace(_MARK_OPEN, b"").replace(_MARK_CLOSE, b"")
    return raw.decode()


def quantize(value: Decimal | int, decimals: int) -> Decimal:
    """``value`` with exactly ``decimals`` digits after the point (for v2 numbers)."""
    quantum = _QUANTA.get(decimals)
    if quantum is None:
        quantum = _QUANTA[decimals] = Decimal(1).scaleb(-decimals)
    return Decimal(value).quantize(quantum)


def iso(ts: float) -> str:
    """RFC 3339 with microseconds, as v2 writes times: ``2023-09-25T09:04:31.742648Z``."""
    whole = int(ts)
    micros = round((ts - whole) * 1_000_000)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}Z"


def v1_time(ts: float) -> str:
    """v1's seconds with six decimals: ``"1693415330.621700"``."""
    return f"{ts:.6f}"
