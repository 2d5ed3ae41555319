"""Kraken's spot verification tiers and the limits each one gets (protocol.md §8.1, §8.2).

A tier sets two independent limits: the per-key REST call counter and the per-pair
trading-engine counter with its open-order cap. Both are plain dataclasses so tests and the
emulator can configure small custom tiers; :class:`SpotTier` maps Kraken's names to the
documented numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["SpotRestLimits", "SpotTier", "TradingLimits"]


@dataclass(frozen=True, slots=True)
class SpotRestLimits:
    """The per-key REST call counter: its ceiling and how fast it decays (§8.1)."""

    max_counter: float
    decay_per_s: float

    def __post_init__(self) -> None:
        if self.max_counter <= 0 or self.decay_per_s <= 0:
            raise ValueError("max_counter and decay_per_s must be positive")


@dataclass(frozen=True, slots=True)
class TradingLimits:
    """The per-pair trading-engine counter and open-order cap (§8.2)."""

    threshold: float
    decay_per_s: float
    max_open_orders: int

    def __post_init__(self) -> None:
        if self.threshold <= 0 or self.decay_per_s <= 0 or self.max_open_orders <= 0:
            raise ValueError("threshold, decay_per_s and max_open_orders must be positive")


class SpotTier(Enum):
    """Kraken's verification tiers; ``SpotTier("pro")`` accepts the lower-case names."""

    STARTER = "starter"
    INTERMEDIATE = "intermediate"
    PRO = "pro"

    @property
    def rest(self) -> SpotRestLimits:
        return _REST[self]

    @property
    def trading(self) -> TradingLimits:
        return _TRADING[self]


_REST = {
    SpotTier.STARTER: SpotRestLimits(15, 0.33),
    SpotTier.INTERMEDIATE: SpotRestLimits(20, 0.5),
    SpotTier.PRO: SpotRestLimits(20, 1.0),
}
_TRADING = {
    SpotTier.STARTER: TradingLimits(60, 1.0, 60),
    SpotTier.INTERMEDIATE: TradingLimits(125, 2.34, 80),
    SpotTier.PRO: TradingLimits(180, 3.75, 225),
}
