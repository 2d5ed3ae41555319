"""krakenkit: a Python toolkit for trading on Kraken.

Spot and futures clients (REST and WebSocket, sync and async), a command line, and a local
Kraken-compatible exchange (the emulator) that speaks Kraken's real wire protocols.
"""

from krakenkit.client import AsyncSpotClient, SpotClient, SpotWebSocket, SyncSpotWebSocket
from krakenkit.protocol.book import FuturesOrderBook, OrderBook
from krakenkit.protocol.errors import ChecksumMismatch, KrakenError, SequenceGap

__version__ = "0.1.0"

__all__ = [
    "AsyncSpotClient",
    "ChecksumMismatch",
    "FuturesOrderBook",
    "KrakenError",
    "OrderBook",
    "SequenceGap",
    "SpotClient",
    "SpotWebSocket",
    "SyncSpotWebSocket",
    "__version__",
]
