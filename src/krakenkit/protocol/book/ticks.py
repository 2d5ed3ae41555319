"""Exact conversion between wire numbers and integer ticks.

The book stores every price and quantity as an integer count of the instrument's smallest step
(``price x 10**price_decimals``). Integers sort by plain comparison, never round, and their decimal
digits *are* the text Kraken's CRC32 checksum hashes (§6: drop the ``.``, strip leading zeros), so
nothing has to be re-rendered to validate a book.

Wire values come in four shapes and each is converted exactly or refused:

* ``str`` (v1, and v2 decoded as text): digit arithmetic, no rounding at all.
* ``Decimal`` (v2 decoded with ``parse_float=Decimal``): exact scaling.
* ``int``: exact.
* ``float`` (v2 decoded by ``json``/``orjson`` defaults): a double holds about 15.95 significant
  decimal digits. For a wire value with at most 15 significant digits the nearest double ``x``
  satisfies ``round(x * 10**d) == ticks`` whenever ``ticks < 10**15``: the relative error of
  ``x * 10**d`` is below ``2**-52``, so the absolute error stays under 0.23. At or above
  ``10**15`` ticks the shortest ``repr`` of the double is used instead, which reproduces the wire
  text exactly whenever that text had at most 15 significant digits; a ``repr`` with more digits
  means the float may already have lost information, so :class:`ProtocolError` is raised and the
  caller should decode with ``parse_float=Decimal``. All values in the recorded captures are far
  inside the fast, exact range.

A value with more fraction digits than the book's precision (other than trailing zeros) is refused
when it arrives as ``str``/``Decimal``; for floats the fast path rounds silently, and the checksum
then catches the wrong precision.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from krakenkit.protocol.errors import ProtocolError

__all__ = [
    "FLOAT_FAST_LIMIT",
    "WireNumber",
    "format_ticks",
    "str_decimals",
    "ticks_to_decimal",
    "to_ticks",
]

#: A number as a decoded WebSocket message may carry it.
WireNumber = str | float | int | Decimal

#: Below this many ticks ``round(x * 10**d)`` is exact for any float from <= 15 significant digits.
FLOAT_FAST_LIMIT = 10**15

_MAX_FLOAT_DIGITS = 15


def format_ticks(ticks: int, decimals: int) -> str:
    """Render ``ticks`` with exactly ``decimals`` fraction digits: ``format_ticks(2712000, 2)``
    is ``"27120.00"`` (the text Kraken puts on the wire for that precision)."""
    if decimals <= 0:
        return str(ticks * 10**-decimals) if decimals < 0 else str(ticks)
    sign = "-" if ticks < 0 else ""
    digits = str(abs(ticks)).rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def ticks_to_decimal(ticks: int, decimals: int) -> Decimal:
    """The exact Decimal for ``ticks``, keeping ``decimals`` fraction digits (``27120.00000``)."""
    return Decimal(f"{ticks}E-{decimals}") if decimals else Decimal(ticks)


def str_decimals(text: str) -> int:
    """How many fraction digits a decimal string carries (``"0.00000500"`` -> 8, ``"12"`` -> 0)."""
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def _str_ticks(text: str, decimals: int) -> int:
    whole, _, frac = text.strip().partition(".")
    if not whole.lstrip("+-") and not frac:
        raise ProtocolError(f"not a decimal number: {text!r}")
    if len(frac) > decimals:
        extra = frac[decimals:]
        if extra.strip("0"):
            raise ProtocolError(f"{text!r} has more than {decimals} decimals")
        frac = frac[:decimals]
    digits = whole + frac.ljust(decimals, "0")
    body = digits.lstrip("+-")
    if not (body.isascii() and body.isdigit()):
        raise ProtocolError(f"not a decimal number: {text!r}")
    return int(digits)


def _decimal_ticks(value: Decimal, decimals: int) -> int:
    if not value.is_finite():
        raise ProtocolError(f"not a finite number: {value!r}")
    try:
        scaled = value.scaleb(decimals)
        ticks = int(scaled)
    except (InvalidOperation, OverflowError) as exc:  # pragma: no cover - absurd magnitudes
        raise ProtocolError(f"cannot scale {value!r}") from exc
    if scaled != ticks:
        raise ProtocolError(f"{value} has more than {decimals} decimals")
    return ticks


def _float_ticks(value: float, decimals: int) -> int:
    if not math.isfinite(value):
        raise ProtocolError(f"not a finite number: {value!r}")
    scale: int = 10**decimals
    ticks = round(value * scale)
    if -FLOAT_FAST_LIMIT < ticks < FLOAT_FAST_LIMIT:
        return ticks
    text = repr(value)
    exact = Decimal(text)
    if len(exact.normalize().as_tuple().digits) > _MAX_FLOAT_DIGITS:
        raise ProtocolError(
            f"{text} exceeds what a float carries exactly; decode with parse_float=Decimal"
        )
    return _decimal_ticks(exact, decimals)


def to_ticks(value: WireNumber, decimals: int) -> int:
    """Exact integer ticks of a wire number at ``decimals`` (see the module docstring for floats).

    Raises :class:`ProtocolError` for anything that is not a number at that precision.
    """
    if isinstance(value, float):
        return _float_ticks(value, decimals)
    if isinstance(value, str):
        return _str_ticks(value, decimals)
    if isinstance(value, bool):
        raise ProtocolError(f"not a number: {value!r}")
    if isinstance(value, int):
        scale: int = 10**decimals
        return value * scale
    if isinstance(value, Decimal):
        return _decimal_ticks(value, decimals)
    raise ProtocolError(f"not a number: {value!r}")
