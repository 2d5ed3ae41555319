"""What the engine tells its listeners (WebSocket feeds, the market data recorder).

Listeners are called synchronously, in order, right after the state they describe has changed;
they must not call back into the engine. The store does not listen: it reads the engine's dirty
sets at commit time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from krakenkit.emulator.accounts import LedgerEntry
from krakenkit.emulator.engine.orders import Fill, Order, PublicTrade

__all__ = ["Event", "FillEvent", "LedgerEvent", "LevelEvent", "OrderEvent", "TradeEvent"]


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order was created or changed; ``kind`` says how (new, triggered, amended, fill,
    closed, canceled, expired, pending)."""

    order: Order
    kind: str


@dataclass(frozen=True, slots=True)
class FillEvent:
    fill: Fill


@dataclass(frozen=True, slots=True)
class TradeEvent:
    trade: PublicTrade


@dataclass(frozen=True, slots=True)
class LevelEvent:
    """The displayed quantity at ``price`` on ``side`` of ``pair_id`` changed (maybe to zero)."""

    pair_id: str
    side: str  # "buy" (bids) | "sell" (asks)
    price: Decimal


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    entry: LedgerEntry


Event = OrderEvent | FillEvent | TradeEvent | LevelEvent | LedgerEvent
