"""A blocking front for scripts: :class:`SyncSpotWebSocket` runs a :class:`SpotWebSocket` on its
own event loop in a background thread.

::

    with SyncSpotWebSocket(api_key=key, api_secret=secret) as ws:
        ws.subscribe("book", ["BTC/USD"], depth=10)
        for msg in ws:                              # blocks until the next message
            if isinstance(msg, BookSynced):
                bids, asks = ws.levels("BTC/USD", 5)
                break
        ws.add_order(order_type="limit", side="buy", order_qty=Decimal("0.01"),
                     symbol="BTC/USD", limit_price=Decimal("50000"))

Every method takes the same arguments as its async twin and blocks until it is done. Messages
are queued by the loop thread and handed out by iteration or :meth:`SyncSpotWebSocket.recv`.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Coroutine, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

from krakenkit.client._ws_events import StreamItem
from krakenkit.client.websocket import SpotWebSocket
from krakenkit.protocol.book import OrderBook
from krakenkit.protocol.errors import TransportError
from krakenkit.protocol.ws_messages import Response

__all__ = ["SyncSpotWebSocket"]

T = TypeVar("T")
Levels = list[tuple[Decimal, Decimal]]


class SyncSpotWebSocket:
    """:class:`SpotWebSocket` for code without an event loop (arguments: see that class)."""

    def __init__(self, url: str | None = None, **options: Any) -> None:
        if "stream" in options:
            raise TypeError("SyncSpotWebSocket always streams (iterate it or call recv)")
        self._url = url
        self._options = options
        self._callback = options.pop("on_message", None)
        self._items: queue.Queue[StreamItem | None] = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="krakenkit-websocket", daemon=True
        )
        self._ws: SpotWebSocket | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> SyncSpotWebSocket:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        self._thread.start()

        async def start() -> SpotWebSocket:
            ws = SpotWebSocket(self._url, on_message=self._collect, stream=False, **self._options)
            await ws.connect()
            return ws

        try:
            self._ws = self._run(start())
        except BaseException:
            self._stop_loop()
            raise

    def close(self) -> None:
        if self._ws is not None:
            self._run(self._ws.aclose())
            self._ws = None
        self._items.put(None)
        self._stop_loop()

    def _stop_loop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        if not self._loop.is_closed():
            self._loop.close()

    def _collect(self, item: StreamItem) -> object:
        self._items.put(item)
        return self._callback(item) if self._callback is not None else None

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    @property
    def client(self) -> SpotWebSocket:
        """The async client underneath (use only from its loop's thread)."""
        if self._ws is None:
            raise RuntimeError("not connected: use `with SyncSpotWebSocket(...)` or connect()")
        return self._ws

    # -- the stream --------------------------------------------------------------------------

    def __iter__(self) -> SyncSpotWebSocket:
        return self

    def __next__(self) -> StreamItem:
        item = self._items.get()
        if item is None:
            self._items.put(None)
            raise StopIteration
        return item

    def recv(self, timeout: float | None = None) -> StreamItem:
        """The next item; ``queue.Empty`` after ``timeout`` seconds."""
        item = self._items.get(timeout=timeout)
        if item is None:
            self._items.put(None)
            raise TransportError("the client is closed")
        return item

    # -- subscriptions and books -------------------------------------------------------------

    def subscribe(self, channel: str, symbols: Sequence[str] | None = None, **options: Any) -> None:
        self._run(self.client.subscribe(channel, symbols, **options))

    def unsubscribe(
        self, channel: str, symbols: Sequence[str] | None = None, **options: Any
    ) -> None:
        self._run(self.client.unsubscribe(channel, symbols, **options))

    def wait_book(self, symbol: str, timeout: float | None = None) -> None:
        self._run(self.client.wait_book(symbol, timeout))

    def book(self, symbol: str) -> OrderBook:
        """The live book: the loop thread keeps changing it; :meth:`levels` reads consistently."""
        return self.client.book(symbol)

    def levels(self, symbol: str, count: int | None = None) -> tuple[Levels, Levels]:
        """``(bids, asks)`` of ``symbol``'s book, read on the loop thread between messages."""

        async def read() -> tuple[Levels, Levels]:
            book = self.client.book(symbol)
            return book.bids(count), book.asks(count)

        return self._run(read())

    def request(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self._run(self.client.request(method, params, **kw))

    # -- trading -----------------------------------------------------------------------------

    def add_order(self, **params: Any) -> Response:
        return self._run(self.client.add_order(**params))

    def amend_order(self, **params: Any) -> Response:
        return self._run(self.client.amend_order(**params))

    def edit_order(self, **params: Any) -> Response:
        return self._run(self.client.edit_order(**params))

    def cancel_order(self, **params: Any) -> list[Response]:
        return self._run(self.client.cancel_order(**params))

    def cancel_all(self) -> Response:
        return self._run(self.client.cancel_all())

    def cancel_all_orders_after(self, timeout: int) -> Response:
        return self._run(self.client.cancel_all_orders_after(timeout))

    def batch_add(self, **params: Any) -> Response:
        return self._run(self.client.batch_add(**params))

    def batch_cancel(self, **params: Any) -> Response:
        return self._run(self.client.batch_cancel(**params))
