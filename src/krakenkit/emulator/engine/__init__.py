"""The emulator's matching engine (see :mod:`.core`)."""

from krakenkit.emulator.engine.core import Engine, reject
from krakenkit.emulator.engine.events import (
    Event,
    FillEvent,
    LedgerEvent,
    LevelEvent,
    OrderEvent,
    TradeEvent,
)
from krakenkit.emulator.engine.orders import (
    CloseSpec,
    Fill,
    Order,
    OrderRequest,
    PriceSpec,
    PublicTrade,
)

__all__ = [
    "CloseSpec",
    "Engine",
    "Event",
    "Fill",
    "FillEvent",
    "LedgerEvent",
    "LevelEvent",
    "Order",
    "OrderEvent",
    "OrderRequest",
    "PriceSpec",
    "PublicTrade",
    "TradeEvent",
    "reject",
]
