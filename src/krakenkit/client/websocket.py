"""The streaming spot client: :class:`SpotWebSocket` (v2 by default, ``version="v1"`` too).

::

    async with SpotWebSocket(api_key=key, api_secret=secret) as ws:
        await ws.subscribe("book", ["BTC/USD"], depth=10)
        await ws.subscribe("executions")                  # token fetched over REST for you
        async for msg in ws:                              # Kraken's messages and client events
            if isinstance(msg, BookSynced):
                print(ws.book("BTC/USD").best_bid())
        await ws.add_order(order_type="limit", side="buy", order_qty=Decimal("0.01"),
                           symbol="BTC/USD", limit_price=Decimal("50000"))

What it keeps doing behind the stream:

* **Local books.** Every ``book`` subscription keeps a :class:`~krakenkit.OrderBook` per symbol
  (:meth:`SpotWebSocket.book`), checked against every checksum. v2 precision comes from the
  instrument channel (read once, or pass ``precision=``). On a checksum mismatch the symbol is
  unsubscribed and subscribed again; :class:`BookStale` and then :class:`BookSynced` say so.
* **Reconnection.** A lost connection -- closed, or silent for ``heartbeat_timeout`` seconds
  although pings are sent -- is opened again after a full-jitter backoff, within Kraken's limit on
  connection attempts (:class:`ConnectLimiter`, shared by the process), and every subscription is
  restored (private ones with a fresh token when the old one is too old to be first used).
  :class:`Disconnected` and :class:`Connected` (``reconnect=True``) frame the gap.
* **Correlation.** Requests carry fresh request ids; each call returns its own answers.

Callbacks: ``on_message`` is called with every stream item, in the reading task (keep it quick;
a coroutine it returns is scheduled as a task). ``stream=False`` when only callbacks and books are
used, so nothing queues up.

v1 (``version="v1"``, URL ``ws://H:P/`` on the emulator) supports subscriptions (pairs by wsname:
``XBT/USD``), books and private ``ownTrades``/``openOrders``; its trading events go through
:meth:`SpotWebSocket.request` (``await ws.request("addOrder", {...}, token=True)``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from krakenkit.client._ws_backoff import CONNECT_LIMITER, ConnectLimiter, backoff_delays
from krakenkit.client._ws_books import LocalBooks
from krakenkit.client._ws_events import (
    BookStale,
    BookSynced,
    ClientEvent,
    Connected,
    Disconnected,
    StreamItem,
)
from krakenkit.client._ws_token import TokenKeeper
from krakenkit.client._ws_trading import WsTradingMethods
from krakenkit.protocol import ws_v1, ws_v2
from krakenkit.protocol.book import OrderBook
from krakenkit.protocol.errors import (
    AuthenticationError,
    ConnectError,
    KrakenError,
    ProtocolError,
    RequestTimeout,
    TransportError,
    classify,
)
from krakenkit.protocol.ws_messages import (
    ChannelMessage,
    Heartbeat,
    Pong,
    Response,
    Status,
    dumps,
    loads,
)
from krakenkit.protocol.ws_requests import (
    Correlator,
    RequestIds,
    Subscription,
    Subscriptions,
    WsCodec,
)

__all__ = ["SpotWebSocket"]

log = logging.getLogger("krakenkit.websocket")

_ALREADY = "Already subscribed"


def _failure(answers: Sequence[Response], path: str) -> KrakenError | None:
    failed = [a for a in answers if not a.success]
    if not failed:
        return None
    errors = [a.error or "EGeneral:Unknown error" for a in failed]
    return classify(errors[0])(errors[0], path=path, errors=errors)


class SpotWebSocket(WsTradingMethods):
    """A Kraken spot WebSocket connection that stays connected (see the module docstring)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        rest_url: str = "live",
        version: Literal["v1", "v2"] = "v2",
        on_message: Callable[[StreamItem], object] | None = None,
        stream: bool = True,
        heartbeats: bool = False,
        heartbeat_timeout: float = 10.0,
        request_timeout: float = 10.0,
        open_timeout: float = 10.0,
        backoff: Callable[[], Iterator[float]] = backoff_delays,
        stable_after: float = 30.0,
        limiter: ConnectLimiter = CONNECT_LIMITER,
        precision: Mapping[str, tuple[int, int]] | None = None,
        max_queue: int = 100_000,
    ) -> None:
        if (api_key is None) != (api_secret is None):
            raise AuthenticationError("give both the API key and its secret, or neither")
        if version not in ("v1", "v2"):
            raise ValueError(f"version must be 'v1' or 'v2', not {version!r}")
        module = ws_v2 if version == "v2" else ws_v1
        private = api_key is not None
        self.url = url or (module.AUTH_URL if private else module.URL)
        self.version = version
        self._codec: WsCodec = ws_v2.V2Codec() if version == "v2" else ws_v1.V1Codec()
        self._tokens = (
            TokenKeeper(api_key, api_secret, rest_url)
            if api_key is not None and api_secret is not None
            else None
        )
        self._on_message = on_message
        self._stream = stream
        self._heartbeats = heartbeats
        self.heartbeat_timeout = heartbeat_timeout
        self.request_timeout = request_timeout
        self.open_timeout = open_timeout
        self._backoff = backoff
        self._stable_after = stable_after
        self._limiter = limiter
        self._queue: asyncio.Queue[StreamItem | None] = asyncio.Queue()
        self._max_queue = max_queue
        self.dropped = 0  # stream items dropped because nobody read them
        self._ids = RequestIds(int(time.time() * 1000) % 1_000_000_000)
        self._correlator = Correlator()
        self._pending: dict[int, asyncio.Future[list[Response]]] = {}
        self._subs = Subscriptions()
        self._books = LocalBooks(version)
        self._books.precision.update(precision or {})
        self._book_ready: dict[str, asyncio.Event] = {}
        self._resyncing: set[str] = set()
        self._instruments = asyncio.Event()
        self._ready = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._generation = 0
        self._closing = False
        self._run_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.system_status: str | None = None

    def __repr__(self) -> str:
        return f"SpotWebSocket({self.url!r}, version={self.version!r}, connected={self.connected})"

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Connected with every subscription restored."""
        return self._ready.is_set()

    @property
    def tokens_fetched(self) -> int:
        return self._tokens.fetched if self._tokens is not None else 0

    async def __aenter__(self) -> SpotWebSocket:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Open the connection; raises :class:`ConnectError` if the first attempt fails."""
        if self._run_task is not None:
            raise RuntimeError("already connected")
        first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._run_task = asyncio.create_task(self._run(first))
        try:
            await first
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
        if self._run_task is not None:
            self._run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._run_task
        for task in list(self._tasks):
            task.cancel()
        self._fail_pending(TransportError("the client was closed"))
        self._ready.clear()
        self._queue.put_nowait(None)
        if self._tokens is not None:
            await self._tokens.aclose()

    # -- the stream --------------------------------------------------------------------------

    def __aiter__(self) -> SpotWebSocket:
        return self

    async def __anext__(self) -> StreamItem:
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # every later read ends too
            raise StopAsyncIteration
        return item

    async def recv(self, timeout: float | None = None) -> StreamItem:
        """The next stream item; ``TimeoutError`` after ``timeout`` seconds."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    def _emit(self, item: StreamItem) -> None:
        if self._on_message is not None:
            try:
                result = self._on_message(item)
                if asyncio.iscoroutine(result):
                    self._spawn(result)
            except Exception:
                log.exception("on_message callback failed")
        if not self._stream:
            return
        if self._queue.qsize() >= self._max_queue:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(item)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- books -------------------------------------------------------------------------------

    def book(self, symbol: str) -> OrderBook:
        """The local book of a subscribed symbol (empty until its snapshot arrives)."""
        book = self._books.get(symbol)
        if book is None:
            raise KeyError(f"no book subscription for {symbol!r}")
        return book

    def book_synced(self, symbol: str) -> bool:
        return self._books.is_synced(symbol)

    async def wait_book(self, symbol: str, timeout: float | None = None) -> OrderBook:
        """The book of ``symbol`` once it holds a snapshot."""
        event = self._book_ready.setdefault(symbol, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout or self.request_timeout)
        return self.book(symbol)

    async def _ensure_precision(self, symbols: Sequence[str]) -> None:
        """Read the instrument channel once when a v2 book's precision is not known yet."""
        if self.version != "v2" or all(s in self._books.precision for s in symbols):
            return
        if self._subs.has("instrument"):
            return  # already streaming: what it does not know the server will refuse
        await self._wait_ready()
        self._instruments.clear()
        sub = Subscription.of("instrument", [], {"snapshot": True})
        failure = _failure(await self._send_subscribe(sub), "subscribe")
        if failure is not None:
            raise failure
        try:
            await asyncio.wait_for(self._instruments.wait(), self.request_timeout)
        finally:
            with contextlib.suppress(KrakenError):
                await self._send_subscribe(sub, unsubscribe=True)

    def _on_book_event(self, event: ClientEvent) -> None:
        self._emit(event)
        if isinstance(event, BookSynced):
            self._book_ready.setdefault(event.symbol, asyncio.Event()).set()
        elif isinstance(event, BookStale):
            self._book_ready.setdefault(event.symbol, asyncio.Event()).clear()
            if event.reason != "disconnected" and event.symbol not in self._resyncing:
                self._resyncing.add(event.symbol)
                self._spawn(self._resync(event.symbol))

    async def _resync(self, symbol: str) -> None:
        """Unsubscribe and subscribe one book symbol again: a fresh snapshot."""
        try:
            sub = self._subs.find("book", symbol)
            if sub is None or not self.connected:
                return  # gone, or a reconnect will restore it anyway
            log.warning("book %s out of sync: resubscribing", symbol)
            await self._send_subscribe(sub, unsubscribe=True)
            await self._send_subscribe(sub)
        except KrakenError as exc:
            log.warning("resync of %s failed (%s); the next reconnect restores it", symbol, exc)
        finally:
            self._resyncing.discard(symbol)

    # -- subscriptions -----------------------------------------------------------------------

    async def subscribe(
        self, channel: str, symbols: Sequence[str] | None = None, **options: Any
    ) -> None:
        """Subscribe ``channel`` (for ``symbols``); kept and restored after every reconnect.

        ``options`` are the protocol's own (v2: ``depth``, ``interval``, ``snapshot``,
        ``snap_trades``, ...; v1: ``depth``, ``interval``, ...). Private channels get a token.
        Raises the classified error if Kraken refuses (the refused symbols are not kept).
        """
        names = list(symbols or ())
        if channel == "book":
            await self._ensure_precision(names)
            depth = int(options.get("depth", 10))
            for symbol in names:
                self._books.track(symbol, depth)
                self._book_ready.setdefault(symbol, asyncio.Event()).clear()
        self._subs.add(channel, names, options)
        await self._wait_ready()
        answers = await self._send_subscribe(Subscription.of(channel, names, options))
        refused = [a for a in answers if not a.success and _ALREADY not in (a.error or "")]
        if refused:
            whole = any(a.symbol is None for a in refused)
            gone = names if whole else [a.symbol for a in refused if a.symbol]
            self._subs.remove(channel, gone, options)
            if channel == "book":
                for symbol in gone:
                    self._books.forget(symbol)
            failure = _failure(refused, "subscribe")
            assert failure is not None
            raise failure

    async def unsubscribe(
        self, channel: str, symbols: Sequence[str] | None = None, **options: Any
    ) -> None:
        """Undo :meth:`subscribe` (same channel, symbols and options)."""
        names = list(symbols or ())
        self._subs.remove(channel, names, options)
        if channel == "book":
            for symbol in names:
                self._books.forget(symbol)
        await self._wait_ready()
        answers = await self._send_subscribe(
            Subscription.of(channel, names, options), unsubscribe=True
        )
        failure = _failure(answers, "unsubscribe")
        if failure is not None:
            raise failure

    async def _send_subscribe(
        self, sub: Subscription, *, unsubscribe: bool = False
    ) -> list[Response]:
        token = None
        if sub.channel in self._codec.private_channels:
            token = await self._token()
        request, count = self._codec.subscribe(
            sub.channel,
            sub.symbols,
            sub.params(),
            self._ids(),
            token=token,
            unsubscribe=unsubscribe,
        )
        return await self._request(request, count)

    async def _token(self) -> str:
        if self._tokens is None:
            raise AuthenticationError("private channels and trading need api_key and api_secret")
        return await self._tokens.token(self._generation)

    async def _restore(self) -> None:
        """Subscribe everything again on a new connection (failures are reported, not raised)."""
        for sub in self._subs:
            for answer in await self._send_subscribe(sub):
                if not answer.success:
                    log.warning("restoring %s failed: %s", sub.channel, answer.error)
                    self._emit(answer)

    # -- requests ----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        token: bool = False,
        answers: int | None = None,
        itemised_errors: bool = False,
    ) -> list[Response]:
        """Send any request (v2 method or v1 event) and return its answers, failures included.

        ``token=True`` adds the private token; ``answers`` is how many answers to wait for
        (v2 default: what Kraken sends for that method; v1: one).
        """
        body = dict(params or {})
        await self._wait_ready()
        tok = await self._token() if token else None
        request = self._codec.request(method, body, self._ids(), token=tok)
        if answers is None:
            answers = ws_v2.answers_expected(method, body) if self.version == "v2" else 1
        return await self._request(request, answers, itemised_errors=itemised_errors)

    async def _trade(
        self, method: str, params: Mapping[str, Any], *, itemised_errors: bool = False
    ) -> list[Response]:
        if self.version != "v2":
            raise NotImplementedError(
                "trading methods speak v2; on v1 use request('addOrder', {...}, token=True)"
            )
        answers = await self.request(method, params, token=True, itemised_errors=itemised_errors)
        failure = _failure(answers, method)
        if failure is not None:
            raise failure
        return answers

    async def _wait_ready(self) -> None:
        if self._closing:
            raise TransportError("the client is closed")
        if self._ready.is_set():
            return
        try:
            await asyncio.wait_for(self._ready.wait(), self.request_timeout)
        except TimeoutError:
            raise ConnectError(f"not connected to {self.url}") from None

    async def _request(
        self, request: dict[str, Any], count: int, *, itemised_errors: bool = False
    ) -> list[Response]:
        ws = self._ws
        if ws is None:
            raise ConnectError(f"not connected to {self.url}")
        req_id = int(request.get("req_id", request.get("reqid", 0)))
        name = str(request.get("method", request.get("event", "")))
        future: asyncio.Future[list[Response]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        self._correlator.expect(req_id, count, itemised_errors=itemised_errors)
        try:
            try:
                await ws.send(dumps(request))
            except ConnectionClosed as exc:
                raise ConnectError(f"connection lost before {name} was sent") from exc
            return await asyncio.wait_for(future, self.request_timeout)
        except TimeoutError:
            raise RequestTimeout(f"no answer to {name} within {self.request_timeout} s") from None
        finally:
            self._pending.pop(req_id, None)
            self._correlator.forget(req_id)

    def _fail_pending(self, exc: KrakenError) -> None:
        for req_id, future in list(self._pending.items()):
            if not future.done():
                future.set_exception(exc)
            self._correlator.forget(req_id)
        self._pending.clear()

    # -- connection loop ---------------------------------------------------------------------

    async def _run(self, first: asyncio.Future[None]) -> None:
        loop = asyncio.get_running_loop()
        delays = self._backoff()
        attempts = 0
        reconnect = False
        while not self._closing:
            attempts += 1
            try:
                ws = await self._open()
            except ConnectError as exc:
                if not first.done():
                    first.set_exception(exc)
                    return
                log.warning("reconnect to %s failed: %s", self.url, exc)
                await asyncio.sleep(self._next_delay(delays))
                continue
            self._ws = ws
            self._generation += 1
            opened = loop.time()
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._restore()
            except KrakenError as exc:
                log.warning("restoring subscriptions on %s failed: %s", self.url, exc)
                ws.transport.abort()
            else:
                self._ready.set()
                if not first.done():
                    first.set_result(None)
                self._emit(Connected(self.url, reconnect, attempts))
                attempts = 0
            reason = await reader
            self._ready.clear()
            self._ws = None
            self._fail_pending(RequestTimeout(f"connection lost ({reason}): outcome unknown"))
            if self._is_closing():
                break
            self._emit(Disconnected(self.url, reason))
            for symbol in self._books.mark_all_stale():
                self._on_book_event(BookStale(symbol, "disconnected", reason))
            reconnect = True
            if loop.time() - opened >= self._stable_after:
                delays = self._backoff()
            await asyncio.sleep(self._next_delay(delays))
        if not first.done():
            first.set_exception(ConnectError("closed before connecting"))

    def _is_closing(self) -> bool:
        return self._closing  # a method: the flag changes while the loop awaits

    def _next_delay(self, delays: Iterator[float]) -> float:
        delay = next(delays)
        if self.system_status == "maintenance":
            delay = max(delay, 5.0)  # Kraken: no faster than every 5 s after maintenance
        return delay

    async def _open(self) -> ClientConnection:
        while (wait := self._limiter.try_acquire(time.monotonic())) > 0:
            log.warning("connection attempt limit reached: waiting %.1f s", wait)
            await asyncio.sleep(wait)
        try:
            return await connect(
                self.url,
                open_timeout=self.open_timeout,
                close_timeout=2,
                max_size=1 << 24,
                compression=None,
                proxy=None,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise ConnectError(f"could not connect to {self.url}: {exc!r}") from exc

    async def _read(self, ws: ClientConnection) -> str:
        """Read until the connection ends; returns why it ended."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        limit = self.heartbeat_timeout
        while True:
            try:
                frame = await asyncio.wait_for(ws.recv(), limit / 3)
            except TimeoutError:
                silent = loop.time() - last
                if silent >= limit:
                    ws.transport.abort()
                    return f"no message for {silent:.1f} s"
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(dumps(self._codec.ping(self._ids())))
                continue
            except ConnectionClosed as exc:
                return f"connection closed ({exc})"
            last = loop.time()
            try:
                self._on_frame(frame)
            except Exception:
                log.exception("could not handle a frame: %.200s", frame)

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            msg = self._codec.parse(loads(frame))
        except (ValueError, ProtocolError) as exc:
            log.warning("unreadable frame (%s): %.200s", exc, frame)
            return
        events: list[ClientEvent] = []
        if isinstance(msg, Response):
            if msg.req_id in self._correlator:
                done = self._correlator.feed(msg)
                future = self._pending.get(msg.req_id) if msg.req_id is not None else None
                if done is not None and future is not None and not future.done():
                    future.set_result(done)
                return
        elif isinstance(msg, ChannelMessage):
            if msg.channel == "book":
                events = self._books.apply(msg)
            elif msg.channel == "instrument":
                self._books.learn_instruments(msg)
                self._instruments.set()
                if not self._subs.has("instrument"):
                    return  # read for precision only
        elif isinstance(msg, Status):
            self.system_status = msg.system
        elif isinstance(msg, Heartbeat | Pong) and not self._heartbeats:
            return
        self._emit(msg)
        for event in events:
            self._on_book_event(event)
