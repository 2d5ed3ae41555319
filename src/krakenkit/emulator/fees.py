"""Maker and taker fees from a pair's AssetPairs fee tiers and an account's 30-day volume.

Tiers are ``(volume, percent)`` rows, ascending; an account pays the percent of the last row whose
volume it has reached. Fees are rounded to the decimals of the asset they are charged in, half up,
so what a fill takes from one account is exactly what the fee pool receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from krakenkit.protocol.assets import FeeTier, PairInfo

__all__ = ["FeeSchedule", "fee_percent", "quantize"]

_HUNDRED = Decimal(100)


_QUANTA = {d: Decimal(1).scaleb(-d) for d in range(19)}


def quantize(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places."""
    quantum = _QUANTA.get(decimals) or Decimal(1).scaleb(-decimals)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def fee_percent(tiers: Sequence[FeeTier], volume: Decimal) -> Decimal:
    """The percent of the highest tier ``volume`` has reached (0 with no tiers)."""
    percent = Decimal(0)
    for threshold, value in tiers:
        if volume >= threshold:
            percent = value
        else:
            break
    return percent


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Where an account stands on one pair's tiers (TradeVolume's ``fees`` entries)."""

    fee: Decimal
    minfee: Decimal
    maxfee: Decimal
    nextfee: Decimal | None
    nextvolume: Decimal | None
    tiervolume: Decimal

    @classmethod
    def of(cls, tiers: Sequence[FeeTier], volume: Decimal) -> FeeSchedule:
        current = fee_percent(tiers, volume)
        tiervolume = Decimal(0)
        nextfee = nextvolume = None
        for threshold, value in tiers:
            if volume >= threshold:
                tiervolume = threshold
            elif nextvolume is None:
                nextfee, nextvolume = value, threshold
        percents = [value for _, value in tiers] or [Decimal(0)]
        return cls(current, min(percents), max(percents), nextfee, nextvolume, tiervolume)


def rate(pair: PairInfo, volume: Decimal, *, maker: bool) -> Decimal:
    """The fee as a fraction (0.0026 for 0.26 %)."""
    return fee_percent(pair.fees_maker if maker else pair.fees, volume) / _HUNDRED
