"""The spot REST call counter, one per API key (protocol.md §8.1).

Every private REST call adds its cost (1; 2 for Ledgers, QueryLedgers and TradesHistory -- the
per-endpoint costs live in :mod:`krakenkit.protocol.endpoints`); order calls are not counted here
but on the trading counter. Master and subaccounts share tier limits. Kraken refuses with
``EAPI:Rate limit exceeded`` and may keep refusing "for a few seconds or longer if calls
continue"; that extra lock-out is undocumented and not modelled: a refused call charges nothing.
"""

from __future__ import annotations

from typing import ClassVar

from krakenkit.protocol.ratelimit.counter import CounterState, DecayingCounter
from krakenkit.protocol.ratelimit.tiers import SpotRestLimits, SpotTier

__all__ = ["SpotRestCounter", "spot_rest_counter"]


class SpotRestCounter(DecayingCounter):
    """The REST counter of one key: ``SpotRestCounter(SpotTier.PRO)``, ``("starter")`` or custom
    :class:`SpotRestLimits`."""

    rejection: ClassVar[str] = "EAPI:Rate limit exceeded"

    __slots__ = ("limits",)

    def __init__(
        self, limits: SpotRestLimits | SpotTier | str, *, state: CounterState | None = None
    ) -> None:
        self.limits = limits if isinstance(limits, SpotRestLimits) else SpotTier(limits).rest
        super().__init__(self.limits.max_counter, self.limits.decay_per_s, state=state)


def spot_rest_counter(tier: SpotRestLimits | SpotTier | str) -> SpotRestCounter:
    """Same as ``SpotRestCounter(tier)``; kept for callers written against the first version."""
    return SpotRestCounter(tier)
