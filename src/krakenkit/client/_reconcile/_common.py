"""What every reconciliation plan shares: the plan type and value comparisons."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any

__all__ = ["OPEN", "Plan", "Query", "decimal", "given", "is_txid", "relative", "same"]

Query = tuple[str, dict[str, Any]]
#: Yields look-ups, receives their results, returns the call's answer or None (send again).
Plan = Generator[Query, Any, dict[str, Any] | None]

OPEN = ("open", "pending")


def given(value: object) -> bool:
    return value not in (None, "")


def is_txid(value: object) -> bool:
    """A txid, not a userref (EditOrder and AmendOrder also take an int userref)."""
    return isinstance(value, str) and value.strip() != "" and not value.lstrip("-").isdigit()


def decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def same(a: object, b: object) -> bool:
    x, y = decimal(a), decimal(b)
    return x is not None and x == y


def relative(value: object) -> bool:
    text = str(value).strip()
    return text[:1] in ("+", "-", "#") or text.endswith("%")
