"""The I/O layer: spot REST clients over httpx, sync and async, on the pure ``protocol`` core.

::

    from krakenkit import SpotClient

    with SpotClient(key, secret) as kraken:            # base_url="live" by default
        kraken.add_order(pair="BTC/USD", type="buy", ordertype="limit",
                         volume=Decimal("0.01"), price=Decimal("50000"), cl_ord_id="bot-1")

    async with AsyncSpotClient(key, secret, base_url=emulator.url) as kraken:
        balances = Balance.all(await kraken.balance_ex())
"""

from krakenkit.client._pacing import Pacer
from krakenkit.client._retry import RetryPolicy
from krakenkit.client._ws_backoff import ConnectLimiter
from krakenkit.client._ws_events import BookStale, BookSynced, Connected, Disconnected
from krakenkit.client.models import (
    Balance,
    BookLevel,
    Candle,
    Order,
    PublicTrade,
    Ticker,
    Trade,
)
from krakenkit.client.spot import SPOT_METHODS, AsyncSpotClient, SpotClient
from krakenkit.client.websocket import SpotWebSocket
from krakenkit.client.websocket_sync import SyncSpotWebSocket

__all__ = [
    "SPOT_METHODS",
    "AsyncSpotClient",
    "Balance",
    "BookLevel",
    "BookStale",
    "BookSynced",
    "Candle",
    "ConnectLimiter",
    "Connected",
    "Disconnected",
    "Order",
    "Pacer",
    "PublicTrade",
    "RetryPolicy",
    "SpotClient",
    "SpotWebSocket",
    "SyncSpotWebSocket",
    "Ticker",
    "Trade",
]
